import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from config import env


def _settings_in_subprocess(**environ):
    """Import the real settings module with this environment and print what it chose."""
    code = (
        "import json, config.settings as s; "
        "print(json.dumps({'engine': s.DATABASES['default']['ENGINE'], 'name': str(s.DATABASES['default']['NAME']), "
        "'cache': s.CACHES['default']['BACKEND'], 'debug': s.DEBUG, 'lang': s.LANGUAGE_CODE, 'tz': s.TIME_ZONE}))"
    )
    base = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "CACHE_URL", "DEBUG"}}
    base.update(environ)
    return subprocess.run(
        [sys.executable, "-c", code], env=base, capture_output=True, text=True, cwd=settings.BASE_DIR, check=False
    )


def test_settings_default_to_sqlite_in_the_project():
    result = _settings_in_subprocess(DEBUG="true")
    assert result.returncode == 0, result.stderr
    assert '"engine": "django.db.backends.sqlite3"' in result.stdout
    assert "db.sqlite3" in result.stdout
    assert '"lang": "ja"' in result.stdout and '"tz": "Asia/Tokyo"' in result.stdout


def test_settings_read_database_url_and_redis_url():
    result = _settings_in_subprocess(
        DEBUG="true", DATABASE_URL="postgres://u@127.0.0.1:5432/goaltree", REDIS_URL="redis://127.0.0.1:6379/1"
    )
    assert result.returncode == 0, result.stderr
    assert "postgresql" in result.stdout and '"name": "goaltree"' in result.stdout
    assert "RedisCache" in result.stdout


def test_settings_require_a_secret_key_in_production():
    result = _settings_in_subprocess(DEBUG="false", SECRET_KEY="")
    assert result.returncode != 0
    assert "SECRET_KEY is required" in result.stderr


def test_settings_fail_loudly_on_a_bad_boolean():
    result = _settings_in_subprocess(DEBUG="maybe")
    assert result.returncode != 0
    assert "DEBUG must be true or false" in result.stderr


def test_env_helpers(monkeypatch, tmp_path):
    monkeypatch.setenv("X_BOOL", "yes")
    assert env.env_bool("X_BOOL") is True
    monkeypatch.setenv("X_INT", "12x")
    with pytest.raises(ImproperlyConfigured):
        env.env_int("X_INT", 1)
    secret = tmp_path / "secret"
    secret.write_text("from-a-file\n")
    monkeypatch.setenv("X_SECRET_FILE", str(secret))
    assert env.env_str("X_SECRET") == "from-a-file"
    monkeypatch.setenv("X_LIST", "a.example, b.example,")
    assert env.env_list("X_LIST") == ["a.example", "b.example"]


def test_the_test_run_uses_the_configured_database():
    expected = "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite3"
    assert expected in settings.DATABASES["default"]["ENGINE"]


def test_secret_key_fallbacks_keep_old_signatures_valid(settings):
    from django.core import signing

    settings.SECRET_KEY = "the-old-key-" + "x" * 40
    token = signing.dumps({"plan": 1}, salt="metrics.import-entries")
    settings.SECRET_KEY = "the-new-key-" + "y" * 40
    settings.SECRET_KEY_FALLBACKS = ["the-old-key-" + "x" * 40]
    assert signing.loads(token, salt="metrics.import-entries") == {"plan": 1}
    settings.SECRET_KEY_FALLBACKS = []
    with pytest.raises(signing.BadSignature):
        signing.loads(token, salt="metrics.import-entries")


def test_secret_key_fallbacks_come_from_the_environment():
    code = "import config.settings as s; print(s.SECRET_KEY_FALLBACKS)"
    env = {**os.environ, "DEBUG": "true", "SECRET_KEY_FALLBACKS": "old-one, older-one"}
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=settings.BASE_DIR, check=True
    )
    assert result.stdout.strip() == "['old-one', 'older-one']"
