"""The operator's console of a device simulator: commands on stdin, SIGUSR1 and SIGTERM, and the
wait until it is told to stop.

Every `gateway-sim DEVICE` runs the same way: it prints where it can be reached, then obeys one
command per stdin line (`place`, `remove`, `swipe`... and `quit`) until `quit`, SIGTERM or Ctrl-C.
When stdin closes (the simulator runs as a service), it keeps serving until a signal. SIGUSR1 is
the command a script can send without a terminal (e.g. toggle the document).
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable, Iterable, Mapping

__all__ = ["QUIT", "Command", "said", "serve_console"]

QUIT = ("quit", "exit", "stop")
#: A command: its words after the command's name in, the line to print (or None) out.
Command = Callable[[list[str]], "str | None"]


def said(action: Callable[[], object], line: str) -> Command:
    """A command that takes no words: do `action`, print `line`."""
    def command(_: list[str]) -> str:
        action()
        return line
    return command


def serve_console(commands: Mapping[str, Command], *, usage: str, banner: Iterable[str] = (),
                  errors: tuple[type[Exception], ...] = (ValueError,),
                  on_usr1: Callable[[], None] | None = None) -> None:
    """Print `banner` (where the device can be reached), then obey `commands` from stdin until told
    to stop; blocks. The signal handlers are in place before the banner, so a script that waits for
    it may signal at once. An unknown command prints `usage`, a command that raises one of `errors`
    prints `error: ...`; the caller closes its devices after."""
    stop = threading.Event()
    if on_usr1 is not None:
        signal.signal(signal.SIGUSR1, lambda *_: on_usr1())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    for line in banner:
        print(line, flush=True)

    def read() -> None:
        for line in sys.stdin:
            words = line.split()
            if not words:
                continue
            name = words[0].lower()
            if name in QUIT:
                break
            command = commands.get(name)
            if command is None:
                print(f"commands: {usage}", flush=True)
                continue
            try:
                said = command(words[1:])
            except errors as exc:
                print(f"error: {exc}", flush=True)
                continue
            if said:
                print(said, flush=True)
        else:
            return  # stdin closed (a service): keep serving until a signal
        stop.set()

    if sys.stdin is not None and not sys.stdin.closed:
        threading.Thread(target=read, name="sim-console", daemon=True).start()
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
