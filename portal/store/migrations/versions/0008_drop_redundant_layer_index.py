"""Drop ``ix_features_layer_id``: two indexes already start with ``layer_id``.

The unique key ``(layer_id, record_id)`` and ``ix_feature_layer_xy`` ``(layer_id, x, y)``
answer every lookup by layer; the single-column index only cost every insert, update and
delete of a record its upkeep (an import of 100,000 records wrote it 100,000 times).

Revision ID: 0008
Revises: 0007
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_features_layer_id", table_name="features")


def downgrade() -> None:
    op.create_index("ix_features_layer_id", "features", ["layer_id"], unique=False)
