"""Fuzzing harness of the gateway: one target per parser of hostile input, run by atheris
(coverage-guided, `make fuzz`) or by the built-in mutator (`fuzz.engine`, the CI smoke).
See docs/hostile-input.md."""
