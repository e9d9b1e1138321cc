"""A real Dovecot IMAP server for the tests: its own configuration, users and maildirs in a temporary folder, on a free loopback port.

Plaintext sign-in is allowed (loopback only, no TLS). As root, Dovecot's
unprivileged processes run as the ``dovecot`` and ``dovenull`` users the
Debian package creates, and so does the mail (Dovecot refuses mail owned by
root); as anyone else, everything runs as that user.
"""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterable, Sequence
from contextlib import suppress
from datetime import datetime
from pathlib import Path

import pytest
from imapclient import IMAPClient

from tests.support.smtp_sink import free_port

PACKAGE = "dovecot-imapd"
REQUIRE_SERVICES = os.environ.get("ESCALATIONS_REQUIRE_SERVICES") == "1"

CONFIG = """\
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
instance_name = escalations-test-{port}
default_internal_user = {internal_user}
default_internal_group = {internal_group}
default_login_user = {login_user}
first_valid_uid = 1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login xoauth2
auth_failure_delay = 0
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={mail_uid} gid={mail_gid} home={root}/mail/%u
}}
mail_location = maildir:~/Maildir
namespace inbox {{
  inbox = yes
  separator = /
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
  # No growing delay after failed sign-ins: the tests fail some on purpose.
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
"""


def dovecot_binary() -> str:
    """Dovecot's path; skips the test (fails it with ESCALATIONS_REQUIRE_SERVICES=1) if it is not installed."""
    found = shutil.which("dovecot", path=f"{os.environ.get('PATH', '')}:/usr/sbin:/sbin")
    if found:
        return found
    message = f"Dovecot is not installed: the IMAP tests need the Debian package {PACKAGE} (apt-get install {PACKAGE})"
    if REQUIRE_SERVICES:
        pytest.fail(message)
    pytest.skip(message)


class Dovecot:
    """One Dovecot, started and stopped by the test; ``users`` maps user name to password (or XOAUTH2 token)."""

    host = "127.0.0.1"

    def __init__(self, binary: str, users: dict[str, str]) -> None:
        self.binary = binary
        self.users = dict(users)
        # Not under pytest's tmp_path: Dovecot's unprivileged users must be able to reach it.
        self.root = Path(tempfile.mkdtemp(prefix="esc-dovecot-"))
        self.root.chmod(0o755)
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.mail_uid, self.mail_gid = self._identity()
        (self.root / "mail").mkdir()
        os.chown(self.root / "mail", self.mail_uid, self.mail_gid)
        self.write_passwords()
        self.config = self.root / "dovecot.conf"
        self.config.write_text(
            CONFIG.format(root=self.root, port=self.port, mail_uid=self.mail_uid, mail_gid=self.mail_gid, **self._process_users())
        )

    def _identity(self) -> tuple[int, int]:
        if os.geteuid() != 0:
            return os.getuid(), os.getgid()
        mail = pwd.getpwnam("dovecot")
        return mail.pw_uid, mail.pw_gid

    def _process_users(self) -> dict[str, str]:
        if os.geteuid() == 0:
            return {"internal_user": "dovecot", "internal_group": "dovecot", "login_user": "dovenull"}
        me = pwd.getpwuid(os.getuid()).pw_name
        return {"internal_user": me, "internal_group": grp.getgrgid(os.getgid()).gr_name, "login_user": me}

    def write_passwords(self) -> None:
        """Dovecot rereads the file when it changes, so a test can change a password while it runs."""
        path = self.root / "passwd"
        path.write_text("".join(f"{user}:{{PLAIN}}{password}::::::\n" for user, password in self.users.items()))
        path.chmod(0o644)

    # -- running --------------------------------------------------------------

    def start(self, timeout: float = 15) -> None:
        assert self.process is None or self.process.poll() is not None, "already running"
        log = (self.root / "stdout.log").open("ab")
        # A session of its own, so that stop() can end the imap processes too.
        self.process = subprocess.Popen(
            [self.binary, "-F", "-c", str(self.config)], stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"dovecot exited {self.process.returncode}:\n{self.log()}")
            if self._greets():
                return
            time.sleep(0.05)
        raise TimeoutError(f"dovecot did not answer on port {self.port}:\n{self.log()}")

    def _greets(self) -> bool:
        try:
            with socket.create_connection((self.host, self.port), timeout=1) as conn:
                return conn.recv(64).startswith(b"* OK")
        except OSError:
            return False

    def stop(self, timeout: float = 15) -> None:
        """Stop the server and every process it started, dropping every client connection as a restart does.

        Dovecot's master alone would leave running imap processes to serve
        their connections on; a machine or container restart does not.
        """
        if self.process is None or self.process.poll() is not None:
            return
        group = self.process.pid
        with suppress(ProcessLookupError):
            os.killpg(group, signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout)
        with suppress(ProcessLookupError):
            os.killpg(group, signal.SIGKILL)

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def log(self) -> str:
        return "\n".join(
            p.read_text(errors="replace") for p in (self.root / "dovecot.log", self.root / "stdout.log") if p.exists()
        )

    # -- a person's mail client, and the mail server's delivery ---------------------

    def client(self, user: str) -> IMAPClient:
        client = IMAPClient(self.host, self.port, ssl=False, timeout=10)
        client.login(user, self.users[user])
        return client

    def append(self, user: str, folder: str, raw: bytes, flags: Sequence[bytes] = (), when: datetime | None = None) -> None:
        with self.client(user) as client:
            if not client.folder_exists(folder):
                client.create_folder(folder)
            client.append(folder, raw, flags=flags, msg_time=when)

    def uids(self, user: str, folder: str) -> list[int]:
        with self.client(user) as client:
            if not client.folder_exists(folder):
                return []
            client.select_folder(folder, readonly=True)
            return sorted(client.search(["NOT", "DELETED"]))

    def messages(self, user: str, folder: str) -> list[tuple[bytes, tuple[bytes, ...]]]:
        """Each message's bytes and flags, read without changing them."""
        with self.client(user) as client:
            if not client.folder_exists(folder):
                return []
            client.select_folder(folder, readonly=True)
            fetched = client.fetch(client.search(["NOT", "DELETED"]), [b"BODY.PEEK[]", b"FLAGS"])
            return [(bytes(data[b"BODY[]"]), tuple(data[b"FLAGS"])) for _, data in sorted(fetched.items())]

    def recreate(self, user: str, folder: str, messages: Iterable[bytes]) -> None:
        """Delete the folder and make it again with these messages: a new UIDVALIDITY, as after a restore."""
        with self.client(user) as client:
            if client.folder_exists(folder):
                client.delete_folder(folder)
            client.create_folder(folder)
            for raw in messages:
                client.append(folder, raw)

    def deliver_while_stopped(self, user: str, raw: bytes) -> None:
        """Write a message into the user's INBOX maildir, as the mail server's delivery agent would."""
        assert self.process is None or self.process.poll() is not None, "only while Dovecot is stopped"
        new = self.root / "mail" / user / "Maildir" / "new"
        assert new.is_dir(), "the user's maildir exists once they have signed in"
        path = new / f"{int(time.time())}.{uuid.uuid4().hex}.escalations-test"
        path.write_bytes(raw)
        os.chown(path, self.mail_uid, self.mail_gid)
