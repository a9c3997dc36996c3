"""Settings for the recovery tracking service, read from the environment.

Defaults make `make run` work on a bare machine (SQLite and Celery's filesystem transport under
var/, SMS written to the log). Production values come from the environment; with them,
`python manage.py check --deploy` is clean. See README.md, "Configuration".
"""

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url

from config import env

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env.string("VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env.boolean("DEBUG", False)
ALLOWED_HOSTS = env.string_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])

# The address Twilio and patients reach us at. Webhook signatures are computed over it, so that they
# verify behind a TLS-terminating proxy; an https address also turns on the secure-transport settings.
PUBLIC_BASE_URL = env.url("PUBLIC_BASE_URL", "http://127.0.0.1:8000", schemes=("http", "https"))
HTTPS = urlsplit(PUBLIC_BASE_URL).scheme == "https"
# The development default is public, so a public (https) deployment must set its own; the
# "django-insecure-" prefix also makes `check --deploy` flag the default wherever it is used.
SECRET_KEY = env.raw("SECRET_KEY") if HTTPS else env.string("SECRET_KEY", "django-insecure-development-key-" + "x" * 32)
CSRF_TRUSTED_ORIGINS = [PUBLIC_BASE_URL]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "axes",
    # Keeps every change to a recovery protocol (who, when, old and new values), shown in the admin.
    "simple_history",
    "csp",
    # API plumbing (fields, parsers, pagination, throttles, OpenAPI shapes), below the domain apps.
    "api",
    "patients",
    "recovery",
    "notifications",
    "dashboard",
    # The read-only FHIR R4 API at /fhir/R4/.
    "fhir_api",
    "caregivers",
    "webcheckin",
    # Outcome questionnaires on a schedule after surgery (docs/outcomes.md).
    "outcomes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "config.middleware.NoStoreMiddleware",
    "config.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The nurse's language for the dashboard: the choice made there (a cookie), else the browser's.
    # Patients' texts do not follow it: they are rendered in the patient's own language. The APIs stay
    # in the default language (config/middleware.py).
    "config.middleware.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Names the user behind a protocol change (its milestones and bands too) in its history.
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # After authentication (a signed-in nurse is counted by user, as DRF does), before django-axes.
    "config.middleware.LoginThrottleMiddleware",
    # Last, as django-axes requires: it turns a locked-out login into a 429/lockout page.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
            ],
        },
    },
]

# Database: SQLite under var/ by default; PostgreSQL in production and in the tests.
DATABASE_URL = env.url("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}", schemes=("sqlite", "postgres", "postgresql"))
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env.integer("DB_CONN_MAX_AGE", 60, minimum=0), conn_health_checks=True)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and beat share one file: wait for a lock rather than fail at once.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
else:
    # Fail fast when PostgreSQL is unreachable, so the API can answer 503 instead of hanging.
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = env.integer("DB_CONNECT_TIMEOUT", 5, minimum=1)
    # No JIT compilation: the dashboard's queries over a clinic cost enough to trigger it, and compiling
    # took longer than it saved (docs/dashboard.md).
    DATABASES["default"]["OPTIONS"]["options"] = "-c jit=off"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis: cache, shared rate limits and (by default, when set) the Celery broker. Nothing in Redis is
# the only copy of anything.
REDIS_URL = env.url("REDIS_URL", "", schemes=("redis", "rediss", "unix")) if env.raw("REDIS_URL", "") else ""
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "config.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "TIMEOUT": 300,
            # Fail fast when Redis is down: the cache is an optimisation, never a reason to hang.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    # A file cache is shared by the web, worker and beat processes of `make run`, so throttles hold.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": str(VAR_DIR / "cache")}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
# Each language here has a catalogue in locale/ and a patients.choices.Language value (docs/translations.md).
LANGUAGES = [("en", "English"), ("es", "Español")]
# The catalogues of every text a patient or nurse reads (locale/<language>/LC_MESSAGES/django.po); the
# .mo files Django reads are compiled from them at install (python -m config.catalogues).
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
# Time zone of a clinic or patient created without one.
DEFAULT_PATIENT_TIMEZONE = env.timezone_name("DEFAULT_PATIENT_TIMEZONE", "America/Chicago")

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Hashed, compressed static files in production (after collectstatic); plain ones in development and tests.
STATIC_MANIFEST = env.boolean("STATIC_MANIFEST", not DEBUG)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if STATIC_MANIFEST
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG

LOGIN_URL = "dashboard:login"
LOGIN_REDIRECT_URL = "dashboard:worklist"
LOGOUT_REDIRECT_URL = "dashboard:login"

# Transport security: on when the public address is https (behind a TLS proxy that sets the header).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_SSL_REDIRECT = HTTPS
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
# The dashboard's language choice: no script needs to read it.
LANGUAGE_COOKIE_SECURE = HTTPS
LANGUAGE_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp) on every page: scripts, styles, images and fonts from our own
# origin only, no inline script or style (the dashboard has none; Swagger UI's start-up script is
# served as a file, config/urls.py), no framing, forms posting only to us.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env.integer("SESSION_COOKIE_AGE", 8 * 3600, minimum=300)  # one shift

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework_simplejwt.authentication.JWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer", "rest_framework.renderers.BrowsableAPIRenderer"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "config.api.exception_handler",
    "DEFAULT_THROTTLE_RATES": {
        "enroll": env.rate("THROTTLE_ENROLL", "10/hour"),
        "login": env.rate("THROTTLE_LOGIN", "20/hour"),
        "checkin": env.rate("THROTTLE_CHECKIN", "600/hour"),
    },
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # How many proxies we run in front of the app: the client's address is the one the nearest of them
    # appended to X-Forwarded-For. 0: the header is ignored (anyone can send it) and REMOTE_ADDR is the
    # client. Throttles, django-axes and the audit trail all read it (patients/network.py).
    "NUM_PROXIES": env.integer("NUM_PROXIES", 0, minimum=0, maximum=10),
    # Nesting and lone surrogates are checked by our parser: a 400, never a RecursionError.
    "DEFAULT_PARSER_CLASSES": ["api.parsers.StrictJSONParser"],
}

SIMPLE_JWT = {
    # Short-lived access tokens; refresh tokens rotate and the old one is blacklisted, so a stolen
    # refresh token stops working the first time its owner refreshes. Logout blacklists it at once.
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.integer("JWT_ACCESS_MINUTES", 15, minimum=1)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.integer("JWT_REFRESH_DAYS", 30, minimum=1)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    "SIGNING_KEY": SECRET_KEY,
    "AUTH_HEADER_TYPES": ("Bearer",),
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Post-operative recovery tracking API",
    "DESCRIPTION": (
        "Daily recovery check-ins from patients after spinal fusion, and the nurses' view of who needs "
        "attention. This service is not watched around the clock: emergencies go to 911 or the "
        "emergency department."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # One name per vocabulary, whatever the field that carries it is called.
    "ENUM_NAME_OVERRIDES": {
        "LanguageEnum": "patients.api.LANGUAGE_CODES",
        "MilestoneCodeEnum": "recovery.api.patient.MILESTONE_CODES",
        "SymptomCodeEnum": "recovery.api.patient.SYMPTOM_CODES",
        "CheckinChannelEnum": "recovery.api.patient.CHANNEL_CODES",
        "SyncStatusEnum": "recovery.api.patient.SYNC_STATUSES",
        "MilestoneStateEnum": "recovery.api.patient.MILESTONE_STATES",
        # Two choice sets are called "status": the patient summary's and the alert's.
        "PatientStatusEnum": "recovery.api.staff.PATIENT_STATUSES",
        "AlertStatusEnum": "recovery.choices.AlertStatus",
        # The same codes with their labels (the caregivers' calls, the staff daily records).
        "LanguageChoiceEnum": "patients.choices.Language",
        "ChannelChoiceEnum": "recovery.choices.Channel",
    },
}

# django-axes: lock a username out after repeated failed logins (staff token endpoint and dashboard).
AXES_FAILURE_LIMIT = env.integer("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env.integer("AXES_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_ENABLED = env.boolean("AXES_ENABLED", True)
# The same client address as the throttles (NUM_PROXIES), and a username cut to fit axes' column.
AXES_CLIENT_IP_CALLABLE = "patients.network.client_ip"
AXES_USERNAME_CALLABLE = "patients.network.login_username"

# Celery. The broker is Redis in production; on a bare machine, kombu's filesystem transport under
# var/ needs no server.
CELERY_BROKER_URL = env.url("CELERY_BROKER_URL", REDIS_URL or "filesystem://", schemes=("redis", "rediss", "filesystem", "amqp", "amqps"))
if CELERY_BROKER_URL.startswith("filesystem://"):
    _queue_dir = VAR_DIR / "celery"
    for _sub in ("queue", "processed", "control"):
        (_queue_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir / "queue"),
        "data_folder_out": str(_queue_dir / "queue"),
        "processed_folder": str(_queue_dir / "processed"),
        # Broadcast (pidbox) tables; kombu's default is ./control, wherever the process started.
        "control_folder": str(_queue_dir / "control"),
        "store_processed": False,
    }
else:
    # Redis redelivers an unacknowledged task after the visibility timeout; it must exceed the
    # longest task (the sweep's hard limit below), or a slow task would run twice at once.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
if CELERY_BROKER_URL.startswith("redis://"):
    # kombu's Redis transport, keeping its publishing client (config/broker.py).
    CELERY_BROKER_TRANSPORT = "config.broker:Transport"
# We never read task results: every outcome is a row in PostgreSQL.
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
# Acknowledge after the task ran, so a worker killed mid-task leaves it to be redelivered; tasks
# are idempotent, so a second run is harmless.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# One task at a time per process: a long sweep chunk must not hold short pages hostage.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Limits: a stuck task is killed instead of holding a worker forever.
CELERY_TASK_SOFT_TIME_LIMIT = 600
CELERY_TASK_TIME_LIMIT = 900
CELERY_TASK_ALWAYS_EAGER = env.boolean("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
# Publishing must not hang a web request when the broker is down: the outbox and the relays catch up.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_PUBLISH_RETRY = False
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE = {
    # Judge every patient whose local day has ended since their last judgement.
    "recovery-sweep": {"task": "recovery.tasks.sweep_task", "schedule": 15 * 60.0},
    # Send the reminders due now (each patient's own local time).
    "notifications-reminders": {"task": "notifications.tasks.reminders_due_task", "schedule": 60.0},
    # Requeue messages the broker dropped, drop those past their window.
    "notifications-outbox-relay": {"task": "notifications.tasks.outbox_relay_task", "schedule": 60.0},
    # Page for urgent alerts not paged yet, and escalate the unacknowledged ones.
    "notifications-pages-relay": {"task": "notifications.tasks.pages_relay_task", "schedule": 30.0},
    # Ask the follow-ups after emergency advice that are due; page again for those not answered.
    "notifications-advice-follow-ups": {"task": "notifications.tasks.advice_follow_ups_task", "schedule": 60.0},
    # Judge the check-ins' marks that no batch was published for (the broker lost it).
    "recovery-judging-relay": {"task": "recovery.tasks.judge_marked_task", "schedule": 30.0},
    # Offer the outcome questionnaires now due, by SMS (each once per patient and time point).
    "outcomes-offer": {"task": "outcomes.tasks.questionnaires_offer_task", "schedule": 15 * 60.0},
}
# Two queues. `urgent` carries the pages (their sends and the pages relay) and has a worker of its own
# (config/runstack.py, docker-compose.yml), so routine work (judging batches, reminders, the sweep) on
# the default queue never delays a page, however much of it is queued.
CELERY_URGENT_QUEUE = "urgent"
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_ROUTES = {
    "notifications.tasks.pages_relay_task": {"queue": CELERY_URGENT_QUEUE},
    "notifications.tasks.advice_follow_ups_task": {"queue": CELERY_URGENT_QUEUE},
}

# SMS through Twilio. With no account settings, messages are written to the log and kept in the
# message history.
TWILIO_ACCOUNT_SID = env.string("TWILIO_ACCOUNT_SID", "")
TWILIO_AUTH_TOKEN = env.string("TWILIO_AUTH_TOKEN", "")
TWILIO_FROM_NUMBER = env.string("TWILIO_FROM_NUMBER", "")
TWILIO_MESSAGING_SERVICE_SID = env.string("TWILIO_MESSAGING_SERVICE_SID", "")
TWILIO_API_URL = env.url("TWILIO_API_URL", "https://api.twilio.com", schemes=("http", "https"))
SMS_BACKEND = "twilio" if (TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN) else "log"
if SMS_BACKEND == "twilio" and not (TWILIO_FROM_NUMBER or TWILIO_MESSAGING_SERVICE_SID):
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("TWILIO_FROM_NUMBER: set it (or TWILIO_MESSAGING_SERVICE_SID) to send SMS")
# Messages a second per sender, shared by all workers through Redis (0: no limit). A US long code
# carries about one a second.
SMS_RATE_PER_SECOND = env.number("SMS_RATE_PER_SECOND", 1.0, minimum=0)
# Minutes an urgent page may wait for acknowledgement before the next nurse on the roster is paged.
PAGE_ESCALATION_MINUTES = env.integer("PAGE_ESCALATION_MINUTES", 15, minimum=1)
# After advice to call 911 or go to the emergency department: hours until the patient is asked
# whether they did, and hours the answer is awaited before the nurse is paged again.
FOLLOW_UP_AFTER_HOURS = env.number("FOLLOW_UP_AFTER_HOURS", 3.0, minimum=0)
FOLLOW_UP_ANSWER_HOURS = env.number("FOLLOW_UP_ANSWER_HOURS", 2.0, minimum=0)
# Days an enrollment code stays valid.
ENROLLMENT_CODE_DAYS = 14

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"no_query": {"()": "config.logs.DropQueryStrings"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.choice("LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR"))},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        # Search terms travel in query strings: these log the path only (gunicorn's access log too,
        # config/gunicorn.py).
        "django.request": {"filters": ["no_query"]},
        "django.server": {"filters": ["no_query"]},
    },
}

# --- Operations and staff sign-in: metrics, logs, error reporting, two-factor, idle sessions ---------
# (One block, so that it merges apart from the rest; docs/operations.md and docs/security.md.)
INSTALLED_APPS += ["django_otp", "django_otp.plugins.otp_totp", "monitoring"]
# First, so that every log line of a request carries its id, and every response its X-Request-ID.
MIDDLEWARE.insert(0, "config.logs.RequestIdMiddleware")
# django-otp marks a session verified after its second factor; then the dashboard's two checks on
# every session: a second factor owed but not given, and a session left idle too long.
MIDDLEWARE.insert(MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1, "django_otp.middleware.OTPMiddleware")
_after_messages = MIDDLEWARE.index("django.contrib.messages.middleware.MessageMiddleware") + 1
MIDDLEWARE[_after_messages:_after_messages] = ["dashboard.sessions.SecondFactorMiddleware", "dashboard.sessions.IdleSessionMiddleware"]

# GET /metrics (Prometheus) answers only with this bearer token; without one it does not exist (404).
METRICS_TOKEN = env.string("METRICS_TOKEN", "")
# Scraped over the private network by address (http), like the health check.
SECURE_REDIRECT_EXEMPT = [*SECURE_REDIRECT_EXEMPT, r"^metrics$"]

# Request ids: taken from this inbound header when a trusted proxy sets it (and it looks like an id),
# otherwise made here; empty: never taken from a client.
REQUEST_ID_HEADER = env.string("REQUEST_ID_HEADER", "")
# text for a terminal (make run); json, one object a line, for a log collector (the image).
LOG_FORMAT = env.choice("LOG_FORMAT", "text", ("text", "json"))
LOGGING["filters"]["context"] = {"()": "config.logs.ContextFilter"}
LOGGING["formatters"].update({"text": {"()": "config.logs.TextFormatter"}, "json": {"()": "config.logs.JsonFormatter"}})
LOGGING["handlers"]["console"] = {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["context"]}
# The worker logs through the handler above (with the task's id), not through a root logger of Celery's.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# Error reporting to Sentry, only when a DSN is set; nothing of a request, an SMS or a phone number
# leaves (config/sentry.py).
SENTRY_DSN = env.string("SENTRY_DSN", "")
SENTRY_ENVIRONMENT = env.string("SENTRY_ENVIRONMENT", "production" if HTTPS else "development")
if SENTRY_DSN:
    from config.sentry import sentry_init

    sentry_init(dsn=SENTRY_DSN, environment=SENTRY_ENVIRONMENT)

# Two-factor sign-in (TOTP) for nurses and admins. A user with a confirmed device always gives a
# code; with STAFF_2FA_REQUIRED, a user with none must set one up first. Production sets it true.
STAFF_2FA_REQUIRED = env.boolean("STAFF_2FA_REQUIRED", False)
OTP_TOTP_ISSUER = "Recovery tracking"
# A dashboard or admin session ends after this long without a request from its nurse.
SESSION_IDLE_MINUTES = env.integer("SESSION_IDLE_MINUTES", 30, minimum=1)
