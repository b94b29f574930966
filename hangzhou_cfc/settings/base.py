"""Settings shared by every environment; everything that differs comes from the environment.

Environment variables (all optional here; production.py makes some required):

- DATABASE_URL      e.g. postgres://user@host:5432/name; default: SQLite file under var/
- REDIS_URL         e.g. redis://127.0.0.1:6379/0; Celery broker and cache. Default: Celery's
                    file-system broker under var/ and a file-based cache (no server needed)
- DJANGO_SECRET_KEY, DJANGO_DEBUG, DJANGO_ALLOWED_HOSTS, DJANGO_CSRF_TRUSTED_ORIGINS
- DJANGO_EMAIL_URL  e.g. smtp://user:pass@host:587; default: console
- DJANGO_DEFAULT_FROM_EMAIL, DJANGO_VAR_DIR, DJANGO_LOG_LEVEL
- PORTAL_BASE_URL   the address links in e-mails and calendar feeds point to
- SMS_SECRET_ID …    Tencent Cloud SMS (below); SMS is off without it
- WECHAT_APP_ID, WECHAT_APP_SECRET, WECHAT_TEMPLATES  WeChat template messages (README: WeChat)
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()

# var/ holds everything the embedded default writes: the SQLite file, the file broker, uploads.
VAR_DIR = Path(env("DJANGO_VAR_DIR", default=str(BASE_DIR / "var")))

SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "django_filters",
    "axes",
    "auditlog",
    "groups",
    "places",
    "suggestions",
    "activities",
    "reports",
    "audit",
    "privacy",
    "imports",
    "messaging",
    # The role home pages, above every app: they read them all.
    "home",
    # The project itself: its system checks (hangzhou_cfc/checks.py).
    "hangzhou_cfc.apps.PortalConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "hangzhou_cfc.api.ApiLanguageMiddleware",
    "hangzhou_cfc.api.ApiBodyLimitMiddleware",
    # A POST to the API sent again with its Idempotency-Key gets the first answer.
    "hangzhou_cfc.idempotency.IdempotencyMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # django-auditlog's, naming the actor also when the API logs in with a token.
    "audit.middleware.AuditlogMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "hangzhou_cfc.middleware.IdleTimeoutMiddleware",
    # An HTML form sent again with its hidden key gets the first answer (after the session,
    # the user and the messages: a replay says so, a refusal is a page like any other).
    "hangzhou_cfc.idempotency.FormKeyMiddleware",
    # Last, as django-axes asks: it answers a locked-out login.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "hangzhou_cfc.urls"
WSGI_APPLICATION = "hangzhou_cfc.wsgi.application"
ASGI_APPLICATION = "hangzhou_cfc.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "suggestions.context_processors.notifications",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# SQLite for the embedded demo; PostgreSQL (DATABASE_URL) in production and CI.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server, the worker and beat write to the same file: WAL lets readers go on while
    # one writes, IMMEDIATE takes the write lock at BEGIN so that two writers queue instead of
    # failing half-way through a transaction.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and Celery -----------------------------------------------------------------------
REDIS_URL = env("REDIS_URL", default="")


def redis_cache(url: str) -> dict:
    """The cache on Redis, degrading while Redis is away: a read misses, a write is dropped,
    after at most half a second, so that nothing a request does fails for the cache's sake
    (the API's throttles then let requests through)."""
    return {
        # django-redis, but clear() leaves the broker's keys alone (hangzhou_cfc/cache.py).
        "BACKEND": "hangzhou_cfc.cache.SharedRedisCache",
        "LOCATION": url,
        "KEY_PREFIX": "cache",
        "OPTIONS": {
            "IGNORE_EXCEPTIONS": True,
            "SOCKET_CONNECT_TIMEOUT": 0.5,
            "SOCKET_TIMEOUT": 0.5,
        },
    }


# django-redis logs each error it ignores (as a warning: the cache is away).
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True

if REDIS_URL:
    CACHES = {"default": redis_cache(REDIS_URL)}
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # A task not acknowledged within this time (a worker killed mid-task) is delivered
        # again; longer than any task we run.
        "visibility_timeout": 3600,
        # A request that sends a task while Redis is away gives up within a second (the
        # outbox and its sweeper send it later) rather than after several.
        "socket_connect_timeout": 1,
    }
    CELERY_BROKER_CONNECTION_TIMEOUT = 1
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }
    # Celery's file-system transport: a real broker with no server, for the embedded demo.
    # The same folder is used for in and out so that every process sees every message.
    CELERY_BROKER_URL = "filesystem://"
    for folder in ("queue", "processed", "control"):
        (VAR_DIR / "broker" / folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(VAR_DIR / "broker" / "queue"),
        "data_folder_out": str(VAR_DIR / "broker" / "queue"),
        "processed_folder": str(VAR_DIR / "broker" / "processed"),
        # Its exchange tables, which would otherwise land in ./control of whatever directory
        # the process started in.
        "control_folder": str(VAR_DIR / "broker" / "control"),
        "store_processed": False,
    }

CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
# Acknowledge after the task has run, and give a task back if its worker dies: a killed worker
# leaves its task to be run again, never lost. Tasks must therefore be idempotent.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# The sweepers run on a queue of their own, which every worker also takes (Procfile,
# docker-compose.yml): recovery never waits behind the backlog it is there to clear.
CELERY_TASK_ROUTES = {
    "suggestions.tasks.resend_stuck_routing_jobs": {"queue": "sweeper"},
    "messaging.tasks.resend_messages": {"queue": "sweeper"},
}
# Entries here are copied into django-celery-beat's tables, where admins can change them.
CELERY_BEAT_SCHEDULE = {
    "worker-heartbeat": {
        "task": "reports.tasks.worker_heartbeat",
        "schedule": 60.0,
    },
    "resend-stuck-routing-jobs": {
        "task": "suggestions.tasks.resend_stuck_routing_jobs",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    "forget-idempotency-keys": {
        "task": "hangzhou_cfc.tasks.forget_idempotency_keys",
        "schedule": crontab(minute=20),
    },
    "resend-messages": {
        "task": "messaging.tasks.resend_messages",
        "schedule": 60.0,
        # A sweep not started within the minute is dropped: the next one does its work.
        "options": {"expires": 55},
    },
    "flag-overdue-suggestions": {
        "task": "suggestions.tasks.flag_overdue_suggestions",
        "schedule": crontab(minute="*/15"),
    },
    "rotate-sub-team-leaders": {
        "task": "groups.tasks.rotate_sub_team_leaders",
        # Every hour, so that a handover missed while no worker ran happens soon after; a run
        # on a day with nothing due changes nothing.
        "schedule": crontab(minute=5),
    },
    "anonymise-due-children": {
        "task": "privacy.tasks.anonymise_due",
        # Daily, at night; a child asked to be deleted is anonymised at once as well.
        "schedule": crontab(hour=3, minute=15),
    },
    "discard-stale-import-uploads": {
        "task": "imports.tasks.discard_stale_uploads",
        # Hourly: an uploaded file is kept a day at most when its preview is not confirmed.
        "schedule": crontab(minute=40),
    },
    "warn-expiring-practice-bases": {
        "task": "activities.tasks.practice_bases_warn_expiring",
        # Once a day, in office hours (CELERY_TIMEZONE); each expiry date is warned about once.
        "schedule": crontab(hour=8, minute=30),
    },
    "send-staff-digests": {
        "task": "suggestions.tasks.send_staff_digests",
        # Every morning: what arrived since yesterday's and what is overdue, one e-mail to each
        # staff member (MESSAGES_STAFF_DIGEST). A second run the same day queues nothing.
        "schedule": crontab(hour=8, minute=0),
    },
    "send-family-digests": {
        "task": "suggestions.tasks.send_family_digests",
        # Monday mornings: the week's news of their children's suggestions, to the guardians
        # who chose it. A second run the same week queues nothing.
        "schedule": crontab(hour=9, minute=0, day_of_week=1),
    },
}

# --- The suggestion pipeline ---------------------------------------------------------------
# The routing sweeper's patience (suggestions.services._really_stuck): a job never handed to the
# broker this long after its commit, or handed to it this long before the queue emptied or
# before the jobs the workers route now, is routed by the sweeper itself.
SUGGESTIONS_ROUTING_STUCK_AFTER = env.int("SUGGESTIONS_ROUTING_STUCK_AFTER", default=60)
# A message handed to the broker this many seconds ago and still not sent is sent by the
# sweeper itself: its task was lost (messaging/). Also the lease of a task's list: what a
# stopped worker had taken and not yet handed to the provider is due again this much later.
MESSAGES_STUCK_AFTER = env.int("MESSAGES_STUCK_AFTER", default=120)
# A message a worker handed to its provider this many seconds ago without an answer is "in
# doubt" (its worker stopped): e-mail is sent again, SMS and WeChat are given up for the office
# to look at (messaging/services.py). Longer than any provider's timeout.
MESSAGES_IN_DOUBT_AFTER = env.int("MESSAGES_IN_DOUBT_AFTER", default=600)
# The transport of each channel (messaging/transports/); a channel set to "" is offered to
# nobody. SMS and WeChat are on when their provider's settings below are given.
MESSAGE_TRANSPORTS = {
    "email": "messaging.transports.email.EmailTransport",
    "sms": "messaging.transports.sms.TencentSms" if env("SMS_SECRET_ID", default="") else "",
    "wechat": (
        "messaging.transports.wechat.WeChatTemplate" if env("WECHAT_APP_ID", default="") else ""
    ),
}
# Text messages through Tencent Cloud SMS (messaging/transports/sms.py), on when SMS_SECRET_ID
# is set. The endpoint and scheme are settings so that the tests can point the SDK at a local
# stand-in (tests/standins/tencent_sms.py); in production they stay as they are.
SMS_SECRET_ID = env("SMS_SECRET_ID", default="")
SMS_SECRET_KEY = env("SMS_SECRET_KEY", default="")
SMS_SDK_APP_ID = env("SMS_SDK_APP_ID", default="")
SMS_SIGN_NAME = env("SMS_SIGN_NAME", default="")
SMS_REGION = env("SMS_REGION", default="ap-guangzhou")
SMS_ENDPOINT = env("SMS_ENDPOINT", default="sms.tencentcloudapi.com")
SMS_SCHEME = env("SMS_SCHEME", default="https")
# Seconds to wait for Tencent's answer; far below MESSAGES_IN_DOUBT_AFTER.
SMS_TIMEOUT = env.int("SMS_TIMEOUT", default=10)
# Characters in one template variable: 12 is Tencent's limit for an individual's account (an
# enterprise's has none), so a value never depends on which kind the programme holds.
SMS_VARIABLE_LIMIT = env.int("SMS_VARIABLE_LIMIT", default=12)
# Chinese SMS rules allow only approved templates. For each of our message templates and each
# language, the provider's template id and the Content.fields that fill its variables, in
# order, as JSON: {"suggestions.notification": {"zh-hans": {"id": "1234567",
# "fields": ["child", "title", "news"]}, "en": {...}}}; a key "<template>/<topic>" (e.g.
# "suggestions.notification/work": staff's, with the news only) comes first for that topic.
# A message without one is not sent.
SMS_TEMPLATES = env.json("SMS_TEMPLATES", default={})
# Staff hear of new and overdue suggestions in one e-mail a day (08:00) instead of one per
# event, unless they choose otherwise on their preferences page.
MESSAGES_STAFF_DIGEST = env.bool("MESSAGES_STAFF_DIGEST", default=True)
# No SMS or WeChat message reaches a child's family from 21:00 to 08:00 (local time): it waits
# for the morning.
MESSAGES_QUIET_HOURS = (21, 8)
# WeChat template messages from the programme's Official Account (messaging/transports/
# wechat.py), on when WECHAT_APP_ID is set. The base addresses change only for the tests'
# stand-in (tests/standins/wechat.py).
WECHAT_APP_ID = env("WECHAT_APP_ID", default="")
WECHAT_APP_SECRET = env("WECHAT_APP_SECRET", default="")
WECHAT_API_BASE_URL = env("WECHAT_API_BASE_URL", default="https://api.weixin.qq.com/")
WECHAT_OAUTH_AUTHORIZE_URL = env(
    "WECHAT_OAUTH_AUTHORIZE_URL", default="https://open.weixin.qq.com/connect/oauth2/authorize"
)
WECHAT_TIMEOUT = env.float("WECHAT_TIMEOUT", default=10)
# {our template: {language: {"template_id": the Official Account's, "data": {its data key:
# a field of the message (child, title, news, subject)}}}}, as JSON. A language not given
# uses LANGUAGE_CODE's.
WECHAT_TEMPLATES = env.json("WECHAT_TEMPLATES", default={})
# Photos on suggestions: larger files are refused with a message (the form's script says so
# as soon as one is chosen). A phone's ordinary photo is well under this.
SUGGESTIONS_PHOTO_MAX_BYTES = env.int("SUGGESTIONS_PHOTO_MAX_BYTES", default=15 * 1024 * 1024)
TRAINING_MATERIAL_MAX_BYTES = env.int("TRAINING_MATERIAL_MAX_BYTES", default=10 * 1024 * 1024)
# Links in e-mails and calendar feeds point here. `make run` sets it from its HOST and PORT;
# in production `check --deploy` refuses an address of this machine (hangzhou_cfc/checks.py).
PORTAL_BASE_URL = env("PORTAL_BASE_URL", default="http://127.0.0.1:8000")
# A request body's fields (files not counted) larger than this are refused; a file larger than
# FILE_UPLOAD_MAX_MEMORY_SIZE is written to a temporary file rather than kept in memory.
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# --- Accounts -------------------------------------------------------------------------------
AUTH_USER_MODEL = "groups.User"
# Object permissions (groups/permissions.py and its kin in other apps) first, then Django's.
AUTHENTICATION_BACKENDS = [
    # First: refuses a login that is locked out, before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
# Argon2 for new and changed passwords; older hashes are upgraded at the next login.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
# Login lockout (django-axes): after this many failures for one username from one address,
# that pair is locked out for the cool-off period; a success resets the count.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# The lockout page is translated by the portal; its context carries the minutes itself.
AXES_LOCKOUT_CALLABLE = "hangzhou_cfc.views.locked_out"
# Sessions: a new one at every login (Django cycles the key), ended after this long without a
# request (hangzhou_cfc/middleware.py), and after 12 hours in any case.
SESSION_IDLE_TIMEOUT = timedelta(minutes=env.int("SESSION_IDLE_MINUTES", default=30))
SESSION_COOKIE_AGE = 12 * 60 * 60

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Audit trail (audit/) -------------------------------------------------------------------
# Changes to the suggestions' pipeline, exports, roles, memberships and routing are recorded by
# django-auditlog, with who made them; audit/apps.py names the models and the only fields kept
# (never a child's words, a real name or a password hash). Foreign keys are kept as ids, never
# as their text (a suggestion's text is its title).
AUDITLOG_USE_FK_STRING_REPRESENTATION = False
# The address a request claims (X-Forwarded-For) can be forged and is a child's personal data;
# the entries name the logged-in actor instead. Logins keep their address in axes' tables.
AUDITLOG_DISABLE_REMOTE_ADDR = True
# Logins: django-axes keeps each one (AccessLog) and, with this, each failed one
# (AccessFailureLog, the latest 1,000 per username): username, address, browser, path and
# time, never a password. Its lockout counter (AccessAttempt) keeps the failed login form's
# fields, with these masked.
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "password"]

# --- Language and time ----------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [
    ("zh-hans", _("Simplified Chinese")),
    ("en", _("English")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static files and uploads ---------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env("DJANGO_STATIC_ROOT", default=str(VAR_DIR / "staticfiles")))
MEDIA_URL = "media/"
MEDIA_ROOT = VAR_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Serve static files straight from the app folders, so that `make run` needs no collectstatic.
WHITENOISE_USE_FINDERS = True

# --- E-mail ---------------------------------------------------------------------------------
vars().update(env.email_url("DJANGO_EMAIL_URL", default="consolemail://"))
# A mail server that stops answering gives up after this many seconds: the outbox holds a
# message's row while it asks (messaging/services.py).
EMAIL_TIMEOUT = env.int("DJANGO_EMAIL_TIMEOUT", default=15)
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", default="portal@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Security defaults that hold everywhere -------------------------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
# Content-Security-Policy (django-csp): everything from the portal itself, and no inline script
# or style anywhere, so that text slipped into a page can never run. Pages pass data to their
# scripts in json_script blocks; the API docs use the Swagger view that serves its start-up
# script as a file. data: images are the icons that Pico's and Swagger UI's style sheets hold
# inline.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}
if WECHAT_APP_ID:
    # "Link WeChat" posts to the portal, which sends the browser on to WeChat's authorization
    # page: browsers hold a form's redirects to form-action too.
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"].append(
        "/".join(WECHAT_OAUTH_AUTHORIZE_URL.split("/")[:3])
    )

# --- The optional map (places/maps.py) -------------------------------------------------------
# Nothing by default: no page asks another host for anything. An office with a tile service
# gives Leaflet URL templates (a base layer, and a label layer if the service has one), e.g.
# Tianditu with its key:
#   MAP_TILE_URLS=https://t{s}.tianditu.gov.cn/DataServer?T=vec_w&x={x}&y={y}&l={z}&tk=KEY,https://t{s}.tianditu.gov.cn/DataServer?T=cva_w&x={x}&y={y}&l={z}&tk=KEY
#   MAP_TILE_SUBDOMAINS=01234567  MAP_TILE_ATTRIBUTION=天地图
MAP_TILE_URLS = env.list("MAP_TILE_URLS", default=[])
MAP_TILE_SUBDOMAINS = env("MAP_TILE_SUBDOMAINS", default="")
MAP_TILE_ATTRIBUTION = env("MAP_TILE_ATTRIBUTION", default="")

# --- REST framework: the API under /api/v1/ --------------------------------------------------
REST_FRAMEWORK = {
    # The browser's session (with CSRF) for the portal's own pages; tokens for other systems.
    # The token first: without credentials the answer is 401 with `WWW-Authenticate: Token`.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": ["hangzhou_cfc.parsers.SafeJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PAGINATION_CLASS": "hangzhou_cfc.api.Pagination",
    "DEFAULT_FILTER_BACKENDS": [
        "hangzhou_cfc.filters.FilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.UserRateThrottle",
        "rest_framework.throttling.AnonRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "user": env("API_USER_RATE", default="1200/hour"),
        "anon": env("API_ANON_RATE", default="120/hour"),
        # The read-only Open311 endpoints, per address: a city dashboard polls them.
        "open311": env("OPEN311_RATE", default="3600/hour"),
    },
    "EXCEPTION_HANDLER": "hangzhou_cfc.api.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "hangzhou_cfc.schema.AutoSchema",
}
# A request body to the API larger than this is refused with 413 before it is parsed.
API_MAX_BODY_BYTES = 1024 * 1024
# A request sent in chunks (no Content-Length) is read into memory up to this size, and
# answered 413 past it (hangzhou_cfc/wsgi.py): above the largest photo. Browsers' forms and
# uploads always send a length; API bodies are held to API_MAX_BODY_BYTES after this.
# The first answer to a POST with an Idempotency-Key is kept this long (hangzhou_cfc/).
IDEMPOTENCY_KEY_HOURS = env.int("IDEMPOTENCY_KEY_HOURS", default=24)
CHUNKED_BODY_MAX_BYTES = env.int("CHUNKED_BODY_MAX_BYTES", default=16 * 1024 * 1024)
# Open311 GeoReport v2 (suggestions/open311.py): the one jurisdiction_id the endpoint serves,
# and the discovery file's contact (empty: the programme office, with the portal's address).
OPEN311_JURISDICTION_ID = env("OPEN311_JURISDICTION_ID", default="hangzhou.gov.cn")
OPEN311_CONTACT = env("OPEN311_CONTACT", default="")
SPECTACULAR_SETTINGS = {
    "TITLE": "Hangzhou Children's Observation Group API",
    "DESCRIPTION": "Suggestions and their journey, activities, groups and figures. Children "
    "appear only under their pseudonyms.",
    "VERSION": "1",
    "LICENSE": {"name": "MIT", "url": "https://opensource.org/licenses/MIT"},
    "SERVERS": [{"url": "/", "description": "This portal"}],
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # The states a suggestion can be in, named once in the schema.
    "ENUM_NAME_OVERRIDES": {
        "SuggestionState": "suggestions.models.StateChoices",
        "ActivityKind": "activities.models.ActivityKind",
        "PracticeBaseKind": "activities.models.PracticeBaseKind",
        "OrganisationKind": "groups.models.OrganisationKind",
    },
    # Error answers, tags and summaries are added by hangzhou_cfc.schema.AutoSchema.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "hangzhou_cfc.schema.tags_and_plain_names",
    ],
}

# --- Logging: no request bodies, no personal data; level from the environment ---------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"refused_requests": {"()": "hangzhou_cfc.log.RefusedRequestFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    # A refused request (403, 404…) is one line, without the traceback Django adds.
    "loggers": {
        "django.request": {"filters": ["refused_requests"]},
        # Tencent's SDK logs each request's body at DEBUG: a guardian's mobile number.
        "tencentcloud_sdk_common": {"level": "INFO"},
    },
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
}

# --- Children's privacy (privacy/) ----------------------------------------------------------
# Fernet keys of children's real names and contacts (groups/fields.py): the first encrypts,
# every one decrypts. Comma-separated; required in production, generated per checkout locally.
PERSONAL_DATA_KEYS = env.list("PERSONAL_DATA_KEYS", default=[])
# A child's personal data is anonymised this many days after they leave the programme.
PERSONAL_DATA_RETENTION_DAYS = env.int("PERSONAL_DATA_RETENTION_DAYS", default=365)
# A consent link e-mailed to a guardian works once, for this many days.
CONSENT_LINK_DAYS = env.int("CONSENT_LINK_DAYS", default=14)

# --- Imports from spreadsheets (imports/) ----------------------------------------------------
# A larger file is refused with a message (split it).
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=20 * 1024 * 1024)
# What an XLSX may unpack to, checked before its cells are read (imports/tabular.py): all its
# parts together, and each part larger than 1 MB at most this many times its packed size (a
# roster made by Excel: 8 to 12 times).
IMPORT_MAX_UNPACKED_BYTES = env.int("IMPORT_MAX_UNPACKED_BYTES", default=100 * 1024 * 1024)
IMPORT_MAX_UNPACK_RATIO = env.int("IMPORT_MAX_UNPACK_RATIO", default=100)
# Rows × columns of a sheet (empty cells counted), counted as it is read: reading stops at the
# first cell past it. The benchmark's roster of 50,000 children is 450,009.
IMPORT_MAX_CELLS = env.int("IMPORT_MAX_CELLS", default=1_000_000)

# Demo logins (seed_demo) are allowed only where a settings module says so.
DEMO_DATA_ALLOWED = False
