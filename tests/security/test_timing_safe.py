"""Secrets are compared in constant time.

1. A scan of warehouse_lite/ for ``==`` / ``!=`` where either side is named like a secret
   (token, secret, password, digest, signature, csrf, code, key, hash, otp, challenge...). Each
   such comparison found is listed below with the reason it is not a secret comparison; a new
   one fails this test until someone has looked at it and listed it (or used
   hmac.compare_digest).
2. The places that do compare secrets use a constant-time primitive: argon2 for passwords,
   hmac.compare_digest for TOTP codes and upload digests, and the libraries that check session
   cookies, email links, CSRF tokens and macaroon signatures.
"""

from __future__ import annotations

import ast
import hmac
import inspect
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyramid.csrf
import pyramid.util
from itsdangerous import signer as itsdangerous_signer
from pymacaroons import verifier as macaroon_verifier
from pyotp import utils as pyotp_utils

import warehouse_lite
from warehouse_lite.accounts import passwords
from warehouse_lite.accounts.services import UserService
from warehouse_lite.accounts.two_factor import codes as two_factor_codes
from warehouse_lite.forklift import digests

ROOT = Path(warehouse_lite.__file__).parent
SECRETISH = re.compile(
    r"token|secret|password|passwd|digest|signature|csrf|code|key|hash|hmac|otp|challenge|nonce",
    re.I,
)

# (module path, comparison as ast.unparse prints it) -> why it is not a timing leak.
REVIEWED: dict[tuple[str, str], str] = {
    (
        "accounts/security_policy.py",
        "request.environ.get(_PASSWORD_MATCHED_KEY) == seen",
    ): "a user id and password date the server stored itself in this request's environ",
    (
        "forklift/render_worker.py",
        "self.process.exitcode == -signal.SIGXCPU",
    ): "a process exit status, not a secret",
    (
        "accounts/tokens.py",
        "payload.get('user.password_date') != user.password_date.isoformat()",
    ): "the payload's HMAC was already checked (itsdangerous); the stamp is not secret",
    (
        "accounts/tokens.py",
        "payload.get('user.last_login') != _last_login(user)",
    ): "signed payload already verified; a login time is not secret",
    (
        "accounts/login.py",
        "user.password_date.isoformat() != pending.get('password_date')",
    ): "server-side session data, not attacker input; the stamp is not secret",
    (
        "accounts/passwords.py",
        "password.strip().lower() == username.lower()",
    ): "password policy on the user's own new password",
    (
        "accounts/security_policy.py",
        "stamp != user.password_date.isoformat()",
    ): "server-side session data; the stamp is not secret",
    (
        "accounts/security_policy.py",
        "credentials[0] == '__token__'",
    ): "the public username of token uploads",
    (
        "macaroons/security_policy.py",
        "credentials[0] == TOKEN_USERNAME",
    ): "the public username of token uploads",
    (
        "accounts/two_factor/views/settings.py",
        "(form.label.data or '').strip() != key.label",
    ): "the user types their own key's label (after the password check); not a secret",
    (
        "accounts/two_factor/services.py",
        "RecoveryCode.code_hash == code_hash",
    ): "SQL lookup by a salted SHA-256 of an 80-bit code: timing reveals nothing usable",
    ("accounts/two_factor/services.py", "RecoveryCode.user_id == user.id"): "SQL filter on ids",
    (
        "accounts/two_factor/challenges.py",
        "WebAuthnChallenge.session_hash == _session_hash(request)",
    ): "SQL lookup by a SHA-256 of the session id, which its signed cookie already vouched for",
    (
        "accounts/two_factor/challenges.py",
        "WebAuthnChallenge.purpose == str(purpose)",
    ): "SQL filter on a fixed purpose name (login, register)",
    ("accounts/two_factor/services.py", "UserTOTP.user_id == user.id"): "SQL filter on ids",
    ("admin/services.py", "codes == 1"): "a count of recovery codes",
    ("ops/backup.py", "result.returncode != 0"): "a process exit code",
    ("ops/backup.py", "digest != obj.sha256"): "file integrity check of our own storage",
    (
        "forklift/records.py",
        "File.sha256_digest == digests.sha256",
    ): "public file hashes (listed on /simple/)",
    ("forklift/records.py", "File.blake2_256_digest == digests.blake2_256"): "public file hashes",
    ("forklift/records.py", "file.sha256_digest == digests.sha256"): "public file hashes",
    ("macaroons/caveats.py", "keys == {'version', 'permissions'}"): "caveat JSON shape",
    ("macaroons/caveats.py", "keys == {'nbf', 'exp'}"): "caveat JSON shape",
    ("packaging/presenters.py", "key.strip() == 'variant'"): "a content-type parameter name",
    ("sessions/session.py", "key != '_created'"): "a session dict key",
    (
        "macaroons/services.py",
        "canonical != body.replace('+', '-').replace('/', '_')",
    ): "the token against its own re-serialization: both are the presented token",
}


def _names(node: ast.AST) -> str:
    return ast.unparse(node)


def secretish_comparisons() -> dict[tuple[str, str], int]:
    found: dict[tuple[str, str], int] = {}
    for path in sorted(ROOT.rglob("*.py")):
        relative = str(path.relative_to(ROOT))
        if relative.startswith("migrations"):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Compare):
                continue
            if not any(isinstance(op, ast.Eq | ast.NotEq) for op in node.ops):
                continue
            sides = [node.left, *node.comparators]
            if any(isinstance(s, ast.Constant) and s.value is None for s in sides):
                continue
            if any(SECRETISH.search(_names(s)) for s in sides):
                found[(relative, ast.unparse(node))] = node.lineno
    return found


def test_no_unreviewed_secret_comparison(figure: Callable[[str], None]):
    found = secretish_comparisons()
    unreviewed = {
        f"{path}:{line}: {expr}"
        for (path, expr), line in found.items()
        if (path, expr) not in REVIEWED
    }
    assert not unreviewed, (
        "comparisons of secret-looking values with ==/!=: use hmac.compare_digest, or review "
        f"and list them in REVIEWED with the reason: {sorted(unreviewed)}"
    )
    figure(
        f"timing-safe comparisons: {len(found)} ==/!= on secret-looking names in "
        f"warehouse_lite/, each reviewed and not a secret comparison; unreviewed: 0"
    )


def test_secret_checks_use_constant_time_primitives(monkeypatch: Any):
    # Libraries: the names they call are hmac.compare_digest itself.
    assert pyotp_utils.compare_digest is hmac.compare_digest  # TOTP (pyotp)
    assert macaroon_verifier.constant_time_compare is hmac.compare_digest  # macaroon HMAC chain
    assert "hmac.compare_digest" in inspect.getsource(itsdangerous_signer)  # cookies, links
    assert "compare_digest" in inspect.getsource(pyramid.util.strings_differ)
    assert "strings_differ" in inspect.getsource(pyramid.csrf.SessionCSRFStoragePolicy)  # CSRF
    # Ours: TOTP codes and upload digests.
    assert "hmac.compare_digest" in inspect.getsource(two_factor_codes.match_totp_step)
    assert "hmac.compare_digest" in inspect.getsource(digests.check_digests)
    # Passwords: argon2 verification, also for a user that does not exist (same cost).
    calls: list[str] = []
    users = UserService(None)  # type: ignore[arg-type]
    real = users.verify_password
    monkeypatch.setattr(users, "verify_password", lambda h, p: calls.append(h) or real(h, p))
    assert users.check_password(None, "guess") is False
    assert calls == [passwords.dummy_hash(users.password_cost)]
    assert calls[0].startswith("$argon2id$")
