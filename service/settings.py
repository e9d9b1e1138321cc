"""Settings: the TOML file of DESIGN.md, loaded once and validated, with errors that name file and key.

With no ``--config`` the service reads ``./escalations.toml`` if present, else
the packaged defaults. Relative paths resolve against the settings file's
folder; the packaged defaults' data paths (database, outbox maildir) resolve
against the working directory instead, since the installed package is not a
place to write to.
"""

from __future__ import annotations

import ipaddress
import os
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from escalations.intake.authentication.dns import parse_nameserver as _nameserver
from escalations.routing.policy import ConfigError

PACKAGED = Path(str(resources.files("escalations.config"))) / "escalations.toml"
DEFAULT_FILE = Path("escalations.toml")


@dataclass(frozen=True)
class SmtpSettings:
    enabled: bool = True
    host: str = "127.0.0.1"
    port: int = 2525
    max_message_bytes: int = 26_214_400
    max_sessions: int = 50  # more concurrent SMTP sessions are told 421 4.3.2
    max_inflight_bytes: int = 4 * 26_214_400  # more message bytes arriving at once are told 452 4.3.1
    store_timeout_seconds: float = 15.0  # a message not committed by then gets 451 (a frozen database, a held lock)


@dataclass(frozen=True)
class OutboundSettings:
    transport: str = "maildir"
    maildir: Path = Path("var/outbox")
    host: str = "127.0.0.1"
    port: int = 25
    starttls: bool = False
    implicit_tls: bool = False
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    from_address: str = "escalations@partnership.example"


@dataclass(frozen=True)
class ImapSettings:
    name: str
    host: str
    port: int = 993
    ssl: bool = True
    starttls: bool = False
    username: str = ""
    password_env: str | None = None
    password_file: Path | None = None
    oauth2_token_command: str | None = None
    oauth2_token_file: Path | None = None
    folder: str = "INBOX"
    processed_folder: str = "Processed"
    # Additions to DESIGN.md (README, "Watching a mailbox over IMAP"):
    address: str | None = None  # the partnership mailbox this folder receives, e.g. bsp@bury.example
    processed_flag: str | None = None  # set: taken mail is flagged with this keyword and stays in the folder
    idle: bool = True  # false: poll even where the server offers IDLE
    poll_seconds: float = 60.0
    timeout_seconds: float = 60.0
    backoff_max_seconds: float = 300.0


@dataclass(frozen=True)
class WorkerSettings:
    enabled: bool = True  # false: this process only takes mail in (another runs the worker)
    poll_seconds: float = 1.0
    sender_poll_seconds: float = 2.0
    scheduler_seconds: float = 60.0
    message_budget_seconds: float = 60.0  # one message's processing, then it is stopped (a failed try)
    nice: int = 5  # serve's processing process yields the CPU to its intake by this much (0: not at all)


@dataclass(frozen=True)
class TrustSettings:
    """Whose word we take that a sender is who their From: says (README, "Sender authentication")."""

    require_authentication: bool = True  # a command that moves a case needs an authenticated sender
    authserv_id: tuple[str, ...] = ()  # upstreams whose Authentication-Results we believe
    relays: tuple[str, ...] = ()  # addresses (or networks) of relays that hand our SMTP intake mail with such headers
    nameservers: tuple[str, ...] = ()  # "127.0.0.1:5353"; empty: the system's resolver
    dns_timeout_seconds: float = 3.0


@dataclass(frozen=True)
class ConsoleSettings:
    """The web console (README, "The web console"): off unless a settings file turns it on."""

    enabled: bool = False
    host: str = "127.0.0.1"
    port: int = 8025
    base_url: str = "http://127.0.0.1:8025"  # the address in sign-in links; https makes cookies Secure
    # A council's single sign-on: a reverse proxy at one of these addresses vouches for the person by this header.
    trusted_proxy_header: str | None = None
    trusted_proxies: tuple[str, ...] = ()
    # /metrics answers only these addresses or networks (deploy/README.md, "Monitoring"); /healthz answers anyone.
    metrics_allowed: tuple[str, ...] = ("127.0.0.1/32", "::1/128")
    # /healthz fails the worker (or sender) when a message (or due outbox row) has waited longer than this.
    health_max_wait_seconds: int = 600

    @property
    def secure(self) -> bool:
        return self.base_url.startswith("https://")


@dataclass(frozen=True)
class ReportSettings:
    """The board report sent without asking (issue 14). A local setting: no policy says how often the
    business manager reports; monthly by default, or quarterly, on the first working day of the period."""

    period: str = "monthly"  # monthly | quarterly
    send: bool = True  # false: nothing is sent without asking (the command and the console still make reports)


@dataclass(frozen=True)
class Settings:
    path: Path
    storage_url: str
    smtp: SmtpSettings
    outbound: OutboundSettings
    imap: tuple[ImapSettings, ...]
    partnerships_dir: Path
    directory_seed: Path | None
    worker: WorkerSettings
    trust: TrustSettings = TrustSettings()
    console: ConsoleSettings = ConsoleSettings()
    encryption_key_file: Path | None = None  # [storage]: raw messages sealed at rest (storage.crypto); None: plain
    reports: ReportSettings = ReportSettings()


def _network(text: str) -> object:
    return ipaddress.ip_network(text, strict=False)


def settings_path(given: str | os.PathLike[str] | None) -> Path:
    if given is not None:
        return Path(given)
    return DEFAULT_FILE if DEFAULT_FILE.is_file() else PACKAGED


def load_settings(given: str | os.PathLike[str] | None = None, environ: dict[str, str] | None = None) -> Settings:
    path = settings_path(given)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(path, "(file)", "not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, "(file)", f"not valid TOML: {exc}") from None
    return _Reader(path, data, os.environ if environ is None else environ).settings()


class _Reader:
    def __init__(self, path: Path, data: dict[str, Any], environ: dict[str, str] | Any) -> None:
        self.path = path
        self.data = data
        self.environ = environ
        self.base = path.resolve().parent
        self.data_base = Path.cwd() if path.resolve() == PACKAGED.resolve() else self.base

    def fail(self, key: str, problem: str) -> ConfigError:
        return ConfigError(self.path, key, problem)

    def table(self, name: str) -> dict[str, Any]:
        value = self.data.get(name, {})
        if not isinstance(value, dict):
            raise self.fail(name, "must be a table")
        return value

    def value(self, table: dict[str, Any], where: str, key: str, kind: type | tuple[type, ...], default: Any) -> Any:
        value = table.get(key, default)
        if value is default:
            return value
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
            raise self.fail(f"{where}.{key}", f"must be a {names}, not {type(value).__name__}")
        return value

    def settings(self) -> Settings:
        unknown = set(self.data) - {
            "storage",
            "smtp",
            "outbound",
            "imap",
            "partnerships",
            "directory",
            "worker",
            "trust",
            "console",
            "reports",
        }
        if unknown:
            raise self.fail(sorted(unknown)[0], "is not a settings table this service knows")
        partnerships = self.table("partnerships")
        directory = self.table("directory")
        seed = self.value(directory, "directory", "seed", str, None)
        return Settings(
            path=self.path,
            storage_url=self.storage(),
            smtp=self.smtp(),
            outbound=self.outbound(),
            imap=self.imap(),
            partnerships_dir=self.base / self.value(partnerships, "partnerships", "dir", str, "partnerships"),
            directory_seed=(self.base / seed) if seed else None,
            worker=WorkerSettings(
                enabled=self.value(self.table("worker"), "worker", "enabled", bool, True),
                poll_seconds=float(self.value(self.table("worker"), "worker", "poll_seconds", (int, float), 1.0)),
                sender_poll_seconds=float(self.value(self.table("worker"), "worker", "sender_poll_seconds", (int, float), 2.0)),
                scheduler_seconds=float(self.value(self.table("worker"), "worker", "scheduler_seconds", (int, float), 60.0)),
                message_budget_seconds=self.budget(),
                nice=self.nice(),
            ),
            trust=self.trust(),
            console=self.console(),
            encryption_key_file=self.key_file(),
            reports=self.reports(),
        )

    def key_file(self) -> Path | None:
        """``[storage] encryption_key_file``: a path outside the database (README, "Data protection")."""
        unknown = set(self.table("storage")) - {"url", "encryption_key_file"}
        if unknown:
            raise self.fail(f"storage.{sorted(unknown)[0]}", "is not a setting this service knows")
        value = self.value(self.table("storage"), "storage", "encryption_key_file", str, None)
        return self.base / value if value else None

    def reports(self) -> ReportSettings:
        t = self.table("reports")
        unknown = set(t) - {"period", "send"}
        if unknown:
            raise self.fail(f"reports.{sorted(unknown)[0]}", "is not a setting this service knows")
        period = self.value(t, "reports", "period", str, "monthly")
        if period not in ("monthly", "quarterly"):
            raise self.fail("reports.period", "must be monthly or quarterly")
        return ReportSettings(period=period, send=self.value(t, "reports", "send", bool, True))

    def console(self) -> ConsoleSettings:
        t = self.table("console")
        unknown = set(t) - {
            "enabled",
            "host",
            "port",
            "base_url",
            "trusted_proxy_header",
            "trusted_proxies",
            "metrics_allowed",
            "health_max_wait_seconds",
        }
        if unknown:
            raise self.fail(f"console.{sorted(unknown)[0]}", "is not a setting this service knows")
        host = self.value(t, "console", "host", str, "127.0.0.1")
        port = self.value(t, "console", "port", int, 8025)
        if not 0 < port < 65536:
            raise self.fail("console.port", f"{port} is not a TCP port")
        base_url = self.value(t, "console", "base_url", str, f"http://{host}:{port}").rstrip("/")
        parsed = urlsplit(base_url)
        if parsed.scheme not in ("http", "https") or not parsed.hostname or parsed.query or parsed.fragment:
            raise self.fail("console.base_url", f"{base_url!r} is not an http:// or https:// address")
        if parsed.path:
            raise self.fail("console.base_url", "must be the site's root (no path): the console serves from /")
        header = self.value(t, "console", "trusted_proxy_header", str, "").strip() or None
        proxies = self.value(t, "console", "trusted_proxies", list, [])
        for proxy in proxies:
            try:
                _network(str(proxy))
            except ValueError as exc:
                raise self.fail("console.trusted_proxies", f"{proxy!r}: {exc}") from None
        allowed = self.value(t, "console", "metrics_allowed", list, list(ConsoleSettings.metrics_allowed))
        for network in allowed:
            try:
                _network(str(network))
            except ValueError as exc:
                raise self.fail("console.metrics_allowed", f"{network!r}: {exc}") from None
        max_wait = self.value(t, "console", "health_max_wait_seconds", int, ConsoleSettings.health_max_wait_seconds)
        if max_wait < 1:
            raise self.fail("console.health_max_wait_seconds", "must be at least 1 second")
        if header and not proxies:
            raise self.fail(
                "console.trusted_proxies", "trusted_proxy_header needs the proxies' addresses, or anyone could send it"
            )
        return ConsoleSettings(
            enabled=self.value(t, "console", "enabled", bool, False),
            host=host,
            port=port,
            base_url=base_url,
            trusted_proxy_header=header,
            trusted_proxies=tuple(str(p) for p in proxies),
            metrics_allowed=tuple(str(n) for n in allowed),
            health_max_wait_seconds=max_wait,
        )

    def trust(self) -> TrustSettings:
        t = self.table("trust")
        unknown = set(t) - {"require_authentication", "authserv_id", "relays", "nameservers", "dns_timeout_seconds"}
        if unknown:
            raise self.fail(f"trust.{sorted(unknown)[0]}", "is not a setting this service knows")
        timeout = float(self.value(t, "trust", "dns_timeout_seconds", (int, float), 3.0))
        if not 0 < timeout <= 60:
            raise self.fail("trust.dns_timeout_seconds", "must be more than 0 and at most 60")
        return TrustSettings(
            require_authentication=self.value(t, "trust", "require_authentication", bool, True),
            authserv_id=tuple(a.lower() for a in self.strings(t, "authserv_id")),
            relays=self.checked(t, "relays", _network),
            nameservers=self.checked(t, "nameservers", _nameserver),
            dns_timeout_seconds=timeout,
        )

    def strings(self, t: dict[str, Any], key: str) -> tuple[str, ...]:
        value = t.get(key, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise self.fail(f"trust.{key}", "must be a list of non-empty strings")
        return tuple(v.strip() for v in value)

    def checked(self, t: dict[str, Any], key: str, check: Any) -> tuple[str, ...]:
        values = self.strings(t, key)
        for v in values:
            try:
                check(v)
            except ValueError as exc:
                raise self.fail(f"trust.{key}", f"{v!r}: {exc}") from None
        return values

    def nice(self) -> int:
        value = self.value(self.table("worker"), "worker", "nice", int, 5)
        if isinstance(value, bool) or not 0 <= value <= 19:
            raise self.fail("worker.nice", "must be a whole number from 0 (the intake's priority) to 19 (the lowest)")
        return value

    def budget(self) -> float:
        seconds = float(self.value(self.table("worker"), "worker", "message_budget_seconds", (int, float), 60.0))
        if seconds <= 0:
            raise self.fail("worker.message_budget_seconds", "must be more than 0")
        return seconds

    def storage(self) -> str:
        url = self.value(self.table("storage"), "storage", "url", str, "sqlite:///var/escalations.db")
        try:
            parsed = make_url(url)
        except ArgumentError:
            raise self.fail("storage.url", f"{url!r} is not a database URL") from None
        if parsed.get_backend_name() not in ("sqlite", "postgresql"):
            raise self.fail("storage.url", "only sqlite:/// and postgresql+psycopg:// URLs are supported")
        if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
            database = Path(parsed.database)
            if not database.is_absolute():
                parsed = parsed.set(database=str(self.data_base / database))
        return parsed.render_as_string(hide_password=False)

    def smtp(self) -> SmtpSettings:
        t = self.table("smtp")
        unknown = set(t) - {
            "enabled",
            "host",
            "port",
            "max_message_bytes",
            "max_sessions",
            "max_inflight_bytes",
            "store_timeout_seconds",
        }
        if unknown:
            raise self.fail(f"smtp.{sorted(unknown)[0]}", "is not a setting this service knows")
        port = self.value(t, "smtp", "port", int, 2525)
        size = self.value(t, "smtp", "max_message_bytes", int, 26_214_400)
        if not 0 < port < 65536:
            raise self.fail("smtp.port", f"{port} is not a TCP port")
        if size < 1024:
            raise self.fail("smtp.max_message_bytes", "must be at least 1024")
        sessions = self.value(t, "smtp", "max_sessions", int, 50)
        inflight = self.value(t, "smtp", "max_inflight_bytes", int, 4 * size)
        if sessions < 1:
            raise self.fail("smtp.max_sessions", "must be at least 1")
        if inflight < size:
            raise self.fail(
                "smtp.max_inflight_bytes",
                f"must be at least smtp.max_message_bytes ({size}), or no message of that size could arrive",
            )
        store_timeout = float(self.value(t, "smtp", "store_timeout_seconds", (int, float), 15.0))
        if not 0 < store_timeout <= 300:
            raise self.fail("smtp.store_timeout_seconds", "must be more than 0 and at most 300")
        return SmtpSettings(
            enabled=self.value(t, "smtp", "enabled", bool, True),
            host=self.value(t, "smtp", "host", str, "127.0.0.1"),
            port=port,
            max_message_bytes=size,
            max_sessions=sessions,
            max_inflight_bytes=inflight,
            store_timeout_seconds=store_timeout,
        )

    def outbound(self) -> OutboundSettings:
        t = self.table("outbound")
        transport = self.value(t, "outbound", "transport", str, "maildir")
        if transport not in ("maildir", "smtp"):
            raise self.fail("outbound.transport", f"{transport!r} is not maildir or smtp")
        sender = self.value(t, "outbound", "from", str, "escalations@partnership.example")
        if "@" not in sender:
            raise self.fail("outbound.from", f"{sender!r} is not an email address")
        return OutboundSettings(
            transport=transport,
            maildir=self.data_base / self.value(t, "outbound", "maildir", str, "var/outbox"),
            host=self.value(t, "outbound", "host", str, "127.0.0.1"),
            port=self.value(t, "outbound", "port", int, 25),
            starttls=self.value(t, "outbound", "starttls", bool, False),
            implicit_tls=self.value(t, "outbound", "ssl", bool, False),
            username=self.value(t, "outbound", "username", str, None),
            password=self.secret(t, "outbound"),
            from_address=sender.lower(),
        )

    def secret(self, t: dict[str, Any], where: str) -> str | None:
        """A password from an environment variable or a file, never from the TOML itself."""
        if "password" in t:
            raise self.fail(
                f"{where}.password", "passwords do not belong in the settings file; use password_env or password_file"
            )
        env = self.value(t, where, "password_env", str, None)
        if env is not None:
            if env not in self.environ:
                raise self.fail(f"{where}.password_env", f"the environment variable {env} is not set")
            return str(self.environ[env])
        file = self.value(t, where, "password_file", str, None)
        if file is not None:
            try:
                return (self.base / file).read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise self.fail(f"{where}.password_file", f"cannot be read: {exc.strerror}") from None
        return None

    def imap(self) -> tuple[ImapSettings, ...]:
        items = self.data.get("imap", [])
        if not isinstance(items, list):
            raise self.fail("imap", "must be an array of tables ([[imap]])")
        out = []
        for i, t in enumerate(items):
            where = f"imap[{i}]"
            if not isinstance(t, dict) or "name" not in t or "host" not in t:
                raise self.fail(where, "needs at least name and host")
            if "password" in t:
                raise self.fail(
                    f"{where}.password", "passwords do not belong in the settings file; use password_env or password_file"
                )
            out.append(
                ImapSettings(
                    name=self.value(t, where, "name", str, ""),
                    host=self.value(t, where, "host", str, ""),
                    port=self.value(t, where, "port", int, 993),
                    ssl=self.value(t, where, "ssl", bool, True),
                    starttls=self.value(t, where, "starttls", bool, False),
                    username=self.value(t, where, "username", str, ""),
                    password_env=self.value(t, where, "password_env", str, None),
                    password_file=self._path(t, where, "password_file"),
                    oauth2_token_command=self.value(t, where, "oauth2_token_command", str, None),
                    oauth2_token_file=self._path(t, where, "oauth2_token_file"),
                    folder=self.value(t, where, "folder", str, "INBOX"),
                    processed_folder=self.value(t, where, "processed_folder", str, "Processed"),
                    **self.imap_additions(t, where),
                )
            )
        names = [m.name for m in out]
        if len(set(names)) != len(names):
            raise self.fail("imap", "two [[imap]] tables have the same name; each mailbox needs its own")
        # The name labels the mailbox's alert subject, which carries only values of a safe shape (outbound/letters.py).
        from escalations.outbound.letters import SUBJECT_VALUES

        for name in names:
            if not SUBJECT_VALUES["mailbox"].fullmatch(name):
                raise self.fail("imap", f"the mailbox name {name[:40]!r} may have only letters, digits, '.', '_' and '-'")
        return tuple(out)

    def imap_additions(self, t: dict[str, Any], where: str) -> dict[str, Any]:
        sources = [k for k in ("password_env", "password_file", "oauth2_token_command", "oauth2_token_file") if k in t]
        if len(sources) != 1:
            raise self.fail(where, "needs exactly one of password_env, password_file, oauth2_token_command, oauth2_token_file")
        address = self.value(t, where, "address", str, None)
        if address is not None and "@" not in address:
            raise self.fail(f"{where}.address", f"{address!r} is not an email address")
        seconds = {
            key: float(self.value(t, where, key, (int, float), default))
            for key, default in (("poll_seconds", 60.0), ("timeout_seconds", 60.0), ("backoff_max_seconds", 300.0))
        }
        for key, value in seconds.items():
            if value <= 0:
                raise self.fail(f"{where}.{key}", "must be more than 0")
        return {
            "address": address.lower() if address else None,
            "processed_flag": self.value(t, where, "processed_flag", str, None) or None,
            "idle": self.value(t, where, "idle", bool, True),
            **seconds,
        }

    def _path(self, t: dict[str, Any], where: str, key: str) -> Path | None:
        value = self.value(t, where, key, str, None)
        return self.base / value if value else None
