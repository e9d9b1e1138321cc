"""Agency domains: an address belongs to an agency by its exact domain; subdomains only where listed as ``*.domain``."""

from __future__ import annotations

import pytest

from escalations.routing.directory import AgencyEntry, Directory, DirectoryError, parse_csv

HEALTH = AgencyEntry("Northside Health", ("northside-health.example", "*.nhs-north.example"))
DIRECTORY = Directory("salford", (HEALTH,), ())


@pytest.mark.parametrize(
    ("address", "agency"),
    [
        ("a.khan@northside-health.example", HEALTH),
        ("A.Khan@Northside-Health.example", HEALTH),
        ("x@mail.northside-health.example", None),  # a subdomain the directory does not list
        ("x@evilnorthside-health.example", None),
        ("x@ward.nhs-north.example", HEALTH),
        ("x@a.b.nhs-north.example", HEALTH),
        ("x@nhs-north.example", None),  # "*." covers the subdomains, not the domain itself
        ("x@evilnhs-north.example", None),
        (None, None),
        ("no-at-sign", None),
    ],
)
def test_agency_for_address(address: str | None, agency: AgencyEntry | None) -> None:
    assert DIRECTORY.agency_for_address(address) == agency


def test_the_csv_accepts_a_wildcard_domain_and_refuses_a_bad_one() -> None:
    header = "partnership,agency,agency_domains,name,email,role,phone\n"
    rows = parse_csv(
        header
        + "salford,Northside Health,northside-health.example;*.nhs-north.example,Dev V,dev@northside-health.example,practitioner,\n",
        ["salford"],
    )
    assert rows[0].agency_domains == ("northside-health.example", "*.nhs-north.example")
    with pytest.raises(DirectoryError) as caught:
        parse_csv(header + "salford,Northside Health,*.*.example,Dev V,dev@northside-health.example,practitioner,\n", ["salford"])
    assert "agency_domains" in str(caught.value)
