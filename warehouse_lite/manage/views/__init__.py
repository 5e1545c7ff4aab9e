"""The views of /manage/: the account page (account.py, email_addresses.py), the user's
projects (projects.py, invitations.py) and one project's pages (releases.py,
collaboration.py, projects.py's settings), the last as view classes on views/base.py."""

from __future__ import annotations

from typing import Any

# Sections that other domains add to the account page (2FA, API tokens ...): each is
# (template name, callable(request) -> dict); the template sees that dict as ``panel``.
# Here, not in account.py, so that those domains can register without importing the views.
ACCOUNT_PANELS: list[tuple[str, Any]] = []
