"""The map layers an export offers (layer_ids()): municipalities, population and a layer
per site category, with their fields and Shapefile names (from the category's vocabulary
entry, read per export, so a category registered later is exported too)."""

from __future__ import annotations

from geodata.exporters import Field, LayerSchema
from resilience.services.exports.source import MUNICIPALITY_CODE, Source, sql_where, wkb
from resilience.vocabulary import (
    CATEGORY,
    HEATING,
    OWNERS,
    SITE_NUMBER_SPECS,
    category_names,
    one_of,
)


def layer_ids() -> tuple[str, ...]:
    """The map's layers, in this order: municipalities, population, the site categories,
    the roads."""
    return ("municipalities", "population", *category_names(), "roads")


# A site's numeric columns, its owner and (v2) its heating, with their Shapefile names and
# descriptions; which of them a category's layer has is vocabulary.CATEGORY[category].fields.
_SITE_FIELDS = {
    **{
        n.name: Field(n.name, "int" if n.integer else "float", n.short, n.description)
        for n in SITE_NUMBER_SPECS
    },
    "owner": Field("owner", "text", None, one_of(OWNERS)),
    "heating": Field("heating", "text", None, one_of(HEATING) + "; empty: not district heating"),
    "heat_plant": Field("heat_plant", "text", None, "source_id of the heating plant"),
}


def layer_sources(municipality: str | None) -> dict[str, Source]:
    """The map layers, filtered by municipality when given (the SQL varies only by fixed
    fragments; values are bound parameters)."""
    municipality_where = sql_where("m.code = :municipality" if municipality else None)
    cell_where = sql_where("population > 0", municipality and "municipality_code = :municipality")
    sources: dict[str, Source] = {
        "municipalities": Source(
            "municipalities",
            LayerSchema(
                "kommuner",
                "Kommuner",
                "MultiPolygon",
                (
                    Field("code", "text", None, "kommun code (4 digits)"),
                    Field("name", "text"),
                    Field("population", "bigint", None, "inhabitants in the grid"),
                    Field("sites", "int", None, "sites in the municipality"),
                ),
            ),
            "SELECT m.code, m.name, COALESCE(p.population, 0)::bigint,"
            f" COALESCE(s.sites, 0)::int, {wkb('m.geom')} FROM municipalities m"
            " LEFT JOIN (SELECT municipality_code, SUM(population)::bigint AS population"
            "   FROM population_cells GROUP BY 1) p ON p.municipality_code = m.code"
            " LEFT JOIN (SELECT municipality_code, COUNT(*) AS sites FROM sites GROUP BY 1) s"
            f"   ON s.municipality_code = m.code{municipality_where} ORDER BY m.code",
            f"SELECT count(*) FROM municipalities m{municipality_where}",
        ),
        "population": Source(
            "population",
            LayerSchema(
                "befolkning",
                "Befolkningsrutor",
                "Polygon",
                (
                    Field("id", "bigint"),
                    Field("x_ll", "int", None, "lower-left corner, EPSG:3006 easting, m"),
                    Field("y_ll", "int", None, "lower-left corner, EPSG:3006 northing, m"),
                    Field("cell_size", "int", None, "cell side, m"),
                    Field("population", "int", None, "inhabitants"),
                    MUNICIPALITY_CODE,
                ),
            ),
            "SELECT id, x_ll, y_ll, cell_size, population, municipality_code,"
            f" {wkb('geom')} FROM population_cells{cell_where} ORDER BY id",
            f"SELECT count(*) FROM population_cells{cell_where}",
        ),
    }
    road_where = sql_where(
        municipality
        and "EXISTS (SELECT 1 FROM municipalities m WHERE m.code = :municipality"
        " AND ST_Intersects(m.geom, r.geom))"
    )
    sources["roads"] = Source(
        "roads",
        LayerSchema(
            "vagar",
            "Vägar",
            "LineString",
            (
                Field("id", "bigint"),
                Field("name", "text"),
                Field("road_class", "text", "class"),
                Field("speed_kmh", "float", None, "its own speed; empty: its class's"),
                Field("source_id", "text", None, "id in its source"),
            ),
        ),
        f"SELECT r.id, r.name, r.road_class, r.speed_kmh, r.source_id, {wkb('r.geom')}"
        f" FROM roads r{road_where} ORDER BY r.id",
        f"SELECT count(*) FROM roads r{road_where}",
    )
    for spec in CATEGORY.values():
        category, name, title, numbers = spec.name, spec.layer, spec.title, spec.fields
        where = sql_where(
            "s.category = :category_" + category,
            municipality and "s.municipality_code = :municipality",
        )
        sources[category] = Source(
            category,
            LayerSchema(
                name,
                title,
                "Point",
                (
                    Field("id", "int"),
                    Field("name", "text"),
                    Field("category", "text", None, one_of(category_names())),
                    Field("kind", "text"),
                    Field("source", "text"),
                    Field("source_id", "text", None, "id in its source, unique per source"),
                    MUNICIPALITY_CODE,
                    Field("municipality_name", "text", "muni_name"),
                    *(_SITE_FIELDS[n] for n in numbers),
                    Field("attributes", "text", None, "other attributes, JSON"),
                ),
            ),
            "SELECT s.id, s.name, s.category, s.kind, s.source, s.source_id,"
            " s.municipality_code, m.name,"
            + "".join(f" s.{n}," for n in numbers)
            + f" s.attributes::text, {wkb('s.geom')} FROM sites s"
            " LEFT JOIN municipalities m ON m.code = s.municipality_code"
            f"{where} ORDER BY s.id",
            f"SELECT count(*) FROM sites s{where}",
        )
    return sources
