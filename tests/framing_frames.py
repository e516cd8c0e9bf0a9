"""Hand-made line-reader frames, byte for byte as docs/line-readers.md (and the field guide, §4) give them.

They are written out literally - not built by the simulator or the gateway - so a parser bug cannot
be mirrored by a builder bug. MRZs are ICAO Doc 9303 specimens and the German ID card specimen.
"""

from __future__ import annotations

# ICAO specimens (Doc 9303; field guide §3)
TD3 = ("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L898902C36UTO7408122F1204159ZE184226B<<<<<10")
TD2 = ("I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<", "D231458907UTO7408122F1204159<<<<<<<6")
TD1 = ("I<UTOD23145890<1233<<<<<<<<<<<", "7408122F1204159UTO<<<<<<<<<<<2", "ERIKSSON<<ANNA<MARIA<<<<<<<<<<")
DE_ID = ("IDD<<T220001293<<<<<<<<<<<<<<<", "6408125<2010315D<<<<<<<<<<<<<4", "MUSTERMANN<<ERIKA<<<<<<<<<<<<<")

# Desko (CUTE OCR block): 1C 02, every line followed by CR, 03 1D
DESKO_TD3 = (b"\x1c\x02P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\r"
             b"L898902C36UTO7408122F1204159ZE184226B<<<<<10\r\x03\x1d")
DESKO_TD1 = (b"\x1c\x02I<UTOD23145890<1233<<<<<<<<<<<\r7408122F1204159UTO<<<<<<<<<<<2\r"
             b"ERIKSSON<<ANNA<MARIA<<<<<<<<<<\r\x03\x1d")
# Access-IS: the same OCR block, lines separated (not terminated) by 0D
ACCESSIS_TD2 = (b"\x1c\x02I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\r"
                b"D231458907UTO7408122F1204159<<<<<<<6\x03\x1d")
# Access-IS magnetic stripe (0E 02 .. 03 0F) and barcode (1E 02 .. 03 1F) frames: recognised, skipped
ACCESSIS_MAGSTRIPE = b"\x0e\x02%B4111111111111111^SPECIMEN/TEST^2512?\x03\x0f"  # 36 payload bytes
ACCESSIS_BARCODE = b"\x1e\x02M1SPECIMEN/TEST       EABC123 FRAMUCLH 1234 001Y\x03\x1f"  # 48 payload bytes

# 3M RTE native: 01, length (low, high) = bytes after the length word up to and including BCC,
# "OU", 02, flag, three CR-terminated lines padded with "_" (44 for two-line documents, 30 for three),
# 03, BCC = XOR of every byte after 01 up to and including 03 (worked out by hand: see the test).
RTE_TD2 = (b"\x01\x61\x00OU\x020"  # length 0x61 = 97 = 6 + 91 data bytes; flag "0"
           b"\r"  # line 1 missing: a two-line MRZ is lines 2 and 3
           b"I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<________\r"
           b"D231458907UTO7408122F1204159<<<<<<<6________\r"
           b"\x03\x4f")
RTE_DE_ID = (b"\x01\x63\x00OU\x020"  # length 0x63 = 99 = 6 + 93
             b"IDD<<T220001293<<<<<<<<<<<<<<<\r6408125<2010315D<<<<<<<<<<<<<4\r"
             b"MUSTERMANN<<ERIKA<<<<<<<<<<<<<\r"
             b"\x03\x49")

# Plain (keyboard-like readers): lines ending in CR, LF or CR LF
PLAIN_TD3_CRLF = b"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\r\nL898902C36UTO7408122F1204159ZE184226B<<<<<10\r\n"
PLAIN_TD1_LF = b"I<UTOD23145890<1233<<<<<<<<<<<\n7408122F1204159UTO<<<<<<<<<<<2\nERIKSSON<<ANNA<MARIA<<<<<<<<<<\n"
PLAIN_TD2_CR = b"I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\rD231458907UTO7408122F1204159<<<<<<<6\r"


def xor_bcc(block: bytes) -> int:
    """The documented BCC, computed independently of the parser: XOR over block[1:-1]."""
    acc = 0
    for byte in block[1:-1]:
        acc ^= byte
    return acc
