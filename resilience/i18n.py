"""Swedish by default, English on request (?lang=en, remembered in the session)."""

from __future__ import annotations

from flask import Flask, request, session

LANGUAGES = ("sv", "en")

# Keys are the English text; Swedish is the default language of the UI.
SV: dict[str, str] = {
    "Resilience map": "Resilienskarta",
    "Västerbotten resilience map": "Resilienskarta Västerbotten",
    "Log in": "Logga in",
    "Log out": "Logga ut",
    "User name": "Användarnamn",
    "Password": "Lösenord",
    "Wrong user name or password.": "Fel användarnamn eller lösenord.",
    "Map": "Karta",
    "Sites": "Platser",
    "Site": "Plats",
    "Municipalities": "Kommuner",
    "Municipality": "Kommun",
    "Population grid": "Befolkning (1 km-rutor)",
    "Population": "Befolkning",
    "inhabitants per km²": "invånare per km²",
    "Care": "Vård och omsorg",
    "Backup power": "Reservkraft",
    "Food": "Livsmedel",
    "Energy buildings": "Energikrävande byggnader",
    "Category": "Kategori",
    "Kind": "Typ",
    "Name": "Namn",
    "Source": "Källa",
    "Attributes": "Attribut",
    "Back to the map": "Tillbaka till kartan",
    "Legend": "Teckenförklaring",
    "Language": "Språk",
    "Error": "Fel",
    "Details": "Detaljer",
    "synthetic": "syntetisk",
    "warm shelter": "trygghetspunkt",
    "Coordinates": "Koordinater",
    "Loading…": "Laddar…",
    # kinds
    "hospital": "sjukhus",
    "health_centre": "hälsocentral",
    "elderly_home": "äldreboende",
    "group_home": "gruppboende",
    "home_care_base": "hemtjänstbas",
    "fixed_generator": "fast reservkraftverk",
    "mobile_generator": "mobilt reservkraftverk",
    "fuel_depot": "drivmedelsdepå",
    "supermarket": "stormarknad",
    "grocery": "livsmedelsbutik",
    "warehouse": "livsmedelslager",
    "school": "skola",
    "office": "kontor",
    "sports_hall": "idrottshall",
    "swimming_pool": "simhall",
    "care_home": "vårdbyggnad",
    "other": "övrigt",
    # attributes
    "residents": "boende",
    "critical_load_kw": "kritisk last (kW)",
    "backup_kw": "reservkraft (kW)",
    "fuel_hours": "bränsle (timmar)",
    "priority": "prioritet",
    "capacity_kw": "kapacitet (kW)",
    "mobilization_hours": "mobilisering (timmar)",
    "heated_area_m2": "uppvärmd yta (m²)",
    "energy_kwh_year": "energianvändning (kWh/år)",
    "owner": "ägare",
    "shelter_capacity": "trygghetspunkt, platser",
    "state": "staten",
    "region": "regionen",
    "municipality": "kommunen",
}


def current_language() -> str:
    wanted = request.args.get("lang")
    if wanted in LANGUAGES:
        session["lang"] = wanted
        return wanted
    lang = session.get("lang")
    return lang if lang in LANGUAGES else "sv"


def gettext(text: str) -> str:
    return SV.get(text, text) if current_language() == "sv" else text


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(_=gettext, current_language=current_language)
