"""Django settings, built from the validated environment in `rongmei.config`.

Embedded mode (no variables set): SQLite under var/, Huey on SQLite, local-memory cache,
media in var/media. Set DATABASE_URL / REDIS_URL to move to PostgreSQL and Redis.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url

from rongmei import config as _config

CONFIG = _config.load()
if CONFIG.problems:
    raise _config.ConfigError(CONFIG.problems)

BASE_DIR = _config.BASE_DIR
VAR_DIR = CONFIG.var_dir
VAR_DIR.mkdir(parents=True, exist_ok=True)

SECRET_KEY = CONFIG.secret_key
DEBUG = CONFIG.debug
RONGMEI_DEMO = CONFIG.demo
ALLOWED_HOSTS = CONFIG.allowed_hosts
CSRF_TRUSTED_ORIGINS = CONFIG.csrf_trusted_origins

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "ninja",
    "axes",
    "django_tasks",
    "huey.contrib.djhuey",
    "rongmei.core",
    "rongmei.newsroom",
    "rongmei.planning",
    "rongmei.review",
    "rongmei.distribution",
    "rongmei.portal",
    "rongmei.inquiry",
    "rongmei.monitor",
    "rongmei.analytics",
    "rongmei.appraisal",
    "rongmei.ads",
    "rongmei.events",
    "rongmei.live",
    "rongmei.cable",
    "rongmei.province",
    "rongmei.sharing",
]

MIDDLEWARE = [
    "rongmei.core.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Outside PortalSiteMiddleware, so the pre-rendered public pages get the policy too.
    "csp.middleware.CSPMiddleware",
    # A 500 caused by an unreachable database becomes a Chinese 503 (core.outage).
    "rongmei.core.outage.ServiceUnavailableMiddleware",
    "rongmei.portal.middleware.PortalSiteMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "rongmei.core.middleware.CenterMiddleware",
    # Someone created by an admin sets their own password first (User.must_change_password).
    "rongmei.core.middleware.FirstPasswordMiddleware",
    # A number the database refused (overflow) answers 400, not 500 (rongmei.core.ids).
    "rongmei.core.ids.OutOfRangeMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "rongmei.urls"
WSGI_APPLICATION = "rongmei.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "rongmei.core.context_processors.shell",
            ],
            # {{ url|safe_href }} everywhere: drops non-http(s) addresses (issue 11, XSS).
            "builtins": ["rongmei.core.templatetags.urlsafe"],
        },
    },
]

# --- Database -----------------------------------------------------------------------
DATABASES = {"default": dj_database_url.parse(CONFIG.database_url, conn_max_age=0)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers work while one writer writes; IMMEDIATE takes the write lock at
    # BEGIN so two writers queue up instead of failing half-way with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL;"
            "PRAGMA synchronous=NORMAL;"
            "PRAGMA foreign_keys=ON;"
            "PRAGMA busy_timeout=20000;"
        ),
    }
else:
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = 5
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, queue --------------------------------------------------------------------
if CONFIG.redis_url:
    CACHES = {
        "default": {
            # RedisCache that answers from process memory while Redis is away (core.resilientcache).
            "BACKEND": "rongmei.core.resilientcache.ResilientRedisCache",
            "LOCATION": CONFIG.redis_url,
            "KEY_PREFIX": "rongmei",
        }
    }
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": CONFIG.queue_name,
        "url": CONFIG.redis_url,
        "immediate": False,
        "utc": True,
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": CONFIG.queue_name,
        "filename": str(VAR_DIR / "huey.sqlite3"),
        "immediate": False,
        "utc": True,
    }
HUEY["consumer"] = {"workers": 2, "worker_type": "thread", "periodic": True}
# Rate-limit counters (django-ratelimit, read beacons) live where every gunicorn worker sees
# them: Redis, or a table in the database (core migration 0006). Never per-process memory.
if CONFIG.redis_url:
    CACHES["ratelimit"] = {"BACKEND": "rongmei.core.resilientcache.ResilientRedisCache",
                           "LOCATION": CONFIG.redis_url, "KEY_PREFIX": "rongmei-ratelimit"}
else:
    CACHES["ratelimit"] = {"BACKEND": "rongmei.core.ratelimitcache.RateLimitCache", "LOCATION": "rongmei_ratelimit",
                           "OPTIONS": {"MAX_ENTRIES": 20000, "CULL_FREQUENCY": 4}}
RATELIMIT_USE_CACHE = "ratelimit"
# Every key="ip" and our own keys: the address from core.clientip (TRUSTED_PROXIES).
RATELIMIT_IP_META_KEY = "rongmei.core.clientip.client_ip"
RONGMEI_TRUSTED_PROXIES = CONFIG.trusted_proxies

# Tasks are enqueued only when the surrounding transaction commits, so a worker never sees
# a task whose rows are not there yet, and a rolled-back change leaves no task behind.
TASKS = {
    "default": {
        # HueyBackend that keeps a task in the database while Redis is away (core.taskfallback).
        "BACKEND": "rongmei.core.taskfallback.FallbackHueyBackend",
        "OPTIONS": {"enqueue_on_commit": True},
    }
}
RONGMEI_QUEUE_HEARTBEAT_MAX_AGE = CONFIG.queue_heartbeat_max_age
# Intranet hosts/networks the review link check may reach (everything else private is refused).
RONGMEI_LINKCHECK_ALLOW = CONFIG.linkcheck_allow

# --- Authentication ------------------------------------------------------------------
AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rongmei.core.auth.CenterRoleBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# Test servers only (the suite sets it, conftest.py; demo mode required): Argon2 at its
# cheapest, see settings_test.py. Never set for `make run` or production.
if CONFIG.demo and os.environ.get("RONGMEI_TEST_PASSWORD_HASHER") == "1":
    PASSWORD_HASHERS = ["rongmei.settings_test.TestArgon2PasswordHasher", *PASSWORD_HASHERS]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "rongmei.core.auth.MixedCharacterValidator"},
]
LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "core:login"
SESSION_COOKIE_AGE = 60 * 60 * 12
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False

AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "core/lockout.html"
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False
AXES_CLIENT_IP_CALLABLE = "rongmei.core.clientip.client_ip"

# --- Language, time ------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = CONFIG.time_zone
USE_I18N = True
USE_TZ = True

# --- Files ----------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
MEDIA_URL = "/media/"
RONGMEI_SERVE_MEDIA = CONFIG.serve_media
# Demo sandbox: local fake WeChat and Weibo servers (rongmei.distribution.fakes) that the
# demo's sandbox accounts publish to; `rongmei serve` starts them when RONGMEI_SANDBOX=1.
RONGMEI_SANDBOX = CONFIG.sandbox
RONGMEI_SANDBOX_WECHAT_URL = f"http://127.0.0.1:{CONFIG.sandbox_port}"
RONGMEI_SANDBOX_WEIBO_URL = f"http://127.0.0.1:{CONFIG.sandbox_port + 1}"
# 舆情监测's sandbox news sources (RSS, Atom, a web list, a JSON feed: rongmei.monitor.demo_feeds).
RONGMEI_SANDBOX_NEWS_URL = f"http://127.0.0.1:{CONFIG.sandbox_port + 2}"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024  # larger uploads stream to a temporary file
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000
MEDIA_ROOT = CONFIG.media_root
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# MEDIA_STORAGE=s3: uploads on S3-compatible storage (docs/storage.md); static files stay local.
# Media addresses stay /media/…: the app checks access, then streams or redirects (S3_MEDIA_DELIVERY).
if CONFIG.s3 is not None:
    STORAGES["default"] = {"BACKEND": "rongmei.core.storage_s3.MediaS3Storage", "OPTIONS": dict(CONFIG.s3)}
RONGMEI_MEDIA_DELIVERY = CONFIG.s3_delivery
WHITENOISE_USE_FINDERS = DEBUG
# Source maps (5 MB of the API docs' JavaScript) are for browser devtools only: compressing
# them took ~40% of every collectstatic.
from whitenoise.compress import Compressor as _Compressor

WHITENOISE_SKIP_COMPRESS_EXTENSIONS = (*_Compressor.SKIP_COMPRESS_EXTENSIONS, "map")

# --- Email (notifications) ---------------------------------------------------------------
EMAIL_ENABLED = CONFIG.email is not None
if CONFIG.email:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = CONFIG.email["host"]
    EMAIL_PORT = CONFIG.email["port"]
    EMAIL_HOST_USER = CONFIG.email["user"]
    EMAIL_HOST_PASSWORD = CONFIG.email["password"]
    EMAIL_USE_SSL = CONFIG.email["ssl"]
    EMAIL_USE_TLS = CONFIG.email["starttls"]
    EMAIL_TIMEOUT = 15
    DEFAULT_FROM_EMAIL = CONFIG.email["from"]
RONGMEI_BASE_URL = CONFIG.base_url
# The public site: static pages rendered on publishing, one folder per center (see portal).
RONGMEI_SITE_ROOT = Path(os.environ.get("RONGMEI_SITE_ROOT") or VAR_DIR / "sites")
# 0 serves every public page from the Django views (no files written or read): for benchmarks
# and for debugging templates.
RONGMEI_PORTAL_STATIC = os.environ.get("RONGMEI_PORTAL_STATIC", "1") != "0"
# Distribution: how long a delivery waits for a result the platform owes (a WeChat publish job)
# before the board asks the operator to check by hand (issue 12).
RONGMEI_PUBLISH_WAIT_HOURS = float(os.environ.get("RONGMEI_PUBLISH_WAIT_HOURS", "6"))

# --- Security ---------------------------------------------------------------------------
# SAMEORIGIN, as frame-ancestors 'self' below (older browsers only read this one).
X_FRAME_OPTIONS = "SAMEORIGIN"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# HTTPS (RONGMEI_HTTPS, HSTS_*, SECURE_PROXY_SSL_HEADER; docs/deploy.md). nginx ends TLS
# and says so in X-Forwarded-Proto, believed only from TRUSTED_PROXIES (core.clientip).
SESSION_COOKIE_SECURE = CONFIG.https
CSRF_COOKIE_SECURE = CONFIG.https
SECURE_SSL_REDIRECT = CONFIG.https
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # monitors probe the app directly over http
SECURE_HSTS_SECONDS = CONFIG.hsts_seconds
SECURE_HSTS_INCLUDE_SUBDOMAINS = CONFIG.hsts_include_subdomains
SECURE_HSTS_PRELOAD = CONFIG.hsts_preload
SECURE_PROXY_SSL_HEADER = CONFIG.secure_proxy_ssl_header
# Content-Security-Policy (django-csp) on every answer, staff and public. No inline script
# and no eval anywhere: templates load static JS files, Alpine is its CSP build. The same
# policy is repeated for the files nginx serves (deploy/nginx/rongmei-site.conf; a test
# compares them). Live streams and replays may play from, or embed, another http(s) host.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "media-src": ["'self'", "https:", "http:"],
        "frame-src": ["'self'", "https:", "http:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'self'"],
    },
}

# --- Audit ------------------------------------------------------------------------------
# Events younger than this are protected by database triggers; see core/migrations.
RONGMEI_AUDIT_RETENTION_DAYS = 180

# --- Logging ----------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": CONFIG.log_format},
    },
    "root": {"handlers": ["console"], "level": CONFIG.log_level},
    "loggers": {
        "django.server": {"level": "WARNING"},
        # WeasyPrint narrates every step of a PDF at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        # Handlers of its own, so the consumer does not add a second one.
        "huey": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
