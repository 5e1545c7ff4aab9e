"""two-factor authentication: TOTP, WebAuthn credentials, recovery codes"""

import sqlalchemy as sa
from alembic import op

from warehouse_lite.migrations.schema import create_index, drop_table, fk, pk, unique, utc, uuid

revision, down_revision = "0003", "0001"


def upgrade() -> None:
    op.create_table(
        "user_recovery_codes",
        uuid("user_id"),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        utc("generated"),
        utc("burned", nullable=True),
        uuid("id"),
        fk("user_recovery_codes", "user_id", "users"),
        pk("user_recovery_codes"),
        unique(
            "user_recovery_codes",
            "user_id",
            "code_hash",
            name="uq_user_recovery_codes_user_id_code_hash",
        ),
    )
    op.create_table(
        "user_totp",
        uuid("user_id"),
        sa.Column("secret", sa.String(length=64), nullable=False),
        sa.Column("last_used_step", sa.BigInteger(), nullable=True),
        utc("created"),
        utc("last_used", nullable=True),
        fk("user_totp", "user_id", "users"),
        pk("user_totp", "user_id"),
    )
    op.create_table(
        "user_webauthn",
        uuid("user_id"),
        sa.Column("label", sa.String(length=64), nullable=False),
        sa.Column("credential_id", sa.String(length=1400), nullable=False),
        sa.Column("public_key", sa.String(length=2800), nullable=False),
        sa.Column("sign_count", sa.BigInteger(), nullable=False),
        sa.Column("transports", sa.JSON(), nullable=True),
        utc("created"),
        utc("last_used", nullable=True),
        uuid("id"),
        fk("user_webauthn", "user_id", "users"),
        pk("user_webauthn"),
        unique("user_webauthn", "credential_id"),
        unique("user_webauthn", "user_id", "label", name="uq_user_webauthn_user_id_label"),
    )
    create_index("user_webauthn", "user_id")


def downgrade() -> None:
    drop_table("user_webauthn", "ix_user_webauthn_user_id")
    drop_table("user_totp")
    drop_table("user_recovery_codes")
