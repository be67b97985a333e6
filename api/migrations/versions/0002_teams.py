"""Microsoft Teams: links from Entra ID users to screener accounts, and the screening each
Teams conversation is on.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 18:41:31.083725
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "teams_user_links",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("aad_object_id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("teams_user_links", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_teams_user_links_aad_object_id"), ["aad_object_id"], unique=True
        )
        batch_op.create_index(batch_op.f("ix_teams_user_links_user_id"), ["user_id"], unique=False)

    op.create_table(
        "teams_conversations",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("conversation_id", sa.String(length=500), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=True),
        sa.Column("service_url", sa.String(length=500), nullable=False),
        sa.Column("screening_id", sa.String(length=32), nullable=True),
        sa.Column("started_by_activity", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["screening_id"],
            ["screenings.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("teams_conversations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_teams_conversations_conversation_id"), ["conversation_id"], unique=True
        )


def downgrade() -> None:
    with op.batch_alter_table("teams_conversations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_teams_conversations_conversation_id"))

    op.drop_table("teams_conversations")
    with op.batch_alter_table("teams_user_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_teams_user_links_user_id"))
        batch_op.drop_index(batch_op.f("ix_teams_user_links_aad_object_id"))

    op.drop_table("teams_user_links")
