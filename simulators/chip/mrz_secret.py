"""The MRZ facts the *card* needs: who it is (country, sex) and the BAC/PACE MRZ secret.

Deliberately independent of the reader's MRZ parser (gateway.mrz parses; the simulator only slices
fixed positions of well-formed lines it generated or was given): if the reader's parser got a field
position wrong, keys derived on both sides would otherwise agree and the bug would stay hidden.
"""

from __future__ import annotations

from dataclasses import dataclass

_WEIGHTS = (7, 3, 1)


class MrzLayoutError(ValueError):
    """The MRZ text does not have the line count/lengths of TD1, TD2 or TD3 (content is not echoed)."""


def check_digit(field: str) -> str:
    """Doc 9303 Part 3 4.9: digits as is, A-Z as 10-35, '<' as 0; weights 7-3-1; sum mod 10."""
    total = 0
    for i, ch in enumerate(field):
        if ch.isdigit():
            v = int(ch)
        elif "A" <= ch <= "Z":
            v = ord(ch) - 55
        elif ch == "<":
            v = 0
        else:
            raise MrzLayoutError("character outside the MRZ character set")
        total += v * _WEIGHTS[i % 3]
    return str(total % 10)


@dataclass(frozen=True)
class MrzFacts:
    lines: tuple[str, ...]
    layout: str  # TD1 | TD2 | TD3
    document_code: str
    issuing_state: str
    document_number: str  # full number, fillers stripped (may exceed nine characters on TD1/TD2)
    birth: str  # YYMMDD
    sex: str
    expiry: str  # YYMMDD

    @property
    def mrz_key(self) -> str:
        """Doc 9303 Part 11 4.3.2 / 9.7.2: number (>= 9 chars, '<'-padded) + cd + birth + cd + expiry + cd."""
        number = self.document_number.ljust(9, "<")
        return (number + check_digit(number) + self.birth + check_digit(self.birth)
                + self.expiry + check_digit(self.expiry))

    @property
    def dg1_text(self) -> str:
        return "".join(self.lines)


def split_mrz(text: str | list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Lines from a list, newline-separated text, or the lines concatenated (88, 72 or 90 chars)."""
    if isinstance(text, list | tuple):
        lines = [ln.strip() for ln in text]
    else:
        lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
        if len(lines) == 1:
            flat = lines[0]
            width = {88: 44, 72: 36, 90: 30}.get(len(flat))
            if width is None:
                raise MrzLayoutError("MRZ text has no TD1/TD2/TD3 length")
            lines = [flat[i:i + width] for i in range(0, len(flat), width)]
    shape = tuple(len(ln) for ln in lines)
    if shape not in ((44, 44), (36, 36), (30, 30, 30)):
        raise MrzLayoutError("MRZ lines are not TD1 (3x30), TD2 (2x36) or TD3 (2x44)")
    return tuple(ln.upper() for ln in lines)


def _long_number(head: str, cd: str, optional: str) -> str:
    number = head.rstrip("<")
    if cd == "<" and len(head.rstrip("<")) == 9:
        # Number continues in the optional data, ended by its check digit then a filler.
        ext = optional.split("<", 1)[0]
        if len(ext) >= 2:
            number = head + ext[:-1]
    return number


def mrz_facts(text: str | list[str] | tuple[str, ...]) -> MrzFacts:
    lines = split_mrz(text)
    if len(lines) == 3:
        l1, l2, _ = lines
        number = _long_number(l1[5:14], l1[14], l1[15:30])
        return MrzFacts(lines, "TD1", l1[0:2].rstrip("<"), l1[2:5].rstrip("<"), number,
                        l2[0:6], l2[7], l2[8:14])
    l1, l2 = lines
    layout = "TD3" if len(l1) == 44 else "TD2"
    optional = l2[28:35] if layout == "TD2" else ""
    number = _long_number(l2[0:9], l2[9], optional) if layout == "TD2" else l2[0:9].rstrip("<")
    return MrzFacts(lines, layout, l1[0:2].rstrip("<"), l1[2:5].rstrip("<"), number,
                    l2[13:19], l2[20], l2[21:27])
