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
    # the map page (static/js/resiliencemap.js)
    "Municipality code": "Kommunkod",
    "Municipal boundary": "Kommungräns",
    "Grid cell here": "Rutan här",
    "inhabitants": "invånare",
    "Could not load": "Kunde inte hämta",
    "network error": "nätverksfel",
    "Session expired; log in again.": "Sessionen har gått ut; logga in igen.",
    "Background map": "Bakgrundskarta",
    "Hospital or warm shelter": "Sjukhus eller trygghetspunkt",
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
    # scenario and run pages (web/scenario_pages.py, templates/scenarios, static/js/scenarios.js)
    "Scenarios": "Scenarier",
    "Scenario": "Scenario",
    "New scenario": "Nytt scenario",
    "Run": "Kör",
    "Runs": "Körningar",
    "All runs": "Alla körningar",
    "Copy": "Kopiera",
    "Edit": "Ändra",
    "Show": "Visa",
    "Save": "Spara",
    "Save and run": "Spara och kör",
    "Actions": "Åtgärder",
    "Latest run": "Senaste körning",
    "never run": "aldrig körd",
    "No scenarios yet.": "Inga scenarier ännu.",
    "No runs yet.": "Inga körningar ännu.",
    "built-in": "inbyggt",
    "live (warnings)": "aktuellt (varningar)",
    "own": "eget",
    "Power outage": "Elavbrott",
    "No power outage.": "Inget elavbrott.",
    "Snow zone": "Snözon",
    "Snow zones": "Snözoner",
    "snow zones": "snözoner",
    "Outage area": "Avbrottsområde",
    "Outage areas": "Avbrottsområden",
    "area": "område",
    "areas": "områden",
    "hours": "timmar",
    "yellow": "gul",
    "orange": "orange",
    "red": "röd",
    "yellow warning": "gul varning",
    "orange warning": "orange varning",
    "red warning": "röd varning",
    "Parameters": "Parametrar",
    "default": "standard",
    "Description": "Beskrivning",
    "Duration": "Varaktighet",
    "Road speed without snow": "Hastighet utan snö",
    "Food within": "Livsmedel inom",
    "Hospital or health centre within": "Sjukhus eller hälsocentral inom",
    "Warm shelter within": "Trygghetspunkt inom",
    "Latest useful arrival of a mobile generator": (
        "Senaste användbara ankomst för mobilt reservkraftverk"
    ),
    "Upload a scenario file": "Ladda upp en scenariofil",
    "Upload": "Ladda upp",
    "Uploading…": "Laddar upp…",
    "Could not upload": "Kunde inte ladda upp",
    "A JSON scenario file: name, outage (duration_hours, areas), snow_zones (level, geometry)"
    ' and parameters. GeoJSON in WGS 84 unless "crs" says otherwise.': (
        "En scenariofil i JSON: name, outage (duration_hours, areas), snow_zones (level,"
        ' geometry) och parameters. GeoJSON i WGS 84 om inte "crs" säger annat.'
    ),
    "Copying…": "Kopierar…",
    "Could not copy": "Kunde inte kopiera",
    "Making scenarios needs the role planner or above.": (
        "Att skapa scenarier kräver rollen planerare eller högre."
    ),
    "You can look, but saving needs the role planner or above.": (
        "Du kan titta, men att spara kräver rollen planerare eller högre."
    ),
    "Built-in and live scenarios cannot be changed: saving makes a new scenario.": (
        "Inbyggda och aktuella scenarier kan inte ändras: när du sparar skapas ett nytt scenario."
    ),
    "Draw on the map": "Rita på kartan",
    "Choose what to draw, then the polygon or rectangle tool on the map. Change an area's kind"
    " or remove it in the list below or by clicking it.": (
        "Välj vad du ritar och sedan polygon- eller rektangelverktyget på kartan. Byt typ på ett"
        " område eller ta bort det i listan nedan eller genom att klicka på det."
    ),
    "Nothing drawn yet: the scenario then only changes the parameters.": (
        "Inget ritat ännu: då ändrar scenariot bara parametrarna."
    ),
    "Show on the map": "Visa på kartan",
    "Change to": "Ändra till",
    "Remove": "Ta bort",
    "Give the scenario a name.": "Ge scenariot ett namn.",
    "Saving…": "Sparar…",
    "Saved.": "Sparat.",
    "Could not save": "Kunde inte spara",
    "Starting the run…": "Startar körningen…",
    "Could not start the run": "Kunde inte starta körningen",
    # Leaflet.draw
    "Cancel": "Avbryt",
    "Finish": "Slutför",
    "Done": "Klar",
    "Delete last point": "Ta bort sista punkten",
    "Clear all": "Rensa allt",
    "Draw a polygon": "Rita en polygon",
    "Draw a rectangle": "Rita en rektangel",
    "Click to start drawing.": "Klicka för att börja rita.",
    "Click to continue drawing.": "Klicka för att fortsätta rita.",
    "Click the first point to close the area.": "Klicka på första punkten för att stänga området.",
    "Click and drag to draw a rectangle.": "Klicka och dra för att rita en rektangel.",
    "Release the mouse to finish.": "Släpp musknappen för att avsluta.",
    "Edit areas": "Ändra områden",
    "Remove areas": "Ta bort områden",
    "No areas to edit": "Inga områden att ändra",
    "No areas to remove": "Inga områden att ta bort",
    "Drag the corners to change the area.": "Dra i hörnen för att ändra området.",
    "Click Cancel to undo the changes.": "Klicka på Avbryt för att ångra ändringarna.",
    "Click an area to remove it.": "Klicka på ett område för att ta bort det.",
    "Areas cannot cross themselves.": "Ett område får inte korsa sig självt.",
    # a run
    "Status": "Status",
    "Started": "Startad",
    "by": "av",
    "model version": "modellversion",
    "the scenario": "scenariot",
    "Progress": "Förlopp",
    "queued": "i kö",
    "running": "pågår",
    "finished": "klar",
    "failed": "misslyckades",
    "The run failed": "Körningen misslyckades",
    "Run {id} has no result yet ({status}).": "Körning {id} har inget resultat ännu ({status}).",
    "Run {id}": "Körning {id}",
    "loading data": "läser in data",
    "power status": "strömförsörjning",
    "generators": "reservkraftverk",
    "travel times": "restider",
    "summaries": "sammanställning",
    "done": "klart",
    "storing results": "sparar resultatet",
    "waiting to retry": "väntar på nytt försök",
    "food": "livsmedel",
    "care": "vård",
    "shelter": "trygghetspunkt",
    "Per municipality": "Per kommun",
    "Click a municipality to zoom the map to it. People without a service: living where it"
    " cannot be reached within the time limit; red where the scenario is worse than the"
    " baseline.": (
        "Klicka på en kommun för att zooma kartan dit. Personer utan en funktion: bor där den"
        " inte nås inom tidsgränsen; rött där scenariot är sämre än normalläget."
    ),
    "Zoom the map to the municipality": "Zooma kartan till kommunen",
    "scenario": "scenario",
    "baseline": "normalläge",
    "Without food": "Utan livsmedel",
    "Without care": "Utan vård",
    "Without warm shelter": "Utan trygghetspunkt",
    "Care sites without power": "Vårdplatser utan ström",
    "Residents without power": "Boende utan ström",
    "Resident-hours without power": "Boendetimmar utan ström",
    "Generators assigned": "Tilldelade reservkraftverk",
    "Outside the municipalities": "Utanför kommunerna",
    "County total": "Länet totalt",
    "Mobile generators still free": "Mobila reservkraftverk kvar",
    "Baseline: the same computation without outage and snow zones.": (
        "Normalläge: samma beräkning utan elavbrott och snözoner."
    ),
    "Compare with another run": "Jämför med en annan körning",
    "Result document (JSON)": "Resultatdokument (JSON)",
    "Other sites without power": "Andra platser utan ström",
    "Generator dispatch": "Utskick av reservkraftverk",
    "Gap cells": "Rutor med brister",
    "New gap (covered in the baseline)": "Ny brist (täckt i normalläget)",
    "Lost services": "Förlorade funktioner",
    "Hours without power, before generators": "Timmar utan ström, före reservkraftverk",
    "Hours without power, after generators": "Timmar utan ström, efter reservkraftverk",
    "Generator": "Reservkraftverk",
    "Arrival (hours)": "Ankomst (timmar)",
    "none": "inget",
    "not reachable": "nås inte",
    "Travel minutes in the scenario (baseline); ● not within the limit, red ● a new gap.": (
        "Restid i minuter i scenariot (normalläget); ● inte inom gränsen, röd ● en ny brist."
    ),
    # comparing runs
    "Compare runs": "Jämför körningar",
    "Compare": "Jämför",
    "Compare A and B": "Jämför A och B",
    "{name} must be a run number": "{name} måste vara ett körningsnummer",
    "Two finished runs are needed to compare.": "Det behövs två klara körningar för att jämföra.",
    "± is B − A: green where B is better (fewer people or sites affected), red where it is"
    " worse.": (
        "± är B − A: grönt där B är bättre (färre personer eller platser drabbade), rött där"
        " det är sämre."
    ),
    "better in B": "bättre i B",
    "worse in B": "sämre i B",
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
