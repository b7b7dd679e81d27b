"""Uploads of site registers through the API: GeoJSON made in the test, and the report."""

from __future__ import annotations

import io
import json
from typing import Any

from flask.testing import FlaskClient

IN_2401 = (752_000.0, 7_085_000.0)


IN_2403 = (765_500.0, 7_086_000.0)


ALSO_2401 = (755_000.0, 7_083_000.0)


def site(source_id: Any, xy: tuple[float, float] | None, **props: Any) -> dict[str, Any]:
    """A GeoJSON feature of a care site with a point at `xy` (None: no geometry)."""
    properties = {
        "source_id": source_id,
        "name": f"Plats {source_id}",
        "category": "care",
        "kind": "elderly_home",
        "residents": 20,
        **props,
    }
    geometry = None if xy is None else {"type": "Point", "coordinates": list(xy)}
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def geojson(features: list[dict[str, Any]], crs: str | None = "EPSG:3006") -> bytes:
    doc: dict[str, Any] = {"type": "FeatureCollection", "features": features}
    if crs:
        doc["crs"] = {"type": "name", "properties": {"name": crs}}
    return json.dumps(doc, ensure_ascii=False).encode()


def upload(
    client: FlaskClient, data: bytes, filename: str = "register.geojson", **fields: str
) -> Any:
    form: dict[str, Any] = {"file": (io.BytesIO(data), filename), **fields}
    return client.post("/api/v1/uploads", data=form, content_type="multipart/form-data")


def refused(report: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """where → reasons."""
    return {row["where"]: row["reasons"] for row in report["refused"]}
