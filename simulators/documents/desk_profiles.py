"""Documents for a simulated desk document reader: a chip profile, the page that goes with it, and
what is wrong with the page (nothing, or one forgery). `gateway-sim desk --profile P` places one.

    spec = desk_spec("forgery-uv-bright-paper")          # the DocumentSpec to render
    pages = render_desk("forgery-uv-bright-paper")       # {"white": ..., "ir": ..., "uv": ...}
    chip = DESK_PROFILES["forgery-uv-bright-paper"].chip  # the chip profile the card simulator serves

The three lights share one geometry (same seed, same degradation), as a flatbed document reader's
scans do. Each forgery changes the page only; the chip is the genuine document's, so the chip
checks pass and the optical checks (or the MRZ-vs-DG1 comparison) must catch the forgery. The
expected verdicts are in tests/expected_verdicts.py (`DESK_EXPECTED`).

The MRZ overrides are built here with the renderer's own MRZ code (`mrz_text.check_digit`), never
the reader's parser: `name` changes the holder's given name (no check digit covers it, so the
printed MRZ is valid and still opens the chip, whose DG1 then differs); `document_number` changes
the number with fresh check digits (a valid MRZ whose BAC/PACE key the chip refuses).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from .degrade import Degradation
from .mrz_text import check_digit
from .page import DocumentSpec
from .profiles import spec_from_profile


@dataclass(frozen=True)
class DeskProfile:
    chip: str  # the chip simulator profile (simulators/chip/profiles)
    forgeries: frozenset[str] = frozenset()  # renderer forgery switches (simulators.documents.FORGERIES)
    mrz_change: str | None = None  # None | "name" | "document_number"
    description: str = ""


DESK_PROFILES: dict[str, DeskProfile] = {
    "genuine-td3": DeskProfile("td3-pace-bac-ca-aa", description="a genuine passport: page and chip agree"),
    "genuine-td3-bac": DeskProfile("td3-bac", description="a genuine BAC-only passport"),
    "genuine-td1": DeskProfile("td1-eu-pace", description="a genuine EU ID card (portrait on the other side)"),
    "forgery-ir-invisible-mrz": DeskProfile(
        "td3-pace-bac-ca-aa", frozenset({"ir_invisible_mrz"}),
        description="MRZ printed in ink that vanishes under IR (photocopy, inkjet)"),
    "forgery-uv-bright-paper": DeskProfile(
        "td3-pace-bac-ca-aa", frozenset({"uv_bright_paper"}),
        description="page printed on office paper that glows under UV"),
    "forgery-swapped-photo": DeskProfile(
        "td3-pace-bac-ca-aa", frozenset({"swapped_photo"}),
        description="another person's photo on the data page"),
    "forgery-mrz-mismatch": DeskProfile(
        "td3-pace-bac-ca-aa", mrz_change="name",
        description="printed MRZ (holder's name) differs from the chip's DG1"),
    "forgery-mrz-number-mismatch": DeskProfile(
        "td3-bac", mrz_change="document_number",
        description="printed document number differs from the chip's: the chip refuses the key"),
}


def _with_name(lines: list[str], fmt: str) -> list[str]:
    """The lines with the holder's first given name replaced (same length, no check digit moves)."""
    row = 2 if fmt == "TD1" else 0
    start = 0 if fmt == "TD1" else 5
    text = lines[row]
    name = text[start:]
    primary, _, rest = name.partition("<<")
    new = (primary + "<<" + "ZORAN" + "<" * len(rest))[:len(name)].ljust(len(name), "<")
    if new == name:
        new = (primary + "<<" + "MILA").ljust(len(name), "<")[:len(name)]
    return [*lines[:row], text[:start] + new, *lines[row + 1:]]


def _with_number(lines: list[str], fmt: str) -> list[str]:
    """TD3 / TD2: the document number's last digit changed, its and the composite check digit redone."""
    if fmt not in ("TD3", "TD2"):
        raise ValueError("the document number override is made for TD3 and TD2 pages")
    line = lines[1]
    number = line[:9]
    last = number.rstrip("<")[-1]
    digit = str((int(last) + 1) % 10) if last.isdigit() else "7"
    pos = len(number.rstrip("<")) - 1
    number = number[:pos] + digit + number[pos + 1:]
    body = number + check_digit(number) + line[10:]
    end = len(line) - 1
    composite = body[0:10] + body[13:20] + body[21:end]
    return [lines[0], body[:end] + check_digit(composite)]


def desk_spec(name: str) -> DocumentSpec:
    """The printable page of desk profile `name`."""
    try:
        profile = DESK_PROFILES[name]
    except KeyError:
        raise ValueError(f"unknown desk profile {name!r}; one of {', '.join(DESK_PROFILES)}") from None
    spec = spec_from_profile(profile.chip, forgeries=profile.forgeries)
    if profile.mrz_change == "name":
        spec = replace(spec, mrz_lines=tuple(_with_name(spec.lines(), spec.format)))
    elif profile.mrz_change == "document_number":
        spec = replace(spec, mrz_lines=tuple(_with_number(spec.lines(), spec.format)))
    return spec


def render_desk(name: str, *, seed: int = 3, degradation: Degradation | None = None,
                lights: tuple[str, ...] = ("white", "ir", "uv")) -> dict[str, bytes]:
    """The page of desk profile `name` as a desk reader's scans (PNG unless `degradation` says JPEG),
    one per light, with one geometry."""
    from . import render

    spec = desk_spec(name)
    d = degradation or Degradation(scene="scanner")
    return {light: render(spec, seed=seed, degradation=d, light=light).encoded for light in lights}


__all__ = ["DESK_PROFILES", "DeskProfile", "desk_spec", "render_desk"]
