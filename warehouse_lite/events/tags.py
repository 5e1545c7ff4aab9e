"""Every tag an event may carry: what happened, as stored in ``user_events.tag`` and
``project_events.tag`` and shown in the security histories.

The values are the strings stored since the first release, so they never change (old rows
keep them); a new kind of event adds a member. A member's name is its value in capitals with
``:`` and ``-`` turned into ``_`` (``"account:two-factor:refused"`` is
``EventTag.ACCOUNT_TWO_FACTOR_REFUSED``), the same flat style as authnz.Permissions, so that
the name of a tag can be derived from the string and back (tests/unit/test_event_tags.py
checks the rule, and that every tag written in warehouse_lite/ is a member).

The members are grouped by the history they go into. Most account tags are user events and
most project tags are project events, with two exceptions: ``project:destroy`` and
``project:removed-by-admin`` go into the history of the users concerned (the project's own
history goes with it), and ``release:create`` and ``file:add`` are project events named
without the ``project:`` prefix.
"""

from __future__ import annotations

import enum


class EventTag(enum.StrEnum):
    # --- In a user's security history (UserEvent) -------------------------------------------
    # The account itself.
    ACCOUNT_CREATE = "account:create"
    ACCOUNT_DISABLED = "account:disabled"  # by an admin
    ACCOUNT_ENABLED = "account:enabled"  # by an admin
    # Logging in and proving it again.
    ACCOUNT_LOGIN_SUCCESS = "account:login:success"
    ACCOUNT_LOGIN_FAILURE = "account:login:failure"
    ACCOUNT_REAUTHENTICATE_FAILURE = "account:reauthenticate:failure"
    # The password.
    ACCOUNT_PASSWORD_CHANGE = "account:password:change"
    ACCOUNT_PASSWORD_RESET_REQUEST = "account:password:reset:request"
    ACCOUNT_PASSWORD_RESET_THROTTLED = "account:password:reset:throttled"
    ACCOUNT_PASSWORD_RESET = "account:password:reset"
    # Email addresses.
    ACCOUNT_EMAIL_ADD = "account:email:add"
    ACCOUNT_EMAIL_REMOVE = "account:email:remove"
    ACCOUNT_EMAIL_PRIMARY_CHANGE = "account:email:primary:change"
    ACCOUNT_EMAIL_VERIFIED = "account:email:verified"
    # Second factors and recovery codes.
    ACCOUNT_TWO_FACTOR_METHOD_ADDED = "account:two-factor:method-added"
    ACCOUNT_TWO_FACTOR_METHOD_REMOVED = "account:two-factor:method-removed"
    ACCOUNT_TWO_FACTOR_REFUSED = "account:two-factor:refused"
    ACCOUNT_TWO_FACTOR_WEBAUTHN_SIGN_COUNT = "account:two-factor:webauthn-sign-count"
    ACCOUNT_TWO_FACTOR_RESET = "account:two-factor:reset"  # by an admin
    ACCOUNT_RECOVERY_CODES_GENERATED = "account:recovery-codes:generated"
    ACCOUNT_RECOVERY_CODES_USED = "account:recovery-codes:used"
    # API tokens (removed_leak: revoked after a leak report).
    ACCOUNT_API_TOKEN_ADDED = "account:api_token:added"
    ACCOUNT_API_TOKEN_REMOVED = "account:api_token:removed"
    ACCOUNT_API_TOKEN_REMOVED_LEAK = "account:api_token:removed_leak"
    ACCOUNT_API_TOKEN_REVOKED_ALL = "account:api_token:revoked-all"  # by an admin
    # The person's side of a change of their role in a project: the project's PROJECT_ROLE_*
    # tag with "account:" for "project:" (manage/project_changes.record_collaboration_change).
    ACCOUNT_ROLE_ADD = "account:role:add"
    ACCOUNT_ROLE_CHANGE = "account:role:change"
    ACCOUNT_ROLE_REMOVE = "account:role:remove"
    ACCOUNT_ROLE_LEAVE = "account:role:leave"
    ACCOUNT_ROLE_INVITE = "account:role:invite"
    ACCOUNT_ROLE_INVITE_DECLINE = "account:role:invite:decline"
    ACCOUNT_ROLE_INVITE_EXPIRED = "account:role:invite:expired"
    ACCOUNT_ROLE_INVITE_REVOKE = "account:role:invite:revoke"
    # A project the user owned is gone (its own history went with it).
    PROJECT_DESTROY = "project:destroy"
    PROJECT_REMOVED_BY_ADMIN = "project:removed-by-admin"

    # --- In a project's history (ProjectEvent) ----------------------------------------------
    PROJECT_CREATE = "project:create"
    # Releases and files.
    RELEASE_CREATE = "release:create"
    FILE_ADD = "file:add"
    PROJECT_RELEASE_YANK = "project:release:yank"
    PROJECT_RELEASE_UNYANK = "project:release:unyank"
    PROJECT_RELEASE_REMOVE = "project:release:remove"
    PROJECT_RELEASE_FILE_REMOVE = "project:release:file:remove"
    # Collaborators and invitations.
    PROJECT_ROLE_ADD = "project:role:add"
    PROJECT_ROLE_CHANGE = "project:role:change"
    PROJECT_ROLE_REMOVE = "project:role:remove"
    PROJECT_ROLE_LEAVE = "project:role:leave"
    PROJECT_ROLE_INVITE = "project:role:invite"
    PROJECT_ROLE_INVITE_DECLINE = "project:role:invite:decline"
    PROJECT_ROLE_INVITE_EXPIRED = "project:role:invite:expired"
    PROJECT_ROLE_INVITE_REVOKE = "project:role:invite:revoke"
    # API tokens scoped to the project.
    PROJECT_API_TOKEN_ADDED = "project:api_token:added"
    PROJECT_API_TOKEN_REMOVED = "project:api_token:removed"
    PROJECT_API_TOKEN_REMOVED_LEAK = "project:api_token:removed_leak"
