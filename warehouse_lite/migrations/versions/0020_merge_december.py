"""Join the branches added in December (invitations, the email outbox, ...) into one head.

Revision ID: 0020
Revises: 0012, 0015, 0018
Create Date: 2026-12-02
"""

revision = "0020"
down_revision = ("0012", "0015", "0018")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # a merge point: nothing to change


def downgrade() -> None:
    pass
