"""Goaltree settings. Every value comes from the environment; see docs/deploy.md."""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from config.env import env_bool, env_int, env_list, env_str
from config.release import release

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", default=False)
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY is required when DEBUG is off (or set SECRET_KEY_FILE)")
    SECRET_KEY = "django-insecure-development-only-key-do-not-use-in-production"
# Earlier keys still accepted for what they signed (sessions, import previews) while a new one rolls out:
# docs/operations.md "Rotating SECRET_KEY".
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "simple_history",
    "axes",
    "django_tasks_db",
    # Single sign-on (goals.accounts.sso, docs/deploy.md "Single sign-on"): installed always, so that the tables
    # exist; its routes answer only for the providers SSO_PROVIDERS turns on.
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.google",
    "allauth.socialaccount.providers.microsoft",
    "goals",
    "metrics",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "config.middleware.PrivateCacheControlMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Last, as django-axes asks: turns a locked-out login into the page saying when to try again.
    "axes.middleware.AxesMiddleware",
]

if not DEBUG:
    # Production serves its static files itself, compressed and cached forever (docs/deploy.md).
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "goals.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite: wait for a writer instead of failing at once; the connection is per thread anyway.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {}).update({"timeout": 20, "transaction_mode": "IMMEDIATE"})
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

_cache_url = env_str("CACHE_URL") or env_str("REDIS_URL")
if _cache_url:
    if not _cache_url.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured(f"CACHE_URL/REDIS_URL must be a redis:// URL, not {_cache_url!r}")
    # django-redis (its client, redis, is in the lock) with short timeouts; config.cache makes an unreachable
    # Redis a cache miss, logged once a minute, so every page still answers from the database.
    CACHES = {
        "default": {
            "BACKEND": "config.cache.ResilientRedisCache",
            "LOCATION": _cache_url,
            "OPTIONS": {
                "SOCKET_CONNECT_TIMEOUT": env_int("REDIS_CONNECT_TIMEOUT_MS", 500) / 1000,
                "SOCKET_TIMEOUT": env_int("REDIS_TIMEOUT_MS", 1000) / 1000,
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Names the running code in the keys of what is kept in the cache (config/release.py): results computed or
# worded by another release are never read. Deployments set it, e.g. to the commit they ship.
RELEASE = release(BASE_DIR, env_str("RELEASE"))

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses a locked-out user name + address before the password check
    "django.contrib.auth.backends.ModelBackend",
]

# Login throttling (django-axes, docs/deploy.md): LOGIN_FAILURE_LIMIT failed attempts for one user name from
# one address lock that pair out for LOGIN_LOCKOUT_MINUTES, on our login page and the admin's. The count is
# kept in the database, so every app server shares it. Attempts during the lock are refused without being
# counted, so the time the page names stays true.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 10)
_lockout_minutes = env_int("LOGIN_LOCKOUT_MINUTES", 15)
if AXES_FAILURE_LIMIT < 1 or _lockout_minutes < 1:
    raise ImproperlyConfigured("LOGIN_FAILURE_LIMIT and LOGIN_LOCKOUT_MINUTES must be at least 1")
AXES_COOLOFF_TIME = timedelta(minutes=_lockout_minutes)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_LOCKOUT_CALLABLE = "config.login_throttle.locked_out"
AXES_CLIENT_IP_CALLABLE = "config.login_throttle.client_ip"
# How many proxies (load balancers) append to X-Forwarded-For in front of the app servers; 0: none, the
# connection's address is the client's. Never more than there really are: the client writes the rest.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)

# The API (docs/api.md): requests per token per minute, counted across app servers in the cache.
API_RATE_LIMIT = env_int("API_RATE_LIMIT", 120)
if API_RATE_LIMIT < 1:
    raise ImproperlyConfigured("API_RATE_LIMIT must be at least 1")

# Background tasks (Django's tasks framework): emails of notices, daily digests, weekly reminders and webhook
# deliveries are queued in the database (django-tasks-db) and run by `manage.py db_worker`, a process of its own
# beside the app servers (docs/deploy.md "Worker").
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# After a change, the worker computes the tree's progress before someone opens a page (metrics/warming.py).
PROGRESS_WARMING = env_bool("PROGRESS_WARMING", default=True)
# Webhooks (docs/api.md "Webhooks"): tries per delivery, the wait before the second (doubling after), the time
# a receiver has to answer; plain http and private addresses only where a developer allows them.
WEBHOOK_ATTEMPTS = env_int("WEBHOOK_ATTEMPTS", 5)
WEBHOOK_RETRY_SECONDS = env_int("WEBHOOK_RETRY_SECONDS", 60)
WEBHOOK_TIMEOUT_SECONDS = env_int("WEBHOOK_TIMEOUT_SECONDS", 10)
if WEBHOOK_ATTEMPTS < 1 or WEBHOOK_RETRY_SECONDS < 0 or WEBHOOK_TIMEOUT_SECONDS < 1:
    raise ImproperlyConfigured(
        "WEBHOOK_ATTEMPTS and WEBHOOK_TIMEOUT_SECONDS must be at least 1 and WEBHOOK_RETRY_SECONDS at least 0"
    )
WEBHOOKS_ALLOW_HTTP = env_bool("WEBHOOKS_ALLOW_HTTP", default=DEBUG)
WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = env_bool("WEBHOOKS_ALLOW_PRIVATE_ADDRESSES", default=DEBUG)

# Single sign-on through django-allauth (goals/accounts/sso.py, docs/deploy.md "Single sign-on"): off unless
# SSO_PROVIDERS names google and/or microsoft. Accounts are matched by verified email address; new ones are made
# only for the domains of SSO_ALLOWED_DOMAINS.
SSO_PROVIDERS = env_list("SSO_PROVIDERS")
if set(SSO_PROVIDERS) - {"google", "microsoft"}:
    raise ImproperlyConfigured(f"SSO_PROVIDERS may name google and microsoft only, not {SSO_PROVIDERS!r}")
SSO_ALLOWED_DOMAINS = [domain.lower().lstrip("@") for domain in env_list("SSO_ALLOWED_DOMAINS")]
# The Entra ID tenant (directory) id; "organizations" accepts every work account but then no address counts as
# verified (see goals/accounts/sso.py).
SSO_MICROSOFT_TENANT = env_str("MICROSOFT_TENANT_ID", "organizations")
for _provider, _prefix in (("google", "GOOGLE"), ("microsoft", "MICROSOFT")):
    if _provider in SSO_PROVIDERS and not (env_str(f"{_prefix}_CLIENT_ID") and env_str(f"{_prefix}_CLIENT_SECRET")):
        raise ImproperlyConfigured(
            f"SSO_PROVIDERS names {_provider}: set {_prefix}_CLIENT_ID and {_prefix}_CLIENT_SECRET"
        )
SOCIALACCOUNT_PROVIDERS = {
    "google": {
        "APPS": [{"client_id": env_str("GOOGLE_CLIENT_ID", ""), "secret": env_str("GOOGLE_CLIENT_SECRET", "")}]
        if "google" in SSO_PROVIDERS
        else [],
        "SCOPE": ["openid", "profile", "email"],
        "AUTH_PARAMS": {"prompt": "select_account"},
    },
    "microsoft": {
        "APPS": [
            {
                "client_id": env_str("MICROSOFT_CLIENT_ID", ""),
                "secret": env_str("MICROSOFT_CLIENT_SECRET", ""),
                "settings": {"tenant": SSO_MICROSOFT_TENANT},
            }
        ]
        if "microsoft" in SSO_PROVIDERS
        else [],
    },
}
ACCOUNT_ADAPTER = "goals.accounts.sso.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "goals.accounts.sso.SocialAccountAdapter"
ACCOUNT_EMAIL_VERIFICATION = "none"  # the provider verified the address; allauth sends no email of its own
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "email*"]
ACCOUNT_UNIQUE_EMAIL = False  # our accounts may share an address; single sign-on refuses such an address
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_LOGIN_ON_GET = False  # a provider's login starts from our page's button (POST, CSRF)
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False  # goals.accounts.sso matches addresses itself

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = env_str("LANGUAGE_CODE", "ja")
LANGUAGES = [("ja", _("Japanese")), ("en", _("English"))]
if LANGUAGE_CODE not in dict(LANGUAGES):
    raise ImproperlyConfigured(f"LANGUAGE_CODE must be one of ja, en, not {LANGUAGE_CODE!r}")
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Asia/Tokyo")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
_CHARTJS_COPY = BASE_DIR / ".cache" / "npm" / "node_modules" / "chart.js" / "dist"
if DEBUG and _CHARTJS_COPY.is_dir():
    # Development: the copy of Chart.js that `make test` installs, served as /static/vendor/chart.js/...; `make
    # run` points CHARTJS_URL at it so that charts draw where the CDN is blocked (or there is no network).
    STATICFILES_DIRS.append(("vendor/chart.js", _CHARTJS_COPY))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Django 6.1's MAILERS: console in development, SMTP in production.
if env_str("EMAIL_HOST") or not DEBUG:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": env_str("EMAIL_HOST", "localhost"),
                "port": env_int("EMAIL_PORT", 25),
                "username": env_str("EMAIL_HOST_USER", ""),
                "password": env_str("EMAIL_HOST_PASSWORD", ""),
                "use_tls": env_bool("EMAIL_USE_TLS", default=False),
            },
        }
    }
else:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "goaltree@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The address people open Goaltree at, for the links in emails (no trailing slash).
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# How often the worker tries an email that could not be sent, and how long it waits before each new try.
NOTICE_EMAIL_ATTEMPTS = env_int("NOTICE_EMAIL_ATTEMPTS", 5)
NOTICE_EMAIL_RETRY_SECONDS = env_int("NOTICE_EMAIL_RETRY_SECONDS", 300)
if NOTICE_EMAIL_ATTEMPTS < 1 or NOTICE_EMAIL_RETRY_SECONDS < 0:
    raise ImproperlyConfigured("NOTICE_EMAIL_ATTEMPTS must be at least 1 and NOTICE_EMAIL_RETRY_SECONDS at least 0")

# Invitations (docs/permissions.md "People and departments"): how many days the link in the email works.
INVITATION_DAYS = env_int("INVITATION_DAYS", 7)
# Password reset by email: how long the link works (Django's PASSWORD_RESET_TIMEOUT, in seconds).
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_MINUTES", 60) * 60
# How many reset emails one address (and one client address) may ask for per hour; more are not sent, and the
# page says the same as always (it never tells whether an address has an account).
PASSWORD_RESET_LIMIT_PER_HOUR = env_int("PASSWORD_RESET_LIMIT_PER_HOUR", 5)
if INVITATION_DAYS < 1 or PASSWORD_RESET_TIMEOUT < 60 or PASSWORD_RESET_LIMIT_PER_HOUR < 1:
    raise ImproperlyConfigured(
        "INVITATION_DAYS, PASSWORD_RESET_MINUTES and PASSWORD_RESET_LIMIT_PER_HOUR must be at least 1"
    )

# Chart.js from the CDN, pinned to one version, with its SRI hash; a self-hosted install
# points CHARTJS_URL at its own copy (and sets CHARTJS_SRI, or an empty one for none). A copy on our own
# origin (a path such as /static/vendor/chart.umd.min.js) is already allowed by the CSP's 'self'.
CHARTJS_URL = env_str("CHARTJS_URL", "https://cdn.jsdelivr.net/npm/chart.js@4.6.1/dist/chart.umd.min.js")
CHARTJS_SRI = env_str("CHARTJS_SRI", "sha384-Emf5ZVIUiarAdhkgtqK+5/Z5qIvM6QoVrS+qAVtfyZVuD5lIHrac0me485+Antp0")

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE, *([CHARTJS_URL] if "://" in CHARTJS_URL else [])],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers check app servers over plain HTTP
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=False)
    if not SECURE_HSTS_PRELOAD:
        # Joining the browsers' preload list is the domain owner's decision, not the application's.
        SILENCED_SYSTEM_CHECKS = ["security.W021"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "client_errors_without_traceback": {"()": "config.logging.ClientErrorsWithoutTraceback"},
        "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        "mail_admins": {
            "level": "ERROR",
            "filters": ["require_debug_false"],
            "class": "django.utils.log.AdminEmailHandler",
        },
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's own console handler would print each record a second time beside the root's (with DEBUG on).
        "django": {"handlers": ["mail_admins"], "level": env_str("LOG_LEVEL", "INFO"), "propagate": True},
        # A 403 (or another refused request) is one line, without a traceback.
        "django.request": {"filters": ["client_errors_without_traceback"]},
        # django-axes logs four INFO lines per successful login and announces itself at every start; its
        # warnings (failed logins, lockouts: docs/operations.md) stay.
        "axes": {"level": "WARNING"},
    },
}
