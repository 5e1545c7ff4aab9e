"""The views of /manage/: the account page (account.py, email_addresses.py), the user's
projects (projects.py, invitations.py) and one project's pages (releases.py,
collaboration.py, projects.py's settings), the last as view classes on views/base.py."""

from __future__ import annotations
