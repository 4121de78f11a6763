"""Core tables: credentials, people, activities, statements with their filter indexes, attachments, outbox.

People's identifying data (mbox, names, account names) lives only in `persons` and `agent_forms`;
statement bodies hold references (`{"@a": form_id}`), so erasing a person rewrites two tables,
never the statements.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from lrs.storage.base import Base, BigId, UtcDateTime


class LrsMeta(Base):
    """Install-wide values the LRS generates once (e.g. the credential hashing key)."""

    __tablename__ = "lrs_meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Credential(Base):
    __tablename__ = "credentials"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    scopes: Mapped[str] = mapped_column(String(500))  # space-separated xAPI scopes
    # space-separated organisation ids a reports/read credential is limited to (NULL: no limit)
    organisations: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class Person(Base):
    """One row per inverse functional identifier (the canonical IFI string)."""

    __tablename__ = "persons"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    ifi: Mapped[str] = mapped_column(String(700), unique=True)


class AgentForm(Base):
    """A distinct JSON rendering of an Agent / identified Group (objectType, name, IFI) as sent."""

    __tablename__ = "agent_forms"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    form_hash: Mapped[str] = mapped_column(String(64), unique=True)
    body: Mapped[str] = mapped_column(Text)


class Activity(Base):
    __tablename__ = "activities"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    iri: Mapped[str] = mapped_column(String(2000), unique=True)
    definition: Mapped[str | None] = mapped_column(Text, nullable=True)  # canonical merged JSON


class Statement(Base):
    __tablename__ = "statements"
    pk: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    statement_id: Mapped[str] = mapped_column(String(36), unique=True)
    stored_us: Mapped[int] = mapped_column(BigInteger)  # microseconds since the epoch, UTC
    verb_iri: Mapped[str] = mapped_column(String(2000))
    registration: Mapped[str | None] = mapped_column(String(36), nullable=True)
    voided: Mapped[bool] = mapped_column(Boolean, default=False)
    voids_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    credential_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    body: Mapped[str] = mapped_column(Text)  # JSON with agent references

    __table_args__ = (
        Index("ix_statements_stored", "stored_us", "pk"),
        Index("ix_statements_verb_stored", "verb_iri", "stored_us", "pk"),
        Index("ix_statements_registration_stored", "registration", "stored_us", "pk"),
    )


class StatementAgent(Base):
    """Which people a statement concerns. `direct`: actor or object (the `agent` filter);
    otherwise only `related_agents` matches (authority, instructor, team, context agents, SubStatement)."""

    __tablename__ = "statement_agents"
    # No foreign keys on the two index tables: see migration 0006_index_rows_no_fk.
    statement_pk: Mapped[int] = mapped_column(BigId, primary_key=True)
    person_id: Mapped[int] = mapped_column(BigId, primary_key=True)
    direct: Mapped[bool] = mapped_column(Boolean)
    stored_us: Mapped[int] = mapped_column(BigInteger)

    # One index per filter form, each in page order: `agent` (direct only) and `related_agents`.
    __table_args__ = (
        Index("ix_statement_agents_person", "person_id", "direct", "stored_us", "statement_pk"),
        Index("ix_statement_agents_person_any", "person_id", "stored_us", "statement_pk"),
    )


class StatementActivity(Base):
    """Which activities a statement concerns. `direct`: the statement's object; otherwise context
    activities and SubStatement activities (`related_activities`)."""

    __tablename__ = "statement_activities"
    statement_pk: Mapped[int] = mapped_column(BigId, primary_key=True)
    activity_id: Mapped[int] = mapped_column(BigId, primary_key=True)
    direct: Mapped[bool] = mapped_column(Boolean)
    stored_us: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (
        Index("ix_statement_activities_activity", "activity_id", "direct", "stored_us", "statement_pk"),
        Index("ix_statement_activities_activity_any", "activity_id", "stored_us", "statement_pk"),
    )


class StatementRef(Base):
    """An edge from a statement whose object is a StatementRef (voiding or not) to its target: query
    filters also return the referrers of matching statements. A table of its own stays as small as the
    (rare) referrers, so the lookup is cheap whatever the planner knows."""

    __tablename__ = "statement_refs"
    referrer_pk: Mapped[int] = mapped_column(ForeignKey("statements.pk"), primary_key=True)
    referrer_id: Mapped[str] = mapped_column(String(36))
    target_id: Mapped[str] = mapped_column(String(36), index=True)


class Attachment(Base):
    """Attachment content, stored once per SHA-2 hash."""

    __tablename__ = "attachments"
    sha2: Mapped[str] = mapped_column(String(128), primary_key=True)
    content_type: Mapped[str] = mapped_column(String(255))
    length: Mapped[int] = mapped_column(BigInteger)
    data: Mapped[bytes] = mapped_column(LargeBinary)


OUTBOX_OPEN = text("processed_at IS NULL AND dead_at IS NULL")
OUTBOX_PROCESSED = text("processed_at IS NOT NULL")
OUTBOX_DEAD = text("dead_at IS NOT NULL AND processed_at IS NULL")


class OutboxEvent(Base):
    """Events written in the same transaction as the data they describe; workers consume them."""

    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    topic: Mapped[str] = mapped_column(String(100))
    payload: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    available_at: Mapped[datetime] = mapped_column(UtcDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    processed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    dead_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)  # dead-lettered

    # Partial indexes, so each query reads only its own rows whatever else the table holds (and the
    # plan holds without statistics): open rows by due time (the claim), processed rows by when
    # (the purge, the drain rate), dead letters.
    __table_args__ = (
        Index("ix_outbox_open", "available_at", "id", sqlite_where=OUTBOX_OPEN, postgresql_where=OUTBOX_OPEN),
        Index(
            "ix_outbox_processed",
            "processed_at",
            sqlite_where=OUTBOX_PROCESSED,
            postgresql_where=OUTBOX_PROCESSED,
        ),
        Index("ix_outbox_dead", "id", sqlite_where=OUTBOX_DEAD, postgresql_where=OUTBOX_DEAD),
    )
