"""HTML pages: the map and a page per site."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from resilience.db import db
from resilience.services import layers, run_clock, run_reports
from resilience.vocabulary import SITE_INTEGERS, SITE_NUMBERS
from resilience.web import formatting, maps, names
from resilience.web.causes import cause_line

bp = Blueprint("pages", __name__)


@bp.get("/")
def map_page() -> ResponseReturnValue:
    parts = maps.map_parts(maps.overview_map(current_app.config["SETTINGS"]))
    return render_template("pages/map.html", map=parts)


@bp.get("/sites/<int:site_id>")
def site_page(site_id: int) -> ResponseReturnValue:
    feature = layers.site(db.session, site_id)
    lon, lat = feature["geometry"]["coordinates"]
    p = feature["properties"]
    fmap = maps.site_map(current_app.config["SETTINGS"], lon, lat, p["name"], p["category"])
    gap = run_reports.latest_site_gap(db.session, site_id)
    return render_template(
        "pages/site.html",
        site=feature,
        numbers=SITE_NUMBERS,
        integers=SITE_INTEGERS,
        attributes=_attributes(p.get("attributes") or {}),
        heat_plant=run_reports.heat_plant_of(db.session, p.get("heat_plant")),
        gap=gap,
        gap_line=(
            cause_line(gap.causes, run_clock.run_hour_zero(db.session, gap.run)) if gap else None
        ),
        map=maps.map_parts(fmap),
    )


def _attributes(attributes: dict[str, Any]) -> list[tuple[str, str]]:
    """A site's other attributes as the page shows them: translated names, coded values by
    their display names, numbers and yes/no in the page's language."""
    rows = []
    for key, value in sorted(attributes.items(), key=lambda kv: names.label("attribute", kv[0])):
        if isinstance(value, bool):
            shown = _("yes") if value else _("no")
        elif isinstance(value, int | float):
            shown = formatting.format_number(value, 1)
        elif key in names.NAMES and isinstance(value, str):
            shown = names.label(key, value)  # heating: district_heating → fjärrvärme
        else:
            shown = "–" if value is None else str(value)
        rows.append((names.label("attribute", key), shown))
    return rows
