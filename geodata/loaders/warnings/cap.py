"""CAP 1.2 alerts (OASIS, namespace urn:oasis:names:tc:emergency:cap:1.2), MeteoAlarm and
MetCoOp profiles: one WarningArea per <area> of the info block(s) in the preferred language.

Identity. Every message of one alert's life (Alert, Update, Update, Cancel) must land on
the same rows, so the identity is rooted at the original message: for an Update or Cancel,
the earliest-sent entry of <references> (the first, as publishers list them oldest
first); for an Alert, the message itself. Rows are then
"cap:<root sender>:<root identifier>:<k>:<j>", k = the info block's position among those of
its language (several languages describe the same area, so the language is left out) and
j = the <area> position. If a publisher references only the immediate predecessor of a
chain, the root is that predecessor: the lead's `message`/`references` match (and
ParseResult.supersedes) still ends the earlier rows.
"""

from __future__ import annotations

import io
import re
from datetime import datetime
from functools import partial
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeET
import numpy as np
import shapely
from defusedxml import DefusedXmlException
from shapely import MultiPolygon
from shapely.geometry.base import BaseGeometry

from geodata.loaders.warnings.areas import AreaCatalog, Refused, to_sweref_area
from geodata.loaders.warnings.model import (
    LEVELS,
    MAX_BYTES,
    MAX_POSITIONS,
    MAX_RADIUS_KM,
    SOURCE_CAP,
    ParseResult,
    WarningArea,
    WarningFormatError,
    is_wind,
    parse_time,
    version_text,
)

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
_NS = {"cap": CAP_NS}
_SEVERITY = {"Minor": "yellow", "Moderate": "yellow", "Severe": "orange", "Extreme": "red"}
_AWARENESS_COLOURS = {"green": "message", "yellow": "yellow", "orange": "orange", "red": "red"}
_AWARENESS_NUMBERS = {"1": "message", "2": "yellow", "3": "orange", "4": "red"}
# MeteoAlarm awareness_type numbers, for producers that send only "1".
_AWARENESS_TYPES = {
    "1": "wind",
    "2": "snow-ice",
    "3": "thunderstorm",
    "4": "fog",
    "5": "high-temperature",
    "6": "low-temperature",
    "7": "coastalevent",
    "8": "forest-fire",
    "9": "avalanches",
    "10": "rain",
    "12": "flooding",
    "13": "rain-flood",
}
# A CAP alert is five levels deep (alert, info, area, ...); deeper is not CAP.
MAX_XML_DEPTH = 32
_NOT_AN_ID = re.compile(r"[\s,<&]")
_DECLARATION = re.compile(rb"^\s*<\?xml[^>]*\?>")
_DECLARED_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*encoding=["']([A-Za-z0-9._-]+)["']""")


def parse_cap(xml: bytes | str, areas: AreaCatalog, *, max_bytes: int = MAX_BYTES) -> ParseResult:
    """The alert's areas in EPSG:3006. Raises WarningFormatError for unsafe, malformed or
    non-CAP-1.2 input; areas that are well-formed but unusable here go to `refused`."""
    root, text = _parse(xml, max_bytes)
    identifier = _required(root, "identifier")
    sender = _required(root, "sender")
    sent = parse_time(_required(root, "sent"), "alert", "sent")
    msg_type = _required(root, "msgType")
    status = _child(root, "status") or "Actual"
    for tag, value in (("identifier", identifier), ("sender", sender)):
        # CAP 1.2: no spaces, commas or < and &; a reference could never name it.
        if _NOT_AN_ID.search(value):
            raise WarningFormatError(
                f"{value[:80]!r} has spaces, commas, '<' or '&', which CAP 1.2 forbids "
                "(an Update or Cancel could never refer to it)",
                "alert",
                tag,
            )
    alert = f"CAP alert {identifier!r} from {sender}"
    if msg_type not in ("Alert", "Update", "Cancel", "Ack", "Error"):
        raise WarningFormatError(f"unknown msgType {msg_type!r}", alert, "msgType")
    if status != "Actual":
        return ParseResult([], [f"{alert}: status {status} is not an actual warning"])
    if msg_type in ("Ack", "Error"):
        return ParseResult([], [f"{alert}: msgType {msg_type} carries no warning"])

    # An Alert's references only relate it to others, and some publishers list the message
    # itself (Macao, Alertswiss): neither supersedes anything.
    refs = _references(_child(root, "references"), alert) if msg_type != "Alert" else []
    refs = [ref for ref in refs if ref[:2] != (sender, identifier)]
    root_sender, root_id = min(refs, key=lambda r: r[2])[:2] if refs else (sender, identifier)
    referenced = tuple(dict.fromkeys(f"cap:{s}:{i}" for s, i, _ in refs))
    result = ParseResult(
        [],
        [],
        supersedes=referenced,
        message=f"cap:{sender}:{identifier}",
        cancel=msg_type == "Cancel",
    )
    positions = sum(
        len((node.text or "").split())
        for node in root.iter()
        if node.tag in (f"{{{CAP_NS}}}polygon", f"{{{CAP_NS}}}circle")
    )
    if positions > MAX_POSITIONS:  # counted before any geometry is built
        raise WarningFormatError(
            f"{positions:,} points in polygons and circles; at most {MAX_POSITIONS:,} are accepted",
            alert,
            "polygon",
        )

    infos = root.findall("cap:info", _NS)
    if not infos:
        if msg_type != "Cancel":
            result.refused.append(f"{alert}: no <info> block")
        return result
    by_language: dict[str, list[Element]] = {}
    for info in infos:
        by_language.setdefault((_child(info, "language") or "en-US").lower(), []).append(info)
    sv = _first_language(by_language, "sv")
    en = _first_language(by_language, "en")
    chosen = sv or en or next(iter(by_language.values()))

    for k, info in enumerate(chosen):
        info_sv = sv[k] if sv and k < len(sv) else None
        info_en = en[k] if en and k < len(en) else None
        language = _child(info, "language") or "en-US"
        where = f"{alert}, info {k} ({language})"
        categories = [c.text.strip() for c in info.findall("cap:category", _NS) if c.text]
        if "met" not in {c.lower() for c in categories}:
            got = ", ".join(categories) or "no <category>"
            result.refused.append(f"{where}: not a weather warning ({got})")
            continue
        params = _parameters(info)
        level = _level(params.get("awareness_level"), _child(info, "severity"), where)
        awareness = _awareness_type(params.get("awareness_type"))
        event_codes = [_child(c, "value") for c in info.findall("cap:eventCode", _NS)]
        code = awareness or next((c for c in event_codes if c), None) or "unknown"
        events = [_child(i, "event") for i in (info, info_sv, info_en) if i is not None]
        response = {_child(r, ".") for r in info.findall("cap:responseType", _NS)}
        starts = _time(info, "onset", where) or _time(info, "effective", where) or sent
        ends = _time(info, "expires", where)
        if ends is None and params.get("eventEndingTime"):
            ends = parse_time(params["eventEndingTime"], where, "eventEndingTime")
        row = partial(
            WarningArea,
            source=SOURCE_CAP,
            version=version_text(sent),
            level=level,
            event_code=re.sub(r"[^A-Z0-9]+", "_", code.upper()).strip("_"),
            event_sv=_child(info_sv, "event"),
            event_en=_child(info_en, "event"),
            starts=starts,
            ends=ends,
            published=sent,
            involves_wind=awareness == "wind" or is_wind(tuple(event_codes), tuple(events)),
            cancelled=msg_type == "Cancel"
            or "AllClear" in response
            or _child(info, "urgency") == "Past",
            message=f"cap:{sender}:{identifier}",
            references=referenced,
        )
        area_elements = info.findall("cap:area", _NS)
        if not area_elements:
            result.refused.append(f"{where}: no <area>")
        for j, area in enumerate(area_elements):
            desc = _child(area, "areaDesc")
            here = f"{where}, area {j} ({desc!r})"
            try:
                geometry, polygonal = _geometry(area, areas, here)
            except Refused as refused:
                result.refused.append(f"{here}: {refused}")
                continue
            result.areas.append(
                row(
                    identity=f"cap:{root_sender}:{root_id}:{k}:{j}",
                    area_name_sv=_area_desc(info_sv, j),
                    area_name_en=_area_desc(info_en, j),
                    geometry=geometry,
                    polygonal=polygonal,
                    replaces=tuple(f"{ref}:{k}:{j}" for ref in referenced),
                    raw={"xml": text},
                )
            )
    return result


def _parse(xml: bytes | str, max_bytes: int) -> tuple[Element, str]:
    size = len(xml) if isinstance(xml, bytes) else len(xml.encode())
    if size > max_bytes:
        raise WarningFormatError(
            f"the document is {size} bytes; at most {max_bytes} are accepted", "document"
        )
    try:
        root = _bounded_tree(xml)
    except DefusedXmlException:
        # Entity expansion (billion laughs) and external entities (file or network reads)
        # only come in through a DTD, and CAP never needs one.
        raise WarningFormatError("XML with entities/DTD refused", "document") from None
    except ParseError as exc:
        line, column = exc.position
        raise WarningFormatError(
            f"malformed XML at line {line}, column {column}: {exc}", "document"
        ) from None
    if root.tag != f"{{{CAP_NS}}}alert":
        raise WarningFormatError(
            f"expected a CAP 1.2 <alert> in namespace {CAP_NS}, got <{root.tag}>", "document"
        )
    return root, xml if isinstance(xml, str) else _decode(xml)


def _bounded_tree(xml: bytes | str) -> Element:
    """The document's tree, read as a stream so that nesting deeper than MAX_XML_DEPTH is
    refused while it is read (a CAP alert is five levels deep)."""
    # A text's declaration may name another encoding than the UTF-8 it is read as here.
    data = xml if isinstance(xml, bytes) else _DECLARATION.sub(b"", xml.encode("utf-8"), 1)
    root: Element | None = None
    depth = 0
    events = SafeET.iterparse(
        io.BytesIO(data),
        events=("start", "end"),
        forbid_dtd=True,
        forbid_entities=True,
        forbid_external=True,
    )
    for event, element in events:
        if event == "start":
            depth += 1
            root = element if root is None else root
            if depth > MAX_XML_DEPTH:
                raise WarningFormatError(
                    f"XML nested more than {MAX_XML_DEPTH} levels deep", "document"
                )
        else:
            depth -= 1
    if root is None:  # pragma: no cover - the parser raises on an empty document
        raise WarningFormatError("no XML element", "document")
    return root


def _decode(data: bytes) -> str:
    """The document as text for `raw`, in its declared encoding (the parser accepted it)."""
    declared = _DECLARED_ENCODING.match(data)
    try:
        return data.decode(declared.group(1).decode() if declared else "utf-8")
    except (LookupError, UnicodeDecodeError):
        return data.decode("utf-8", errors="replace")


def _child(parent: Element | None, tag: str) -> str | None:
    """Stripped text of the first child `tag` ("." = the element itself); None if empty."""
    if parent is None:
        return None
    node = parent if tag == "." else parent.find(f"cap:{tag}", _NS)
    text = node.text.strip() if node is not None and node.text else ""
    return text or None


def _required(root: Element, tag: str) -> str:
    value = _child(root, tag)
    if value is None:
        raise WarningFormatError(f"<{tag}> is required", "alert", tag)
    return value


def _references(text: str | None, where: str) -> list[tuple[str, str, datetime]]:
    """(sender, identifier, sent) triples of "sender,identifier,sent sender,identifier,sent"."""
    refs = []
    for n, item in enumerate((text or "").split()):
        parts = item.split(",")
        if len(parts) != 3 or not all(parts):
            raise WarningFormatError(
                f"reference {n + 1} {item!r} is not 'sender,identifier,sent'", where, "references"
            )
        refs.append((parts[0], parts[1], parse_time(parts[2], where, "references")))
    return refs


def _first_language(by_language: dict[str, list[Element]], prefix: str) -> list[Element] | None:
    """The blocks of the first language tag that is `prefix` or `prefix`-*."""
    return next(
        (
            blocks
            for tag, blocks in by_language.items()
            if tag == prefix or tag.startswith(prefix + "-")
        ),
        None,
    )


def _parameters(info: Element) -> dict[str, str]:
    nodes = info.findall("cap:parameter", _NS)
    pairs = ((_child(p, "valueName"), _child(p, "value")) for p in nodes)
    return {name: value for name, value in pairs if name and value}


def _level(awareness: str | None, severity: str | None, where: str) -> str:
    """awareness_level "3; orange; Severe" first (its colour, else its number), then severity."""
    if awareness:
        tokens = [t.strip().lower() for t in awareness.split(";")]
        for token in tokens:
            if token in _AWARENESS_COLOURS:
                return _AWARENESS_COLOURS[token]
        if tokens[0] in _AWARENESS_NUMBERS:
            return _AWARENESS_NUMBERS[tokens[0]]
    if severity in _SEVERITY:
        return _SEVERITY[severity]
    if severity in (None, "Unknown"):
        return LEVELS[0]  # no stated severity: shown, but never a snow zone of its own
    raise WarningFormatError(f"unknown severity {severity!r}", where, "severity")


def _awareness_type(value: str | None) -> str | None:
    """ "1; Wind" → "wind"; "2; snow-ice" → "snow-ice"; a bare "1" through the table."""
    if not value:
        return None
    tokens = [t.strip() for t in value.split(";") if t.strip()]
    if len(tokens) > 1:
        return tokens[1].lower()
    return _AWARENESS_TYPES.get(tokens[0], tokens[0].lower()) if tokens else None


def _time(info: Element, tag: str, where: str) -> datetime | None:
    value = _child(info, tag)
    return parse_time(value, where, tag) if value else None


def _area_desc(info: Element | None, j: int) -> str | None:
    if info is None:
        return None
    found = info.findall("cap:area", _NS)
    return _child(found[j], "areaDesc") if j < len(found) else None


def _geometry(area: Element, catalog: AreaCatalog, where: str) -> tuple[MultiPolygon, bool]:
    """Polygons and circles as drawn; only without them the EMMA_ID geocodes (the CAP
    profile uses geocodes to label a drawn area, not to widen it)."""
    shapes: list[BaseGeometry] = []
    radii: list[float] = []
    for n, node in enumerate(area.findall("cap:polygon", _NS)):
        shapes.append(_polygon(_child(node, ".") or "", where, f"polygon {n + 1}"))
        radii.append(0.0)
    for n, node in enumerate(area.findall("cap:circle", _NS)):
        centre, radius_km = _circle(_child(node, ".") or "", where, f"circle {n + 1}")
        shapes.append(centre)
        radii.append(radius_km * 1000.0)
    if shapes:
        return to_sweref_area(shapes, where, "polygon/circle", radii_m=radii)
    codes = [
        _child(g, "value") or ""
        for g in area.findall("cap:geocode", _NS)
        if (_child(g, "valueName") or "").upper() == "EMMA_ID"
    ]
    if not codes:
        others = sorted({_child(g, "valueName") or "?" for g in area.findall("cap:geocode", _NS)})
        known = f" (geocodes {', '.join(others)} are not resolved)" if others else ""
        raise Refused(f"no <polygon>, <circle> or EMMA_ID geocode{known}")
    geometry, unknown = catalog.resolve_emma(codes)
    if geometry is None:
        raise Refused(f"EMMA_ID {', '.join(unknown)} not in the area catalog (Swedish regions)")
    return geometry, True


def _pairs(text: str, where: str, name: str) -> np.ndarray:
    """Whitespace-separated "lat,lon" pairs (spaces around commas tolerated) as lon,lat."""
    tokens = re.sub(r"\s*,\s*", ",", text).split()
    xy = np.empty((len(tokens), 2))
    for n, token in enumerate(tokens):
        parts = token.split(",")
        try:
            if len(parts) != 2:
                raise ValueError
            xy[n] = float(parts[1]), float(parts[0])
        except ValueError:
            raise WarningFormatError(
                f"point {n + 1} {token!r} is not a 'lat,lon' pair of numbers", where, name
            ) from None
    return xy


def _polygon(text: str, where: str, name: str) -> shapely.Polygon:
    xy = _pairs(text, where, name)
    if len(xy) and not np.array_equal(xy[0], xy[-1]):
        xy = np.vstack([xy, xy[:1]])  # CAP says first = last; some producers forget
    if len(xy) < 4:
        raise WarningFormatError(
            f"a polygon needs at least 4 'lat,lon' points (first = last), got {len(xy)}",
            where,
            name,
        )
    _check_ranges(xy, where, name)
    return shapely.Polygon(xy)


def _circle(text: str, where: str, name: str) -> tuple[shapely.Point, float]:
    """CAP "lat,lon radius" with the radius in km."""
    parts = text.split()
    if len(parts) != 2:
        raise WarningFormatError(f"{text!r} is not 'lat,lon radius_km'", where, name)
    xy = _pairs(parts[0], where, name)
    try:
        radius = float(parts[1])
    except ValueError:
        radius = float("nan")
    if not np.isfinite(radius) or radius < 0:
        raise WarningFormatError(f"radius {parts[1]!r} is not a number of km ≥ 0", where, name)
    if radius > MAX_RADIUS_KM:
        raise WarningFormatError(
            f"radius {parts[1][:40]} km; at most {MAX_RADIUS_KM:,.0f} km", where, name
        )
    _check_ranges(xy, where, name)
    return shapely.Point(xy[0]), radius


def _check_ranges(xy: np.ndarray, where: str, name: str) -> None:
    """Name the first point outside WGS 84 in the document's own lat,lon order."""
    bad = ~np.isfinite(xy).all(axis=1) | (np.abs(xy[:, 1]) > 90) | (np.abs(xy[:, 0]) > 180)
    if bad.any():
        n = int(np.flatnonzero(bad)[0])
        lon, lat = xy[n]
        raise WarningFormatError(
            f"point {n + 1} '{lat:g},{lon:g}' is outside WGS 84 (latitude ±90°, longitude ±180°)",
            where,
            name,
        )
