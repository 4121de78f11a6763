"""Document tables: State, Activity Profile and Agent Profile documents (xAPI Communication 2.2-2.7).

One table holds the three kinds. A document is found by `key_hash`, a SHA-256 of its full key (kind,
activity IRI, agent IFI, registration, stateId/profileId), and listed by `scope_hash`, the same
without the document id: both stay short enough for a unique B-tree index whatever the lengths of
the IRIs and ids. The readable columns are kept for operators and erasure (`person_id`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from lrs.storage.base import Base, BigId, UtcDateTime


class Document(Base):
    __tablename__ = "documents"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scope_hash: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(20))  # state | activity_profile | agent_profile
    activity_iri: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"), nullable=True, index=True)
    registration: Mapped[str | None] = mapped_column(String(36), nullable=True)
    document_id: Mapped[str] = mapped_column(String(2000))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    content_type: Mapped[str] = mapped_column(String(255))
    etag: Mapped[str] = mapped_column(String(40))  # SHA-1 hex of `content` (Communication 3.1)
    updated: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (Index("ix_documents_scope_updated", "scope_hash", "updated"),)
