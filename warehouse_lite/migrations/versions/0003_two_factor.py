"""two-factor authentication: TOTP, WebAuthn credentials, recovery codes

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-27 05:19:34.707427
"""

import sqlalchemy as sa
from alembic import op

import warehouse_lite.db


revision = "0003"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "user_recovery_codes",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("generated", warehouse_lite.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("burned", warehouse_lite.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_user_recovery_codes_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_recovery_codes")),
        sa.UniqueConstraint(
            "user_id", "code_hash", name="uq_user_recovery_codes_user_id_code_hash"
        ),
    )
    op.create_table(
        "user_totp",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("secret", sa.String(length=64), nullable=False),
        sa.Column("last_used_step", sa.BigInteger(), nullable=True),
        sa.Column("created", warehouse_lite.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_used", warehouse_lite.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_totp_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_user_totp")),
    )
    op.create_table(
        "user_webauthn",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("label", sa.String(length=64), nullable=False),
        sa.Column("credential_id", sa.String(length=1400), nullable=False),
        sa.Column("public_key", sa.String(length=2800), nullable=False),
        sa.Column("sign_count", sa.BigInteger(), nullable=False),
        sa.Column("transports", sa.JSON(), nullable=True),
        sa.Column("created", warehouse_lite.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_used", warehouse_lite.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_user_webauthn_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_webauthn")),
        sa.UniqueConstraint("credential_id", name=op.f("uq_user_webauthn_credential_id")),
        sa.UniqueConstraint("user_id", "label", name="uq_user_webauthn_user_id_label"),
    )
    with op.batch_alter_table("user_webauthn", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_user_webauthn_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("user_webauthn", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_webauthn_user_id"))

    op.drop_table("user_webauthn")
    op.drop_table("user_totp")
    op.drop_table("user_recovery_codes")
