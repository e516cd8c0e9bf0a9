"""Check-digit-driven OCR correction.

OCR confuses a known set of characters (0/O/Q/D, 1/I/L, 2/Z, 5/S, 6/G, 8/B, `<` read as K/S/X …).
Each MRZ position has an alphabet (digits in dates, letters in names) and most positions are covered
by a check digit. So instead of trusting the first reading, we search the readings reachable by
confusable substitutions, keep those where every character fits its field and every check digit
holds, and take the one with the fewest substitutions. Two different readings at the same cost are
reported as ambiguous: a wrong "correction" of a document number is worse than none.

The search is exact and cheap: a substitution changes a check sum by weight × (new − old value),
so each candidate is an addition, and candidates are enumerated by increasing cost only as far as
needed.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import combinations, product

from .charset import CHAR_VALUE, DIGITS, FILLER, check_digit
from .formats import DATE, NUMERIC, Layout
from .result import Correction

# Read character → characters it may really be (OCR confusions seen in MRZ fonts).
CONFUSABLE: dict[str, str] = {
    "0": "ODQ", "O": "0QD", "Q": "0O", "D": "0O", "U": "0",
    "1": "IL", "I": "1L", "L": "1I", "T": "17", "7": "T",
    "2": "Z", "Z": "2",
    "5": "S", "S": "5<",
    "6": "G", "G": "6",
    "8": "B", "B": "8",
    "4": "A", "A": "4",
    "K": "<", "X": "<", "C": "<",
}
# When a character cannot stand where it is and several replacements fit, the likeliest one.
PRIMARY: dict[str, str] = {
    "0": "O", "1": "I", "2": "Z", "4": "A", "5": "S", "6": "G", "7": "T", "8": "B",
    "O": "0", "Q": "0", "D": "0", "U": "0", "I": "1", "L": "1", "Z": "2", "S": "5", "G": "6", "B": "8",
    "A": "4", "T": "7",
}
_WEIGHTS = (7, 3, 1)

MAX_SUBSTITUTIONS = 4  # over the whole MRZ
MAX_GROUP_SUBSTITUTIONS = 3  # inside one check-digit field


Pos = tuple[int, int]


@dataclass(frozen=True, slots=True)
class Outcome:
    """`lines` is the corrected reading (None when no reading satisfies every check within the
    limits, or when `ambiguous`)."""

    lines: tuple[str, ...] | None
    corrections: tuple[Correction, ...]
    ambiguous: bool
    candidates: int  # distinct readings at the best cost


@dataclass(slots=True)
class _Group:
    """Positions covered by one check digit, the digit's position, and lazily built variants."""

    positions: list[Pos]
    digit: Pos
    filler_digit_ok: bool  # '<' may stand as the digit when the field is all filler
    options: list[list[tuple[str, int]]]  # per position: (replacement, weighted delta), forced first
    forced: list[bool]
    base: int
    cache: dict[int, list[tuple[tuple[tuple[Pos, str], ...], int]]]


def _alphabet_map(layout: Layout) -> dict[Pos, frozenset[str]]:
    table: dict[Pos, frozenset[str]] = {}
    for f in layout.fields:
        for p in range(f.start, f.end):
            table[(f.line, p)] = f.alphabet
    return table


def _alternatives(ch: str, allowed: frozenset[str]) -> list[str]:
    # A filler may stand in a date (unknown day or month) but is never a correction's target:
    # OCR noise must not turn a date into a partly unknown one.
    if allowed is DATE:
        allowed = NUMERIC
    return [c for c in CONFUSABLE.get(ch, "") if c in allowed]


def _groups(lines: Sequence[str], layout: Layout) -> list[tuple[str, list[Pos], Pos, bool]]:
    """The check-digit groups of this MRZ, with TD1/TD2 long document numbers resolved."""
    out: list[tuple[str, list[Pos], Pos, bool]] = []
    for chk in layout.checks:
        positions = [(ln, p) for ln, a, b in chk.spans for p in range(a, b)]
        digit = (chk.line, chk.pos)
        if chk.name == "document_number" and layout.name in ("TD1", "TD2"):
            ln, pos = digit
            if lines[ln][pos] == FILLER and lines[ln][pos + 1] != FILLER:
                overflow_end = lines[ln].find(FILLER, pos + 1)
                overflow_end = len(lines[ln]) if overflow_end < 0 else overflow_end
                if overflow_end - (pos + 1) >= 2:
                    positions = positions + [(ln, p) for p in range(pos + 1, overflow_end - 1)]
                    digit = (ln, overflow_end - 1)
        out.append((chk.name, positions, digit, chk.filler_allowed))
    return out


def _make_group(lines: Sequence[str], positions: list[Pos], digit: Pos, filler_ok: bool,
                alphabet: dict[Pos, frozenset[str]], fixed: set[Pos]) -> _Group:
    options: list[list[tuple[str, int]]] = []
    forced: list[bool] = []
    base = 0
    for i, (ln, p) in enumerate(positions):
        ch = lines[ln][p]
        w = _WEIGHTS[i % 3]
        base += w * CHAR_VALUE[ch]
        allowed = alphabet[(ln, p)]
        if (ln, p) in fixed:
            options.append([])
            forced.append(False)
            continue
        alts = _alternatives(ch, allowed)
        options.append([(c, w * (CHAR_VALUE[c] - CHAR_VALUE[ch])) for c in alts])
        forced.append(ch not in allowed)
    return _Group(list(positions), digit, filler_ok, options, forced, base, {})


def _digit_options(ch: str, filler_ok: bool) -> list[tuple[str, int]]:
    """(replacement, cost) for the check digit character itself."""
    out: list[tuple[str, int]] = []
    if ch in DIGITS or (ch == FILLER and filler_ok):
        out.append((ch, 0))
    for c in CONFUSABLE.get(ch, ""):
        if c in DIGITS or (c == FILLER and filler_ok):
            out.append((c, 1))
    return out


def _variants(group: _Group, lines: Sequence[str], cost: int) -> list[tuple[tuple[tuple[Pos, str], ...], int]]:
    """All ways to make the group's check hold with exactly `cost` substitutions:
    (substitutions, composite-relevant description is left to the caller)."""
    if cost in group.cache:
        return group.cache[cost]
    found: list[tuple[tuple[tuple[Pos, str], ...], int]] = []
    forced_idx = [i for i, f in enumerate(group.forced) if f]
    free_idx = [i for i, opts in enumerate(group.options) if opts and not group.forced[i]]
    dl, dp = group.digit
    digit_opts = _digit_options(lines[dl][dp], group.filler_digit_ok)
    all_filler = all(lines[ln][p] == FILLER for ln, p in group.positions)
    for digit_char, digit_cost in digit_opts:
        body_cost = cost - digit_cost - len(forced_idx)
        if body_cost < 0 or body_cost > len(free_idx):
            continue
        for chosen in combinations(free_idx, body_cost):
            idx = forced_idx + list(chosen)
            if any(not group.options[i] for i in forced_idx):
                break
            for picks in product(*(group.options[i] for i in idx)):
                total = group.base + sum(d for _, d in picks)
                subs = tuple((group.positions[i], c) for i, (c, _) in zip(idx, picks, strict=True))
                # Only an all-filler field may carry a filler check digit.
                ok = (all_filler and not subs) if digit_char == FILLER else total % 10 == CHAR_VALUE[digit_char]
                if ok:
                    if digit_cost:
                        subs = (*subs, (group.digit, digit_char))
                    found.append((subs, cost))
    group.cache[cost] = found
    return found


def _apply(lines: Sequence[str], subs: dict[Pos, str]) -> tuple[str, ...]:
    rows = [list(line) for line in lines]
    for (ln, p), c in subs.items():
        rows[ln][p] = c
    return tuple("".join(r) for r in rows)


def _composite_ok(lines: tuple[str, ...], layout: Layout) -> bool:
    for chk in layout.checks:
        if chk.name == "composite":
            data = "".join(lines[ln][a:b] for ln, a, b in chk.spans)
            d = lines[chk.line][chk.pos]
            return d in DIGITS and check_digit(data) == int(d)
    return True


def _cost_splits(total: int, parts: int) -> Iterator[tuple[int, ...]]:
    if parts == 0:
        if total == 0:
            yield ()
        return
    for first in range(min(total, MAX_GROUP_SUBSTITUTIONS) + 1):
        for rest in _cost_splits(total - first, parts - 1):
            yield (first, *rest)


def correct(lines: Sequence[str], layout: Layout) -> Outcome:
    """Find the reading with the fewest confusable substitutions that satisfies every field alphabet
    and every check digit."""
    alphabet = _alphabet_map(layout)
    lines = tuple(lines)
    groups_spec = _groups(lines, layout)
    composite_spec = next((g for g in groups_spec if g[0] == "composite"), None)
    field_specs = [g for g in groups_spec if g[0] != "composite"]

    covered: set[Pos] = set()
    for _, positions, digit, _ in groups_spec:
        covered.update(positions)
        covered.add(digit)

    # Positions no check digit covers: only characters that cannot stand there are replaced.
    fixed_subs: dict[Pos, str] = {}
    for pos, allowed in alphabet.items():
        if pos in covered:
            continue
        ch = lines[pos[0]][pos[1]]
        if ch in allowed:
            continue
        alts = _alternatives(ch, allowed)
        pick = alts[0] if len(alts) == 1 else PRIMARY.get(ch)
        if pick is None or pick not in allowed:
            return Outcome(None, (), False, 0)
        fixed_subs[pos] = pick
    base_lines = _apply(lines, fixed_subs) if fixed_subs else lines

    groups = [_make_group(base_lines, pos, digit, fok, alphabet, set()) for _, pos, digit, fok in field_specs]
    # Positions only the composite covers (TD1 optional data, TD2/MRV tails) form one more group
    # whose variants are judged by the composite alone.
    comp_only: list[Pos] = []
    if composite_spec is not None:
        in_groups = {p for g in groups for p in (*g.positions, g.digit)}
        comp_only = [p for p in composite_spec[1] if p not in in_groups]
        comp_only.append(composite_spec[2])  # the composite digit itself may be misread too

    def comp_only_variants(cost: int) -> Iterator[tuple[tuple[Pos, str], ...]]:
        forced = [p for p in comp_only if base_lines[p[0]][p[1]] not in alphabet[p]]
        free = [p for p in comp_only if p not in forced and _alternatives(base_lines[p[0]][p[1]], alphabet[p])]
        k = cost - len(forced)
        if k < 0:
            return
        for chosen in combinations(free, k):
            idx = forced + list(chosen)
            opts = [_alternatives(base_lines[ln][p], alphabet[(ln, p)]) for ln, p in idx]
            if any(not o for o in opts):
                return
            for picks in product(*opts):
                yield tuple(zip(idx, picks, strict=True))

    budget = MAX_SUBSTITUTIONS - len(fixed_subs)
    for total in range(budget + 1):
        readings: dict[tuple[str, ...], dict[Pos, str]] = {}
        parts = len(groups) + (1 if comp_only else 0)
        for split in _cost_splits(total, parts):
            group_costs = split[: len(groups)]
            per_group = [_variants(g, base_lines, c) for g, c in zip(groups, group_costs, strict=True)]
            if any(not v for v in per_group):
                continue
            tail_list = list(comp_only_variants(split[-1])) if comp_only else [()]
            for combo in product(*per_group):
                subs: dict[Pos, str] = {}
                for s, _ in combo:
                    subs.update(s)
                for tail in tail_list:
                    full = {**subs, **dict(tail)}
                    candidate = _apply(base_lines, full)
                    if composite_spec is None or _composite_ok(candidate, layout):
                        readings.setdefault(candidate, full)
                if len(readings) > 1:
                    break
            if len(readings) > 1:
                break
        if readings:
            if len(readings) > 1:
                return Outcome(None, (), True, len(readings))
            (reading, subs), = readings.items()
            all_subs = dict(fixed_subs)
            all_subs.update(subs)
            corrections = tuple(
                Correction(ln + 1, p + 1, lines[ln][p], c, checked=(ln, p) not in fixed_subs)
                for (ln, p), c in sorted(all_subs.items())
                if lines[ln][p] != c
            )
            return Outcome(reading, corrections, False, 1)
    return Outcome(None, (), False, 0)
