"""File readers for boundaries, the population grid and sites.

Each reads GeoJSON, GeoPackage or CSV (a path or the file's bytes), transforms to
SWEREF 99 TM (EPSG:3006), validates everything and returns records, or raises
geodata.records.ImportValidationError listing every problem with where it is and the field.
Nothing here touches the database.
"""

from geodata.loaders.boundaries import read_boundaries
from geodata.loaders.osm import PROFILES
from geodata.loaders.population import read_population
from geodata.loaders.results import LoadResult
from geodata.loaders.sites import read_sites
from geodata.loaders.sources import MAX_BYTES

__all__ = [
    "MAX_BYTES",
    "PROFILES",
    "LoadResult",
    "read_boundaries",
    "read_population",
    "read_sites",
]
