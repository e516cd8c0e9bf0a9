"""Reading a chip's files, apart from the protocols that open it (`gateway.nfc.protocol`).

`ChipReader` (reader.py) is the sans-IO engine; `policy.py` its block-size and status-word table;
`result.py` what a read is asked and returns; `events.py` what it reports while it runs;
`quirks.py` the real-world deviations it tolerates; `errors.py` why a read can end without a result.
"""

from .errors import (
    AccessDeniedError,
    AccessNotPossibleError,
    CardLostError,
    ChipDataError,
    ChipMisbehavesError,
    ChipReadError,
    ReadDeadlineError,
    UntrustedSessionError,
)
from .reader import CardAccessState, ChipReader, Output
from .result import DEFAULT_FILES, AccessInfo, ChipReadResult, ReadOptions, files_from_names, short_algorithm_name

__all__ = [
    "DEFAULT_FILES",
    "AccessDeniedError",
    "AccessInfo",
    "AccessNotPossibleError",
    "CardAccessState",
    "CardLostError",
    "ChipDataError",
    "ChipMisbehavesError",
    "ChipReadError",
    "ChipReadResult",
    "ChipReader",
    "Output",
    "ReadDeadlineError",
    "ReadOptions",
    "UntrustedSessionError",
    "files_from_names",
    "short_algorithm_name",
]
