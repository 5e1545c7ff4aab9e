"""`python -m warehouse_lite.cli`: the `warehouse-lite` command, in development by default."""

from __future__ import annotations

import os

from warehouse_lite.cli import main

if __name__ == "__main__":  # pragma: no cover
    os.environ.setdefault("WAREHOUSE_ENV", "development")
    main()
