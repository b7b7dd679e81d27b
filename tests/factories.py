"""Tiny hand-checkable data sets, scenarios and users, written through the same services as
real imports; shared by the test modules (which never import from one another)."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from functools import cache
from typing import Any

import shapely
from sqlalchemy import text
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from geodata.records import BoundaryRecord, CellRecord, SiteRecord
from resilience.models import Scenario, User, WeatherWarning
from resilience.scenarios import parse_scenario
from resilience.services import imports, runs, scenarios, users

# The password of every user the tests make.
PASSWORD = "correct horse battery"


@cache
def password_hash() -> str:
    """The real scrypt hash of PASSWORD, computed once per test session: each hash costs as
    much as a login's check, and a few hundred tests make users."""
    return generate_password_hash(PASSWORD)


def user(
    session: Session, name: str, role: str = "viewer", municipality: str | None = None
) -> User:
    """A user made by the service (with its checks), with PASSWORD's precomputed hash: it
    logs in through the form as any user does. Flushed, not committed."""
    return users.create_user(session, name, None, role, municipality, password_hash=password_hash())


# Two 10 km squares west of Umeå, in EPSG:3006 metres: Åbacka (west) and Östervik (east).
ABACKA = BoundaryRecord(
    "2401", "Åbacka", shapely.MultiPolygon([shapely.box(750_000, 7_080_000, 760_000, 7_090_000)])
)
OSTERVIK = BoundaryRecord(
    "2403", "Östervik", shapely.MultiPolygon([shapely.box(760_000, 7_080_000, 770_000, 7_090_000)])
)


def site(
    source_id: str, category: str, kind: str, x: float, y: float, **numbers: Any
) -> SiteRecord:
    owner = numbers.pop("owner", None)
    attributes = numbers.pop("attributes", {})
    name = numbers.pop("name", f"{kind} {source_id}")
    heating, heat_plant = numbers.pop("heating", None), numbers.pop("heat_plant", None)
    return SiteRecord(
        source_id,
        name,
        category,
        kind,
        x,
        y,
        numbers,
        owner,
        attributes,
        heating=heating,
        heat_plant=heat_plant,
    )


def small_county(session: Session) -> dict[str, Any]:
    """Two municipalities, 3 populated cells, one site per category and one outside all."""
    imports.import_boundaries(session, [ABACKA, OSTERVIK], "test")
    cells = [
        CellRecord(751_000, 7_081_000, 120),
        CellRecord(752_000, 7_081_000, 30),
        CellRecord(765_000, 7_085_000, 55),
    ]
    imports.import_population(session, cells, "test")
    sites = [
        site(
            "care-1",
            "care",
            "elderly_home",
            751_500,
            7_081_500,
            residents=40,
            name="Björkgårdens äldreboende",
        ),
        site("gen-1", "power", "mobile_generator", 765_000, 7_085_000, capacity_kw=100),
        site("food-1", "food", "grocery", 766_000, 7_085_500, name="Ica Nära Östervik"),
        site(
            "energy-1",
            "energy",
            "school",
            752_500,
            7_081_500,
            shelter_capacity=200,
            owner="municipality",
        ),
        site("outside-1", "food", "supermarket", 800_000, 7_200_000),
    ]
    imports.import_sites(session, sites, "test")
    session.commit()
    return {"cells": cells, "sites": sites}


# --- Weather warnings -------------------------------------------------------------------

# Inland Västerbotten (Storuman–Lycksele), lon/lat; Östervik's test county lies east of it.
INLAND_LONLAT = [[16.0, 64.4], [18.5, 64.4], [18.5, 65.3], [16.0, 65.3], [16.0, 64.4]]
# Over the test county of small_county() (x 750-770 km, y 7080-7090 km), lon/lat.
SMALL_COUNTY_LONLAT = [[19.8, 63.65], [20.8, 63.65], [20.8, 63.95], [19.8, 63.95], [19.8, 63.65]]
# Skåne, far outside.
SKANE_LONLAT = [[13.0, 55.5], [14.0, 55.5], [14.0, 56.0], [13.0, 56.0], [13.0, 55.5]]


def ibww(
    *areas: dict[str, Any], warning_id: int = 90, event: str = "WIND", wind_snow: bool = True
) -> list[dict[str, Any]]:
    """An SMHI IBWW document (the warning.json array) with one warning and its areas."""
    return [
        {
            "id": warning_id,
            "normalProbability": True,
            "event": {"sv": "Vind", "en": "Wind", "code": event},
            "descriptions": [],
            "warningAreas": list(areas),
        }
    ]


def ibww_area(
    area_id: int = 901,
    level: str = "ORANGE",
    coords: list[list[float]] | None = None,
    published: str = "2026-11-26T10:00:00.000Z",
    hours: tuple[float, float] = (-1, 24),
) -> dict[str, Any]:
    """A warned area, in force from hours[0] to hours[1] relative to now."""
    from datetime import UTC, datetime, timedelta

    now = datetime.now(UTC)

    def stamp(h: float) -> str:
        return (now + timedelta(hours=h)).strftime("%Y-%m-%dT%H:%M:%S.000Z")

    return {
        "id": area_id,
        "approximateStart": stamp(hours[0]),
        "approximateEnd": stamp(hours[1]),
        "published": published,
        "normalProbability": True,
        "areaName": {"sv": "Västerbottens län", "en": "Västerbotten County"},
        "warningLevel": {"sv": level.title(), "en": level.title(), "code": level},
        "eventDescription": {
            "sv": "Vind i kombination med snöfall",
            "en": "Wind in combination with snowfall",
            "code": "WIND_SNOW",
        },
        "affectedAreas": [{"id": 24, "sv": "Västerbottens län", "en": "Västerbotten County"}],
        "descriptions": [],
        "area": {
            "type": "Feature",
            "geometry": {"type": "Polygon", "coordinates": [coords or SMALL_COUNTY_LONLAT]},
        },
    }


# Outage over Åbacka (x 750-760 km), in EPSG:3006.
OUTAGE_ABACKA = {
    "name": "Avbrott i Åbacka",
    "crs": "EPSG:3006",
    "outage": {
        "duration_hours": 24,
        "areas": {
            "type": "Polygon",
            "coordinates": [
                [
                    [750000, 7080000],
                    [760000, 7080000],
                    [760000, 7090000],
                    [750000, 7090000],
                    [750000, 7080000],
                ]
            ],
        },
    },
}


def heat_county(session: Session) -> None:
    """small_county with a district heating plant in Åbacka (no backup) heating an elderly
    home in Östervik, outside the outage, and food stocks (one unknown)."""
    small_county(session)
    imports.import_sites(
        session,
        [
            site(
                "dh-1",
                "utility",
                "district_heating_plant",
                755_000,
                7_085_000,
                name="Åbacka värmeverk",
            ),
            site(
                "care-2",
                "care",
                "elderly_home",
                768_000,
                7_088_000,
                residents=25,
                heating="district_heating",
                heat_plant="dh-1",
                name="Östergården",
            ),
            site("food-2", "food", "warehouse", 767_000, 7_086_000, stock_person_days=2000),
        ],
        "test",
    )
    session.commit()


SQUARE_ABACKA = [
    [750000, 7080000],
    [760000, 7080000],
    [760000, 7090000],
    [750000, 7090000],
    [750000, 7080000],
]


# OUTAGE_ABACKA with an orange snow zone over Östervik: the school in Åbacka, the only warm
# shelter, loses power; the grocery in Östervik keeps it.
OUTAGE_ABACKA_WITH_SNOW: dict[str, Any] = {
    "name": "Avbrott i Åbacka",
    "crs": "EPSG:3006",
    "outage": {"duration_hours": 24, "areas": {"type": "Polygon", "coordinates": [SQUARE_ABACKA]}},
    "snow_zones": [
        {
            "level": "orange",
            "geometry": {
                "type": "Polygon",
                "coordinates": [
                    [
                        [760000, 7080000],
                        [770000, 7080000],
                        [770000, 7090000],
                        [760000, 7090000],
                        [760000, 7080000],
                    ]
                ],
            },
        }
    ],
}


def saved_scenario(session: Session, document: dict[str, Any], kind: str = "user") -> Scenario:
    scenario = scenarios.create_scenario(session, parse_scenario(document), kind=kind)
    session.commit()
    return scenario


def finished_run(session: Session, document: dict[str, Any]) -> int:
    scenario = saved_scenario(session, document)
    run = runs.start_run(session, scenario)
    runs.compute_run(session, run.id)
    session.commit()
    return run.id


OUTAGE_ABACKA_LONG = {**copy.deepcopy(OUTAGE_ABACKA), "name": "Långt avbrott i Åbacka"}


def plan_county(session: Session) -> list[int]:
    """small_county plus a second elderly home in Åbacka; two saved scenarios."""
    small_county(session)
    imports.import_sites(
        session,
        [
            site(
                "care-2",
                "care",
                "group_home",
                758_000,
                7_088_000,
                residents=12,
                name="Gruppboendet Åsen",
            )
        ],
        "test2",
    )
    ids = [
        scenarios.create_scenario(session, parse_scenario(d)).id
        for d in (OUTAGE_ABACKA, OUTAGE_ABACKA_LONG)
    ]
    session.commit()
    return ids


CALM = {"name": "Lugnt väder"}


# Features per collection in small_county() (latest run: every site but generators, all cells).
OGC_COUNTS = {
    "municipalities": 2,
    "population": 3,
    "sites-care": 1,
    "sites-power": 1,
    "sites-food": 2,
    "sites-energy": 1,
    "sites-utility": 1,
    "roads": 2,
    "latest-run-sites": 5,
    "latest-run-cells": 3,
}


def ogc_county(session: Session) -> dict[str, Any]:
    """small_county() with a heat plant in Östervik heating care-1, and two finished runs;
    source ids (and 'cell <x_ll>') → feature ids."""
    small_county(session)
    plant = site("dh-1", "utility", "district_heating_plant", 767_000, 7_087_000, backup_kw=500)
    imports.import_sites(session, [plant], "test")
    session.execute(
        text("UPDATE sites SET heating = 'district_heating', heat_plant = 'dh-1',"
             " thermal_time_constant_hours = 80 WHERE source_id = 'care-1'")
    )  # fmt: skip
    for document in (CALM, OUTAGE_ABACKA):  # the outage run finishes last: the latest
        scenario = scenarios.create_scenario(session, parse_scenario(document))
        run = runs.start_run(session, scenario)
        runs.compute_run(session, run.id)
        session.commit()
    # Two roads after the runs (their figures stay straight-line): one in Åbacka, one in
    # Östervik.
    session.execute(
        text(
            "INSERT INTO roads (source_id, name, road_class, speed_kmh, geom) VALUES"
            " ('road-1', 'Åbackavägen', 'secondary', NULL,"
            "  ST_GeomFromText('LINESTRING(751000 7084000, 756000 7084500)', 3006)),"
            " ('road-2', 'E12', 'primary', 90,"
            "  ST_GeomFromText('LINESTRING(761000 7084000, 768000 7086000)', 3006))"
        )
    )
    session.commit()
    ids: dict[str, Any] = {"2401": "2401", "2403": "2403"}
    for sql in (
        "SELECT source_id, id FROM sites",
        "SELECT source_id, id FROM roads",
        "SELECT 'cell ' || x_ll, id FROM population_cells",
    ):
        ids.update((key, value) for key, value in session.execute(text(sql)))
    return ids


def box_polygon(x0: float, y0: float, x1: float, y1: float) -> dict[str, Any]:
    """A box as a GeoJSON Polygon (EPSG:3006 metres)."""
    ring = [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]
    return {"type": "Polygon", "coordinates": [ring]}


# v3: each outage area its own duration, and a road closure.
TWO_DURATIONS: dict[str, Any] = {
    "name": "Orange och röd vind",
    "crs": "EPSG:3006",
    "outage": {
        "duration_hours": 24,
        "areas": {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {"duration_hours": 12},
                    "geometry": box_polygon(750_000, 7_080_000, 760_000, 7_090_000),
                },
                {
                    "type": "Feature",
                    "properties": {"duration_hours": 48},
                    "geometry": box_polygon(760_000, 7_080_000, 770_000, 7_090_000),
                },
            ],
        },
    },
    "road_closures": box_polygon(755_000, 7_082_000, 757_000, 7_084_000),
    "parameters": {"closure_level": "red"},
}


def stored_warning(
    session: Session, identity: str, starts: datetime | None, **fields: Any
) -> WeatherWarning:
    """A wind warning in force over Åbacka (small_county's 2401), stored and flushed: an
    orange SMHI one published when it starts and lasting a day, unless `fields` say
    otherwise."""
    published = starts or datetime.now().astimezone()
    values: dict[str, Any] = {
        "source": "smhi-ibww",
        "identity": identity,
        "version": "1",
        "message": f"msg-{identity}",
        "level": "orange",
        "event_code": "wind",
        "event_sv": "Vind",
        "area_name_sv": "Västerbottens län",
        "starts": starts,
        "ends": None if starts is None else starts + timedelta(hours=24),
        "published": published,
        "geom": f"SRID=3006;{shapely.box(750_000, 7_080_000, 760_000, 7_090_000).wkt}",
        "polygonal": True,
        "involves_wind": True,
        "in_county": True,
        "raw": {},
    }
    warning = WeatherWarning(**(values | fields))
    session.add(warning)
    session.flush()
    return warning
