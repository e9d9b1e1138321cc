"""The project's own promises: the README's commands, CI running them, packaged data."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _readme_commands() -> list[str]:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    setup = readme.split("## Set up", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.+?)\n```", setup, flags=re.S)


def test_readme_gives_exactly_two_setup_commands() -> None:
    commands = _readme_commands()
    assert len(commands) == 2
    serve, test = commands
    assert serve.endswith("escalations serve")
    assert "pytest" in test


def test_ci_runs_the_readmes_test_command() -> None:
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    test_command = _readme_commands()[1]
    assert test_command in ci.splitlines()
    assert "ESCALATIONS_TEST_POSTGRES_URL" in ci


def test_templates_and_config_ship_as_package_data() -> None:
    config = resources.files("escalations.config")
    assert config.joinpath("escalations.toml").is_file()
    assert config.joinpath("directory.example.csv").is_file()
    assert sorted(p.name for p in config.joinpath("partnerships").iterdir() if p.name.endswith(".toml")) == [
        "barnet.toml",
        "bnes.toml",
        "bury-adults.toml",
        "bury-children.toml",
        "salford.toml",
    ]
    templates = resources.files("escalations.templates")
    for name in (
        "practitioner/acknowledgement",
        "manager/routed-case",
        "business_manager/directory-gap",
        "practitioner/information-needed",
    ):
        for part in ("txt", "html"):
            assert templates.joinpath(f"{name}.{part}.j2").is_file()


def test_failures_are_logged_without_their_message(caplog) -> None:  # type: ignore[no-untyped-def]
    import logging

    from escalations.storage.logs import log_failure

    try:
        raise ValueError("Jo Bloggs, born 14/02/2017")
    except ValueError as exc:
        log_failure(logging.getLogger("test"), "inbound %s: failed", exc, 7)
    [record] = caplog.records
    assert "inbound 7: failed (builtins.ValueError)" in record.getMessage()
    assert "test_project.py" in record.getMessage()
    assert "Bloggs" not in record.getMessage() and record.exc_info is None
