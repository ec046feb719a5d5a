"""Tables. Each entity has a base (shared fields), and a table class; times are UTC-aware."""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum

from sqlalchemy import Column, DateTime, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


def _utc_column(*, nullable: bool = False, index: bool = False) -> Column[datetime]:
    return Column(DateTime(timezone=True), nullable=nullable, index=index)


class BodyCode(StrEnum):
    SSU = "SSU"
    PA = "PA"
    AU = "AU"
    SEK = "SEK"


class Role(StrEnum):
    LEADER = "leader"
    DEPUTY_LEADER = "deputy_leader"
    MEMBER = "member"
    PERSONAL_DEPUTY = "personal_deputy"
    OBSERVER = "observer"
    SECRETARIAT = "secretariat"


class Category(StrEnum):
    ADMINISTRATIVE = "administrative"
    USER_REP = "user_rep"
    UNION_REP = "union_rep"
    GP_REP = "gp_rep"
    OBSERVER = "observer"
    SECRETARIAT = "secretariat"


class Body(SQLModel, table=True):
    """A committee: SSU, the partnership meeting (PA), the working committee (AU), secretariat."""

    code: str = Field(primary_key=True, max_length=8)
    name: str = Field(max_length=200)


class PersonBase(SQLModel):
    name: str = Field(max_length=200)
    email: str = Field(max_length=320, unique=True, index=True)
    aad_object_id: str | None = Field(default=None, max_length=64, unique=True, index=True)


class Person(PersonBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    teams_user_id: str | None = Field(default=None, max_length=200, index=True)
    locale: str | None = Field(default=None, max_length=16)
    reminders_enabled: bool = Field(default=True)
    unreachable: bool = Field(default=False)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column())


class MembershipBase(SQLModel):
    body_code: str = Field(foreign_key="body.code", max_length=8, index=True)
    role: str = Field(max_length=32)
    category: str = Field(max_length=32)
    organisation: str = Field(default="", max_length=200)
    region: str | None = Field(default=None, max_length=100)
    valid_from: date | None = None
    valid_to: date | None = None


class Membership(MembershipBase, table=True):
    """A person's seat in a body; one row per person per body (CONTRACT roster)."""

    __table_args__ = (UniqueConstraint("person_id", "body_code", name="uq_membership_person_body"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    deputy_for_person_id: int | None = Field(default=None, foreign_key="person.id", index=True)


class ConversationRef(SQLModel, table=True):
    """Where the bot can reach someone proactively: the serialized ConversationReference."""

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: str = Field(max_length=400, unique=True, index=True)
    conversation_type: str = Field(default="personal", max_length=32)
    person_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    team_id: str | None = Field(default=None, max_length=400, index=True)
    tenant_id: str | None = Field(default=None, max_length=64)
    service_url: str = Field(max_length=500)
    reference_json: str = Field(sa_column=Column(Text, nullable=False))
    installed: bool = Field(default=True)
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column())


class AuditOutcome(StrEnum):
    OK = "ok"
    REFUSED = "refused"


class AuditEntry(SQLModel, table=True):
    """Append-only and hash-chained: each entry's hash covers its content and the previous hash."""

    __table_args__ = (Index("ix_audit_subject", "subject_type", "subject_id"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_column=_utc_column(index=True))
    actor_person_id: int | None = Field(default=None, index=True)
    actor_aad_id: str | None = Field(default=None, max_length=64)
    action: str = Field(max_length=64, index=True)
    outcome: str = Field(max_length=16)
    subject_type: str = Field(default="", max_length=32)
    subject_id: str = Field(default="", max_length=64)
    detail: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64, unique=True)


class BotState(SQLModel, table=True):
    """botbuilder dialog, conversation and user state, with an e-tag for optimistic concurrency."""

    key: str = Field(primary_key=True, max_length=500)
    etag: str = Field(max_length=64)
    data: str = Field(sa_column=Column(Text, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column())
