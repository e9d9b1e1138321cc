"""A partnership's rules, each with its clause, and its local settings apart (`check-config --explain`)."""

from __future__ import annotations

from escalations.routing.calendar import Timescale
from escalations.routing.policy import Policy, Tier

LOCAL = " [local setting, below]"
WHO_KEYS = {"name", "raising", "challenged", "partnership"}


def explain(policy: Policy) -> list[str]:
    """The rules from the text, then the local settings with why, then what the partnership must still set."""
    lines = [f"{policy.id}: {policy.name} ({policy.short_name}), from {policy.source}", "", "Rules from the policy text:"]
    lines += _stages(policy) + _immediate_risk(policy) + _overall_copies_signposts(policy)
    lines += ["", "Local settings (the policy text is silent; the partnership's own choice):"]
    for setting in policy.local:
        values = ", ".join(f"{key} = {value!r}" for key, value in setting.values)
        lines += [f"  {setting.table or '(top level)'}: {values}", f"      why: {setting.why}"]
    if not policy.local:
        lines.append("  none")
    if policy.warnings():
        lines += ["", "Warnings (the partnership must set these):"] + [f"  {w}" for w in policy.warnings()]
    return lines


def _stages(policy: Policy) -> list[str]:
    lines = []
    for i, stage in enumerate(policy.stages):
        table = f"stages[{i}]"
        respond = _timescale(policy, table, "respond_within", stage.respond_within)
        lines += _rule(policy, table, f"stage {stage.number} {stage.name}: {_roles(stage.who)}; respond {respond}", stage.clause)
    return lines


def _immediate_risk(policy: Policy) -> list[str]:
    risk = policy.immediate_risk
    act = _timescale(policy, "immediate_risk", "respond_within", risk.respond_within)
    lines = _rule(policy, "immediate_risk", f"immediate risk: {_roles(risk.who)}; act {act}", risk.clause)
    if risk.out_of_hours is not None:
        local = LOCAL if policy.is_local("immediate_risk.out_of_hours", "text") else ""
        lines += [f"  out of hours: {risk.out_of_hours.instruction()}{local}", _clause(risk.out_of_hours.clause)]
    return lines


def _overall_copies_signposts(policy: Policy) -> list[str]:
    lines = []
    if policy.overall is not None:
        within = _timescale(policy, "overall", "resolve_within", policy.overall)
        lines += _rule(policy, "overall", f"whole matter: resolved {within}", policy.overall_clause)
    for i, copy in enumerate(policy.copies):
        at = f" at stages {', '.join(map(str, copy.stages))}" if copy.stages else ""
        within = f", {copy.within.describe()}" if copy.within else ""
        title = f"copy {copy.name} (on {copy.trigger.replace('_', ' ')}{at}{within}): {_roles(copy.who)}"
        lines += _rule(policy, f"copies[{i}]", title, copy.reason)
    for i, signpost in enumerate(policy.signposts):
        lines += _rule(policy, f"signposts[{i}]", f"signpost {signpost.name}", signpost.clause)
    local = LOCAL if policy.is_local("form", "required") else ""
    return lines + [f"  form {policy.form.id}: requires {', '.join(policy.form.required) or 'nothing'}{local}"]


def _rule(policy: Policy, table: str, title: str, clause: str) -> list[str]:
    who_local = any(s.table == table and WHO_KEYS & set(s.keys) for s in policy.local)
    return [f"  {title}", _clause(clause) + (" [who: local setting, below]" if who_local else "")]


def _clause(clause: str) -> str:
    return f"      clause: {clause or 'none given'}"


def _timescale(policy: Policy, table: str, key: str, value: Timescale | None) -> str:
    if value is None:
        return "no time set"
    return value.describe() + (LOCAL if policy.is_local(table, key) else "")


def _roles(tier: Tier) -> str:
    parts = [f"{side}: {', '.join(getattr(tier, side))}" for side in ("raising", "challenged", "partnership")]
    return "; ".join(p for p in parts if not p.endswith(": "))
