"""The command line's paged lists: ``--limit/--offset`` and rows printed as they are read.

Text: one line a row, then "more: use --offset N" when rows follow. JSON: a
list written row by row (the contract's list of objects); the "more" line goes
to standard error so the JSON stays whole.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any

from escalations.storage.listings import DEFAULT_LIMIT, Listing


def add_paging(parser: argparse.ArgumentParser, count: Callable[[str], int]) -> None:
    parser.add_argument(
        "--limit", type=count, default=DEFAULT_LIMIT, metavar="N", help=f"at most N rows (default {DEFAULT_LIMIT})"
    )
    parser.add_argument("--offset", type=count, default=0, metavar="N", help="skip the first N rows")


def print_listing(as_json: bool, listing: Listing, line: Callable[[dict[str, Any]], str], empty: str) -> None:
    """Print the rows as they come; memory holds one batch, whatever the limit."""
    if as_json:
        _json_rows(listing)
    else:
        printed = False
        for row in listing:
            print(line(row))
            printed = True
        if not printed:
            print(empty)
    if listing.more:
        print(f"more: use --offset {listing.next_offset}", file=sys.stderr if as_json else sys.stdout)


def _json_rows(rows: Listing) -> None:
    out = sys.stdout
    out.write("[")
    for n, row in enumerate(rows):
        out.write(",\n" if n else "\n")
        out.write("  " + json.dumps(row, indent=2, ensure_ascii=False).replace("\n", "\n  "))
    out.write("\n]\n" if rows.next_offset > rows.offset else "]\n")
