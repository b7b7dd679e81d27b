"""A scenario's outage areas (each with its duration), snow zones and road closures as
GeoJSON for the map and the scenario editor.

Stored definitions are scenario files in EPSG:3006 (resilience.scenarios); the browser draws
in WGS 84, so the areas are transformed here, in one place.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry
from sqlalchemy.orm import Session

from resilience.crs import transformer
from resilience.services import runs, scenarios
from resilience.vocabulary import SWEREF99TM, WGS84


def _transformed(geom: BaseGeometry, crs: int) -> dict[str, Any]:
    """GeoJSON geometry in `crs`, to ~0.1 m (6 decimals in degrees, 2 in metres)."""
    digits = 6 if crs == WGS84 else 2
    if crs != SWEREF99TM:
        project = transformer(SWEREF99TM, crs)

        def to_crs(xy: np.ndarray) -> np.ndarray:
            x, y = project.transform(xy[:, 0], xy[:, 1])
            return np.column_stack([x, y])

        geom = shapely.transform(geom, to_crs)
    geom = shapely.transform(geom, lambda xy: np.round(xy, digits))
    return mapping(geom)


def definition_geojson(definition: dict[str, Any], crs: int = WGS84) -> dict[str, Any]:
    """The areas of a stored scenario definition as a FeatureCollection in `crs`.

    Per outage area a feature (MultiPolygon; properties role "outage", its duration_hours,
    index, own_duration: whether the area has a duration of its own, v3), or one feature for
    the whole outage when every area lasts the scenario's duration_hours (own_duration
    false); one per snow zone (role "snow_zone", level, index in the file's snow_zones); one
    for the road closures (role "road_closure", v3). The foreign member "scenario" carries
    the name, the durations (duration_hours, and outage_duration: the longest) and the
    parameter overrides.
    """
    spec = scenarios.spec_of(definition)
    features: list[dict[str, Any]] = []
    for index, part in enumerate(spec.outage_parts):
        features.append(
            {
                "type": "Feature",
                "geometry": _transformed(part.geometry, crs),
                "properties": {
                    "role": "outage",
                    "duration_hours": part.duration_hours,
                    "index": index,
                    "own_duration": True,
                },
            }
        )
    if spec.outage is not None and not spec.outage_parts:
        features.append(
            {
                "type": "Feature",
                "geometry": _transformed(spec.outage, crs),
                "properties": {
                    "role": "outage",
                    "duration_hours": spec.duration_hours,
                    "index": 0,
                    "own_duration": False,
                },
            }
        )
    for index, zone in enumerate(spec.snow_zones):
        features.append(
            {
                "type": "Feature",
                "geometry": _transformed(zone.geometry, crs),
                "properties": {"role": "snow_zone", "level": zone.level, "index": index},
            }
        )
    if spec.road_closures is not None:
        features.append(
            {
                "type": "Feature",
                "geometry": _transformed(spec.road_closures, crs),
                "properties": {"role": "road_closure"},
            }
        )
    collection: dict[str, Any] = {
        "type": "FeatureCollection",
        "scenario": {
            "name": spec.name,
            "description": spec.description,
            "duration_hours": spec.duration_hours,
            "outage_duration": spec.outage_duration,
            "parameters": spec.parameters,
        },
        "features": features,
    }
    if crs != WGS84:
        collection["crs"] = {"type": "name", "properties": {"name": f"urn:ogc:def:crs:EPSG::{crs}"}}
    return collection


def scenario_geojson(session: Session, scenario_id: int, crs: int = WGS84) -> dict[str, Any]:
    """The saved scenario's areas as they are now."""
    return definition_geojson(scenarios.get_scenario(session, scenario_id).definition, crs)


def run_areas_geojson(session: Session, run_id: int, crs: int = WGS84) -> dict[str, Any]:
    """The areas a run computed with: its snapshot, not the scenario as edited since."""
    return definition_geojson(runs.get_run(session, run_id).scenario_snapshot, crs)
