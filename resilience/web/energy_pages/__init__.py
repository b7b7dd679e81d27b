"""Energy saving in public buildings (issue #6): the pages under /energy, one blueprint
("energy") and what its pages share; a module per kind of page registers its views on `bp`
when imported. The JSON API, /api/v1/energy, is web/api/energy.py, whose argument helpers
the pages use. Views parse the request, call resilience.services.energy and render; every
figure comes from resilience.energy. Changing anything needs the editor role, and form posts
carry a per-session token.

  register.py  the overview, the register of buildings, a building, the map
  changes.py   editors' changes from the forms: buildings, measures, readings, settings, imports
  reports.py   progress, load shedding, a municipality's report, the audit log, downloads

The charts are web/energy_charts.py."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask_login import current_user

from resilience import energy_figures as energy
from resilience.web import charts, names

bp = Blueprint("energy", __name__)


@bp.context_processor
def _words() -> dict[str, Any]:
    return {
        "can_edit": current_user.is_authenticated and current_user.has_role("editor"),
        "class_colors": charts.CLASS_COLORS,
        "energy_kinds": energy.ENERGY_KINDS,
        "owners": energy.OWNERS,
        "heatings": energy.HEATING,
        "statuses": energy.MEASURE_STATUSES,
        "classes": energy.CLASSES,
        "heating_share": energy.DEFAULT_HEATING_SHARE,
        "import_kinds": names.labels("energy_import"),
    }


# The pages register their views on `bp` when imported.
from resilience.web.energy_pages import changes, register, reports  # noqa: E402

__all__ = ["bp", "changes", "register", "reports"]
