"""The facts a corpus notice states: fictional people, agencies from the example directory, seeded.

A ``Case`` holds every canonical field a notice could carry; a design prints some
of them in its own layout and says which (``Printed``). Agencies are the example
directory's (config/directory.example.csv) for the partnership the notice goes
to, sometimes written by an alias a practitioner would use (``AGENCY_ALIASES``),
so a reading can be checked against the directory.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TODAY = date(2026, 3, 2)  # the day every corpus notice is read on (ages, "date after today")

MAILBOXES = {
    "salford": "escalations@salford.example",
    "barnet": "escalations@barnet.example",
    "bury-children": "bsp@bury.example",
    "bury-adults": "bsp@bury.example",
    "bnes": "escalations@bnes.example",
}
STAGES = {"salford": 3, "barnet": 4, "bury-children": 4, "bury-adults": 4, "bnes": 5}
PROTECTS = {
    "salford": ("child",),
    "barnet": ("child",),
    "bury-children": ("child",),
    "bury-adults": ("adult",),
    "bnes": ("child", "adult"),
}

# Other names practitioners write for the directory's agencies (issue 9: "CSC", "Children's Social Care"…).
AGENCY_ALIASES = {
    "Northside Health": ("Northside Health NHS Trust", "Northside Community Health"),
    "Salford Children's Services": ("Salford CSC", "Children's Services (Salford)", "Salford Children's Social Care"),
    "Salford Police": ("Greater Manchester Police (Salford)", "Salford Police Division"),
    "Oakfield Primary School": ("Oakfield Primary", "Oakfield Primary Academy"),
    "Barnet Community Health": ("Barnet Community Health Services", "BCH"),
    "Barnet Children's Social Care": ("Barnet CSC", "Barnet Family Services", "Children's Social Care, Barnet"),
    "Barnet Police": ("Met Police (Barnet)", "Barnet Borough Police"),
    "Hillside Academy": ("Hillside", "Hillside Academy Trust"),
    "Bury Health Visiting": ("Bury 0-19 Health Visiting", "Health Visiting Service, Bury"),
    "Bury Children's Social Care": ("Bury CSC", "Bury Children's Services"),
    "Bury Police": ("GMP Bury", "Greater Manchester Police, Bury district"),
    "Bury Community Health": ("Bury Community Health Services", "Bury District Nursing"),
    "Bury Adult Social Care": ("Bury ASC", "Adult Social Care, Bury"),
    "Bury Housing": ("Six Town Housing", "Bury Housing Services"),
    "B&NES Community Health": ("HCRG Care Group (B&NES)", "Bath Community Health"),
    "B&NES Social Care": ("B&NES Children's Social Care", "Bath and North East Somerset Social Care"),
    "Avon Police": ("Avon and Somerset Police", "Avon & Somerset Constabulary"),
}

ROLES = {  # job titles by the kind of agency, as a practitioner writes them
    "health": ("Health Visitor", "School Nurse", "Safeguarding Lead Nurse", "Specialist Health Visitor", "District Nurse"),
    "social": ("Social Worker", "Senior Practitioner", "Team Manager", "Assistant Team Manager"),
    "police": ("Detective Constable", "Police Constable", "Detective Sergeant", "Public Protection Officer"),
    "school": ("Designated Safeguarding Lead", "Deputy Headteacher", "Head of Year 5", "Learning Mentor"),
    "housing": ("Housing Officer", "Tenancy Support Officer", "Neighbourhood Manager"),
}
FIRST = (
    "Hannah",
    "Farah",
    "Claire",
    "Tom",
    "Priya",
    "Gethin",
    "Siobhan",
    "Marcus",
    "Aled",
    "Nadia",
    "Owain",
    "Rebecca",
    "Kwame",
    "Lucy",
    "Imogen",
    "Declan",
    "Shabnam",
    "Callum",
    "Bronwen",
    "Joseph",
)
LAST = (
    "Ogunleye",
    "Iqbal",
    "Bennett",
    "Reid",
    "Chaudhry",
    "Pritchard",
    "Maguire",
    "Adeyemi",
    "Rhys",
    "Kowalski",
    "Llewellyn",
    "Fairclough",
    "Mensah",
    "Harrington",
    "Doyle",
    "Okafor",
    "Whitworth",
    "Nwosu",
    "Sutcliffe",
)
CHILD_FIRST = (
    "Amelia-Rose",
    "Mohammed",
    "Ellie",
    "Kacper",
    "Tyler",
    "Zainab",
    "Harley",
    "Ruby",
    "Dylan",
    "Maisie",
    "Oliver",
    "Freya",
    "Ibrahim",
    "Lily-Mae",
    "Jayden",
    "Seren",
)
CHILD_LAST = (
    "O'Connor",
    "Al-Rashid",
    "Whittaker",
    "Nowak",
    "Brennan",
    "Hussain",
    "McAllister",
    "Thompson-Hall",
    "Evans",
    "Clarke",
    "Bibi",
    "Morgan",
)
ADULT_FIRST = ("Margaret", "Dennis", "Gwendolyn", "Stanley", "Patricia", "Raymond", "Shirley", "Tariq", "Irene")

CATEGORY_TEXT = {
    "thresholds": "Level of need / thresholds for intervention",
    "roles_responsibilities": "Roles and responsibilities",
    "action_communication": "Need for action and communication",
    "information_sharing": "Information sharing",
    "response_to_concern": "Response to a safeguarding concern",
    "referral_not_accepted": "Referral not accepted",
    "assessment_outcome": "Outcome of an assessment",
    "step_up_down": "Step-up / step-down decisions",
    "case_conference": "Whether a case conference should be held",
    "plan_progression": "Progression of plans",
    "resources": "Resource or capacity issues",
    "statutory_roles": "Not fulfilling statutory roles",
    "non_attendance": "Non-attendance at statutory meetings",
    "unilateral_decision": "Unilateral decision making",
    "service_timeliness": "Service provision and timeliness of interventions",
}
CONCERNS = (
    "{first} has missed three health appointments since January and the referral was closed without a home visit.",
    "The strategy discussion concluded no further action, although {first} disclosed an injury to school staff on two occasions.",
    "Information about the partner's history was not shared with us before {first} was discharged home.",
    "The case was stepped down to early help while the housing situation remains unsafe for {first}.",
    "We asked for an initial child protection conference for {first}; the request was declined without a reason in writing.",
    "{first}'s carer has told us repeatedly that they cannot manage, and no assessment of need has been started.",
    "Nobody from the other agency attended the last two core group meetings about {first}.",
    "Missed home visits and unanswered calls: {first} has not been seen by any professional for five weeks.",
)
SECOND = (
    "We raised this with the allocated worker on 12 February and there has been no change.",
    "Our line managers have discussed it and could not agree.",
    "The family are due to move at the end of the month.",
    "",
)


@dataclass(frozen=True)
class Agency:
    name: str  # the directory's name
    domain: str
    kind: str  # a key of ROLES

    def written(self, rng: random.Random, alias_rate: float = 0.3) -> str:
        """The name as a practitioner writes it: usually the directory's, sometimes an alias."""
        aliases = AGENCY_ALIASES.get(self.name, ())
        return rng.choice(aliases) if aliases and rng.random() < alias_rate else self.name


@dataclass(frozen=True)
class Case:
    """Everything one notice could state; a design prints some of it."""

    partnership: str
    subject_kind: str
    subject_first: str
    subject_last: str
    dob: date
    raiser_first: str
    raiser_last: str
    raiser_role: str
    raiser_agency: Agency
    raiser_agency_written: str
    raiser_phone: str
    challenged_agency: Agency
    challenged_agency_written: str
    challenged_name: str
    challenged_role: str
    categories: tuple[str, ...]
    concern: str
    immediate_risk: bool
    stage: int
    signed_date: date
    seed: int

    @property
    def subject_name(self) -> str:
        return f"{self.subject_first} {self.subject_last}"

    @property
    def raiser_name(self) -> str:
        return f"{self.raiser_first} {self.raiser_last}"

    @property
    def raiser_email(self) -> str:
        return f"{self.raiser_first.lower()}.{self.raiser_last.lower().replace(chr(39), '').replace(' ', '')}@{self.raiser_agency.domain}"

    @property
    def mailbox(self) -> str:
        return MAILBOXES[self.partnership]


def directory_agencies(path: Path = REPO / "config" / "directory.example.csv") -> dict[str, tuple[Agency, ...]]:
    """Each partnership's agencies in the example directory, in file order."""
    found: dict[str, dict[str, Agency]] = {}
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["agency"]:
                agencies = found.setdefault(row["partnership"], {})
                agencies.setdefault(
                    row["agency"], Agency(row["agency"], row["agency_domains"].split(";")[0], _kind(row["agency"]))
                )
    return {partnership: tuple(agencies.values()) for partnership, agencies in found.items()}


def _kind(agency: str) -> str:
    lowered = agency.lower()
    for word, kind in (
        ("police", "police"),
        ("school", "school"),
        ("academy", "school"),
        ("housing", "housing"),
        ("health", "health"),
        ("social", "social"),
        ("children", "social"),
    ):
        if word in lowered:
            return kind
    return "social"


AGENCIES = directory_agencies()
PHONES = {
    "salford": "0161 496 0{:03d}",
    "bury-children": "0161 496 0{:03d}",
    "bury-adults": "0161 496 0{:03d}",
    "barnet": "020 7946 0{:03d}",
    "bnes": "01632 960{:03d}",
}


def make_case(seed: int, partnership: str, *, kind: str | None = None) -> Case:
    """A case for ``partnership``, the same for the same seed."""
    rng = random.Random(seed)
    kind = kind or rng.choice(PROTECTS[partnership])
    raiser, challenged = rng.sample(AGENCIES[partnership], 2)
    first = rng.choice(ADULT_FIRST if kind == "adult" else CHILD_FIRST)
    age_days = rng.randint(25 * 365, 85 * 365) if kind == "adult" else rng.randint(200, 16 * 365)
    concern = rng.choice(CONCERNS).format(first=first)
    second = rng.choice(SECOND)
    return Case(
        partnership=partnership,
        subject_kind=kind,
        subject_first=first,
        subject_last=rng.choice(CHILD_LAST),
        dob=TODAY - timedelta(days=age_days),
        raiser_first=rng.choice(FIRST),
        raiser_last=rng.choice(LAST),
        raiser_role=rng.choice(ROLES[raiser.kind]),
        raiser_agency=raiser,
        raiser_agency_written=raiser.written(rng),
        raiser_phone=rng.choice((PHONES[partnership].format(rng.randint(200, 999)), f"07700 900{rng.randint(100, 999)}")),
        challenged_agency=challenged,
        challenged_agency_written=challenged.written(rng),
        challenged_name=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
        challenged_role=rng.choice(ROLES[challenged.kind]),
        categories=tuple(sorted(rng.sample(sorted(CATEGORY_TEXT), rng.randint(1, 2)), key=list(CATEGORY_TEXT).index)),
        concern=f"{concern} {second}".strip(),
        immediate_risk=rng.random() < 0.25,
        stage=rng.randint(1, STAGES[partnership]),
        signed_date=TODAY - timedelta(days=rng.randint(1, 20)),
        seed=seed,
    )
