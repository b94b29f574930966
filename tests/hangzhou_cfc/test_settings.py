"""Each settings module, loaded in a fresh process with a given environment."""

import json
import os
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
PRINT_SETTINGS = """
import json
from django.conf import settings
print(json.dumps({
    "engine": settings.DATABASES["default"]["ENGINE"],
    "db_name": str(settings.DATABASES["default"]["NAME"]),
    "broker": settings.CELERY_BROKER_URL,
    "cache": settings.CACHES["default"]["BACKEND"],
    "debug": settings.DEBUG,
    "language": settings.LANGUAGE_CODE,
    "demo": settings.DEMO_DATA_ALLOWED,
}))
"""
SERVERS = {
    "DATABASE_URL": "postgres://portal:secret@db.example:5432/portal",
    "REDIS_URL": "redis://cache.example:6379/2",
}


def clean_environment(**env):
    """This process's environment without any setting, plus the given variables."""
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_"))
    }
    return {**clean, **env}


def run_python(code, module, **env):
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup()\n{code}"],
        cwd=BASE_DIR,
        env=clean_environment(DJANGO_SETTINGS_MODULE=module, **env),
        capture_output=True,
        text=True,
    )


def load(module, **env):
    result = run_python(PRINT_SETTINGS, module, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_local_settings_default_to_sqlite_and_the_file_broker_under_var(tmp_path):
    loaded = load("hangzhou_cfc.settings.local", DJANGO_VAR_DIR=str(tmp_path))

    assert loaded["engine"] == "django.db.backends.sqlite3"
    assert loaded["db_name"] == str(tmp_path / "db.sqlite3")
    assert loaded["broker"] == "filesystem://"
    assert (tmp_path / "broker" / "queue").is_dir()
    assert (tmp_path / "broker" / "control").is_dir()
    assert (tmp_path / "secret_key").exists(), "a local secret key is generated, not committed"
    assert loaded["language"] == "zh-hans"
    assert loaded["demo"] is True


def test_local_settings_use_postgres_and_redis_when_their_urls_are_set(tmp_path):
    loaded = load("hangzhou_cfc.settings.local", DJANGO_VAR_DIR=str(tmp_path), **SERVERS)

    assert loaded["engine"] == "django.db.backends.postgresql"
    assert loaded["db_name"] == "portal"
    assert loaded["broker"] == SERVERS["REDIS_URL"]
    assert loaded["cache"] == "django_redis.cache.RedisCache"


A_FERNET_KEY = "dGVzdHMtb25seS1ub3QtYS1zZWNyZXQtMzItYnl0ZXM="


def test_production_settings_refuse_to_start_without_a_secret_key():
    result = run_python("", "hangzhou_cfc.settings.production", **SERVERS)

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_settings_refuse_the_embedded_sqlite_and_file_broker():
    result = run_python(
        "",
        "hangzhou_cfc.settings.production",
        DJANGO_SECRET_KEY="x" * 50,
        DJANGO_ALLOWED_HOSTS="portal.example",
    )

    assert result.returncode != 0
    assert "DATABASE_URL" in result.stderr


def test_production_settings_pass_the_deployment_checks():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=clean_environment(
            **SERVERS,
            DJANGO_SETTINGS_MODULE="hangzhou_cfc.settings.production",
            DJANGO_SECRET_KEY="a-test-key-" + "k" * 50,
            DJANGO_ALLOWED_HOSTS="portal.example",
            PERSONAL_DATA_KEYS=A_FERNET_KEY,
        ),
        capture_output=True,
        text=True,
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_production_settings_refuse_to_start_without_the_personal_data_key():
    result = run_python(
        "",
        "hangzhou_cfc.settings.production",
        DJANGO_SECRET_KEY="x" * 50,
        DJANGO_ALLOWED_HOSTS="portal.example",
        **SERVERS,
    )

    assert result.returncode != 0
    assert "PERSONAL_DATA_KEYS" in result.stderr


def test_production_forbids_demo_data():
    loaded = load(
        "hangzhou_cfc.settings.production",
        DJANGO_SECRET_KEY="x" * 50,
        DJANGO_ALLOWED_HOSTS="portal.example",
        PERSONAL_DATA_KEYS=A_FERNET_KEY,
        **SERVERS,
    )

    assert loaded["demo"] is False
    assert loaded["debug"] is False


def test_the_system_checks_pass():
    from django.core.management import call_command

    call_command("check", fail_level="WARNING")
