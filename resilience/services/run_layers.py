"""A run's results as GeoJSON for the map: gap sites (with the generator line) and gap cells."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from resilience.services.layers import feature_collection, geometry_sql
from resilience.vocabulary import WGS84


def gap_sites(
    session: Session, run_id: int, crs: int = WGS84, only_gaps: bool = True
) -> dict[str, Any]:
    """Care, food and energy sites of a run; by default those unpowered after step 2."""
    where = "AND r.hours_unpowered > 0" if only_gaps else ""
    sql = (
        "SELECT s.id, s.name, s.category, s.kind, s.source_id, s.residents,"
        " r.municipality_code, r.status, r.hours_unpowered_before, r.hours_unpowered,"
        " r.generator_id, g.name AS generator_name, g.source_id AS generator_source_id,"
        f" r.arrival_hours, {geometry_sql('s.geom', crs)},"
        f" CASE WHEN g.id IS NULL THEN NULL ELSE"
        f" ST_AsGeoJSON(ST_Transform(ST_MakeLine(g.geom, s.geom), {int(crs)}), 6) END"
        " AS generator_line"
        " FROM run_sites r JOIN sites s ON s.id = r.site_id"
        " LEFT JOIN sites g ON g.id = r.generator_id"
        f" WHERE r.run_id = :run {where} ORDER BY s.id"
    )
    rows = [dict(r) for r in session.execute(text(sql), {"run": run_id}).mappings()]
    for row in rows:  # the generator → site line, for drawing the dispatch on the map
        if row["generator_line"]:
            row["generator_line"] = json.loads(row["generator_line"])
    return feature_collection(rows, crs)


def gap_cells(
    session: Session, run_id: int, crs: int = WGS84, only_gaps: bool = True
) -> dict[str, Any]:
    """Populated cells of a run; by default those not covered for some service, with
    new_* flags where the baseline covered them."""
    where = "AND NOT (r.food_covered AND r.care_covered AND r.shelter_covered)" if only_gaps else ""
    sql = (
        "SELECT c.id, r.municipality_code, r.population,"
        " r.food_minutes, r.care_minutes, r.shelter_minutes,"
        " r.food_minutes_baseline, r.care_minutes_baseline, r.shelter_minutes_baseline,"
        " r.food_covered, r.care_covered, r.shelter_covered,"
        " (NOT r.food_covered AND r.food_covered_baseline) AS new_food_gap,"
        " (NOT r.care_covered AND r.care_covered_baseline) AS new_care_gap,"
        " (NOT r.shelter_covered AND r.shelter_covered_baseline) AS new_shelter_gap,"
        f" {geometry_sql('c.geom', crs)}"
        " FROM run_cells r JOIN population_cells c ON c.id = r.cell_id"
        f" WHERE r.run_id = :run {where} ORDER BY c.id"
    )
    rows = [dict(r) for r in session.execute(text(sql), {"run": run_id}).mappings()]
    return feature_collection(rows, crs)
