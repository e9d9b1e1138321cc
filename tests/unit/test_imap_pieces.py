"""The IMAP watcher's pure pieces: backoff, Return-Path, IDLE news, credentials, settings, the progress bar."""

from __future__ import annotations

import io
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from escalations.intake.imap import IDLE_RENEW_SECONDS, _news, backoff, return_path
from escalations.intake.imap_auth import CredentialsError, credentials
from escalations.routing.policy import ConfigError
from escalations.service.imap_runner import ProgressBar
from escalations.service.settings import load_settings


def test_backoff_doubles_from_one_second_up_to_the_cap() -> None:
    assert [backoff(n, 300) for n in range(1, 12)] == [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300]
    assert backoff(5, 3) == 3


def test_idle_is_renewed_at_least_every_ten_minutes() -> None:
    assert IDLE_RENEW_SECONDS < 600


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (b"Return-Path: <a.khan@northside-health.example>\r\n", "a.khan@northside-health.example"),
        (b"Return-Path: <>\r\n", ""),
        (b"", None),
    ],
)
def test_return_path_is_the_envelope_sender(headers: bytes, expected: str | None) -> None:
    assert return_path(headers + b"From: x@y.example\r\nSubject: s\r\n\r\nbody\r\n") == expected


@pytest.mark.parametrize(
    ("responses", "news"),
    [
        ([], False),
        ([(b"OK", b"Still here")], False),
        ([(3, b"EXISTS")], True),
        ([(1, b"RECENT")], True),
        ([(2, b"EXPUNGE")], False),
        ([(b"BYE", b"Server shutting down.")], True),
    ],
)
def test_idle_is_left_for_new_mail_or_a_goodbye(responses: list[tuple[object, ...]], news: bool) -> None:
    assert _news(responses) is news


@dataclass
class Source:
    name: str = "bsp"
    username: str = "bsp@bury.example"
    password_env: str | None = None
    password_file: Path | None = None
    oauth2_token_command: str | None = None
    oauth2_token_file: Path | None = None


def test_a_password_file_or_token_file_is_read_again_on_each_connect(tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_text("first\n")
    for source, oauth2 in ((Source(password_file=secret), False), (Source(oauth2_token_file=secret), True)):
        secret.write_text("first\n")
        assert (credentials(source).secret, credentials(source).oauth2) == ("first", oauth2)
        secret.write_text("rotated\n")
        assert credentials(source).secret == "rotated"


def test_password_from_the_environment_and_token_from_a_command(tmp_path: Path) -> None:
    assert credentials(Source(password_env="BSP_IMAP"), {"BSP_IMAP": "s3cret"}).secret == "s3cret"
    command = f"{sys.executable} -c \"print('tok-123'); print('ignored')\""
    given = credentials(Source(oauth2_token_command=command))
    assert (given.username, given.secret, given.oauth2) == ("bsp@bury.example", "tok-123", True)
    assert "tok-123" not in repr(given)


@pytest.mark.parametrize(
    ("source", "words"),
    [
        (Source(password_env="UNSET_VARIABLE"), "UNSET_VARIABLE is not set"),
        (Source(password_file=Path("/nonexistent/secret")), "cannot be read"),
        (Source(oauth2_token_command=f"{sys.executable} -c \"import sys; print('partial-token'); sys.exit(3)\""), "exited 3"),
        (Source(oauth2_token_command="/nonexistent/token-command"), "could not be run"),
        (Source(), "no password or token source"),
    ],
)
def test_credentials_that_cannot_be_had_say_why_without_the_secret(source: Source, words: str) -> None:
    with pytest.raises(CredentialsError) as caught:
        credentials(source, {})
    assert words in str(caught.value) and "partial-token" not in str(caught.value)


IMAP = '[[imap]]\nname = "bsp"\nhost = "imap.example"\nusername = "u"\n'


def test_imap_settings_additions(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text(
        IMAP + 'password_file = "pw"\naddress = "BSP@bury.example"\nidle = false\npoll_seconds = 5\nprocessed_flag = "$Taken"\n'
    )
    [mailbox] = load_settings(path, environ={}).imap
    assert (mailbox.address, mailbox.idle, mailbox.poll_seconds, mailbox.processed_flag) == (
        "bsp@bury.example",
        False,
        5.0,
        "$Taken",
    )
    assert mailbox.password_file == tmp_path / "pw"
    path.write_text(IMAP + 'password_env = "X"\n')
    [mailbox] = load_settings(path, environ={}).imap
    assert (mailbox.address, mailbox.idle, mailbox.timeout_seconds, mailbox.backoff_max_seconds, mailbox.processed_flag) == (
        None,
        True,
        60.0,
        300.0,
        None,
    )


@pytest.mark.parametrize(
    ("extra", "key", "words"),
    [
        ("", "imap[0]", "needs exactly one of password_env"),
        ('password_env = "X"\npassword_file = "pw"\n', "imap[0]", "needs exactly one of"),
        ('password_env = "X"\naddress = "bsp"\n', "imap[0].address", "not an email address"),
        ('password_env = "X"\npoll_seconds = 0\n', "imap[0].poll_seconds", "more than 0"),
        ('password_env = "X"\nidle = "yes"\n', "imap[0].idle", "must be a bool"),
        ('password_env = "X"\n' + IMAP + 'password_env = "Y"\n', "imap", "the same name"),
    ],
)
def test_imap_settings_errors_name_the_key(tmp_path: Path, extra: str, key: str, words: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(IMAP + extra)
    with pytest.raises(ConfigError) as caught:
        load_settings(path, environ={})
    assert caught.value.key == key and words in str(caught.value)


def test_progress_bar_writes_a_line_at_every_tenth_when_not_on_a_terminal() -> None:
    out = io.StringIO()
    bar = ProgressBar(out, "backfill bsp")
    for done in range(1, 21):
        bar.update(done, 20)
    bar.finish()
    lines = out.getvalue().splitlines()
    assert lines[0] == "backfill bsp: 2/20" and lines[-1] == "backfill bsp: 20/20" and len(lines) == 10
