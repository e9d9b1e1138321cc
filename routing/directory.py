"""The agency contact directory: a read-only view, and the CSV contract that fills it.

Recipients come from here only (DESIGN.md invariant 5), never from addresses
written in an email or a notice.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from escalations.routing.policy import AGENCY_ROLES, CONSOLE_ROLES, PARTNERSHIP_ROLES

CSV_COLUMNS = ("partnership", "agency", "agency_domains", "name", "email", "role", "phone")
# Optional last column: other names of the agency, ";"-separated ("CSC;Children's Social Care").
OPTIONAL_COLUMNS = ("agency_aliases",)
MAX_ALIASES = 20
MAX_ALIAS_LENGTH = 200
_EMAIL = re.compile(r"^[^@\s,;<>]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
_DOMAIN = re.compile(r"^(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)+$")  # "*.nhs.example": its subdomains


@dataclass(frozen=True)
class ContactEntry:
    name: str
    email: str
    role: str
    agency: str | None  # None for a partnership-level role
    phone: str | None = None


@dataclass(frozen=True)
class AgencyEntry:
    name: str
    domains: tuple[str, ...]
    aliases: tuple[str, ...] = ()  # other names it goes by (the CSV's agency_aliases)


@dataclass(frozen=True)
class Directory:
    """One partnership's agencies and contacts."""

    partnership: str
    agencies: tuple[AgencyEntry, ...]
    contacts: tuple[ContactEntry, ...]

    def agency_for_address(self, address: str | None) -> AgencyEntry | None:
        """The agency whose email domain the address is at; a subdomain only where the directory
        lists ``*.domain`` (which covers the subdomains, not the domain itself)."""
        if not address or "@" not in address:
            return None
        domain = address.rsplit("@", 1)[1].lower()
        for agency in self.agencies:
            if any(domain == d or (d.startswith("*.") and domain.endswith(d[1:])) for d in agency.domains):
                return agency
        return None

    def agency_named(self, name: str | None) -> AgencyEntry | None:
        """The agency a notice names, by its name or an alias, tolerating case, punctuation,
        abbreviations, word order and small slips; None if unsure (routing/agencies.py)."""
        if not name:
            return None
        from escalations.routing.agencies import Names, choose

        match, _ = choose(Names.of(self).score(name))
        return match.agency if match is not None else None

    def contacts_for(self, role: str, agency: AgencyEntry | None = None) -> tuple[ContactEntry, ...]:
        agency_name = agency.name if agency else None
        return tuple(c for c in self.contacts if c.role == role and c.agency == agency_name)

    def is_contact(self, address: str | None) -> bool:
        return bool(address) and any(c.email == address.lower() for c in self.contacts)

    def contact(self, address: str | None) -> ContactEntry | None:
        """The directory's entry for an address (its first, where a person holds several roles)."""
        wanted = (address or "").lower()
        return next((c for c in self.contacts if wanted and c.email == wanted), None)


class DirectoryError(Exception):
    """A directory CSV is wrong; each problem names the row and the column."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


@dataclass(frozen=True)
class DirectoryRow:
    partnership: str
    agency: str | None
    agency_domains: tuple[str, ...]
    name: str
    email: str
    role: str
    phone: str | None
    agency_aliases: tuple[str, ...] = ()


def parse_csv(text: str, partnerships: Iterable[str]) -> list[DirectoryRow]:
    """Validate the whole file; raise DirectoryError listing every fault by row and column."""
    known = set(partnerships)
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [c for c in CSV_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise DirectoryError([f"row 1 (header): missing column(s) {', '.join(missing)}"])
    rows: list[DirectoryRow] = []
    problems: list[str] = []
    domains_seen: dict[tuple[str, str], str] = {}
    names_seen: dict[tuple[str, str], str] = {}  # an agency's name or alias, folded: whose it is
    contacts_seen: dict[tuple[str, str | None, str, str], int] = {}  # a person in a role: its first row
    for number, record in enumerate(reader, start=2):
        found, row_problems = _rows(number, record, known)
        problems += row_problems
        for row in found:
            _check_names(number, row, domains_seen, names_seen, problems)
            first = contacts_seen.setdefault((row.partnership, row.agency, row.role, row.email), number)
            if first != number:
                problems.append(f"row {number}, column role: {row.email} is already a {row.role} there (row {first})")
            rows.append(row)
    if problems:
        raise DirectoryError(problems)
    return rows


def _check_names(
    number: int,
    row: DirectoryRow,
    domains_seen: dict[tuple[str, str], str],
    names_seen: dict[tuple[str, str], str],
    problems: list[str],
) -> None:
    """A domain or a name (or alias) belongs to one agency of a partnership."""
    for domain in row.agency_domains:
        owner = domains_seen.setdefault((row.partnership, domain), row.agency or "")
        if owner != row.agency:
            problems.append(f"row {number}, column agency_domains: {domain} already belongs to {owner}")
    if row.agency:
        owner = names_seen.setdefault((row.partnership, folded(row.agency)), row.agency)
        if owner != row.agency:
            problems.append(f"row {number}, column agency: {row.agency!r} is already an alias of {owner}")
    for alias in row.agency_aliases:
        owner = names_seen.setdefault((row.partnership, folded(alias)), row.agency or "")
        if owner != row.agency:
            problems.append(f"row {number}, column agency_aliases: {alias!r} already names {owner}")


def _rows(number: int, record: dict[str, str | None], known: set[str]) -> tuple[list[DirectoryRow], list[str]]:
    values = {k: (record.get(k) or "").strip() for k in CSV_COLUMNS}
    problems = []

    def bad(column: str, problem: str) -> None:
        problems.append(f"row {number}, column {column}: {problem}")

    if values["partnership"] not in known:
        bad("partnership", f"{values['partnership']!r} is not a configured partnership")
    agency = values["agency"] or None
    domains = tuple(d.strip().lower() for d in values["agency_domains"].split(";") if d.strip())
    allowed = AGENCY_ROLES if agency else PARTNERSHIP_ROLES + CONSOLE_ROLES
    # Several roles of one person: "practitioner;line_manager" (one row each on export).
    roles = tuple(dict.fromkeys(r.strip() for r in values["role"].split(";") if r.strip())) or ("",)
    for role in roles:
        if role not in allowed:
            side = "an agency" if agency else "a partnership (empty agency)"
            bad("role", f"{role!r} is not {side} role; expected one of {', '.join(allowed)}")
    if agency and not domains:
        bad("agency_domains", "an agency needs at least one email domain")
    for domain in domains:
        if not _DOMAIN.match(domain):
            bad("agency_domains", f"{domain!r} is not a domain name")
    if not _EMAIL.match(values["email"]):
        bad("email", f"{values['email']!r} is not an email address")
    if not values["name"]:
        bad("name", "is empty")
    aliases = tuple(dict.fromkeys(a.strip() for a in (record.get("agency_aliases") or "").split(";") if a.strip()))
    if aliases and not agency:
        bad("agency_aliases", "only an agency has aliases (the agency column is empty)")
    if len(aliases) > MAX_ALIASES:
        bad("agency_aliases", f"{len(aliases)} aliases; at most {MAX_ALIASES}")
    for alias in aliases:
        if len(alias) > MAX_ALIAS_LENGTH:
            bad("agency_aliases", f"an alias is longer than {MAX_ALIAS_LENGTH} characters")
    if problems:
        return [], problems
    return [
        DirectoryRow(
            partnership=values["partnership"],
            agency=agency,
            agency_domains=domains,
            name=values["name"],
            email=values["email"].lower(),
            role=role,
            phone=values["phone"] or None,
            agency_aliases=aliases,
        )
        for role in roles
    ], []


def folded(name: str) -> str:
    """An agency name compared without case, punctuation or extra spaces."""
    return " ".join("".join(c for c in name.lower() if c.isalnum() or c.isspace()).split())


def to_csv(rows: Iterable[DirectoryRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS + OPTIONAL_COLUMNS)
    for r in rows:
        writer.writerow(
            [
                r.partnership,
                r.agency or "",
                ";".join(r.agency_domains),
                r.name,
                r.email,
                r.role,
                r.phone or "",
                ";".join(r.agency_aliases),
            ]
        )
    return out.getvalue()
