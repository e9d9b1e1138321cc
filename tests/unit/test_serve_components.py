"""`serve --only`: which components a process runs, the web console among them."""

from __future__ import annotations

from pathlib import Path

import pytest

from escalations.service.runtime import Runtime
from escalations.service.serve import COMPONENTS, Service, parse_only
from escalations.service.settings import load_settings
from tests.conftest import PACKAGED_CONFIG


def test_only_takes_the_console_and_refuses_what_it_does_not_know() -> None:
    assert parse_only("intake, console") == {"intake", "console"}
    assert parse_only(None) == set(COMPONENTS) and "console" in COMPONENTS
    with pytest.raises(ValueError, match="not web"):
        parse_only("intake,web")


@pytest.mark.parametrize(
    ("console", "worker", "only", "runs"),
    [
        (True, True, None, {"intake", "worker", "sender", "scheduler", "console"}),
        (False, True, None, {"intake", "worker", "sender", "scheduler"}),
        (True, False, None, {"intake", "console"}),
        (False, False, None, {"intake"}),
        (False, True, {"console"}, {"console"}),  # asked for by name: run, whatever the setting
    ],
)
def test_the_default_components_follow_the_settings(
    tmp_path: Path, console: bool, worker: bool, only: set[str] | None, runs: set[str]
) -> None:
    path = tmp_path / "s.toml"
    path.write_text(
        f'[partnerships]\ndir = "{PACKAGED_CONFIG / "partnerships"}"\n'
        f"[worker]\nenabled = {str(worker).lower()}\n[console]\nenabled = {str(console).lower()}\n"
    )
    runtime = Runtime(load_settings(path))
    assert Service(runtime, only).only == runs
