"""One settings object, read from the environment once and validated."""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlsplit

from .errors import ConfigError

DEFAULT_HOME = "~/.local/share/telltale"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


@dataclass(frozen=True)
class GoogleApp:
    """The owner's own Google OAuth client (README, "Google accounts"). The endpoints change only in
    tests, which point them at a local fake Google."""

    client_id: str
    client_secret: str
    auth_uri: str = "https://accounts.google.com/o/oauth2/auth"
    token_uri: str = "https://oauth2.googleapis.com/token"
    revoke_uri: str = "https://oauth2.googleapis.com/revoke"
    # google-api-python-client's `client_options={"api_endpoint": ...}`: where the Gmail API lives.
    api_endpoint: str = "https://gmail.googleapis.com/"


@dataclass(frozen=True)
class MicrosoftApp:
    """The owner's own Microsoft Entra app registration (README, "Microsoft accounts")."""

    client_id: str
    client_secret: str
    # "common" takes work, school and personal accounts; a tenant id or domain takes one organisation's.
    tenant: str = "common"
    authority_host: str = "https://login.microsoftonline.com"
    graph_endpoint: str = "https://graph.microsoft.com/v1.0"

    @property
    def authority(self) -> str:
        return f"{self.authority_host.rstrip('/')}/{self.tenant}"


@dataclass(frozen=True)
class Settings:
    home: Path
    public_url: str
    database_url: str
    redis_url: str
    bind: str = "127.0.0.1:8000"
    trusted_proxies: int = 0
    store_full_ip: bool = False
    max_body_bytes: int = 256 * 1024
    pairing_ttl_seconds: int = 15 * 60
    web_workers: int = 1
    # `telltale run` starts its worker this much nicer than the web (0-19): under a burst the pixel
    # keeps answering at full speed and the worker catches up afterwards.
    worker_nice: int = 0
    queue_name: str = "telltale"
    smtp_url: str | None = None
    mail_from: str = "telltale@localhost"
    event_history: int = 1000
    ws_ping_seconds: int = 25
    # An owner-provided MaxMind-format city database (GeoLite2-City, DB-IP City Lite) for place
    # names finer than the country the bundled registry data gives.
    geoip_db: Path | None = None
    # Seconds after an open at which the reading chain notes the message is still open: the
    # glanced / skimmed / read boundaries (ContactMonkey's buckets).
    reading_marks: tuple[float, ...] = (1.0, 3.0, 9.0)
    # Rates in the `limits` notation ("10/minute", several as "10/minute;100/hour"); see api/rate_limits.py.
    rate_limit_api: str = "600/minute"
    rate_limit_unauthenticated: str = "60/minute"
    rate_limit_pair: str = "10/minute"
    rate_limit_pair_failures: str = "60/minute"
    # Linked mailboxes, for replies and for signing in; None while the owner has not registered an app.
    google: GoogleApp | None = None
    microsoft: MicrosoftApp | None = None
    # How often each linked mailbox is asked for new mail; the providers' quotas allow far more.
    reply_poll_seconds: int = 60
    # Addresses (ana@example.com) or domains (@example.com) that may create a user by signing in
    # with Google or Microsoft; the first user of a new instance may always.
    signup_allowed: tuple[str, ...] = ()
    # Phone notifications (notify/webpush.py, notify/apprise_urls.py): the contact push services
    # see in the VAPID `sub` claim, how long one send may take, and whether a subscription or an
    # Apprise URL may point at a loopback or private address (tests; an ntfy on the owner's LAN).
    push_contact: str = "mailto:telltale@localhost"
    push_timeout_seconds: int = 5
    push_allow_private: bool = False
    # Receipts (receipts/): the RFC 3161 timestamp authority asked to timestamp each receipt, if any,
    # and how long it may take before the receipt goes out without its token.
    tsa_url: str | None = None
    tsa_timeout_seconds: int = 5
    # Privacy (worker/retention.py): days messages and their events are kept, and hours anything
    # holding a recipient's whole IP address is kept before it is cut to its network: the spool,
    # the Redis backlog, and events when TELLTALE_STORE_FULL_IP keeps addresses whole.
    retention_days: int = 365
    full_ip_retention_hours: int = 24

    @property
    def spool_dir(self) -> Path:
        return self.home / "spool"

    @property
    def keys_file(self) -> Path:
        return self.home / "secret_keys"

    @property
    def vault_keys_file(self) -> Path:
        """The keys that encrypt linked accounts' refresh tokens (accounts/vault.py)."""
        return self.home / "vault_keys"

    @property
    def vapid_key_file(self) -> Path:
        """The key that signs Web Push requests (notify/vapid.py): browsers subscribe to its public half."""
        return self.home / "vapid_key"

    @property
    def receipt_key_file(self) -> Path:
        """The Ed25519 key that signs receipts (receipts/keys.py); its public half is published."""
        return self.home / "receipt_key"

    @property
    def content_keys_file(self) -> Path:
        """The AES-GCM keys that seal protected messages' bodies at rest (protected/sealing.py)."""
        return self.home / "content_keys"

    @property
    def optout_key_file(self) -> Path:
        """The key that hashes the addresses of recipients who declined tracking (optout/hashing.py)."""
        return self.home / "optout_key"


def load_settings(env: Mapping[str, str] | None = None, **overrides) -> Settings:
    """Build the settings from `env` (default: the process environment), then `overrides`."""
    env = os.environ if env is None else env
    home = Path(env.get("TELLTALE_HOME") or DEFAULT_HOME).expanduser().resolve()
    bind = env.get("TELLTALE_BIND", "127.0.0.1:8000")
    host, _, port = bind.rpartition(":")
    if not host or not port.isdigit():
        raise ConfigError(f"TELLTALE_BIND must look like HOST:PORT, got {bind!r}")
    public_url = _public_url(env.get("TELLTALE_PUBLIC_URL") or f"http://{bind}")
    settings = Settings(
        home=home,
        public_url=public_url,
        database_url=_database_url(env.get("DATABASE_URL") or f"sqlite:///{home / 'telltale.db'}"),
        redis_url=_redis_url(env.get("REDIS_URL") or DEFAULT_REDIS_URL),
        bind=bind,
        trusted_proxies=_int(env, "TELLTALE_TRUSTED_PROXIES", 0, low=0, high=10),
        store_full_ip=_bool(env, "TELLTALE_STORE_FULL_IP", False),
        max_body_bytes=_int(env, "TELLTALE_MAX_BODY_BYTES", 256 * 1024, low=1024, high=64 * 1024 * 1024),
        pairing_ttl_seconds=_int(env, "TELLTALE_PAIRING_TTL", 15 * 60, low=60, high=7 * 24 * 3600),
        web_workers=_int(env, "TELLTALE_WEB_WORKERS", default_web_workers(), low=1, high=64),
        worker_nice=_int(env, "TELLTALE_WORKER_NICE", 0, low=0, high=19),
        smtp_url=_smtp_url(env.get("TELLTALE_SMTP_URL") or None),
        mail_from=env.get("TELLTALE_MAIL_FROM") or "telltale@localhost",
        event_history=_int(env, "TELLTALE_EVENT_HISTORY", 1000, low=10, high=1_000_000),
        ws_ping_seconds=_int(env, "TELLTALE_WS_PING_SECONDS", 25, low=1, high=3600),
        geoip_db=_existing_file(env, "TELLTALE_GEOIP_DB"),
        reading_marks=_marks(env, "TELLTALE_READING_MARKS", (1.0, 3.0, 9.0)),
        rate_limit_api=_rate(env, "TELLTALE_RATE_LIMIT_API", "600/minute"),
        rate_limit_unauthenticated=_rate(env, "TELLTALE_RATE_LIMIT_UNAUTHENTICATED", "60/minute"),
        rate_limit_pair=_rate(env, "TELLTALE_RATE_LIMIT_PAIR", "10/minute"),
        rate_limit_pair_failures=_rate(env, "TELLTALE_RATE_LIMIT_PAIR_FAILURES", "60/minute"),
        google=_google(env),
        microsoft=_microsoft(env),
        reply_poll_seconds=_int(env, "TELLTALE_REPLY_POLL_SECONDS", 60, low=1, high=24 * 3600),
        signup_allowed=_signup(env.get("TELLTALE_SIGNUP_ALLOWED", "")),
        push_contact=_push_contact(env.get("TELLTALE_PUSH_CONTACT") or _default_contact(public_url)),
        push_timeout_seconds=_int(env, "TELLTALE_PUSH_TIMEOUT", 5, low=1, high=60),
        push_allow_private=_bool(env, "TELLTALE_PUSH_ALLOW_PRIVATE", False),
        tsa_url=_tsa_url(env.get("TELLTALE_TSA_URL") or None),
        tsa_timeout_seconds=_int(env, "TELLTALE_TSA_TIMEOUT", 5, low=1, high=30),
        retention_days=_int(env, "TELLTALE_RETENTION_DAYS", 365, low=1, high=100 * 365),
        full_ip_retention_hours=_int(env, "TELLTALE_FULL_IP_RETENTION_HOURS", 24, low=1, high=100 * 365 * 24),
    )
    return replace(settings, **overrides) if overrides else settings


def _google(env: Mapping[str, str]) -> GoogleApp | None:
    pair = _client(env, "TELLTALE_GOOGLE")
    if pair is None:
        return None
    endpoints = {field: _https(env, name) for field, name in (
        ("auth_uri", "TELLTALE_GOOGLE_AUTH_URI"), ("token_uri", "TELLTALE_GOOGLE_TOKEN_URI"),
        ("revoke_uri", "TELLTALE_GOOGLE_REVOKE_URI"), ("api_endpoint", "TELLTALE_GMAIL_API_URL"),
    ) if env.get(name)}
    return GoogleApp(*pair, **endpoints)


def _microsoft(env: Mapping[str, str]) -> MicrosoftApp | None:
    pair = _client(env, "TELLTALE_MICROSOFT")
    if pair is None:
        return None
    extra = {field: _https(env, name) for field, name in (
        ("authority_host", "TELLTALE_MICROSOFT_AUTHORITY_HOST"), ("graph_endpoint", "TELLTALE_GRAPH_API_URL"),
    ) if env.get(name)}
    if env.get("TELLTALE_MICROSOFT_TENANT"):
        extra["tenant"] = env["TELLTALE_MICROSOFT_TENANT"]
    return MicrosoftApp(*pair, **extra)


def _client(env: Mapping[str, str], prefix: str) -> tuple[str, str] | None:
    client_id, secret = env.get(f"{prefix}_CLIENT_ID", ""), env.get(f"{prefix}_CLIENT_SECRET", "")
    if not client_id and not secret:
        return None
    if not client_id or not secret:
        missing = f"{prefix}_CLIENT_SECRET" if client_id else f"{prefix}_CLIENT_ID"
        raise ConfigError(f"{missing} is missing: set both {prefix}_CLIENT_ID and {prefix}_CLIENT_SECRET, or neither")
    return client_id, secret


def _https(env: Mapping[str, str], name: str) -> str:
    # OAuth clients refuse anything else (oauthlib, msal): say so at start, not at the first sign-in.
    url = env[name]
    if urlsplit(url).scheme != "https" or not urlsplit(url).netloc:
        raise ConfigError(f"{name} must be an https:// URL, got {url!r}")
    return url


def _signup(raw: str) -> tuple[str, ...]:
    entries = tuple(part.strip().lower() for part in raw.split(",") if part.strip())
    for entry in entries:
        if "@" not in entry or " " in entry:
            raise ConfigError(f"TELLTALE_SIGNUP_ALLOWED takes addresses or @domains separated by commas, got {entry!r}")
    return entries


def _default_contact(public_url: str) -> str:
    # Push services want mailto: or https: (RFC 8292); an instance on plain http has only its host name.
    parts = urlsplit(public_url)
    if parts.scheme == "https":
        return f"https://{parts.netloc}"
    return f"mailto:telltale@{parts.hostname}"


def _push_contact(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme == "mailto" and "@" in parts.path.strip("@") and not any(c.isspace() for c in value):
        return value
    if parts.scheme == "https" and parts.hostname and not any(c.isspace() for c in value):
        return value
    raise ConfigError(f"TELLTALE_PUSH_CONTACT must be a mailto: address or an https:// URL, got {value!r}")


def _marks(env: Mapping[str, str], name: str, default: tuple[float, ...]) -> tuple[float, ...]:
    raw = env.get(name)
    if not raw:
        return default
    try:
        marks = tuple(float(part) for part in raw.split(","))
    except ValueError:
        raise ConfigError(f"{name} must be seconds separated by commas, like 1,3,9; got {raw!r}") from None
    if len(marks) != len(default) or marks[0] <= 0 or list(marks) != sorted(set(marks)) or marks[-1] > 60:
        raise ConfigError(f"{name} must be {len(default)} increasing numbers of seconds between 0 and 60; got {raw!r}")
    return marks


def _rate(env: Mapping[str, str], name: str, default: str) -> str:
    # Imported here: `limits` costs 12 MB, and most processes that read settings never check a rate.
    from limits import parse_many

    raw = env.get(name) or default
    try:
        items = parse_many(raw)
    except ValueError:
        example = "10/minute, or several as 10/minute;100/hour"
        raise ConfigError(f"{name} must be a rate such as {example}; got {raw!r}") from None
    if any(item.amount < 1 for item in items):
        raise ConfigError(f"{name} must allow at least one request per period, got {raw!r}")
    return raw


def default_web_workers(*, beside_worker: bool = False) -> int:
    """Web processes when TELLTALE_WEB_WORKERS is not set: one per core, up to four.

    `beside_worker`: the worker runs on the same machine (`telltale run`), so it keeps a core.
    """
    # Measured: one gevent process saturates one core on the pixel path (5.4k req/s on a 2-core
    # machine), two reach 8.8k. More processes than cores only add memory. Beside the worker, on
    # 2 cores (`served`, paired runs, 2026-12-06): one web process acknowledged as many hits a second
    # as two (1.00 and 1.15 times), the worker stored 1.11 and 1.27 times as many, and the
    # instance held 20 MB less; two web processes and the worker took turns on the cores instead.
    cores = os.cpu_count() or 1
    return max(1, min(cores - 1 if beside_worker else cores, 4))


def _existing_file(env: Mapping[str, str], name: str) -> Path | None:
    value = env.get(name)
    if not value:
        return None
    path = Path(value).expanduser().resolve()
    if not path.is_file():
        raise ConfigError(f"{name} must name a file, got {value!r}")
    return path


def _public_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ConfigError(f"TELLTALE_PUBLIC_URL must be an absolute http(s) URL without query, got {value!r}")
    return value.rstrip("/")


def _database_url(value: str) -> str:
    scheme = value.split(":", 1)[0]
    # The psycopg 3 driver is the one we ship; accept the plain forms people paste from their host.
    if scheme in ("postgres", "postgresql"):
        return "postgresql+psycopg:" + value.split(":", 1)[1]
    if scheme in ("postgresql+psycopg", "sqlite"):
        return value
    raise ConfigError(f"DATABASE_URL must be a sqlite:/// or postgresql:// URL, got scheme {scheme!r}")


def _redis_url(value: str) -> str:
    if urlsplit(value).scheme not in ("redis", "rediss", "unix"):
        raise ConfigError(f"REDIS_URL must be a redis://, rediss:// or unix:// URL, got {value!r}")
    return value


def _tsa_url(value: str | None) -> str | None:
    # Many timestamp authorities answer only on plain http: the token is signed, not the transport.
    if value is None:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or any(c.isspace() for c in value):
        raise ConfigError(f"TELLTALE_TSA_URL must be an http:// or https:// URL, got {value!r}")
    return value


def _smtp_url(value: str | None) -> str | None:
    if value is None:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ConfigError(f"TELLTALE_SMTP_URL must look like smtp://user:password@host:587, got scheme {parts.scheme!r}")
    try:
        _ = parts.port  # urlsplit checks the port only when asked for it
    except ValueError:
        raise ConfigError(f"TELLTALE_SMTP_URL has a port that is not a number: {parts.netloc.rpartition(':')[2]!r}") from None
    return value


def _int(env: Mapping[str, str], name: str, default: int, *, low: int, high: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from None
    if not low <= value <= high:
        raise ConfigError(f"{name} must be between {low} and {high}, got {value}")
    return value


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    if raw.lower() in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be true or false, got {raw!r}")
