"""The site page: one name per category (the popup's), numbers in the page's format, every
label translated, a small map, and the skip link every page has."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from resilience.models import Site
from resilience.scenarios import parse_scenario
from resilience.services import imports, runs, scenarios
from tests.factories import ABACKA, OUTAGE_ABACKA, heat_county, site

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


def _cold_home_run(session: Session) -> tuple[int, int, int]:
    """heat_county and OUTAGE_ABACKA from 06:00, and an elderly home in Åbacka on district
    heating without a named plant: (Östergården's id, its plant's, the run)."""
    heat_county(session)
    nearest = site(
        "care-3",
        "care",
        "elderly_home",
        752_000,
        7_082_000,
        residents=8,
        heating="district_heating",
        name="Ängsgården",
    )
    imports.import_sites(session, [nearest], "test")
    scenario = scenarios.create_scenario(
        session, parse_scenario(OUTAGE_ABACKA | {"start": "2026-12-07T06:00"})
    )
    run = runs.start_run(session, scenario)
    runs.compute_run(session, run.id)
    session.commit()
    home = session.scalar(select(Site.id).where(Site.source_id == "care-2"))
    plant = session.scalar(select(Site.id).where(Site.source_id == "dh-1"))
    assert home is not None and plant is not None
    return home, plant, run.id


def test_the_site_page_names_its_heating_plant_and_says_why(
    client: FlaskClient, db_session: Session
) -> None:
    """Östergården, outside the outage, is heated by Åbacka värmeverk inside it: the page
    links the plant by name (never its source id dh-1) and says why the home has a gap in
    the newest run that affected it, with the run's name and link."""
    home, plant, run_id = _cold_home_run(db_session)
    calm = scenarios.create_scenario(db_session, parse_scenario({"name": "Lugnt väder"}))
    later = runs.start_run(db_session, calm)  # newer, but it leaves the home warm
    runs.compute_run(db_session, later.id)
    db_session.commit()
    page = client.get(f"/sites/{home}").text
    heating = page.split('id="site-heating"', 1)[1].split("</table>", 1)[0]
    assert "<caption>Uppvärmning</caption>" in heating
    assert "<th>uppvärmning</th><td>fjärrvärme</td>" in heating
    assert f'<a href="/sites/{plant}">Åbacka värmeverk</a>' in heating
    assert "dh-1" not in page
    gap = page.split('id="site-gap"', 1)[1].split("</section>", 1)[0]
    assert f'<a href="/runs/{run_id}">Avbrott i Åbacka</a>' in gap
    assert (
        '<p class="cause">värmeverket Åbacka värmeverk utan ström från 7/12 06:00 (0 h)'
        " · kallt från 7/12 13:20 (7,3 h)</p>"
    ) in gap
    english = client.get(f"/sites/{home}?lang=en").text
    heating = english.split('id="site-heating"', 1)[1].split("</table>", 1)[0]
    assert "<caption>Heating</caption>" in heating
    assert "<th>heating</th><td>district heating</td>" in heating
    assert "<th>heating plant</th>" in heating
    gap = english.split('id="site-gap"', 1)[1].split("</section>", 1)[0]
    assert "Why it has a gap" in gap and "newest finished run that affected it" in gap
    assert "heating plant Åbacka värmeverk without power from 07/12 06:00 (0 h)" in gap
    for swedish in ("Uppvärmning", "uppvärmning", "värmeverket", "kallt", "fjärrvärme"):
        assert swedish not in heating + gap, swedish


def test_the_nearest_plant_as_the_run_chose_it(client: FlaskClient, db_session: Session) -> None:
    _home, plant, _run = _cold_home_run(db_session)
    home = db_session.scalar(select(Site.id).where(Site.source_id == "care-3"))
    page = client.get(f"/sites/{home}").text
    heating = page.split('id="site-heating"', 1)[1].split("</table>", 1)[0]
    assert f'<a href="/sites/{plant}">Åbacka värmeverk</a>' in heating
    assert "närmaste verket i kommunen" in heating


def test_a_site_no_run_affected_says_so(client: FlaskClient, db_session: Session) -> None:
    _cold_home_run(db_session)
    other = db_session.scalar(select(Site.id).where(Site.source_id == "food-1"))
    page = client.get(f"/sites/{other}?lang=en").text
    assert "No finished run has affected this site." in page
    assert 'id="site-heating"' not in page  # a grocery without heating data
