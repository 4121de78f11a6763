"""`lrs person erase EMAIL [--dry-run] [--json]` and `lrs person export EMAIL --out FILE`:
answering erasure and subject-access requests (docs/data-protection.md)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from lrs.clock import utc_now
from lrs.dashboard.outbox import outbox_folder
from lrs.errors import NotFound
from lrs.privacy.erase import ErasureReceipt, erase_person
from lrs.privacy.export import subject_access, write_export
from lrs.privacy.local_outbox import local_outbox_folder
from lrs.privacy.retention import erase_expired
from lrs.settings import Settings
from lrs.storage.audit import CLI_ACTOR, record_audit_alone
from lrs.storage.engine import Database, database_in_use, open_database
from lrs.storage.public_url import with_served_url
from lrs.storage.schema import migrate

COMMAND = "person"
_ALL = 1_000_000


def add_person_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    person = commands.add_parser("person", help="erasure and subject-access requests (UK GDPR)")
    actions = person.add_subparsers(dest="action", required=True)
    erase = actions.add_parser("erase", help="remove a person's identity everywhere; prints a receipt")
    erase.add_argument("email", help="the person's work email")
    erase.add_argument("--dry-run", action="store_true", help="say what would be removed, change nothing")
    erase.add_argument("--json", action="store_true", help="print the receipt as JSON")
    retention = actions.add_parser(
        "retention", help="erase learners whose cohorts ended longer ago than the retention period"
    )
    retention.add_argument("--days", type=int, help="the period (default: personal_data_retention_days)")
    retention.add_argument("--dry-run", action="store_true", help="list who would be erased, change nothing")
    export = actions.add_parser("export", help="everything held about a person (JSON and an HTML summary)")
    export.add_argument("email", help="the person's work email")
    export.add_argument(
        "--out", type=Path, required=True, help="JSON file to write (the summary goes beside it)"
    )


async def run_person_command(settings: Settings, args: argparse.Namespace) -> int:
    database = open_database(settings.database_url)
    try:
        await migrate(database)
        settings = await with_served_url(database, settings)
        if args.action == "export":
            data = await subject_access(database, email=args.email, now=utc_now())
            written, summary = write_export(data, args.out)
            await record_audit_alone(
                database,
                at=utc_now(),
                actor=CLI_ACTOR,
                action="person.export",
                target=_reference((data["learner"] or {}).get("id")),
            )
            print(f"wrote {written} and {summary} ({len(data['statements'])} statements)")
            return 0
        print(database_in_use(database), file=sys.stderr)
        if args.action == "retention":
            return await _retention(database, settings, args)
        receipt = await erase_person(
            database,
            email=args.email,
            base_url=settings.base_url,
            now=utc_now(),
            dry_run=args.dry_run,
            local_outbox=outbox_folder(settings.connectors),
        )
        if not receipt.dry_run:
            await record_audit_alone(
                database,
                at=utc_now(),
                actor=CLI_ACTOR,
                action="person.erase",
                target=_reference(receipt.learner_id),
            )
        print(json.dumps(receipt.as_json(), indent=2) if args.json else _receipt_text(receipt))
        return 0
    except NotFound as err:
        print(f"lrs: {err}", file=sys.stderr)
        return 1
    except (ValueError, OSError) as err:
        print(f"lrs: {err}", file=sys.stderr)
        return 2
    finally:
        await database.dispose()


async def _retention(database: Database, settings: Settings, args: argparse.Namespace) -> int:
    days = args.days if args.days is not None else settings.personal_data_retention_days
    if days <= 0:
        print("lrs: no retention period: set personal_data_retention_days or give --days", file=sys.stderr)
        return 2
    async with database.write_session() as session:
        transaction = await session.begin()
        run = await erase_expired(
            session,
            now=utc_now(),
            days=days,
            base_url=settings.base_url,
            local_outbox=local_outbox_folder(settings.connectors),
            limit=_ALL,
            dry_run=args.dry_run,
        )
        await (transaction.rollback() if args.dry_run else transaction.commit())
    verb = "would erase" if args.dry_run else "erased"
    print(f"{verb} {len(run.receipts)} learner(s) whose cohorts ended more than {days} days ago")
    for receipt in run.receipts:
        print(f"  learner {receipt.learner_id} -> {receipt.pseudonym}")
    cleaned = run.local_outbox
    print(f"  local outbox messages: {cleaned.deleted} to them, {cleaned.redacted} naming them redacted")
    return 0


def _reference(learner_id: int | None) -> str:
    """How the audit log names the person: by learner id, never by email."""
    return f"learner:{learner_id}" if learner_id is not None else "a person with no learner record"


def _receipt_text(receipt: ErasureReceipt) -> str:
    heading = "would erase (dry run, nothing changed):" if receipt.dry_run else "erased:"
    lines = [heading, f"  learner id: {receipt.learner_id}", f"  pseudonym:  {receipt.pseudonym}"]
    lines += [f"  {table}: {count}" for table, count in receipt.removed.items()]
    lines += [f"  kept {item}" for item in receipt.kept]
    lines.append(f"  at {receipt.erased_at.isoformat()}")
    return "\n".join(lines)
