"""What the daemon cannot verify without, checked before it listens.

A verifier that silently lost a part — the chip engine, the trust store code, the PC/SC driver, the
image decoder — would still answer, but could never say GENUINE and nobody would be told why. So
`gateway serve` imports every required component first and refuses to start, naming the missing
one, rather than serve a crippled verifier (health never reaches SERVING).
"""

from __future__ import annotations

import importlib

#: (what it is, for the message; the module that must import).
REQUIRED: tuple[tuple[str, str], ...] = (
    ("the chip reading engine", "gateway.nfc.reading"),
    ("the verification pipeline", "gateway.verify.pipeline"),
    ("the trust store", "gateway.pki.store"),
    ("the PC/SC driver (pyscard)", "gateway.drivers.pcsc"),
    ("the image decoder (OpenCV)", "cv2"),
)


class ComponentMissing(RuntimeError):
    """A required component does not import; the message names it and the module that failed."""


def check_components(required: tuple[tuple[str, str], ...] = REQUIRED) -> None:
    for what, module in required:
        try:
            importlib.import_module(module)
        except ImportError as exc:
            missing = exc.name or module
            raise ComponentMissing(f"{what} cannot be loaded (module {missing!r}: {type(exc).__name__}); "
                                   "reinstall the gateway (make setup)") from None
