"""Settings for the news portal, read from the environment (12-factor).

With nothing set the site runs for local use: SQLite, the local-memory cache, DEBUG on.
`DJANGO_ENV=production` switches to the production profile, which refuses to start
without a secret key and allowed hosts. `.env.example` lists every variable.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name, default=""):
    return os.environ.get(name, default)


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


def env_int(name, default):
    return int(env(name, str(default)))


def env_rate(name, default):
    """A rate written "requests/seconds", e.g. RATE_LIMIT_SEARCH=30/60."""
    requests, _slash, seconds = env(name, default).partition("/")
    return int(requests), int(seconds or 60)


DJANGO_ENV = env("DJANGO_ENV", "development")
PRODUCTION = DJANGO_ENV == "production"

# --- core -----------------------------------------------------------------------------

DEBUG = env_bool("DJANGO_DEBUG", default=not PRODUCTION)
SECRET_KEY = env("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

if PRODUCTION:
    # Failing at start-up beats serving with a guessable key or answering any Host header.
    if len(SECRET_KEY) < 50:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set (50+ characters) in production.")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must be set in production.")
    if DEBUG:
        raise ImproperlyConfigured("DJANGO_DEBUG cannot be on in production.")
else:
    SECRET_KEY = SECRET_KEY or "dev-only-insecure-key-never-used-in-production"
    ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost", "[::1]", "testserver"]

INSTALLED_APPS = [
    "newsportal.apps.NewsAdminConfig",  # django.contrib.admin with the two-factor aware site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
    "taggit",
    "simple_history",
    "django_prose_editor",
    "csp",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "articles",
]

MIDDLEWARE = [
    "newsportal.request_id.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Answers stored public pages before the rest of the stack (articles/caching.py).
    "articles.caching.PageCacheMiddleware",
    "newsportal.headers.ContentSecurityPolicyMiddleware",
    "newsportal.headers.PermissionsPolicyMiddleware",
    "newsportal.methods.AllowedMethodsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before sessions: decides from the cookies alone whether reads may use a replica.
    "newsportal.replica_middleware.ReplicaMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The URL names a reader page's language; the admin follows the cookie/Accept-Language.
    "newsportal.locale.SiteLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a lockout raised during login into a 429.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "newsportal.urls"
WSGI_APPLICATION = "newsportal.wsgi.application"

TEMPLATES = [
    {
        # The reader site (see articles/templating.py); first, since its pages are the hot path.
        "BACKEND": "articles.templating.Jinja2",
        "NAME": "jinja2",
        "DIRS": [BASE_DIR / "templates" / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {
            "environment": "articles.templating.environment",
            "context_processors": ["articles.context_processors.site"],
        },
    },
    {
        # The admin and the forms' widgets.
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "articles.context_processors.site",
            ],
        },
    },
]

# --- data -----------------------------------------------------------------------------

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        # Persistent connections with health checks: a restarted PostgreSQL is
        # noticed on the next request instead of failing every pooled connection.
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets the dev server read while a command writes.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
# Read replicas (newsportal.db_router): public GET pages read from a healthy replica at most
# DATABASE_REPLICA_MAX_LAG seconds behind; editors and anyone who just wrote read the primary.
DATABASE_REPLICAS = []
for _number, _url in enumerate(env_list("DATABASE_REPLICA_URLS"), start=1):
    DATABASE_REPLICAS.append(f"replica{_number}")
    DATABASES[f"replica{_number}"] = dj_database_url.parse(
        _url, conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60), conn_health_checks=True
    ) | {"OPTIONS": {"connect_timeout": 2}, "TEST": {"MIRROR": "default"}}
DATABASE_ROUTERS = ["newsportal.db_router.ReplicaRouter"]
DATABASE_REPLICA_MAX_LAG = float(env("DATABASE_REPLICA_MAX_LAG", "10"))
DATABASE_REPLICA_CHECK_SECONDS = float(env("DATABASE_REPLICA_CHECK_SECONDS", "5"))
DATABASE_REPLICA_PIN_SECONDS = env_int("DATABASE_REPLICA_PIN_SECONDS", 15)
# The pages' fixed queries (articles/prepared.py) become server-side prepared statements
# after five runs on a connection (Django's own cursors never prepare anything). Turn off
# behind a pooler that cannot keep them (PgBouncer in transaction mode before 1.21).
DATABASE_PREPARED_STATEMENTS = env_bool("DATABASE_PREPARED_STATEMENTS", True)
for _database in DATABASES.values():
    if DATABASE_PREPARED_STATEMENTS and "postgresql" in _database["ENGINE"]:
        _database.setdefault("OPTIONS", {})["prepare_threshold"] = 5
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL")
CACHE_KEY_PREFIX = env("CACHE_KEY_PREFIX", "np")
if REDIS_URL:
    CACHES = {
        "default": {
            # Django's RedisCache, but a Redis outage reads as misses instead of 500s.
            "BACKEND": "newsportal.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": CACHE_KEY_PREFIX,
            "OPTIONS": {
                "socket_connect_timeout": 0.5,
                "socket_timeout": 0.5,
                "retry_interval": env_int("REDIS_RETRY_INTERVAL", 2),
            },
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "newsportal",
            "KEY_PREFIX": CACHE_KEY_PREFIX,
        }
    }

# --- auth -----------------------------------------------------------------------------

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"
AUTHENTICATION_BACKENDS = [
    # First, so a locked-out client is refused before its password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# --- i18n -----------------------------------------------------------------------------

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- static and media -----------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
# whitenoise pre-compresses (brotli + gzip) everything else at collectstatic; source maps
# are only fetched by developer tools and take most of that time (prose-editor's is 2 MB).
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = [
    *("jpg", "jpeg", "png", "gif", "webp", "avif", "zip", "gz", "tgz", "bz2", "tbz", "xz"),
    *("br", "swf", "flv", "woff", "woff2", "mp4", "webm", "map"),
]
MEDIA_URL = env("MEDIA_URL", "/media/")
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / "media")))

MEDIA_STORAGE = env("MEDIA_STORAGE", "filesystem")
if MEDIA_STORAGE == "s3":
    # Any S3-compatible store (AWS, MinIO, Aliyun OSS, Tencent COS) through django-storages.
    _media_backend = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env("AWS_STORAGE_BUCKET_NAME"),
            "endpoint_url": env("AWS_S3_ENDPOINT_URL") or None,
            "custom_domain": env("AWS_S3_CUSTOM_DOMAIN") or None,
            "default_acl": None,
            "querystring_auth": False,
            "file_overwrite": False,
        },
    }
else:
    _media_backend = {"BACKEND": "django.core.files.storage.FileSystemStorage"}

STORAGES = {
    "default": _media_backend,
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- the newsroom ---------------------------------------------------------------------
# Defaults for what the footer and structured data show; the SiteSettings row in the
# admin overrides any of them.

SITE_NAME = env("SITE_NAME", "新闻网")
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000")
SITE_ICP_NUMBER = env("SITE_ICP_NUMBER", "")
SITE_NEWS_LICENSE_NUMBER = env("SITE_NEWS_LICENSE_NUMBER", "")
SITE_PUBLISHER_NAME = env("SITE_PUBLISHER_NAME", SITE_NAME)
SITE_PUBLISHER_LOGO_URL = env("SITE_PUBLISHER_LOGO_URL", "")
DEFAULT_ARTICLE_SOURCE = env("DEFAULT_ARTICLE_SOURCE", SITE_NAME)

ADMIN_URL = env("ADMIN_URL", "admin/").strip("/") + "/"
PREVIEW_MAX_AGE = env_int("PREVIEW_MAX_AGE", 24 * 3600)
# Links to these domains in an article body are flagged before publishing.
SPAM_LINK_BLOCKLIST = env_list("SPAM_LINK_BLOCKLIST")
PHOTO_MAX_UPLOAD_BYTES = env_int("PHOTO_MAX_UPLOAD_MB", 30) * 1024 * 1024
# Larger images are refused before decoding (decompression bombs).
PHOTO_MAX_PIXELS = env_int("PHOTO_MAX_MEGAPIXELS", 64) * 1_000_000
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

TAGGIT_CASE_INSENSITIVE = True
# Reads are counted by a beacon after the page loads (articles/counters); READ_COUNTING=0
# switches the beacon off and pages show the flushed counts (benchmarks, emergencies).
READ_COUNTING = env_bool("READ_COUNTING", True)

# --- production security --------------------------------------------------------------

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# Probes come over plain HTTP from inside the network (see deploy/nginx.conf).
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
BEHIND_PROXY = env_bool("DJANGO_BEHIND_PROXY", PRODUCTION)
# How many proxies append to X-Forwarded-For; rate limits and login lockouts key on the
# address the outermost one saw (articles.ratelimit.client_ip). 0 = use REMOTE_ADDR.
TRUSTED_PROXY_COUNT = env_int("DJANGO_TRUSTED_PROXY_COUNT", 1 if BEHIND_PROXY else 0)
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    # Only trust X-Forwarded-Proto when a proxy that sets it (and strips what clients
    # send) sits in front: deploy/nginx.conf does. Otherwise any client could claim HTTPS.
    if BEHIND_PROXY:
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    CSRF_COOKIE_HTTPONLY = True
    SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# Content-Security-Policy (django-csp): scripts and styles only from our own origin or
# carrying the per-request nonce; no inline event handlers, no eval, no framing.
# The admin also allows django-prose-editor's import map by hash (newsportal.headers).
_csp_media_sources = env_list("CSP_MEDIA_SOURCES")  # e.g. the S3/CDN host serving /media/
if MEDIA_STORAGE == "s3" and env("AWS_S3_CUSTOM_DOMAIN"):
    _csp_media_sources.append(f"https://{env('AWS_S3_CUSTOM_DOMAIN')}")
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'", NONCE],
        "img-src": ["'self'", "data:", *_csp_media_sources],
        "media-src": ["'self'", *_csp_media_sources],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "upgrade-insecure-requests": PRODUCTION,
        "report-uri": env("CSP_REPORT_URI") or None,
    },
}
# Browser features a news site never needs (newsportal.headers.PermissionsPolicyMiddleware).
PERMISSIONS_POLICY = {
    "accelerometer": [],
    "camera": [],
    "geolocation": [],
    "gyroscope": [],
    "magnetometer": [],
    "microphone": [],
    "payment": [],
    "usb": [],
    "fullscreen": ["self"],
}

# Admin login: django-axes locks a username from one address after repeated failures
# (not a whole address: a newsroom shares one NAT), and a per-address limit on login
# POSTs slows spraying many usernames. Locked-out clients get a 429 with Retry-After.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "articles.ratelimit.client_ip"
AXES_LOCKOUT_CALLABLE = "newsportal.admin_site.lockout_response"
AXES_VERBOSE = False

# Optional two-factor (TOTP) for staff: on for each account that confirms an
# authenticator; OTP_REQUIRED_FOR_STAFF=1 makes it mandatory for every staff account.
OTP_REQUIRED_FOR_STAFF = env_bool("OTP_REQUIRED_FOR_STAFF", False)
OTP_TOTP_ISSUER = SITE_NAME

# Rate limits per client address as (requests, seconds); RATE_LIMIT_<SCOPE>=30/60.
RATE_LIMITS_ENABLED = env_bool("RATE_LIMITS_ENABLED", True)
RATE_LIMITS = {
    scope: env_rate(f"RATE_LIMIT_{scope.upper()}", default)
    for scope, default in {
        "beacon": "120/60",
        "like": "30/60",
        "report": "5/3600",
        "search": "30/60",
        "login": "20/300",
    }.items()
}
# Seconds a reader is asked to wait when the database is unreachable (the 503 page).
OUTAGE_RETRY_AFTER = env_int("OUTAGE_RETRY_AFTER", 10)

# Errors go to Sentry (or any Sentry-compatible service such as GlitchTip) when a DSN
# is set; sentry-sdk is the optional "sentry" extra and is imported only then.
SENTRY_DSN = env("SENTRY_DSN")
if SENTRY_DSN:
    from newsportal.errors import init_error_reporting

    init_error_reporting(SENTRY_DSN, environment=DJANGO_ENV)

# --- logging --------------------------------------------------------------------------

# Production logs one JSON object per line with the request id; LOG_FORMAT=json|text.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "newsportal.request_id.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "newsportal.jsonlog.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": env("LOG_FORMAT", "json" if PRODUCTION else "text"),
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
