"""Covering indexes for states valid on a date and for record areas.

Revision ID: 0002
Revises: 0001
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("feature_states") as batch:
        batch.drop_index("ix_state_layer_period")
        batch.create_index(
            "ix_state_layer_valid",
            ["layer_id", "valid_to", "valid_from", "feature_id", "status", "progress"],
        )
    with op.batch_alter_table("features") as batch:
        batch.create_index(
            "ix_feature_areas", ["id", "commune_code", "district_code", "x", "y"]
        )


def downgrade() -> None:
    with op.batch_alter_table("features") as batch:
        batch.drop_index("ix_feature_areas")
    with op.batch_alter_table("feature_states") as batch:
        batch.drop_index("ix_state_layer_valid")
        batch.create_index("ix_state_layer_period", ["layer_id", "valid_from", "valid_to"])
