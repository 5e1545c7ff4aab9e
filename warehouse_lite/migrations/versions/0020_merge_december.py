"""Join the branches added in December (invitations, the email outbox, ...) into one head."""

from warehouse_lite.migrations.schema import merge_point

revision, down_revision = "0020", ("0011", "0012", "0015", "0018")
upgrade, downgrade = merge_point()
