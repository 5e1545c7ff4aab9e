"""The password-reset form answers an existing account and an unknown name alike, in content
and in time, on the production stack (gunicorn, PostgreSQL, Redis, Celery, SMTP).

Found by review: the view looked the account up, signed the link, rendered the email, recorded
an event and queued the task inside the request, for existing accounts only; the embedded
mode even wrote the email before answering. So the answer took measurably longer when the
account existed, which told anyone whether it did.

The test sends SAMPLES requests for each kind in a shuffled order (a seeded shuffle, so any
disturbance from the machine's other load falls on both kinds alike), with a pause after each
so the work done after an answer is over before the next request. It asserts no time: it asserts
that neither kind tends to take longer, by the probability of superiority (Mann-Whitney U
divided by the number of pairs: 0.5 when the two kinds take the same time, 1.0 when every
request for a known account is slower). Under no difference its standard deviation is 0.029
with 200 samples each; the bound 0.5 +- 0.12 is four of those, wide enough for a loaded 2-core
machine, while the defect gave ~0.9.
"""

from __future__ import annotations

import http.client
import random
import re
import statistics
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest

from tests.e2e.servers import LiveServer
from tests.reliability.pgcluster import PostgresCluster

SAMPLES = 200
WARM_UP = 10
PAUSE = 0.02  # seconds after each answer: the work after it (lookup, email) is done by then
BOUND = 0.12  # on |P(known slower) - 0.5|
KNOWN, UNKNOWN = "timed-user", "nobody-by-this-name"
PATH = "/account/request-password-reset/"


@pytest.fixture(scope="module")
def reset_server(
    pg_cluster: PostgresCluster, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    work_dir = Path(tmp_path_factory.mktemp("reset-timing"))
    server = LiveServer(
        pg_cluster.create_database(),
        work_dir,
        workers=2,
        # 2 x (SAMPLES + WARM_UP) requests from one address, and every reset link mailed to
        # the one known account (the per-address and per-actor email budgets would otherwise
        # stop the emails after 5, which is their job but not what this test measures).
        extra_env={
            "PASSWORD_RESET_RATE_LIMIT": "10000 per hour",
            "EMAIL_RATE_LIMIT_ADDRESS": "10000 per hour",
            "EMAIL_RATE_LIMIT_ACTOR": "10000 per hour",
        },
    )
    with server.running():
        yield server


class Browser:
    """One session (cookie + CSRF token), a new connection per request as gunicorn's sync
    workers close each one."""

    def __init__(self, base: str) -> None:
        parts = urlsplit(base)
        self.host, self.port = parts.hostname or "localhost", parts.port or 80
        status, headers, body = self._send("GET", PATH, {})
        assert status == 200
        self.cookie = headers["set-cookie"].split(";")[0]
        match = re.search(r'name="csrf_token" value="([^"]+)"', body)
        assert match
        self.csrf = match.group(1)

    def _send(self, method: str, path: str, headers: dict[str, str], body: str = "") -> tuple:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
        try:
            connection.request(method, path, body=body or None, headers=headers)
            response = connection.getresponse()
            data = response.read().decode()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, data
        finally:
            connection.close()

    def reset(self, name: str) -> tuple[float, int, str]:
        """(seconds until the whole answer was read, status, body) of one reset request."""
        form = urlencode({"csrf_token": self.csrf, "username_or_email": name})
        headers = {
            "Cookie": self.cookie,
            "Content-Type": "application/x-www-form-urlencoded",
        }
        started = time.perf_counter()
        status, _, body = self._send("POST", PATH, headers, form)
        return time.perf_counter() - started, status, body


def probability_of_superiority(slower: list[float], faster: list[float]) -> float:
    """P(a value of ``slower`` > one of ``faster``), ties counting half: Mann-Whitney U / n m."""
    wins = 0.0
    for x in slower:
        for y in faster:
            wins += 1.0 if x > y else 0.5 if x == y else 0.0
    return wins / (len(slower) * len(faster))


def test_reset_answer_does_not_tell_whether_the_account_exists(
    reset_server: LiveServer, figure: Callable[[str], None]
):
    reset_server.create_user(KNOWN, "timing password 1", "timed@example.com")
    browser = Browser(reset_server.url)
    order = [KNOWN, UNKNOWN] * (WARM_UP + SAMPLES)
    warm_up, measured = order[: 2 * WARM_UP], order[2 * WARM_UP :]
    random.Random(12).shuffle(measured)
    times: dict[str, list[float]] = {KNOWN: [], UNKNOWN: []}
    bodies = set()
    for index, name in enumerate(warm_up + measured):
        seconds, status, body = browser.reset(name)
        assert status == 200, body[:500]
        bodies.add(body)
        if index >= len(warm_up):
            times[name].append(seconds)
        time.sleep(PAUSE)
    # The same answer, byte for byte.
    assert len(bodies) == 1 and "If an account matches" in bodies.pop()

    known, unknown = times[KNOWN], times[UNKNOWN]
    superiority = probability_of_superiority(known, unknown)
    median_known, median_unknown = statistics.median(known), statistics.median(unknown)
    quartiles = statistics.quantiles(known + unknown, n=4)
    figure(
        f"password reset timing ({SAMPLES} shuffled requests each, production stack): median "
        f"known account {median_known * 1000:.2f} ms, unknown {median_unknown * 1000:.2f} ms, "
        f"ratio {median_known / median_unknown:.3f}; interquartile range "
        f"{(quartiles[2] - quartiles[0]) * 1000:.2f} ms; P(known slower) {superiority:.3f} "
        f"(same time: 0.5, bound 0.5 +- {BOUND})"
    )
    assert abs(superiority - 0.5) < BOUND

    # Every request for the existing account did send its email, after the answer.
    expected = WARM_UP + SAMPLES
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        sent = [m for m in reset_server.mailbox.messages if "Password reset" in m["Subject"]]
        if len(sent) >= expected:
            break
        time.sleep(0.5)
    assert len(sent) == expected
    assert {m["To"] for m in sent} == {"timed@example.com"}
