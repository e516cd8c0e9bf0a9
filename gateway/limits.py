"""Every budget the gateway puts on hostile input, stated once.

A chip, a document image, a trust file or an API request may be built to hurt the desk: to make
it loop, allocate, or compute without end. Each limit below bounds one such resource; each says
why its value is safe for every genuine document or request. A read or parse that reaches a
limit ends with a named reason (the chip reader's `CHIP_MISBEHAVES`, an image's
`IMAGE_TOO_LARGE`, …), never with a hang or an exhausted machine. This module imports nothing, so
every layer — the crypto primitives at the bottom as much as the API at the top — can read it.
"""

from __future__ import annotations

from types import MappingProxyType

# --- one chip read ------------------------------------------------------------------------------

#: Command APDUs in one read (all files, access runs and authentication steps included). A full read
#: of EF.CardAccess, PACE, EF.COM, DG1, DG2, DG11-DG15 and EF.SOD takes 10-20 APDUs with extended
#: length and about 150 with the 223-byte blocks of a slow chip; 100 KiB of DG2 at 32-byte blocks
#: (the smallest block a chip in the field has been seen to need) is 3,200. Above 4,096 the chip
#: is stalling on purpose (1-byte "drip" answers, an endless file).
MAX_APDUS_PER_READ = 4096

#: Times one READ BINARY at one offset may be retried because of the same status word (6Cxx with a
#: new Le, a length refusal, an SFI refusal). A conforming chip needs one retry per cause; the
#: block-size ladder has 12 steps, so more than that for one offset is a loop, not a negotiation.
MAX_RETRIES_PER_OFFSET = 12

#: Access runs (BAC/PACE) in one read: the first, plus one after each recovered card loss
#: (`MAX_CARD_RECOVERIES`) and one after a chip ended secure messaging or refused the new keys of
#: chip authentication. More means the chip keeps breaking the session.
MAX_ACCESS_RUNS = 6

#: Card losses (pulled and put back, reset) survived within one read before giving up.
MAX_CARD_RECOVERIES = 3

#: Largest size a file's header may announce, per file (bytes). Doc 9303 Part 10 sets no maximum;
#: these are an order of magnitude above anything issued: EF.CardAccess holds a few SecurityInfos
#: (< 1 KiB), EF.CardSecurity adds a signer certificate (< 4 KiB), EF.COM and DG1 are under 100
#: bytes, a DG2 face is 10-60 KiB (JPEG 2000 at ICAO quality) and DG3/DG4 fingerprints and irises
#: up to a few hundred KiB, EF.SOD carries one document signer certificate (2-6 KiB).
MAX_FILE_BYTES = MappingProxyType({
    "EF.CardAccess": 16 * 1024,
    "EF.CardSecurity": 64 * 1024,
    "EF.COM": 4 * 1024,
    "DG1": 4 * 1024,
    "DG2": 1024 * 1024,
    "DG3": 1024 * 1024,
    "DG4": 1024 * 1024,
    "DG5": 256 * 1024,
    "DG6": 256 * 1024,
    "DG7": 256 * 1024,
    "EF.SOD": 64 * 1024,
})
#: Any other file (DG8-DG16: text, keys, security infos; all well under 8 KiB when issued).
MAX_OTHER_FILE_BYTES = 64 * 1024

#: Seconds a chip read may take when the caller sets no deadline of its own (`gateway chip read`,
#: the daemon's operation timeout). A full read at 106 kbit/s with a 60 KiB face takes under 10 s.
DEFAULT_READ_DEADLINE_S = 60.0

# --- parsing --------------------------------------------------------------------------------------

#: Nesting depth of BER-TLV / DER structures the parsers follow. The deepest genuine structure, a
#: CMS SignedData with a certificate inside EF.SOD, nests about 12 levels; a DG2 biometric template
#: 4. Anything deeper is built to exhaust the stack.
MAX_TLV_DEPTH = 32

# --- images -----------------------------------------------------------------------------------------

#: Pixels a face image (DG2) may claim before it is decoded. ISO/IEC 19794-5 full-frontal faces are
#: at most a few megapixels (a 600 dpi token image is 1,000 x 1,300); 16 Mpx with 3 channels is
#: 48 MB decoded, which the daemon can afford per reader.
MAX_FACE_IMAGE_PIXELS = 16_000_000

#: Pixels a document page image (scan, photo) may claim before it is decoded: an A4 page at 600 dpi
#: is 35 Mpx, phone photos 12-48 Mpx (a 48 Mpx photo is to be scaled down by the sender); 40 Mpx
#: decoded in colour is 120 MB.
MAX_PAGE_IMAGE_PIXELS = 40_000_000

#: Colour components an image may declare. Decoders allocate a plane per component and JPEG 2000
#: allows 16,384 of them; faces and pages are gray, RGB or RGBA/CMYK, so 4 is every genuine image.
MAX_IMAGE_COMPONENTS = 4

#: Scans of one JPEG. A progressive decoder walks the whole image once per scan, so thousands of
#: tiny scans in a 1 MiB DG2 cost minutes (the reason libjpeg-turbo added a scan limit to its tools);
#: libjpeg and mozjpeg write 6-12 scans for a progressive image, baseline JPEG has 1.
MAX_JPEG_SCANS = 100

# --- keys and parameters ---------------------------------------------------------------------------

#: Largest RSA modulus accepted (bits). Doc 9303 Part 12 allows RSA up to 4096 for CSCAs (some
#: states use 4096); 8192 leaves room for a cautious issuer and costs ~10 ms per verification.
MAX_RSA_BITS = 8192
#: Largest public RSA exponent (bits): 65537 in practice; FIPS 186-4 caps it below 2^256.
MAX_RSA_EXPONENT_BITS = 256
#: Largest EC field size (bits) of explicit curve parameters: BSI TR-03110 and Doc 9303 go up to
#: 521-bit curves (NIST P-521, brainpoolP512r1). Verifying stated parameters costs a scalar
#: multiplication whose time grows with the cube of the size, so the bound is also a CPU bound.
MAX_EC_FIELD_BITS = 521
#: Largest cofactor of explicit EC parameters. SEC 1 v2 §3.1.1.1 requires h ≤ 2^(t/8) for security
#: level t (2^16 at 128 bits); every curve Doc 9303 and TR-03110 name (NIST, Brainpool) has h = 1.
#: Together with the Hasse bound (n·h ≤ p + 1 + 2√p) it keeps the stated order near the field size.
MAX_EC_COFACTOR = 1 << 16
#: Largest DH modulus (bits) for chip authentication / PACE DH: TR-03110 standardizes 1024-2048.
MAX_DH_BITS = 4096

# --- the API -------------------------------------------------------------------------------------------

#: Bytes of google.rpc error details in one trailer. gRPC's default limit for received metadata is
#: 8 KiB; details must stay well below it or the client sees RESOURCE_EXHAUSTED instead of the error.
MAX_ERROR_DETAIL_BYTES = 2048
#: Field violations reported per error (the first few say what to fix; the count says the rest).
MAX_FIELD_VIOLATIONS = 10


def max_file_bytes(name: str) -> int:
    """The header-announced size a file may have (see MAX_FILE_BYTES)."""
    return MAX_FILE_BYTES.get(name, MAX_OTHER_FILE_BYTES)

#: One touch: how long the pipeline waits, after the chip, for IR/UV scans still in progress
#: (gateway.verify.pipeline; a desk reader scans them while the chip is read).
LATER_LIGHT_WAIT_S = 30.0
