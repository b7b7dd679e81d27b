"""The JSON API, /api/v1: one blueprint ("api"), one module per resource. Views parse the
request, call a service (resilience/services) and serialise; the services own the queries
and the commits. Every route needs a session or an API token (web/auth.py); the roles are
checked here with `require_role`.

  (query arguments: resilience/services/query_args.py, shared with /ogc)
  layers.py     sites, municipalities, population (GeoJSON)
  scenarios.py  scenarios: list, create, change, copy, start a run, their areas
  runs.py       runs: status, result, timeline, gap sites and cells, areas
  plans.py      backup-power plans
  warning_api.py  weather warnings and the live situation
  uploads.py    site registers checked, then confirmed
  exports.py    exports for GIS: direct files, background exports, their audit
  energy.py     energy saving in public buildings (/api/v1/energy/*)
  roads.py      the road network replaced by a file (admin)
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

# The resources register their routes on `bp` when imported.
from resilience.web.api import (  # noqa: E402
    energy,
    exports,
    layers,
    plans,
    roads,
    runs,
    scenarios,
    uploads,
    warning_api,
)

__all__ = [
    "bp",
    "energy",
    "exports",
    "layers",
    "plans",
    "roads",
    "runs",
    "scenarios",
    "uploads",
    "warning_api",
]
