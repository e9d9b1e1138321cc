"""Honest sender authentication for tests: a trusted upstream's header, or a real DKIM signature.

The test settings (``tests.conftest.write_settings``) trust ``UPSTREAM`` as an
authserv-id when the message was handed over by the relay ``RELAY``, as a
council gateway would; ``upstream`` adds the header such a gateway writes.
``DkimKey`` makes an RSA key, publishes it on the test DNS server and signs.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from functools import cache

import dkim
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.support.dns import Zone

UPSTREAM = "gateway.partnership.example"  # the trusted authserv-id of the test settings
RELAY = "192.0.2.25"  # the trusted relay's address in the test settings (TEST-NET-1, never contacted)


def upstream(raw: bytes, header_from_domain: str, result: str = "pass", authserv_id: str = UPSTREAM) -> bytes:
    """The message as the trusted gateway hands it on: its Authentication-Results on top."""
    header = f"Authentication-Results: {authserv_id};\r\n\tspf=pass smtp.mailfrom={header_from_domain};\r\n\tdmarc={result} header.from={header_from_domain}\r\n"
    return header.encode() + raw


def from_domain(address: str) -> str:
    return address.rsplit("@", 1)[1]


@dataclass(frozen=True)
class DkimKey:
    domain: str
    selector: str
    private_pem: bytes
    public_record: str

    def publish(self, zone: Zone) -> None:
        zone.txt(f"{self.selector}._domainkey.{self.domain}", self.public_record)

    def sign(self, raw: bytes, headers: tuple[bytes, ...] = (b"from", b"to", b"subject", b"date", b"message-id")) -> bytes:
        signature = dkim.sign(
            raw,
            self.selector.encode(),
            self.domain.encode(),
            self.private_pem,
            include_headers=list(headers),
            canonicalize=(b"relaxed", b"relaxed"),
        )
        return signature + raw


@cache
def _private_key(bits: int) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def dkim_key(domain: str, selector: str = "s2026", bits: int = 2048) -> DkimKey:
    key = _private_key(bits)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    )
    public = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return DkimKey(domain, selector, pem, f"v=DKIM1; k=rsa; p={base64.b64encode(public).decode()}")


def by_gateway(raw: bytes) -> bytes:
    """``upstream`` for the domain of the message's own From: address (what a gateway checks)."""
    from email.parser import BytesHeaderParser
    from email.utils import parseaddr

    address = parseaddr(str(BytesHeaderParser().parsebytes(raw).get("From", "")))[1]
    return upstream(raw, from_domain(address)) if "@" in address else raw
