"""Every tween of the app and its place, in one list.

A request meets the tweens in the order of ORDER (the first is the outermost); the response
goes back through them in reverse. Two of them belong to libraries and are only named here to
place ours around them: pyramid_tm's transaction (warehouse_lite.db includes pyramid_tm) and
Pyramid's exception views. The factories stay in their modules; this module only places them.
Each of ours is pinned between its two neighbours, so the order is this list and nothing else
(tests/unit/test_tweens.py checks it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pyramid.tweens import EXCVIEW, INGRESS, MAIN

if TYPE_CHECKING:
    from pyramid.config import Configurator

TRANSACTION = "pyramid_tm.tm_tween_factory"

ORDER = [
    # Outermost: nothing may read the host or the client's address before it has run.
    "warehouse_lite.web.canonical.canonical_tween_factory",
    # Inside the canonical-host tween (which must see the request first), outside the rest,
    # so that every response, error pages included, carries the headers.
    "warehouse_lite.web.headers.security_headers_tween_factory",
    # Cache hits of /simple/ pages: under the headers (its responses carry them too), above
    # the transaction (a hit needs none).
    "warehouse_lite.packaging.simple_fast.simple_fast_tween_factory",
    TRANSACTION,
    # Turns the forbidden view's redirect to the login form into one to the second step, so it
    # must see the response the exception views made.
    "warehouse_lite.accounts.two_factor.guard.skipped_step_tween_factory",
    EXCVIEW,
    # Below the exception views, so that a UnicodeDecodeError raised while reading the query
    # or the form still reaches them (a 400 there).
    "warehouse_lite.web.input_guard.input_guard_tween_factory",
]

# Registered by their own packages; ORDER only places ours around them.
NOT_OURS = frozenset({TRANSACTION, EXCVIEW})


def includeme(config: Configurator) -> None:
    placed = [INGRESS, *ORDER, MAIN]
    for index, factory in enumerate(ORDER, start=1):
        if factory not in NOT_OURS:
            config.add_tween(factory, under=placed[index - 1], over=placed[index + 1])
