"""Editing: record versions and soft delete; the audit log; photos.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("features") as batch:
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
        batch.add_column(sa.Column("deleted_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("deleted_by", sa.String(length=80), nullable=True))
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=True),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("layer_id", sa.String(length=30), nullable=True),
        sa.Column("feature_id", sa.Integer(), nullable=True),
        sa.Column("record_id", sa.String(length=60), nullable=True),
        sa.Column("commune_code", sa.String(length=10), nullable=True),
        sa.Column("district_code", sa.String(length=10), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=True),
        sa.Column("reverted_by", sa.Integer(), nullable=True),
    )
    with op.batch_alter_table("audit_events") as batch:
        batch.create_index("ix_audit_at", ["at"])
        batch.create_index("ix_audit_action", ["action", "at"])
        batch.create_index("ix_audit_events_actor", ["actor"])
        batch.create_index("ix_audit_events_feature_id", ["feature_id"])
    op.create_table(
        "photos",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("feature_id", sa.Integer(), sa.ForeignKey("features.id"), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("mime", sa.String(length=40), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("thumbnail", sa.LargeBinary(), nullable=False),
        sa.Column("caption", sa.Text(), nullable=False),
        sa.Column("uploaded_by", sa.String(length=80), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
    )
    with op.batch_alter_table("photos") as batch:
        batch.create_index("ix_photos_feature_id", ["feature_id"])


def downgrade() -> None:
    op.drop_table("photos")
    op.drop_table("audit_events")
    with op.batch_alter_table("features") as batch:
        batch.drop_column("deleted_by")
        batch.drop_column("deleted_at")
        batch.drop_column("version")
