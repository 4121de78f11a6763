"""The cohort roster as CSV: the same rows as the page, safe to open in a spreadsheet.

A cell that a spreadsheet would read as a formula (starting with = + - @, a tab or a carriage return)
is prefixed with an apostrophe, so a learner's name can never run as a formula on a staff laptop.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from lrs.dashboard.roster import Roster, RosterLine

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def roster_csv(roster: Roster, lines: Iterable[RosterLine]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    header = [
        "name",
        "work_email",
        "organisation",
        "items_done",
        "items_total",
        "last_activity_at",
        "at_risk",
    ]
    writer.writerow(header + [f"{item.kind}:{item.item_id}" for item in roster.items])
    for line in lines:
        last = line.last_activity_at.isoformat() if line.last_activity_at else ""
        cells = [line.name, line.email, line.organisation, str(line.done), str(len(roster.items)), last]
        cells.append("; ".join(line.risks))
        writer.writerow([safe_cell(cell) for cell in cells + list(line.statuses)])
    return out.getvalue()
