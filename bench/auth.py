"""Upload credentials for warehouse_lite: an account-wide API token, as CI would use.

The token is minted with the application's own MacaroonService in a short child process that
sees the server's environment (same database, same site domain), exactly what the token form
in account settings does, without scraping HTML.
"""

from __future__ import annotations

import subprocess
import sys

from tests.e2e.servers import LiveServer

_MINT = """
import sys
from sqlalchemy import select
from sqlalchemy.orm import Session

import warehouse_lite.models  # noqa: F401
from warehouse_lite.accounts.models import User
from warehouse_lite.db import make_engine
from warehouse_lite.macaroons import caveats as cv
from warehouse_lite.macaroons.services import MacaroonService
from warehouse_lite.settings import load_settings

settings = load_settings()
with Session(make_engine(settings)) as session, session.begin():
    user = session.scalars(select(User).where(User.username == sys.argv[1])).one()
    raw, _ = MacaroonService(session).create_macaroon(
        location=settings.domain,
        user=user,
        description="benchmark uploads",
        caveats=[cv.RequestUser(str(user.id))],
    )
print(raw)
"""


def upload_credentials(server: LiveServer, username: str, password: str) -> tuple[str, str]:
    """(``__token__``, token) for ``username``; (username, password) if tokens are missing."""
    result = subprocess.run(
        [sys.executable, "-c", _MINT, username],
        env=server.env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    token = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
    if result.returncode != 0 or not token.startswith("pypi-"):
        print(
            f"could not mint an API token, uploading with the password:\n{result.stderr[-2000:]}",
            file=sys.stderr,
        )
        return username, password
    return "__token__", token
