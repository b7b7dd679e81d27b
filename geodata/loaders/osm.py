"""The "osm" profile: OpenStreetMap tags (HOT exports, Overpass/osmtogeojson GeoJSON) mapped
onto our categories and kinds. A tagged feature whose tags have no mapping here (a pharmacy,
a dentist) is skipped with a reason: it is not an error in the register, just not ours."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from geodata.loaders.fields import find, text

PROFILES = ("osm",)

# Tags in the order they are asked: the specific health and social tags before the generic
# amenity (amenity=social_facility + social_facility=group_home is a group home).
OSM_TAGS: dict[str, dict[str, tuple[str, str]]] = {
    "healthcare": {
        "hospital": ("care", "hospital"),
        "clinic": ("care", "health_centre"),
        "centre": ("care", "health_centre"),
        "doctor": ("care", "health_centre"),
        "nursing_home": ("care", "elderly_home"),
    },
    "social_facility": {
        "nursing_home": ("care", "elderly_home"),
        "assisted_living": ("care", "elderly_home"),
        "group_home": ("care", "group_home"),
    },
    "amenity": {
        "hospital": ("care", "hospital"),
        "clinic": ("care", "health_centre"),
        "doctors": ("care", "health_centre"),
        "nursing_home": ("care", "elderly_home"),
        "school": ("energy", "school"),
        "townhall": ("energy", "office"),
    },
    "shop": {
        "supermarket": ("food", "supermarket"),
        "convenience": ("food", "grocery"),
        "grocery": ("food", "grocery"),
    },
    "power": {"generator": ("power", "fixed_generator")},
    "leisure": {
        "sports_hall": ("energy", "sports_hall"),
        "sports_centre": ("energy", "sports_hall"),
    },
}
# A power plant is ours when it delivers heat: a district heating plant (kraftvärmeverk or
# värmeverk); other plants (hydro, wind) are skipped.
HEAT_OUTPUTS = ("plant:output:hot_water", "plant:output:heat", "plant:output:steam")
_OSM_REF = re.compile(r"(node|way|relation)/(\d+)")
NAME_FALLBACKS = ("name:sv", "official_name", "brand", "operator")


class Unmapped(Exception):
    """The feature's tags have no mapping: skip it, naming the tag."""

    def __init__(self, tag: str, message: str) -> None:
        super().__init__(message)
        self.tag = tag


def _tag(props: Mapping[str, Any], key: str) -> list[str]:
    found = find(props, (key,))
    value = text(found[1]) if found else None
    # OSM separates several values with ";" ("clinic;pharmacy").
    return [v.strip().lower() for v in value.split(";") if v.strip()] if value else []


def category_kind(props: Mapping[str, Any]) -> tuple[str, str] | None:
    """(category, kind) from the tags; None when the feature has none of the tags asked.
    Raises Unmapped when it has some but none that maps."""
    tags = {key: _tag(props, key) for key in OSM_TAGS}
    if "social_facility" in tags["amenity"] and not tags["social_facility"]:
        return ("care", "elderly_home")  # an untyped social facility is most often one
    if "plant" in tags["power"] and any(_tag(props, key) for key in HEAT_OUTPUTS):
        return ("utility", "district_heating_plant")
    for key, table in OSM_TAGS.items():
        for value in tags[key]:
            if value in table:
                return table[value]
    present = [(key, values) for key, values in tags.items() if values]
    if not present:
        return None
    said = ", ".join(f"{key}={';'.join(values)}" for key, values in present)
    raise Unmapped(present[0][0], f"{said} has no mapping in profile osm; skipped")


def source_id(props: Mapping[str, Any], fid: Any) -> tuple[str, str] | None:
    """("osm-node-123", field it came from) from osm_id/osm_type or an "@id"/"id" such as
    "node/123"; None when there is none. Raises FieldError for an unusable osm_id."""
    found = find(props, ("osm_id",))
    osm_id = text(found[1]) if found else None
    if found and osm_id:
        kind = find(props, ("osm_type",))
        osm_type = text(kind[1]) if kind else None
        return (f"osm-{osm_type}-{osm_id}" if osm_type else f"osm-{osm_id}"), found[0]
    for key in ("@id", "id"):
        candidate = find(props, (key,))
        if candidate and isinstance(candidate[1], str):
            match = _OSM_REF.fullmatch(candidate[1].strip())
            if match:
                return f"osm-{match[1]}-{match[2]}", candidate[0]
    if isinstance(fid, str) and (match := _OSM_REF.fullmatch(fid.strip())):
        return f"osm-{match[1]}-{match[2]}", "id"
    return None


def fallback_name(props: Mapping[str, Any]) -> str | None:
    """A name from other OSM name tags, for features without a plain name."""
    for key in NAME_FALLBACKS:
        found = find(props, (key,))
        if found and (value := text(found[1])):
            return value
    return None
