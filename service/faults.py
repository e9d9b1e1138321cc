"""Fault injection for the fault-matrix tests (tests/faults/): kill this process at one named point.

Set ``ESCALATIONS_FAULT_KILL_AT`` to a point's name and the process sends
itself SIGKILL the first time it reaches that point: no cleanup, no flush, as
a crash or the OOM killer would leave it. The variable is read once, at
import; unset (always, in production) every point costs one comparison. Used
only where a crash cannot be placed by timing alone:

- ``worker-claimed``: a message claimed (committed), its reading not begun;
- ``worker-prepared``: the message read and routed in memory, nothing committed;
- ``imap-stored``: an IMAP message committed, not yet moved out of the folder.

The relay's ``250`` before the outbox row is marked sent needs no hook: the
test's relay kills `serve` as it answers (tests/faults/).

`serve` is two processes (service/serve.py): a point reached in the processing
process kills the intake process that started it first, so the whole service
dies at that step, as the fault matrix means, rather than one process that its
parent would restart.
"""

from __future__ import annotations

import logging
import os
import signal

log = logging.getLogger(__name__)

ENV = "ESCALATIONS_FAULT_KILL_AT"
PARENT_ENV = "ESCALATIONS_SERVE_PARENT"  # as service/serve.py sets it in the processing process
POINTS = frozenset({"worker-claimed", "worker-prepared", "imap-stored"})

_KILL_AT = os.environ.get(ENV, "")
if _KILL_AT and _KILL_AT not in POINTS:
    raise SystemExit(f"{ENV}={_KILL_AT!r} is not a fault point; known: {', '.join(sorted(POINTS))}")


def point(name: str) -> None:
    """Die here if the fault matrix asked for it."""
    if name == _KILL_AT:
        log.warning("fault injection: killing this process at %s", name)
        for handler in logging.getLogger().handlers:
            handler.flush()
        parent = os.environ.get(PARENT_ENV)
        if parent and parent == str(os.getppid()):
            os.kill(int(parent), signal.SIGKILL)
        os.kill(os.getpid(), signal.SIGKILL)
