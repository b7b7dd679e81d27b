"""A run's results as export layers (RUN_LAYER_IDS): every site with its power status,
every populated cell with its travel times, the summary per municipality, the gaps dissolved
per service and the timeline."""

from __future__ import annotations

from geodata.exporters import Field, LayerSchema
from resilience.services.closed_roads import closed_segments_sql
from resilience.services.exports.source import MUNICIPALITY_CODE, Source, sql_where, wkb

OUTSIDE_NAME = "Utanför kommunerna"
COUNTY_NAME = "Västerbottens län"
RUN_LAYER_IDS = ("sites", "cells", "municipalities", "gaps", "timeline", "closed_roads")
SERVICES = (("food", "Livsmedel"), ("care", "Vård"), ("shelter", "Trygghetspunkt"))


# Coverage model v2 (Heat, Food stock, Time) in a run's layers.
_SITE_V2_FIELDS = (
    Field("heat_plant_source_id", "text", "plant_src", "district heating plant it depends on"),
    Field("hours_cold", "float", "h_cold", "hours below the cold threshold"),
    Field("first_cold_hour", "float", "first_cold", "hour it first goes cold; empty: never"),
    Field("min_indoor_c", "float", "min_in_c", "lowest indoor temperature, °C"),
    Field("unpowered_intervals", "text", "unpow_int", "hours without power: a1 b1 a2 b2"),
    Field("cold_intervals", "text", "cold_int", "cold hours (after a1, before b1) ..."),
)
_MUNICIPALITY_V2_FIELDS = (
    Field("care_sites_cold", "int", "care_cold", "care sites that go cold"),
    Field("residents_cold", "int", "res_cold", "their residents"),
    Field("resident_hours_cold", "float", "res_h_cold", "residents × hours cold"),
    Field("shelters_cold", "int", "shelt_cold", "warm shelters that go cold"),
    Field("food_stock_days", "float", "food_days", "days of food in operational stores"),
    Field("food_stock_days_baseline", "float", "food_day_b", "days of food, normal"),
    Field("food_stock_deficit_person_days", "float", "food_defic", "person-days short of target"),
    Field("food_sites_stock_unknown", "int", "food_unkno", "food sites without a stock figure"),
)
# Coverage model v3: each site's D, home-care clients apart, unreachable people (null in
# the rows of runs computed before v3).
_SITE_V3_FIELDS = (
    Field("outage_hours", "float", "outage_h", "hours its outage area lasts (D); 0 outside"),
)
_MUNICIPALITY_V3_FIELDS = (
    Field("home_care_clients_unpowered", "int", "hc_unpow", "home-care clients, base unpowered"),
    *(
        Field(f"unreachable_{s}", "bigint", f"unr_{s[:5]}", f"people with no way to {s}")
        for s, _n in SERVICES
    ),
    *(
        Field(f"baseline_unreachable_{s}", "bigint", f"b_unr_{s[:4]}", "the same, baseline")
        for s, _n in SERVICES
    ),
)


def clock_sql(hours: str) -> str:
    """Hour `hours` (an SQL expression) of the run as a clock time: ISO 8601 in Swedish
    time with its offset, to the minute from hour 0 (`:zero`, the run's, services/run_clock.py;
    `:tz` Europe/Stockholm), e.g. 2026-12-07T09:18:00+01:00; NULL where the hour is."""
    at = f"(CAST(:zero AS timestamptz) + round(({hours}) * 60) * interval '1 minute')"
    local = f"({at} AT TIME ZONE :tz)"
    return (
        f"CASE WHEN ({hours}) IS NULL THEN NULL ELSE"
        f" to_char({local}, 'YYYY-MM-DD\"T\"HH24:MI:SS') || '+'"
        f" || to_char({local} - ({at} AT TIME ZONE 'UTC'), 'HH24:MI') END"
    )


# The instants of a site's hours, each beside its hour field (issue 20: every hour is also
# a clock time): (field, dbf name, description, SQL of the hour).
_SITE_CLOCKS = {
    "arrival_hours": Field("arrival_at", "text", "arrive_at", "generator arrival, clock time"),
    "first_cold_hour": Field("first_cold_at", "text", "cold_at", "first cold, clock time"),
    "outage_hours": Field("grid_back_at", "text", "grid_back", "grid back (hour D), clock time"),
}
_SITE_CLOCK_SQL = {
    "arrival_hours": "r.arrival_hours",
    "first_cold_hour": "r.first_cold_hour",
    "outage_hours": "NULLIF(r.outage_hours, 0)",
}
_POWER_CLOCKS = (
    Field("power_off_at", "text", "power_off", "first without power, clock time"),
    Field("power_back_at", "text", "power_back", "power back for good, clock time"),
)
_POWER_CLOCK_SQL = (
    "r.unpowered_intervals[1]",
    "r.unpowered_intervals[array_upper(r.unpowered_intervals, 1)]",
)


def _with_clocks(fields: tuple[Field, ...]) -> tuple[Field, ...]:
    """The fields, each hour field followed by its clock time."""
    out: list[Field] = []
    for f in fields:
        out.append(f)
        if f.name in _SITE_CLOCKS:
            out.append(_SITE_CLOCKS[f.name])
    return tuple(out)


_TIMELINE_SERIES = (
    ("care_sites_unpowered", "care_unpow", "care sites without power at the hour"),
    ("residents_unpowered", "res_unpow", "their residents (home-care clients apart)"),
    ("care_sites_cold", "care_cold", "care sites cold at the hour"),
    ("residents_cold", "res_cold", "their residents"),
    ("home_care_clients_unpowered", "hc_unpow", "home-care clients whose base lacks power"),
)


def run_sources(municipality: str | None, category: str | None) -> dict[str, Source]:
    """A run's results: every site with its power status, every populated cell with its
    travel times, the summary per municipality, and the gaps dissolved per service."""
    in_municipality = "r.municipality_code = :municipality" if municipality else None
    site_where = sql_where(
        "r.run_id = :run", in_municipality, "s.category = :category" if category else None
    )
    cell_where = sql_where("r.run_id = :run", in_municipality)
    summary_where = sql_where("r.run_id = :run", municipality and "r.code = :municipality")
    timeline_where = sql_where("t.run_id = :run", municipality and "t.code = :municipality")
    minutes = [
        Field(f"{s}_minutes", "float", f"{s[:5]}_min", f"travel minutes to {s}, scenario")
        for s, _n in SERVICES
    ] + [
        Field(f"{s}_minutes_baseline", "float", f"{s[:4]}_min_b", "travel minutes, baseline")
        for s, _n in SERVICES
    ]
    covered = [
        Field(f"{s}_covered", "bool", f"{s[:5]}_cov", "within the time limit, scenario")
        for s, _n in SERVICES
    ] + [
        Field(f"{s}_covered_baseline", "bool", f"{s[:4]}_cov_b", "within the limit, baseline")
        for s, _n in SERVICES
    ]
    new = [
        Field(f"new_{s}_gap", "bool", f"new_{s[:5]}", "not covered, but covered in the baseline")
        for s, _n in SERVICES
    ]
    uncovered = [
        Field(f"uncovered_{s}", "bigint", f"unc_{s[:5]}", f"people without {s}, scenario")
        for s, _n in SERVICES
    ] + [
        Field(f"baseline_uncovered_{s}", "bigint", f"b_unc_{s[:4]}", "people without, baseline")
        for s, _n in SERVICES
    ]
    uncovered_at = [
        Field(
            f"{s}_uncovered_at",
            "text",
            f"{s[:4]}_unc_t",
            "0/1 per timeline instant k: 1 uncovered at hour k·step; empty: covered throughout",
        )
        for s, _n in SERVICES
    ]
    services_sql = ", ".join(
        f"('{s}', '{label}', NOT r.{s}_covered, r.{s}_covered_baseline)" for s, label in SERVICES
    )
    gap_where = sql_where("r.run_id = :run", "g.uncovered", in_municipality)
    closed_where = (
        " AND EXISTS (SELECT 1 FROM municipalities m WHERE m.code = :municipality"
        " AND ST_Intersects(m.geom, d.geom))"
        if municipality
        else ""
    )
    return {
        "sites": Source(
            "sites",
            LayerSchema(
                "platser",
                "Platser: el i scenariot",
                "Point",
                (
                    Field("site_id", "int"),
                    Field("name", "text"),
                    Field("category", "text"),
                    Field("kind", "text"),
                    Field("source_id", "text"),
                    MUNICIPALITY_CODE,
                    Field("residents", "int"),
                    Field("status", "text", None, "grid, backup, partial or none"),
                    Field(
                        "hours_unpowered_before",
                        "float",
                        "h_before",
                        "hours without power before mobile generators",
                    ),
                    Field("hours_unpowered", "float", "h_unpower", "hours without power"),
                    Field("unpowered", "bool", None, "hours_unpowered > 0"),
                    Field("generator_id", "int", "gen_id", "assigned mobile generator"),
                    Field("generator_source_id", "text", "gen_src_id"),
                    Field("generator_name", "text", "gen_name"),
                    *_with_clocks(
                        (
                            Field("arrival_hours", "float", "arrival_h", "generator arrival, h"),
                            *_SITE_V2_FIELDS,
                            *_SITE_V3_FIELDS,
                        )
                    ),
                    *_POWER_CLOCKS,
                ),
            ),
            "SELECT s.id, s.name, s.category, s.kind, s.source_id, r.municipality_code,"
            " s.residents, r.status, r.hours_unpowered_before, r.hours_unpowered,"
            " r.hours_unpowered > 0, r.generator_id, g.source_id, g.name, r.arrival_hours,"
            f" {clock_sql(_SITE_CLOCK_SQL['arrival_hours'])},"
            " h.source_id, r.hours_cold, r.first_cold_hour,"
            f" {clock_sql(_SITE_CLOCK_SQL['first_cold_hour'])}, r.min_indoor_c,"
            " array_to_string(r.unpowered_intervals, ' '),"
            " array_to_string(r.cold_intervals, ' '), r.outage_hours,"
            f" {clock_sql(_SITE_CLOCK_SQL['outage_hours'])},"
            + "".join(f" {clock_sql(h)}," for h in _POWER_CLOCK_SQL)
            + f" {wkb('s.geom')} FROM run_sites r JOIN sites s ON s.id = r.site_id"
            " LEFT JOIN sites g ON g.id = r.generator_id"
            f" LEFT JOIN sites h ON h.id = r.heat_plant_id{site_where} ORDER BY s.id",
            "SELECT count(*) FROM run_sites r JOIN sites s ON s.id = r.site_id" + site_where,
        ),
        "cells": Source(
            "cells",
            LayerSchema(
                "rutor",
                "Rutor: restider och täckning",
                "Polygon",
                (
                    Field("cell_id", "bigint"),
                    MUNICIPALITY_CODE,
                    Field("population", "int"),
                    *minutes,
                    *covered,
                    *new,
                    *uncovered_at,
                ),
            ),
            "SELECT r.cell_id, r.municipality_code, r.population,"
            + "".join(f" r.{f.name}," for f in minutes + covered)
            + "".join(f" (NOT r.{s}_covered AND r.{s}_covered_baseline)," for s, _n in SERVICES)
            + "".join(f" r.{f.name}::text," for f in uncovered_at)
            + f" {wkb('c.geom')} FROM run_cells r"
            f" LEFT JOIN population_cells c ON c.id = r.cell_id{cell_where} ORDER BY r.cell_id",
            "SELECT count(*) FROM run_cells r" + cell_where,
        ),
        "municipalities": Source(
            "municipalities",
            LayerSchema(
                "kommuner",
                "Kommuner: sammanfattning",
                "MultiPolygon",
                (
                    Field("code", "text", None, "kommun code; empty: outside every kommun"),
                    Field("name", "text"),
                    Field("population", "bigint"),
                    *uncovered,
                    Field("care_sites_unpowered", "int", "care_unpow"),
                    Field("residents_unpowered", "int", "res_unpow"),
                    Field("resident_hours_unpowered", "float", "res_h_unpo"),
                    Field("generators_assigned", "int", "gen_assign"),
                    *_MUNICIPALITY_V2_FIELDS,
                    *_MUNICIPALITY_V3_FIELDS,
                ),
            ),
            "SELECT NULLIF(r.code, ''), CASE WHEN r.code = '' THEN :outside ELSE r.name END,"
            " r.population,"
            + "".join(f" r.{f.name}," for f in uncovered)
            + " r.care_sites_unpowered, r.residents_unpowered, r.resident_hours_unpowered,"
            " r.generators_assigned,"
            + "".join(f" r.{f.name}," for f in _MUNICIPALITY_V2_FIELDS + _MUNICIPALITY_V3_FIELDS)
            + f" {wkb('m.geom')} FROM run_municipalities r"
            " LEFT JOIN municipalities m ON m.code = r.code"
            + f"{summary_where} ORDER BY r.code = '', r.code",
            "SELECT count(*) FROM run_municipalities r" + summary_where,
        ),
        "gaps": Source(
            "gaps",
            LayerSchema(
                "luckor",
                "Luckor per tjänst",
                "MultiPolygon",
                (
                    Field("service", "text", None, "food, care or shelter"),
                    Field("service_name", "text", "serv_name"),
                    Field("new_gap", "bool", None, "covered in the baseline: a new gap"),
                    Field("cells", "int", None, "grid cells dissolved"),
                    Field("population", "bigint"),
                    Field("area_km2", "float", None, "km²"),
                ),
            ),
            # ST_Union per service and new/old: the uncovered cells dissolved into areas.
            "SELECT g.service, g.service_name, g.baseline_covered, count(*)::int,"
            " sum(r.population)::bigint, (sum(ST_Area(c.geom)) / 1e6)::float8,"
            f" {wkb('ST_Multi(ST_Union(c.geom))')} FROM run_cells r"
            " JOIN population_cells c ON c.id = r.cell_id"
            f" CROSS JOIN LATERAL (VALUES {services_sql})"
            f" AS g(service, service_name, uncovered, baseline_covered){gap_where}"
            " GROUP BY g.service, g.service_name, g.baseline_covered"
            " ORDER BY array_position(ARRAY['food', 'care', 'shelter'], g.service),"
            " g.baseline_covered",
            "SELECT count(*) FROM run_cells r JOIN population_cells c ON c.id = r.cell_id"
            f" CROSS JOIN LATERAL (VALUES {services_sql})"
            f" AS g(service, service_name, uncovered, baseline_covered){gap_where}",
            single_row_batches=True,
        ),
        # The county's rows (no geometry) last, as in kommuner: QGIS and GDAL decide from the
        # first rows of a CSV whether it has geometries.
        "timeline": Source(
            "timeline",
            LayerSchema(
                "tidslinje",
                "Tidslinje per timme",
                "MultiPolygon",
                (
                    Field("hour", "float", None, "hours after the outage began (instant t_k)"),
                    Field("at", "text", None, "the hour as a clock time (ISO 8601, offset)"),
                    Field("code", "text", None, "kommun code; 'county': the whole county"),
                    Field("name", "text"),
                    *(
                        Field(name, "int", short, description)
                        for name, short, description in _TIMELINE_SERIES
                    ),
                    *(
                        Field(f"uncovered_{s}", "bigint", f"unc_{s[:5]}", f"people without {s}")
                        for s, _n in SERVICES
                    ),
                    *(
                        Field(f"unreachable_{s}", "bigint", f"unr_{s[:5]}", f"no way to {s}")
                        for s, _n in SERVICES
                    ),
                ),
                description="the county's rows, last, have no geometry",
            ),
            f"SELECT t.hour, {clock_sql('t.hour')}, t.code,"
            " CASE WHEN t.code = 'county' THEN :county ELSE m.name END,"
            + "".join(f" t.{name}," for name, _s, _d in _TIMELINE_SERIES)
            + "".join(f" t.uncovered_{s}," for s, _n in SERVICES)
            + "".join(f" t.unreachable_{s}," for s, _n in SERVICES)
            + f" {wkb('m.geom')} FROM run_timeline t LEFT JOIN municipalities m"
            " ON m.code = t.code" + f"{timeline_where} ORDER BY t.code = 'county', t.code, t.k",
            "SELECT count(*) FROM run_timeline t" + timeline_where,
        ),
        # The segments the run's scenario closes (:closures, services/closed_roads.py).
        "closed_roads": Source(
            "closed_roads",
            LayerSchema(
                "stangda_vagar",
                "Stängda vägar",
                "LineString",
                (
                    Field("road_id", "bigint"),
                    Field("segment", "int", None, "the segment's number along its road, 1 first"),
                    Field("name", "text"),
                    Field("road_class", "text"),
                ),
            ),
            closed_segments_sql(
                f"r.id, d.path[1], r.name, r.road_class, {wkb('d.geom')}", closed_where
            )
            + " ORDER BY r.id, 2",
            closed_segments_sql("count(*)", closed_where),
        ),
    }
