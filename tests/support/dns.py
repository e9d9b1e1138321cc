"""A DNS server on loopback whose records the test sets (dnslib), UDP and TCP on one port.

Sender authentication asks it for SPF, DMARC and DKIM key records, so no
test asks the real DNS. Names not set answer NXDOMAIN; a name set to
``TIMEOUT`` is never answered (a server that has gone quiet).
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from dnslib import AAAA, MX, QTYPE, RCODE, RR, TXT, A, DNSError, DNSRecord
from dnslib.server import DNSLogger, DNSServer

TIMEOUT = object()


class Zone:
    def __init__(self) -> None:
        self.records: dict[tuple[str, str], list[object]] = {}
        self.silent: set[str] = set()
        self.questions: list[tuple[str, str]] = []

    def add(self, name: str, rtype: str, value: object) -> None:
        self.records.setdefault((name.lower().rstrip("."), rtype), []).append(value)

    def txt(self, name: str, text: str) -> None:
        self.add(name, "TXT", text)

    def quiet(self, name: str) -> None:
        self.silent.add(name.lower().rstrip("."))

    def clear(self) -> None:
        self.records.clear()
        self.silent.clear()
        self.questions.clear()

    def resolve(self, request: DNSRecord, handler: object) -> DNSRecord | None:
        name = str(request.q.qname).lower().rstrip(".")
        rtype = QTYPE[request.q.qtype]
        self.questions.append((name, rtype))
        if name in self.silent:
            return None  # dnslib sends nothing: the client times out
        reply = request.reply()
        values = self.records.get((name, rtype), [])
        if not values and not any(n == name for n, _ in self.records):
            reply.header.rcode = RCODE.NXDOMAIN
        for value in values:
            reply.add_answer(RR(request.q.qname, QTYPE.reverse[rtype], rdata=_rdata(rtype, value), ttl=60))
        return reply


def _rdata(rtype: str, value: object):  # type: ignore[no-untyped-def]
    if rtype == "TXT":
        text = str(value).encode()
        return TXT([text[i : i + 255] for i in range(0, len(text), 255)])  # long records as several strings
    if rtype == "A":
        return A(str(value))
    if rtype == "AAAA":
        return AAAA(str(value))
    if rtype == "MX":
        preference, exchange = value  # type: ignore[misc]
        return MX(exchange, preference)
    raise ValueError(rtype)


class _Quiet(DNSLogger):
    def __init__(self) -> None:
        super().__init__(log="-recv,-send,-request,-reply,-truncated,-error,-data", logf=lambda _: None)


class _Resolver:
    def __init__(self, zone: Zone) -> None:
        self.zone = zone

    def resolve(self, request: DNSRecord, handler: object) -> DNSRecord:
        reply = self.zone.resolve(request, handler)
        if reply is None:
            raise DNSError("silent")  # dnslib logs it (quietly) and sends nothing
        return reply


class LoopbackDns:
    """Start once per test session; ``zone`` is cleared by the ``dns_zone`` fixture."""

    def __init__(self) -> None:
        self.zone = Zone()
        self.host = "127.0.0.1"
        for _ in range(20):
            udp = DNSServer(_Resolver(self.zone), address=self.host, port=0, logger=_Quiet())
            self.port = udp.server.server_address[1]
            try:
                tcp = DNSServer(_Resolver(self.zone), address=self.host, port=self.port, tcp=True, logger=_Quiet())
            except OSError:
                udp.server.server_close()
                continue
            break
        else:  # pragma: no cover
            raise RuntimeError("no free port for the test DNS server")
        self.servers = (udp, tcp)
        for server in self.servers:
            threading.Thread(target=server.server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"


_instance: LoopbackDns | None = None
_lock = threading.Lock()


def dns_server() -> LoopbackDns:
    global _instance
    with _lock:
        if _instance is None:
            _instance = LoopbackDns()
        return _instance


@contextmanager
def closed_port() -> Iterator[str]:
    """A loopback UDP port with nothing answering on it (taken, then released)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    yield f"127.0.0.1:{port}"
