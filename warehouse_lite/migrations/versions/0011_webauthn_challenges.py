"""webauthn_challenges: outstanding WebAuthn challenges, each answered at most once"""

import sqlalchemy as sa
from alembic import op

from warehouse_lite.migrations.schema import create_index, drop_table, fk, pk, utc, uuid

revision, down_revision = "0011", "0008"


def upgrade() -> None:
    op.create_table(
        "webauthn_challenges",
        sa.Column("session_hash", sa.String(length=64), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        uuid("user_id"),
        sa.Column("challenge", sa.String(length=128), nullable=False),
        utc("expires"),
        fk("webauthn_challenges", "user_id", "users"),
        pk("webauthn_challenges", "session_hash", "purpose"),
    )
    create_index("webauthn_challenges", "expires")


def downgrade() -> None:
    drop_table("webauthn_challenges", "ix_webauthn_challenges_expires")
