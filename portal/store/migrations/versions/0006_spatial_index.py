"""A spatial index on the records' bounding boxes (SQLite's R*Tree, PostgreSQL's GiST), and a
covering index of a record's states.

The map asks for the records whose box overlaps the view. Without a spatial index the
database reads every record of the layer (100,000 at a time) to find the thousand in view.

SQLite: the virtual table ``features_rtree`` (id, minx, maxx, miny, maxy), kept equal to
``features`` by triggers. PostgreSQL: a GiST index on the box of the four columns, used by the
``&&`` operator (``portal.store.spatial``).

``ix_state_feature_period`` also holds ``valid_to`` and ``status``: a view checks each record in
it for a state valid on the date, and the index alone now answers that.

Revision ID: 0006
Revises: 0005
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

SQLITE_UP = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS features_rtree USING rtree(id, minx, maxx, miny, maxy)",
    "INSERT INTO features_rtree (id, minx, maxx, miny, maxy) "
    "SELECT id, minx, maxx, miny, maxy FROM features WHERE minx IS NOT NULL",
    "CREATE TRIGGER features_rtree_insert AFTER INSERT ON features "
    "WHEN new.minx IS NOT NULL BEGIN "
    "INSERT INTO features_rtree VALUES (new.id, new.minx, new.maxx, new.miny, new.maxy); END",
    "CREATE TRIGGER features_rtree_update AFTER UPDATE OF minx, maxx, miny, maxy ON features "
    "BEGIN DELETE FROM features_rtree WHERE id = old.id; "
    "INSERT INTO features_rtree SELECT new.id, new.minx, new.maxx, new.miny, new.maxy "
    "WHERE new.minx IS NOT NULL; END",
    "CREATE TRIGGER features_rtree_delete AFTER DELETE ON features "
    "BEGIN DELETE FROM features_rtree WHERE id = old.id; END",
)
SQLITE_DOWN = (
    "DROP TRIGGER IF EXISTS features_rtree_insert",
    "DROP TRIGGER IF EXISTS features_rtree_update",
    "DROP TRIGGER IF EXISTS features_rtree_delete",
    "DROP TABLE IF EXISTS features_rtree",
)
POSTGRES_UP = (
    "CREATE INDEX ix_features_box ON features USING gist "
    "(box(point(minx, miny), point(maxx, maxy)))",
)
POSTGRES_DOWN = ("DROP INDEX IF EXISTS ix_features_box",)


def _run(statements: tuple[str, ...]) -> None:
    for statement in statements:
        op.execute(statement)


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    _run(SQLITE_UP if dialect == "sqlite" else POSTGRES_UP)
    op.drop_index("ix_state_feature_period", table_name="feature_states")
    op.create_index("ix_state_feature_period", "feature_states",
                    ["feature_id", "valid_from", "valid_to", "status"])


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    _run(SQLITE_DOWN if dialect == "sqlite" else POSTGRES_DOWN)
    op.drop_index("ix_state_feature_period", table_name="feature_states")
    op.create_index("ix_state_feature_period", "feature_states", ["feature_id", "valid_from"])
