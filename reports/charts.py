"""Charts drawn on the server as SVG by matplotlib, each with its title, a text alternative and its data table.

matplotlib's object API (``Figure``, never ``pyplot``: no global state, safe in
the console's threads) with its SVG backend. Greyscale print: black, grey and
white only, and the second series of a chart is hatched, so nothing depends on
colour. The SVG is made self-contained for the console's Content-Security-Policy
(``style-src 'self'``: no inline CSS), by turning each ``style`` into the SVG
presentation attributes it stands for.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from lxml import etree

from escalations.reports.figures import Figures

INK, GREY, LIGHT = "#000000", "#7f7f7f", "#ffffff"
_SVG = "{http://www.w3.org/2000/svg}"


@dataclass(frozen=True)
class Chart:
    name: str
    title: str
    alt: str  # the text alternative: what the chart shows, in one sentence with its numbers
    svg: str
    headers: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]


@lru_cache(maxsize=1)
def _figure_class() -> Any:
    import matplotlib

    matplotlib.rcParams.update(
        {
            "svg.fonttype": "none",  # text stays text: smaller, selectable, read by screen readers
            "svg.hashsalt": "escalations",  # the same figures draw the same SVG
            "font.size": 9,
            "hatch.color": INK,
            "axes.prop_cycle": matplotlib.cycler(color=[INK, GREY]),
        }
    )
    from matplotlib.figure import Figure

    return Figure


def charts(f: Figures) -> list[Chart]:
    return [by_agency(f), stage_reached(f), timeliness(f), trend(f)]


def by_agency(f: Figures) -> Chart:
    names = sorted(set(f.raising_agencies) | set(f.challenged_agencies))
    raised = [sum(n for (r, _), n in f.matrix.items() if r == a) for a in names]
    received = [sum(n for (_, c), n in f.matrix.items() if c == a) for a in names]
    fig, ax = _axes(height=1.2 + 0.35 * max(len(names), 1), left=min(0.55, 0.04 + 0.0105 * max(map(len, names), default=0)))
    ys = range(len(names))
    ax.barh([y - 0.2 for y in ys], raised, height=0.4, color=INK, label="raised")
    ax.barh([y + 0.2 for y in ys], received, height=0.4, color=LIGHT, edgecolor=INK, hatch="///", label="challenged")
    ax.set_yticks(list(ys), names)
    ax.invert_yaxis()
    ax.set_xlabel("escalations")
    _counts(ax.xaxis, ax.set_xlim)
    ax.legend(loc="best", frameon=True, framealpha=1, edgecolor=GREY)  # opaque: never lost against a black bar
    rows = tuple(zip(names, raised, received))
    alt = "; ".join(f"{a}: raised {r}, challenged {c}" for a, r, c in rows) or "no escalations"
    return Chart(
        "agencies",
        "Escalations by agency",
        f"Escalations raised and challenged by agency. {alt}.",
        _svg(fig),
        ("Agency", "Raised", "Challenged"),
        rows,
    )


def stage_reached(f: Figures) -> Chart:
    labels, counts = [s for s, _ in f.stage_reached], [n for _, n in f.stage_reached]
    fig, ax = _axes()
    ax.bar(labels, counts, color=INK)
    ax.set_ylabel("escalations")
    _counts(ax.yaxis, ax.set_ylim)
    alt = "; ".join(f"{s}: {n}" for s, n in f.stage_reached)
    return Chart(
        "stages",
        "Stage reached",
        f"Escalations by the highest stage they reached. {alt}.",
        _svg(fig),
        ("Stage", "Escalations"),
        tuple(f.stage_reached),
    )


def timeliness(f: Figures) -> Chart:
    labels = [t.label.split(":")[0] for t in f.timeliness]
    within = [t.timely for t in f.timeliness]
    late = [t.judged - t.timely for t in f.timeliness]
    fig, ax = _axes()
    ax.bar(labels, within, color=INK, label="within the timescale")
    ax.bar(labels, late, bottom=within, color=LIGHT, edgecolor=INK, hatch="...", label="late or unanswered")
    ax.set_ylabel("stage responses due")
    _counts(ax.yaxis, ax.set_ylim)
    ax.legend(loc="upper right", frameon=False)
    rows = tuple((t.label, t.timescale, t.timely, t.judged - t.timely, _percent(t.share)) for t in f.timeliness)
    alt = "; ".join(f"{label}: {w} within, {late_} late or unanswered" for label, w, late_ in zip(labels, within, late))
    return Chart(
        "timeliness",
        "Stage responses against the policy's timescale",
        f"Stage responses within the policy's timescale and late. {alt}.",
        _svg(fig),
        ("Stage", "Timescale", "Within", "Late or unanswered", "Share within"),
        rows,
    )


def trend(f: Figures) -> Chart:
    labels, counts = [m for m, _ in f.by_month], [n for _, n in f.by_month]
    fig, ax = _axes()
    ax.plot(labels, counts, color=INK, marker="o")
    ax.set_ylabel("escalations raised")
    _counts(ax.yaxis, ax.set_ylim)
    ax.tick_params(axis="x", labelrotation=45 if len(labels) > 4 else 0)
    alt = "; ".join(f"{m}: {n}" for m, n in f.by_month)
    return Chart(
        "trend",
        "Escalations raised by month",
        f"Escalations raised each month. {alt}.",
        _svg(fig),
        ("Month", "Raised"),
        tuple(f.by_month),
    )


def _counts(axis: Any, set_limits: Any) -> None:
    """A count axis: whole numbers only, from nought, and at least up to one (an empty period is not 0.05)."""
    from matplotlib.ticker import MaxNLocator

    axis.set_major_locator(MaxNLocator(integer=True))
    low, high = axis.get_view_interval()
    set_limits(0, max(1, high))


def _percent(share: float | None) -> str:
    return "–" if share is None else f"{share:.0%}"


def _axes(height: float = 2.6, left: float = 0.1, bottom: float = 0.22) -> tuple[Any, Any]:
    # Fixed margins (room for the agencies' names, the months' labels) rather than a layout engine: a third of the time.
    fig = _figure_class()(figsize=(6.2, height), dpi=96)
    fig.subplots_adjust(left=left, right=0.97, top=0.95, bottom=min(0.5, bottom * 2.6 / height))
    ax = fig.add_subplot()
    ax.spines[["top", "right"]].set_visible(False)
    ax.yaxis.get_major_locator().set_params(integer=True)
    return fig, ax


def _svg(fig: Any) -> str:
    out = io.BytesIO()
    fig.savefig(out, format="svg", metadata={"Date": None, "Creator": None})
    return self_contained(out.getvalue())


def self_contained(svg: bytes) -> str:
    """The SVG with every CSS ``style`` turned into presentation attributes, and no ``<style>`` element."""
    root = etree.fromstring(svg, etree.XMLParser(resolve_entities=False, no_network=True))
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        if element.tag == f"{_SVG}style":
            _apply_sheet(root, element.text or "")
            element.getparent().remove(element)
            continue
        style = element.attrib.pop("style", None)
        for name, value in _declarations(style or ""):
            _default(element, name, value)
    for name in ("width", "height"):
        root.attrib.pop(name, None)  # the viewBox keeps the proportions; the page sets the size
    return etree.tostring(root, encoding="unicode")


def _apply_sheet(root: Any, sheet: str) -> None:
    # matplotlib's only rule is "*{stroke-linejoin: round; stroke-linecap: butt}": inherited from the root.
    for rule in sheet.split("}"):
        selector, _, body = rule.partition("{")
        if selector.strip() == "*":
            for name, value in _declarations(body):
                _default(root, name, value)


def _default(element: Any, name: str, value: str) -> None:
    if element.get(name) is None:
        element.set(name, value)


def _declarations(style: str) -> list[tuple[str, str]]:
    found = []
    for part in style.split(";"):
        name, _, value = part.partition(":")
        name, value = name.strip(), value.strip()
        if not name or not value:
            continue
        if name == "font":  # "font: 9px 'DejaVu Sans'": size and family
            size, _, family = value.partition(" ")
            found += [("font-size", size), ("font-family", family.strip())]
        else:
            found.append((name, value))
    return found
