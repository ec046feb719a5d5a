"""outbox: proactive messages with idempotency keys, leases and delivery states

Revision ID: 0004
Revises: 0001
Create Date: 2026-11-23 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0004"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # storage.outbox_tables.UTCDateTime stores UTC; its DDL is a plain timezone-aware DateTime.
    op.create_table(
        "outboxmessage",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("subject", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("deadline_key", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("recipient_person_id", sa.Integer(), nullable=True),
        sa.Column("conversation_id", sqlmodel.sql.sqltypes.AutoString(length=400), nullable=True),
        sa.Column("mandatory", sa.Boolean(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("not_before", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("activity_id", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(recipient_person_id IS NULL) <> (conversation_id IS NULL)",
            name="ck_outboxmessage_one_target",
        ),
        sa.ForeignKeyConstraint(["recipient_person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("idempotency_key", name="uq_outboxmessage_idempotency_key"),
    )
    with op.batch_alter_table("outboxmessage", schema=None) as batch_op:
        batch_op.create_index("ix_outboxmessage_due", ["state", "next_attempt_at"], unique=False)
        batch_op.create_index("ix_outboxmessage_lease", ["state", "claimed_until"], unique=False)
        batch_op.create_index("ix_outboxmessage_expiry", ["state", "expires_at"], unique=False)
        batch_op.create_index("ix_outboxmessage_kind_subject", ["kind", "subject"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_outboxmessage_recipient_person_id"),
            ["recipient_person_id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("outboxmessage", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outboxmessage_recipient_person_id"))
        batch_op.drop_index("ix_outboxmessage_kind_subject")
        batch_op.drop_index("ix_outboxmessage_expiry")
        batch_op.drop_index("ix_outboxmessage_lease")
        batch_op.drop_index("ix_outboxmessage_due")
    op.drop_table("outboxmessage")
