"""What is already stored about a batch's statement ids, in one query per 500 ids: the stored bodies
(a re-post is compared with them) and the ids a stored voiding statement targets (a statement may
arrive after its voider)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import String, Text, null, select, type_coerce
from sqlalchemy.engine import Connection

from lrs import json_codec
from lrs.storage.driver_sql import placeholders
from lrs.storage.models import Statement, StatementRef


@dataclass
class BatchFound:
    """What is already stored about a batch's ids, from one look-up."""

    bodies: dict[str, dict[str, Any]] = field(default_factory=dict)  # dehydrated, by statement id
    # Batch ids a stored voiding statement targets: a statement may arrive after its voider.
    voided_by_stored: set[str] = field(default_factory=set)


def look_up_batch(connection: Connection, ids: Sequence[str]) -> BatchFound:
    found = BatchFound()
    for start in range(0, len(ids), 500):
        for statement_id, body, voided in _stored_or_voided(connection, ids[start : start + 500]):
            if statement_id is not None:
                found.bodies[statement_id] = json_codec.loads(body)
            else:
                found.voided_by_stored.add(voided)
    return found


def _stored_or_voided(connection: Connection, ids: Sequence[str]) -> Iterable[Any]:
    """(statement_id, body, None) for each of `ids` already stored, and (None, None, id) for each one
    a stored voiding statement targets."""
    sql = stored_or_voided_sql(connection, len(ids))
    if sql is None:
        nothing, no_body = type_coerce(null(), String), type_coerce(null(), Text)
        voiders = select(nothing, no_body, StatementRef.target_id).join(
            Statement, Statement.pk == StatementRef.referrer_pk
        )
        return connection.execute(
            select(Statement.statement_id, Statement.body, nothing)
            .where(Statement.statement_id.in_(ids))
            .union_all(voiders.where(StatementRef.target_id.in_(ids), Statement.voids_id.is_not(None)))
        )
    return connection.exec_driver_sql(sql, (*ids, *ids))


def stored_or_voided_sql(connection: Connection, count: int) -> str | None:
    """The driver SQL of `_stored_or_voided` for `count` ids (bound twice), None for an unknown driver."""
    # Both halves go through a unique key or the small statement_refs table, so neither plan depends
    # on statistics: `voids_id IN (...)` made an unanalysed PostgreSQL read the whole table per batch.
    stored = placeholders(connection, count)
    targets = placeholders(connection, count, first=count + 1)
    if stored is None or targets is None:
        return None
    return (
        f"SELECT statement_id, body, NULL FROM statements WHERE statement_id IN ({stored})"
        " UNION ALL SELECT NULL, NULL, r.target_id FROM statement_refs r"
        " JOIN statements s ON s.pk = r.referrer_pk"
        f" WHERE r.target_id IN ({targets}) AND s.voids_id IS NOT NULL"
    )
