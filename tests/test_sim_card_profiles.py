"""Virtual card with the shipped profiles: every document the builder makes is served completely under
its access protocol (PACE or BAC), with CA and AA answering where the profile has them, and the
profile's card quirks active."""

from __future__ import annotations

import os

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from simulators.chip.card import CardFaults, CardRemoved, VirtualCard
from simulators.chip.lds_builder import build_document
from simulators.chip.profile import list_profiles, load_profile
from tests.sim_card_terminal import SM, MacMismatch, Terminal, kdf, oid_bytes, tlv

PROFILES = list_profiles()


def _chip_authenticate(t: Terminal, doc) -> None:
    oid = doc.ca_protocol_oid
    eph = ec.generate_private_key(doc.ca_private_key.curve)
    secret = eph.exchange(ec.ECDH(), doc.ca_private_key.public_key())
    cipher, bits = ("3DES", 128) if oid.endswith(".1") else ("AES", {"2": 128, "3": 192, "4": 256}[oid[-1]])
    point = eph.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    mse = tlv(0x80, oid_bytes(oid))
    if doc.ca_key_id is not None:
        mse += tlv(0x84, bytes([doc.ca_key_id]))
    assert t.send(0x00, 0x22, 0x41, 0xA4, mse)[1] == 0x9000
    assert t.send(0x00, 0x86, 0, 0, tlv(0x7C, tlv(0x80, point)), 256)[1] == 0x9000
    t.sm = SM(cipher, kdf(secret, 1, cipher, bits), kdf(secret, 2, cipher, bits), 0)


@pytest.mark.parametrize("name", PROFILES)
def test_profile_is_served_completely(name):
    doc = build_document(load_profile(name))
    faults = CardFaults(**doc.card_faults)
    card = VirtualCard(doc, faults)
    card.power_on()
    t = Terminal(card)
    if doc.pace:
        params = doc.pace[0]
        password, ref = (doc.can.encode(), 2) if doc.can else (doc.mrz_key.encode(), 1)
        assert t.pace(params.protocol_oid, params.parameter_id, password, ref) == 0x9000
        assert t.select_app() == 0x9000
    else:
        assert t.select_app() == 0x9000
        assert t.bac(doc.mrz_key) == 0x9000
    if doc.ca_private_key is not None:
        _chip_authenticate(t, doc)
    if doc.aa_private_key is not None:
        signature, sw = t.send(0x00, 0x88, 0, 0, os.urandom(8), 256)
        assert sw == 0x9000 and signature
    chunk = min(faults.max_le or 0xE0, 0xE0)
    if name.startswith("hostile-"):  # the hostile behaviour itself, as a terminal meets it
        assert t.select_ef(0x0102) == 0x9000
        data, sw = t.send(0x00, 0xB0, 0, 0, le=chunk)
        if faults.wrong_le_forever:
            assert (data, sw) == (b"", 0x6C10)
            assert t.send(0x00, 0xB0, 0, 0, le=0x10)[1] == 0x6C10  # and again, with the Le it named
        elif faults.drip_feed:
            assert (len(data), sw) == (1, 0x9000)
        elif faults.giant_header_fid == 0x0102:
            assert data[1:6] == b"\x84\x7f\xff\xff\xff"
        return
    for fid in sorted(doc.app_files):
        if faults.pull_at_read_offset is not None and fid == faults.pull_at_read_fid:
            with pytest.raises(CardRemoved):
                t.read_file(fid, chunk)
            return
        if faults.wrong_mac_on_last_response and fid == faults.wrong_mac_fid:
            with pytest.raises(MacMismatch):
                t.read_file(fid, chunk)
            continue
        assert t.read_file(fid, chunk) == doc.app_files[fid]
        if faults.read_past_end_unprotected:  # its tail came in plain and ended SM: access again
            t.sm = None
            assert t.select_app() == 0x9000 and t.bac(doc.mrz_key) == 0x9000
