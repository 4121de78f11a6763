"""Staff accounts for the dashboards: programme admins, facilitators and council HR viewers.

`password_hash` is an argon2id hash for local accounts and empty for accounts that only sign in
through Entra ID. `organisations` holds the space-separated council ids an HR viewer may see.
`session_generation` lets sign-out end the account's sessions although they are stateless cookies.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lrs.storage.base import Base, UtcDateTime


class StaffUserRow(Base):
    __tablename__ = "staff_users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    email_key: Mapped[str] = mapped_column(String(320), unique=True)  # lower-cased e-mail
    email: Mapped[str] = mapped_column(String(320))
    role: Mapped[str] = mapped_column(String(20))  # admin | facilitator | hr
    organisations: Mapped[str] = mapped_column(Text, default="")
    password_hash: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    disabled_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # Carried in each session cookie; signing out adds one, which ends every session of the account.
    session_generation: Mapped[int] = mapped_column(Integer, default=0)
