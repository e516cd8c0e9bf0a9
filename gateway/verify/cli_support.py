"""What `gateway chip read --trust PATH` adds to a chip read: the AA/CA steps to run, the trust
store, and the verdict with its checks — kept here so the chip command needs only a few lines:

    add_trust_arguments(read_parser)                       # --trust PATH (repeatable)
    options = ReadOptions(..., steps=steps_for(args.aa, args.ca or bool(args.trust)))
    report |= verdict_section(result, args.trust, printed_mrz=args.mrz)   # when args.trust
    print(render_verdict(report))                          # text mode
"""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Sequence
from typing import Any

from gateway.nfc.auth_steps import ActiveAuthenticationStep, ChipAuthenticationStep
from gateway.nfc.steps import StepFactory
from gateway.pki.store import TrustStore
from gateway.verify.verdict_builder import verify_document_report


def add_trust_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--trust", metavar="PATH", action="append", default=None,
        help="trust material for the verdict: a CSCA master list (.ml), certificate or CRL files, or a "
        "folder of them; repeatable. Prints the verdict and its checks",
    )


def steps_for(active_authentication: bool, chip_authentication: bool) -> tuple[StepFactory, ...]:
    """Chip authentication first: it re-keys secure messaging, so AA and the remaining files are
    then read under keys only the genuine chip can hold."""
    steps: list[StepFactory] = []
    if chip_authentication:
        steps.append(ChipAuthenticationStep.factory())
    if active_authentication:
        steps.append(ActiveAuthenticationStep.factory())
    return tuple(steps)


def load_trust(paths: Sequence[str]) -> TrustStore:
    return TrustStore.from_paths(paths)


def verdict_section(
    result: Any,
    trust_paths: Sequence[str] | TrustStore | None,
    *,
    printed_mrz: str | None = None,
    today: dt.date | None = None,
) -> dict[str, Any]:
    """`verdict`, `checks`, `trust` (what was loaded, with problems) and `verification` details
    (document signer / CSCA summaries, algorithms) for the chip read's JSON."""
    store = trust_paths if isinstance(trust_paths, TrustStore) else (
        load_trust(trust_paths) if trust_paths else None)
    report = verify_document_report(result, store, printed_mrz, today=today)
    out = report.to_dict()
    details = out.pop("details")
    out["verification"] = details
    if store is not None:
        summary = store.summary()
        out["trust"] = {"cscas": summary["cscas"], "countries": sorted(summary["countries"]),
                        "crls": len(summary["crls"]), "problems": summary["problems"]}
    return out


def render_verdict(section: dict[str, Any], language: str = "en") -> str:
    lines = [f"  {'verdict':<24}{section['verdict']}"]
    for check in section["checks"]:
        mark = {"PASSED": "ok", "FAILED": "FAILED", "NOT_PERFORMED": "-"}[check["status"]]
        lines.append(f"  {check['name']:<24}{mark:<8}{check['message'][language]}")
    trust = section.get("trust")
    if trust:
        lines.append(f"  {'trust store':<24}{trust['cscas']} CSCA(s) of {len(trust['countries'])} countries, "
                     f"{trust['crls']} CRL(s)")
        lines.extend(f"  {'trust problem':<24}{p}" for p in trust["problems"][:5])
    return "\n".join(lines)
