"""Matching: which partnership policy and which case an inbound message belongs to.

This first layer knows the ``[PREFIX-YYYY-NNNN]`` reference in a subject and
the shared-mailbox rule (Bury's children's and adults' policies share one
mailbox; the notice's subject picks the policy).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from escalations.routing.policy import Policy

REFERENCE = re.compile(r"\[\s*([A-Z]{2,6}-\d{4}-\d{4,6})\s*\]", re.I)


def subject_reference(subject: str) -> str | None:
    match = REFERENCE.search(subject or "")
    return match.group(1).upper() if match else None


@dataclass(frozen=True)
class PolicyChoice:
    policy: Policy | None
    rule: str
    reason: str


def policies_for(addresses: Iterable[str], policies: Mapping[str, Policy]) -> list[Policy]:
    wanted = {a.lower() for a in addresses}
    return [p for p in policies.values() if p.mailbox in wanted]


def choose_policy(candidates: list[Policy], subject_kind: str | None) -> PolicyChoice:
    """The one policy for this mailbox and subject, or None with the reason a person must decide."""
    if not candidates:
        return PolicyChoice(None, "no-mailbox", "sent to no partnership mailbox we know")
    if len(candidates) == 1:
        policy = candidates[0]
        return PolicyChoice(policy, "mailbox", f"sent to {policy.mailbox}, the {policy.short_name} mailbox")
    fitting = [p for p in candidates if subject_kind in p.protects]
    if len(fitting) == 1:
        policy = fitting[0]
        return PolicyChoice(
            policy, "shared-mailbox-subject", f"the notice is about {('a child' if subject_kind == 'child' else 'an adult')}, so {policy.name} applies"
        )
    names = ", ".join(p.id for p in candidates)
    return PolicyChoice(
        None, "shared-mailbox-unknown-subject", f"the mailbox serves {names} and the notice does not say whether it is about a child or an adult"
    )
