"""Each settings module, loaded in a fresh process with a given environment."""

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.checks import run_checks

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
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_", "PORTAL_"))
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
    assert loaded["cache"] == "hangzhou_cfc.cache.SharedRedisCache"


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


def check_deploy(**env):
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=clean_environment(
            **SERVERS,
            DJANGO_SETTINGS_MODULE="hangzhou_cfc.settings.production",
            DJANGO_SECRET_KEY="a-test-key-" + "k" * 50,
            DJANGO_ALLOWED_HOSTS="portal.example",
            PERSONAL_DATA_KEYS=A_FERNET_KEY,
            **env,
        ),
        capture_output=True,
        text=True,
    )


def test_production_settings_pass_the_deployment_checks():
    result = check_deploy(PORTAL_BASE_URL="https://portal.example")

    assert result.returncode == 0, result.stdout + result.stderr


def test_production_with_a_loopback_portal_address_fails_the_deployment_checks():
    result = check_deploy(PORTAL_BASE_URL="http://127.0.0.1:8000")

    assert result.returncode != 0
    assert "hangzhou_cfc.E002" in result.stderr
    assert "PORTAL_BASE_URL" in result.stderr


def test_production_without_a_portal_address_fails_the_deployment_checks():
    result = check_deploy()

    assert result.returncode != 0
    assert "hangzhou_cfc.E001" in result.stderr


@pytest.mark.parametrize(
    ("url", "errors"),
    [
        ("https://portal.example.org", []),
        ("http://portal.example.org:8101/", []),
        ("http://10.0.0.5:8000", []),
        ("http://127.0.0.1:8000", ["hangzhou_cfc.E002"]),
        ("http://localhost:8101", ["hangzhou_cfc.E002"]),
        ("http://[::1]:8000", ["hangzhou_cfc.E002"]),
        ("http://0.0.0.0:8000", ["hangzhou_cfc.E002"]),
        ("", ["hangzhou_cfc.E001"]),
        ("portal.example.org", ["hangzhou_cfc.E001"]),
    ],
)
def test_the_deployment_check_of_the_portal_address(settings, url, errors):
    settings.PORTAL_BASE_URL = url

    found = run_checks(include_deployment_checks=True, tags=["security"])

    assert [error.id for error in found if error.id.startswith("hangzhou_cfc.")] == errors


def test_the_portal_address_of_make_run_follows_its_port(tmp_path):
    """`make run PORT=8101` serves on 8101, and the links its processes write point there."""
    result = subprocess.run(
        ["make", "--dry-run", "run", "PORT=8101"],
        cwd=BASE_DIR,
        env=clean_environment(),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    honcho = next(
        line for line in result.stdout.replace("\\\n", " ").splitlines() if "honcho start" in line
    )
    variables = dict(
        word.split("=", 1) for word in shlex.split(honcho) if "=" in word and word[0].isupper()
    )
    assert variables["PORTAL_PORT"] == "8101"

    loaded = run_python(
        "from django.conf import settings; print(settings.PORTAL_BASE_URL)",
        "hangzhou_cfc.settings.local",
        DJANGO_VAR_DIR=str(tmp_path),
        **variables,
    )

    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stdout.strip() == "http://127.0.0.1:8101"


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
