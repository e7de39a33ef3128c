"""indexes behind the list pages at province scale: list orders, prefix searches and filters; unused ones dropped

Revision ID: c7d41e9a2f10
Revises: bb629c4862b0
Create Date: 2026-12-01 22:10:00.000000
"""
import sqlalchemy as sa
from alembic import op

revision = 'c7d41e9a2f10'
down_revision = 'bb629c4862b0'
branch_labels = None
depends_on = None

PATTERN = "varchar_pattern_ops"  # LIKE 'x%' through a btree whatever the database collation


def upgrade():
    if op.get_bind().dialect.name == "postgresql":  # SQLite's prefix range uses the existing name / id_number indexes
        op.create_index("ix_person_name_prefix", "person", ["name", "org_id"], postgresql_ops={"name": PATTERN})
        op.create_index("ix_person_id_number_prefix", "person", ["id_number", "org_id"],
                        postgresql_ops={"id_number": PATTERN})
    op.create_index("ix_review_record_type_created_id", "review_record", ["target_type", "created_at", "id"])
    for name, column in (("ix_review_record_type_subject_name", "subject_name"),
                         ("ix_review_record_type_subject_code", "subject_code"),
                         ("ix_review_record_type_reviewer", "reviewer_name")):
        op.create_index(name, "review_record", ["target_type", column, "org_id"], postgresql_ops={column: PATTERN})
    op.create_index("ix_audit_entry_actor_name", "audit_entry", ["actor_name", "actor_org_id"],
                    postgresql_ops={"actor_name": PATTERN})
    op.create_index("ix_transfer_created_id", "transfer", ["created_at", "id"])
    # Read by no page or rule, written by every bulk decision (10,000 review records and audit rows at a time).
    op.drop_index("ix_review_record_target", table_name="review_record")
    op.drop_index("ix_audit_entry_actor_id", table_name="audit_entry")
    op.create_index("ix_audit_entry_org_action_id", "audit_entry", ["actor_org_id", "action", "id"])
    op.create_index("ix_audit_entry_action_id_of_orgs", "audit_entry", ["action", "id"],
                    postgresql_where=sa.text("actor_org_id IS NOT NULL"), sqlite_where=sa.text("actor_org_id IS NOT NULL"))
    op.drop_index("ix_audit_entry_actor_org_id", table_name="audit_entry")  # the new one leads with it
    op.create_index("ix_person_education_org", "person", ["education", "org_id"])


def downgrade():
    op.drop_index("ix_person_education_org", table_name="person")
    op.create_index("ix_audit_entry_actor_org_id", "audit_entry", ["actor_org_id"])
    op.drop_index("ix_audit_entry_action_id_of_orgs", table_name="audit_entry")
    op.drop_index("ix_audit_entry_org_action_id", table_name="audit_entry")
    op.create_index("ix_audit_entry_actor_id", "audit_entry", ["actor_id"])
    op.create_index("ix_review_record_target", "review_record", ["target_type", "target_id"])
    op.drop_index("ix_transfer_created_id", table_name="transfer")
    op.drop_index("ix_audit_entry_actor_name", table_name="audit_entry")
    for name in ("ix_review_record_type_reviewer", "ix_review_record_type_subject_code",
                 "ix_review_record_type_subject_name", "ix_review_record_type_created_id"):
        op.drop_index(name, table_name="review_record")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_person_id_number_prefix", table_name="person")
        op.drop_index("ix_person_name_prefix", table_name="person")
