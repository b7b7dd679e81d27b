"""Sites (care, power, food, energy) from GeoJSON, GeoPackage or CSV points.

Fields as in coverage-model.md, "Data exchange". Values are taken from, in order: the
file's own field, the profile (osm), then `defaults`. Field names match case-insensitively;
anything else is kept in `attributes`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import shapely
from shapely import MultiPoint, Point

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
from geodata.records import ImportValidationError, RecordError, SiteRecord
from resilience.vocabulary import (
    CATEGORIES,
    KINDS,
    OWNERS,
    SITE_INTEGERS,
    SITE_NUMBERS,
    STYREL_CLASSES,
)

TEXT_FIELDS = ("source_id", "name", "category", "kind", "owner", "source")
SITE_FIELDS = frozenset(TEXT_FIELDS + SITE_NUMBERS)
REQUIRED = ("source_id", "name", "category", "kind")

_MISSING_COLUMN = {
    "source_id": "the file has no 'source_id' field: every site needs an id, unique in the "
    "file (for OpenStreetMap data pass --profile osm)",
    "name": "the file has no 'name' field",
    "category": "the file has no 'category' field: pass --profile osm for OpenStreetMap "
    "data, or --category/--kind to set them for every row",
    "kind": "the file has no 'kind' field: add one, or pass --kind",
}


def _value(name: str, raw: Any, decimal_comma: bool) -> Any:
    """One site field, parsed and range-checked; raises FieldError."""
    if name == "name":
        return label(raw)
    if name in TEXT_FIELDS:
        value = text(raw)
        if value is None or name in ("source_id", "source"):
            return value  # ids are matched exactly on re-import: never lower-cased
        value = value.lower()
        allowed = {"category": CATEGORIES, "owner": OWNERS}.get(name)
        if allowed is not None and value not in allowed:
            raise FieldError(f"unknown {name} {raw!r}; expected one of {', '.join(allowed)}")
        return value
    parse = parse_whole if name in SITE_INTEGERS else parse_number
    result = parse(raw, decimal_comma=decimal_comma)
    if result is None:
        return None
    if name == "priority" and result not in STYREL_CLASSES:
        raise FieldError(f"priority {raw!r} is out of range; expected 1 (highest) to 8")
    if result < 0:
        raise FieldError(f"{raw!r} is negative; expected a number >= 0")
    return result


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


def _point(geom: shapely.Geometry) -> tuple[Point | None, str | None]:
    """The site's point, or why there is none."""
    if geom.is_empty:
        return None, "empty geometry"
    if isinstance(geom, Point):
        return geom, None
    if isinstance(geom, MultiPoint) and len(geom.geoms) == 1:
        return geom.geoms[0], None
    return None, f"expected a Point, got a {geom.geom_type}"


def read_sites(
    path: Source,
    crs: str | int | None = None,
    profile: str | None = None,
    defaults: dict[str, Any] | None = None,
    *,
    layer: str | None = None,
    max_bytes: int = MAX_BYTES,
    per_row: bool = False,
    filename: str | None = None,
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
    which of them is right is for the file's owner to say."""
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
                problems.error(row, "osm tags", str(exc))
        for name, raw in fill.items():
            found.setdefault(name, (name, raw))

        parsed: dict[str, Any] = {}
        for name, (key, raw) in found.items():
            try:
                parsed[name] = _value(name, raw, table.decimal_comma)
            except FieldError as exc:
                problems.error(row, key, str(exc))
        if profile == "osm" and "name" not in found and "source_id" in parsed:
            # Unnamed OSM nodes are common; a made-up name keeps the site on the map.
            kind = str(parsed.get("kind") or "site").replace("_", " ")
            parsed["name"], unnamed = f"{kind} {parsed['source_id']}", unnamed + 1
            found["name"] = ("name", parsed["name"])
        for name in REQUIRED:
            if name not in found and name not in absent:
                problems.error(row, name, "missing; this field is required")
        category, kind = parsed.get("category"), parsed.get("kind")
        if category in KINDS and kind is not None and kind not in KINDS[category]:
            key = found["kind"][0]
            allowed = ", ".join(KINDS[category])
            message = f"unknown kind {kind!r} for {category}; expected one of {allowed}"
            problems.error(row, key, message)
        values[row] = parsed
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
                problems.error(row, table.geometry_field, "missing geometry; a Point is required")
            continue
        point, why = _point(feature.geom)
        if point is None:
            problems.error(row, table.geometry_field, str(why))
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
            message = f"duplicate source_id {sid!r} (first at {where})"
            problems.error(row, id_keys.get(row, "source_id"), message)
            if per_row and sid not in repeated:
                repeated.add(sid)
                message = f"duplicate source_id {sid!r} (again at {problems.where(row)})"
                problems.error(first[sid], id_keys.get(first[sid], "source_id"), message)
        else:
            first[sid] = row
    problems.raise_if_any(file_only=per_row)
    refused = problems.rows_in_error

    if unnamed:
        notes.append(f"{unnamed} unnamed OSM feature(s) named after their kind and id")
    records = []
    wheres = []
    for row, parsed in values.items():
        if row in refused:
            continue
        point = projected[row]
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
