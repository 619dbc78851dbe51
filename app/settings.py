"""KITH_* environment variables, parsed and checked in one place.

A bad value raises SettingsError with one line that names the variable; the
`kith` command and wsgi.py print that line and exit instead of a traceback.
"""
from __future__ import annotations

import ipaddress
import os
import secrets
import zoneinfo
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from dotenv import load_dotenv

SUPPORTED_LANGUAGES = ("en", "hu", "fa", "ru", "zh")


class SettingsError(Exception):
    """A KITH_* variable has a value Kith cannot use."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    username: str | None
    password: str | None
    use_ssl: bool  # smtps:// (implicit TLS)
    use_starttls: bool  # smtp://...?starttls=1 or port 587


@dataclass(frozen=True)
class Settings:
    instance_path: Path
    database_url: str
    queue_url: str
    smtp: SmtpSettings | None
    mail_from: str
    base_url: str
    secret_key: str
    default_language: str = "en"
    timezone: str = "UTC"
    default_region: str = "HU"
    https: bool = False
    extra: dict = field(default_factory=dict)
    # Newsletter sending: messages per second per sending worker (0 = as fast
    # as the server takes them) and hard bounces before an address is suppressed.
    mail_rate: float = 0.0
    bounce_limit: int = 1
    # Reverse proxies whose X-Forwarded-* headers are believed (none: never).
    trusted_proxies: tuple = ()
    # How long the audit log keeps staff views of cards and exports ("who saw"); changes stay for ever.
    audit_view_days: int = 365

    @property
    def outbox_path(self) -> Path:
        return self.instance_path / "outbox"

    @property
    def is_embedded(self) -> bool:
        return self.database_url.startswith("sqlite")


def _sqlite_path(url: str, variable: str, instance: Path) -> Path:
    """sqlite:///relative/path or sqlite:////absolute/path; relative paths are
    taken from the current directory, like every other tool does."""
    rest = url[len("sqlite:///"):]
    if not rest or rest == ":memory:":
        raise SettingsError(f"{variable}: give a file path, e.g. sqlite:///{instance / 'kith.db'}")
    return Path(unquote(rest.split("?", 1)[0]))


def _check_url(variable: str, url: str, schemes: tuple[str, ...], example: str) -> None:
    try:
        parts = urlsplit(url)
        parts.port  # raises ValueError on a bad port
    except ValueError:
        raise SettingsError(f"{variable}: cannot read {url!r} as a URL (example: {example})") from None
    if parts.scheme not in schemes:
        raise SettingsError(
            f"{variable}: unknown scheme {parts.scheme or '(none)'!r} in {url!r}; "
            f"use one of {', '.join(s + '://' for s in schemes)} (example: {example})"
        )
    if parts.scheme.startswith("sqlite"):
        if not url.startswith(parts.scheme + ":///"):
            raise SettingsError(f"{variable}: a SQLite URL needs three slashes (example: {example})")
    elif not parts.hostname:
        raise SettingsError(f"{variable}: {url!r} names no host (example: {example})")


def parse_smtp(url: str) -> SmtpSettings:
    _check_url("KITH_SMTP_URL", url, ("smtp", "smtps"), "smtp://user:password@mail.example.org:587")
    parts = urlsplit(url)
    port = parts.port or (465 if parts.scheme == "smtps" else 25)
    starttls = "starttls=1" in (parts.query or "") or (parts.scheme == "smtp" and port == 587)
    return SmtpSettings(
        host=parts.hostname,
        port=port,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        use_ssl=parts.scheme == "smtps",
        use_starttls=starttls,
    )


def _secret_key(instance: Path) -> str:
    """KITH_SECRET_KEY, or one generated once and kept in instance/secret_key."""
    given = os.environ.get("KITH_SECRET_KEY", "").strip()
    if given:
        if len(given) < 16:
            raise SettingsError("KITH_SECRET_KEY: use at least 16 characters (or unset it to have one generated)")
        return given
    keyfile = instance / "secret_key"
    if keyfile.exists():
        return keyfile.read_text().strip()
    key = secrets.token_urlsafe(48)
    instance.mkdir(parents=True, exist_ok=True)
    # Written with owner-only rights: the key signs sessions and links.
    fd = os.open(keyfile, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


def load_settings(env_file: str | os.PathLike | None = ".env") -> Settings:
    """Read the environment (and a .env file if present) into Settings."""
    if env_file and Path(env_file).exists():
        load_dotenv(env_file, override=False)
    env = os.environ
    instance = Path(env.get("KITH_INSTANCE_PATH") or "instance").absolute()

    database_url = env.get("KITH_DATABASE_URL") or f"sqlite:///{instance / 'kith.db'}"
    _check_url("KITH_DATABASE_URL", database_url, ("sqlite", "postgresql", "postgres"),
               "postgresql://kith:secret@localhost/kith")
    queue_url = env.get("KITH_QUEUE_URL") or f"sqlite:///{instance / 'queue.db'}"
    _check_url("KITH_QUEUE_URL", queue_url, ("sqlite", "redis"), "redis://localhost:6379/0")
    smtp_url = env.get("KITH_SMTP_URL", "").strip()
    smtp = parse_smtp(smtp_url) if smtp_url else None

    mail_from = env.get("KITH_MAIL_FROM", "Kith <kith@localhost>")
    if "\n" in mail_from or "\r" in mail_from or "@" not in mail_from:
        raise SettingsError("KITH_MAIL_FROM: give one address, e.g. 'Town Library <news@library.example>'")

    base_url = (env.get("KITH_BASE_URL") or "http://127.0.0.1:8000").rstrip("/")
    _check_url("KITH_BASE_URL", base_url, ("http", "https"), "https://kith.library.example")

    language = env.get("KITH_DEFAULT_LANGUAGE", "en")
    if language not in SUPPORTED_LANGUAGES:
        raise SettingsError(f"KITH_DEFAULT_LANGUAGE: use one of {', '.join(SUPPORTED_LANGUAGES)}")
    timezone = env.get("KITH_TIMEZONE", "UTC")
    try:
        zoneinfo.ZoneInfo(timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise SettingsError(f"KITH_TIMEZONE: unknown time zone {timezone!r} (example: Europe/Budapest)") from None
    region = env.get("KITH_DEFAULT_REGION", "HU").upper()
    if len(region) != 2 or not region.isalpha():
        raise SettingsError("KITH_DEFAULT_REGION: use a two-letter country code, e.g. HU")

    try:
        mail_rate = float(env.get("KITH_MAIL_RATE", "0") or 0)
    except ValueError:
        mail_rate = -1.0
    if not 0 <= mail_rate <= 10000:
        raise SettingsError("KITH_MAIL_RATE: give messages per second as a number, e.g. 10 (0 means no limit)")
    bounce_limit = env.get("KITH_BOUNCE_LIMIT", "1").strip()
    if not bounce_limit.isdigit() or int(bounce_limit) < 1:
        raise SettingsError("KITH_BOUNCE_LIMIT: give a whole number of at least 1, e.g. 1")

    trusted_proxies = parse_trusted_proxies(env.get("KITH_TRUSTED_PROXIES", ""))
    audit_view_days = env.get("KITH_AUDIT_VIEW_DAYS", "365").strip()
    if not audit_view_days.isdigit() or not 1 <= int(audit_view_days) <= 36500:
        raise SettingsError("KITH_AUDIT_VIEW_DAYS: give a number of days between 1 and 36500, e.g. 365")

    for variable, url in (("KITH_DATABASE_URL", database_url), ("KITH_QUEUE_URL", queue_url)):
        if url.startswith("sqlite"):
            _sqlite_path(url, variable, instance)
        else:
            _check_driver(variable, url)

    return Settings(
        instance_path=instance,
        database_url=database_url,
        queue_url=queue_url,
        smtp=smtp,
        mail_from=mail_from,
        base_url=base_url,
        secret_key=_secret_key(instance),
        default_language=language,
        timezone=timezone,
        default_region=region,
        https=base_url.startswith("https://"),
        mail_rate=mail_rate,
        bounce_limit=int(bounce_limit),
        trusted_proxies=trusted_proxies,
        audit_view_days=int(audit_view_days),
    )


def parse_trusted_proxies(value: str) -> tuple:
    """KITH_TRUSTED_PROXIES: comma-separated addresses or networks (CIDR)."""
    networks = []
    for part in (p.strip() for p in value.split(",")):
        if not part:
            continue
        try:
            networks.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise SettingsError(f"KITH_TRUSTED_PROXIES: cannot read {part!r} as an address or network "
                                "(example: 127.0.0.1,10.0.0.0/8)") from None
    return tuple(networks)


def _check_driver(variable: str, url: str) -> None:
    """PostgreSQL and Redis drivers come with the `scale` extra, not every install."""
    import importlib.util

    driver = "psycopg2" if url.startswith("postgres") else "redis"
    if importlib.util.find_spec(driver) is None:
        raise SettingsError(f"{variable}: this URL needs the scaled-setup drivers; "
                            "install them with: pip install 'kith[scale]'")


def sqlite_file(url: str) -> Path:
    """The file path of a sqlite:/// URL (already checked by load_settings)."""
    return Path(unquote(url[len("sqlite:///"):].split("?", 1)[0]))


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


def load_log_level(environ=None) -> str:
    """KITH_LOG_LEVEL: how much Kith's own loggers say (INFO by default; the
    libraries it uses say only warnings unless DEBUG is asked for)."""
    env = os.environ if environ is None else environ
    level = (env.get("KITH_LOG_LEVEL") or "INFO").strip().upper()
    if level not in LOG_LEVELS:
        raise SettingsError(f"KITH_LOG_LEVEL: use one of {', '.join(LOG_LEVELS)}")
    return level
