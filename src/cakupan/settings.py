"""Django settings. Everything secret or deployment-specific comes from the environment."""

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONCE
from django.core.exceptions import ImproperlyConfigured

PACKAGE_DIR = Path(__file__).resolve().parent
# var/ (in the checkout when run from one) holds the embedded database and generated files;
# CAKUPAN_VAR_DIR moves it (tests, packaging).
_CHECKOUT = PACKAGE_DIR.parents[1]
_DEFAULT_VAR = _CHECKOUT / "var" if (_CHECKOUT / "pyproject.toml").exists() else Path.cwd() / "var"
VAR_DIR = Path(os.environ.get("CAKUPAN_VAR_DIR", _DEFAULT_VAR)).resolve()

DEBUG = os.environ.get("CAKUPAN_DEBUG", "") == "1"
# CAKUPAN_PRODUCTION=1 switches on HTTPS-only cookies, HSTS and the redirect, and demands a real secret.
PRODUCTION = os.environ.get("CAKUPAN_PRODUCTION", "") == "1"
# Public (it is in the repository): good only for a demo on loopback. Production refuses it, and
# `cakupan check --deploy` reports it wherever it is in use (cakupan.core.checks).
DEVELOPMENT_SECRET_KEY = "dev-only-insecure-key-change-me-in-production-0123456789"
if PRODUCTION:
    if DEBUG:
        raise ImproperlyConfigured("CAKUPAN_DEBUG must not be set in production")
    SECRET_KEY = os.environ.get("CAKUPAN_SECRET_KEY", "")
    if len(SECRET_KEY) < 50:
        raise ImproperlyConfigured("CAKUPAN_SECRET_KEY must be set (50+ random characters) in production")
    if SECRET_KEY == DEVELOPMENT_SECRET_KEY:
        raise ImproperlyConfigured("CAKUPAN_SECRET_KEY is the public development key; set your own")
else:
    SECRET_KEY = os.environ.get("CAKUPAN_SECRET_KEY", DEVELOPMENT_SECRET_KEY)
ALLOWED_HOSTS = [h for h in os.environ.get("CAKUPAN_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]

INSTALLED_APPS = [
    "cakupan.core.admin_site.CakupanAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "auditlog",
    "cakupan.core.axes_app.AxesConfig",
    "csp",
    # The API docs page then renders Swagger UI from ninja's own static files, not a CDN (offline, CSP)
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "cakupan.core",
    "cakupan.accounts",
    "cakupan.regions",
    "cakupan.registry",
    "cakupan.coverage",
    "cakupan.rules",
    "cakupan.audit",
    "cakupan.approvals",
    "cakupan.providers",
    "cakupan.messaging",
    "cakupan.funding",
    "cakupan.portal",
    # Only for its system check, which refuses a cache that cannot count atomically.
    "django_ratelimit",
    "cakupan.workspace",
    "cakupan.sponsors",
    "cakupan.claims",
    "cakupan.agents",
    # Sponsor accounts (public sign-up under /sponsor/akun/). After cakupan.accounts, whose Bahasa templates
    # override allauth's.
    "allauth",
    "allauth.account",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "cakupan.core.middleware.ChosenLanguageMiddleware",
    # A request that waited past the write lock's timeout (a long import on SQLite) answers 503, not 500.
    "cakupan.core.middleware.BusyDatabaseMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "cakupan.audit.middleware.AuditlogRemoteAddrMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # django-allauth (sponsor accounts): its sign-in stages and redirects.
    "allauth.account.middleware.AccountMiddleware",
    # Last, as django-axes requires: it turns a locked-out login into its lockout response.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # Refuses credentials while a username/IP pair is locked out, before any password check.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    # Sponsors sign in by e-mail address (django-allauth); staff keep signing in by username.
    "cakupan.accounts.sponsor_adapter.SponsorEmailBackend",
]

ROOT_URLCONF = "cakupan.urls"
WSGI_APPLICATION = "cakupan.wsgi.application"
AUTH_USER_MODEL = "accounts.User"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
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


def _database_config() -> dict:
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'cakupan.sqlite3'}"
    config = dj_database_url.parse(url, conn_max_age=60)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        if config["NAME"] != ":memory:":
            Path(config["NAME"]).parent.mkdir(parents=True, exist_ok=True)
        # WAL lets the dashboard read while an import writes; IMMEDIATE avoids upgrade deadlocks.
        config["OPTIONS"] = {
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
                "PRAGMA busy_timeout=10000; PRAGMA cache_size=-65536;"
            ),
            "transaction_mode": "IMMEDIATE",
        }
        # Kept between requests like PostgreSQL's: opening one runs the pragmas above each time, which the
        # public status check (a read and a write per look-up) would pay on every request.
        config["CONN_MAX_AGE"] = 60
    return config


DATABASES = {"default": _database_config()}
# The status check's statements are prepared once per PostgreSQL session (cakupan.core.prepared); off
# (CAKUPAN_PG_PREPARE=0) behind a pooler in transaction mode, which loses named statements.
PG_PREPARED_STATEMENTS = os.environ.get("CAKUPAN_PG_PREPARE", "1") != "0"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "id"
LANGUAGES = [("id", "Bahasa Indonesia"), ("en", "English")]
TIME_ZONE = "Asia/Jakarta"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = True

STATIC_URL = "static/"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "static"
# Uploaded claim documents: personal data, never served as static files; staff download them through a
# view that asks the authorization table.
MEDIA_ROOT = VAR_DIR / "media"
# WhiteNoise warns about a missing root even when it serves from the finders.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed names and gzip copies made by `cakupan collectstatic` (`cakupan serve` runs it first):
    # WhiteNoise then serves them compressed with a year-long immutable cache, so a phone downloads the
    # chart library once. CAKUPAN_STATIC_MANIFEST=0 serves the source files as they are (the tests).
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if os.environ.get("CAKUPAN_STATIC_MANIFEST", "1") == "1"
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Serve from the app directories directly so `cakupan serve` needs no collectstatic step.
WHITENOISE_USE_FINDERS = True

LOGIN_URL = "/akun/masuk/"
LOGIN_REDIRECT_URL = "/akun/beranda/"
LOGOUT_REDIRECT_URL = "/"

# E-mail (password reset): SMTP when CAKUPAN_SMTP_HOST is set; otherwise each message is written as a file
# under var/mail, so a demo or a machine without a mail server still completes the flow.
DEFAULT_FROM_EMAIL = os.environ.get("CAKUPAN_MAIL_FROM", "Cakupan <noreply@cakupan.invalid>")
if os.environ.get("CAKUPAN_SMTP_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = os.environ["CAKUPAN_SMTP_HOST"]
    EMAIL_PORT = int(os.environ.get("CAKUPAN_SMTP_PORT", "587"))
    EMAIL_HOST_USER = os.environ.get("CAKUPAN_SMTP_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("CAKUPAN_SMTP_PASSWORD", "")
    EMAIL_USE_TLS = os.environ.get("CAKUPAN_SMTP_TLS", "1") == "1"
    EMAIL_TIMEOUT = 30
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = str(VAR_DIR / "mail")


# Messages to people (cakupan.messaging) and the outside services behind them (cakupan.providers). A channel
# without its base URL is switched off: its messages wait in the outbox until it is configured. The
# demo points both at the local emulator (`cakupan emulator`); production at the providers with real keys.
def _channel(prefix: str, **fields: str) -> dict | None:
    base = os.environ.get(f"CAKUPAN_{prefix}_URL", "")
    if not base:
        return None
    return {"base_url": base, **{name: os.environ.get(f"CAKUPAN_{prefix}_{name.upper()}", default)
                                 for name, default in fields.items()}}  # fmt: skip


MESSAGING = {
    # Where providers send receipts and replies: this server as the outside world reaches it.
    "public_url": os.environ.get("CAKUPAN_PUBLIC_URL", "http://127.0.0.1:8000"),
    "sms": _channel("SMS", account_sid="", auth_token="", sender="CAKUPAN"),
    "whatsapp": _channel(
        "WA", api_version="v21.0", phone_number_id="", access_token="", app_secret="", verify_token=""
    ),
    "email": True,
    # Messages per second per channel (the provider's throughput for the account), and WhatsApp's
    # messaging tier: business-initiated messages to distinct people per 24 hours.
    "rates": {
        "sms": float(os.environ.get("CAKUPAN_SMS_RATE", "10")),
        "whatsapp": float(os.environ.get("CAKUPAN_WA_RATE", "20")),
        "email": float(os.environ.get("CAKUPAN_EMAIL_RATE", "5")),
    },
    "whatsapp_daily_limit": int(os.environ.get("CAKUPAN_WA_DAILY_LIMIT", "1000")),
    "max_attempts": 6,
    "first_retry_seconds": 30,
    # Renewal reminders, in days around the rules engine's dates: before a month's due date, after a month
    # was missed, before the day the membership becomes nonaktif. `holdout_percent` of the reminders are
    # held back (recorded, not sent) so the outbox page can show whether reminders make people pay.
    "reminders": {
        "before_due_days": 5,
        "after_missed_days": 1,
        "before_lapse_days": 7,
        "holdout_percent": 10,
    },
    # Literacy campaigns larger than this many recipients need a second officer's approval; prices per
    # message (Rp) for the preview: an SMS segment (Rp180–230 in Indonesia) and a WhatsApp marketing template.
    "campaign_approval_above": int(os.environ.get("CAKUPAN_CAMPAIGN_APPROVAL_ABOVE", "10000")),
    "prices": {"sms": 200, "whatsapp": 650, "email": 0},
    # A message claimed by a sender for longer than this is looked at again (the sender died).
    "lease_seconds": int(os.environ.get("CAKUPAN_MESSAGE_LEASE_SECONDS", "300")),
}

# Background work (imports) runs in `cakupan task_worker` (db_worker, restarted when it stops); `cakupan
# serve` starts one beside gunicorn.
# CAKUPAN_TASKS=immediate runs tasks inline (tests, scripts).
TASKS = {
    "default": {
        "BACKEND": "django_tasks.backends.immediate.ImmediateBackend"
        if os.environ.get("CAKUPAN_TASKS") == "immediate"
        else "django_tasks_db.DatabaseBackend",
    }
}
# Progress of long work is shared between the worker and the web processes through files in var/.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(VAR_DIR / "cache"),
    },
    # The public status check's limits (django-ratelimit) need a cache that every server process shares and
    # that increments atomically: memcached (`cakupan serve` starts one on a Unix socket in var/ unless
    # CAKUPAN_MEMCACHED names another: a socket path or host:port). A file or database cache would let
    # parallel requests undercount.
    "limits": {
        "BACKEND": "django.core.cache.backends.memcached.PyLibMCCache",
        "LOCATION": os.environ.get("CAKUPAN_MEMCACHED") or str(VAR_DIR / "memcached.sock"),
        "KEY_PREFIX": "cakupan",
        # pylibmc (libmemcached, C): a count costs a fraction of a pure-Python client's time, and the
        # connection is kept between requests. Time-outs: connect in ms, send and receive in µs.
        "OPTIONS": {
            "binary": True,
            "behaviors": {
                "tcp_nodelay": True,
                "connect_timeout": 1000,
                "send_timeout": 1_000_000,
                "receive_timeout": 1_000_000,
            },
        },
    },
}
RATELIMIT_USE_CACHE = "limits"
# A hello-world view at /_bench/hello, the status check benchmark's peer; never on in production.
BENCH_HELLO = os.environ.get("CAKUPAN_BENCH_HELLO") == "1"

# The public status check (/cek/, POST /api/v1/cek). Limits are django-ratelimit rates ("count/period");
# a mobile carrier's NAT puts many people behind one address, hence an address's limit well above one
# person's needs. An alert goes to the auditors when one network asks about this many distinct NIKs within
# the window.
STATUS_CHECK = {
    "limit_nik": os.environ.get("CAKUPAN_CEK_LIMIT_NIK", "10/h"),
    "limit_ip": os.environ.get("CAKUPAN_CEK_LIMIT_IP", "60/h"),
    "limit_network": os.environ.get("CAKUPAN_CEK_LIMIT_NETWORK", "600/h"),
    "alert_distinct_niks": int(os.environ.get("CAKUPAN_CEK_ALERT_NIKS", "50")),
    "alert_window_minutes": 60,
    # The second tier's one-time code: its life, its tries, and how many a worker's phone gets an hour.
    "code_minutes": 5,
    "code_tries": 5,
    "limit_codes_per_worker": "3/h",
    # How long the first tier's answer may be used to ask for a code.
    "ticket_minutes": 10,
    # Look-up records are written in batches of this many rows, this many seconds after the first at the
    # latest (cakupan.portal.journal); 1 writes each at once.
    "journal_rows": int(os.environ.get("CAKUPAN_CEK_JOURNAL_ROWS", "64")),
    "journal_seconds": float(os.environ.get("CAKUPAN_CEK_JOURNAL_SECONDS", "1")),
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 8 * 60 * 60  # one working day
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = os.environ.get("CAKUPAN_SSL_REDIRECT", "1") == "1"
    SECURE_HSTS_SECONDS = 31_536_000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    # TLS ends at the reverse proxy, which says so in this header.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Login throttling (django-axes), per username and address, per username and per address (password
# spraying): the limits are in cakupan.accounts.throttling. A lock lasts an hour.
AXES_FAILURE_LIMIT = "cakupan.accounts.throttling.failure_limit"
AXES_COOLOFF_TIME = 1
AXES_USERNAME_CALLABLE = "cakupan.accounts.throttling.attempt_username"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "core/locked_out.html"
# The IP comes from the connection; a trusted proxy in front must rewrite REMOTE_ADDR.
AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]

# --- Sponsor accounts (django-allauth) -------------------------------------------------------------------
# Public accounts for SERTAKAN sponsors under /sponsor/akun/ (cakupan.accounts.sponsor_adapter), apart from
# the staff sign-in at /akun/masuk/. A sponsor signs up with an e-mail address and a password and proves the
# address with a code sent by e-mail (typed on the page that asked for it: a phone's mail app opens links in
# a browser of its own, which would not carry the sign-up's session). allauth's own rate limits count in the
# default cache; django-axes counts failed sign-ins as for staff, keyed by the e-mail address.
ACCOUNT_ADAPTER = "cakupan.accounts.sponsor_adapter.SponsorAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
# Nobody learns whether an address has an account: a sign-up or password reset with a known address gets
# the same page as with a new one, and the address's owner an e-mail (account_already_exists and
# unknown_account).
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = True
# Eight digits shown as 1234-5678: a phone opens its number pad, and the dash may be left out. (The code
# page, account/confirm_email_verification_code.html, says "8 angka" and "30 menit".)
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_FORMAT = {"numeric": True, "length": 8, "dashed": True}
# Mail over slow mobile data can take minutes: the code and the pending sign-in live 30 minutes.
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_TIMEOUT = 30 * 60
ACCOUNT_LOGIN_TIMEOUT = 30 * 60
ACCOUNT_EMAIL_VERIFICATION_SUPPORTS_RESEND = True
ACCOUNT_EMAIL_VERIFICATION_SUPPORTS_CHANGE = True
# One address per sponsor, changed by verifying the new one.
ACCOUNT_CHANGE_EMAIL = True
# No "remember me" box: a sponsor's session lasts SESSION_COOKIE_AGE like a staff member's.
ACCOUNT_SESSION_REMEMBER = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Cakupan] "
# allauth's forms with Cakupan's Bahasa labels and hints.
ACCOUNT_FORMS = {
    name: f"cakupan.accounts.sponsor_adapter.Sponsor{form}Form"
    for name, form in (
        ("login", "Login"),
        ("signup", "Signup"),
        ("reset_password", "ResetPassword"),
        ("reset_password_from_key", "ResetPasswordKey"),
        ("change_password", "ChangePassword"),
        ("add_email", "AddEmail"),
        ("change_email", "ChangeEmail"),
    )
}
# --- end of sponsor accounts -----------------------------------------------------------------------------

# Content-Security-Policy: no inline scripts or styles, nothing from other origins.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        # A nonce for the one stylesheet written into the landing page (core/templatetags/inline_static).
        "style-src": ["'self'", NONCE],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("CAKUPAN_LOG_LEVEL", "WARNING")},
}

# SERTAKAN (cakupan.sponsors): citizens who pay a worker's contributions through Midtrans's Core API.
# `cakupan serve --emulator` and the tests point the base URL at a local emulator of that API.
SERTAKAN = {
    "midtrans": {
        "base_url": os.environ.get("CAKUPAN_MIDTRANS_URL", "http://127.0.0.1:8026"),
        "server_key": os.environ.get("CAKUPAN_MIDTRANS_SERVER_KEY", "SB-Mid-server-cakupan-demo"),
        "client_key": os.environ.get("CAKUPAN_MIDTRANS_CLIENT_KEY", "SB-Mid-client-cakupan-demo"),
    },
    # The funder that holds sponsors' money and pays BPJS TK for the months it bought; the province.
    "funder_name": "SERTAKAN Banten",
    "province": "36",
    # Sponsored workers are BPU members at the lowest income level: JKK 1% + JKM Rp6.800 = Rp16.800/month.
    "income_level": 1_000_000,
    # The provider's fee per method (basis points of the amount, plus a fixed rupiah part), passed on to the
    # sponsor and shown before paying: the merchant's agreed rates, set here.
    "fees": {
        "qris": (70, 0),
        "va_bca": (0, 4_000),
        "va_bni": (0, 4_000),
        "va_bri": (0, 4_000),
        "va_permata": (0, 4_000),
        "gopay": (200, 0),
        "card": (290, 2_000),
    },
    "payment_minutes": int(os.environ.get("CAKUPAN_SERTAKAN_PAYMENT_MINUTES", str(24 * 60))),
    # How long the worker's link to agree stays valid, and how many days before cover ends the sponsor is
    # told (and a recurring card is charged).
    "consent_days": 7,
    "lapse_notice_days": 7,
    "gift_min": 10_000,
    "gift_max": 100_000_000,
    # Notifications that fail their signature are kept as evidence up to this many per address.
    "forged_notifications_rate": "60/h",
}

# Field agents (cakupan.agents): records from the phones wait to be filed into the registry's import (one
# per agent and kind) until FILE_AT of them wait or the oldest has waited FILE_AFTER_MINUTES, so a kab/kota
# officer approves a day's work in a few imports, not one per saved record. `cakupan agents selesaikan`
# (hourly) files what is due; the agent can file at once from /agen/rekaman/.
AGENTS = {
    "file_at": int(os.environ.get("CAKUPAN_AGENTS_FILE_AT", "50")),
    "file_after_minutes": int(os.environ.get("CAKUPAN_AGENTS_FILE_AFTER_MINUTES", "60")),
}
