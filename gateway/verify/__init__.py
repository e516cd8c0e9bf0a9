"""Verifying a document: the one read-and-verify recipe (`pipeline.read_and_verify`) and the checks
it is built from (`passive`, `document_checks`, `optical`, `verdict_builder`, with reason codes in `reasons`)."""

from .optical import PageCapture
from .pipeline import VerifyOptions, read_and_verify
from .result import VerifyResult

__all__ = ["PageCapture", "VerifyOptions", "VerifyResult", "read_and_verify"]
