"""Django settings, read from the environment (see docs/configuration.md).

SQLite in WAL mode under ``WARROOM_DATA_DIR`` is the embedded default, so the demo needs
nothing installed; ``DATABASE_URL`` selects PostgreSQL (psycopg 3) for production.
``WARROOM_PRODUCTION=1`` refuses to start with the development secret key or DEBUG on;
DEBUG is off unless ``WARROOM_DEBUG=1`` (development only).
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import dj_database_url

from warroom.core.env import (
    ConfigError,
    env_bool,
    env_increasing_ints,
    env_int,
    env_list,
    env_path,
    env_str,
)

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = env_path("WARROOM_DATA_DIR", Path.cwd() / "var")
# The reference data for the demo city (real figures, see shared/data/README.md).
REFERENCE_DATA_DIR = env_path("WARROOM_REFERENCE_DATA", BASE_DIR / "geo" / "data")

PRODUCTION = env_bool("WARROOM_PRODUCTION", False)
_DEV_SECRET = "warroom-development-only-secret-key-not-for-production"  # noqa: S105
SECRET_KEY = env_str("SECRET_KEY", _DEV_SECRET)
# DEBUG shows tracebacks with local variables and lists every URL on a 404: only when a
# developer asks for it by name. `warroom serve` and `warroom demo` run without it.
DEBUG = env_bool("WARROOM_DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

if PRODUCTION:
    if SECRET_KEY == _DEV_SECRET or len(SECRET_KEY) < 32:
        raise ConfigError("WARROOM_PRODUCTION=1 needs SECRET_KEY set to 32+ random characters")
    if DEBUG:
        raise ConfigError("WARROOM_PRODUCTION=1 refuses to start with WARROOM_DEBUG on")
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "ninja",  # serves the API docs' Swagger UI from its own static files, not a CDN
    "warroom.core",
    "warroom.geo",
    "warroom.accounts",
    "warroom.audit",
    "warroom.web",
    "warroom.beds",
    "warroom.tasks",
    "warroom.communities",
    "warroom.services",
    "warroom.cases",
    "warroom.surveillance",
    "warroom.situation",
    "warroom.dispatch",
    "warroom.supplies",
    "warroom.waste",
    "warroom.economy",
    "warroom.demo",  # the demo's feed job (warroom/demo/jobs.py)
    "warroom.supervision",
    "warroom.appeals",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "warroom.core.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "warroom.core.edge.EdgeGuardMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "warroom.core.middleware.RequestContextMiddleware",
]

ROOT_URLCONF = "warroom.urls"
WSGI_APPLICATION = "warroom.wsgi.application"

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
                "warroom.web.context.navigation",
                "warroom.web.context.exercise",
                "warroom.supervision.context.inbox",
            ],
        },
    },
]

_default_db = f"sqlite:///{DATA_DIR / 'warroom.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(env_str("DATABASE_URL", _default_db))}
_db = DATABASES["default"]
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers go on while one writer writes; IMMEDIATE takes the write lock at
    # BEGIN, so two writers queue on busy_timeout instead of failing mid-transaction.
    _db["OPTIONS"] = {
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
            # 64 MiB of page cache (the default is 2 MiB: a day's import of the whole city
            # rereads the people's and histories' indexes). Not temp_store=MEMORY: it also
            # keeps the statement sub-journal in memory, and releasing a statement's
            # savepoint inside a nested atomic then walks that journal from its start:
            # one-row statements after many writes cost O(pages written) each (5,000
            # UPDATEs of people 1-3 s instead of 0.2-0.4 s, growing with the transaction).
            " PRAGMA cache_size=-65536;"
            # Pages beyond that cache read through a memory map of the first GiB of the
            # file, not one pread() each (the daily cycle at the whole city's peak made
            # 75,000 a run: 10-12 % of its CPU). Mapped pages are the kernel's page cache,
            # shared and reclaimable; they count in the process's resident size.
            " PRAGMA mmap_size=1073741824;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
    _db["TEST"] = {"NAME": env_str("WARROOM_TEST_SQLITE", "") or None}
elif _db["ENGINE"].startswith("django.db.backends.postgresql"):
    _db["CONN_MAX_AGE"] = env_int("DB_CONN_MAX_AGE", 60, minimum=0)
    _db["CONN_HEALTH_CHECKS"] = True
    # PostgreSQL's JIT compiles a query whose estimated cost passes jit_above_cost: the
    # daily cycle's aggregates over the whole city's people pass it, and the compilation
    # took 0.7 s of a 0.85 s query (tests owed at the cut-off, 344,000 people). These are
    # short queries run once: JIT off unless WARROOM_PG_JIT=1 (docs/performance.md).
    if not env_bool("WARROOM_PG_JIT", False):
        _pg_options = _db.setdefault("OPTIONS", {})
        _pg_options["options"] = f"{_pg_options.get('options', '')} -c jit=off".strip()
    # One test database per checkout, so that two checkouts can run the suite at once.
    _checkout = hashlib.sha256(str(BASE_DIR).encode()).hexdigest()[:8]
    _db["TEST"] = {"NAME": env_str("WARROOM_TEST_DB", f"test_{_db['NAME']}_{_checkout}")}
else:
    raise ConfigError(f"DATABASE_URL: unsupported database engine {_db['ENGINE']}")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["warroom.accounts.backends.LockoutBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Lock-out: this many failed sign-ins within the window locks the account for the window.
WARROOM_LOCKOUT_ATTEMPTS = env_int("WARROOM_LOCKOUT_ATTEMPTS", 5, minimum=1)
WARROOM_LOCKOUT_MINUTES = env_int("WARROOM_LOCKOUT_MINUTES", 15, minimum=1)

# The job queue (warroom.core.jobs): a worker holds a job for this long unless its heartbeat
# renews it; a killed worker's job is taken by the next worker after it. On SQLite a long
# import holds the one write lock (the heartbeat waits), so keep it above the longest import.
WARROOM_JOB_LEASE_SECONDS = env_int("WARROOM_JOB_LEASE_SECONDS", 120, minimum=1)
# An uploaded file larger than this is imported by a worker (the page follows its job).
WARROOM_IMPORT_QUEUE_BYTES = env_int("WARROOM_IMPORT_QUEUE_BYTES", 2_000_000, minimum=0)
# An import reports its progress (a log line off a terminal, the job page's done/total)
# every this many rows (warroom.core.imports.import_progress).
WARROOM_PROGRESS_ROWS = env_int("WARROOM_PROGRESS_ROWS", 10_000, minimum=1)

# How many steps of the daily cycle may run at once, each on its own connection
# (warroom.core.daily; PostgreSQL only: on SQLite the steps run one by one).
WARROOM_CYCLE_WORKERS = env_int("WARROOM_CYCLE_WORKERS", 2, minimum=1)

# Case management (warroom.cases): the daily clearance cut-off and the quarantine rules.
WARROOM_CLEARANCE_CUTOFF = env_str("WARROOM_CLEARANCE_CUTOFF", "24:00")
_cutoff = re.fullmatch(r"([01]\d|2[0-4]):([0-5]\d)", WARROOM_CLEARANCE_CUTOFF)
if _cutoff is None or (_cutoff.group(1) == "24" and _cutoff.group(2) != "00"):
    raise ConfigError(
        f"WARROOM_CLEARANCE_CUTOFF={WARROOM_CLEARANCE_CUTOFF!r} is not a time HH:MM (00:00-24:00)"
    )
WARROOM_QUARANTINE_DAYS = env_int("WARROOM_QUARANTINE_DAYS", 14, minimum=1)
WARROOM_POST_DISCHARGE_DAYS = env_int("WARROOM_POST_DISCHARGE_DAYS", 14, minimum=0)
try:
    WARROOM_QUARANTINE_TEST_DAYS = [
        int(d) for d in env_list("WARROOM_QUARANTINE_TEST_DAYS", ["1", "14"])
    ]
except ValueError:
    raise ConfigError("WARROOM_QUARANTINE_TEST_DAYS must be day numbers, e.g. 1,14") from None
if any(d < 1 or d > WARROOM_QUARANTINE_DAYS for d in WARROOM_QUARANTINE_TEST_DAYS):
    raise ConfigError("WARROOM_QUARANTINE_TEST_DAYS must lie within the quarantine's days")

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
# Apache ECharts and htmx come from installed packages (instaui-echarts, django-htmx): no CDN.
STATICFILES_DIRS = [
    ("vendor/echarts", Path(str(__import__("instaui_echarts").__file__)).parent / "static")
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True  # the demo serves straight from the installed packages
WHITENOISE_AUTOREFRESH = DEBUG

# Uploaded files (evidence of rectification): served only through scoped views.
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "/media/"

# Phases (DESIGN §3.1): the lower bounds of the LOW, MIDDLE and HIGH bands of daily new
# confirmed (TAIL below LOW) and k, the days in a new band that declare it. The defaults
# are the seed's, Wuhan's digits (~11 M people): a smaller city sets its own.
WARROOM_PHASE_BANDS = env_increasing_ints("WARROOM_PHASE_BANDS", (10, 100, 1000), count=3)
WARROOM_PHASE_CONFIRM_DAYS = env_int("WARROOM_PHASE_CONFIRM_DAYS", 3, minimum=1)

# Communities (DESIGN §3.6). Days without a confirmed case before a compound can be
# certified epidemic-free: 14, the incubation period Wuhan's 无疫情小区 standard used.
WARROOM_CERTIFY_DAYS = env_int("WARROOM_CERTIFY_DAYS", 14, minimum=1)
# Days a unit must have stayed certified before it may apply for reopening: 3, one cycle
# of Wuhan's published lists (every 3 days).
WARROOM_REOPEN_MIN_DAYS = env_int("WARROOM_REOPEN_MIN_DAYS", 3, minimum=0)
# A vulnerable resident not visited for this many days is in the backlog.
WARROOM_VISIT_DAYS = env_int("WARROOM_VISIT_DAYS", 3, minimum=1)
# A staple whose price rose by more than this percentage in a week raises an alert (稳物价).
WARROOM_PRICE_ALERT_PERCENT = env_int("WARROOM_PRICE_ALERT_PERCENT", 10, minimum=1)
# Citizen appeals (docs/appeals.md): hours to answer per urgency (immediate: a patient
# asking for a bed; urgent: medicine, transport to care; normal: supplies; routine).
WARROOM_APPEAL_HOURS_IMMEDIATE = env_int("WARROOM_APPEAL_HOURS_IMMEDIATE", 1, minimum=1)
WARROOM_APPEAL_HOURS_URGENT = env_int("WARROOM_APPEAL_HOURS_URGENT", 4, minimum=1)
WARROOM_APPEAL_HOURS_NORMAL = env_int("WARROOM_APPEAL_HOURS_NORMAL", 24, minimum=1)
WARROOM_APPEAL_HOURS_ROUTINE = env_int("WARROOM_APPEAL_HOURS_ROUTINE", 72, minimum=1)
# Public form: per client address and minute, accepted up to RATE, held for review up to
# HOLD (a shared address: many citizens behind one NAT), refused (429) above.
WARROOM_APPEAL_RATE = env_int("WARROOM_APPEAL_RATE", 5, minimum=1)
WARROOM_APPEAL_HOLD = env_int("WARROOM_APPEAL_HOLD", 60, minimum=1)
WARROOM_APPEAL_MIN_FILL_SECONDS = env_int("WARROOM_APPEAL_MIN_FILL_SECONDS", 3, minimum=0)
WARROOM_APPEAL_DUPLICATE_HOURS = env_int("WARROOM_APPEAL_DUPLICATE_HOURS", 48, minimum=1)
WARROOM_DEMO_APPEALS_PER_DAY = env_int("WARROOM_DEMO_APPEALS_PER_DAY", 200, minimum=0)

# Supervision (docs/supervision.md). A quality flag's task is due this many days after the
# flag's day; an overdue task escalates once to the level above after this grace period;
# the signals' thresholds; the words that make a workplace a health workplace.
WARROOM_FLAG_TASK_DAYS = env_int("WARROOM_FLAG_TASK_DAYS", 2, minimum=1)
WARROOM_ESCALATION_GRACE_HOURS = env_int("WARROOM_ESCALATION_GRACE_HOURS", 24, minimum=0)
WARROOM_SIGNAL_PLACE_CASES = env_int("WARROOM_SIGNAL_PLACE_CASES", 2, minimum=1)
WARROOM_SIGNAL_STAFF_CASES = env_int("WARROOM_SIGNAL_STAFF_CASES", 1, minimum=1)
WARROOM_SIGNAL_WAITING_PEOPLE = env_int("WARROOM_SIGNAL_WAITING_PEOPLE", 1, minimum=1)
WARROOM_HEALTH_WORKPLACE_WORDS = [
    w.strip()
    for w in env_str(
        "WARROOM_HEALTH_WORKPLACE_WORDS", "医院,卫生院,卫生服务中心,诊所,疾控,hospital,clinic"
    ).split(",")
    if w.strip()
]

# The platform's "today" (warroom.core.today): empty = real time (or the running
# exercise's day, which the demo stores); an ISO date fixes it for a replay or an exercise.
WARROOM_TODAY = env_str("WARROOM_TODAY", "")
if WARROOM_TODAY and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", WARROOM_TODAY):
    raise ConfigError(f"WARROOM_TODAY={WARROOM_TODAY!r} is not a date YYYY-MM-DD")

# Notifications (warroom.core.notify): e-mail through Django's mail (the console backend
# unless EMAIL_BACKEND says otherwise); SMS through a gateway class (dotted path; empty =
# a gateway that only logs, since no operator is contracted).
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "warroom@localhost")
WARROOM_SMS_GATEWAY = env_str("WARROOM_SMS_GATEWAY", "")

# Zones and levels (docs/zones.md): the national rule of 17 February 2020 — high risk is
# more than WARROOM_RISK_CUMULATIVE cumulative confirmed cases and a cluster (a compound
# with WARROOM_RISK_CLUSTER_CASES confirmations) within WARROOM_RISK_WINDOW_DAYS days.
WARROOM_RISK_CUMULATIVE = env_int("WARROOM_RISK_CUMULATIVE", 50, minimum=1)
WARROOM_RISK_WINDOW_DAYS = env_int("WARROOM_RISK_WINDOW_DAYS", 14, minimum=1)
WARROOM_RISK_CLUSTER_CASES = env_int("WARROOM_RISK_CLUSTER_CASES", 2, minimum=2)

# Imports (docs/security.md, "Imports: limits and their settings"): every file is read
# within these bounds; over one, it is refused (413) before it can exhaust the server.
WARROOM_IMPORT_MAX_BYTES = env_int("WARROOM_IMPORT_MAX_BYTES", 32 * 2**20, minimum=1)
WARROOM_IMPORT_MAX_ROWS = env_int("WARROOM_IMPORT_MAX_ROWS", 200_000, minimum=1)
WARROOM_IMPORT_MAX_COLUMNS = env_int("WARROOM_IMPORT_MAX_COLUMNS", 200, minimum=1)
# 32,767: the most characters Excel itself puts in a cell.
WARROOM_IMPORT_MAX_CELL_CHARS = env_int("WARROOM_IMPORT_MAX_CELL_CHARS", 32_767, minimum=1)
WARROOM_IMPORT_MAX_UNZIPPED_BYTES = env_int(
    "WARROOM_IMPORT_MAX_UNZIPPED_BYTES", 256 * 2**20, minimum=1
)
WARROOM_IMPORT_MAX_EXPANSION = env_int("WARROOM_IMPORT_MAX_EXPANSION", 100, minimum=1)
WARROOM_IMPORT_MAX_ERRORS = env_int("WARROOM_IMPORT_MAX_ERRORS", 200, minimum=1)
# A day of mass screening is one file of up to ~1.5 M results (Wuhan, May 2020: 1.47 M
# samples on its busiest day): the screening import has its own row and byte limits
# (warroom.core.uploads.import_limits("screening")); every other import keeps the above.
WARROOM_IMPORT_SCREENING_MAX_BYTES = env_int(
    "WARROOM_IMPORT_SCREENING_MAX_BYTES", 512 * 2**20, minimum=1
)
WARROOM_IMPORT_SCREENING_MAX_ROWS = env_int(
    "WARROOM_IMPORT_SCREENING_MAX_ROWS", 2_000_000, minimum=1
)
# Imports one user may run at once, and when a slot held by a killed worker is taken back.
WARROOM_IMPORT_PER_USER = env_int("WARROOM_IMPORT_PER_USER", 2, minimum=1)
WARROOM_IMPORT_SLOT_SECONDS = env_int("WARROOM_IMPORT_SLOT_SECONDS", 900, minimum=1)
# Files above this size belong on the job queue rather than in a web request.

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 12 * 3600, minimum=60)
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy on every response (warroom.core.middleware): no inline script,
# no eval, nothing from elsewhere. Inline *styles* stay allowed: the charts' heights are
# style attributes and ECharts styles its tooltips inline.
WARROOM_CSP = env_str(
    "WARROOM_CSP",
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
)
SECURE_CONTENT_TYPE_NOSNIFF = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}

# API pagination bounds (a huge limit or offset is a 422, not a database error).
NINJA_PAGINATION_PER_PAGE = 100
NINJA_PAGINATION_MAX_LIMIT = 1000
NINJA_PAGINATION_MAX_OFFSET = 10_000_000
NINJA_PAGINATION_CLASS = "warroom.core.pagination.BoundedLimitOffsetPagination"

# The audit log's key and anchors (docs/security.md). The chain is sealed with HMAC-SHA256
# under a key kept outside the database: WARROOM_AUDIT_KEY (32+ characters; earlier keys in
# WARROOM_AUDIT_OLD_KEYS, comma-separated, to verify what they sealed), or else the key file
# (one hex key a line, the last current; created 0600 on first use in development). The
# daily cycle appends the day's head to the anchor file (append-only, outside the database).
WARROOM_AUDIT_KEY = env_str("WARROOM_AUDIT_KEY", "")
WARROOM_AUDIT_OLD_KEYS = env_list("WARROOM_AUDIT_OLD_KEYS", [])
WARROOM_AUDIT_KEY_FILE = env_path("WARROOM_AUDIT_KEY_FILE", DATA_DIR / "audit.key")
WARROOM_AUDIT_ANCHOR_FILE = env_path("WARROOM_AUDIT_ANCHOR_FILE", DATA_DIR / "audit-anchors.log")
if WARROOM_AUDIT_KEY and len(WARROOM_AUDIT_KEY) < 32:
    raise ConfigError("WARROOM_AUDIT_KEY must be 32 or more random characters")
if PRODUCTION and not WARROOM_AUDIT_KEY and not WARROOM_AUDIT_KEY_FILE.exists():
    raise ConfigError(
        "WARROOM_PRODUCTION=1 needs the audit key: set WARROOM_AUDIT_KEY, or create "
        f"{WARROOM_AUDIT_KEY_FILE} with `warroom audit rotate-key` before starting"
    )
