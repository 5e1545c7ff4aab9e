"""Join the per-domain branches (packaging, two-factor, API tokens, admin) into one head.

Revision ID: 0008
Revises: 0003, 0004, 0007
Create Date: 2026-11-27
"""

revision = "0008"
down_revision = ("0003", "0004", "0007")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # a merge point: nothing to change


def downgrade() -> None:
    pass
