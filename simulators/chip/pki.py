"""A test PKI shaped like ICAO Doc 9303 Part 12: per-country CSCA, document signers, CRLs, master list.

Everything is derived from a public seed (see `simulators.chip.keys`) with fixed dates, so any
process rebuilds the same CSCAs: a card simulated by `gateway-sim chip` and a reader started with
`--trust DIR` agree on trust anchors without a private key ever being written to the repository.

Document signer variants exist so one trust store covers every fault profile at once:
  valid         chains to the country CSCA, within validity;
  expired       same CSCA, certificate validity ended in 2023;
  revoked       same CSCA, serial listed on that CSCA's CRL;
  unknown-csca  issued by a second CSCA of the same country that is in no master list or trust folder.

Fixed dates (UTC): CSCAs 2011-01-01..2041-01-01; valid/revoked DS 2025-01-01..2036-04-01 (private key
usage 2025-01-01..2025-04-01, SOD signing time 2025-02-03); expired DS 2012-01-01..2023-01-01; CRL
thisUpdate 2025-06-01 nextUpdate 2035-06-01 (long, so tests do not rot); master list signer
2025-01-01..2035-01-01.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from asn1crypto import core
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID

from simulators.chip.cms_build import signed_data
from simulators.chip.keys import ALGORITHMS, derive_key
from simulators.chip.security_infos import der_set_of
from simulators.chip.signing import certificate_sign_kwargs, sign
from simulators.chip.tlv_build import encode_length

OID_MASTER_LIST = "2.23.136.1.1.2"  # id-icao-cscaMasterList
OID_MASTER_LIST_SIGNING_KEY = "2.23.136.1.1.3"  # extendedKeyUsage of the master list signer
OID_DOCUMENT_TYPE_LIST = "2.23.136.1.1.6.2"  # Doc 9303 Part 12 DS extension

SignerKind = Literal["valid", "expired", "revoked", "unknown-csca"]
SIGNER_KINDS: tuple[str, ...] = ("valid", "expired", "revoked", "unknown-csca")
DEFAULT_SEED = "clearing-gateway test PKI v1"
DEFAULT_COUNTRIES = ("UTO", "D", "BGR", "ROU")


def _utc(y: int, m: int, d: int) -> dt.datetime:
    return dt.datetime(y, m, d, tzinfo=dt.UTC)


CSCA_VALIDITY = (_utc(2011, 1, 1), _utc(2041, 1, 1))
DS_VALIDITY = (_utc(2025, 1, 1), _utc(2036, 4, 1))
DS_KEY_USAGE_PERIOD = (_utc(2025, 1, 1), _utc(2025, 4, 1))
DS_SIGNING_TIME = _utc(2025, 2, 3)
EXPIRED_DS_VALIDITY = (_utc(2012, 1, 1), _utc(2023, 1, 1))
EXPIRED_DS_SIGNING_TIME = _utc(2012, 2, 1)
REVOCATION_DATE = _utc(2025, 3, 1)
CRL_UPDATE = (_utc(2025, 6, 1), _utc(2035, 6, 1))
ML_SIGNER_VALIDITY = (_utc(2025, 1, 1), _utc(2035, 1, 1))
ML_SIGNING_TIME = _utc(2025, 6, 1)

# X.509 country names are ISO 3166 alpha-2; MRZ codes are alpha-3 (or 'D'). Fictional UTO -> 'UT'.
_ALPHA2 = {"UTO": "UT", "D": "DE", "DEU": "DE", "BGR": "BG", "ROU": "RO", "POL": "PL", "HUN": "HU",
           "FRA": "FR", "ITA": "IT", "ESP": "ES", "NLD": "NL", "AUT": "AT", "GRC": "GR", "CZE": "CZ"}


def alpha2(country: str) -> str:
    return _ALPHA2.get(country.upper(), country.upper()[:2])


@dataclass(frozen=True)
class Signer:
    """A private key with its certificate: a CSCA, a document signer or the master list signer."""

    key: object
    certificate: x509.Certificate
    algorithm: str
    kind: str = "valid"
    signing_time: dt.datetime = DS_SIGNING_TIME

    @property
    def certificate_der(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.DER)

    def sign(self, data: bytes) -> bytes:
        return sign(self.key, self.algorithm, data)


def _serial(label: str) -> int:
    # Positive, below 2**119 (fits the 20-octet limit) and never zero.
    return (int.from_bytes(hashlib.sha256(label.encode()).digest()[:15], "big") >> 1) | 1


def _name(country: str, common_name: str) -> x509.Name:
    return x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, alpha2(country)),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Simulated Test Authority"),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ])


def _document_type_list(types: tuple[str, ...]) -> bytes:
    """DocumentTypeListSyntax ::= SEQUENCE { version INTEGER(0), docTypeList SET OF PrintableString }."""
    body = core.Integer(0).dump() + der_set_of([core.PrintableString(t).dump() for t in types])
    return b"\x30" + encode_length(len(body)) + body


def _private_key_usage_period(start: dt.datetime, end: dt.datetime) -> x509.PrivateKeyUsagePeriod:
    return x509.PrivateKeyUsagePeriod(not_before=start.replace(tzinfo=None), not_after=end.replace(tzinfo=None))


@dataclass
class CountryAuthority:
    """One issuing state's CSCA and everything it signs."""

    country: str
    csca: Signer
    rogue_csca: Signer  # the 'unknown CSCA': same country, never published
    pki: TestPKI
    _signers: dict[tuple[str, str], Signer] = field(default_factory=dict)

    def signer(self, kind: str = "valid", algorithm: str | None = None) -> Signer:
        """Document signer of the given kind; `algorithm` defaults to the PKI's signer algorithm."""
        algorithm = algorithm or self.pki.signer_algorithm
        if kind not in SIGNER_KINDS:
            raise ValueError(f"unknown document signer kind {kind!r}; known: {SIGNER_KINDS}")
        if algorithm not in ALGORITHMS:
            raise ValueError(f"unknown algorithm {algorithm!r}; known: {ALGORITHMS}")
        cache_key = (kind, algorithm)
        if cache_key not in self._signers:
            self._signers[cache_key] = self._issue_signer(kind, algorithm)
        return self._signers[cache_key]

    def _label(self, role: str) -> str:
        return f"{self.pki.seed}|{self.country}|{role}"

    def _issue_signer(self, kind: str, algorithm: str) -> Signer:
        issuer = self.rogue_csca if kind == "unknown-csca" else self.csca
        key = derive_key(self._label(f"ds-{kind}-{algorithm}"), algorithm, self.pki.rsa_bits)
        validity = EXPIRED_DS_VALIDITY if kind == "expired" else DS_VALIDITY
        usage = (validity[0], validity[0] + dt.timedelta(days=90))
        signing_time = EXPIRED_DS_SIGNING_TIME if kind == "expired" else DS_SIGNING_TIME
        ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
        builder = (
            x509.CertificateBuilder()
            .subject_name(_name(self.country, f"Document Signer {kind} {algorithm}"))
            .issuer_name(issuer.certificate.subject)
            .public_key(key.public_key())
            .serial_number(self.ds_serial(kind, algorithm))
            .not_valid_before(validity[0])
            .not_valid_after(validity[1])
            .add_extension(x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
                encipher_only=False, decipher_only=False), critical=True)
            .add_extension(_aki(issuer), critical=False)
            .add_extension(ski, critical=False)
            .add_extension(_private_key_usage_period(*usage), critical=False)
            .add_extension(x509.UnrecognizedExtension(
                x509.ObjectIdentifier(OID_DOCUMENT_TYPE_LIST), _document_type_list(("P", "I", "A"))),
                critical=False)
        )
        cert = builder.sign(issuer.key, **certificate_sign_kwargs(issuer.algorithm))
        return Signer(key, cert, algorithm, kind, signing_time)

    def ds_serial(self, kind: str, algorithm: str) -> int:
        return _serial(self._label(f"ds-serial-{kind}-{algorithm}"))

    @functools.cached_property
    def crl(self) -> x509.CertificateRevocationList:
        """CRL signed by the CSCA listing the 'revoked' document signer of every algorithm.

        Serials are derived, not taken from issued certificates, so the CRL is complete even before
        any revoked signer was created in this process.
        """
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(self.csca.certificate.subject)
            .last_update(CRL_UPDATE[0])
            .next_update(CRL_UPDATE[1])
            .add_extension(_aki(self.csca), critical=False)
            .add_extension(x509.CRLNumber(1), critical=False)
        )
        for algorithm in ALGORITHMS:
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder()
                .serial_number(self.ds_serial("revoked", algorithm))
                .revocation_date(REVOCATION_DATE)
                .add_extension(x509.CRLReason(x509.ReasonFlags.key_compromise), critical=False)
                .build()
            )
        return builder.sign(self.csca.key, **certificate_sign_kwargs(self.csca.algorithm))

    @property
    def crl_der(self) -> bytes:
        return self.crl.public_bytes(serialization.Encoding.DER)


def _aki(issuer: Signer) -> x509.AuthorityKeyIdentifier:
    return x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key())


def _csca(pki: TestPKI, country: str, role: str, common_name: str) -> Signer:
    key = derive_key(f"{pki.seed}|{country}|{role}-{pki.csca_algorithm}", pki.csca_algorithm, pki.rsa_bits)
    name = _name(country, common_name)
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(_serial(f"{pki.seed}|{country}|{role}-serial"))
        .not_valid_before(CSCA_VALIDITY[0])
        .not_valid_after(CSCA_VALIDITY[1])
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=False, content_commitment=False, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
            encipher_only=False, decipher_only=False), critical=True)
        .add_extension(ski, critical=False)
        .add_extension(x509.AuthorityKeyIdentifier(ski.digest, None, None), critical=False)
        .add_extension(_private_key_usage_period(CSCA_VALIDITY[0], CSCA_VALIDITY[0] + dt.timedelta(days=5 * 365)),
                       critical=False)
    )
    cert = builder.sign(key, **certificate_sign_kwargs(pki.csca_algorithm))
    return Signer(key, cert, pki.csca_algorithm, "csca", CSCA_VALIDITY[0])


@dataclass(frozen=True)
class TrustPaths:
    """What `TestPKI.write_trust` wrote; the reader side loads these like real trust material."""

    folder: Path
    master_list: Path
    csca_pem: dict[str, Path]
    csca_der: dict[str, Path]
    crl_der: dict[str, Path]


class TestPKI:
    """All authorities of the simulated world. Build documents with one instance so they share CSCAs.

    `csca_algorithm` signs certificates, CRLs and the master list signer; `signer_algorithm` is the
    default document signer key type (each document may ask for another; all chain to the same CSCA).
    """

    __test__ = False  # not a pytest test class despite the name

    def __init__(self, seed: str = DEFAULT_SEED, csca_algorithm: str = "ecdsa-brainpoolP256r1",
                 signer_algorithm: str = "ecdsa-brainpoolP256r1", ml_country: str = "UTO",
                 rsa_bits: int = 2048) -> None:
        for alg in (csca_algorithm, signer_algorithm):
            if alg not in ALGORITHMS:
                raise ValueError(f"unknown algorithm {alg!r}; known: {ALGORITHMS}")
        self.seed = seed
        self.csca_algorithm = csca_algorithm
        self.signer_algorithm = signer_algorithm
        self.ml_country = ml_country
        self.rsa_bits = rsa_bits
        self._authorities: dict[str, CountryAuthority] = {}

    @staticmethod
    @functools.lru_cache(maxsize=8)
    def shared(seed: str = DEFAULT_SEED, csca_algorithm: str = "ecdsa-brainpoolP256r1",
               signer_algorithm: str = "ecdsa-brainpoolP256r1") -> TestPKI:
        """One instance per process and parameter set, so tests and profiles share CSCAs cheaply."""
        return TestPKI(seed, csca_algorithm, signer_algorithm)

    def authority(self, country: str) -> CountryAuthority:
        country = country.upper()
        if country not in self._authorities:
            self._authorities[country] = CountryAuthority(
                country=country,
                csca=_csca(self, country, "csca", f"CSCA {country} (test)"),
                rogue_csca=_csca(self, country, "rogue-csca", f"CSCA {country} (test, unlisted)"),
                pki=self,
            )
        return self._authorities[country]

    def signer(self, country: str, kind: str = "valid", algorithm: str | None = None) -> Signer:
        return self.authority(country).signer(kind, algorithm)

    def countries(self) -> list[str]:
        """Countries whose CSCA is published: the defaults plus every authority created so far."""
        return sorted(set(DEFAULT_COUNTRIES) | set(self._authorities))

    @functools.cached_property
    def master_list_signer(self) -> Signer:
        """Master list signer: issued by the ML country's CSCA, EKU id-icao-cscaMasterListSigningKey."""
        csca = self.authority(self.ml_country).csca
        key = derive_key(f"{self.seed}|{self.ml_country}|ml-signer-{self.csca_algorithm}",
                         self.csca_algorithm, self.rsa_bits)
        cert = (
            x509.CertificateBuilder()
            .subject_name(_name(self.ml_country, "Master List Signer (test)"))
            .issuer_name(csca.certificate.subject)
            .public_key(key.public_key())
            .serial_number(_serial(f"{self.seed}|{self.ml_country}|ml-signer-serial"))
            .not_valid_before(ML_SIGNER_VALIDITY[0])
            .not_valid_after(ML_SIGNER_VALIDITY[1])
            .add_extension(x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
                encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([x509.ObjectIdentifier(OID_MASTER_LIST_SIGNING_KEY)]),
                           critical=True)
            .add_extension(_aki(csca), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(csca.key, **certificate_sign_kwargs(csca.algorithm))
        )
        return Signer(key, cert, self.csca_algorithm, "ml-signer", ML_SIGNING_TIME)

    def master_list(self, countries: list[str] | None = None) -> bytes:
        """CMS SignedData, eContentType id-icao-cscaMasterList, content
        CscaMasterList ::= SEQUENCE { version INTEGER (v0), certList SET OF Certificate }
        (Doc 9303 Part 12, 9). The unlisted ('unknown') CSCAs are never included."""
        certs = [self.authority(c).csca.certificate_der for c in (countries or self.countries())]
        body = core.Integer(0).dump() + der_set_of(certs)
        content = b"\x30" + encode_length(len(body)) + body
        ml = self.master_list_signer
        csca = self.authority(self.ml_country).csca
        return signed_data(OID_MASTER_LIST, content, signer_key=ml.key, signer_cert=ml.certificate,
                           algorithm=ml.algorithm, certificates=[ml.certificate, csca.certificate],
                           signing_time=ML_SIGNING_TIME)

    def write_trust(self, folder: str | Path, countries: list[str] | None = None) -> TrustPaths:
        """Write `masterlist.ml`, `csca-<C>.pem`, `csca-<C>.der`, `crl-<C>.der` (C = MRZ country code)."""
        out = Path(folder)
        out.mkdir(parents=True, exist_ok=True)
        countries = countries or self.countries()
        ml_path = out / "masterlist.ml"
        ml_path.write_bytes(self.master_list(countries))
        pem, der, crl = {}, {}, {}
        for c in countries:
            auth = self.authority(c)
            pem[c] = out / f"csca-{c}.pem"
            pem[c].write_bytes(auth.csca.certificate.public_bytes(serialization.Encoding.PEM))
            der[c] = out / f"csca-{c}.der"
            der[c].write_bytes(auth.csca.certificate_der)
            crl[c] = out / f"crl-{c}.der"
            crl[c].write_bytes(auth.crl_der)
        return TrustPaths(out, ml_path, pem, der, crl)


def main(argv: list[str] | None = None) -> int:
    """`python -m simulators.chip.pki DIR`: write the test trust material for a reader to load."""
    import argparse

    ap = argparse.ArgumentParser(prog="python -m simulators.chip.pki", description=main.__doc__)
    ap.add_argument("folder", help="output folder (created if missing)")
    ap.add_argument("--countries", default=",".join(DEFAULT_COUNTRIES),
                    help="comma-separated MRZ country codes whose CSCA to publish (default: %(default)s)")
    ap.add_argument("--seed", default=DEFAULT_SEED, help="PKI seed (must match the simulated cards')")
    args = ap.parse_args(argv)
    countries = [c.strip().upper() for c in args.countries.split(",") if c.strip()]
    paths = TestPKI(seed=args.seed).write_trust(args.folder, countries)
    print(f"wrote master list and {len(countries)} CSCA/CRL pairs to {paths.folder}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
