"""The tweens of the whole app and their order (warehouse_lite/web/tweens.py places them all)."""

from __future__ import annotations

from pathlib import Path

from pyramid.interfaces import ITweens
from sqlalchemy.engine import Engine

import warehouse_lite
from warehouse_lite.config import configure
from warehouse_lite.settings import Settings

# Outermost first, as `ptweens` prints them. Change it only on purpose: each place is a
# security property (see the comments in warehouse_lite/web/tweens.py).
EXPECTED = [
    "warehouse_lite.web.canonical.canonical_tween_factory",
    "warehouse_lite.web.headers.security_headers_tween_factory",
    "warehouse_lite.packaging.simple_fast.simple_fast_tween_factory",
    "pyramid_tm.tm_tween_factory",
    "warehouse_lite.accounts.two_factor.guard.skipped_step_tween_factory",
    "pyramid.tweens.excview_tween_factory",
    "warehouse_lite.web.input_guard.input_guard_tween_factory",
]


def test_the_app_has_these_tweens_in_this_order(settings: Settings, engine: Engine) -> None:
    config = configure(settings, engine=engine)
    config.commit()
    tweens = config.registry.queryUtility(ITweens)
    assert tweens.explicit == []  # no pyramid.tweens setting overrides the implicit order
    assert [name for name, _factory in tweens.implicit()] == EXPECTED


def test_only_tweens_py_adds_tweens() -> None:
    package = Path(warehouse_lite.__file__).parent
    adding = {
        str(path.relative_to(package))
        for path in package.rglob("*.py")
        if "add_tween(" in path.read_text(encoding="utf-8")
    }
    assert adding == {"web/tweens.py"}
