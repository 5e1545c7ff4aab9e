"""Join the per-domain branches (packaging, two-factor, API tokens, admin) into one head."""

from warehouse_lite.migrations.schema import merge_point

revision, down_revision = "0008", ("0003", "0004", "0007")
upgrade, downgrade = merge_point()
