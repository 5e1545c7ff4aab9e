"""The event models live in events/, which the models with a history depend on, not the
reverse."""

from __future__ import annotations

import subprocess
import sys

from warehouse_lite.accounts.models import User
from warehouse_lite.events.models import ProjectEvent, UserEvent
from warehouse_lite.packaging.models import Project


def test_events_imports_no_domain_at_runtime() -> None:
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, warehouse_lite.events, warehouse_lite.events.tags; "
            "print(' '.join(sorted(sys.modules)))",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout.split()
    domains = {name.split(".")[1] for name in loaded if name.startswith("warehouse_lite.")}
    # db reads its settings through settings.get_settings (a RegistrySlot): core, not domains.
    assert domains == {"db", "events", "registry_slots", "settings"}


def test_has_events_links_each_model_to_its_event_model() -> None:
    for subject, event_model, back in (
        (User, UserEvent, "user"),
        (Project, ProjectEvent, "project"),
    ):
        events = subject.events.property
        assert events.mapper.class_ is event_model
        assert events.back_populates == back
        assert getattr(event_model, back).property.mapper.class_ is subject
        assert [str(clause) for clause in events.order_by] == [
            f"{event_model.__tablename__}.time DESC"
        ]
