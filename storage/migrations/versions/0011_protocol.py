"""protocol: protocols, their versions, signatures and send-back comments

Revision ID: 0011
Revises: 0003, 0004, 0007, 0009
Create Date: 2026-11-24 09:00:00

A merge of every head at the time: the protocol reads meetings (0002), cases (0005), attendance
(0006, under 0009), the consensus results (0009) and sits beside the evaluation (0007), so it
comes after all of them whatever order Alembic walks in. Its tables reference only ``meeting``
and ``person``. 0005 (cases) is not named: 0009 depends on it, so Alembic no longer counts it
as a head once 0009 is applied, and a merge naming it fails.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = ("0003", "0004", "0007", "0009")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _text(length: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def upgrade() -> None:
    # storage.case_tables.CaseTime stores UTC; its DDL is a plain timezone-aware DateTime.
    op.create_table(
        "protocol",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("state", _text(16), nullable=False),
        sa.Column("version_number", sa.Integer(), nullable=False),
        sa.Column("current_sha", _text(64), nullable=False),
        sa.Column("deadline", sa.DateTime(timezone=True), nullable=False),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("created_by_person_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_by_person_id", sa.Integer(), nullable=True),
        sa.Column("document_path", _text(500), nullable=True),
        sa.Column("document_url", sa.Text(), nullable=True),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("signed_document_path", _text(500), nullable=True),
        sa.Column("signed_document_url", sa.Text(), nullable=True),
        sa.Column("signed_document_sha", _text(64), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["meeting_id"], ["meeting.id"]),
        sa.ForeignKeyConstraint(["created_by_person_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["published_by_person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("meeting_id"),
        sa.CheckConstraint("state IN ('draft', 'published', 'signed')", name="ck_protocol_state"),
    )
    op.create_table(
        "protocol_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("protocol_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("sha256", _text(64), nullable=False),
        sa.Column("created_by_person_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["protocol_id"], ["protocol.id"]),
        sa.ForeignKeyConstraint(["created_by_person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("protocol_id", "number", name="uq_protocol_version_number"),
    )
    op.create_index(
        op.f("ix_protocol_version_protocol_id"), "protocol_version", ["protocol_id"], unique=False
    )
    op.create_index(
        "ix_protocol_version_sha", "protocol_version", ["protocol_id", "sha256"], unique=False
    )
    op.create_table(
        "protocol_signature",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("protocol_id", sa.Integer(), nullable=False),
        sa.Column("version_sha", _text(64), nullable=False),
        sa.Column("slot", _text(16), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("aad_object_id", _text(64), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("voided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["protocol_id"], ["protocol.id"]),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "protocol_id", "version_sha", "slot", name="uq_protocol_signature_slot"
        ),
        sa.CheckConstraint(
            "slot IN ('leader', 'deputy_leader')", name="ck_protocol_signature_slot"
        ),
    )
    op.create_index(
        op.f("ix_protocol_signature_protocol_id"),
        "protocol_signature",
        ["protocol_id"],
        unique=False,
    )
    op.create_table(
        "protocol_comment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("protocol_id", sa.Integer(), nullable=False),
        sa.Column("version_sha", _text(64), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["protocol_id"], ["protocol.id"]),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_protocol_comment_protocol_id"), "protocol_comment", ["protocol_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_protocol_comment_protocol_id"), table_name="protocol_comment")
    op.drop_table("protocol_comment")
    op.drop_index(op.f("ix_protocol_signature_protocol_id"), table_name="protocol_signature")
    op.drop_table("protocol_signature")
    op.drop_index("ix_protocol_version_sha", table_name="protocol_version")
    op.drop_index(op.f("ix_protocol_version_protocol_id"), table_name="protocol_version")
    op.drop_table("protocol_version")
    op.drop_table("protocol")
