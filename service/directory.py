"""Directory import and export between the CSV contract and the database."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from escalations.routing.directory import AgencyEntry, ContactEntry, Directory, DirectoryRow
from escalations.storage.models import Agency, Contact
from escalations.storage.repositories import DirectoryRepository


@dataclass(frozen=True)
class Change:
    partnership: str
    action: str  # add | remove
    row: DirectoryRow

    def describe(self) -> str:
        r = self.row
        where = r.agency or "partnership"
        return f"{'+' if self.action == 'add' else '-'} {r.partnership}: {r.role} {r.email} ({where})"


def current_rows(session: Session, partnership: str | None = None) -> list[DirectoryRow]:
    return [
        DirectoryRow(
            partnership=c.partnership,
            agency=c.agency.name if c.agency else None,
            agency_domains=tuple(c.agency.domains) if c.agency else (),
            name=c.name,
            email=c.email,
            role=c.role,
            phone=c.phone,
            agency_aliases=tuple(c.agency.aliases or ()) if c.agency else (),
        )
        for c in DirectoryRepository(session).contacts(partnership)
    ]


def changes(session: Session, rows: Sequence[DirectoryRow]) -> list[Change]:
    """What importing ``rows`` would change, for the partnerships they name."""
    out = []
    for partnership in sorted({r.partnership for r in rows}):
        old = {_key(r): r for r in current_rows(session, partnership)}
        new = {_key(r): r for r in rows if r.partnership == partnership}
        out += [Change(partnership, "remove", old[k]) for k in old if k not in new]
        out += [Change(partnership, "add", new[k]) for k in new if k not in old]
    return out


def import_rows(session: Session, rows: Sequence[DirectoryRow]) -> None:
    """Replace the directory of every partnership the rows name (the caller commits)."""
    session.info.pop(_VIEWS, None)
    repo = DirectoryRepository(session)
    for partnership in sorted({r.partnership for r in rows}):
        mine = [r for r in rows if r.partnership == partnership]
        agencies: dict[str, Agency] = {}
        for r in mine:
            if r.agency and r.agency not in agencies:
                agencies[r.agency] = Agency(partnership=partnership, name=r.agency, domains=list(r.agency_domains), aliases=[])
            if r.agency:  # the aliases of all the agency's rows, in the order first given
                known = agencies[r.agency].aliases
                agencies[r.agency].aliases = known + [a for a in r.agency_aliases if a not in known]
        contacts = [
            (r.agency, Contact(partnership=partnership, name=r.name, email=r.email, role=r.role, phone=r.phone)) for r in mine
        ]
        repo.replace_partnership(partnership, list(agencies.values()), contacts)


def load_directory(session: Session, partnership: str) -> tuple[Directory, dict[str, int]]:
    """The read-only view the routing code uses, and agency ids by name: read once per transaction."""
    transaction, views = session.info.get(_VIEWS, (None, {}))
    if transaction is None or transaction is not session.get_transaction():  # another transaction may see another directory
        views = {}
    if partnership not in views:
        views[partnership] = _read_directory(session, partnership)
        session.info[_VIEWS] = (session.get_transaction(), views)
    return views[partnership]


_VIEWS = "escalations.directory_views"


def _read_directory(session: Session, partnership: str) -> tuple[Directory, dict[str, int]]:
    agencies = DirectoryRepository(session).agencies(partnership)
    contacts = DirectoryRepository(session).contacts(partnership)
    view = Directory(
        partnership=partnership,
        agencies=tuple(AgencyEntry(a.name, tuple(a.domains), tuple(a.aliases or ())) for a in agencies if a.domains),
        contacts=tuple(ContactEntry(c.name, c.email, c.role, c.agency.name if c.agency else None, c.phone) for c in contacts),
    )
    return view, {a.name: a.id for a in agencies}


def _key(r: DirectoryRow) -> tuple[str | None, tuple[str, ...], str, str, str, str | None, tuple[str, ...]]:
    return (r.agency, r.agency_domains, r.name, r.email, r.role, r.phone, r.agency_aliases)


def rows_for_export(rows: Iterable[DirectoryRow]) -> list[DirectoryRow]:
    return sorted(rows, key=lambda r: (r.partnership, r.agency or "", r.role, r.email))
