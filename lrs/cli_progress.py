"""Terminal output for progress: `lrs progress show` and the counter long commands draw on a terminal."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime
from typing import Any, TextIO

from lrs.errors import NotFound
from lrs.progress.off_the_job import learner_off_the_job
from lrs.progress.summary import cohort_summary, learner_items
from lrs.storage.engine import Database

_REDRAW_SECONDS = 0.2


def progress_printer(label: str, stream: TextIO | None = None) -> Callable[[int, int], None]:
    """A `(done, total)` callback that redraws one line on a terminal and prints nothing when piped."""
    out = stream or sys.stderr
    if not out.isatty():
        return lambda _done, _total: None
    last = 0.0

    def show(done: int, total: int) -> None:
        nonlocal last
        now = time.monotonic()
        if done < total and now - last < _REDRAW_SECONDS:
            return
        last = now
        percent = 100 * done // total if total else 100
        out.write(f"\r{label} {done:,}/{total:,} ({percent}%)")
        if done >= total:
            out.write("\n")
        out.flush()

    return show


async def show_progress(database: Database, args: argparse.Namespace) -> int:
    try:
        async with database.read_session() as session:
            if args.learner:
                rows: list[Any] = await learner_items(session, args.cohort, args.learner)
            else:
                rows = await cohort_summary(session, args.cohort)
    except NotFound as err:
        print(f"lrs: {err}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps([asdict(row) for row in rows], default=_iso))
        return 0
    if args.learner:
        print(f"{'item':34} {'status':12} {'completed':17} {'satisfied':17} score")
        for item in rows:
            name = f"{item.kind}:{item.item_id}"
            score = "" if item.score_scaled is None else f"{item.score_scaled:g}"
            completed, satisfied = _short(item.completed_at), _short(item.satisfied_at)
            print(f"{name:34} {item.status:12} {completed:17} {satisfied:17} {score}")
        await _print_off_the_job(database, args.cohort, args.learner)
        return 0
    print(f"{'learner':40} {'organisation':24} {'programme':12} {'items met':9}  last activity")
    for learner in rows:
        met = f"{learner.satisfied}/{learner.items}"
        print(
            f"{learner.email:40} {learner.organisation_id:24} {learner.status:12} {met:9}  "
            f"{_short(learner.last_activity_at)}"
        )
    return 0


async def _print_off_the_job(database: Database, cohort_id: str, email: str) -> None:
    """The learner's off-the-job hours and their evidence, for a programme with `[off_the_job]`."""
    async with database.read_session() as session:
        found = await learner_off_the_job(session, cohort_id, email)
    if found is None:
        return
    print(f"\noff-the-job hours: {found.total:g} (minimum {found.minimum:g})")
    for item in found.evidence:
        print(f"  {item.kind}:{item.item_id:30} {item.hours:>6g} h  {item.basis} {_short(item.at)}")


def _iso(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"not JSON: {type(value).__name__}")


def _short(moment: datetime | None) -> str:
    return "" if moment is None else moment.strftime("%Y-%m-%d %H:%M")
