"""The composition root: settings, policies, database, clock and transport, wired once."""

from __future__ import annotations

import logging
import secrets
from functools import cached_property
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from escalations.intake.authentication import Authenticator
from escalations.intake.authentication.dns import Resolver, parse_nameserver
from escalations.intake.screening import Screen
from escalations.outbound.compose import Sender
from escalations.outbound.sender import OutboxSender
from escalations.outbound.transports import Transport, make_transport
from escalations.routing.directory import parse_csv
from escalations.routing.policy import ConfigError, Policy, load_policies
from escalations.service.clock import Clock, system_clock
from escalations.service.delivery import DeliveryAlerts
from escalations.service.directory import import_rows
from escalations.service.pipeline import Context, directory_senders
from escalations.service.scheduler import Scheduler
from escalations.service.settings import Settings
from escalations.service.worker import Worker
from escalations.storage.crypto import Keyring, SealError, load_keyring, use_keyring
from escalations.storage.engine import make_engine, make_session_factory, read_sessions
from escalations.storage.keys import check_keys
from escalations.storage.migrate import upgrade
from escalations.storage.repositories import DirectoryRepository, SecretRepository

log = logging.getLogger(__name__)


class Runtime:
    def __init__(self, settings: Settings, clock: Clock = system_clock) -> None:
        self.settings = settings
        self.clock = clock
        self.policies: dict[str, Policy] = load_policies(settings.partnerships_dir)

    @cached_property
    def engine(self) -> Engine:
        engine = make_engine(self.settings.storage_url)
        use_keyring(engine, self.keyring)
        return engine

    @cached_property
    def keyring(self) -> Keyring:
        """The keys that seal raw messages at rest ([storage] encryption_key_file); none: stored plain."""
        try:
            return load_keyring(self.settings.encryption_key_file)
        except SealError as exc:
            raise ConfigError(self.settings.path, "storage.encryption_key_file", str(exc)) from None

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        return make_session_factory(self.engine)

    @property
    def mailboxes(self) -> frozenset[str]:
        return frozenset(p.mailbox for p in self.policies.values())

    def prepare_database(self) -> None:
        """Apply migrations, then load the seed directory into an empty one."""
        upgrade(self.engine)
        try:
            check_keys(self.sessions, self.keyring)
        except SealError as exc:
            raise ConfigError(self.settings.path, "storage.encryption_key_file", str(exc)) from None
        seed = self.settings.directory_seed
        if seed is None:
            return
        with self.sessions.begin() as session:
            if not DirectoryRepository(session).is_empty():
                return
            import_rows(session, self.seed_rows(seed))
            log.info("directory: loaded the seed directory %s", seed.name)

    def seed_rows(self, seed: Path):  # type: ignore[no-untyped-def]
        try:
            text = seed.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(self.settings.path, "directory.seed", f"{seed} cannot be read: {exc.strerror}") from None
        return parse_csv(text, self.policies)

    @cached_property
    def secret(self) -> str:
        """The Message-ID signing key: made once, kept in the database, shared by every process."""
        with self.sessions.begin() as session:
            return SecretRepository(session).get_or_create("message_id_hmac", lambda: secrets.token_hex(32))

    def context(self) -> Context:
        outbound = self.settings.outbound
        sender = Sender(outbound.from_address, self.secret)
        return Context(
            policies=self.policies,
            screen=Screen(own_addresses=frozenset({outbound.from_address}), message_id_domain=sender.domain),
            sender=sender,
            clock=self.clock,
            authenticator=self.authenticator(),
            require_authentication=self.settings.trust.require_authentication,
            known_sender=directory_senders(read_sessions(self.sessions), self.policies),  # a read: no write lock
            max_message_bytes=self.settings.smtp.max_message_bytes,
        )

    def authenticator(self) -> Authenticator:
        trust = self.settings.trust
        resolver = Resolver([parse_nameserver(n) for n in trust.nameservers], timeout=trust.dns_timeout_seconds)
        return Authenticator(resolver, trust.authserv_id, trust.relays)

    def worker(self, budget_seconds: float | None = None) -> Worker:
        return Worker(self.sessions, self.context(), budget_seconds)

    def scheduler(self) -> Scheduler:
        return Scheduler(
            self.sessions, self.context(), report_period=self.settings.reports.period if self.settings.reports.send else None
        )

    def transport(self) -> Transport:
        o = self.settings.outbound
        if o.transport == "maildir":
            return make_transport("maildir", path=o.maildir)
        return make_transport(
            "smtp",
            host=o.host,
            port=o.port,
            starttls=o.starttls,
            implicit_tls=o.implicit_tls,
            username=o.username,
            password=o.password,
        )

    def outbox_sender(self, transport: Transport | None = None) -> OutboxSender:
        alerts = DeliveryAlerts(self.policies, self.context().sender)
        return OutboxSender(self.sessions, transport or self.transport(), self.clock, alerts)

    def __enter__(self) -> Runtime:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if "engine" in self.__dict__:
            self.engine.dispose()
