"""Weather warnings: store parsed warning areas (idempotently, versions and cancellations
applied), find the active ones over the county, keep the live scenario in step, and list
them for the API and the pages. Receiving a document is services/warning_ingest.py, the
feed's health and the banner services/warning_banner.py."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import shapely
from sqlalchemy import func, or_, select, text, update
from sqlalchemy.orm import Session

from resilience.models import LiveState, Run, Scenario, WeatherWarning
from resilience.scenarios import ActiveWarning, live_scenario
from resilience.services import runs, scenarios
from resilience.services.layers import feature_collection, geometry_sql
from resilience.vocabulary import SWEREF99TM, WGS84

LEVELS = ("yellow", "orange", "red")
LIVE_SCENARIO_NAME = "Live: aktiva vädervarningar"
LIVE_LOCK_KEY = int.from_bytes(hashlib.sha256(b"live_states.start").digest()[:8], "big") >> 1
INGEST_LOCK_KEY = (
    int.from_bytes(hashlib.sha256(b"weather_warnings.ingest").digest()[:8], "big") >> 1
)


# A poll of SMHI lists every warning in force; a warning it leaves out has ended only when
# this many polls in a row leave it out. One empty answer (SMHI's feed glitches) ends nothing.
POLLS_TO_END = 2


@dataclass(frozen=True)
class IngestReport:
    stored: int  # new warning versions
    unchanged: int  # versions seen before
    ended: int  # warnings ended by a Cancel / all-clear
    restored: int = 0  # warnings the polls had ended, listed again: in force again

    def to_dict(self) -> dict[str, int]:
        return {
            "stored": self.stored,
            "unchanged": self.unchanged,
            "ended": self.ended,
            "restored": self.restored,
        }


def county_geometry(session: Session) -> shapely.Geometry | None:
    """The county: the union of the stored municipalities (EPSG:3006)."""
    wkb = session.scalar(text("SELECT ST_AsBinary(ST_Union(geom)) FROM municipalities"))
    return shapely.from_wkb(bytes(wkb)) if wkb else None


def _ewkb(geom: shapely.Geometry) -> str:
    return shapely.to_wkb(shapely.set_srid(geom, SWEREF99TM), hex=True, include_srid=True)


def store(
    session: Session,
    areas: Sequence[Any],
    county: shapely.Geometry | None,
    snapshot: bool = False,
    open_max_hours: float = 48.0,
    posted_by: str | None = None,
) -> IngestReport:
    """Store parsed warning areas (geodata.loaders.warnings.WarningArea) in the caller's
    transaction. The same (identity, version) of the same message again changes nothing
    (another message's takes its place); a newer version of an identity, or one that names
    it in `replaces`, makes the older ones history; a cancellation ends them. A warning
    without an end time is current while the polls (`snapshot`) list it; one that only a
    file or a push brought is current for `open_max_hours` after its publication (README,
    "Weather warnings")."""
    stored = unchanged = ended = restored = 0
    stale = timedelta(hours=open_max_hours)
    if county is not None:
        shapely.prepare(county)  # many intersects tests against one polygon
    for area in areas:
        exists = session.scalar(
            select(WeatherWarning).where(
                WeatherWarning.identity == area.identity, WeatherWarning.version == area.version
            )
        )
        if exists is not None and exists.message == area.message:
            # Listed again: polls that left it out no longer count, and one that polls had
            # ended (never a Cancel: those end with missed_polls 0) is in force again.
            if exists.current and exists.cancelled and exists.missed_polls:
                exists.cancelled = False
                restored += 1
            else:
                unchanged += 1
            exists.missed_polls = 0
            if snapshot:
                exists.stale_after = None
            continue
        identities = [area.identity, *area.replaces]
        older = WeatherWarning.identity.in_(identities)
        if area.cancelled:
            ended += session.execute(  # type: ignore[attr-defined]  # DML gives a CursorResult
                update(WeatherWarning).where(older, WeatherWarning.current).values(cancelled=True)
            ).rowcount
        session.execute(update(WeatherWarning).where(older).values(current=False))
        values = {
            "source": area.source,
            "identity": area.identity,
            "version": area.version,
            "message": area.message,
            "level": area.level,
            "event_code": area.event_code,
            "event_sv": area.event_sv,
            "event_en": area.event_en,
            "area_name_sv": area.area_name_sv,
            "area_name_en": area.area_name_en,
            "starts": area.starts,
            "ends": area.ends,
            "published": area.published,
            "geom": _ewkb(area.geometry),
            "polygonal": area.polygonal,
            "involves_wind": area.involves_wind,
            "in_county": bool(county is not None and shapely.intersects(county, area.geometry)),
            "current": True,
            "cancelled": area.cancelled,
            "raw": area.raw,
            "stale_after": None if snapshot or area.ends else area.published + stale,
            "posted_by": posted_by,
        }
        if exists is None:
            session.add(WeatherWarning(**values))
        else:
            # Another message of its chain with the same version: a CAP Update or Cancel sent
            # in the same second as the message it follows (CAP's <sent> has whole seconds).
            # It takes that row's place; inserting it would break (identity, version).
            for name, value in values.items():
                setattr(exists, name, value)
            exists.missed_polls = 0
        stored += 1
    session.flush()
    return IngestReport(stored, unchanged, ended, restored)


def end_missing(session: Session, source: str, seen: set[str]) -> int:
    """A polled feed lists every warning in force: what it has not listed for POLLS_TO_END
    polls in a row has ended. Returns how many ended now."""
    rows = session.scalars(
        select(WeatherWarning).where(
            WeatherWarning.source == source, WeatherWarning.current, ~WeatherWarning.cancelled
        )
    ).all()
    ended = 0
    for warning in rows:
        if warning.identity in seen:
            continue
        warning.missed_polls += 1
        if warning.missed_polls >= POLLS_TO_END:
            warning.cancelled = True
            ended += 1
    session.flush()
    return ended


def _in_force(now: datetime | None) -> list[Any]:
    """The current version, not cancelled, started and not yet ended (an open end is in
    force while the polls list it, or until `stale_after` for one from a file or a push)."""
    now = now or datetime.now(UTC)
    return [
        WeatherWarning.current,
        ~WeatherWarning.cancelled,
        or_(WeatherWarning.starts.is_(None), WeatherWarning.starts <= now),
        or_(WeatherWarning.ends.is_(None), WeatherWarning.ends > now),
        or_(WeatherWarning.stale_after.is_(None), WeatherWarning.stale_after > now),
    ]


def state(warning: WeatherWarning, now: datetime | None = None) -> str:
    """What a stored warning is now, by the rules of _in_force: in_force, upcoming, ended
    (cancelled, or no longer listed by the polls), expired (past its end time), stale
    (no end time, from a file or a push, older than the configured age) or updated (an older
    version)."""
    now = now or datetime.now(UTC)
    if not warning.current:
        return "updated"
    if warning.cancelled:
        return "ended"
    if warning.ends is not None and warning.ends <= now:
        return "expired"
    if warning.stale_after is not None and warning.stale_after <= now:
        return "stale"
    if warning.starts is not None and warning.starts > now:
        return "upcoming"
    return "in_force"


def active_in_county(session: Session, now: datetime | None = None) -> list[WeatherWarning]:
    """Warnings at a warning level in force now over the county: the live scenario's input."""
    query = select(WeatherWarning).where(
        *_in_force(now), WeatherWarning.in_county, WeatherWarning.level.in_(LEVELS)
    )
    return list(session.scalars(query.order_by(WeatherWarning.id)))


def active_warnings(session: Session, now: datetime | None = None) -> list[WeatherWarning]:
    """Every warning in force now, anywhere: for the map layer."""
    query = select(WeatherWarning).where(*_in_force(now))
    return list(session.scalars(query.order_by(WeatherWarning.in_county.desc(), WeatherWarning.id)))


def fingerprint(warnings: Sequence[WeatherWarning]) -> str:
    """The identity of a set of active warnings: equal sets, equal fingerprints."""
    keys = sorted(f"{w.identity}@{w.version}" for w in warnings)
    return hashlib.sha256("\n".join(keys).encode()).hexdigest()


def _latest_fingerprint(session: Session) -> str | None:
    """The state of the newest live run. Only the newest counts: a state the county returns
    to (a warning in force again after an all-clear) gets a live run again."""
    return session.scalar(select(LiveState.fingerprint).order_by(LiveState.id.desc()).limit(1))


def needs_recalculation(session: Session, now: datetime | None = None) -> str | None:
    """The fingerprint of the current state when no live run has been made for it yet.
    Nothing is needed while no warning has ever touched the county."""
    active = active_in_county(session, now)
    current = fingerprint(active)
    if _latest_fingerprint(session) == current:
        return None
    if not active and session.scalar(select(LiveState.id).limit(1)) is None:
        return None
    return current


def _shape(warning: WeatherWarning) -> shapely.Geometry:
    from geoalchemy2.shape import to_shape

    return to_shape(warning.geom)


def _over_county(geometry: shapely.Geometry, county: shapely.Geometry | None) -> shapely.Geometry:
    if county is None:
        return geometry
    return shapely.intersection(shapely.make_valid(geometry), county)


def unfinished_live_run(session: Session, expected: str) -> Run | None:
    """The live run already started for the state `expected` that has not finished (a
    retry of its recalculation computes it again), if that state is still the newest."""
    live = session.scalar(select(LiveState).order_by(LiveState.id.desc()).limit(1))
    if live is None or live.fingerprint != expected or live.run_id is None:
        return None
    run = session.get(Run, live.run_id)
    return run if run is not None and run.status != "finished" else None


def start_live_run(session: Session, expected: str, now: datetime | None = None) -> Run | None:
    """Rebuild the live scenario for the state `expected` and start its run, unless the
    state has moved on meanwhile (a newer job will handle it) or is handled already."""
    # One at a time: two jobs for the same state must not both start a run.
    session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LIVE_LOCK_KEY})
    active = active_in_county(session, now)
    if fingerprint(active) != expected:
        return None
    if _latest_fingerprint(session) == expected:
        return None
    # The model takes the warnings that intersect the county, over the county: a warned
    # area reaching far beyond it (or beyond Sweden) is clipped, so no live run fails on
    # the size of a warning.
    county = county_geometry(session)
    spec = live_scenario(
        [
            ActiveWarning(
                w.level,
                w.involves_wind,
                _over_county(_shape(w), county),
                f"{w.level}: {w.event_sv or w.event_code}",
            )
            for w in active
        ],
        name=LIVE_SCENARIO_NAME,
    )
    scenario = session.scalar(select(Scenario).where(Scenario.kind == "live"))
    if scenario is None:
        scenario = scenarios.create_scenario(session, spec, kind="live", user="smhi")
    else:
        scenarios.update_scenario(session, scenario, spec, user="smhi")
    run = runs.start_run(session, scenario, user=live_starter(session, active))
    session.add(
        LiveState(
            fingerprint=expected,
            warning_ids=[w.id for w in active],
            scenario_id=scenario.id,
            run_id=run.id,
        )
    )
    session.flush()
    return run


def live_hour_zero(session: Session, state: LiveState | None) -> datetime | None:
    """The clock time of a live run's hour 0: the earliest start of the warnings behind it
    (coverage-model.md, "Warning-driven scenarios"; a warning without a start counts from
    when it was published). None for a run that is not live."""
    if state is None or not state.warning_ids:
        return None
    return session.scalar(
        select(func.min(func.coalesce(WeatherWarning.starts, WeatherWarning.published))).where(
            WeatherWarning.id.in_(list(state.warning_ids))
        )
    )


def live_starter(session: Session, active: Sequence[WeatherWarning]) -> str:
    """Who starts the live run of the warnings `active`: the poster of the newest of them
    that the previous live state did not have (a user who posted it, or ingested its
    file); smhi when the polls brought it, or when the change is a warning that ended."""
    before = session.scalar(select(LiveState.warning_ids).order_by(LiveState.id.desc()).limit(1))
    known = set(before or [])
    new = sorted(
        (w for w in active if w.id not in known), key=lambda w: (w.received_at, w.id), reverse=True
    )
    return next((w.posted_by for w in new if w.posted_by), SMHI_FEED)


# --- What the API and the pages show -----------------------------------------------------

MAX_LISTED = 500  # warnings in one GeoJSON answer


def warnings_geojson(session: Session, history: bool = False) -> dict[str, Any]:
    """GeoJSON (WGS 84) of the warnings in force, or (`history`) of every stored version,
    newest first, at most MAX_LISTED; areas simplified to 200 m."""
    where = "TRUE" if history else "id = ANY(:ids)"
    ids = [w.id for w in active_warnings(session)]
    sql = (
        "SELECT id, source, identity, version, level, event_code, event_sv, event_en,"
        " area_name_sv, area_name_en, starts, ends, published, in_county, involves_wind,"
        f" current, cancelled, {geometry_sql('ST_SimplifyPreserveTopology(geom, 200)', WGS84)}"
        f" FROM weather_warnings WHERE {where} ORDER BY published DESC, id DESC"
        f" LIMIT {MAX_LISTED}"
    )
    rows = []
    for mapping in session.execute(text(sql), {"ids": ids}).mappings():
        row = dict(mapping)
        for key in ("starts", "ends", "published"):
            row[key] = row[key].isoformat() if row[key] else None
        rows.append(row)
    return feature_collection(rows, WGS84)


def latest_live(session: Session) -> tuple[LiveState | None, Run | None]:
    """The newest live state and its run (None when there is none)."""
    state = session.scalar(select(LiveState).order_by(LiveState.id.desc()).limit(1))
    run = session.get(Run, state.run_id) if state and state.run_id else None
    return state, run


def live_state_of(session: Session, run_id: int) -> LiveState | None:
    """The live state a run was computed for (None: not a live run)."""
    return session.scalar(select(LiveState).where(LiveState.run_id == run_id))


def warnings_by_id(session: Session, ids: Sequence[int]) -> list[WeatherWarning]:
    return list(session.scalars(select(WeatherWarning).where(WeatherWarning.id.in_(list(ids)))))


@dataclass(frozen=True)
class History:
    """What /warnings lists: the latest 200 warnings received, the latest 50 live states
    and their runs."""

    warnings: list[WeatherWarning]
    states: list[LiveState]
    runs: list[Run]


def history(session: Session) -> History:
    rows = session.scalars(
        select(WeatherWarning)
        .order_by(WeatherWarning.received_at.desc(), WeatherWarning.id.desc())
        .limit(200)
    ).all()
    states = session.scalars(select(LiveState).order_by(LiveState.id.desc()).limit(50)).all()
    listed = session.scalars(
        select(Run).where(Run.id.in_([s.run_id for s in states if s.run_id]))
    ).all()
    return History(list(rows), list(states), list(listed))


# The poster a live run names when SMHI's poll started it.
SMHI_FEED = "smhi"
