"""The report as HTML (a file, or the console page's body) and as PDF (WeasyPrint: A4, page numbers, marking).

The same template gives all three, so the PDF a board reads and the page a
business manager opens never differ. Everything is marked OFFICIAL-SENSITIVE.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from importlib import resources
from typing import Any

import jinja2
from markupsafe import Markup

from escalations.reports.charts import charts
from escalations.reports.figures import Figures
from escalations.reports.summary import summary
from escalations.routing.policy import Policy


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(resources.files("escalations.templates"))),
        undefined=jinja2.StrictUndefined,
        autoescape=True,
    )


def context(policy: Policy, f: Figures) -> dict[str, Any]:
    return {
        "f": f,
        "summary": summary(f),
        "charts": {c.name: c for c in charts(f)},
        "row_totals": {r: sum(n for (a, _), n in f.matrix.items() if a == r) for r in f.raising_agencies},
        "now_text": _when(policy, f.now),
        "percent": lambda share: "–" if share is None else f"{share:.0%}",
        "value": lambda v: "–" if v is None else (f"{int(v)}" if float(v).is_integer() else f"{v:.1f}"),
    }


def html(policy: Policy, f: Figures) -> str:
    """The report as one standalone HTML document (its style inside: it is a file people keep)."""
    return environment().get_template("reports/report.html.j2").render(context(policy, f))


def body(policy: Policy, f: Figures) -> Markup:
    """The report's content for the console page, which wraps it in its own layout."""
    return Markup(environment().get_template("reports/_body.html.j2").render(context(policy, f)))


def stylesheet() -> str:
    return environment().get_template("reports/_style.css.j2").render()


def pdf(policy: Policy, f: Figures) -> bytes:
    """The report as an A4 PDF: WeasyPrint lays out the same HTML with its @page rules."""
    from weasyprint import HTML  # imported when a PDF is asked for: it loads pango

    return HTML(string=html(policy, f)).write_pdf()


def _when(policy: Policy, moment: datetime) -> str:
    return policy.calendar.local(moment).strftime("%-d %B %Y, %H:%M")
