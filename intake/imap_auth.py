"""IMAP credentials: a password from the environment or a file, or an OAuth 2.0 token, read afresh on each connect.

Reading on each connect is what lets an operator rotate a password file or a
token (Microsoft 365 and Google tokens last about an hour) without a restart.
Nothing here is ever logged: errors name the source, never its content.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

TOKEN_COMMAND_SECONDS = 30


class ImapError(Exception):
    """Base of the IMAP intake's own errors."""


class AuthFailure(ImapError):
    """The server refused the credentials, or they could not be had: a person must act."""


class CredentialsError(AuthFailure):
    """The password or token could not be had (unset variable, unreadable file, failing command)."""


class CredentialSource(Protocol):
    name: str
    username: str
    password_env: str | None
    password_file: Path | None
    oauth2_token_command: str | None
    oauth2_token_file: Path | None


@dataclass(frozen=True)
class Credentials:
    username: str
    secret: str = field(repr=False)
    oauth2: bool = False


def credentials(source: CredentialSource, environ: Mapping[str, str] | None = None) -> Credentials:
    """The mailbox's credentials as they are now."""
    environ = os.environ if environ is None else environ
    if source.password_env:
        if source.password_env not in environ:
            raise CredentialsError(f"the environment variable {source.password_env} is not set")
        return Credentials(source.username, environ[source.password_env])
    if source.password_file:
        return Credentials(source.username, _read(source.password_file, "password file"))
    if source.oauth2_token_file:
        return Credentials(source.username, _read(source.oauth2_token_file, "token file"), oauth2=True)
    if source.oauth2_token_command:
        return Credentials(source.username, _run(source.oauth2_token_command), oauth2=True)
    raise CredentialsError("no password or token source is configured")


def _read(path: Path, what: str) -> str:
    try:
        value = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise CredentialsError(f"the {what} {path} cannot be read: {exc.strerror}") from None
    if not value:
        raise CredentialsError(f"the {what} {path} is empty")
    return value


def _run(command: str) -> str:
    """Run the token command (no shell) and take its first output line as the access token."""
    try:
        done = subprocess.run(shlex.split(command), capture_output=True, text=True, timeout=TOKEN_COMMAND_SECONDS, check=False)
    except (OSError, ValueError, subprocess.TimeoutExpired) as exc:
        raise CredentialsError(f"the token command could not be run: {type(exc).__name__}") from None
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        raise CredentialsError(f"the token command exited {done.returncode} without a token")
    return lines[0].strip()
