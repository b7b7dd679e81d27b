"""An upload's rows checked against the database: the municipality each point lies in (the
importer's rule), the sites already stored under the same keys, and what confirming would
do to each accepted row (insert, update or nothing)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ARRAY, Text, any_, bindparam, func, select, text
from sqlalchemy.orm import Session

from geodata.messages import Message, msg
from geodata.records import RecordError, SiteRecord
from resilience.models import Site
from resilience.services.lookup import municipality_names
from resilience.vocabulary import SITE_NUMBERS, SITE_TEXTS, SWEREF99TM

_COMPARED = ("category", "kind", "name", *SITE_TEXTS, "attributes", *SITE_NUMBERS)


_MUNICIPALITY_OF_POINTS = text(
    "SELECT t.i, (SELECT m.code FROM municipalities m"
    " WHERE ST_Covers(m.geom, ST_SetSRID(ST_MakePoint(t.x, t.y), :srid))"
    " ORDER BY m.code LIMIT 1)"
    " FROM unnest(CAST(:xs AS float8[]), CAST(:ys AS float8[])) WITH ORDINALITY AS t(x, y, i)"
)


def municipalities_of(session: Session, records: Sequence[SiteRecord]) -> list[str | None]:
    """The municipality covering each point, as import_sites assigns it (lowest code)."""
    if not records:
        return []
    rows = session.execute(
        _MUNICIPALITY_OF_POINTS,
        {"srid": SWEREF99TM, "xs": [r.x for r in records], "ys": [r.y for r in records]},
    )
    found = {i: code for i, code in rows}
    return [found.get(i) for i in range(1, len(records) + 1)]


def stored_sites(
    session: Session, keys: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], dict[str, Any]]:
    """The stored sites with these (source, source_id), their compared values, x and y."""
    if not keys:
        return {}
    columns = [getattr(Site, name) for name in _COMPARED]
    query = select(
        Site.id,
        Site.source,
        Site.source_id,
        Site.municipality_code,
        func.ST_X(Site.geom),
        func.ST_Y(Site.geom),
        *columns,
    ).where(
        Site.source.in_(sorted({source for source, _ in keys})),
        # One array parameter: a file of 100 000 rows would exceed PostgreSQL's 65 535.
        Site.source_id == any_(bindparam("ids", sorted({sid for _, sid in keys}), ARRAY(Text))),
    )
    wanted = set(keys)
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for row in session.execute(query):
        site_id, source, source_id, municipality, x, y, *values = row
        if (source, source_id) in wanted:
            found[(source, source_id)] = {
                "id": site_id,
                "municipality": municipality,
                "x": x,
                "y": y,
                **dict(zip(_COMPARED, values, strict=True)),
            }
    return found


def _unchanged(record: SiteRecord, stored: dict[str, Any]) -> bool:
    new = {
        "category": record.category,
        "kind": record.kind,
        "name": record.name,
        **{name: getattr(record, name) for name in SITE_TEXTS},
        "attributes": record.attributes,
        **{name: record.numbers.get(name) for name in SITE_NUMBERS},
    }
    # EWKB keeps doubles exactly, so a point read back equals the point written.
    same_point = (stored["x"], stored["y"]) == (record.x, record.y)
    return same_point and all(new[name] == stored[name] for name in _COMPARED)


@dataclass
class Plan:
    """What confirming would do: per record an action or the reason it is refused."""

    actions: list[str | None]  # insert | update | unchanged; None when refused
    municipalities: list[str | None]
    site_ids: list[int | None]
    refusals: list[RecordError]  # the scope refusals, one per refused record


def plan_records(
    session: Session,
    records: Sequence[SiteRecord],
    wheres: Sequence[str],
    source: str,
    scope: str | None,
) -> Plan:
    """Compare the records with the stored sites, and check them against `scope`."""
    keys = [(r.source or source, r.source_id) for r in records]
    stored = stored_sites(session, keys)
    codes = municipalities_of(session, records)
    names = municipality_names(session) if scope is not None else {}
    plan = Plan([], codes, [], [])
    for record, key, code, where in zip(records, keys, codes, wheres, strict=True):
        old = stored.get(key)
        plan.site_ids.append(old["id"] if old else None)
        why: Message | None = None
        # Municipalities by name, with the code after it ("Östervik (2403)").
        here = f"{names.get(scope, '')} ({scope})".lstrip() if scope else ""
        if scope is not None and code != scope:
            if code:
                there = f"{names.get(code, '')} ({code})".lstrip()
                why = msg("outside_scope", scope=here, municipality=there)
            else:
                why = msg("outside_county", scope=here)
            field = "geometry"
        elif scope is not None and old is not None and old["municipality"] != scope:
            held = old["municipality"]
            held_name = f"{names.get(held, '')} ({held})".lstrip() if held else "–"
            why = msg(
                "stored_elsewhere",
                value=repr(record.source_id),
                source=repr(key[0]),
                municipality=held_name,
                scope=here,
            )
            field = "source_id"
        if why is not None:
            plan.refusals.append(RecordError.of(where, field, why))
            plan.actions.append(None)
        elif old is None:
            plan.actions.append("insert")
        else:
            plan.actions.append("unchanged" if _unchanged(record, old) else "update")
    return plan
