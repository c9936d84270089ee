"""Guanxi settings: everything that differs between machines comes from the environment.

Readers are typed and fail loudly: a malformed value stops start-up with the variable's name.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from exc


def env_office_hours(name: str, default: str) -> str:
    """Office sessions "HH:MM-HH:MM,HH:MM-HH:MM": each ends after it starts, in order, not overlapping."""
    raw = os.environ.get(name)
    text = default if raw is None or raw.strip() == "" else raw.strip()
    previous_end = ""
    for part in text.split(","):
        try:
            start, end = (piece.strip() for piece in part.split("-"))
            times = [dt.time.fromisoformat(start), dt.time.fromisoformat(end)]
        except ValueError as exc:
            raise ImproperlyConfigured(f"{name} must be sessions like 09:00-12:00,13:30-18:00, got {text!r}") from exc
        if times[0] >= times[1] or (previous_end and times[0].isoformat() < previous_end):
            raise ImproperlyConfigured(f"{name}: sessions must end after they start, in order, without overlap; "
                                       f"got {text!r}")
        previous_end = times[1].isoformat()
    return text


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


DEBUG = env_bool("GUANXI_DEBUG", False)
SECRET_KEY = env_str("GUANXI_SECRET_KEY", "")
if not SECRET_KEY:
    if not (DEBUG or env_bool("GUANXI_INSECURE_DEV_KEY", True)):
        raise ImproperlyConfigured("GUANXI_SECRET_KEY must be set in production")
    # A fixed key for laptops and tests only; docs/deploy.md requires a real one in production.
    SECRET_KEY = "guanxi-insecure-development-key-change-me-in-production-0123456789"

ALLOWED_HOSTS = env_list("GUANXI_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("GUANXI_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",
    "django_q",
    "guanxi.core",
    "guanxi.accounts",
    "guanxi.holidays",
    "guanxi.customers",
    "guanxi.imports",
    "guanxi.dedupe",
    "guanxi.privacy",
    "guanxi.interactions",
    "guanxi.orders",
    "guanxi.assets",
    "guanxi.analytics",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "guanxi.core.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["guanxi.accounts.backends.RoleAwareBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "guanxi.core.context_processors.navigation",
            ],
        },
    }
]

# --- Database -------------------------------------------------------------------------------
VAR_DIR = Path(env_str("GUANXI_VAR_DIR", str(BASE_DIR / "var")))
DATABASE_URL = env_str("GUANXI_DATABASE_URL", f"sqlite:///{VAR_DIR / 'guanxi.sqlite3'}")
try:
    # Persistent connections save a PostgreSQL backend start per request; SQLite opens instantly.
    _default_age = 0 if DATABASE_URL.startswith("sqlite") else 60
    _db = dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("GUANXI_DB_CONN_MAX_AGE", _default_age))
except ValueError as exc:
    raise ImproperlyConfigured(f"GUANXI_DATABASE_URL is not a database URL: {exc}") from exc
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers work while one writer writes; IMMEDIATE takes the write lock at BEGIN so
    # two writers queue on the busy timeout instead of failing with "database is locked".
    _db["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
elif _db["ENGINE"] == "django.db.backends.postgresql":
    # A web request's query is small; parallel workers only double its CPU while other requests
    # wait for the same cores. Batch jobs that scan much may raise it for their own session.
    _parallel = env_int("GUANXI_PG_PARALLEL_WORKERS", 0)
    # JIT compilation pays off only for long analytical scans; for a batch's statements it cost more
    # than it saved (a 10,000-order API call's summary refresh spent 1.0 of 2.0 s compiling; ADR 0018).
    _jit = "on" if env_bool("GUANXI_PG_JIT", False) else "off"
    _db.setdefault("OPTIONS", {})["options"] = f"-c max_parallel_workers_per_gather={_parallel} -c jit={_jit}"
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (shared between processes: database table by default, Redis when configured) ----
REDIS_URL = env_str("GUANXI_REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "guanxi_cache"}
    }

# --- Background jobs (django-q2) -----------------------------------------------------------
# retry must exceed timeout, or a long job is started again while the first run is still going.
Q_CLUSTER = {
    "name": "guanxi",
    "workers": env_int("GUANXI_Q_WORKERS", 1),
    "timeout": env_int("GUANXI_Q_TIMEOUT", 3600),
    "retry": env_int("GUANXI_Q_TIMEOUT", 3600) + 600,
    "max_attempts": 1,
    "catch_up": False,
    "orm": "default",
}
if REDIS_URL:
    Q_CLUSTER.pop("orm")
    Q_CLUSTER["redis"] = REDIS_URL

# --- Passwords and sessions ------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("GUANXI_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# --- Internationalisation --------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LANGUAGE_COOKIE_NAME = "guanxi_language"
LOCALE_PATHS = [BASE_DIR / "guanxi" / "locale"]
TIME_ZONE = env_str("GUANXI_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- Static files ------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
WHITENOISE_USE_FINDERS = True

# --- Request limits ----------------------------------------------------------------------------
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000

# --- Email -------------------------------------------------------------------------------------
EMAIL_BACKEND = env_str("GUANXI_EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = VAR_DIR / "mail"
EMAIL_HOST = env_str("GUANXI_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("GUANXI_EMAIL_PORT", 25)
DEFAULT_FROM_EMAIL = env_str("GUANXI_FROM_EMAIL", "guanxi@localhost")

# --- Logging: one line per event on stderr, so journald / docker / a file collect it -----------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["stderr"], "level": env_str("GUANXI_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- Guanxi --------------------------------------------------------------------------------------
GUANXI_API_TOKEN_DAYS = env_int("GUANXI_API_TOKEN_DAYS", 30)
# How many reverse proxies (nginx, a load balancer) stand in front of gunicorn: per-client limits then
# read the client address from X-Forwarded-For (guanxi.core.http.client_address).
GUANXI_PROXY_COUNT = env_int("GUANXI_PROXY_COUNT", 0)
GUANXI_LIST_COUNT_CAP = env_int("GUANXI_LIST_COUNT_CAP", 10_000)
# Searches count exactly up to here and then say "more than"; users refine rather than page on.
GUANXI_SEARCH_COUNT_CAP = env_int("GUANXI_SEARCH_COUNT_CAP", 1_000)
# Office hours for working-time arithmetic and due times (guanxi.core.calendar.due_at): sessions in
# local time, the gap between them is the lunch break. A malformed value stops start-up.
GUANXI_OFFICE_HOURS = env_office_hours("GUANXI_OFFICE_HOURS", "09:00-12:00,13:30-18:00")
# Analytics runs: the purchase model (bgnbd or paretonbd) and the CLV horizon and monthly discount rate.
GUANXI_ANALYTICS_MODEL = env_str("GUANXI_ANALYTICS_MODEL", "bgnbd")
if GUANXI_ANALYTICS_MODEL not in ("bgnbd", "paretonbd"):
    raise ImproperlyConfigured(f"GUANXI_ANALYTICS_MODEL must be bgnbd or paretonbd, got {GUANXI_ANALYTICS_MODEL!r}")
GUANXI_ANALYTICS_CLV_MONTHS = env_int("GUANXI_ANALYTICS_CLV_MONTHS", 12)
try:
    GUANXI_ANALYTICS_DISCOUNT_RATE = float(env_str("GUANXI_ANALYTICS_DISCOUNT_RATE", "0.01"))
except ValueError as exc:
    raise ImproperlyConfigured("GUANXI_ANALYTICS_DISCOUNT_RATE must be a number such as 0.01") from exc
if not 1 <= GUANXI_ANALYTICS_CLV_MONTHS <= 600 or not 0 <= GUANXI_ANALYTICS_DISCOUNT_RATE < 1:
    raise ImproperlyConfigured("GUANXI_ANALYTICS_CLV_MONTHS must be 1–600 and GUANXI_ANALYTICS_DISCOUNT_RATE 0–1")
# Domain events (guanxi.core.events, ADR 0021): a failed delivery is retried after RETRY_SECONDS · 2^(n-1)
# (at most RETRY_MAX_SECONDS) and is a dead letter after MAX_ATTEMPTS failures; a claimed delivery is
# taken again after LEASE_SECONDS (its worker died). INLINE delivers in the committing process after
# the commit instead of through the django-q2 job (tests; never in production).
GUANXI_EVENTS_MAX_ATTEMPTS = env_int("GUANXI_EVENTS_MAX_ATTEMPTS", 8)
GUANXI_EVENTS_RETRY_SECONDS = env_int("GUANXI_EVENTS_RETRY_SECONDS", 60)
GUANXI_EVENTS_RETRY_MAX_SECONDS = env_int("GUANXI_EVENTS_RETRY_MAX_SECONDS", 6 * 3600)
GUANXI_EVENTS_LEASE_SECONDS = env_int("GUANXI_EVENTS_LEASE_SECONDS", env_int("GUANXI_Q_TIMEOUT", 3600) + 600)
GUANXI_EVENTS_KEEP_DAYS = env_int("GUANXI_EVENTS_KEEP_DAYS", 7)
GUANXI_EVENTS_INLINE = env_bool("GUANXI_EVENTS_INLINE", False)
if GUANXI_EVENTS_MAX_ATTEMPTS < 1 or GUANXI_EVENTS_RETRY_SECONDS < 1 or GUANXI_EVENTS_LEASE_SECONDS < 1:
    raise ImproperlyConfigured("GUANXI_EVENTS_MAX_ATTEMPTS, _RETRY_SECONDS and _LEASE_SECONDS must be at least 1")
