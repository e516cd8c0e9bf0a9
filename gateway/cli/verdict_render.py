"""How the CLI shows a verdict and a trust store: the terminal's side of `gateway chip read` and
`gateway verify` (the verification itself is `gateway.verify`, which renders nothing)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from gateway.pki.store import TrustStore


def load_trust(paths: Sequence[str]) -> TrustStore:
    return TrustStore.from_paths(paths)


def trust_summary(store: TrustStore) -> dict[str, Any]:
    """What was loaded, with problems: CSCAs, countries, CRLs (no personal data in trust material)."""
    summary = store.summary()
    return {"cscas": summary["cscas"], "countries": sorted(summary["countries"]), "crls": len(summary["crls"]),
            "problems": summary["problems"]}


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
