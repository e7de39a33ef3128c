"""audit_entry: (entity, entity_id, id) and (request_id, id) for histories newest first, grouping and revert

Revision ID: e5a9c3d7f2b4
Revises: c3e7a9f1b2d4
"""
from alembic import op

revision = 'e5a9c3d7f2b4'
down_revision = 'c3e7a9f1b2d4'
branch_labels = None
depends_on = None


def upgrade():
    # Same names, one more column: the old ones are prefixes of the new and would only cost writes.
    op.drop_index("ix_audit_entry_entity", table_name="audit_entry")
    op.create_index("ix_audit_entry_entity", "audit_entry", ["entity", "entity_id", "id"])
    op.drop_index("ix_audit_entry_request_id", table_name="audit_entry")
    op.create_index("ix_audit_entry_request_id", "audit_entry", ["request_id", "id"])


def downgrade():
    op.drop_index("ix_audit_entry_request_id", table_name="audit_entry")
    op.create_index("ix_audit_entry_request_id", "audit_entry", ["request_id"])
    op.drop_index("ix_audit_entry_entity", table_name="audit_entry")
    op.create_index("ix_audit_entry_entity", "audit_entry", ["entity", "entity_id"])
