"""The files in ``deploy/``: the systemd unit is valid and hardened, the example settings pass `check-config`,
and the Postfix pipe in deploy/postfix.md stores a message.

``systemd-analyze verify`` runs where systemd is installed (Debian's ``systemd``
package, which .ci/run installs; it needs no running systemd) and the test skips
cleanly elsewhere (fails under ESCALATIONS_REQUIRE_SERVICES=1).
"""

from __future__ import annotations

import os
import re
import shlex
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs
import shutil
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

from escalations.service.runtime import Runtime
from escalations.service.settings import load_settings
from escalations.storage.models import InboundMessage
from tests.conftest import PACKAGED_CONFIG, REPO, REQUIRE_SERVICES

DEPLOY = REPO / "deploy"
UNIT = DEPLOY / "escalations.service"
COMMAND = str(Path(sys.executable).with_name("escalations"))
INSTALLED = "/opt/escalations/.venv/bin/escalations"

# Each option the brief and deploy/README.md promise, with the value it must have.
HARDENING = {
    "User": "escalations",
    "Group": "escalations",
    "NoNewPrivileges": "yes",
    "ProtectSystem": "strict",
    "ProtectHome": "yes",
    "PrivateTmp": "yes",
    "PrivateDevices": "yes",
    "StateDirectory": "escalations",
    "ReadWritePaths": "/var/lib/escalations",
    "CapabilityBoundingSet": "",
    "RestrictAddressFamilies": "AF_UNIX AF_INET AF_INET6",
    "RestrictNamespaces": "user net",
    "RestrictSUIDSGID": "yes",
    "ProtectKernelTunables": "yes",
    "ProtectKernelModules": "yes",
    "ProtectControlGroups": "yes",
    "SystemCallArchitectures": "native",
    "SystemCallFilter": "@system-service",
    "UMask": "0077",
    "KillMode": "mixed",
}


def unit_options(text: str) -> dict[tuple[str, str], list[str]]:
    """A systemd unit as (section, key) -> every value given, in order (keys may repeat)."""
    options: dict[tuple[str, str], list[str]] = defaultdict(list)
    section = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
            continue
        key, sep, value = line.partition("=")
        assert sep, f"not a key=value line: {raw!r}"
        options[(section, key.strip())].append(value.strip())
    return options


def test_the_unit_has_every_hardening_option() -> None:
    options = unit_options(UNIT.read_text())
    for key, value in HARDENING.items():
        assert options.get(("Service", key)) == [value], key
    assert "DynamicUser" not in {k for _, k in options}, "its own user, so files keep one owner across restarts"
    [start] = options[("Service", "ExecStart")]
    assert shlex.split(start) == [INSTALLED, "serve", "--config", "/etc/escalations/escalations.toml"]
    assert options[("Install", "WantedBy")] == ["multi-user.target"]


def test_the_unit_parser_sees_a_missing_option() -> None:
    weakened = UNIT.read_text().replace("ProtectSystem=strict", "ProtectSystem=full")
    assert unit_options(weakened)[("Service", "ProtectSystem")] == ["full"]


def _verify(unit: Path) -> subprocess.CompletedProcess[str]:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        if REQUIRE_SERVICES:
            pytest.fail("systemd-analyze is missing, and ESCALATIONS_REQUIRE_SERVICES=1 (.ci/run installs systemd)")
        pytest.skip("systemd-analyze is not installed here (Debian package systemd)")
    return subprocess.run([analyze, "verify", str(unit)], capture_output=True, text=True, timeout=120)


def _local_unit(tmp_path: Path, text: str) -> Path:
    """The unit with this installation's command in place of /opt/escalations's (verify checks it is executable)."""
    unit = tmp_path / "escalations.service"
    unit.write_text(text.replace(INSTALLED, COMMAND))
    return unit


def test_systemd_analyze_verify_accepts_the_unit(tmp_path: Path) -> None:
    checked = _verify(_local_unit(tmp_path, UNIT.read_text()))
    assert checked.returncode == 0 and not checked.stdout.strip() and not checked.stderr.strip(), checked


def test_systemd_analyze_verify_would_see_a_mistake(tmp_path: Path) -> None:
    """verify reports an unknown key only as a message, so the test above fails on any output."""
    checked = _verify(_local_unit(tmp_path, UNIT.read_text().replace("NoNewPrivileges=", "NoNewPrivilege=")))
    assert "Unknown key" in checked.stdout + checked.stderr


def test_systemd_sysusers_makes_the_service_user(tmp_path: Path) -> None:
    """The real systemd-sysusers, into a throw-away root: the user the unit runs as, with no login."""
    sysusers = shutil.which("systemd-sysusers")
    if sysusers is None:
        pytest.skip("systemd-sysusers is not installed here (Debian package systemd)")
    (tmp_path / "etc").mkdir()
    made = subprocess.run(
        [sysusers, f"--root={tmp_path}", str(DEPLOY / "escalations.sysusers")], capture_output=True, text=True, timeout=60
    )
    assert made.returncode == 0, made.stderr
    [entry] = [
        line.split(":") for line in (tmp_path / "etc" / "passwd").read_text().splitlines() if line.startswith("escalations:")
    ]
    assert (entry[5], entry[6]) == ("/var/lib/escalations", "/usr/sbin/nologin")
    assert 0 < int(entry[2]) < 1000  # a system user


def _etc(tmp_path: Path) -> Path:
    """deploy/escalations.toml laid out as /etc/escalations, its data folder moved under tmp_path."""
    etc, var = tmp_path / "etc", tmp_path / "var"
    etc.mkdir()
    var.mkdir()
    settings = etc / "escalations.toml"
    settings.write_text((DEPLOY / "escalations.toml").read_text().replace("/var/lib/escalations", str(var)))
    (etc / "partnerships").symlink_to(PACKAGED_CONFIG / "partnerships")
    shutil.copy(PACKAGED_CONFIG / "directory.example.csv", etc / "directory.csv")
    key = subprocess.run([COMMAND, "keys", "generate", "--id", "2026-12"], capture_output=True, text=True, timeout=60, check=True)
    (etc / "keys.toml").write_text(f'current = "2026-12"\n[keys]\n{key.stdout.strip()}\n')
    (etc / "relay-password").write_text("not-a-real-password\n")
    return settings


def test_the_example_settings_pass_check_config(tmp_path: Path) -> None:
    settings = _etc(tmp_path)
    checked = subprocess.run([COMMAND, "check-config", "--config", str(settings)], capture_output=True, text=True, timeout=120)
    assert checked.returncode == 0, checked.stderr
    loaded = load_settings(settings)
    assert loaded.console.host == "127.0.0.1" and loaded.console.secure
    assert loaded.console.metrics_allowed == ("127.0.0.1/32", "::1/128")
    assert loaded.encryption_key_file == settings.parent / "keys.toml"
    assert loaded.smtp.host == "127.0.0.1" and loaded.outbound.password == "not-a-real-password"


def test_the_postfix_pipe_in_the_guide_stores_a_message(tmp_path: Path) -> None:
    """The pipe(8) argv of deploy/postfix.md, run as Postfix would (no shell; each macro one argument)."""
    [argv] = re.findall(r"^  flags=\S* user=escalations argv=(.+)$", (DEPLOY / "postfix.md").read_text(), re.MULTILINE)
    settings = _etc(tmp_path)
    sender, recipient = "a.khan@northside-health.example", "escalations@salford.example"
    macros = {"${sender}": sender, "${original_recipient}": recipient, INSTALLED: COMMAND}
    macros["/etc/escalations/escalations.toml"] = str(settings)
    words = [macros.get(word, word) for word in argv.split()]
    message = (PACKAGED_CONFIG / "examples" / "salford-notice.eml").read_bytes()
    stored = subprocess.run(words, input=message, capture_output=True, timeout=120)
    assert stored.returncode == 0, stored.stderr
    with Runtime(load_settings(settings)) as runtime, runtime.sessions() as session:
        [row] = session.query(InboundMessage).all()
        assert (row.source, row.envelope_from, row.envelope_to) == ("ingest", sender, [recipient])


class _TokenEndpoint(BaseHTTPRequestHandler):
    """The identity platform's token endpoint, on loopback: a token for the right secret, 401 otherwise."""

    def do_POST(self) -> None:
        form = parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
        good = self.path == "/tenant-1/oauth2/v2.0/token" and form == {
            "grant_type": ["client_credentials"],
            "client_id": ["app-1"],
            "client_secret": ["right-secret"],
            "scope": ["https://outlook.office365.com/.default"],
        }
        body = b'{"access_token": "token-for-imap", "token_type": "Bearer"}' if good else b'{"error": "invalid_client"}'
        self.send_response(200 if good else 401)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.mark.parametrize(("secret", "code", "out"), [("right-secret", 0, "token-for-imap\n"), ("wrong-secret", 75, "")])
def test_the_microsoft_365_token_command(secret: str, code: int, out: str) -> None:
    server = HTTPServer(("127.0.0.1", 0), _TokenEndpoint)
    thread = threading.Thread(target=server.serve_forever)
    thread.start()
    env = {
        **os.environ,
        "M365_AUTHORITY": f"http://127.0.0.1:{server.server_port}",
        "M365_TENANT": "tenant-1",
        "M365_CLIENT_ID": "app-1",
        "M365_CLIENT_SECRET": secret,
    }
    try:
        ran = subprocess.run([sys.executable, str(DEPLOY / "m365-token")], capture_output=True, text=True, env=env, timeout=60)
    finally:
        server.shutdown()
        thread.join()
        server.server_close()
    assert (ran.returncode, ran.stdout) == (code, out), ran.stderr
    assert secret not in ran.stderr
    if code:
        assert "answered 401" in ran.stderr
