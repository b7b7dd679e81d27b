"""Weather warnings received: an IBWW document (SMHI's JSON, polled) or a CAP alert (XML,
pushed) parsed against the area catalogue and stored (services/warnings.py), in the
caller's transaction or (a push) committed."""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cache
from typing import Any

import shapely
from sqlalchemy import or_, select, text, update
from sqlalchemy.orm import Session

from geodata.loaders.warnings import (
    SOURCE_IBWW,
    AreaCatalog,
    CatalogArea,
    ParseResult,
    WarningFormatError,
    parse_cap,
    parse_ibww,
)
from resilience.config import Settings
from resilience.models import WeatherWarning
from resilience.services.warnings import (
    INGEST_LOCK_KEY,
    IngestReport,
    county_geometry,
    end_missing,
    needs_recalculation,
    store,
)

COUNTY_AREA_ID = 24  # Västerbottens län in SMHI's area metadata
CAP_TYPES = ("application/xml", "text/xml", "application/cap+xml")


@cache
def _catalog_from_files(ibww: str | None, emma: str | None) -> AreaCatalog:
    return AreaCatalog.from_files(ibww, emma)  # projects every region: once per process


def area_catalog(settings: Settings, county: shapely.Geometry | None) -> AreaCatalog:
    """The configured catalog; county 24 falls back to our own municipalities' union."""
    files = _catalog_from_files(settings.ibww_areas_file, settings.emma_areas_file)
    catalog = AreaCatalog(files.ibww, files.emma)
    if COUNTY_AREA_ID not in catalog.ibww and county is not None:
        catalog.ibww[COUNTY_AREA_ID] = CatalogArea(
            str(COUNTY_AREA_ID),
            "Västerbottens län",
            "Västerbotten County",
            shapely.MultiPolygon(
                [g for g in shapely.get_parts(county) if isinstance(g, shapely.Polygon)]
            ),
        )
    return catalog


@dataclass(frozen=True)
class IngestResult:
    report: IngestReport
    refused: list[str]
    recalculation: str | None  # fingerprint of the new live state, when one is due

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.report.to_dict(),
            "refused": self.refused,
            "recalculation": self.recalculation,
        }


def ingest(
    session: Session,
    settings: Settings,
    payload: bytes,
    content_type: str,
    snapshot: bool = False,
    posted_by: str | None = None,
) -> IngestResult:
    """Parse an IBWW document (JSON) or a CAP alert (XML) and store it, in the caller's
    transaction. `snapshot`: the payload lists every warning in force (a poll of SMHI), so
    stored IBWW warnings it does not list have ended. `posted_by`: the user who posted it
    (None for a poll). Raises WarningFormatError."""
    county = county_geometry(session)
    catalog = area_catalog(settings, county)
    kind = content_type.split(";")[0].strip().lower()
    if kind in CAP_TYPES:
        parsed = parse_cap(payload, catalog)
    elif kind == "application/json":
        parsed = parse_ibww(payload, catalog)
    else:
        raise WarningFormatError(
            f"unsupported content type {kind or 'none'}: send application/json (SMHI IBWW)"
            " or application/xml (CAP 1.2)"
        )
    # One ingest at a time (a push and a poll, or the same document posted twice at once):
    # the next then sees what this one stored, instead of inserting it again.
    session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": INGEST_LOCK_KEY})
    ended = _end_superseded(session, parsed) if parsed.supersedes else 0
    report = store(
        session, parsed.areas, county, snapshot, settings.open_warning_max_hours, posted_by
    )
    if snapshot:
        ended += end_missing(session, SOURCE_IBWW, {a.identity for a in parsed.areas})
    report = IngestReport(report.stored, report.unchanged, report.ended + ended, report.restored)
    return IngestResult(report, list(parsed.refused), needs_recalculation(session))


def _end_superseded(session: Session, parsed: ParseResult) -> int:
    """A CAP Update or Cancel ends the whole chain it refers to, however far back it
    reaches: the messages it names, every message before or after them in the same chain
    (the rows share the identity root "cap:<root sender>:<root identifier>", followed by
    (sender, identifier) through every stored message's references), and its own rows take
    that root, so each later message of the chain replaces them too. A Cancel cancels them.
    Returns how many rows were in force and are ended now."""
    stored_roots = session.scalars(
        select(WeatherWarning.identity).where(WeatherWarning.message.in_(parsed.supersedes))
    ).all()
    roots = {identity.rsplit(":", 2)[0] for identity in stored_roots}
    roots.update(parsed.supersedes)  # a message never stored (yet): its own key is the root
    if stored_roots:
        # The chain's first root: the areas of this message continue its rows.
        first = session.scalar(
            select(WeatherWarning.identity)
            .where(WeatherWarning.message.in_(parsed.supersedes))
            .order_by(WeatherWarning.published, WeatherWarning.id)
            .limit(1)
        )
        assert first is not None
        _reroot(parsed, first.rsplit(":", 2)[0])
    in_chain = or_(
        *(WeatherWarning.identity.startswith(f"{root}:", autoescape=True) for root in roots),
        WeatherWarning.message.in_(parsed.supersedes),
    )
    values: dict[str, Any] = {"current": False}
    if parsed.cancel:
        values["cancelled"] = True
    query = update(WeatherWarning).where(in_chain, WeatherWarning.current)
    if parsed.message is not None:  # this message posted again: it stays as it is
        query = query.where(WeatherWarning.message != parsed.message)
    ended = session.execute(  # type: ignore[attr-defined]  # DML gives a CursorResult
        query.where(~WeatherWarning.cancelled).values(**values)
    ).rowcount
    session.execute(query.values(current=False))
    return int(ended)


def _reroot(parsed: ParseResult, root: str) -> None:
    """Give the parsed areas the identity root of the chain they continue."""
    for n, area in enumerate(parsed.areas):
        own_root, k, j = area.identity.rsplit(":", 2)
        if own_root != root:
            parsed.areas[n] = replace(
                area,
                identity=f"{root}:{k}:{j}",
                replaces=(*area.replaces, f"{own_root}:{k}:{j}"),
            )


def receive(
    session: Session,
    settings: Settings,
    payload: bytes,
    content_type: str,
    posted_by: str | None = None,
) -> IngestResult:
    """A pushed document (POST /api/v1/warnings) from `posted_by`: ingest, committed;
    nothing is stored unless all of it parses (WarningFormatError, rolled back)."""
    try:
        result = ingest(session, settings, payload, content_type, posted_by=posted_by)
    except WarningFormatError:
        session.rollback()
        raise
    session.commit()
    return result
