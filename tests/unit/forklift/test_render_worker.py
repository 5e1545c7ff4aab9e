"""Descriptions render in worker processes, each render within its processor time."""

from __future__ import annotations

import pytest

from warehouse_lite.forklift.description import render_description
from warehouse_lite.forklift.errors import UploadError
from warehouse_lite.forklift.render_worker import (
    NESTED_TOO_DEEPLY,
    RENDERER_FAILED,
    RenderWorkers,
    render_in_worker,
)


@pytest.fixture
def workers():
    pool = RenderWorkers()
    yield pool
    for worker in pool._idle:
        worker.stop()


def test_renders_as_render_description_does_and_keeps_its_worker(workers):
    text = "Title\n=====\n\nSome *emphasis*.\n"
    assert workers.render(text, None, 10) == render_description(text, None)
    (worker,) = workers._idle
    assert workers.render("# Markdown", "text/markdown", 10) is not None
    assert workers._idle == [worker] and worker.process.is_alive()


def test_refusals_come_back_with_their_message(workers):
    with pytest.raises(UploadError, match="failed to render as reStructuredText"):
        workers.render(".. no-such-directive::\n", None, 10)
    nested = "".join(" " * level + "quote\n\n" for level in range(300))
    with pytest.raises(UploadError) as raised:
        workers.render(nested, "text/x-rst", 10)
    assert raised.value.message == NESTED_TOO_DEEPLY
    assert len(workers._idle) == 1  # a refusal does not cost the worker


def test_a_render_past_its_processor_time_is_stopped(workers):
    # comrak numbers identical headings' anchors one by one: minutes for this text, far more
    # than the one second it is given.
    with pytest.raises(UploadError, match="within 1 second of processor time"):
        workers.render("a\n=\n" * 30_000, "text/markdown", 1)
    assert workers._idle == []  # the stopped worker is not handed out again
    assert workers.render("plain", "text/plain", 10) is not None


def test_a_worker_that_died_refuses_the_upload(workers):
    workers.render("warm", "text/plain", 10)
    (worker,) = workers._idle
    worker.process.kill()
    worker.process.join()
    with pytest.raises(UploadError) as raised:
        workers.render("anything", "text/plain", 10)
    assert raised.value.message == RENDERER_FAILED
    assert workers._idle == []


def test_no_description_needs_no_worker():
    assert render_in_worker(None, "text/markdown", 10) is None
    assert render_in_worker("", None, 10) is None
