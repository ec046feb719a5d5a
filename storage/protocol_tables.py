"""Protocol tables: one protocol per meeting, its versions, the signatures and the send-backs.

Why versions are rows and never updated: a signature covers the SHA-256 of one exact text. An
edit after a signature must not change what was signed, so every edit appends a version (its
text, the content it was built from and the hash) and the protocol points at the current one by
hash. Signatures keep the hash they covered; an edit voids them (``voided_at``) rather than
deleting them, so the record of who signed what survives.

Why the hashes are also in the audit log: these rows can be edited by anyone with database
access; the hash-chained audit log cannot be edited without breaking the chain, and
``ssu-bot verify-protocol`` compares the two.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.case_tables import CaseTime
from storage.models import utcnow

PROTOCOL_STATES = ("draft", "published", "signed")
SIGNER_SLOTS = ("leader", "deputy_leader")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _time(*, nullable: bool = False) -> Any:
    return Column(CaseTime(), nullable=nullable)


class Protocol(SQLModel, table=True):
    """A meeting's protocol. ``current_sha`` is the hash of the current version's text;
    ``deadline`` the meeting's protocol deadline when drafted; ``late`` set when it was first
    published after it. ``document_*`` is the published (unsigned) document of the current
    version, ``signed_document_*`` the archived signed PDF once both have signed."""

    __tablename__ = "protocol"
    __table_args__ = (CheckConstraint(_one_of("state", PROTOCOL_STATES), name="ck_protocol_state"),)

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", unique=True)
    state: str = Field(default="draft", max_length=16)
    version_number: int = Field(default=1)
    current_sha: str = Field(max_length=64)
    deadline: datetime = Field(sa_column=_time())
    late: bool = Field(default=False)
    created_by_person_id: int | None = Field(default=None, foreign_key="person.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=_time())
    published_at: datetime | None = Field(default=None, sa_column=_time(nullable=True))
    published_by_person_id: int | None = Field(default=None, foreign_key="person.id")
    document_path: str | None = Field(default=None, max_length=500)
    document_url: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    signed_at: datetime | None = Field(default=None, sa_column=_time(nullable=True))
    signed_document_path: str | None = Field(default=None, max_length=500)
    signed_document_url: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    signed_document_sha: str | None = Field(default=None, max_length=64)
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_time())


class ProtocolVersion(SQLModel, table=True):
    """One version: the exact text, its SHA-256 and the content it was rendered from."""

    __tablename__ = "protocol_version"
    __table_args__ = (
        UniqueConstraint("protocol_id", "number", name="uq_protocol_version_number"),
        Index("ix_protocol_version_sha", "protocol_id", "sha256"),
    )

    id: int | None = Field(default=None, primary_key=True)
    protocol_id: int = Field(foreign_key="protocol.id", index=True)
    number: int
    text: str = Field(sa_column=Column(Text, nullable=False))
    content: str = Field(sa_column=Column(Text, nullable=False))
    sha256: str = Field(max_length=64)
    created_by_person_id: int | None = Field(default=None, foreign_key="person.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=_time())


class ProtocolSignature(SQLModel, table=True):
    """A signature: who (roster person and the AAD object id Teams authenticated), which slot,
    when, and the hash of the exact version signed. One per slot per version."""

    __tablename__ = "protocol_signature"
    __table_args__ = (
        UniqueConstraint("protocol_id", "version_sha", "slot", name="uq_protocol_signature_slot"),
        CheckConstraint(_one_of("slot", SIGNER_SLOTS), name="ck_protocol_signature_slot"),
    )

    id: int | None = Field(default=None, primary_key=True)
    protocol_id: int = Field(foreign_key="protocol.id", index=True)
    version_sha: str = Field(max_length=64)
    slot: str = Field(max_length=16)
    person_id: int = Field(foreign_key="person.id")
    aad_object_id: str = Field(max_length=64)
    signed_at: datetime = Field(sa_column=_time())
    voided_at: datetime | None = Field(default=None, sa_column=_time(nullable=True))


class ProtocolComment(SQLModel, table=True):
    """A signer sent the protocol back to the secretariat with a comment (on one version)."""

    __tablename__ = "protocol_comment"

    id: int | None = Field(default=None, primary_key=True)
    protocol_id: int = Field(foreign_key="protocol.id", index=True)
    version_sha: str = Field(max_length=64)
    person_id: int = Field(foreign_key="person.id")
    text: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_time())
