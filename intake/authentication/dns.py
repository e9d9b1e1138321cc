"""DNS for sender authentication: TXT, A, AAAA and MX look-ups through one configured resolver.

The resolver is chosen in the settings (``[trust] nameservers``, else the
system's), with a time limit per question, so tests run a DNS server on
loopback that they control. "No such name" and "no such record" are
answers (an empty list); a server that does not answer in time, or fails,
is a temporary condition (``DnsTemporaryError``), never taken as "none".
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass

import dns.exception
import dns.name
import dns.nameserver
import dns.rdatatype
import dns.resolver


class DnsTemporaryError(Exception):
    """The DNS did not answer (time-out, server failure): try again later."""


@dataclass(frozen=True)
class Nameserver:
    host: str
    port: int = 53


def parse_nameserver(text: str) -> Nameserver:
    """``127.0.0.1``, ``127.0.0.1:5353``, ``::1`` or ``[::1]:5353``; ValueError otherwise."""
    text = text.strip()
    host, port = text, 53
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        if rest:
            if not rest.startswith(":"):
                raise ValueError(f"{text!r} is not an address[:port]")
            port = int(rest[1:])
    elif text.count(":") == 1:
        host, _, number = text.partition(":")
        port = int(number)
    ipaddress.ip_address(host)
    if not 0 < port < 65536:
        raise ValueError(f"{port} is not a port")
    return Nameserver(host, port)


class Resolver:
    """Look-ups with a time limit; the answers pyspf and dkimpy expect."""

    def __init__(self, nameservers: Sequence[Nameserver] = (), timeout: float = 3.0) -> None:
        if nameservers:
            self._resolver = dns.resolver.Resolver(configure=False)
            self._resolver.nameservers = [dns.nameserver.Do53Nameserver(n.host, n.port) for n in nameservers]
        else:
            self._resolver = dns.resolver.Resolver()
        self._resolver.lifetime = timeout
        self._resolver.timeout = timeout
        self.timeout = timeout

    def _answer(self, name: str, rdtype: str) -> list:  # type: ignore[type-arg]
        try:
            qname = dns.name.from_text(name)
            return list(self._resolver.resolve(qname, rdtype, search=False, raise_on_no_answer=False))
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
            return []
        except (dns.name.EmptyLabel, dns.name.LabelTooLong, dns.name.NameTooLong, dns.name.BadEscape):
            return []  # not a name anyone can publish a record under
        except dns.exception.Timeout as exc:
            raise DnsTemporaryError(f"no answer for {name} {rdtype} within {self.timeout:g} s") from exc
        except (dns.resolver.NoNameservers, dns.resolver.YXDOMAIN, OSError) as exc:
            raise DnsTemporaryError(f"DNS failure for {name} {rdtype}: {type(exc).__name__}") from exc

    def txt(self, name: str) -> list[bytes]:
        """Each TXT record, its strings joined (RFC 7208 3.3, RFC 6376 3.6.2.2)."""
        return [b"".join(r.strings) for r in self._answer(name, "TXT")]

    def addresses(self, name: str, rdtype: str) -> list[str]:
        return [r.address for r in self._answer(name, rdtype)]

    def mx(self, name: str) -> list[tuple[int, str]]:
        return [(r.preference, r.exchange.to_text(omit_final_dot=True)) for r in self._answer(name, "MX")]

    def ptr(self, name: str) -> list[str]:
        return [r.target.to_text(omit_final_dot=True) for r in self._answer(name, "PTR")]
