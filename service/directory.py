"""Directory import and export between the CSV contract and the database.

An agency keeps its identity (its row, which open cases point at) across
imports: a new name that lists the old one among its aliases, or that has the
old one's email domains, is a rename, and the old name stays as an alias so
notices using it still route (issue 11). ``plan`` says what an import would
change and whom on open cases it touches, before anything is written.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from sqlalchemy.orm import Session

from escalations.routing import escalation as engine
from escalations.routing.directory import AgencyEntry, ContactEntry, Directory, DirectoryRow, folded, parse_csv, to_csv
from escalations.routing.policy import Policy
from escalations.storage.models import Agency, Case, Contact
from escalations.storage.repositories import CaseRepository, DirectoryRepository


@dataclass(frozen=True)
class Change:
    partnership: str
    action: str  # add | remove | change
    row: DirectoryRow
    before: DirectoryRow | None = None  # for a change: the row as it was

    def describe(self) -> str:
        r = self.row
        where = r.agency or "partnership"
        mark = {"add": "+", "remove": "-", "change": "~"}[self.action]
        line = f"{mark} {r.partnership}: {r.role} {r.email} ({where})"
        return line + (f": {', '.join(_differences(self.before, r))}" if self.before is not None else "")


@dataclass(frozen=True)
class Rename:
    partnership: str
    old: str
    new: str
    why: str

    def describe(self) -> str:
        return f"renamed {self.partnership}: {self.old} -> {self.new} ({self.why}; the old name is kept as an alias)"


@dataclass(frozen=True)
class Affected:
    """Someone at an open case's current stage who leaves or joins with the import."""

    reference: str
    stage: int
    email: str
    joins: bool

    def describe(self) -> str:
        if self.joins:
            return f"  {self.reference} (stage {self.stage}): {self.email} joins; they get the case before any chaser"
        return f"  {self.reference} (stage {self.stage}): {self.email} leaves; no more mail goes to them"


@dataclass(frozen=True)
class Orphan:
    """An open case whose side at its current stage would have nobody after the import."""

    reference: str
    stage: int
    side: str
    agency: str | None

    def describe(self) -> str:
        return f"  {self.reference} (stage {self.stage}): nobody left on the {self.side} side ({self.agency or 'agency gone'})"


@dataclass
class Plan:
    renames: list[Rename] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    affected: list[Affected] = field(default_factory=list)
    orphans: list[Orphan] = field(default_factory=list)

    @property
    def removes(self) -> bool:
        return any(c.action == "remove" for c in self.changes)

    def lines(self) -> list[str]:
        counts = {a: sum(c.action == a for c in self.changes) for a in ("add", "change", "remove")}
        out = [r.describe() for r in self.renames] + [c.describe() for c in self.changes]
        out.append(
            f"{counts['add']} added, {counts['change']} changed, {counts['remove']} removed, {len(self.renames)} agency rename(s)"
        )
        if self.affected:
            out += ["People on open cases:"] + [a.describe() for a in self.affected]
        if self.orphans:
            out += ["Open cases left with nobody on a side:"] + [o.describe() for o in self.orphans]
        return out


def current_rows(session: Session, partnership: str | None = None) -> list[DirectoryRow]:
    return [row_of(c) for c in DirectoryRepository(session).contacts(partnership)]


def row_of(contact: Contact) -> DirectoryRow:
    """A stored contact as its directory CSV row."""
    agency = contact.agency
    return DirectoryRow(
        partnership=contact.partnership,
        agency=agency.name if agency else None,
        agency_domains=tuple(agency.domains) if agency else (),
        name=contact.name,
        email=contact.email,
        role=contact.role,
        phone=contact.phone,
        agency_aliases=tuple(agency.aliases or ()) if agency else (),
    )


# -- one contact at a time (the console's Directory page): edits of the rows an import takes ----------------


def with_contact(rows: Sequence[DirectoryRow], new: DirectoryRow, replacing: DirectoryRow | None = None) -> list[DirectoryRow]:
    """The rows with one contact added, or put in place of ``replacing``; the contact takes its agency's domains
    and aliases, so the agency itself is unchanged."""
    same_agency = next((r for r in rows if r.partnership == new.partnership and r.agency and r.agency == new.agency), None)
    if same_agency is not None:
        new = replace(new, agency_domains=same_agency.agency_domains, agency_aliases=same_agency.agency_aliases)
    kept = [r for r in rows if replacing is None or (r.partnership, *_key(r)) != (replacing.partnership, *_key(replacing))]
    return kept + [new]


def without_contact(rows: Sequence[DirectoryRow], leaving: DirectoryRow) -> list[DirectoryRow]:
    """The rows with one contact (a person in a role at an agency) gone."""
    return [r for r in rows if (r.partnership, *_key(r)) != (leaving.partnership, *_key(leaving))]


def with_aliases(rows: Sequence[DirectoryRow], partnership: str, agency: str, aliases: Sequence[str]) -> list[DirectoryRow]:
    """The rows with one agency's other names replaced (every row of the agency carries them, as on export)."""
    wanted = tuple(dict.fromkeys(a.strip() for a in aliases if a.strip()))
    return [replace(r, agency_aliases=wanted) if (r.partnership, r.agency) == (partnership, agency) else r for r in rows]


def checked(rows: Sequence[DirectoryRow], partnerships: Iterable[str]) -> list[DirectoryRow]:
    """Edited rows checked exactly as `directory import` checks a file (DirectoryError lists what is wrong)."""
    return parse_csv(to_csv(rows), partnerships)


def renames(session: Session, rows: Sequence[DirectoryRow]) -> list[Rename]:
    """Agencies the file gives a new name: one existing agency whose name left the file and that the new
    name lists as an alias, or failing that whose email domains it has."""
    found = []
    for partnership in sorted({r.partnership for r in rows}):
        mine = [r for r in rows if r.partnership == partnership and r.agency]
        names = {r.agency for r in mine}
        existing = DirectoryRepository(session).agencies(partnership)
        gone = [a for a in existing if a.name not in names and a.domains]
        for name in sorted(names - {a.name for a in existing}):
            aliases = {folded(a) for r in mine if r.agency == name for a in r.agency_aliases}
            domains = {d for r in mine if r.agency == name for d in r.agency_domains}
            by_alias = [a for a in gone if folded(a.name) in aliases]
            by_domain = [a for a in gone if domains & set(a.domains)]
            chosen, why = (by_alias, "the new name lists the old one") if by_alias else (by_domain, "the same email domains")
            if len(chosen) == 1:
                found.append(Rename(partnership, chosen[0].name, name, why))
                gone.remove(chosen[0])
    return found


def plan(session: Session, rows: Sequence[DirectoryRow], policies: Mapping[str, Policy]) -> Plan:
    """What importing ``rows`` would change, for the partnerships they name, and whom on open cases it touches."""
    result = Plan(renames=renames(session, rows))
    for partnership in sorted({r.partnership for r in rows}):
        new_name = {r.old: r.new for r in result.renames if r.partnership == partnership}
        old = {_key(r, new_name): r for r in current_rows(session, partnership)}
        new = {_key(r): r for r in rows if r.partnership == partnership}
        result.changes += [Change(partnership, "remove", old[k]) for k in old if k not in new]
        result.changes += [Change(partnership, "add", new[k]) for k in new if k not in old]
        result.changes += [
            Change(partnership, "change", new[k], old[k]) for k in new if k in old and _differences(old[k], new[k])
        ]
        if partnership in policies:
            _open_cases(session, policies[partnership], [r for r in rows if r.partnership == partnership], new_name, result)
    return result


def _open_cases(session: Session, policy: Policy, rows: Sequence[DirectoryRow], new_name: dict[str, str], result: Plan) -> None:
    before, ids = load_directory(session, policy.id)
    after = directory_of(policy.id, rows)
    names = {i: name for name, i in ids.items()}
    for case in CaseRepository(session).open_cases(policy.id):
        agencies = (names.get(case.raising_agency_id or -1), names.get(case.challenged_agency_id or -1))
        was = _stage_people(policy, case, before, agencies)
        now = _stage_people(policy, case, after, tuple(new_name.get(a or "", a) for a in agencies))
        gone = {r.email for r in was} - {r.email for r in now}
        came = {r.email for r in now} - {r.email for r in was}
        result.affected += [Affected(case.reference, case.stage, e, False) for e in sorted(gone)]
        result.affected += [Affected(case.reference, case.stage, e, True) for e in sorted(came)]
        for side, agency in zip(("raising", "challenged"), agencies, strict=True):
            if any(r.side == side for r in was) and not any(r.side == side for r in now):
                result.orphans.append(Orphan(case.reference, case.stage, side, agency))


def _stage_people(
    policy: Policy, case: Case, directory: Directory, agencies: tuple[str | None, str | None]
) -> tuple[engine.Recipient, ...]:
    parties = engine.parties_for_case(directory, agencies[0], agencies[1], case.raised_by_email)
    return engine.stage_contacts(policy, policy.stage(case.stage), parties, directory, immediate=case.immediate_risk)


def import_rows(session: Session, rows: Sequence[DirectoryRow]) -> None:
    """Replace the directory of every partnership the rows name (the caller commits); a renamed
    agency keeps its row, with its old name added to its aliases."""
    session.info.pop(DIRECTORY_VIEWS, None)
    repo = DirectoryRepository(session)
    moved = renames(session, rows)
    for partnership in sorted({r.partnership for r in rows}):
        mine = [r for r in rows if r.partnership == partnership]
        agencies: dict[str, Agency] = {}
        for r in mine:
            if r.agency and r.agency not in agencies:
                agencies[r.agency] = Agency(partnership=partnership, name=r.agency, domains=list(r.agency_domains), aliases=[])
            if r.agency:  # the aliases of all the agency's rows, in the order first given
                known = agencies[r.agency].aliases
                agencies[r.agency].aliases = known + [a for a in r.agency_aliases if a not in known]
        existing = {a.name: a for a in repo.agencies(partnership)}
        for rename in (m for m in moved if m.partnership == partnership):
            existing[rename.old].name = rename.new
            known = agencies[rename.new].aliases
            if folded(rename.old) not in {folded(a) for a in known}:
                agencies[rename.new].aliases = known + [rename.old]
        session.flush()
        contacts = [
            (r.agency, Contact(partnership=partnership, name=r.name, email=r.email, role=r.role, phone=r.phone)) for r in mine
        ]
        repo.replace_partnership(partnership, list(agencies.values()), contacts)
    session.info.pop(DIRECTORY_VIEWS, None)  # a view read while importing is of the directory before


def directory_of(partnership: str, rows: Iterable[DirectoryRow]) -> Directory:
    """The routing view of a partnership's rows (the directory an import would leave)."""
    mine = [r for r in rows if r.partnership == partnership]
    agencies: dict[str, AgencyEntry] = {}
    for r in mine:
        if r.agency and r.agency not in agencies:
            aliases = tuple(dict.fromkeys(a for x in mine if x.agency == r.agency for a in x.agency_aliases))
            agencies[r.agency] = AgencyEntry(r.agency, r.agency_domains, aliases)
    contacts = tuple(ContactEntry(r.name, r.email, r.role, r.agency, r.phone) for r in mine)
    return Directory(partnership, tuple(agencies.values()), contacts)


def load_directory(session: Session, partnership: str) -> tuple[Directory, dict[str, int]]:
    """The read-only view the routing code uses, and agency ids by name: read once per transaction."""
    transaction, views = session.info.get(DIRECTORY_VIEWS, (None, {}))
    if transaction is None or transaction is not session.get_transaction():  # another transaction may see another directory
        views = {}
    if partnership not in views:
        views[partnership] = _read_directory(session, partnership)
        session.info[DIRECTORY_VIEWS] = (session.get_transaction(), views)
    return views[partnership]


DIRECTORY_VIEWS = "escalations.directory_views"


def _read_directory(session: Session, partnership: str) -> tuple[Directory, dict[str, int]]:
    agencies, contacts = DirectoryRepository(session).view_rows(partnership)
    view = Directory(
        partnership=partnership,
        agencies=tuple(
            AgencyEntry(name, tuple(domains), tuple(aliases or ())) for _, name, domains, aliases in agencies if domains
        ),
        contacts=tuple(ContactEntry(*row) for row in contacts),
    )
    return view, {name: i for i, name, _, _ in agencies}


def _key(r: DirectoryRow, new_name: Mapping[str, str] | None = None) -> tuple[str | None, str, str]:
    """A contact's identity: the person in a role at an agency (by the agency's name after any rename)."""
    agency = (new_name or {}).get(r.agency or "", r.agency)
    return (agency, r.email, r.role)


def _differences(before: DirectoryRow | None, after: DirectoryRow) -> list[str]:
    if before is None:
        return []
    fields = ("name", "phone", "agency_domains", "agency_aliases")
    return [f"{f} changed" for f in fields if getattr(before, f) != getattr(after, f)]


def rows_for_export(rows: Iterable[DirectoryRow]) -> list[DirectoryRow]:
    return sorted(rows, key=lambda r: (r.partnership, r.agency or "", r.role, r.email))
