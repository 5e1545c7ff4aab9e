"""NUL bytes in URLs, query strings and forms are a 400 on every backend (PostgreSQL cannot
store or compare them, so without the guard they were 500s there)."""

from __future__ import annotations

import pytest

from tests.common.factories import UserFactory
from tests.functional.conftest import csrf_of


@pytest.mark.parametrize(
    "url",
    [
        "/simple/a%00b/",
        "/packages/a%00b",
        "/project/a%00b/",
        "/pypi/a%00b/json",
        "/search/?q=a%00b",
        "/manage/project/a%00b/settings/",
        "/account/login/?next=/x%00",
    ],
)
def test_nul_in_url_or_query_is_400(app, db, url):
    response = app.get(url, status=400)
    assert "NUL byte" in response.text


def test_nul_in_a_form_field_is_400(app, db):
    UserFactory(username="nul-user")
    page = app.get("/account/login/")
    response = app.post(
        "/account/login/",
        {"csrf_token": csrf_of(page), "username": "nul\x00user", "password": "x"},
        status=400,
    )
    assert "form data contains a NUL byte" in response.text
