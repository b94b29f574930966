"""Production builds its static files and serves a page with them (issue 16, item 1).

The Dockerfile's build runs `collectstatic` under the production settings; without its
manifest every page under those settings is a 500."""

import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet

from tests.hangzhou_cfc.test_settings import clean_environment

BASE_DIR = Path(__file__).resolve().parents[2]

SERVE_THE_LOGIN_PAGE = """
import django
django.setup()
from django.test import Client
response = Client().get(
    "/accounts/login/", HTTP_X_FORWARDED_PROTO="https", HTTP_HOST="portal.example.org"
)
print(response.status_code)
assert b"/static/" in response.content and b".css" in response.content
"""


def production_environment(static_root):
    return clean_environment(
        DJANGO_SETTINGS_MODULE="hangzhou_cfc.settings.production",
        DJANGO_SECRET_KEY="build-only-" + "x" * 50,
        DJANGO_ALLOWED_HOSTS="portal.example.org",
        DATABASE_URL="postgres://build@127.0.0.1:1/build",
        REDIS_URL="redis://127.0.0.1:1/0",
        PERSONAL_DATA_KEYS=Fernet.generate_key().decode(),
        DJANGO_STATIC_ROOT=str(static_root),
    )


def test_collectstatic_under_production_settings_builds_the_manifest_and_pages_use_it(
    production_static,
):
    """collectstatic itself runs in the `production_static` fixture (tests/hangzhou_cfc/
    conftest.py), once for the session."""
    env = production_environment(production_static.root)
    built = production_static.built

    assert built.returncode == 0, built.stderr[-2000:]
    assert (production_static.root / "staticfiles.json").exists()
    served = subprocess.run(
        [sys.executable, "-c", SERVE_THE_LOGIN_PAGE],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert served.returncode == 0, served.stderr[-2000:]
    assert served.stdout.strip() == "200"


def test_no_vendored_file_names_a_source_map_that_is_not_there():
    for path in (BASE_DIR / "static").rglob("*.js"):
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            if "sourceMappingURL=" in line:
                target = line.split("sourceMappingURL=", 1)[1].strip()
                assert (path.parent / target).exists(), f"{path} names {target}"
