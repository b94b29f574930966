"""Production: gunicorn behind a TLS-terminating proxy, PostgreSQL and Redis.

Required: DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS, DATABASE_URL, REDIS_URL, PERSONAL_DATA_KEYS,
and PORTAL_BASE_URL (`check --deploy` refuses it unset or an address of this machine).
"""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env

SECRET_KEY = env("DJANGO_SECRET_KEY")
DEBUG = False
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
# The address people open, which e-mails and calendar feeds link to: no default here, so that
# `check --deploy` (hangzhou_cfc.E001) says when it is missing rather than links leading to
# the loopback address of the server.
PORTAL_BASE_URL = env("PORTAL_BASE_URL", default="")

# The proxy terminates TLS and says so in this header.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
# The container health check asks for /healthz over plain HTTP from inside the container.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
# Behind the proxy every request comes from the proxy's address: django-axes takes the client's
# address from X-Forwarded-For, trusting as many proxies as there are in front of the app.
AXES_IPWARE_PROXY_COUNT = env.int("DJANGO_PROXY_COUNT", default=1)
AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)

# Hashed, compressed static files collected at image build time (see Dockerfile).
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = False

# Production never falls back to the embedded SQLite file or file broker.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    raise ImproperlyConfigured("Set DATABASE_URL to the PostgreSQL database.")
if not PERSONAL_DATA_KEYS:  # noqa: F405
    raise ImproperlyConfigured(
        "Set PERSONAL_DATA_KEYS to the Fernet key(s) of children's personal data."
    )
if not REDIS_URL:  # noqa: F405
    raise ImproperlyConfigured("Set REDIS_URL to the Redis server (broker and cache).")
