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
    """Care, food, energy and utility sites of a run; by default those unpowered after
    step 2 or cold at some instant (v2). With each site's outage_hours (its D, v3; null in
    runs before v3) and the unpowered, unheated and cold intervals
    (flat [a1, b1, a2, b2] hours) that the map's time slider reads."""
    where = "AND (r.hours_unpowered > 0 OR r.hours_cold > 0)" if only_gaps else ""
    sql = (
        "SELECT s.id, s.name, s.category, s.kind, s.source_id, s.residents,"
        " r.municipality_code, r.status, r.outage_hours, r.hours_unpowered_before,"
        " r.hours_unpowered,"
        " r.generator_id, g.name AS generator_name, g.source_id AS generator_source_id,"
        " r.arrival_hours, r.heat_plant_id, h.name AS heat_plant_name,"
        " h.source_id AS heat_plant_source_id, r.hours_cold, r.first_cold_hour,"
        " r.min_indoor_c, r.unpowered_intervals, r.unheated_intervals, r.cold_intervals,"
        f" {geometry_sql('s.geom', crs)},"
        # Along the roads when the run stored the route (v3), else straight.
        f" CASE WHEN g.id IS NULL THEN NULL ELSE ST_AsGeoJSON(ST_Transform("
        f"COALESCE(r.generator_route, ST_MakeLine(g.geom, s.geom)), {int(crs)}), 6) END"
        " AS generator_line"
        " FROM run_sites r JOIN sites s ON s.id = r.site_id"
        " LEFT JOIN sites g ON g.id = r.generator_id"
        " LEFT JOIN sites h ON h.id = r.heat_plant_id"
        f" WHERE r.run_id = :run {where} ORDER BY s.id"
    )
    rows = [dict(r) for r in session.execute(text(sql), {"run": run_id}).mappings()]
    for row in rows:  # the generator → site way, for drawing the dispatch on the map
        if row["generator_line"]:
            row["generator_line"] = json.loads(row["generator_line"])
    return feature_collection(rows, crs)


def gap_cells(
    session: Session, run_id: int, crs: int = WGS84, only_gaps: bool = True
) -> dict[str, Any]:
    """Populated cells of a run; by default those not covered for some service, with
    new_* flags where the baseline covered them, and per service the instants at which it
    is uncovered (v2): a string of 0/1, character k for the timeline's instant k, null
    when covered at every instant."""
    where = "AND NOT (r.food_covered AND r.care_covered AND r.shelter_covered)" if only_gaps else ""
    sql = (
        "SELECT c.id, r.municipality_code, r.population,"
        " r.food_minutes, r.care_minutes, r.shelter_minutes,"
        " r.food_minutes_baseline, r.care_minutes_baseline, r.shelter_minutes_baseline,"
        " r.food_covered, r.care_covered, r.shelter_covered,"
        " (NOT r.food_covered AND r.food_covered_baseline) AS new_food_gap,"
        " (NOT r.care_covered AND r.care_covered_baseline) AS new_care_gap,"
        " (NOT r.shelter_covered AND r.shelter_covered_baseline) AS new_shelter_gap,"
        " r.food_uncovered_at::text AS food_uncovered_at,"
        " r.care_uncovered_at::text AS care_uncovered_at,"
        " r.shelter_uncovered_at::text AS shelter_uncovered_at,"
        f" {geometry_sql('c.geom', crs)}"
        " FROM run_cells r JOIN population_cells c ON c.id = r.cell_id"
        f" WHERE r.run_id = :run {where} ORDER BY c.id"
    )
    rows = [dict(r) for r in session.execute(text(sql), {"run": run_id}).mappings()]
    return feature_collection(rows, crs)
