"""Authentication-Results (RFC 8601): parse the header, and pick the instances a trusted upstream wrote.

Headers are prepended on the way, so the trusted upstream's own header is
above everything the sender wrote. Only the run of topmost
``Authentication-Results`` whose authserv-id is trusted counts, and of each
id only the topmost instance; the first header with another id ends the run,
and anything below (where a sender can write what it likes) is never read. RFC 8601 section 5 has the upstream remove
headers that claim its own id on the way in; Google and a council gateway
running OpenDMARC or rspamd do.

Microsoft 365 writes its header without an authserv-id
(``Authentication-Results: spf=pass (sender IP is …) smtp.mailfrom=…;
dkim=pass …; dmarc=pass action=none header.from=…;compauth=pass reason=100``).
Trusting the pseudo-id ``microsoft-365`` believes such a header only on mail
Exchange Online took in from outside: ``X-MS-Exchange-Organization-AuthAs:
Anonymous``, a header Exchange's header firewall strips from anything
arriving, so only Exchange can have written it.

The parser is a single pass over at most ``MAX_HEADER`` characters, no
regular expressions.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

MICROSOFT_365 = "microsoft-365"
MAX_HEADER = 8192
MAX_INSTANCES = 20


@dataclass(frozen=True)
class MethodResult:
    method: str  # spf | dkim | dmarc | arc | compauth | …
    result: str  # pass | fail | none | …
    properties: dict[str, str] = field(default_factory=dict)  # "smtp.mailfrom" → "a@b.example"

    def get(self, key: str) -> str | None:
        return self.properties.get(key)


@dataclass(frozen=True)
class AuthResults:
    authserv_id: str | None  # None: Microsoft 365's form, with no id
    results: tuple[MethodResult, ...]


def strip_comments(text: str) -> str:
    """RFC 5322 comments (nested parentheses) and quoted-pair escapes removed; quoted strings kept."""
    out: list[str] = []
    depth = 0
    quoted = False
    escaped = False
    for ch in text[:MAX_HEADER]:
        if escaped:
            escaped = False
            if depth == 0:
                out.append(ch)
            continue
        if ch == "\\":
            escaped = True
            continue
        if quoted:
            if ch == '"':
                quoted = False
            else:
                out.append(ch)
            continue
        if ch == "(":
            depth += 1
            out.append(" ")
        elif ch == ")" and depth:
            depth -= 1
        elif depth:
            continue
        elif ch == '"':
            quoted = True
        else:
            out.append(ch)
    return "".join(out)


def _words(part: str) -> list[str]:
    """``a = b  c.d= e`` → ``["a=b", "c.d=e"]``: whitespace around ``=`` and ``.`` closed up."""
    words: list[str] = []
    for word in part.split():
        if words and (word.startswith(("=", ".")) or words[-1].endswith(("=", "."))):
            words[-1] += word
        else:
            words.append(word)
    return words


def _result(words: list[str]) -> MethodResult | None:
    if not words or "=" not in words[0]:
        return None
    method, _, result = words[0].partition("=")
    method = method.split("/", 1)[0].lower()  # "dkim/1=pass": a method version
    properties: dict[str, str] = {}
    for word in words[1:]:
        key, sep, value = word.partition("=")
        if sep and key and key.lower() not in properties:
            properties[key.lower()] = value
    return MethodResult(method, result.lower(), properties)


def parse(value: str) -> AuthResults:
    """One header's value; an id-less header (Microsoft 365) has ``authserv_id`` None."""
    text = strip_comments(" ".join(value.split()))
    parts = text.split(";")
    head = _words(parts[0])
    authserv_id: str | None = None
    if head and "=" not in head[0]:
        authserv_id = head[0].lower()
        rest = parts[1:]
    else:
        rest = parts
    results = tuple(r for r in (_result(_words(p)) for p in rest) if r is not None and r.method != "none")
    return AuthResults(authserv_id, results)


def trusted_results(headers: Sequence[tuple[str, str]], trusted: Collection[str]) -> tuple[AuthResults, ...]:
    """The topmost run of Authentication-Results whose authserv-id is trusted (see the module text)."""
    wanted = {t.lower() for t in trusted}
    if not wanted:
        return ()
    exchange_took_it_in = MICROSOFT_365 in wanted and any(
        name.lower() == "x-ms-exchange-organization-authas" and value.strip().lower() == "anonymous" for name, value in headers
    )
    run: list[AuthResults] = []
    seen: set[str | None] = set()
    for name, value in headers:
        if name.lower() != "authentication-results":
            continue
        parsed = parse(value)
        if parsed.authserv_id is None:
            believed = exchange_took_it_in
        else:
            believed = parsed.authserv_id in wanted and parsed.authserv_id != MICROSOFT_365
        if not believed or len(seen) >= MAX_INSTANCES:
            break
        if parsed.authserv_id not in seen:  # a second one with the same id may be the sender's: only the topmost
            seen.add(parsed.authserv_id)
            run.append(parsed)
    return tuple(run)
