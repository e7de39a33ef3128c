"""indexes of the operator's global search (F32) and of the 360° pages: prefixes of account and unit keys,
a person's change requests, a unit's admins

Revision ID: f6b1d3e5a7c9
Revises: e5a9c3d7f2b4
"""
from alembic import op

revision = 'f6b1d3e5a7c9'
down_revision = 'e5a9c3d7f2b4'  # c3e7a9f1b2d4 on main; after H3's audit history indexes in this branch
branch_labels = None
depends_on = None

PATTERN = "varchar_pattern_ops"  # LIKE 'x%' through a btree whatever the database collation


def upgrade():
    # SQLite's prefix range is served by the existing unique / name indexes; PostgreSQL's LIKE needs pattern ops.
    if op.get_bind().dialect.name == "postgresql":
        op.create_index("ix_account_id_number_prefix", "account", ["id_number"], postgresql_ops={"id_number": PATTERN})
        op.create_index("ix_organization_uscc_prefix", "organization", ["uscc"], postgresql_ops={"uscc": PATTERN})
        op.create_index("ix_organization_name_prefix", "organization", ["name"], postgresql_ops={"name": PATTERN})
    op.create_index("ix_account_phone", "account", ["phone"], postgresql_ops={"phone": PATTERN})
    op.create_index("ix_change_request_target", "change_request", ["target_type", "target_id", "id"])
    op.create_index("ix_admin_membership_org_id", "admin_membership", ["org_id"])


def downgrade():
    op.drop_index("ix_admin_membership_org_id", table_name="admin_membership")
    op.drop_index("ix_change_request_target", table_name="change_request")
    op.drop_index("ix_account_phone", table_name="account")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_organization_name_prefix", table_name="organization")
        op.drop_index("ix_organization_uscc_prefix", table_name="organization")
        op.drop_index("ix_account_id_number_prefix", table_name="account")
