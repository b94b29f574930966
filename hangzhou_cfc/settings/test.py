"""The test suite. DATABASE_URL and REDIS_URL, when set, point the tests at real servers."""

from .base import *  # noqa: F403
from .base import REDIS_URL, env

SECRET_KEY = "tests-only-not-a-secret"  # noqa: S105
PERSONAL_DATA_KEYS = ["dGVzdHMtb25seS1ub3QtYS1zZWNyZXQtMzItYnl0ZXM="]
DEBUG = False
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# One e-mail per event to staff, as the tests of the pipeline expect; the digest has its own.
MESSAGES_STAFF_DIGEST = False
DEMO_DATA_ALLOWED = True
# Static files come from the finders; nothing is collected, so WhiteNoise needs no STATIC_ROOT.
STATIC_ROOT = None

# Tasks run in-process unless a test starts a real worker (see tests/conftest.py).
CELERY_TASK_ALWAYS_EAGER = True
# Every response is searched for children's real names (tests/realnames.py).
MIDDLEWARE = ["tests.realnames.RealNameWatch", *MIDDLEWARE]  # noqa: F405
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_URL = REDIS_URL or "memory://"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# The portal's own logging (its filters), without the console handler: pytest captures the logs.
LOGGING = {
    **LOGGING,  # noqa: F405
    "handlers": {},
    "root": {"level": env("DJANGO_LOG_LEVEL", default="WARNING")},
}
