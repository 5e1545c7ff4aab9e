from __future__ import annotations

import time

from itsdangerous import Signer
from pyramid.request import Request
from pyramid.response import Response

from warehouse_lite.sessions.session import COOKIE_NAME, ServerSideSession, session_factory_for
from warehouse_lite.sessions.stores import SqlSessionStore


def test_new_session_tracks_changes() -> None:
    session = ServerSideSession(None, None)
    assert session.new and session.session_id
    session["a"] = 1
    assert session._changed


def test_loaded_session_is_unchanged_until_written() -> None:
    session = ServerSideSession("sid", {"a": 1, "_created": 100.0})
    assert not session.new and not session._changed
    assert session.created == 100.0 and "_created" not in session
    assert session.pop("missing", None) is None and not session._changed
    session.pop("a")
    assert session._changed


def test_rotate_keeps_data_and_invalidate_forgets_it() -> None:
    session = ServerSideSession("sid", {"auth.userid": "u"})
    session.rotate()
    assert session.session_id != "sid" and session["auth.userid"] == "u"
    assert session.previous_ids == ["sid"]
    old = session.session_id
    session.invalidate()
    assert not session and session.session_id != old and old in session.previous_ids


def test_flash_and_csrf() -> None:
    session = ServerSideSession(None, None)
    session.flash("hi")
    session.flash("hi", allow_duplicate=False)
    assert session.peek_flash() == ["hi"]
    assert session.pop_flash() == ["hi"] and session.pop_flash() == []
    token = session.get_csrf_token()
    assert token == session.get_csrf_token()
    assert session.new_csrf_token() != token
    assert "_created" in session.to_store()


def _request_with_session(store, settings, session_id: str | None):  # type: ignore[no-untyped-def]
    request = Request.blank("/")
    if session_id is not None:
        signer = Signer(settings.session_secret, salt="warehouse_lite.session")
        request.cookies[COOKIE_NAME] = signer.sign(session_id).decode()
    return request, session_factory_for(settings, store)(request)


def _respond(request) -> Response:  # type: ignore[no-untyped-def]
    response = Response()
    request._process_response_callbacks(response)
    return response


def test_a_session_that_ended_during_the_request_stays_ended(connection, settings) -> None:  # type: ignore[no-untyped-def]
    store = SqlSessionStore(connection)
    store.create("sid", {"auth.userid": "u", "_created": time.time()}, 60)
    request, session = _request_with_session(store, settings, "sid")
    assert session["auth.userid"] == "u"
    session.flash("changed while another request logged out")
    store.delete("sid")  # that other request's logout
    response = _respond(request)
    assert store.load("sid") is None
    assert "Set-Cookie" not in response.headers


def test_saves_update_the_loaded_id_and_create_new_ones(connection, settings) -> None:  # type: ignore[no-untyped-def]
    store = SqlSessionStore(connection)
    store.create("sid", {"n": 1, "_created": time.time()}, 60)
    request, session = _request_with_session(store, settings, "sid")
    session["n"] = 2
    assert "Set-Cookie" in _respond(request).headers
    assert store.load("sid")["n"] == 2  # type: ignore[index]
    # Rotated: the data moves to a new id, the old one is gone for good.
    request, session = _request_with_session(store, settings, "sid")
    session.rotate()
    _respond(request)
    assert store.load("sid") is None and store.load(session.session_id)["n"] == 2  # type: ignore[index]
    assert store.update("sid", {"n": 3}, 60) is False
    # A brand-new session gets a new id of its own, never one the client sent.
    request, session = _request_with_session(store, settings, "made-up")
    assert session.session_id != "made-up" and session.stored_id is None
    session["n"] = 4
    _respond(request)
    assert store.load("made-up") is None and store.load(session.session_id)["n"] == 4  # type: ignore[index]
