"""The one place that reads the environment: a validated ``Settings`` built once per process."""

from __future__ import annotations

import functools
from typing import Literal
from urllib.parse import parse_qsl, urlencode, urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from common.errors import ConfigError

__all__ = ["Settings", "get_settings", "normalize_database_url", "reset_settings"]

# pg8000 does not understand libpq's sslmode: it is carried as ``ssl_context=<mode>`` and turned
# into an ``ssl.SSLContext`` by ``common.db.create_db_engine``; modes without TLS are dropped.
_SSLMODE_TO_PG8000 = {
    "disable": None,
    "allow": None,
    "prefer": None,
    "require": "require",
    "verify-ca": "verify-ca",
    "verify-full": "verify-full",
}


def normalize_database_url(url: str) -> str:
    """Rewrite ``postgres://``/``postgresql://`` to the pg8000 driver and translate ``sslmode``."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise ValueError(
            "must look like scheme://..., e.g. sqlite:///ytdt.db or postgresql://user@host/db"
        )
    if scheme in ("postgres", "postgresql", "postgresql+pg8000"):
        parts = urlsplit("postgresql+pg8000://" + rest)
        if not parts.username and "user" not in dict(parse_qsl(parts.query)):
            # pg8000 has no default user (libpq would take the OS user): say so now, not with
            # a TypeError from the driver at the first connection.
            raise ValueError(
                "a PostgreSQL URL must name the user: postgresql://USER[:PASSWORD]@HOST/DB"
            )
        query = []
        for key, value in parse_qsl(parts.query, keep_blank_values=True):
            if key != "sslmode":
                query.append((key, value))
                continue
            if value not in _SSLMODE_TO_PG8000:
                raise ValueError(f"sslmode={value!r} is not one of {sorted(_SSLMODE_TO_PG8000)}")
            flag = _SSLMODE_TO_PG8000[value]
            if flag is not None:
                query.append(("ssl_context", flag))
        # Joined by hand: urlunsplit drops the "//" of a URL without a host (a Unix socket).
        rebuilt = f"postgresql+pg8000://{parts.netloc}{parts.path}"
        return rebuilt + (f"?{urlencode(query)}" if query else "")
    if scheme.startswith("sqlite"):
        return url
    raise ValueError(f"unsupported database scheme {scheme!r}: use sqlite:// or postgresql://")


class Settings(BaseSettings):
    """Every setting of the tracker; environment variables have the same names in upper case."""

    model_config = SettingsConfigDict(case_sensitive=False, extra="ignore")

    # URLs that may carry a password: kept out of repr() (and so out of logged objects).
    database_url: str = Field("sqlite:///ytdt.db", repr=False)
    redis_url: str | None = Field(None, repr=False)

    youtube_api_key: SecretStr | None = None
    youtube_api_base_url: str = "https://www.googleapis.com/youtube/v3"
    youtube_oembed_url: str = "https://www.youtube.com/oembed"
    youtube_feed_url: str = "https://www.youtube.com/feeds/videos.xml"
    youtube_daily_quota: int = Field(10_000, ge=1)
    http_timeout_s: float = Field(10.0, gt=0, le=300)
    http_max_retries: int = Field(3, ge=0, le=10)
    http_backoff_s: float = Field(0.5, ge=0, le=60)

    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    log_format: Literal["json", "text"] = "text"

    confirm_scans: int = Field(2, ge=1, le=10)
    # Upper bounds keep every derived timedelta in range (inf or 1e300 days overflowed it).
    full_walk_days: float = Field(7.0, gt=0, le=365)
    scan_interval_minutes: int = Field(60, ge=1, le=7 * 24 * 60)
    lock_ttl_s: int = Field(900, ge=5, le=24 * 3600)

    service_token: SecretStr | None = None

    # notify
    slack_webhook_url: SecretStr | None = None
    slack_notification_language: Literal["en", "ja"] = "en"
    slack_min_severity: Literal["info", "low", "medium", "high"] = "low"
    slack_group_threshold: int = Field(5, ge=1, le=1000)
    slack_max_notifications_per_video: int = Field(3, ge=1, le=1000)
    slack_renotification_hours: float = Field(24.0, gt=0, le=24 * 365)
    slack_max_attempts: int = Field(5, ge=1, le=50)
    slack_timeout_s: float = Field(10.0, gt=0, le=120)

    @field_validator("slack_webhook_url", mode="before")
    @classmethod
    def _slack_webhook_url(cls, value: object) -> object:
        if isinstance(value, str):
            value = value.strip()
            if not value:
                return None
            if not value.startswith(("https://", "http://")):
                raise ValueError("must be an https:// URL (Slack app → Incoming Webhooks)")
            if any(char <= " " or char == "\x7f" for char in value):
                # urllib refuses such a URL at every post, quoting its secret path in the error.
                raise ValueError("must not contain spaces or control characters (re-copy it)")
        return value

    @field_validator("slack_notification_language", "slack_min_severity", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    # dispatch
    scan_enabled: bool = True
    scan_concurrency: int = Field(4, ge=1, le=64)
    scan_batch_size: int = Field(200, ge=1, le=10_000)
    scan_url: str | None = None
    notify_url: str | None = None
    dispatch_token: SecretStr | None = None
    dispatch_interval_minutes: int = Field(60, ge=1, le=24 * 60)
    scan_call_timeout_s: float = Field(300.0, gt=0, le=3600)
    admin_username: str | None = None
    admin_password: SecretStr | None = None
    # Namespace of every Redis key (locks, quota): lets deployments or tests share one Redis.
    redis_key_prefix: str = Field("ytdt:", min_length=1, max_length=64)

    # admin
    # Failed basic-auth attempts one client address may make per minute before it gets 429s.
    auth_max_failures: int = Field(10, ge=1, le=10_000)
    # Refuse requests whose X-Forwarded-Proto (or own scheme) is http (behind Fly's TLS proxy).
    require_https: bool = False
    # Most channels the admin API will track; unset: no limit.
    max_channels: int | None = Field(None, ge=1)
    # Header carrying the client's address set by a trusted proxy (e.g. Fly-Client-IP); unset:
    # the socket peer. Only set it behind a proxy that overwrites it, or clients can pick any.
    client_ip_header: str | None = None

    # health
    # Budget of one readiness check; a dead dependency answers 503 within it.
    health_timeout_s: float = Field(1.5, gt=0, le=10)
    # A delivery pending longer than this makes /ready fail.
    health_max_pending_minutes: int = Field(60, ge=1)
    # No successful dispatch for this long makes /ready fail; unset: 3 x DISPATCH_INTERVAL_MINUTES.
    health_max_dispatch_age_minutes: int | None = Field(None, ge=1)

    @field_validator(
        "client_ip_header", "max_channels", "health_max_dispatch_age_minutes", mode="before"
    )
    @classmethod
    def _blank_admin_setting_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("scan_url", "notify_url", mode="before")
    @classmethod
    def _optional_http_url(cls, value: object) -> object:
        if isinstance(value, str):
            value = value.strip()
            if not value:
                return None
            if not value.startswith(("http://", "https://")):
                raise ValueError("must be an http:// or https:// URL")
        return value

    @field_validator("dispatch_token", "admin_username", "admin_password", mode="before")
    @classmethod
    def _blank_credential_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    # archive (thumbnail archive, metadata history, archive links; issue 8)
    # S3-compatible bucket; unset: the local folder ARCHIVE_DIR. Fly Tigris sets BUCKET_NAME,
    # AWS_ENDPOINT_URL_S3, AWS_REGION and the credentials (boto3 reads AWS_ACCESS_KEY_ID and
    # AWS_SECRET_ACCESS_KEY itself).
    archive_bucket: str | None = None
    bucket_name: str | None = None
    aws_endpoint_url_s3: str | None = None
    aws_region: str | None = None
    archive_dir: str = "archive"
    # Thumbnails fetched after one scan's transaction; 0 turns the archive off.
    archive_max_per_run: int = Field(20, ge=0, le=1000)
    archive_max_bytes: int = Field(2_000_000, ge=1024, le=50_000_000)
    # Fetch an archived thumbnail again once its last successful check is this old, to notice
    # a new image behind the same URL (YouTube keeps it); 0 turns rechecks off.
    archive_recheck_days: float = Field(7.0, ge=0, le=365)
    # Root of thumbnail images, ``{base}/{video_id}/{name}.jpg``; unset: the URLs YouTube gave.
    thumbnail_base_url: str | None = None
    # Where people reach the admin function; Slack links to archived thumbnails start with it.
    public_base_url: str | None = None

    @field_validator(
        "archive_bucket", "bucket_name", "aws_endpoint_url_s3", "aws_region", mode="before"
    )
    @classmethod
    def _blank_archive_value_is_unset(cls, value: object) -> object:
        if isinstance(value, str):
            value = value.strip()
            return value or None
        return value

    @field_validator("aws_endpoint_url_s3", "thumbnail_base_url", "public_base_url", mode="before")
    @classmethod
    def _archive_url(cls, value: object) -> object:
        if isinstance(value, str):
            value = value.strip()
            if not value:
                return None
            if not value.startswith(("http://", "https://")):
                raise ValueError("must be an http:// or https:// URL")
            return value.rstrip("/")
        return value

    @property
    def archive_bucket_name(self) -> str | None:
        """``ARCHIVE_BUCKET``, else Fly Tigris' ``BUCKET_NAME``; None: use the local folder."""
        return self.archive_bucket or self.bucket_name

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        return normalize_database_url(value.strip())

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must start with redis://, rediss:// or unix://")
        return value.strip()

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("youtube_api_base_url", "youtube_oembed_url", "youtube_feed_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return value.rstrip("/")

    @field_validator("youtube_api_key", "service_token", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @classmethod
    def load(cls) -> Settings:
        """Build from the environment; invalid values raise one ConfigError naming each."""
        try:
            return cls()
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc']).upper()}: {err['msg']}"
                for err in exc.errors()
            )
            raise ConfigError(f"invalid configuration: {problems}") from None


@functools.cache
def get_settings() -> Settings:
    """The process's settings, built on first use."""
    return Settings.load()


def reset_settings() -> None:
    """Forget the cached settings (tests and the CLI change the environment)."""
    get_settings.cache_clear()
