"""The embedded demo and development: `make run`, `manage.py` on a laptop."""

import secrets

from .base import *  # noqa: F403
from .base import STATIC_ROOT, VAR_DIR, env


def _local_secret_key():
    # One random key per checkout, kept under var/, so that sessions survive a restart
    # and no key is ever committed.
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


def _local_personal_data_key():
    # Likewise one Fernet key per checkout for the demo's personal data.
    from cryptography.fernet import Fernet

    path = VAR_DIR / "personal_data_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(Fernet.generate_key().decode())
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = env("DJANGO_SECRET_KEY", default="") or _local_secret_key()
PERSONAL_DATA_KEYS = env.list("PERSONAL_DATA_KEYS", default=[]) or [_local_personal_data_key()]
DEMO_DATA_ALLOWED = True

# Static files are served from the app folders (WHITENOISE_USE_FINDERS); WhiteNoise still wants
# STATIC_ROOT to exist.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
