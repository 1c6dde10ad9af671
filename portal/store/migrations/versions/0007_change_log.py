"""The change log the per-process area index catches up from.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "change_log",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("layer_id", sa.String(length=30), nullable=True),
        sa.Column("feature_id", sa.Integer(), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("change_log")
