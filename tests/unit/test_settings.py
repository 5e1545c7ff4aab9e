from __future__ import annotations

import dataclasses
import typing
from pathlib import Path

import pytest

from warehouse_lite.settings import SettingsError, load_settings


def test_defaults_generate_development_secrets_once(tmp_path: Path) -> None:
    first = load_settings({"VAR_DIR": str(tmp_path)})
    second = load_settings({"VAR_DIR": str(tmp_path)})
    assert first.env == "development"
    assert len(first.session_secret) >= 32
    assert first.session_secret == second.session_secret
    assert first.token_secret != first.session_secret
    assert (tmp_path / "secrets.json").stat().st_mode & 0o777 == 0o600
    assert first.sqlalchemy_url == f"sqlite:///{tmp_path / 'warehouse.sqlite3'}"
    assert first.tasks_eager and first.outbox_dir == tmp_path / "mail"


def test_typed_values_are_converted(tmp_path: Path) -> None:
    settings = load_settings(
        {
            "VAR_DIR": str(tmp_path),
            "SMTP_PORT": "2525",
            "SMTP_STARTTLS": "yes",
            "ALLOW_PASSWORD_UPLOADS": "false",
            "DATABASE_URL": "postgres://u@h/db",
            "REDIS_URL": "redis://localhost:6379/1",
            "SITE_URL": "https://pkg.example.org",
        }
    )
    assert settings.smtp_port == 2525 and settings.smtp_starttls is True
    assert settings.allow_password_uploads is False
    assert settings.sqlalchemy_url == "postgresql+psycopg://u@h/db"
    assert settings.broker_url == "redis://localhost:6379/1" and not settings.tasks_eager
    assert settings.domain == "pkg.example.org" and settings.cookies_secure
    assert settings.origin == "https://pkg.example.org"


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"SMTP_PORT": "twenty"}, "SMTP_PORT='twenty' is not a whole number"),
        ({"SMTP_STARTTLS": "maybe"}, "SMTP_STARTTLS='maybe' is not a boolean"),
        ({"WAREHOUSE_ENV": "staging"}, "WAREHOUSE_ENV='staging' is not one of"),
        ({"MAIL_BACKEND": "pigeon"}, "MAIL_BACKEND='pigeon' is not one of"),
        ({"SITE_URL": "ftp://x"}, "SITE_URL"),
        ({"DATABASE_URL": "mysql://x/y"}, "DATABASE_URL must be"),
        ({"REDIS_URL": "localhost:6379"}, "REDIS_URL"),
        ({"LOGIN_RATE_LIMIT_USER": "lots"}, "LOGIN_RATE_LIMIT_USER='lots' is not a rate limit"),
        ({"REAUTH_MAX_AGE": "30"}, "REAUTH_MAX_AGE=30 must be at least 60"),
        ({"MAX_DESCRIPTION_SIZE": "0"}, "MAX_DESCRIPTION_SIZE must be a positive whole number"),
        ({"DESCRIPTION_RENDER_SECONDS": "-1"}, "DESCRIPTION_RENDER_SECONDS must be a positive"),
    ],
)
def test_bad_values_fail_fast_naming_the_variable(
    tmp_path: Path, environ: dict[str, str], message: str
) -> None:
    with pytest.raises(SettingsError, match=message.replace("(", r"\(")):
        load_settings({"VAR_DIR": str(tmp_path), **environ})


def test_production_refuses_missing_or_weak_secrets(tmp_path: Path) -> None:
    base = {
        "VAR_DIR": str(tmp_path),
        "WAREHOUSE_ENV": "production",
        "DATABASE_URL": "postgresql://x/y",
    }
    with pytest.raises(SettingsError, match="SESSION_SECRET must be set"):
        load_settings(base)
    with pytest.raises(SettingsError, match="TOKEN_SECRET must be set"):
        load_settings({**base, "SESSION_SECRET": "s" * 40, "TOKEN_SECRET": "short"})
    with pytest.raises(SettingsError, match="DATABASE_URL must be set"):
        load_settings(
            {**base, "DATABASE_URL": "", "SESSION_SECRET": "s" * 40, "TOKEN_SECRET": "t" * 40}
        )
    ok = load_settings({**base, "SESSION_SECRET": "s" * 40, "TOKEN_SECRET": "t" * 40})
    assert ok.is_production
    assert not (tmp_path / "secrets.json").exists()


@pytest.mark.parametrize(
    ("weak", "message"),
    [
        ({"PASSWORD_HASH_TIME_COST": "1"}, "PASSWORD_HASH_TIME_COST=1 is too weak for production"),
        ({"PASSWORD_HASH_TIME_COST": "2"}, "PASSWORD_HASH_TIME_COST=2 is too weak for production"),
        ({"PASSWORD_HASH_MEMORY_COST": "1024"}, "PASSWORD_HASH_MEMORY_COST=1024 is too weak"),
        ({"PASSWORD_HASH_MEMORY_COST": "65535"}, "PASSWORD_HASH_MEMORY_COST=65535 is too weak"),
        ({"PASSWORD_HASH_PARALLELISM": "0"}, "must be at least 1"),
    ],
)
def test_production_refuses_a_weak_password_hash_cost(
    tmp_path: Path, weak: dict[str, str], message: str
) -> None:
    production = {
        "VAR_DIR": str(tmp_path),
        "WAREHOUSE_ENV": "production",
        "DATABASE_URL": "postgresql://x/y",
        "SESSION_SECRET": "s" * 40,
        "TOKEN_SECRET": "t" * 40,
    }
    strong = load_settings(production)
    assert (strong.password_hash_time_cost, strong.password_hash_memory_cost) >= (3, 65536)
    with pytest.raises(SettingsError, match=message):
        load_settings({**production, **weak})
    # Nor can a production Settings be made weak afterwards, or a weak one made production.
    field = {
        "PASSWORD_HASH_TIME_COST": "password_hash_time_cost",
        "PASSWORD_HASH_MEMORY_COST": "password_hash_memory_cost",
        "PASSWORD_HASH_PARALLELISM": "password_hash_parallelism",
    }
    [(name, value)] = weak.items()
    with pytest.raises(SettingsError, match=message):
        dataclasses.replace(strong, **{field[name]: int(value)})
    if name != "PASSWORD_HASH_PARALLELISM":  # below 1 is refused everywhere
        cheap = load_settings({**production, **weak, "WAREHOUSE_ENV": "test"})  # tests: allowed
        with pytest.raises(SettingsError, match=message):
            dataclasses.replace(cheap, env="production")


def test_a_password_hash_cost_argon2_cannot_use_is_refused_at_start_up(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="at least 8 KiB per lane"):
        load_settings(
            {
                "VAR_DIR": str(tmp_path),
                "PASSWORD_HASH_MEMORY_COST": "8",
                "PASSWORD_HASH_PARALLELISM": "2",
            }
        )


def test_every_setting_can_be_read_from_its_environment_variable() -> None:
    """Each field's type is one the loader converts (a float field once passed its string
    through, and a background thread died on it)."""
    import dataclasses

    from warehouse_lite.settings import Settings, _convert

    hints = typing.get_type_hints(Settings)
    for f in dataclasses.fields(Settings):
        if f.metadata.get("env") is None:
            continue
        default = f.default if f.default is not dataclasses.MISSING else ""
        raw = (
            ""
            if default is None
            else str(default).lower()
            if isinstance(default, bool)
            else str(default)
        )
        value = _convert(f.metadata["env"], raw, hints[f.name])
        if default not in (None, "") and not isinstance(default, Path):
            assert value == default, f.name
