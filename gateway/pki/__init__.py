"""The eMRTD PKI on the reader side (ICAO Doc 9303 Part 12): trust store, master lists,
certificates, CRLs and signature verification."""

from __future__ import annotations

from gateway.crypto.signatures import UnsupportedSignature, verify
from gateway.pki.certificate import Certificate, CertificateError, RevocationList, load_certificate, load_crl
from gateway.pki.masterlist import MasterList, MasterListError, parse_master_list
from gateway.pki.store import LoadReport, SourceReport, TrustStore, TrustStoreError

__all__ = [
    "Certificate",
    "CertificateError",
    "LoadReport",
    "MasterList",
    "MasterListError",
    "RevocationList",
    "SourceReport",
    "TrustStore",
    "TrustStoreError",
    "UnsupportedSignature",
    "load_certificate",
    "load_crl",
    "parse_master_list",
    "verify",
]
