"""Check-digit-driven OCR correction, ranked by how likely the OCR found each reading.

OCR confuses a known set of characters (0/O/Q/D, 1/I/L, 2/Z, 5/S, 6/G, 8/B, `<` read as X/C/S …).
Each MRZ position has an alphabet (digits in dates, letters in names) and most positions are covered
by a check digit. So instead of trusting the first reading we search the readings reachable by
substituting, at each position, one of its candidates — the alternatives the OCR reported, plus
the confusion table's partners with a small prior — keep those where every character fits its
field and every check digit holds, and take the likeliest.

Scoring. A reading's cost is its negative log-likelihood relative to the OCR's best reading: the
sum, over the substituted positions, of ln(p(OCR's first choice) / p(substitute)). A partner that
only the confusion table proposes has probability `CONFUSION_PRIOR` (1e-3: the OCR was sure of
what it saw), so with text-only input (probability 1 for what is there) every substitution costs
the same and the search is the classic "fewest substitutions".

Ambiguity. The winner must be `AMBIGUITY_MARGIN` (ln 50) cheaper than the best *different*
reading that also satisfies every check, i.e. at least 50 times likelier; otherwise nothing is
changed and the result is ambiguous. Why 50: a wrong "correction" of a document number is worse
than none, and the OCR's probabilities are calibrated only roughly (a softmax temperature fitted
on rendered lines); a factor of 50 keeps the chance of picking the wrong one of two candidates
near 2 % even if the probabilities are off by a factor of two or three, while a run of digits
with one O read at, say, 0.7 against 0.3 for 0 still wins clearly over any reading that needs a
confusion the OCR never proposed (cost ln 1000 ≈ 6.9 each). One confusion-table substitution
against two (text-only input) differs by 6.9 > ln 50: the fewest-substitutions rule is kept.
Exact ties (1 and L differ by 20 in check-digit value) are always ambiguous.

The search is exact within `MAX_SUBSTITUTIONS` (whole MRZ) and `MAX_GROUP_SUBSTITUTIONS` (per
check digit), and cheap: a substitution changes a check sum by weight × (new − old value), so each
candidate is an addition; splits of the substitutions over the check-digit groups are visited in
order of their lower cost bound and abandoned once they cannot come within the margin.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations, product

from .charset import CHAR_VALUE, DIGITS, FILLER
from .formats import DATE, NUMERIC, Layout
from .result import Correction

# Read character → characters it may really be (OCR confusions seen in MRZ fonts). `<` read as K
# is not here: K is worth 20 and `<` 0, so no check digit can tell them apart (20 ≡ 0 mod 10).
CONFUSABLE: dict[str, str] = {
    "0": "ODQ", "O": "0QD", "Q": "0O", "D": "0O", "U": "0",
    "1": "IL", "I": "1L", "L": "1I", "T": "17", "7": "T",
    "2": "Z", "Z": "2",
    "5": "S", "S": "5<",
    "6": "G", "G": "6",
    "8": "B", "B": "8",
    "4": "A", "A": "4",
    "X": "<", "C": "<",
}
# When a character cannot stand where it is and no check digit decides, the likeliest replacement.
PRIMARY: dict[str, str] = {
    "0": "O", "1": "I", "2": "Z", "4": "A", "5": "S", "6": "G", "7": "T", "8": "B",
    "O": "0", "Q": "0", "D": "0", "U": "0", "I": "1", "L": "1", "Z": "2", "S": "5", "G": "6", "B": "8",
    "A": "4", "T": "7", "K": "<", "X": "<", "C": "<",
}
_WEIGHTS = (7, 3, 1)

MAX_SUBSTITUTIONS = 4  # over the whole MRZ
MAX_GROUP_SUBSTITUTIONS = 3  # inside one check-digit field
MAX_COMPOSITE_ONLY_SUBSTITUTIONS = 2  # positions only the composite digit covers (TD1 optional data)
CONFUSION_PRIOR = 1e-3
AMBIGUITY_MARGIN = math.log(50.0)
PATTERN_PENALTY = math.log(20.0)  # a document number unlike every pattern of its issuer
_MAX_CANDIDATES = 6  # per position

Pos = tuple[int, int]
Alternatives = Sequence[tuple[str, float]]


@dataclass(frozen=True, slots=True)
class Outcome:
    """`lines` is the corrected reading (None when no reading satisfies every check within the
    limits, or when `ambiguous`). `cost` is the winner's negative log-likelihood relative to the
    OCR's first reading; `margin` how much cheaper it is than the runner-up (inf: no runner-up)."""

    lines: tuple[str, ...] | None
    corrections: tuple[Correction, ...]
    ambiguous: bool
    candidates: int  # distinct readings within the margin of the best
    cost: float = 0.0
    margin: float = math.inf


@dataclass(slots=True)
class _Group:
    """One check digit: its body positions with weights, its digit, and lazily built variants."""

    name: str
    body: list[tuple[Pos, int]]  # (position, 7-3-1 weight)
    digit: Pos
    filler_ok: bool
    base: int
    digit_options: list[tuple[str, float]]  # (character at the digit position, cost), current first
    forced: list[Pos]
    free: list[Pos]
    cache: dict[int, list[tuple[tuple[tuple[Pos, str], ...], float]]]


@lru_cache(maxsize=16)
def _alphabet_map(layout: Layout) -> dict[Pos, frozenset[str]]:
    table: dict[Pos, frozenset[str]] = {}
    for f in layout.fields:
        for p in range(f.start, f.end):
            table[(f.line, p)] = f.alphabet
    return table


def _targets(allowed: frozenset[str]) -> frozenset[str]:
    # A filler may stand in a date (unknown day or month) but is never a correction's target:
    # OCR noise must not turn a date into a partly unknown one.
    return NUMERIC if allowed is DATE else allowed


def text_alternatives(lines: Sequence[str]) -> list[list[list[tuple[str, float]]]]:
    """Text-only input as OCR output: what is there, with probability 1."""
    return [[[(ch, 1.0)] for ch in line] for line in lines]


class _Candidates:
    """Per position: the character read, and the other characters it may be, with their costs."""

    def __init__(self, lines: Sequence[str], alternatives: Sequence[Sequence[Alternatives]],
                 alphabet: dict[Pos, frozenset[str]]) -> None:
        self.lines = lines
        self.alternatives = alternatives
        self.alphabet = alphabet
        self._cache: dict[tuple[Pos, frozenset[str]], list[tuple[str, float]]] = {}

    def of(self, pos: Pos, allowed: frozenset[str] | None = None) -> list[tuple[str, float]]:
        """(character, cost) for every candidate other than the character read, cheapest first."""
        allowed = _targets(self.alphabet[pos]) if allowed is None else allowed
        key = (pos, allowed)
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        ln, p = pos
        read = self.lines[ln][p]
        alts = self.alternatives[ln][p]
        top = max(alts[0][1], 1e-9) if alts else 1.0
        probs: dict[str, float] = {}
        for ch, pr in alts:
            if ch != read and ch in allowed:
                probs[ch] = max(probs.get(ch, 0.0), pr)
        prior = CONFUSION_PRIOR * top
        for ch in CONFUSABLE.get(read, ""):
            if ch in allowed and probs.get(ch, 0.0) < prior:
                probs[ch] = prior
        out = sorted(((ch, math.log(top / max(pr, 1e-12))) for ch, pr in probs.items()),
                     key=lambda t: (t[1], t[0]))
        out = [(ch, max(0.0, c)) for ch, c in out[:_MAX_CANDIDATES]]
        self._cache[key] = out
        return out


def _group_specs(lines: Sequence[str], layout: Layout) -> list[tuple[str, list[list[Pos]], Pos, bool]]:
    """The check-digit groups: (name, body variants, digit, filler allowed). A TD1/TD2 document
    number longer than nine characters has two bodies: issuers compute its check digit over the
    number with or without the filler after the ninth character (both accepted)."""
    out: list[tuple[str, list[list[Pos]], Pos, bool]] = []
    for chk in layout.checks:
        positions = [(ln, p) for ln, a, b in chk.spans for p in range(a, b)]
        bodies = [positions]
        digit = (chk.line, chk.pos)
        if chk.name == "document_number" and layout.name in ("TD1", "TD2"):
            ln, pos = digit
            if lines[ln][pos] == FILLER and lines[ln][pos + 1] != FILLER:
                overflow_end = lines[ln].find(FILLER, pos + 1)
                overflow_end = len(lines[ln]) if overflow_end < 0 else overflow_end
                if overflow_end - (pos + 1) >= 2:
                    rest = [(ln, p) for p in range(pos + 1, overflow_end - 1)]
                    bodies = [positions + rest, [*positions, (ln, pos), *rest]]
                    digit = (ln, overflow_end - 1)
        out.append((chk.name, bodies, digit, chk.filler_allowed))
    return out


def _composite_weights(layout: Layout) -> tuple[dict[Pos, int], Pos | None]:
    for chk in layout.checks:
        if chk.name == "composite":
            weights: dict[Pos, int] = {}
            i = 0
            for ln, a, b in chk.spans:
                for p in range(a, b):
                    weights[(ln, p)] = _WEIGHTS[i % 3]
                    i += 1
            return weights, (chk.line, chk.pos)
    return {}, None


@lru_cache(maxsize=64)
def _splits(budget: int, caps: tuple[int, ...]) -> tuple[tuple[int, ...], ...]:
    """Every way to spread at most `budget` substitutions over groups with these caps."""
    return tuple(s for total in range(budget + 1) for s in _cost_splits(total, caps))


def _cost_splits(total: int, caps: Sequence[int]) -> Iterator[tuple[int, ...]]:
    if not caps:
        if total == 0:
            yield ()
        return
    for first in range(min(total, caps[0]) + 1):
        for rest in _cost_splits(total - first, caps[1:]):
            yield (first, *rest)


class _Search:
    def __init__(self, lines: tuple[str, ...], cands: _Candidates, layout: Layout,
                 number_patterns: Sequence[re.Pattern[str]]) -> None:
        self.lines = lines
        self.cands = cands
        self.layout = layout
        self.alphabet = cands.alphabet
        self.patterns = number_patterns
        self.comp_weights, self.comp_digit = _composite_weights(layout)
        number = next(c for c in layout.checks if c.name == "document_number")
        self.number_digit: Pos = (number.line, number.pos)

    # --- one check-digit group ---------------------------------------------------------------

    def make_group(self, name: str, body: list[Pos], digit: Pos, filler_ok: bool) -> _Group:
        lines = self.lines
        weighted = [(pos, _WEIGHTS[i % 3]) for i, pos in enumerate(body)]
        base = sum(w * CHAR_VALUE[lines[ln][p]] for (ln, p), w in weighted)
        forced, free = [], []
        # The filler after the ninth character of a long document number stays a filler.
        fixed_filler = {self.number_digit} if name == "document_number" and self.number_digit in body else set()
        for pos in body:
            if pos in fixed_filler:
                continue
            ch = lines[pos[0]][pos[1]]
            if ch not in self.alphabet[pos]:
                forced.append(pos)
            elif self.cands.of(pos):
                free.append(pos)
        dl, dp = digit
        read = lines[dl][dp]
        # A field left empty (all fillers) may carry a filler as its check digit; that is possible
        # when every character of the body is a filler as read or could be one after correction.
        could_be_empty = all(lines[ln][p] == FILLER or any(c == FILLER for c, _ in self.cands.of((ln, p)))
                             for ln, p in body)
        digit_allowed = frozenset(DIGITS | ({FILLER} if filler_ok and could_be_empty else set()))
        digit_options: list[tuple[str, float]] = []
        if read in digit_allowed:
            digit_options.append((read, 0.0))
        digit_options += self.cands.of(digit, digit_allowed)
        return _Group(name, weighted, digit, filler_ok, base, digit_options, forced, free, {})

    def variants(self, g: _Group, k: int) -> list[tuple[tuple[tuple[Pos, str], ...], float]]:
        """Every way to make the group's check hold with exactly `k` substitutions, with its cost."""
        hit = g.cache.get(k)
        if hit is not None:
            return hit
        found: list[tuple[tuple[tuple[Pos, str], ...], float]] = []
        weight = dict(g.body)
        lines = self.lines
        for digit_char, digit_cost in g.digit_options:
            changes_digit = digit_char != lines[g.digit[0]][g.digit[1]]
            if digit_char == FILLER:  # only an empty field carries a filler digit: every body character a filler
                empty = self._empty_field(g)
                if empty is not None and len(empty[0]) + changes_digit == k:
                    subs, cost = empty
                    found.append(((*subs, (g.digit, FILLER)) if changes_digit else subs, cost + digit_cost))
                continue
            body_k = k - len(g.forced) - (1 if changes_digit else 0)
            if body_k < 0 or body_k > len(g.free):
                continue
            for chosen in combinations(g.free, body_k):
                idx = g.forced + list(chosen)
                options = [self.cands.of(pos) for pos in idx]
                if any(not o for o in options):
                    break
                for picks in product(*options):
                    subs = tuple((pos, c) for pos, (c, _) in zip(idx, picks, strict=True))
                    total = g.base + sum(weight[pos] * (CHAR_VALUE[c] - CHAR_VALUE[lines[pos[0]][pos[1]]])
                                         for pos, c in subs)
                    ok = total % 10 == CHAR_VALUE[digit_char]
                    if ok:
                        cost = digit_cost + sum(c for _, c in picks)
                        if changes_digit:
                            subs = (*subs, (g.digit, digit_char))
                        if self.patterns and g.name == "document_number" and not self._number_fits(g, subs):
                            cost += PATTERN_PENALTY
                        found.append((subs, cost))
        found.sort(key=lambda t: t[1])
        g.cache[k] = found
        return found

    def _empty_field(self, g: _Group) -> tuple[tuple[tuple[Pos, str], ...], float] | None:
        """The substitutions (and their cost) that make every body character a filler, or None."""
        subs, cost = [], 0.0
        for pos, _ in g.body:
            if self.lines[pos[0]][pos[1]] == FILLER:
                continue
            option = next((c for ch, c in self.cands.of(pos) if ch == FILLER), None)
            if option is None:
                return None
            subs.append((pos, FILLER))
            cost += option
        return tuple(subs), cost

    def _number_fits(self, g: _Group, subs: tuple[tuple[Pos, str], ...]) -> bool:
        changed = dict(subs)
        number = "".join(changed.get(pos, self.lines[pos[0]][pos[1]]) for pos, _ in g.body)
        number = number.replace(FILLER, "") if len(g.body) > 9 else number.rstrip(FILLER)
        return any(p.fullmatch(number) for p in self.patterns)

    def lower_bounds(self, g: _Group) -> list[float]:
        """lower_bounds(g)[k]: no k-substitution variant of the group costs less."""
        costs = [c[0][1] for c in (self.cands.of(p) for p in g.free) if c]
        read = self.lines[g.digit[0]][g.digit[1]]
        digit_costs = [c for ch, c in g.digit_options if ch != read]
        pool = sorted(costs + digit_costs[:1])
        forced_options = [self.cands.of(p) for p in g.forced]
        forced = sum(o[0][1] if o else math.inf for o in forced_options)
        out = []
        for k in range(MAX_GROUP_SUBSTITUTIONS + 1):
            extra = k - len(g.forced)
            out.append(math.inf if extra < 0 or extra > len(pool) else forced + sum(pool[:extra]))
        return out


def _apply(lines: Sequence[str], subs: dict[Pos, str]) -> tuple[str, ...]:
    rows = [list(line) for line in lines]
    for (ln, p), c in subs.items():
        rows[ln][p] = c
    return tuple("".join(r) for r in rows)


def correct(lines: Sequence[str], layout: Layout, *, number_patterns: Sequence[re.Pattern[str]] = ()) -> Outcome:
    """Text-only correction: every character as read, with probability 1."""
    return correct_readings(lines, text_alternatives(lines), layout, number_patterns=number_patterns)


def correct_readings(lines: Sequence[str], alternatives: Sequence[Sequence[Alternatives]], layout: Layout, *,
                     number_patterns: Sequence[re.Pattern[str]] = ()) -> Outcome:
    """The likeliest reading that satisfies every field alphabet and every check digit.

    `lines` are the OCR's first choices, `alternatives[line][position]` its (character,
    probability) pairs, first choice first. `number_patterns` (the issuer's document-number
    formats) only rank readings: a document number unlike them costs `PATTERN_PENALTY`.
    """
    lines = tuple(lines)
    alphabet = _alphabet_map(layout)
    cands = _Candidates(lines, alternatives, alphabet)
    specs = _group_specs(lines, layout)
    covered: set[Pos] = set()
    for _, bodies, digit, _ in specs:
        for body in bodies:
            covered.update(body)
        covered.add(digit)

    # Positions no check digit covers: only characters that cannot stand there are replaced, by
    # the OCR's likeliest allowed alternative, else the confusion table's first choice.
    fixed_subs: dict[Pos, str] = {}
    for pos, allowed in alphabet.items():
        if pos in covered:
            continue
        ch = lines[pos[0]][pos[1]]
        if ch in allowed:
            continue
        options = cands.of(pos)
        if not options:
            return Outcome(None, (), False, 0)
        best = [c for c, cost in options if cost <= options[0][1] + 1e-9]
        pick = best[0] if len(best) == 1 else PRIMARY.get(ch, best[0])
        if pick not in allowed:
            pick = best[0]
        fixed_subs[pos] = pick
    base_lines = _apply(lines, fixed_subs) if fixed_subs else lines
    if fixed_subs:
        alternatives = [[alternatives[ln][p] if (ln, p) not in fixed_subs else [(fixed_subs[(ln, p)], 1.0)]
                         for p in range(len(line))] for ln, line in enumerate(base_lines)]
        cands = _Candidates(base_lines, alternatives, alphabet)

    search = _Search(base_lines, cands, layout, number_patterns)
    # Each non-composite check: one group per body variant (long TD1 numbers have two).
    field_groups: list[list[_Group]] = []
    for name, bodies, digit, filler_ok in specs:
        if name == "composite":
            continue
        field_groups.append([search.make_group(name, body, digit, filler_ok) for body in bodies])
    comp_weights, comp_digit = search.comp_weights, search.comp_digit
    in_groups = {pos for gs in field_groups for g in gs for pos, _ in g.body} | {g.digit for gs in field_groups
                                                                               for g in gs}
    comp_only: list[Pos] = []
    if comp_digit is not None:
        comp_only = [p for p in comp_weights if p not in in_groups]
    comp_base = sum(w * CHAR_VALUE[base_lines[ln][p]] for (ln, p), w in comp_weights.items())

    def comp_only_variants(k: int) -> list[tuple[tuple[tuple[Pos, str], ...], float]]:
        """Substitutions among composite-only positions and the composite digit itself; whether the
        composite holds is decided with the groups' substitutions, below."""
        if comp_digit is None:
            return [((), 0.0)] if k == 0 else []
        forced = [p for p in comp_only if base_lines[p[0]][p[1]] not in alphabet[p]]
        free = [p for p in comp_only if p not in forced and cands.of(p)]
        digit_read = base_lines[comp_digit[0]][comp_digit[1]]
        digit_opts = cands.of(comp_digit, NUMERIC)
        out: list[tuple[tuple[tuple[Pos, str], ...], float]] = []
        for change_digit in (False, True):
            body_k = k - len(forced) - (1 if change_digit else 0)
            if body_k < 0 or body_k > len(free):
                continue
            if not change_digit and digit_read not in DIGITS:
                continue
            for chosen in combinations(free, body_k):
                idx = forced + list(chosen)
                options = [cands.of(p) for p in idx]
                if any(not o for o in options):
                    break
                for picks in product(*options, *([digit_opts] if change_digit else [])):
                    subs = tuple(zip([*idx, *([comp_digit] if change_digit else [])], [c for c, _ in picks],
                                     strict=True))
                    out.append((subs, sum(c for _, c in picks)))
        out.sort(key=lambda t: t[1])
        return out

    def comp_delta(subs: dict[Pos, str]) -> int:
        return sum(comp_weights[pos] * (CHAR_VALUE[c] - CHAR_VALUE[base_lines[pos[0]][pos[1]]])
                   for pos, c in subs.items() if pos in comp_weights)

    def composite_ok(subs: dict[Pos, str]) -> bool:
        if comp_digit is None:
            return True
        d = subs.get(comp_digit, base_lines[comp_digit[0]][comp_digit[1]])
        return d in DIGITS and (comp_base + comp_delta(subs)) % 10 == int(d)

    budget = MAX_SUBSTITUTIONS - len(fixed_subs)
    caps = [MAX_GROUP_SUBSTITUTIONS] * len(field_groups)
    if comp_digit is not None:
        caps.append(MAX_COMPOSITE_ONLY_SUBSTITUTIONS)

    bounds = [[min(b) for b in zip(*(search.lower_bounds(g) for g in gs), strict=True)] for gs in field_groups]

    def split_bound(split: tuple[int, ...]) -> float:
        return sum(b[k] for b, k in zip(bounds, split, strict=False))

    splits = sorted(_splits(budget, tuple(caps)), key=lambda s: (split_bound(s), sum(s)))
    readings: dict[tuple[str, ...], tuple[float, dict[Pos, str]]] = {}
    best = math.inf
    for split in splits:
        if split_bound(split) > best + AMBIGUITY_MARGIN:
            break
        per_group: list[list[tuple[tuple[tuple[Pos, str], ...], float]]] = []
        for gs, k in zip(field_groups, split, strict=False):
            merged: dict[tuple[tuple[Pos, str], ...], float] = {}
            for g in gs:  # both bodies of a long number: a variant satisfying either counts
                for subs, cost in search.variants(g, k):
                    key = tuple(sorted(subs))
                    if cost < merged.get(key, math.inf):
                        merged[key] = cost
            per_group.append(sorted(merged.items(), key=lambda t: t[1]))
        if any(not v for v in per_group):
            continue
        tails = comp_only_variants(split[-1]) if comp_digit is not None else [((), 0.0)]
        if not tails:
            continue
        limit = best + AMBIGUITY_MARGIN
        for combo in product(*per_group):
            cost = sum(c for _, c in combo)
            if cost > limit:
                continue
            subs: dict[Pos, str] = {}
            for s, _ in combo:
                subs.update(s)
            for tail, tail_cost in tails:
                total = cost + tail_cost
                if total > limit:
                    break
                full = {**subs, **dict(tail)} if tail else subs
                if not composite_ok(full):
                    continue
                candidate = _apply(base_lines, full)
                if candidate not in readings or total < readings[candidate][0]:
                    readings[candidate] = (total, full)
                if total < best:
                    best = total
                    limit = best + AMBIGUITY_MARGIN
    if not readings:
        return Outcome(None, (), False, 0)
    if base_lines in readings:
        # The reading as read satisfies every check: the check digits confirm it; alternatives
        # and patterns never overrule them (only uncovered forced substitutions remain).
        readings = {base_lines: (0.0, {})}
    ranked = sorted(readings.items(), key=lambda t: t[1][0])
    (reading, (cost, subs)) = ranked[0]
    margin = ranked[1][1][0] - cost if len(ranked) > 1 else math.inf
    close = sum(1 for _, (c, _) in ranked if c - cost < AMBIGUITY_MARGIN)
    if margin < AMBIGUITY_MARGIN:
        return Outcome(None, (), True, close, cost, margin)
    all_subs = dict(fixed_subs)
    all_subs.update(subs)
    corrections = tuple(
        Correction(ln + 1, p + 1, lines[ln][p], c, checked=(ln, p) not in fixed_subs)
        for (ln, p), c in sorted(all_subs.items())
        if lines[ln][p] != c
    )
    return Outcome(reading, corrections, False, 1, cost, margin)


UNCERTAIN_BELOW = 0.65  # an unchecked character the OCR does not favour at least about 2:1


def uncertain_fields(lines: Sequence[str], alternatives: Sequence[Sequence[Alternatives]],
                     layout: Layout) -> list[str]:
    """Fields holding a character that no check digit covers and whose reading the OCR doubts:
    its probability among the characters the field allows is below `UNCERTAIN_BELOW`. No check
    digit can catch a wrong letter in a name or a document code, so such a reading must not pass
    as valid (fail closed: rescan or confirm by eye)."""
    covered: set[Pos] = set()
    for _, bodies, digit, _ in _group_specs(lines, layout):
        for body in bodies:
            covered.update(body)
        covered.add(digit)
    out: list[str] = []
    for f in layout.fields:
        for p in range(f.start, f.end):
            if (f.line, p) in covered:
                continue
            ch = lines[f.line][p]
            alts = alternatives[f.line][p]
            allowed = [(c, pr) for c, pr in alts if c in f.alphabet]
            total = sum(pr for _, pr in allowed)
            mine = max((pr for c, pr in allowed if c == ch), default=0.0)
            if alts and total > 0 and mine / total < UNCERTAIN_BELOW and f.name not in out:
                out.append(f.name)
    return out
