"""foundation: bodies, people, memberships, conversations, audit, bot state

Revision ID: 0001
Revises:
Create Date: 2026-11-23 16:24:05.267968
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "auditentry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_person_id", sa.Integer(), nullable=True),
        sa.Column("actor_aad_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("outcome", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("subject_type", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("subject_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("prev_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("hash"),
    )
    with op.batch_alter_table("auditentry", schema=None) as batch_op:
        batch_op.create_index("ix_audit_subject", ["subject_type", "subject_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_auditentry_action"), ["action"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_auditentry_actor_person_id"), ["actor_person_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_auditentry_at"), ["at"], unique=False)

    op.create_table(
        "body",
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_table(
        "botstate",
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("etag", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "person",
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False),
        sa.Column("aad_object_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("teams_user_id", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("locale", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("reminders_enabled", sa.Boolean(), nullable=False),
        sa.Column("unreachable", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_person_aad_object_id"), ["aad_object_id"], unique=True)
        batch_op.create_index(batch_op.f("ix_person_email"), ["email"], unique=True)
        batch_op.create_index(
            batch_op.f("ix_person_teams_user_id"), ["teams_user_id"], unique=False
        )

    op.create_table(
        "conversationref",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sqlmodel.sql.sqltypes.AutoString(length=400), nullable=False),
        sa.Column("conversation_type", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("team_id", sqlmodel.sql.sqltypes.AutoString(length=400), nullable=True),
        sa.Column("tenant_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("service_url", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("reference_json", sa.Text(), nullable=False),
        sa.Column("installed", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("conversationref", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_conversationref_conversation_id"), ["conversation_id"], unique=True
        )
        batch_op.create_index(
            batch_op.f("ix_conversationref_person_id"), ["person_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_conversationref_team_id"), ["team_id"], unique=False)

    op.create_table(
        "membership",
        sa.Column("body_code", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("category", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("organisation", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("region", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("deputy_for_person_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["body_code"],
            ["body.code"],
        ),
        sa.ForeignKeyConstraint(
            ["deputy_for_person_id"],
            ["person.id"],
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("person_id", "body_code", name="uq_membership_person_body"),
    )
    with op.batch_alter_table("membership", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_membership_body_code"), ["body_code"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_membership_deputy_for_person_id"), ["deputy_for_person_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_membership_person_id"), ["person_id"], unique=False)

    _create_append_only_guards()
    op.bulk_insert(
        sa.table("body", sa.column("code", sa.String), sa.column("name", sa.String)),
        [
            {"code": "SSU", "name": "Strategisk samarbeidsutvalg"},
            {"code": "PA", "name": "Partnerskapsmøtet"},
            {"code": "AU", "name": "Arbeidsutvalget"},
            {"code": "SEK", "name": "Sekretariatet"},
        ],
    )


def _create_append_only_guards() -> None:
    """The audit log refuses UPDATE and DELETE at the database itself, not only in code."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
            CREATE FUNCTION auditentry_append_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'auditentry is append-only';
            END;
            $$ LANGUAGE plpgsql
            """
        )
        op.execute(
            "CREATE TRIGGER auditentry_append_only BEFORE UPDATE OR DELETE ON auditentry "
            "FOR EACH ROW EXECUTE FUNCTION auditentry_append_only()"
        )
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER auditentry_no_{verb.lower()} BEFORE {verb} ON auditentry "
                "BEGIN SELECT RAISE(ABORT, 'auditentry is append-only'); END"
            )


def _drop_append_only_guards() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS auditentry_append_only() CASCADE")


def downgrade() -> None:

    with op.batch_alter_table("membership", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_membership_person_id"))
        batch_op.drop_index(batch_op.f("ix_membership_deputy_for_person_id"))
        batch_op.drop_index(batch_op.f("ix_membership_body_code"))

    op.drop_table("membership")
    with op.batch_alter_table("conversationref", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_conversationref_team_id"))
        batch_op.drop_index(batch_op.f("ix_conversationref_person_id"))
        batch_op.drop_index(batch_op.f("ix_conversationref_conversation_id"))

    op.drop_table("conversationref")
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_person_teams_user_id"))
        batch_op.drop_index(batch_op.f("ix_person_email"))
        batch_op.drop_index(batch_op.f("ix_person_aad_object_id"))

    op.drop_table("person")
    op.drop_table("botstate")
    op.drop_table("body")
    with op.batch_alter_table("auditentry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_auditentry_at"))
        batch_op.drop_index(batch_op.f("ix_auditentry_actor_person_id"))
        batch_op.drop_index(batch_op.f("ix_auditentry_action"))
        batch_op.drop_index("ix_audit_subject")

    op.drop_table("auditentry")
    _drop_append_only_guards()
