"""A short written summary of the figures: each sentence states numbers the report shows, and nothing more.

Numbers are written in words up to one hundred ("twelve"), as in a board
paper; no sentence judges ("good", "poor", "concerning"): the board does that.
"""

from __future__ import annotations

from escalations.reports.figures import Figures, Spread

_UNITS = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen".split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()


def words(n: int) -> str:
    """A whole number in words up to one hundred, digits above ("twenty-one", "one hundred", "1,204")."""
    if n < 20:
        return _UNITS[n]
    if n < 100:
        tens, units = divmod(n, 10)
        return _TENS[tens] + (f"-{_UNITS[units]}" if units else "")
    return "one hundred" if n == 100 else f"{n:,}"


def counted(n: int, noun: str, plural: str | None = None) -> str:
    return f"{words(n)} {noun if n == 1 else plural or noun + 's'}"


def number(value: float) -> str:
    """A median or percentile: a whole number in words, else one decimal in digits."""
    return words(int(value)) if float(value).is_integer() else f"{value:.1f}"


def summary(f: Figures) -> list[str]:
    """The report's opening paragraph, sentence by sentence."""
    sentences = [_raised(f), _outcomes(f), _agencies(f)]
    sentences += [
        f"{t.label.split(':')[0]}: {words(t.timely)} of {counted(t.judged, 'response')} due so far came within the "
        f"timescale ({t.timescale})."
        for t in f.timeliness
        if t.judged
    ]
    sentences += [_resolution(f), _immediate(f), _open(f), _holds(f)]
    return [s for s in sentences if s]


def _raised(f: Figures) -> str:
    return (
        f"{_cap(counted(f.raised, 'escalation'))} {'was' if f.raised == 1 else 'were'} raised between "
        f"{f.start:%-d %B %Y} and {f.end:%-d %B %Y}, against {words(f.raised_year_before)} in the same period a year before."
    )


def _outcomes(f: Figures) -> str:
    if not f.raised:
        return ""
    parts = [f"{words(n)} {label}" for label, n in f.outcomes]
    return "Of these, " + _join(parts) + "."


def _agencies(f: Figures) -> str:
    if not f.raised_none:
        return "Every agency in the directory raised at least one." if f.raised else ""
    names = _join(list(f.raised_none)) if len(f.raised_none) <= 6 else f"{len(f.raised_none)} agencies"
    return f"{_cap(counted(len(f.raised_none), 'agency', 'agencies'))} in the directory raised none: {names}."


def _resolution(f: Figures) -> str:
    r = f.resolution
    if not r.resolved:
        return ""
    typical = f" The median time to resolution was {_days(r.days)}." if r.days.median is not None else ""
    if r.maximum is None:
        return f"{_cap(counted(r.resolved, 'escalation'))} {'was' if r.resolved == 1 else 'were'} resolved.{typical}"
    return (
        f"{_cap(words(r.within or 0))} of {counted(r.resolved, 'resolved escalation')} {'was' if r.within == 1 else 'were'} "
        f"resolved within the policy's maximum ({r.maximum}).{typical}"
    )


def _immediate(f: Figures) -> str:
    i = f.immediate
    if not i.notices:
        return "No notice reported an immediate risk."
    first = (
        f" The first response came after a median of {number(i.hours.median)} clock hours (longest {number(i.hours.largest or 0)})."
        if i.hours.median is not None
        else ""
    )
    return f"{_cap(counted(i.notices, 'notice'))} reported an immediate risk; {words(i.answered)} had a response.{first}"


def _open(f: Figures) -> str:
    return f"{_cap(counted(len(f.open_now), 'escalation'))} {'is' if len(f.open_now) == 1 else 'are'} open now, {words(f.overdue_now)} of them overdue."


def _holds(f: Figures) -> str:
    h = f.holds
    parts = []
    if h.information:
        parts.append(f"{counted(h.information, 'notice')} waited for information (median {_days(h.information_days)})")
    if h.review:
        parts.append(
            f"{counted(h.review, 'message')} waited for a person's review (median {number(h.review_hours.median or 0)} hours)"
        )
    return _cap(_join(parts)) + "." if parts else ""


def _days(s: Spread) -> str:
    value = s.median or 0
    return f"{number(value)} working day{'' if value == 1 else 's'}"


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]
