"""Typed settings, read once from environment variables.

Every setting has a type and a default suited to the embedded development mode. A bad value
stops the process at start-up with a message that names the variable, instead of failing later
inside a request. Production mode refuses to start with generated development secrets.
"""

from __future__ import annotations

import dataclasses
import json
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, get_args, get_origin, get_type_hints
from urllib.parse import urlsplit

from warehouse_lite.registry_slots import RegistrySlot

if TYPE_CHECKING:
    from pyramid.config import Configurator
    from pyramid.registry import Registry
    from pyramid.request import Request

Environment = Literal["development", "production", "test"]
MailBackend = Literal["outbox", "smtp"]


class SettingsError(ValueError):
    """Raised when an environment variable holds a value that cannot be used."""


def _env(name: str) -> dict[str, Any]:
    return {"env": name}


@dataclass(frozen=True)
class Settings:
    """The application's configuration. Field metadata names the environment variable."""

    env: Environment = field(default="development", metadata=_env("WAREHOUSE_ENV"))
    var_dir: Path = field(default=Path("var"), metadata=_env("VAR_DIR"))
    database_url: str = field(default="", metadata=_env("DATABASE_URL"))
    redis_url: str = field(default="", metadata=_env("REDIS_URL"))
    session_secret: str = field(default="", metadata=_env("SESSION_SECRET"), repr=False)
    token_secret: str = field(default="", metadata=_env("TOKEN_SECRET"), repr=False)
    site_name: str = field(default="warehouse_lite", metadata=_env("SITE_NAME"))
    site_url: str = field(default="http://localhost:6543", metadata=_env("SITE_URL"))
    mail_backend: MailBackend = field(default="outbox", metadata=_env("MAIL_BACKEND"))
    mail_from: str = field(default="warehouse_lite <noreply@localhost>", metadata=_env("MAIL_FROM"))
    mail_outbox_dir: Path | None = field(default=None, metadata=_env("MAIL_OUTBOX_DIR"))
    smtp_host: str = field(default="localhost", metadata=_env("SMTP_HOST"))
    smtp_port: int = field(default=25, metadata=_env("SMTP_PORT"))
    smtp_username: str = field(default="", metadata=_env("SMTP_USERNAME"))
    smtp_password: str = field(default="", metadata=_env("SMTP_PASSWORD"), repr=False)
    smtp_starttls: bool = field(default=False, metadata=_env("SMTP_STARTTLS"))
    smtp_ssl: bool = field(default=False, metadata=_env("SMTP_SSL"))
    smtp_timeout: int = field(default=10, metadata=_env("SMTP_TIMEOUT"))
    mail_sweep_interval: int = field(default=15, metadata=_env("MAIL_SWEEP_INTERVAL"))
    celery_broker_url: str = field(default="", metadata=_env("CELERY_BROKER_URL"))
    celery_eager: bool | None = field(default=None, metadata=_env("CELERY_EAGER"))
    files_dir: Path | None = field(default=None, metadata=_env("FILES_DIR"))
    session_max_age: int = field(default=12 * 3600, metadata=_env("SESSION_MAX_AGE"))
    # Sudo mode: how long a password entry (login or confirmation) lets a session make
    # sensitive changes (accounts/recent_auth.py) before the password is asked again.
    reauth_max_age: int = field(default=15 * 60, metadata=_env("REAUTH_MAX_AGE"))
    login_rate_limit_user: str = field(
        default="10 per 5 minutes", metadata=_env("LOGIN_RATE_LIMIT_USER")
    )
    login_rate_limit_ip: str = field(
        default="60 per 5 minutes", metadata=_env("LOGIN_RATE_LIMIT_IP")
    )
    two_factor_rate_limit_user: str = field(
        default="10 per 5 minutes", metadata=_env("TWO_FACTOR_RATE_LIMIT_USER")
    )
    two_factor_rate_limit_ip: str = field(
        default="60 per 5 minutes", metadata=_env("TWO_FACTOR_RATE_LIMIT_IP")
    )
    password_reset_rate_limit: str = field(
        default="5 per hour", metadata=_env("PASSWORD_RESET_RATE_LIMIT")
    )
    email_add_rate_limit: str = field(default="10 per hour", metadata=_env("EMAIL_ADD_RATE_LIMIT"))
    # Emails caused by someone's action (email/throttle.py): per address for the emails sent to
    # reach an address at someone's request (verification, password reset, invitation), and
    # per actor (user, or client IP when logged out) for every email sent to someone else.
    email_rate_limit_address: str = field(
        default="5 per hour", metadata=_env("EMAIL_RATE_LIMIT_ADDRESS")
    )
    email_rate_limit_actor: str = field(
        default="50 per hour", metadata=_env("EMAIL_RATE_LIMIT_ACTOR")
    )
    password_min_length: int = field(default=8, metadata=_env("PASSWORD_MIN_LENGTH"))
    # The argon2id cost of new password hashes (accounts/passwords.py). The defaults are
    # RFC 9106's second recommended option (argon2-cffi's defaults); production refuses less
    # (see _PASSWORD_COST_FLOOR). Tests set a cheap cost: every login verifies a hash.
    password_hash_time_cost: int = field(default=3, metadata=_env("PASSWORD_HASH_TIME_COST"))
    password_hash_memory_cost: int = field(  # KiB
        default=64 * 1024, metadata=_env("PASSWORD_HASH_MEMORY_COST")
    )
    password_hash_parallelism: int = field(default=4, metadata=_env("PASSWORD_HASH_PARALLELISM"))
    email_verify_max_age: int = field(default=48 * 3600, metadata=_env("EMAIL_VERIFY_MAX_AGE"))
    password_reset_max_age: int = field(default=6 * 3600, metadata=_env("PASSWORD_RESET_MAX_AGE"))
    # How long an invitation to collaborate on a project can be accepted (3 days, as on PyPI).
    invitation_max_age: int = field(default=3 * 24 * 3600, metadata=_env("INVITATION_MAX_AGE"))
    allow_password_uploads: bool = field(default=True, metadata=_env("ALLOW_PASSWORD_UPLOADS"))
    max_file_size: int = field(default=100 * 1024 * 1024, metadata=_env("MAX_FILE_SIZE"))
    max_project_size: int = field(
        default=10 * 1024 * 1024 * 1024, metadata=_env("MAX_PROJECT_SIZE")
    )
    # Refuse sdists named as setuptools < 69.3 names them (My.Project-1.0.tar.gz) instead of
    # accepting them with a deprecation email (forklift/filenames.py).
    strict_sdist_names: bool = field(default=False, metadata=_env("STRICT_SDIST_NAMES"))
    # Accept wheels tagged linux_<arch> (PyPI refuses them; see forklift/tags.py).
    allow_linux_wheels: bool = field(default=True, metadata=_env("ALLOW_LINUX_WHEELS"))
    # The description (README) of an upload, in bytes of UTF-8; rendering reStructuredText
    # costs time that grows faster than the text (docs/security.md, upload limits).
    max_description_size: int = field(default=256 * 1024, metadata=_env("MAX_DESCRIPTION_SIZE"))
    # Processor time one description may take to render, in seconds (in a worker process).
    description_render_seconds: int = field(default=10, metadata=_env("DESCRIPTION_RENDER_SECONDS"))
    simple_cache_seconds: int = field(default=60, metadata=_env("SIMPLE_CACHE_SECONDS"))
    # Where rendered /simple/ pages are published for the reverse proxy to serve (see
    # packaging/static_pages.py and `warehouse-lite nginx-config`); unset: not published.
    simple_pages_dir: Path | None = field(default=None, metadata=_env("SIMPLE_PAGES_DIR"))
    secure_cookies: bool | None = field(default=None, metadata=_env("SECURE_COOKIES"))
    # How many reverse proxies in front of the app append to X-Forwarded-For (0: trust none).
    trusted_proxies: int = field(default=0, metadata=_env("TRUSTED_PROXIES"))
    # Leaked-token reports (POST /_/secrets/disclose-token, GitHub secret-scanning format): the
    # reporter's ECDSA P-256 public keys, inline as GitHub publishes them
    # ({"public_keys": [{"key_identifier": ..., "key": "<PEM>"}]}) or fetched from a URL.
    # Neither set: the endpoint answers 503.
    token_disclosure_keys_url: str = field(default="", metadata=_env("TOKEN_DISCLOSURE_KEYS_URL"))
    token_disclosure_keys: str = field(default="", metadata=_env("TOKEN_DISCLOSURE_KEYS"))

    def __post_init__(self) -> None:
        # Here rather than in load_settings: no Settings with a weak cost can exist in
        # production, not even one made with dataclasses.replace.
        _check_password_cost(self)

    # ---- derived values -------------------------------------------------------------------

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def domain(self) -> str:
        """Host name of the site: the WebAuthn relying party id and the macaroon location."""
        return urlsplit(self.site_url).hostname or "localhost"

    @property
    def origin(self) -> str:
        parts = urlsplit(self.site_url)
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def cookies_secure(self) -> bool:
        if self.secure_cookies is not None:
            return self.secure_cookies
        return urlsplit(self.site_url).scheme == "https"

    @property
    def tasks_eager(self) -> bool:
        """Celery runs tasks in-process unless a broker is configured (embedded mode)."""
        if self.celery_eager is not None:
            return self.celery_eager
        return not self.broker_url

    @property
    def broker_url(self) -> str:
        return self.celery_broker_url or self.redis_url

    @property
    def outbox_dir(self) -> Path:
        return self.mail_outbox_dir or self.var_dir / "mail"

    @property
    def storage_dir(self) -> Path:
        return self.files_dir or self.var_dir / "files"

    @property
    def sqlalchemy_url(self) -> str:
        url = self.database_url or f"sqlite:///{self.var_dir / 'warehouse.sqlite3'}"
        # Accept the common postgres:// and postgresql:// spellings; we always drive psycopg 3.
        for prefix in ("postgres://", "postgresql://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url[len(prefix) :]
        return url


# The least argon2id cost production accepts, per setting: RFC 9106's low-memory option
# (t=3 passes over 64 MiB). Parallelism (lanes) is left free: it changes how fast the server
# computes a hash, not how much work an attacker needs per guess.
_PASSWORD_COST_FLOOR = {"password_hash_time_cost": 3, "password_hash_memory_cost": 64 * 1024}


def _check_password_cost(settings: Settings) -> None:
    def env_name(name: str) -> str:
        return str(Settings.__dataclass_fields__[name].metadata["env"])

    if settings.password_hash_time_cost < 1 or settings.password_hash_parallelism < 1:
        raise SettingsError(
            f"{env_name('password_hash_time_cost')} and {env_name('password_hash_parallelism')} "
            "must be at least 1"
        )
    if settings.password_hash_memory_cost < 8 * settings.password_hash_parallelism:
        raise SettingsError(
            f"{env_name('password_hash_memory_cost')} must be at least 8 KiB per lane "
            f"({env_name('password_hash_parallelism')})"
        )
    if settings.env == "production":
        for name, least in _PASSWORD_COST_FLOOR.items():
            if getattr(settings, name) < least:
                raise SettingsError(
                    f"{env_name(name)}={getattr(settings, name)} is too weak for production: "
                    f"at least {least} (a cheap cost is only for tests and development)"
                )


def _convert(name: str, raw: str, annotation: Any) -> Any:
    origin = get_origin(annotation)
    args = [a for a in get_args(annotation) if a is not type(None)]
    if origin is Literal:
        if raw not in get_args(annotation):
            allowed = ", ".join(get_args(annotation))
            raise SettingsError(f"{name}={raw!r} is not one of: {allowed}")
        return raw
    if args and origin is not Literal and len(args) == 1 and type(None) in get_args(annotation):
        if raw == "":
            return None
        return _convert(name, raw, args[0])
    if annotation is bool:
        lowered = raw.strip().lower()
        if lowered in {"1", "true", "yes", "on"}:
            return True
        if lowered in {"0", "false", "no", "off"}:
            return False
        raise SettingsError(f"{name}={raw!r} is not a boolean (use true/false)")
    if annotation is int:
        try:
            return int(raw)
        except ValueError:
            raise SettingsError(f"{name}={raw!r} is not a whole number") from None
    if annotation is Path:
        return Path(raw)
    if annotation is str:
        return raw
    # A new field of a type this loader doesn't read must fail at once, not pass a string on.
    raise TypeError(f"setting {name}: the loader cannot read a value of type {annotation!r}")


def _check(settings: Settings) -> None:
    parts = urlsplit(settings.site_url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise SettingsError(f"SITE_URL={settings.site_url!r} must be an http(s) URL with a host")
    url = settings.sqlalchemy_url
    if not (url.startswith("sqlite") or url.startswith("postgresql")):
        raise SettingsError("DATABASE_URL must be a sqlite:// or postgresql:// URL")
    if settings.redis_url and not settings.redis_url.startswith(
        ("redis://", "rediss://", "unix://")
    ):
        raise SettingsError(f"REDIS_URL={settings.redis_url!r} must be a redis:// URL")
    if settings.reauth_max_age < 60:
        raise SettingsError(
            f"REAUTH_MAX_AGE={settings.reauth_max_age} must be at least 60 (seconds): a shorter "
            "window would expire between confirming the password and the page that asked for it"
        )
    for name in ("max_description_size", "description_render_seconds"):
        if getattr(settings, name) < 1:
            env_name = Settings.__dataclass_fields__[name].metadata["env"]
            raise SettingsError(f"{env_name} must be a positive whole number")
    from limits import parse

    for f in dataclasses.fields(Settings):
        if f.name.endswith("rate_limit") or "_rate_limit_" in f.name:
            value = getattr(settings, f.name)
            try:
                parse(value)
            except ValueError:
                raise SettingsError(f"{f.metadata['env']}={value!r} is not a rate limit") from None
    if settings.is_production:
        for secret in ("session_secret", "token_secret"):
            if len(getattr(settings, secret)) < 32:
                env_name = Settings.__dataclass_fields__[secret].metadata["env"]
                raise SettingsError(
                    f"{env_name} must be set to at least 32 random characters in production"
                )
        if not settings.database_url:
            raise SettingsError("DATABASE_URL must be set in production")
        if url.startswith("sqlite"):
            raise SettingsError(
                "DATABASE_URL is an SQLite database, which is only for the embedded development "
                "mode (docs/embedded.md); production needs PostgreSQL: "
                "DATABASE_URL=postgresql://user:password@host:5432/dbname"
            )


def _development_secrets(var_dir: Path) -> dict[str, str]:
    """Secrets generated once per checkout, so that sessions survive a restart of `make serve`."""
    path = var_dir / "secrets.json"
    if path.exists():
        return dict(json.loads(path.read_text()))
    var_dir.mkdir(parents=True, exist_ok=True)
    generated = {
        "session_secret": secrets.token_urlsafe(48),
        "token_secret": secrets.token_urlsafe(48),
    }
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(generated, handle)
    return generated


def load_settings(environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Build Settings from ``environ`` (default: os.environ); keyword overrides win.

    Raises SettingsError with a message naming the variable at fault.
    """
    environ = os.environ if environ is None else environ
    hints = get_type_hints(Settings)
    values: dict[str, Any] = {}
    for f in dataclasses.fields(Settings):
        env_name = f.metadata["env"]
        if f.name in overrides:
            values[f.name] = overrides[f.name]
        elif env_name in environ:
            values[f.name] = _convert(env_name, environ[env_name], hints[f.name])
    settings = Settings(**values)
    if not settings.is_production and not (settings.session_secret and settings.token_secret):
        generated = _development_secrets(settings.var_dir)
        settings = dataclasses.replace(
            settings,
            session_secret=settings.session_secret or generated["session_secret"],
            token_secret=settings.token_secret or generated["token_secret"],
        )
    _check(settings)
    return settings


# Everything reads the settings through get_settings(registry) at configuration time or
# request.settings while answering a request.
_SETTINGS: RegistrySlot[Settings] = RegistrySlot("warehouse_lite.settings")


def get_settings(registry: Registry) -> Settings:
    """The app's settings, for configuration-time code (includeme, tween factories)."""
    return _SETTINGS.get(registry)


def store_settings(registry: Registry, settings: Settings) -> None:
    """Install ``settings`` as the app's (config.configure; tests that change a setting)."""
    _SETTINGS.put(registry, settings)


def _request_settings(request: Request) -> Settings:
    return get_settings(request.registry)


def includeme(config: Configurator) -> None:
    # Reified: one request sees one Settings even if a test swaps them between requests.
    config.add_request_method(_request_settings, "settings", reify=True)
