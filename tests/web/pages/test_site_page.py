"""The site page: one name per category (the popup's), numbers in the page's format, every
label translated, a small map, and the skip link every page has."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from resilience.models import Site
from resilience.services import imports
from tests.factories import ABACKA, site

NBSP = "\u00a0"


def _site(session: Session) -> int:
    imports.import_boundaries(session, [ABACKA], "test")
    record = site(
        "care-9",
        "care",
        "elderly_home",
        751_500,
        7_081_500,
        residents=45,
        fuel_hours=5.5,
        critical_load_kw=1234.5,
        name="Åsgårdens äldreboende",
        attributes={"locality": "Åbacka", "heating": "district_heating", "trygghetspunkt": True},
    )
    imports.import_sites(session, [record], "test")
    session.commit()
    return session.scalar(select(Site.id).where(Site.source_id == "care-9"))


def test_site_page_in_swedish(client: FlaskClient, db_session: Session) -> None:
    page = client.get(f"/sites/{_site(db_session)}").text
    assert "<td>Vård och omsorg</td>" in page  # the category's name, as in the popup
    assert "<td>äldreboende</td>" in page and "<td>Åbacka</td>" in page
    assert '<td class="num">45</td>' in page and '<td class="num">5,5</td>' in page
    assert f'<td class="num">1{NBSP}234,5</td>' in page
    assert "45.0" not in page and "5.5" not in page
    assert "<th>ort</th>" in page and "locality" not in page
    assert "<th>uppvärmning</th><td>fjärrvärme</td>" in page and "district_heating" not in page
    assert "<td>ja</td>" in page
    assert f"SWEREF 99 TM E 751{NBSP}500 N 7{NBSP}081{NBSP}500" in page
    assert 'class="site-map"' in page and "js/sitemap.js" in page and "SiteMap.init" in page
    assert "vendor/leaflet/leaflet.js" in page and "cdn" not in page.lower()
    assert '<a class="skip-link" href="#content">Hoppa till innehållet</a>' in page
    assert '<main id="content"' in page


def test_site_page_in_english(client: FlaskClient, db_session: Session) -> None:
    page = client.get(f"/sites/{_site(db_session)}?lang=en").text
    assert "<td>Care</td>" in page and '<td class="num">5.5</td>' in page
    assert '<td class="num">1,234.5</td>' in page
    assert "<th>locality</th>" in page and "<td>district heating</td>" in page
    assert "Skip to content" in page
