"""Imports every model module so that Base.metadata knows every table (for Alembic)."""

from __future__ import annotations

import warehouse_lite.accounts.models
import warehouse_lite.accounts.two_factor.models
import warehouse_lite.admin.models
import warehouse_lite.email.models
import warehouse_lite.events.models
import warehouse_lite.forklift.models
import warehouse_lite.macaroons.models
import warehouse_lite.packaging.models
import warehouse_lite.sessions.stores  # noqa: F401
from warehouse_lite.db import Base

metadata = Base.metadata
