"""One settings object, read from the environment once and validated."""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlsplit

from limits import parse_many

from .errors import ConfigError

DEFAULT_HOME = "~/.local/share/telltale"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


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

    @property
    def spool_dir(self) -> Path:
        return self.home / "spool"

    @property
    def keys_file(self) -> Path:
        return self.home / "secret_keys"


def load_settings(env: Mapping[str, str] | None = None, **overrides) -> Settings:
    """Build the settings from `env` (default: the process environment), then `overrides`."""
    env = os.environ if env is None else env
    home = Path(env.get("TELLTALE_HOME") or DEFAULT_HOME).expanduser().resolve()
    bind = env.get("TELLTALE_BIND", "127.0.0.1:8000")
    host, _, port = bind.rpartition(":")
    if not host or not port.isdigit():
        raise ConfigError(f"TELLTALE_BIND must look like HOST:PORT, got {bind!r}")
    settings = Settings(
        home=home,
        public_url=_public_url(env.get("TELLTALE_PUBLIC_URL") or f"http://{bind}"),
        database_url=_database_url(env.get("DATABASE_URL") or f"sqlite:///{home / 'telltale.db'}"),
        redis_url=_redis_url(env.get("REDIS_URL") or DEFAULT_REDIS_URL),
        bind=bind,
        trusted_proxies=_int(env, "TELLTALE_TRUSTED_PROXIES", 0, low=0, high=10),
        store_full_ip=_bool(env, "TELLTALE_STORE_FULL_IP", False),
        max_body_bytes=_int(env, "TELLTALE_MAX_BODY_BYTES", 256 * 1024, low=1024, high=64 * 1024 * 1024),
        pairing_ttl_seconds=_int(env, "TELLTALE_PAIRING_TTL", 15 * 60, low=60, high=7 * 24 * 3600),
        web_workers=_int(env, "TELLTALE_WEB_WORKERS", default_web_workers(), low=1, high=64),
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
    )
    return replace(settings, **overrides) if overrides else settings


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
    raw = env.get(name) or default
    try:
        items = parse_many(raw)
    except ValueError:
        example = "10/minute, or several as 10/minute;100/hour"
        raise ConfigError(f"{name} must be a rate such as {example}; got {raw!r}") from None
    if any(item.amount < 1 for item in items):
        raise ConfigError(f"{name} must allow at least one request per period, got {raw!r}")
    return raw


def default_web_workers() -> int:
    # Measured: one gevent process saturates one core on the pixel path (5.4k req/s on a 2-core
    # machine), two reach 8.8k. More processes than cores only add memory.
    return max(1, min(os.cpu_count() or 1, 4))


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
