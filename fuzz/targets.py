"""The fuzz targets: one per parser of hostile input, plus verification and the whole chip pipeline.

Each target's seeds come from the simulator (its own encoders, never the reader's parsers), so the
fuzzer starts from genuine files and mutates them. Nothing of the gateway is imported at module
level: the atheris runner imports it inside `instrument_imports()` so that it is coverage-traced.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from fuzz.contract import Finding, Target

NOW = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
TODAY = NOW.date()

#: Profiles the seeds are built from: every kind of key, signature and file layout the simulator makes.
SEED_PROFILES = (
    "td3-bac",
    "td3-rsa-pss",
    "td3-pace-bac-ca-aa",
    "td3-explicit-ec-params",
    "td3-ecdsa-aa-p256",
    "td1-eu-pace",
    "td1-multi-paceinfo",
    "quirk-legacy-lds-oid",
)
#: Profiles the verification and pipeline targets judge (a genuine read of each is GENUINE).
VERIFY_PROFILES = ("td3-bac", "td3-rsa-pss", "td3-pace-bac-ca-aa", "td1-eu-pace")

FID = {"EF.COM": 0x011E, "EF.SOD": 0x011D, **{f"DG{n}": 0x0100 + n for n in range(1, 17)}}
EF_CARD_ACCESS = 0x011C


# --- seed material (simulator side) -----------------------------------------------------------------


@functools.cache
def documents() -> dict[str, Any]:
    from simulators.chip.lds_builder import build_document
    from simulators.chip.pki import TestPKI
    from simulators.chip.profile import load_profile

    return {name: build_document(load_profile(name), TestPKI.shared()) for name in SEED_PROFILES}


def file_seeds(name: str) -> list[bytes]:
    out = []
    for doc in documents().values():
        data = doc.ef_files.get(EF_CARD_ACCESS) if name == "EF.CardAccess" else doc.app_files.get(FID[name])
        if data and data not in out:
            out.append(bytes(data))
    return out


@functools.cache
def trust_files() -> dict[str, bytes]:
    from simulators.chip.pki import TestPKI

    folder = Path(tempfile.mkdtemp(prefix="gateway-fuzz-trust-"))
    TestPKI.shared().write_trust(folder)
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def _trust_seeds(prefix: str, suffix: str = "") -> list[bytes]:
    return [data for name, data in trust_files().items() if name.startswith(prefix) and name.endswith(suffix)]


def _sod_parts(sod: bytes) -> dict[str, Any]:
    """What an EF.SOD's signatures vouch for, read with the simulator's own DER editor: eContent,
    each SignerInfo's signed attributes, and the to-be-signed part of each certificate. Signature
    values are left out on purpose: RSASSA-PSS signs with a random salt, so the same signer signing
    the same bytes again (another process building the seeds) gives other, equally valid values.
    (The SignerInfo's sid is not signed either: a case change in its issuer name names the same signer.)"""
    from simulators.chip import der_edit

    root = der_edit.parse(sod)
    (content_info,) = root.children or []
    signed_data = content_info.children[1].children[0]
    kids = signed_data.children
    encap = kids[2]
    certs = []
    for holder in (k for k in kids[3:-1] if k.tag == b"\xa0"):
        certs += [(c.children or [c])[0].encode() for c in holder.children or []]
    signers = []
    for si in kids[-1].children or []:
        signers.append(tuple(p.encode() for p in si.children or [] if p.tag == b"\xa0"))
    return {"econtent": encap.encode(), "certificates": tuple(certs), "signers": tuple(signers)}


def sod_seeds() -> list[bytes]:
    return file_seeds("EF.SOD")


def spki_seeds() -> list[bytes]:
    from simulators.chip import der_edit

    out = []
    for dg15 in file_seeds("DG15"):
        out.append(der_edit.parse(dg15).children[0].encode())
    for sod in sod_seeds():  # the document signer certificates' keys
        for node in der_edit.parse(sod).walk():
            kids = node.children or []
            if node.tag == b"\x30" and len(kids) == 2 and kids[1].tag == b"\x03" and kids[0].tag == b"\x30":
                alg = kids[0].children or []
                if alg and alg[0].tag == b"\x06" and node.parent is not None and node.parent.tag == b"\x30":
                    out.append(node.encode())
    for dg14 in file_seeds("DG14"):
        for node in der_edit.parse(dg14).walk():
            kids = node.children or []
            if node.tag == b"\x30" and len(kids) == 2 and kids[1].tag == b"\x03" and (kids[0].children or []):
                out.append(node.encode())
    return list(dict.fromkeys(out))


def ec_param_seeds() -> list[bytes]:
    """Explicit X9.62 parameters: from the explicit-parameter profile and for every loadable curve."""
    from cryptography.hazmat.primitives.asymmetric import ec

    from simulators.chip import der_edit
    from simulators.chip.security_infos import spki_der

    out = []
    for cls in (ec.SECP256R1, ec.SECP384R1, ec.SECP521R1, ec.BrainpoolP256R1, ec.BrainpoolP512R1):
        key = ec.derive_private_key(7, cls()).public_key()
        try:
            out.append(spki_der(key, explicit=True))
        except ValueError:  # the simulator spells out only the curves it uses
            continue
    out += [s for s in spki_seeds()]
    params = []
    for spki in out:
        alg = der_edit.parse(spki).children[0]
        if len(alg.children or []) == 2 and alg.children[1].tag == b"\x30":
            params.append(alg.children[1].encode())
    return list(dict.fromkeys(params))


def image_seeds() -> list[bytes]:
    import cv2
    import numpy as np

    rng = np.random.default_rng(19794)
    img = rng.integers(0, 255, (64, 48, 3), dtype=np.uint8)
    out = []
    for ext, params in ((".jpg", []), (".jpg", [cv2.IMWRITE_JPEG_PROGRESSIVE, 1]), (".jp2", []), (".png", []),
                        (".tiff", []), (".webp", []), (".webp", [cv2.IMWRITE_WEBP_QUALITY, 101]), (".bmp", [])):
        ok, buf = cv2.imencode(ext, img, params)
        if ok:
            out.append(buf.tobytes())
    gray = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    ok, buf = cv2.imencode(".jp2", gray)
    if ok:
        jp2 = buf.tobytes()
        out.append(jp2)
        soc = jp2.find(b"\xff\x4f\xff\x51")
        if soc > 0:
            out.append(jp2[soc:])  # the bare codestream inside the JP2 file
    return out


def mrz_seeds() -> list[bytes]:
    from simulators.chip.lds_builder import mrz_lines
    from simulators.chip.profile import load_profile

    out = [
        b"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10",
        b"I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\nD231458907UTO7408122F1204159<<<<<<<6",
        b"IDD<<T220001293<<<<<<<<<<<<<<<\n6408125<2010315D<<<<<<<<<<<<<4\nMUSTERMANN<<ERIKA<<<<<<<<<<<<<",
    ]
    for name in SEED_PROFILES:
        out.append("\n".join(mrz_lines(load_profile(name))).encode())
    return list(dict.fromkeys(out))


# --- targets -------------------------------------------------------------------------------------------


def _quiet_opencv() -> None:
    import cv2

    # OpenCV's own logging; libjpeg's warnings go to fd 2, which the atheris runner closes.
    logging = getattr(getattr(cv2, "utils", None), "logging", None)
    if logging is not None:
        logging.setLogLevel(logging.LOG_LEVEL_SILENT)


def _lds(name: str) -> Target:
    def setup() -> Callable[[bytes], object]:
        from gateway.nfc.lds import parse_file

        if name == "DG2":
            from gateway.nfc.lds import decode_image

            _quiet_opencv()

            def run_dg2(data: bytes) -> object:
                dg2 = parse_file("DG2", data)
                for face in dg2.faces:
                    try:
                        decode_image(face.image)  # the header check, then OpenCV on hostile bytes
                    except _lds_error():
                        pass
                    _ = (face.mime_type, face.format_consistent)
                return dg2

            return run_dg2
        return functools.partial(parse_file, name)

    budget = 2.0 if name == "DG2" else 0.5
    return Target(f"lds_{name.replace('EF.', '').lower()}", f"gateway.nfc.lds.parse_file({name!r}, data)",
                  setup, lambda: file_seeds(name), lambda: (_lds_error(),), budget)


def _lds_error() -> type[BaseException]:
    from gateway.nfc.lds import LDSError

    return LDSError


def _mrz_setup() -> Callable[[bytes], object]:
    from gateway.mrz import check

    def run(data: bytes) -> object:
        text = data.decode("latin-1")
        result = check(text, today=TODAY)
        result.to_dict()
        return result

    return run


def _tlv_setup() -> Callable[[bytes], object]:
    from gateway.nfc import tlv

    def run(data: bytes) -> object:
        tlv.check_depth(data)
        nodes = tlv.parse_all(data)
        todo = list(nodes)
        while todo:  # walk the tree (depth already bounded)
            node = todo.pop()
            if node.constructed:
                todo.extend(node.children())
        if data:
            tlv.total_length(data)
        return nodes

    return run


def _image_setup() -> Callable[[bytes], object]:
    from gateway.imaging import check_size
    from gateway.limits import MAX_PAGE_IMAGE_PIXELS

    return functools.partial(check_size, max_pixels=MAX_PAGE_IMAGE_PIXELS, what="page image")


def _spki_setup() -> Callable[[bytes], object]:
    from gateway.crypto.public_key import parse_spki_der

    def run(data: bytes) -> object:
        info = parse_spki_der(data)
        _ = info.loadable
        return info

    return run


def _cms_setup() -> Callable[[bytes], object]:
    from gateway.crypto.cms import parse_signed_data

    def run(data: bytes) -> object:
        sd = parse_signed_data(data, "fuzz")
        for si in sd.signer_infos:
            _ = (si.signature_algorithm_name, si.digest_algorithm_name)
        return sd

    return run


def _cms_seeds() -> list[bytes]:
    from simulators.chip import der_edit

    return [der_edit.parse(s).children[0].encode() for s in sod_seeds()] + _trust_seeds("masterlist")


def _ec_setup() -> Callable[[bytes], object]:
    from gateway.crypto.ec_params import match_named_curve, verify_domain
    from gateway.crypto.public_key import parse_explicit_domain

    def run(data: bytes) -> object:
        dom = parse_explicit_domain(data)
        if match_named_curve(dom) is None:
            verify_domain(dom)
        return dom

    return run


def _crypto_errors() -> tuple[type[BaseException], ...]:
    from gateway.crypto.errors import CryptoError

    return (CryptoError,)


def _certificate_setup() -> Callable[[bytes], object]:
    from gateway.crypto.signatures import UnsupportedSignature
    from gateway.pki import load_certificate

    def run(data: bytes) -> object:
        cert = load_certificate(data)
        cert.summary()
        with contextlib.suppress(UnsupportedSignature):
            cert.signed_by(cert)
        return cert

    return run


def _crl_setup() -> Callable[[bytes], object]:
    from gateway.pki import load_crl

    def run(data: bytes) -> object:
        crl = load_crl(data)
        crl.summary()
        return crl

    return run


def _masterlist_setup() -> Callable[[bytes], object]:
    from gateway.pki import parse_master_list

    return parse_master_list


def _store_setup() -> Callable[[bytes], object]:
    from gateway.pki import TrustStore

    def run(data: bytes) -> object:
        store = TrustStore()
        report = store.load_bytes(data, "fuzz-input")
        store.summary(NOW)
        return report

    return run


def _cert_error() -> tuple[type[BaseException], ...]:
    from gateway.pki import CertificateError

    return (CertificateError,)


def _ml_error() -> tuple[type[BaseException], ...]:
    from gateway.pki import MasterListError

    return (MasterListError,)


@functools.cache
def _trust_store() -> Any:
    from gateway.pki import TrustStore

    folder = Path(tempfile.mkdtemp(prefix="gateway-fuzz-store-"))
    for name, data in trust_files().items():
        (folder / name).write_bytes(data)
    return TrustStore.from_paths([folder])


_HASHES = ("sha1", "sha224", "sha256", "sha384", "sha512")


def _profile_for(data: bytes, evidences: dict[str, Any]) -> str:
    """The verification profile whose DG1 hash the (mutated) SOD still carries; else the first."""
    for name, ev in evidences.items():
        dg1 = ev.data_groups.get(1, b"")
        if any(hashlib.new(h, dg1).digest() in data for h in _HASHES):
            return name
    return next(iter(evidences))


def _verify_setup() -> Callable[[bytes], object]:
    from gateway.verdict import Status
    from gateway.verify.verdict_builder import ChipEvidence, verify_document
    from simulators.chip.der_edit import DEREditError

    store = _trust_store()
    docs = documents()
    evidences: dict[str, ChipEvidence] = {}
    # Several profiles share the specimen's data groups, so another profile's genuine EF.SOD may
    # rightly be GENUINE for them: a verdict is wrong only if its signed parts match no genuine SOD.
    genuine_parts = [_sod_parts(doc.app_files[FID["EF.SOD"]]) for doc in docs.values()]
    for name in VERIFY_PROFILES:
        doc = docs[name]
        dgs = {n: doc.app_files[0x0100 + n] for n in range(1, 17) if 0x0100 + n in doc.app_files}
        evidences[name] = ChipEvidence(dgs, doc.app_files[FID["EF.SOD"]], access="BAC", secure_messaging_intact=True)
        verdict = verify_document(evidences[name], store, now=NOW)
        assert verdict.status is not Status.NOT_GENUINE, f"{name}: genuine files do not verify"

    def run(data: bytes) -> object:
        name = _profile_for(data, evidences)
        ev = evidences[name]
        evidence = ChipEvidence(ev.data_groups, data, access="BAC", secure_messaging_intact=True)
        verdict = verify_document(evidence, store, now=NOW)
        if verdict.status is Status.GENUINE and data != ev.sod:
            try:
                parts = _sod_parts(data)
            except (DEREditError, ValueError, IndexError, AttributeError, TypeError) as exc:
                raise Finding(f"GENUINE for an EF.SOD the simulator's DER reader cannot take apart ({exc})") from None
            if parts not in genuine_parts:
                closest = genuine_parts[list(docs).index(name)] if name in docs else genuine_parts[0]
                changed = [k for k in parts if parts[k] != closest[k]]
                raise Finding(f"GENUINE although the signed parts changed: {', '.join(changed)}")
        return verdict

    return run


class MutatingTransport:
    """An in-process card whose answers are altered by a plan read from the fuzz input: records of
    5 bytes (response index, operation, position (2), value) — flip, truncate, new status word,
    insert. Commands pass unchanged; the card itself stays honest."""

    def __init__(self, inner: Any, plan: bytes) -> None:
        self.inner = inner
        self.ops: dict[int, list[tuple[int, int, int]]] = {}
        for i in range(0, len(plan) - 4, 5):
            index, op, pos, val = plan[i], plan[i + 1], int.from_bytes(plan[i + 2 : i + 4], "big"), plan[i + 4]
            self.ops.setdefault(index, []).append((op % 4, pos, val))
        self.count = 0
        self.mutated = False

    def transmit(self, apdu: bytes) -> bytes:
        response = bytearray(self.inner.transmit(apdu))
        for op, pos, val in self.ops.get(self.count, ()):
            self.mutated = True
            if op == 0 and response:
                response[pos % len(response)] ^= val or 1
            elif op == 1:
                del response[pos % (len(response) + 1) :]
            elif op == 2:
                response[-2:] = bytes((val, pos & 0xFF))
            else:
                response.insert(pos % (len(response) + 1), val)
        self.count += 1
        if self.count > 20_000:
            raise Finding("the reader sent more than 20,000 APDUs in one read")
        return bytes(response)

    def reconnect(self, reset: bool = False) -> None:
        self.inner.reconnect(reset)


def _pipeline_setup() -> Callable[[bytes], object]:
    from gateway.nfc.access_key import MRZKey
    from gateway.nfc.lds.dg1 import parse_dg1
    from gateway.verdict import Status
    from gateway.verify import VerifyOptions, read_and_verify
    from simulators.chip.card import VirtualCard
    from simulators.chip.inprocess import InProcessTransport
    from simulators.chip.lds_builder import mrz_lines
    from simulators.chip.profile import load_profile

    store = _trust_store()
    docs = documents()
    keys = {name: MRZKey.from_mrz("\n".join(mrz_lines(load_profile(name)))) for name in VERIFY_PROFILES}
    options = VerifyOptions(now=NOW, today=NOW.date(), deadline_s=None)

    def run(data: bytes) -> object:
        name = VERIFY_PROFILES[data[0] % len(VERIFY_PROFILES)] if data else VERIFY_PROFILES[0]
        doc = docs[name]
        transport = InProcessTransport(VirtualCard(doc), sleep=False)
        transport.connect()
        hostile = MutatingTransport(transport, data[1:])
        result = read_and_verify(hostile, keys[name], store, options)
        if result.verdict.status is Status.GENUINE:
            for f in result.files:
                expected = doc.app_files.get(FID.get(f.name, -1))
                if expected is not None and f.size != len(expected):
                    raise Finding(f"GENUINE although {f.name} differs from what the chip holds")
            dg1 = parse_dg1(doc.app_files[FID["DG1"]]).lines
            if result.chip_mrz is None or tuple(result.chip_mrz.lines) != tuple(dg1):
                raise Finding("GENUINE although DG1 differs from what the chip holds")
        return result

    return run


def _pipeline_errors() -> tuple[type[BaseException], ...]:
    from gateway.nfc.reading import ChipReadError

    return (ChipReadError,)


def _pipeline_seeds() -> list[bytes]:
    """Profile selector byte, then mutation plans: none, one flip, a wrong status word, a truncation."""
    seeds = []
    for p in range(len(VERIFY_PROFILES)):
        seeds.append(bytes([p]))
        seeds.append(bytes([p, 3, 0, 0, 5, 0x01]))
        seeds.append(bytes([p, 0, 2, 0, 0, 0x6C]))
        seeds.append(bytes([p, 6, 1, 0, 3, 0]))
    return seeds


def _none() -> tuple[type[BaseException], ...]:
    return ()


def _mrz_error() -> tuple[type[BaseException], ...]:
    from gateway.mrz import MRZError

    return (MRZError,)


def _tlv_error() -> tuple[type[BaseException], ...]:
    from gateway.nfc.tlv import TLVError

    return (TLVError,)


def _image_error() -> tuple[type[BaseException], ...]:
    from gateway.imaging import ImageHeaderError

    return (ImageHeaderError,)


TARGETS: dict[str, Target] = {
    t.name: t
    for t in (
        Target("mrz", "gateway.mrz.check(text)", _mrz_setup, mrz_seeds, _mrz_error, 0.5),
        Target("tlv", "gateway.nfc.tlv: check_depth, parse_all and the whole tree", _tlv_setup,
               lambda: [d for n in ("EF.COM", "DG1", "DG2", "DG11", "DG12", "DG14") for d in file_seeds(n)][:12],
               _tlv_error, 0.5),
        *(_lds(n) for n in ("EF.CardAccess", "EF.COM", "EF.SOD", "DG1", "DG2", "DG11", "DG12", "DG14", "DG15")),
        Target("image_header", "gateway.imaging.check_size(data, MAX_PAGE_IMAGE_PIXELS)", _image_setup,
               image_seeds, _image_error, 0.5),
        Target("spki", "gateway.crypto.public_key.parse_spki_der(data) and .load()", _spki_setup, spki_seeds,
               _crypto_errors, 0.5),
        Target("cms", "gateway.crypto.cms.parse_signed_data(data)", _cms_setup, _cms_seeds, _crypto_errors, 0.5),
        Target("ec_params", "explicit EC parameters: parse, match_named_curve, verify_domain", _ec_setup,
               ec_param_seeds, _crypto_errors, 0.5),
        Target("certificate", "gateway.pki.load_certificate(data), summary, signed_by", _certificate_setup,
               lambda: _trust_seeds("csca", ".der"), _cert_error, 0.5),
        Target("crl", "gateway.pki.load_crl(data), summary", _crl_setup, lambda: _trust_seeds("crl"), _cert_error,
               0.5),
        Target("masterlist", "gateway.pki.parse_master_list(data)", _masterlist_setup,
               lambda: _trust_seeds("masterlist"), _ml_error, 2.0),
        Target("trust_store", "gateway.pki.TrustStore().load_bytes(data) never raises", _store_setup,
               lambda: list(trust_files().values()), _none, 2.0),
        Target("verify_sod", "verify_document on a mutated EF.SOD: no exception, never GENUINE if signed parts "
               "changed", _verify_setup, sod_seeds, _none, 2.0),
        Target("pipeline", "read_and_verify (the whole pipeline) over a transport that mutates the chip's answers: "
               "only ChipReadError, never GENUINE for altered files", _pipeline_setup,
               _pipeline_seeds, _pipeline_errors, 10.0),
    )
}


def seeds_for(name: str) -> Sequence[bytes]:
    return TARGETS[name].seeds()
