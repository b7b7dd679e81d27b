"""The energy pages' small county and clients: shared by tests/web/pages/test_energy_pages.py
and tests/web/test_issue24_numbers.py."""

from __future__ import annotations

import io

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from resilience.models import Site
from resilience.services import imports
from tests.conftest import login
from tests.factories import site, small_county

TOKEN = "test-form-token"


def energy_county(db_session: Session) -> dict[str, int]:
    """small_county (its school energy-1 in Åbacka is a warm shelter of 200 without area or
    use, and care-1 is an elderly home in Åbacka) plus four buildings:

    | id   | where    | kind   | m²    | kWh/year | owner        | Styrel | other            |
    | e-a1 | Åbacka   | school | 1 000 | 100 000  | municipality | 6      | district heating |
    | e-a2 | Åbacka   | school | 2 000 | 400 000  | municipality | 7      | electricity      |
    | e-o1 | Östervik | school | 1 000 | 150 000  | region       | 4      | shelter 100, backup* |
    | e-o2 | Östervik | office | 500   | 43 800   | state        | 8      | peak 30 kW       |
    (* backup 50 kW for 24 h)

    School intensities 100, 200, 150 (energy-1 unknown): median 150, so e-a2 has the only
    potential, (200 − 150) × 2 000 = 100 000 kWh/year."""
    small_county(db_session)
    buildings = [
        site("e-a1", "energy", "school", 751_000, 7_081_000, heated_area_m2=1_000,
             energy_kwh_year=100_000, owner="municipality", name="Åbacka skola",
             heating="district_heating", attributes={"styrel_priority": 6}),
        site("e-a2", "energy", "school", 752_000, 7_082_000, heated_area_m2=2_000,
             energy_kwh_year=400_000, owner="municipality", name="Åbacka gymnasium",
             heating="electricity", attributes={"styrel_priority": 7}),
        site("e-o1", "energy", "school", 765_500, 7_085_500, heated_area_m2=1_000,
             energy_kwh_year=150_000, owner="region", name="Östervik folkhögskola",
             shelter_capacity=100, backup_kw=50, fuel_hours=24,
             attributes={"styrel_priority": 4}),
        site("e-o2", "energy", "office", 766_500, 7_086_500, heated_area_m2=500,
             energy_kwh_year=43_800, owner="state", name="Statens kontor Östervik",
             attributes={"styrel_priority": 8, "peak_kw": 30}),
    ]  # fmt: skip
    imports.import_sites(db_session, buildings, "test")
    db_session.commit()
    ids = dict(db_session.execute(select(Site.source_id, Site.id)).all())
    return ids


def client_as(  # type: ignore[no-untyped-def]
    app: Flask, make_user, name: str, role: str, municipality: str | None = None
):
    """A client logged in as a new user `name` of `role`, with the form token TOKEN."""
    make_user(name, role, municipality)
    client = app.test_client()
    login(client, name)
    with client.session_transaction() as session:
        session["csrf_token"] = TOKEN
    client.environ_base["HTTP_X_CSRF_TOKEN"] = TOKEN
    return client


def energy_upload(client: FlaskClient, kind: str, body: bytes, filename: str):  # type: ignore[no-untyped-def]
    """POST a file to the energy importer `kind` (register, measures, readings)."""
    return client.post(
        f"/api/v1/energy/import/{kind}",
        data={"file": (io.BytesIO(body), filename)},
        content_type="multipart/form-data",
    )
