from __future__ import annotations

from warehouse_lite.sessions.session import ServerSideSession


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
