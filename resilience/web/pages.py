"""HTML pages: the map and a page per site."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template
from flask.typing import ResponseReturnValue

from resilience.db import db
from resilience.services import layers
from resilience.vocabulary import SITE_NUMBERS
from resilience.web import maps

bp = Blueprint("pages", __name__)


@bp.get("/")
def map_page() -> ResponseReturnValue:
    parts = maps.map_parts(maps.overview_map(current_app.config["SETTINGS"]))
    return render_template("pages/map.html", map=parts)


@bp.get("/sites/<int:site_id>")
def site_page(site_id: int) -> ResponseReturnValue:
    feature = layers.site(db.session, site_id)
    return render_template("pages/site.html", site=feature, numbers=SITE_NUMBERS)
