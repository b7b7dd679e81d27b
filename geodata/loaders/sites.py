"""Sites (care, power, food, energy, utility) from GeoJSON, GeoPackage or CSV points.

Fields as in coverage-model.md, "Data exchange" (v2: heating, heat_plant,
thermal_time_constant_hours, stock_person_days). Values are taken from, in order: the
file's own field, the profile (osm), then `defaults`. Field names match case-insensitively;
anything else is kept in `attributes`.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Collection, Mapping
from typing import Any, cast

from shapely import MultiPoint, Point
from shapely.geometry.base import BaseGeometry

from geodata.loaders import osm
from geodata.loaders.fields import (
    FieldError,
    canonical_key,
    check_extra,
    is_blank,
    label,
    storable,
    text,
)
from geodata.loaders.fields import number as parse_number
from geodata.loaders.fields import whole as parse_whole
from geodata.loaders.results import LoadResult, refuse
from geodata.loaders.sources import MAX_BYTES, Source, read_table
from geodata.messages import Message, msg
from geodata.records import ImportValidationError, RecordError, SiteRecord
from resilience.vocabulary import (
    CATEGORIES,
    DISTRICT_HEATING_PLANT,
    KINDS,
    OWNERS,
    SITE_INTEGERS,
    SITE_NUMBERS,
    SITE_POSITIVE,
    SITE_TEXTS,
    STYREL_CLASSES,
    normalise_heating,
    range_problem,
)

TEXT_FIELDS = ("source_id", "name", "category", "kind", "source", *SITE_TEXTS)
SITE_FIELDS = frozenset(TEXT_FIELDS + SITE_NUMBERS)
REQUIRED = ("source_id", "name", "category", "kind")

# Display names (lower case) to codes, per field: see read_sites' `labels`.
CodeLabels = Mapping[str, Mapping[str, str]]
CODES: dict[str, frozenset[str]] = {
    "category": frozenset(CATEGORIES),
    "kind": frozenset(k for kinds in KINDS.values() for k in kinds),
}

_MISSING_COLUMN = {
    "source_id": msg("no_source_id_column"),
    "name": msg("no_column", field="name"),
    "category": msg("no_category_column"),
    "kind": msg("no_kind_column"),
}


def _value(name: str, raw: Any, decimal_comma: bool, labels: CodeLabels | None = None) -> Any:
    """One site field, parsed and range-checked; raises FieldError."""
    if name == "name":
        return label(raw)
    if name in TEXT_FIELDS:
        value = text(raw)
        if value is None or name in ("source_id", "source", "heat_plant"):
            return value  # ids are matched exactly on re-import: never lower-cased
        if name == "heating":
            try:
                return normalise_heating(value)
            except ValueError as exc:
                raise FieldError(str(exc)) from None
        value = value.lower()
        if labels and name in labels and value not in CODES.get(name, ()):
            value = labels[name].get(unicodedata.normalize("NFC", value), value)
        allowed = {"category": CATEGORIES, "owner": OWNERS}.get(name)
        if allowed is not None and value not in allowed:
            raise FieldError(
                msg("unknown_value", field=name, value=repr(raw), allowed=list(allowed), group=name)
            )
        return value
    parse = parse_whole if name in SITE_INTEGERS else parse_number
    result = parse(raw, decimal_comma=decimal_comma)
    if result is None:
        return None
    if name == "priority" and result not in STYREL_CLASSES:
        raise FieldError(msg("priority_range", value=repr(raw)))
    if name in SITE_POSITIVE and result <= 0:
        raise FieldError(f"{name} {raw!r} must be greater than 0")
    if result < 0:
        raise FieldError(msg("negative", value=repr(raw)))
    if problem := range_problem(name, result):
        raise FieldError(problem)
    return result


def _is_plant(parsed: Mapping[str, Any]) -> bool:
    return parsed.get("category") == "utility" and parsed.get("kind") == DISTRICT_HEATING_PLANT


def _check_defaults(defaults: Mapping[str, Any] | None) -> dict[str, Any]:
    if not defaults:
        return {}
    errors = [
        RecordError("defaults", key, f"not a site field; known: {', '.join(sorted(SITE_FIELDS))}")
        for key in defaults
        if key not in SITE_FIELDS
    ]
    for key, raw in defaults.items():
        if key in SITE_FIELDS:
            try:
                _value(key, raw, decimal_comma=False)
            except FieldError as exc:
                errors.append(RecordError("defaults", key, str(exc)))
    category, kind = defaults.get("category"), defaults.get("kind")
    if (
        not errors
        and isinstance(category, str)
        and isinstance(kind, str)
        and kind.lower() not in KINDS[category.lower()]
    ):
        errors.append(RecordError("defaults", "kind", f"unknown kind {kind!r} for {category}"))
    if errors:
        raise ImportValidationError(errors)
    return {k: v for k, v in defaults.items() if not is_blank(v)}


def _point(geom: BaseGeometry) -> tuple[Point | None, Message | None]:
    """The site's point, or why there is none."""
    if geom.is_empty:
        return None, msg("empty_geometry")
    if isinstance(geom, Point):
        return geom, None
    if isinstance(geom, MultiPoint) and len(geom.geoms) == 1:
        return geom.geoms[0], None
    return None, msg("not_a_point", geometry_type=geom.geom_type)


def read_sites(
    path: Source,
    crs: str | int | None = None,
    profile: str | None = None,
    defaults: dict[str, Any] | None = None,
    *,
    layer: str | None = None,
    max_bytes: int = MAX_BYTES,
    per_row: bool = False,
    stored_plants: Collection[str] = (),
    filename: str | None = None,
    labels: CodeLabels | None = None,
) -> LoadResult[SiteRecord]:
    """Read sites from a file (path or bytes); points end up in EPSG:3006.

    `profile="osm"` derives source_id, category, kind and a missing name from OSM tags and
    skips features whose tags do not map (even when `defaults` are given: a pharmacy stays
    out). `defaults` fill fields missing in a row, e.g. {"category": "care", "kind":
    "health_centre"}. Raises ImportValidationError listing every problem; nothing is
    returned unless the whole file is good.

    With `per_row`, only a problem of the file as a whole (unreadable, no source_id column,
    bad crs) raises; a row with problems is left out and its problems are listed in
    `refused`, the good rows are returned. Rows sharing a source_id are all refused then:
    which of them is right is for the file's owner to say.

    A `heat_plant` must name a district_heating_plant: one of the file's own rows (that is
    not refused) or one of `stored_plants`, the source_ids of the plants already stored.

    `labels` lets a row name a category or kind by its display name instead of its code
    (any case): per field, the lower-cased names (Swedish and English) to their codes, e.g.
    {"kind": {"äldreboende": "elderly_home", "elderly home": "elderly_home"}}."""
    if profile is not None and profile not in osm.PROFILES:
        refuse("profile", f"unknown profile {profile!r}; known: {', '.join(osm.PROFILES)}")
    fill = _check_defaults(defaults)
    table = read_table(path, crs=crs, layer=layer, max_bytes=max_bytes, filename=filename)
    problems = table.problems()
    notes = list(table.notes)

    present = {canonical_key(k) for f in table.features for k in f.props}
    supplied = set(fill) | (set(REQUIRED) if profile == "osm" else set())
    absent = {name for name in REQUIRED if name not in present and name not in supplied}
    for name in REQUIRED:
        if name in absent:
            problems.error(None, name, _MISSING_COLUMN[name])

    values: dict[int, dict[str, Any]] = {}
    attributes: dict[int, dict[str, Any]] = {}
    rows: list[int] = []
    points: list[Point] = []
    id_keys: dict[int, str] = {}  # the field a row's source_id came from, e.g. osm_id
    found_keys: dict[int, dict[str, str]] = {}  # per row: field → key as spelt in the file
    unnamed = 0
    for row, feature in enumerate(table.features):
        found: dict[str, tuple[str, Any]] = {}  # field → (key as spelt in the file, value)
        extra: dict[str, Any] = {}
        for key, raw in feature.props.items():
            name = canonical_key(key)
            if name in SITE_FIELDS and name not in found:
                found[name] = (key, raw)
            else:
                extra[key] = raw
        found = {name: kv for name, kv in found.items() if not is_blank(kv[1])}

        if profile == "osm":
            try:
                if "source_id" not in found and (sid := osm.source_id(feature.props, feature.fid)):
                    found["source_id"] = (sid[1], sid[0])
                if "category" not in found and (mapped := osm.category_kind(feature.props)):
                    found["category"] = ("category", mapped[0])
                    found.setdefault("kind", ("kind", mapped[1]))
                if "name" not in found and (other := osm.fallback_name(feature.props)):
                    found["name"] = ("name", other)
            except osm.Unmapped as skip:
                problems.skip(row, skip.tag, str(skip))
                continue
            except FieldError as exc:
                problems.error(row, "osm tags", exc.reason)
        for name, raw in fill.items():
            found.setdefault(name, (name, raw))

        parsed: dict[str, Any] = {}
        for name, (key, raw) in found.items():
            try:
                parsed[name] = _value(name, raw, table.decimal_comma, labels)
            except FieldError as exc:
                problems.error(row, key, exc.reason)
        if profile == "osm" and "name" not in found and "source_id" in parsed:
            # Unnamed OSM nodes are common; a made-up name keeps the site on the map.
            label = str(parsed.get("kind") or "site").replace("_", " ")
            parsed["name"], unnamed = f"{label} {parsed['source_id']}", unnamed + 1
            found["name"] = ("name", parsed["name"])
        for name in REQUIRED:
            if name not in found and name not in absent:
                problems.error(row, name, msg("required"))
        category, kind = parsed.get("category"), parsed.get("kind")
        if category in KINDS and kind is not None and kind not in KINDS[category]:
            key = found["kind"][0]
            allowed = list(KINDS[category])
            message = msg(
                "unknown_kind", value=repr(kind), category=category, allowed=allowed, group="kind"
            )
            problems.error(row, key, message)
        values[row] = parsed
        found_keys[row] = {name: key for name, (key, _raw) in found.items()}
        attributes[row] = {}
        for key, raw in extra.items():
            try:
                attributes[row][storable(str(key))] = check_extra(raw)
            except FieldError as exc:
                # The report names the field; it is stored too, so without the NUL.
                problems.error(row, str(key)[:100].replace("\x00", "\\x00"), str(exc))
        if "source_id" in found:
            id_keys[row] = found["source_id"][0]

        if feature.geom is None:
            if not feature.geom_reported:
                problems.error(row, table.geometry_field, msg("missing_point"))
            continue
        point, why = _point(feature.geom)
        if point is None:
            problems.error(row, table.geometry_field, why or "")
            continue
        rows.append(row)
        points.append(point)

    projected = dict(zip(rows, table.project(rows, points, problems), strict=True))

    first: dict[str, int] = {}
    repeated: set[str] = set()
    for row, parsed in values.items():
        sid = parsed.get("source_id")
        if sid is None:
            continue
        if sid in first:
            where = problems.where(first[sid])
            message = msg("duplicate_id", value=repr(sid), where=where)
            problems.error(row, id_keys.get(row, "source_id"), message)
            if per_row and sid not in repeated:
                repeated.add(sid)
                message = msg("duplicate_id_again", value=repr(sid), where=problems.where(row))
                problems.error(first[sid], id_keys.get(first[sid], "source_id"), message)
        else:
            first[sid] = row
    bad = problems.rows_in_error
    plants = set(stored_plants) | {
        p["source_id"] for row, p in values.items() if _is_plant(p) and row not in bad
    }
    for row, parsed in values.items():
        plant = parsed.get("heat_plant")
        if plant is not None and plant not in plants:
            no_plant = (
                f"heat_plant {plant!r} names no district_heating_plant (neither in this file"
                " nor stored); give the source_id of a utility site of kind"
                " district_heating_plant"
            )
            problems.error(row, found_keys[row].get("heat_plant", "heat_plant"), no_plant)
    problems.raise_if_any(file_only=per_row)
    refused = problems.rows_in_error

    if unnamed:
        notes.append(f"{unnamed} unnamed OSM feature(s) named after their kind and id")
    records = []
    wheres = []
    for row, parsed in values.items():
        if row in refused:
            continue
        point = cast(Point, projected[row])  # the rows it made None are in `refused`
        wheres.append(problems.where(row))
        records.append(
            SiteRecord(
                source_id=parsed["source_id"],
                name=parsed["name"],
                category=parsed["category"],
                kind=parsed["kind"],
                x=float(point.x),
                y=float(point.y),
                numbers={name: parsed.get(name) for name in SITE_NUMBERS},
                owner=parsed.get("owner"),
                heating=parsed.get("heating"),
                heat_plant=parsed.get("heat_plant"),
                attributes=attributes[row],
                source=parsed.get("source"),
            )
        )
    return LoadResult(
        records,
        table.crs,
        problems.skipped,
        table.format,
        notes,
        wheres=wheres,
        refused=problems.row_errors(),
    )
