"""The installed `escalations serve` in a subprocess, for tests that start, kill and restart it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

COMMAND = str(Path(sys.executable).with_name("escalations"))


class Serve:
    """One `escalations serve` process, its log, and when it was started."""

    def __init__(self, settings: Path, log: Path, env: Mapping[str, str] | None = None, args: Sequence[str] = ()) -> None:
        self.log_path = log
        self.log = log.open("ab")
        environ = {k: v for k, v in os.environ.items() if k != "ESCALATIONS_FAULT_KILL_AT"}
        environ.update(env or {})
        self.started = time.monotonic()
        self.process = subprocess.Popen(
            [COMMAND, "serve", "--config", str(settings), *args],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            env=environ,
            start_new_session=True,  # its own process group: a kill takes the processing process too
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_listening(self, port: int, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.alive(), self.text()
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.05)
        raise TimeoutError(self.text())

    def wait_log(self, words: str, timeout: float = 60) -> None:
        until(lambda: words in self.text() or not self.alive(), timeout, f"{words!r} in the log")
        assert words in self.text(), self.text()

    def kill(self, wait: bool = True) -> None:
        """SIGKILL to the whole service, as a power cut would: `serve` is two processes
        (service/serve.py), and killing only the first lets the second finish its work."""
        self._kill_group()
        if wait:
            self.process.wait(30)

    def _kill_group(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:  # every process of the group has ended
            pass

    def wait_dead(self, timeout: float = 60) -> int:
        return self.process.wait(timeout)

    def stop(self, timeout: float = 60) -> int:
        if self.alive():
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout)

    def close(self) -> None:
        self._kill_group()  # also a processing process left behind by a first process killed alone
        self.process.wait(30)
        self.log.close()


@contextmanager
def serve_processes() -> Iterator[list[Serve]]:
    """Every process a test starts is killed at its end, whatever happened."""
    started: list[Serve] = []
    try:
        yield started
    finally:
        for serve in started:
            serve.close()


def until(check: Callable[[], object], timeout: float = 30, what: str = "condition", every: float = 0.05) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every)
    raise TimeoutError(f"timed out after {timeout}s waiting for {what}")
