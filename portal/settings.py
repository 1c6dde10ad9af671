"""Typed settings of the portal, read from ``PORTAL_*`` environment variables."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

INSTANCE_DIR = Path("instance")


class SettingsError(RuntimeError):
    """Start-up stops with the key, the value and a hint."""


class PortalSettings(BaseSettings):
    """Everything that can be configured; zero configuration runs offline on SQLite."""

    model_config = SettingsConfigDict(env_prefix="PORTAL_", extra="ignore", populate_by_name=True)

    #: SQLAlchemy URL; also read from plain ``DATABASE_URL``. Empty: SQLite under instance/.
    database_url: str = Field(default="", validation_alias="DATABASE_URL")
    #: Folder for the SQLite file and uploads.
    instance_path: Path = INSTANCE_DIR
    #: Default interface language, "vi" or "en".
    default_locale: str = "vi"
    #: Tile URL template for a base map (e.g. an intranet tile server); None keeps the map offline.
    basemap_url: str | None = None
    #: Attribution shown for the base map.
    basemap_attribution: str = ""
    #: Date the maps show when no ``as_of`` is given; empty means the latest recorded update.
    default_as_of: dt.date | None = None
    #: An area is lagging when its percent is under this many percent (besides the straight line).
    lagging_threshold: float = 0.0
    #: Above this many records in view, a layer is sent as cluster bubbles.
    cluster_threshold: int = 1500
    #: Record layers the map draws from vector tiles: "auto" (the kinds measured faster: lines
    #: and shapes), "on" (every public layer), "off" (GeoJSON only).
    map_tiles: Literal["auto", "on", "off"] = "auto"
    #: Most features one page of /api/layers/<id>/features returns.
    max_features_page: int = 10000
    #: Largest file accepted by an upload, in megabytes.
    max_upload_mb: int = 200
    #: Most cells (width x height x bands) an uploaded raster may declare.
    max_raster_cells: int = 400_000_000
    #: Secret key for sessions; generated per instance when empty.
    secret_key: str = ""
    #: Create the schema, boundaries and demo data on first start when the database is empty.
    auto_seed: bool = True
    #: Sign-in attempts allowed per client address and username ("limits" syntax, ";"-separated).
    login_rate_limit: str = "5 per minute; 30 per hour"
    #: Send the session cookie only over HTTPS; set when the portal is served behind HTTPS.
    secure_cookies: bool = False
    #: Seconds a write waits for another writer to finish (SQLite) before answering 503.
    db_busy_timeout: float = 5.0
    #: Redis shared by every worker and host (sign-in limits, response cache); empty: in-process.
    redis_url: str = ""
    #: Proxies in front of the portal whose X-Forwarded-For/-Proto/-Host are trusted (0: none).
    behind_proxy: int = 0

    @field_validator("login_rate_limit")
    @classmethod
    def _rate_limit(cls, value: str) -> str:
        from limits import parse_many

        try:
            parse_many(value)
        except ValueError:
            raise ValueError("hint: e.g. '5 per minute; 30 per hour'") from None
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: str) -> str:
        value = value.strip()
        if value and redis_url_problem(value):
            raise ValueError(redis_url_problem(value))
        return value

    @field_validator("behind_proxy")
    @classmethod
    def _proxies(cls, value: int) -> int:
        if not 0 <= value <= 5:
            raise ValueError("hint: the number of proxies in front of the portal, 0 to 5")
        return value

    @field_validator("default_locale")
    @classmethod
    def _known_locale(cls, value: str) -> str:
        if value not in ("vi", "en"):
            raise ValueError("hint: use 'vi' or 'en'")
        return value

    @field_validator("db_busy_timeout")
    @classmethod
    def _busy_timeout(cls, value: float) -> float:
        if not 0 < value <= 60:
            raise ValueError("hint: seconds, more than 0 and at most 60")
        return value

    @field_validator("lagging_threshold")
    @classmethod
    def _percent(cls, value: float) -> float:
        if not 0 <= value <= 100:
            raise ValueError("hint: a percentage between 0 and 100")
        return value

    def resolved_database_url(self) -> str:
        """Return the database URL, defaulting to one SQLite file in the instance folder."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.instance_path / 'portal.sqlite3').resolve()}"


def redis_url_problem(url: str) -> str | None:
    """Return what is wrong with a Redis URL, in Vietnamese and English; None when it is usable.

    >>> redis_url_problem("redis://127.0.0.1:6379/0") is None
    True
    >>> redis_url_problem("127.0.0.1:6379")
    'không phải địa chỉ Redis / not a Redis URL: hint: redis://host:port/db'
    >>> redis_url_problem("redis://127.0.0.1:6379/cache")
    'số cơ sở dữ liệu phải là số nguyên / the database number must be a whole number: hint: redis://host:port/db'
    """  # noqa: E501
    hint = "hint: redis://host:port/db"
    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss", "unix") or not (parts.hostname or parts.path):
        return f"không phải địa chỉ Redis / not a Redis URL: {hint}"
    try:
        parts.port  # noqa: B018 - raises on a port that is not a number or out of range
    except ValueError:
        return f"cổng không hợp lệ / the port is not a number from 1 to 65535: {hint}"
    db = parts.path.strip("/") if parts.scheme != "unix" else "0"
    if db and not db.isdigit():
        return ("số cơ sở dữ liệu phải là số nguyên / the database number must be a whole "
                f"number: {hint}")
    return None


def load_settings(overrides: dict | None = None) -> PortalSettings:
    """Read settings from the environment, then ``overrides``; bad values raise SettingsError."""
    try:
        return PortalSettings(**(overrides or {}))
    except ValidationError as exc:
        problems = "; ".join(
            f"PORTAL_{'.'.join(str(p) for p in err['loc']).upper()}"
            f"={err.get('input')!r}: {err['msg']}"
            for err in exc.errors()
        )
        raise SettingsError(f"Cấu hình không hợp lệ / Invalid settings: {problems}") from None
