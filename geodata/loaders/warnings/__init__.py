"""Weather warnings in: SMHI impact-based warnings (IBWW JSON) and CAP 1.2 alerts (XML).

Pure parsers, no database: bytes in, WarningArea records in SWEREF 99 TM (EPSG:3006) out,
one per warned area, with `refused` naming every area left out and why (not ours: another
country, a landslide, an unknown EMMA_ID). A malformed or unsafe document raises
WarningFormatError as a whole.

Identities. IBWW: "ibww:<warning id>:<warningArea id>", version = published. CAP:
"cap:<sender>:<identifier>:<k>:<j>" of the original alert (see geodata.loaders.warnings.cap),
version = sent. Versions are fixed-width UTC text, so the larger string is the newer.
Lines and points (IBWW river and coast warnings, CAP zero-radius circles) are buffered by
LINE_BUFFER_M with polygonal=False, so every geometry is a MultiPolygon.
"""

from geodata.loaders.warnings.areas import LINE_BUFFER_M, AreaCatalog, CatalogArea, region
from geodata.loaders.warnings.cap import CAP_NS, parse_cap
from geodata.loaders.warnings.ibww import parse_ibww
from geodata.loaders.warnings.model import (
    LEVELS,
    MAX_BYTES,
    SOURCE_CAP,
    SOURCE_IBWW,
    ParseResult,
    WarningArea,
    WarningFormatError,
    intersects_county,
)

__all__ = [
    "CAP_NS",
    "LEVELS",
    "LINE_BUFFER_M",
    "MAX_BYTES",
    "SOURCE_CAP",
    "SOURCE_IBWW",
    "AreaCatalog",
    "CatalogArea",
    "ParseResult",
    "WarningArea",
    "WarningFormatError",
    "intersects_county",
    "parse_cap",
    "parse_ibww",
    "region",
]
