"""Two indexes keyed so that new records are appended at their end, not spread through them.

``ix_state_layer_valid`` was (layer, valid_to, valid_from, feature, …): the first states of an
import's 100,000 records went to as many places as they had dates. Keyed (layer, valid_to,
feature, valid_from, …) they go to the end of the layer's current states, since new records
take the highest ids. It still covers `progress.states_on`: the current states of a layer are
one range either way, with ``valid_from`` checked from the index. ``ix_feature_layer_xy``
(layer, x, y) serves no range on x (the R*Tree and GiST do), only the covering read of a
layer's positions (`point_index`): keyed (layer, id, x, y) it gives them in id order too.

The same file in the same store: an import of 100,000 rows wrote the states in 0.60 s before
and 0.45 s after (``scripts/bench_import.py``).

Revision ID: 0012
Revises: 0011
"""

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

STATES_BEFORE = ["layer_id", "valid_to", "valid_from", "feature_id", "status", "progress"]
STATES_AFTER = ["layer_id", "valid_to", "feature_id", "valid_from", "status", "progress"]
POSITIONS_BEFORE = ["layer_id", "x", "y"]
POSITIONS_AFTER = ["layer_id", "id", "x", "y"]


def _rekey(states: list[str], positions: list[str]) -> None:
    op.drop_index("ix_state_layer_valid", table_name="feature_states")
    op.create_index("ix_state_layer_valid", "feature_states", states)
    op.drop_index("ix_feature_layer_xy", table_name="features")
    op.create_index("ix_feature_layer_xy", "features", positions)


def upgrade() -> None:
    _rekey(STATES_AFTER, POSITIONS_AFTER)


def downgrade() -> None:
    _rekey(STATES_BEFORE, POSITIONS_BEFORE)
