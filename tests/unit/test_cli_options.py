"""The command line's common options may come before the command or after it (DESIGN.md)."""

from __future__ import annotations

import pytest

from escalations.service.cli import _parser


@pytest.mark.parametrize(
    ("argv", "config", "verbose"),
    [
        (["--config", "a.toml", "cases", "list"], "a.toml", False),
        (["cases", "list", "--config", "b.toml"], "b.toml", False),
        (["-v", "--config", "a.toml", "outbox", "list"], "a.toml", True),
        (["--config", "a.toml", "cases", "list", "--config", "b.toml"], "b.toml", False),
        (["cases", "list"], None, False),
        (["cases", "list", "-v"], None, True),
    ],
)
def test_config_and_verbose_are_read_before_or_after_the_command(argv: list[str], config: str | None, verbose: bool) -> None:
    args = _parser().parse_args(argv)
    assert (args.config, args.verbose) == (config, verbose)


def test_a_settings_file_named_before_the_command_is_the_one_used(tmp_path, capsys) -> None:
    from escalations.service.cli import main

    missing = tmp_path / "nowhere.toml"
    code = main(["--config", str(missing), "check-config"])
    assert code != 0
    assert "nowhere.toml" in capsys.readouterr().err
