"""One coverage-guided run of one target under atheris/libFuzzer (started by `fuzz.run`).

`python -m fuzz.atheris_main TARGET [libFuzzer args...]`: the gateway is imported inside
`atheris.instrument_imports()` so its branches guide the mutations; every input goes through the
target's contract (`fuzz.contract`), and a broken contract is an uncaught exception, which
libFuzzer keeps as an artifact (crash-…, timeout-…, oom-…) under `-artifact_prefix`.
"""

from __future__ import annotations

import sys

import atheris


def main() -> None:
    name, args = sys.argv[1], [sys.argv[0], *sys.argv[2:]]
    with atheris.instrument_imports(include=["gateway", "asn1crypto"]):
        from fuzz.targets import TARGETS

        target = TARGETS[name]
        target.prepare()

    def one_input(data: bytes) -> None:
        target.check(data)

    atheris.Setup(args, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
