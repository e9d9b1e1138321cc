"""Board reports: the monitoring figures the policies ask business managers for, the escalation log, charts and PDF.

Salford 4.2 (copies to the Business Manager for the SSCB Executive Committee's
report), Barnet 4 (the Board Manager's Action Log and learning), B&NES Appendix A.
Computed from storage (``facts``), as pure figures (``figures``), drawn as SVG
charts (``charts``), written as HTML and PDF (``render``) or CSV (``escalation_log``).
"""
