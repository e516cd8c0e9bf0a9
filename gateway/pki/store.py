"""The trust store: CSCA certificates and CRLs, loaded from master lists, certificate files and
folders, with a report of what was loaded and what was refused.

Lookups are what passive authentication needs per document: the CSCA(s) that may have issued
a document signer (by authority key identifier, then by issuer name) and the CRLs of a CSCA —
dictionary lookups, so a store of a full ICAO master list (~600 CSCAs) answers in microseconds.

Trust files are hostile input too (a folder an operator fills from downloads and e-mail). A file
that cannot be used is named in the load report with a one-line reason (`SourceReport.error`)
and the rest is served: its CSCAs are simply absent, so documents they signed get
NO_TRUST_ANCHOR (inconclusive), never GENUINE. `TrustStore.from_paths(..., strict=True)` (the
daemon's `[trust] strict = true`) refuses to start instead, with a `TrustStoreError` naming the file.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gateway.crypto.asn1 import ASN1_FAILURES
from gateway.crypto.errors import CryptoError
from gateway.pki.certificate import Certificate, CertificateError, RevocationList, load_certificate, load_crl
from gateway.pki.masterlist import MasterListError, parse_master_list

_PEM = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----\s*(.*?)\s*-----END \1-----", re.S)
_LDIF_ATTR = re.compile(
    rb"^(pkdMasterListContent|userCertificate;binary|certificateRevocationList;binary|"
    rb"cACertificate;binary)::[ ]?(.*(?:\r?\n[ ].*)*)",
    re.M,
)
# Files larger than this are not trust material (the full ICAO LDIF is ~100 MB; allow it).
MAX_FILE_BYTES = 512 * 1024 * 1024


@dataclass
class SourceReport:
    """What one file contributed."""

    source: str
    kind: str  # "master list", "certificates", "crl", "ldif", "unknown"
    certificates: int = 0
    crls: int = 0
    verified: bool | None = None  # master lists: did signature and signer chain verify
    signer_country: str | None = None
    problems: list[str] = field(default_factory=list)
    error: str | None = None  # why the file, or a part of it, was refused (None: all of it was usable)

    def refuse(self, reason: str) -> None:
        """Record that (part of) this source could not be used: a problem, and the first error."""
        self.problems.append(reason)
        if self.error is None:
            self.error = reason

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "kind": self.kind,
            "certificates": self.certificates,
            "crls": self.crls,
            "verified": self.verified,
            "signer_country": self.signer_country,
            "problems": list(self.problems),
            "error": self.error,
        }


@dataclass
class LoadReport:
    sources: list[SourceReport] = field(default_factory=list)

    @property
    def problems(self) -> list[str]:
        return [f"{s.source}: {p}" for s in self.sources for p in s.problems]

    @property
    def refused(self) -> list[SourceReport]:
        """Sources that were (partly) refused, each with its one-line `error`."""
        return [s for s in self.sources if s.error is not None]


class TrustStoreError(ValueError):
    """Strict loading met a trust file it could not use; the message names the file and the reason."""

    def __init__(self, refused: list[SourceReport]) -> None:
        first = refused[0]
        more = f" (and {len(refused) - 1} more file(s) refused)" if len(refused) > 1 else ""
        super().__init__(f"trust file {first.source} refused: {first.error}{more}")
        self.refused = refused


class TrustStore:
    """CSCA certificates (incl. link certificates) and CRLs. Not thread-safe while loading;
    read-only lookups afterwards are."""

    def __init__(self, *, accept_unverified_master_lists: bool = False) -> None:
        self.accept_unverified_master_lists = accept_unverified_master_lists
        self._cscas: dict[str, Certificate] = {}  # fingerprint → cert
        self._by_subject: dict[str, list[Certificate]] = defaultdict(list)
        self._by_ski: dict[bytes, list[Certificate]] = defaultdict(list)
        self._crls: list[RevocationList] = []
        self._crls_by_issuer: dict[str, list[RevocationList]] = defaultdict(list)
        self.report = LoadReport()

    # --- loading ----------------------------------------------------------------------------

    @classmethod
    def from_paths(cls, paths: Iterable[str | Path], *, strict: bool = False, **kwargs: bool) -> TrustStore:
        """Load every path. A file that cannot be used is reported (`report.refused`) and skipped;
        with `strict=True` it is an error instead: TrustStoreError naming the first such file."""
        store = cls(**kwargs)
        for path in paths:
            store.load(path)
        if strict and store.report.refused:
            raise TrustStoreError(store.report.refused)
        return store

    def add_certificate(self, cert: Certificate, report: SourceReport | None = None) -> bool:
        """Add a CSCA (or link) certificate. Non-CA certificates are refused: a document signer
        in the trust folder must not become an anchor."""
        if not cert.is_ca:
            if report is not None:
                report.problems.append(f"not a CA certificate, skipped ({cert.subject})")
            return False
        if cert.key_usage is not None and "key_cert_sign" not in cert.key_usage and report is not None:
            report.problems.append(f"CA certificate without keyCertSign ({cert.subject})")
        if report is not None:  # counted per source even when another source had it already
            report.certificates += 1
            if cert.key_problem:
                report.problems.append(f"key of {cert.subject} is unusable: {cert.key_problem}")
        if cert.fingerprint in self._cscas:
            return False
        self._cscas[cert.fingerprint] = cert
        self._by_subject[cert.subject_key].append(cert)
        if cert.ski:
            self._by_ski[cert.ski].append(cert)
        return True

    def add_crl(self, crl: RevocationList, report: SourceReport | None = None) -> None:
        if any(c.der == crl.der for c in self._crls):
            return
        self._crls.append(crl)
        self._crls_by_issuer[crl.issuer_key].append(crl)
        if report is not None:
            report.crls += 1

    def load(self, path: str | Path) -> LoadReport:
        """Load a file or, recursively, every file of a folder (unknown files are reported)."""
        p = Path(path)
        if p.is_dir():
            for child in sorted(p.rglob("*")):
                if child.is_file() and not child.name.startswith("."):
                    self._load_file(child)
        elif p.is_file():
            self._load_file(p)
        else:
            missing = SourceReport(str(p), "unknown")
            missing.refuse("no such file or folder")
            self.report.sources.append(missing)
        return self.report

    def _load_file(self, path: Path) -> None:
        report = SourceReport(str(path), "unknown")
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                report.refuse(f"file too large (more than {MAX_FILE_BYTES // (1024 * 1024)} MiB)")
                self.report.sources.append(report)
                return
            data = path.read_bytes()
        except OSError as exc:
            report.refuse(f"cannot read: {exc.strerror}")
            self.report.sources.append(report)
            return
        self.load_bytes(data, str(path))

    def load_bytes(self, data: bytes, source: str = "<bytes>") -> SourceReport:
        """Detect the format (master list, certificate, CRL — DER or PEM — or ICAO PKD LDIF) and load
        it. Never raises for bad content: what could not be used is in the returned report's `error`."""
        data = bytes(data)
        try:
            if b"-----BEGIN" in data:
                report = self._load_pem(data, source)
            elif _LDIF_ATTR.search(data[:4_000_000]) is not None:
                report = self._load_ldif(data, source)
            else:
                report = SourceReport(source, "unknown")
                self._load_der(data, report)
        except (*ASN1_FAILURES, CryptoError) as exc:  # a parser below let a failure through: still one file
            report = SourceReport(source, "unknown")
            report.refuse(f"unreadable trust file ({type(exc).__name__})")
        self.report.sources.append(report)
        return report

    def _load_der(self, data: bytes, report: SourceReport) -> None:
        try:
            ml = parse_master_list(data)
        except MasterListError:
            ml = None
        if ml is not None:
            report.kind = "master list"
            report.verified = ml.verified
            report.signer_country = ml.signer_country
            report.problems.extend(ml.problems)
            if not ml.verified and not self.accept_unverified_master_lists:
                report.refuse("master list does not verify; its certificates were NOT loaded")
                return
            for cert in ml.certificates:
                self.add_certificate(cert, report)
            return
        try:
            cert = load_certificate(data)
        except CertificateError:
            cert = None
        if cert is not None:
            report.kind = "certificates"
            self.add_certificate(cert, report)
            return
        try:
            crl = load_crl(data)
        except CertificateError:
            report.refuse("not a master list, certificate or CRL")
            return
        report.kind = "crl"
        self.add_crl(crl, report)

    def _load_embedded(self, der: bytes, source: str, report: SourceReport) -> SourceReport:
        """Load one DER object found inside a PEM or LDIF container; its counts and problems are
        added to the container's `report`, its own report is returned for the kind it turned out to be."""
        sub = SourceReport(source, "unknown")
        self._load_der(der, sub)
        report.certificates += sub.certificates
        report.crls += sub.crls
        report.problems.extend(sub.problems)
        if sub.error is not None and report.error is None:
            report.error = sub.error
        return sub

    def _load_pem(self, data: bytes, source: str) -> SourceReport:
        report = SourceReport(source, "certificates")
        for label, body in _PEM.findall(data):
            try:
                der = base64.b64decode(b"".join(body.split()), validate=True)
            except ValueError:
                report.refuse(f"PEM block {label.decode(errors='replace')[:40]} is not valid base64")
                continue
            sub = self._load_embedded(der, source, report)
            if sub.kind == "master list":
                report.kind, report.verified, report.signer_country = sub.kind, sub.verified, sub.signer_country
            elif sub.kind == "crl" and report.certificates == 0:
                report.kind = "crl"
        return report

    def _load_ldif(self, data: bytes, source: str) -> SourceReport:
        report = SourceReport(source, "ldif", verified=True)
        for attr, value in _LDIF_ATTR.findall(data):
            try:
                der = base64.b64decode(b"".join(value.split()), validate=True)
            except ValueError:
                report.refuse(f"{attr.decode()} value is not valid base64")
                continue
            sub = self._load_embedded(der, source, report)
            if sub.kind == "master list" and not sub.verified:
                report.verified = False
        return report

    # --- lookups ----------------------------------------------------------------------------

    @property
    def certificates(self) -> list[Certificate]:
        return list(self._cscas.values())

    @property
    def crls(self) -> list[RevocationList]:
        return list(self._crls)

    def __len__(self) -> int:
        return len(self._cscas)

    def by_subject_key_id(self, ski: bytes) -> list[Certificate]:
        return list(self._by_ski.get(ski, ()))

    def by_subject(self, subject_key: str) -> list[Certificate]:
        return list(self._by_subject.get(subject_key, ()))

    def issuer_candidates(self, cert: Certificate) -> list[Certificate]:
        """CSCAs that may have issued `cert`: matching key identifier first, then same name.
        A CSCA whose SKI contradicts the certificate's AKI is left out (a rolled-over key)."""
        found: list[Certificate] = []
        if cert.aki:
            found = [c for c in self.by_subject_key_id(cert.aki) if c.subject_key == cert.issuer_key]
        for c in self.by_subject(cert.issuer_key):
            if c in found:
                continue
            if cert.aki and c.ski and c.ski != cert.aki:
                continue
            found.append(c)
        return found

    def crls_for(self, issuer: Certificate) -> list[RevocationList]:
        """CRLs naming `issuer` as their issuer (their signature is checked by the caller)."""
        out = []
        for crl in self._crls_by_issuer.get(issuer.subject_key, ()):
            if crl.aki and issuer.ski and crl.aki != issuer.ski:
                continue
            out.append(crl)
        return out

    def _crl_issuers(self, crl: RevocationList) -> list[Certificate]:
        return [c for c in self.by_subject(crl.issuer_key) if not (crl.aki and c.ski and crl.aki != c.ski)]

    # --- report -------------------------------------------------------------------------------

    def summary(self, now: dt.datetime | None = None) -> dict[str, Any]:
        """What was loaded: per country the number of CSCAs, how many are valid now, and the
        validity span; the CRLs; and every problem met while loading."""
        now = now or dt.datetime.now(dt.UTC)
        countries: dict[str, dict[str, Any]] = {}
        for cert in self._cscas.values():
            key = cert.country or "?"
            entry = countries.setdefault(key, {"cscas": 0, "valid_now": 0, "not_before": None, "not_after": None})
            entry["cscas"] += 1
            entry["valid_now"] += cert.valid_at(now)
            nb, na = cert.not_before.isoformat(), cert.not_after.isoformat()
            entry["not_before"] = min(entry["not_before"] or nb, nb)
            entry["not_after"] = max(entry["not_after"] or na, na)
        return {
            "cscas": len(self._cscas),
            "countries": dict(sorted(countries.items())),
            "crls": [c.summary() | {"current": c.next_update is None or c.next_update >= now,
                                    "issuer_loaded": bool(self._crl_issuers(c))} for c in self._crls],
            "sources": [s.to_dict() for s in self.report.sources],
            "problems": self.report.problems,
        }
