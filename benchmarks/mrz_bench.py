"""MRZ parse+validate and OCR-correction throughput, next to the `mrz` package and PassportEye.

Run: `make bench` (or `.venv/bin/python benchmarks/mrz_bench.py [--count N]`). Everything is
measured in this one process on one generated corpus, so the ratios compare like with like.
Three parts:
  1. throughput on valid MRZs of every format (best of several rounds);
  2. throughput and outcome on the same corpus with one or two OCR confusions injected;
  3. strictness: defective MRZs whose check digits all hold — which parser still calls them valid.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import string
import sys
import time
from collections.abc import Callable

from gateway.mrz import build_mrz, check

TODAY = dt.date(2026, 11, 22)
FORMATS = [("TD1", "ID", 0.40), ("TD3", "P", 0.35), ("TD2", "I", 0.10), ("MRVA", "V", 0.075), ("MRVB", "V", 0.075)]
COUNTRIES = ["BGR", "ROU", "POL", "HUN", "D", "UTO", "GRC", "ITA", "ESP", "HRV", "SVK", "CZE"]
FIRST = ["Мария", "Георги", "Ioana", "Ștefan", "Zofia", "Łukasz", "Erika", "Jürgen", "Anna Maria", "Petar", "Ana"]
LAST = ["Иванова", "Петров", "Popescu", "Țurcanu", "Kowalska", "Nagy", "Mustermann", "Müller", "Eriksson",
        "Dimitrov-Georgiev", "Constantinescu"]


def make_corpus(n: int, rng: random.Random) -> list[list[str]]:
    corpus = []
    kinds = list(FORMATS)
    weights = [w for *_, w in FORMATS]
    for _ in range(n):
        fmt, code, _w = rng.choices(kinds, weights)[0]
        birth = dt.date(1930, 1, 1) + dt.timedelta(days=rng.randrange(0, 33000))
        expiry = TODAY + dt.timedelta(days=rng.randrange(-2000, 3650))
        long_number = fmt == "TD1" and rng.random() < 0.05
        number_len = 12 if long_number else 9
        number = "".join(rng.choice(string.ascii_uppercase + string.digits) for _ in range(number_len))
        opt_width = {"TD1": 10, "TD2": 7, "TD3": 14, "MRVA": 16, "MRVB": 8}[fmt]
        optional = "".join(rng.choice(string.digits) for _ in range(rng.randrange(0, opt_width)))
        country = rng.choice(COUNTRIES)
        corpus.append(build_mrz(
            format=fmt, document_code=code, issuing_state=country, document_number=number,
            primary_identifier=rng.choice(LAST), secondary_identifier=rng.choice(FIRST), nationality=country,
            birth_date=birth, sex=rng.choice("MFX<"), expiry_date=expiry, optional_data=optional,
        ))
    return corpus


# OCR confusions as a reader makes them: letters in digit fields, digits in name fields.
TO_LETTER = {"0": "O", "1": "I", "2": "Z", "5": "S", "6": "G", "8": "B"}
TO_DIGIT = {"O": "0", "I": "1", "Z": "2", "S": "5", "G": "6", "B": "8"}


def inject(lines: list[str], count: int, rng: random.Random) -> list[str]:
    spots = []
    for ln, text in enumerate(lines):
        for pos, ch in enumerate(text):
            name_line = (len(lines) == 3 and ln == 2) or (len(lines) == 2 and ln == 0 and pos >= 5)
            if name_line and ch in TO_DIGIT:
                spots.append((ln, pos, TO_DIGIT[ch]))
            elif not name_line and ch in TO_LETTER:
                spots.append((ln, pos, TO_LETTER[ch]))
    out = list(lines)
    for ln, pos, new in rng.sample(spots, min(count, len(spots))):
        out[ln] = out[ln][:pos] + new + out[ln][pos + 1 :]
    return out


def defective(rng: random.Random) -> list[tuple[str, list[str]]]:
    """MRZs whose every check digit holds but which no valid document can carry."""
    base = dict(format="TD3", document_code="P", issuing_state="BGR", document_number="385012345",
                primary_identifier="IVANOVA", secondary_identifier="MARIA", nationality="BGR",
                birth_date="850101", sex="F", expiry_date="300101")
    cases = [
        ("impossible birth date (month 13)", dict(birth_date="851301")),
        ("impossible expiry date (day 32)", dict(expiry_date="300132")),
        ("unknown issuing state", dict(issuing_state="QQQ")),
        ("unknown nationality", dict(nationality="ZZX")),
        ("expiry before birth", dict(birth_date="900101", expiry_date="850101")),
    ]
    out = [(why, build_mrz(**{**base, **change})) for why, change in cases]
    good = build_mrz(**base)
    out.append(("digit in the name", [good[0].replace("IVANOVA", "IVAN0VA"), good[1]]))
    out.append(("sex is not M/F/X/<", [good[0], good[1][:20] + "Q" + good[1][21:]]))
    out.append(("document code not P in a passport", ["A" + good[0][1:], good[1]]))
    del rng
    return out


# --- the three parsers, each as lines -> bool(valid) ------------------------------------------

def ours(lines: list[str]) -> bool:
    return check(lines, today=TODAY).valid


def ours_strict(lines: list[str]) -> bool:
    """Validation alone: with correction on, a digit in a name is repaired (and flagged unconfirmed)."""
    return check(lines, today=TODAY, autocorrect=False).valid


def load_peers() -> dict[str, Callable[[list[str]], bool]]:
    peers: dict[str, Callable[[list[str]], bool]] = {}
    try:
        from mrz.checker.mrva import MRVACodeChecker
        from mrz.checker.mrvb import MRVBCodeChecker
        from mrz.checker.td1 import TD1CodeChecker
        from mrz.checker.td2 import TD2CodeChecker
        from mrz.checker.td3 import TD3CodeChecker

        def mrz_pkg(lines: list[str]) -> bool:
            text = "\n".join(lines)
            n = len(lines[0])
            try:
                if len(lines) == 3:
                    return bool(TD1CodeChecker(text))
                if lines[0][0] == "V":
                    return bool((MRVACodeChecker if n == 44 else MRVBCodeChecker)(text))
                return bool((TD3CodeChecker if n == 44 else TD2CodeChecker)(text))
            except Exception:
                return False

        peers["mrz 0.6.2"] = mrz_pkg
    except ImportError:
        print("note: the `mrz` package is not installed (pip install '.[bench]'); skipped", file=sys.stderr)
    try:
        from passporteye.mrz.text import MRZ

        def passporteye(lines: list[str]) -> bool:
            return bool(MRZ(lines).valid)

        peers["PassportEye MRZ"] = passporteye
    except ImportError:
        print("note: passporteye is not installed; skipped", file=sys.stderr)
    return peers


def throughput(fn: Callable[[list[str]], bool], corpus: list[list[str]], rounds: int) -> tuple[float, int]:
    best = float("inf")
    valid = 0
    for _ in range(rounds):
        t0 = time.perf_counter()
        valid = sum(1 for lines in corpus if fn(lines))
        best = min(best, time.perf_counter() - t0)
    return len(corpus) / best, valid


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, default=12000, help="corpus size (default 12000)")
    ap.add_argument("--rounds", type=int, default=3, help="timing rounds, best is kept (default 3)")
    ap.add_argument("--seed", type=int, default=9303)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    corpus = make_corpus(args.count, rng)
    counts = {f: sum(1 for c in corpus if (len(c), len(c[0]), c[0][0] == "V") == s)
              for f, s in (("TD1", (3, 30, False)), ("TD2", (2, 36, False)), ("TD3", (2, 44, False)),
                           ("MRVA", (2, 44, True)), ("MRVB", (2, 36, True)))}
    print(f"corpus: {len(corpus)} generated MRZs ({', '.join(f'{k} {v}' for k, v in counts.items())})")
    peers = load_peers()
    parsers = {"gateway.mrz": ours, **peers}

    print("\n1. parse + validate, valid MRZs")
    print(f"   {'parser':<18}{'MRZ/s':>12}{'valid':>10}{'ratio':>10}")
    rates = {}
    for name, fn in parsers.items():
        rate, valid = throughput(fn, corpus, args.rounds)
        rates[name] = rate
    for name, fn in parsers.items():
        valid = sum(1 for lines in corpus if fn(lines))
        ratio = rates["gateway.mrz"] / rates[name]
        print(f"   {name:<18}{rates[name]:>12,.0f}{valid:>10}{ratio:>9.1f}x")

    print("\n2. the same corpus with one or two OCR confusions injected")
    noisy = [inject(lines, 1 + (i % 2), rng) for i, lines in enumerate(corpus)]
    changed = sum(1 for a, b in zip(corpus, noisy, strict=True) if a != b)
    print(f"   {changed} of {len(noisy)} MRZs changed")
    print(f"   {'parser':<18}{'MRZ/s':>12}{'valid':>10}{'restored':>10}{'wrong':>8}{'ratio':>10}")
    print("   (restored: corrected back to the exact original; wrong: declared valid but not the original)")
    rate_ours, _ = throughput(ours, noisy, args.rounds)
    restored = invisible = miscorrected = valid_ours = ambiguous = 0
    for truth, ocr in zip(corpus, noisy, strict=True):
        r = check(ocr, today=TODAY)
        valid_ours += r.valid
        ambiguous += r.ambiguous
        if r.valid and list(r.lines) == truth:
            restored += ocr != truth
        elif r.valid:
            # Either a confusion no check digit can see (G/6 and L/1 differ by multiples of 10, MRV
            # optional data has no check digit) survived, or a correction picked a wrong character.
            bad = [c for c in r.corrections if truth[c.line - 1][c.position - 1] != c.to_char]
            if bad and all(c.checked for c in bad):
                miscorrected += 1
            else:
                invisible += 1
    print(f"   {'gateway.mrz':<18}{rate_ours:>12,.0f}{valid_ours:>10}{restored:>10}{invisible + miscorrected:>8}"
          f"{1.0:>9.1f}x")
    print(f"   gateway.mrz: {ambiguous} left unchanged as ambiguous; of the valid-but-wrong, {invisible} carry a "
          f"confusion invisible to every check digit or an unconfirmed name guess, {miscorrected} a wrong "
          f"check-digit-confirmed correction")
    for name, fn in peers.items():
        rate, valid = throughput(fn, noisy, 1)
        print(f"   {name:<18}{rate:>12,.0f}{valid:>10}{'-':>10}{'-':>8}{rate_ours / rate:>9.1f}x")

    print("\n3. strictness: check digits all hold, but the MRZ is impossible (valid = wrongly accepted)")
    cases = defective(rng)
    parsers = {"gateway.mrz": ours_strict, **peers}
    header = "".join(f"{n:>18}" for n in parsers)
    print(f"   {'defect':<36}{header}")
    accepted = dict.fromkeys(parsers, 0)
    for why, lines in cases:
        row = ""
        for name, fn in parsers.items():
            ok = fn(lines)
            accepted[name] += ok
            row += f"{('accepts' if ok else 'rejects'):>18}"
        print(f"   {why:<36}{row}")
    print(f"   {'wrongly accepted':<36}" + "".join(f"{accepted[n]:>18}" for n in parsers))

    print("\n   ICAO TD1 specimen with a 12-character document number (a valid document):")
    td1 = ["I<UTOD23145890<1233<<<<<<<<<<<", "7408122F1204159UTO<<<<<<<<<<<2", "ERIKSSON<<ANNA<MARIA<<<<<<<<<<"]
    print("   " + "".join(f"{n}: {'valid' if fn(td1) else 'INVALID'}   " for n, fn in parsers.items()))

    print("\nsummary")
    for name in peers:
        print(f"   parse+validate: gateway.mrz is {rates['gateway.mrz'] / rates[name]:.1f}x {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
