"""One Settings object, read strictly from RESILIENCE_* (and DATABASE_URL / REDIS_URL)."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/resilience"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
# Times are stored in UTC and shown, and dated, as the county lives them.
LOCAL_TZ = ZoneInfo("Europe/Stockholm")


class ConfigError(RuntimeError):
    """A setting is missing or malformed; raised at start-up, never later."""


def parse_bool(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off", ""}:
        return False
    raise ConfigError(f"not a boolean: {value!r}")


def _secret_key(env: dict[str, str], production: bool, var_dir: Path) -> str:
    if key := env.get("RESILIENCE_SECRET_KEY"):
        return key
    if production:
        raise ConfigError("RESILIENCE_SECRET_KEY must be set when RESILIENCE_ENV=production")
    # Development: a random key kept in var/ so logins survive restarts.
    path = var_dir / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    redis_url: str = DEFAULT_REDIS_URL
    secret_key: str = field(default="", repr=False)
    production: bool = False
    # Base map tiles; the county may point this at Lantmäteriet or an internal server.
    tile_url: str = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    tile_attribution: str = "© OpenStreetMap contributors"
    max_upload_bytes: int = 50 * 1024 * 1024
    queue_name: str = "resilience"
    # Behind a reverse proxy (HTTPS terminated there): trust one hop of X-Forwarded-*, so
    # links (OGC API, downloads) carry the public scheme and host.
    behind_proxy: bool = False
    # Seconds between retries of a failed run (transient PostGIS/Redis trouble); one per retry.
    run_retry_intervals: tuple[int, ...] = (5, 30, 120)
    # SMHI impact-based warnings: the endpoint is configuration, SMHI changes its APIs.
    smhi_warnings_url: str = (
        "https://opendata-download-warnings.smhi.se/ibww/api/version/1/warning.json"
    )
    smhi_poll_seconds: int = 300
    # A warning without an end time from a file or a push is current for this many hours
    # after its publication; one that the polls list stays current while they list it.
    open_warning_max_hours: float = 48.0
    # Files that resolve warning areas given only as ids or geocodes: SMHI's IBWW area
    # metadata (metadata/area.json) and MeteoAlarm EMMA_ID regions (GeoJSON). Without the
    # first, county id 24 still resolves to the union of the stored municipalities.
    ibww_areas_file: str | None = None
    emma_areas_file: str | None = None
    # A burst of warning updates within this many seconds gives one live run.
    live_debounce_seconds: float = 0.3
    # Longest SQL statement a web request may run (0: no limit). Jobs, workers and the
    # command line have none: a run or a large export may take minutes.
    statement_timeout_ms: int = 30_000
    # The most populated cells and sites a run or plan asked for by a request may compute
    # over (each on its own; services/runs.py WorkLimits). Four and almost seven times the
    # Sweden-sized benchmark (250,000 cells, 30,000 sites).
    run_max_cells: int = 1_000_000
    run_max_sites: int = 200_000
    # The classification line every situation report (lägesbild) carries, printed as is.
    report_classification: str = "Ej säkerhetsskyddsklassificerad"
    # A session cookie not used for this long is refused (it is re-signed on every request;
    # a replayed older one fails its signature's age check).
    session_idle_minutes: int = 120
    var_dir: Path = PROJECT_ROOT / "var"

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        production = env.get("RESILIENCE_ENV", "development").lower() == "production"
        var_dir = Path(env.get("RESILIENCE_VAR_DIR", str(PROJECT_ROOT / "var")))
        try:
            max_upload = int(env.get("RESILIENCE_MAX_UPLOAD_MB", "50")) * 1024 * 1024
        except ValueError as exc:
            raise ConfigError("RESILIENCE_MAX_UPLOAD_MB must be a whole number") from exc
        try:
            retries = tuple(
                int(v)
                for v in env.get("RESILIENCE_RUN_RETRY_INTERVALS", "5,30,120").split(",")
                if v
            )
        except ValueError as exc:
            raise ConfigError("RESILIENCE_RUN_RETRY_INTERVALS: seconds, comma-separated") from exc
        try:
            poll = int(env.get("RESILIENCE_SMHI_POLL_SECONDS", "300"))
            debounce = float(env.get("RESILIENCE_LIVE_DEBOUNCE_SECONDS", "0.3"))
            open_hours = float(env.get("RESILIENCE_OPEN_WARNING_MAX_HOURS", "48"))
        except ValueError as exc:
            raise ConfigError(
                "RESILIENCE_SMHI_POLL_SECONDS / _LIVE_DEBOUNCE_SECONDS / _OPEN_WARNING_MAX_HOURS"
            ) from exc
        timeout = env.get("RESILIENCE_STATEMENT_TIMEOUT_MS", "30000")
        if not timeout.isdigit():
            raise ConfigError("RESILIENCE_STATEMENT_TIMEOUT_MS must be a whole number (0: none)")

        def whole_above_zero(name: str, value: str) -> int:
            value = value.replace("_", "")
            if not value.isdigit() or int(value) == 0:
                raise ConfigError(f"{name} must be a whole number above 0")
            return int(value)

        max_cells = whole_above_zero(
            "RESILIENCE_RUN_MAX_CELLS", env.get("RESILIENCE_RUN_MAX_CELLS", "1000000")
        )
        max_sites = whole_above_zero(
            "RESILIENCE_RUN_MAX_SITES", env.get("RESILIENCE_RUN_MAX_SITES", "200000")
        )
        idle = whole_above_zero(
            "RESILIENCE_SESSION_IDLE_MINUTES", env.get("RESILIENCE_SESSION_IDLE_MINUTES", "120")
        )
        return cls(
            session_idle_minutes=idle,
            run_max_cells=max_cells,
            run_max_sites=max_sites,
            behind_proxy=parse_bool(env.get("RESILIENCE_BEHIND_PROXY", "false")),
            run_retry_intervals=retries,
            smhi_warnings_url=env.get("RESILIENCE_SMHI_URL", cls.smhi_warnings_url),
            smhi_poll_seconds=poll,
            open_warning_max_hours=open_hours,
            live_debounce_seconds=debounce,
            statement_timeout_ms=int(timeout),
            ibww_areas_file=env.get("RESILIENCE_IBWW_AREAS_FILE") or None,
            emma_areas_file=env.get("RESILIENCE_EMMA_AREAS_FILE") or None,
            database_url=env.get("DATABASE_URL", DEFAULT_DATABASE_URL),
            redis_url=env.get("REDIS_URL", DEFAULT_REDIS_URL),
            secret_key=_secret_key(env, production, var_dir),
            production=production,
            tile_url=env.get("RESILIENCE_TILE_URL", cls.tile_url),
            tile_attribution=env.get("RESILIENCE_TILE_ATTRIBUTION", cls.tile_attribution),
            max_upload_bytes=max_upload,
            queue_name=env.get("RESILIENCE_QUEUE", cls.queue_name),
            report_classification=(
                env.get("RESILIENCE_REPORT_CLASSIFICATION", "").strip() or cls.report_classification
            ),
            var_dir=var_dir,
        )
