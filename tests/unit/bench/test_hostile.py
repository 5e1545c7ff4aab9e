"""The benchmark's hostile uploads: every field at its bound, and values refused by rule."""

from __future__ import annotations

import io

import pytest
from webob import Request

from bench.clients import _form
from bench.hostile import hostile_uploads
from bench.packages import make_release
from warehouse_lite.forklift import archives, bounds
from warehouse_lite.forklift.errors import UploadError
from warehouse_lite.forklift.filenames import check_filename
from warehouse_lite.forklift.form import parse_upload_form
from warehouse_lite.forklift.metadata import validate_metadata
from warehouse_lite.forklift.render_worker import render_in_worker

SIZE = 64 * 1024  # the benchmark sends MAX_DESCRIPTION_SIZE; a smaller one keeps this fast


def _check(fields: list[tuple[str, str]]) -> None:
    """What the server checks before it writes, on the bytes the benchmark would send."""
    wheel, _ = make_release("bench-hostile", "1.0.0")
    body, content_type = _form(wheel, fields)
    request = Request.blank(
        "/legacy/", method="POST", body=body, headers={"Content-Type": content_type}
    )
    request.body_file = io.BytesIO(body)
    post = request.POST
    bounds.check_form_bounds(post, SIZE)
    form = parse_upload_form(post)
    meta = validate_metadata(form.raw)
    check_filename(
        form.filename,
        form.filetype,
        form.pyversion,
        meta,
        strict_sdist_names=True,
        allow_linux_wheels=False,
    )
    render_in_worker(form.raw.get("description"), form.raw.get("description_content_type"), 10)
    archives.inspect_wheel(form.content, form.filename, len(wheel.content), meta)


def test_the_accepted_upload_has_every_free_field_at_its_bound():
    accepted, *_ = hostile_uploads(SIZE)
    assert accepted.accepted
    sent = dict(accepted.fields)
    for table in (bounds.SINGLE_LINE, bounds.MULTI_LINE, bounds.REPEATED):
        for key, limit in table.items():
            if key in sent and key not in {"metadata_version", "classifiers"}:
                assert len(sent[key]) == limit, key
    assert len(sent["description"].encode()) == SIZE
    _check(accepted.fields)


@pytest.mark.parametrize("case", hostile_uploads(SIZE)[1:], ids=lambda case: case.label)
def test_each_hostile_upload_is_refused_by_a_rule(case):
    assert not case.accepted
    with pytest.raises(UploadError):
        _check(case.fields)
