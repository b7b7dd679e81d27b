"""Swedish by default, English on request (?lang=en, remembered in the session)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

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
    # Weather warnings (templates/warnings/)
    "Warnings": "Varningar",
    "Weather warnings": "Vädervarningar",
    "valid until": "gäller till",
    "warning_yellow": "Gul varning",
    "warning_orange": "Orange varning",
    "warning_red": "Röd varning",
    "warning_message": "Meddelande",
    "Live run": "Live-körning",
    "since the previous live run": "sedan förra live-körningen",
    "elderly homes without power": "äldreboenden utan ström",
    "more people without food within 30 min": "fler personer utan livsmedel inom 30 min",
    "now": "nu",
    "The live run is being computed…": "Live-körningen beräknas…",
    "Live runs": "Live-körningar",
    "When": "När",
    "Warnings in force": "Gällande varningar",
    "No live run yet: no warning has reached the county.": (
        "Ingen live-körning ännu: ingen varning har nått länet."
    ),
    "Received warnings, newest first": "Mottagna varningar, nyaste först",
    "Received": "Mottagen",
    "Level": "Nivå",
    "Event": "Händelse",
    "Area": "Område",
    "Valid": "Giltig",
    "ended": "upphörd",
    "updated": "uppdaterad",
    "in force": "gäller",
    "over Västerbottens län": "över Västerbottens län",
    # energy saving in public buildings (templates/energy, resilience/web/energy_pages.py)
    "Energy": "Energi",
    "Energy saving": "Energibesparing",
    "Energy saving in public buildings": "Energibesparing i offentliga byggnader",
    "State, regional and municipal buildings in the county: their energy use, the measures "
    "taken to save energy and the progress against the targets. The county administrative "
    "board supports the owners in this government assignment.": (
        "Statliga, regionala och kommunala byggnader i länet: deras energianvändning, "
        "åtgärderna för att spara energi och hur det går mot målen. Länsstyrelsen stödjer "
        "fastighetsägarna i regeringsuppdraget."
    ),
    "Overview": "Översikt",
    "Energy map": "Energikarta",
    "Buildings": "Byggnader",
    "buildings": "byggnader",
    "Building": "Byggnad",
    "building": "byggnad",
    "Follow-up": "Uppföljning",
    "Load shedding": "Frånkoppling",
    "Targets and classes": "Mål och klasser",
    "Targets and energy classes": "Mål och energiklasser",
    "History": "Historik",
    "History of changes": "Ändringshistorik",
    "Import": "Importera",
    "Year": "År",
    "year": "år",
    "All": "Alla",
    "All municipalities": "Alla kommuner",
    "All owners": "Alla ägare",
    "All kinds": "Alla typer",
    "Sort by": "Sortera efter",
    "Owner": "Ägare",
    "owner unknown": "okänd ägare",
    "every owner": "alla ägare",
    "the whole county": "hela länet",
    "Heating": "Uppvärmning",
    "district_heating": "fjärrvärme",
    "electricity": "el",
    "heat_pump": "värmepump",
    "biofuel": "biobränsle",
    "oil": "olja",
    "Heated area": "Uppvärmd yta",
    "Annual use": "Årsanvändning",
    "Annual use in the register": "Årsanvändning i registret",
    "MWh/year": "MWh/år",
    "Intensity": "Energiintensitet",
    "Energy class": "Energiklass",
    "Energy classes": "Energiklasser",
    "Class": "Klass",
    "limits": "gränser",
    "Median of the kind": "Median för typen",
    "Saving potential": "Besparingspotential",
    "saving potential": "besparingspotential",
    "Largest saving potential": "Störst besparingspotential",
    "Savings achieved": "Uppnådd besparing",
    "of which verified": "varav verifierad",
    "Planned and in progress": "Planerad och pågående",
    "Cost of the measures": "Åtgärdernas kostnad",
    "Warm shelter": "Trygghetspunkt",
    "Warm shelters": "Trygghetspunkter",
    "Warm shelter, places": "Trygghetspunkt, platser",
    "places": "platser",
    "Load": "Effekt",
    "Peak load": "Toppeffekt",
    "stored peak": "lagrad toppeffekt",
    "estimated": "uppskattad",
    "metered": "mätt",
    "metered in {year}": "mätta {year}",
    "register": "registret",
    "no data": "uppgift saknas",
    "Fuel": "Bränsle",
    "fuel": "bränsle",
    "yes": "ja",
    "no": "nej",
    "Styrel priority": "Styrelprioritet",
    "Styrel priority class": "Styrels prioritetsklass",
    "Preparedness": "Beredskap",
    "In a disconnection": "Vid frånkoppling",
    "must stay on": "ska vara kvar",
    "may be cut by its priority class": "kan kopplas från enligt sin prioritetsklass",
    "Site page": "Platsens sida",
    "No municipality": "Ingen kommun",
    "Edit the building's energy data": "Ändra byggnadens energiuppgifter",
    "Energy-saving measures": "Energisparåtgärder",
    "Measure": "Åtgärd",
    "Date": "Datum",
    "Expected": "Förväntad",
    "Verified": "Verifierad",
    "Expected saving": "Förväntad besparing",
    "Verified saving": "Verifierad besparing",
    "Cost": "Kostnad",
    "Note": "Anteckning",
    "Reference": "Referens",
    "optional, unique per building": "valfri, unik per byggnad",
    "done: completed on": "klar: slutförd den",
    "planned": "planerad",
    "in_progress": "pågår",
    "Delete": "Ta bort",
    "Add a measure": "Lägg till en åtgärd",
    "No measures recorded.": "Inga åtgärder registrerade.",
    "Meter readings": "Mätarställningar",
    "Complete years": "Hela år",
    "Month": "Månad",
    "whole year": "helt år",
    "empty: whole year": "tom: helt år",
    "No readings.": "Inga mätvärden.",
    "Save the reading": "Spara mätvärdet",
    "verified": "verifierad",
    "Target": "Mål",
    "target": "mål",
    "less than in": "mindre än",
    "until": "till",
    "Who": "Vem",
    "What": "Vad",
    "Field": "Fält",
    "Old value": "Tidigare värde",
    "New value": "Nytt värde",
    "Context": "Sammanhang",
    "insert": "ny",
    "update": "ändring",
    "delete": "borttagning",
    "No changes recorded.": "Inga ändringar registrerade.",
    "Every change to the register, the measures, the readings, the targets and the class "
    "limits: who, when, the old and the new value. The latest 500.": (
        "Varje ändring av registret, åtgärderna, mätvärdena, målen och klassgränserna: vem, "
        "när, tidigare och nytt värde. De senaste 500."
    ),
    "Progress in {year}": "Måluppfyllelse {year}",
    "Progress against the target": "Måluppfyllelse",
    "Progress against the targets": "Uppföljning mot målen",
    "Use in the base year": "Användning basåret",
    "Use in {year}": "Användning {year}",
    "Change since the base year": "Förändring sedan basåret",
    "Share of the target reached": "Andel av målet uppnådd",
    "target met": "målet nått",
    "not yet": "inte än",
    "Buildings counted": "Byggnader som räknas",
    "without data, left out": "utan uppgifter, ej medräknade",
    "without data": "utan uppgifter",
    "less": "mindre",
    "No building has a base-year use yet.": "Ingen byggnad har ännu någon användning för basåret.",
    "Change since the base year per municipality": "Förändring sedan basåret per kommun",
    "Savings achieved per municipality": "Uppnådd besparing per kommun",
    "Energy use in the county": "Energianvändning i länet",
    "Energy use in {name}": "Energianvändning i {name}",
    "Energy use in the county per year": "Energianvändning i länet per år",
    "Bar: the change in energy use from each owner's base year (positive = less energy "
    "used); tick: the target. Click a name for the municipality's report.": (
        "Stapel: förändringen av energianvändningen från varje ägares basår (positiv = mindre "
        "energi använd); streck: målet. Klicka på ett namn för kommunens rapport."
    ),
    "Done measures: the verified saving, else the expected one.": (
        "Genomförda åtgärder: den verifierade besparingen, annars den förväntade."
    ),
    "Use: metered where there are readings, else the base-year use less the savings of the "
    "measures done. Target: each building's base-year use less its owner's target.": (
        "Användning: mätt där det finns mätvärden, annars basårets användning minus de "
        "genomförda åtgärdernas besparing. Mål: varje byggnads användning basåret minus "
        "ägarens mål."
    ),
    "Use": "Användning",
    "Base year": "Basår",
    "Base year use": "Användning basåret",
    "Change": "Förändring",
    "Reached": "Uppnått",
    "The county": "Länet",
    "Per owner": "Per ägare",
    "Targets in force": "Gällande mål",
    "Default": "Standard",
    "Set": "Satta",
    "Change the targets": "Ändra målen",
    "Report": "Rapport",
    "All buildings, ranked and filtered": "Alla byggnader, rangordnade och filtrerade",
    "No buildings.": "Inga byggnader.",
    "m: metered use of the latest complete year; otherwise the register's annual use. *: "
    "load estimated from the annual use.": (
        "m: mätt användning för senaste hela år; annars registrets årsanvändning. *: effekten "
        "uppskattad från årsanvändningen."
    ),
    "How the figures are computed": "Så räknas siffrorna fram",
    "Intensity = annual use (kWh) / heated area (m²). Annual use: the latest complete "
    "metered year (an annual reading or twelve monthly ones), else the register's figure.": (
        "Energiintensitet = årsanvändning (kWh) / uppvärmd yta (m²). Årsanvändning: senaste "
        "hela mätta år (ett årsvärde eller tolv månadsvärden), annars registrets uppgift."
    ),
    "Energy class A–G: Boverket's scale relative to the building code's requirement for a "
    "new building (A ≤ 50 %, B ≤ 75 %, C ≤ 100 %, D ≤ 135 %, E ≤ 180 %, F ≤ 235 %, G above). "
    "The default requirement is 70 kWh/m² and year for every kind (BBR 29, non-residential "
    "premises). Our intensity is delivered energy without Boverket's weighting factors and "
    "geographic correction, so the class is an approximation for comparison, not the class "
    "of an energy declaration. The limits can be set per kind.": (
        "Energiklass A–G: Boverkets skala i förhållande till byggreglernas krav på en ny "
        "byggnad (A ≤ 50 %, B ≤ 75 %, C ≤ 100 %, D ≤ 135 %, E ≤ 180 %, F ≤ 235 %, G däröver). "
        "Standardkravet är 70 kWh/m² och år för alla typer (BBR 29, lokaler). Intensiteten här "
        "är levererad energi utan Boverkets viktningsfaktorer och geografiska justering, så "
        "klassen är en jämförelse, inte energideklarationens klass. Gränserna kan sättas per "
        "typ."
    ),
    "Saving potential = (intensity − the median intensity of buildings of the same kind in "
    "the county) × heated area, in kWh/year; 0 at or below the median.": (
        "Besparingspotential = (energiintensitet − medianintensiteten för byggnader av samma "
        "typ i länet) × uppvärmd yta, i kWh/år; 0 vid eller under medianen."
    ),
    "Progress: each building's use in the base year of its owner's target (metered, else the "
    "register's figure) against its use in the year (metered, else the base less the savings "
    "of measures done since the base year; a measure counts from the year after it is done). "
    "Targets are set per owner, and per owner in a municipality; the default is 10 % less "
    "than in 2022.": (
        "Uppföljning: varje byggnads användning under basåret för ägarens mål (mätt, annars "
        "registrets uppgift) mot användningen under året (mätt, annars basåret minus "
        "besparingen från åtgärder genomförda sedan basåret; en åtgärd räknas från året efter "
        "att den blev klar). Mål sätts per ägare, och per ägare i en kommun; standard är 10 % "
        "mindre än 2022."
    ),
    "Savings achieved: done measures, with the verified saving when there is one, else the "
    "expected one.": (
        "Uppnådd besparing: genomförda åtgärder, med den verifierade besparingen när den "
        "finns, annars den förväntade."
    ),
    "Manual load shedding": "Manuell förbrukningsfrånkoppling",
    "What the energy buildings could shed in a manual disconnection, by Styrel priority "
    "class (class 8 is cut first, class 1 last), and the warm shelters and care sites that "
    "must stay on. Warm shelters and care buildings are never counted as load to shed.": (
        "Vad de energikrävande byggnaderna kan frånkoppla vid manuell "
        "förbrukningsfrånkoppling, per prioritetsklass i Styrel (klass 8 kopplas bort först, "
        "klass 1 sist), och de trygghetspunkter och vårdplatser som ska vara kvar. "
        "Trygghetspunkter och vårdbyggnader räknas aldrig som last att koppla bort."
    ),
    "Peak factor": "Toppfaktor",
    "Load in kW: the stored peak load where there is one, else annual use / 8 760 h × peak "
    "factor (default {factor}: an assumed winter peak of twice the mean load). That is the "
    "building's total energy load; where heat comes from district heating, biofuel or oil, "
    "the electric load actually shed is smaller. Store peak loads from the grid owner for "
    "better figures.": (
        "Effekt i kW: lagrad toppeffekt där den finns, annars årsanvändning / 8 760 h × "
        "toppfaktor (standard {factor}: en antagen vintertopp på dubbla medeleffekten). Det är "
        "byggnadens totala energieffekt; där värmen kommer från fjärrvärme, biobränsle eller "
        "olja är den elektriska last som faktiskt kopplas bort mindre. Lagra toppeffekter från "
        "nätägaren för bättre siffror."
    ),
    "Cut from this class to 8": "Bortkopplat från denna klass till 8",
    "of which estimated": "varav uppskattade",
    "not classified": "ej klassad",
    "Non-critical load, classified": "Icke-kritisk last, klassad",
    "Must stay on": "Ska vara kvar",
    "Why": "Varför",
    "Care building": "Vårdbyggnad",
    "Care site": "Vård- och omsorgsplats",
    "None.": "Inga.",
    "Load estimated with peak factor {factor} where no peak load is stored.": (
        "Effekten uppskattad med toppfaktor {factor} där ingen toppeffekt är lagrad."
    ),
    "Energy report": "Energirapport",
    "County Administrative Board of Västerbotten": "Länsstyrelsen Västerbotten",
    "printed": "utskriven",
    "Print": "Skriv ut",
    "Key figures": "Nyckeltal",
    "No building above the median of its kind.": "Ingen byggnad över medianen för sin typ.",
    "Saving targets": "Besparingsmål",
    "A building follows the most specific target: its owner's in its municipality, else its "
    "owner's in the county, else the county's for every owner, else the default: {pct} % "
    "less than in {year}.": (
        "En byggnad följer det mest specifika målet: ägarens i kommunen, annars ägarens i "
        "länet, annars länets för alla ägare, annars standardmålet: {pct} % mindre än {year}."
    ),
    "Reduction": "Minskning",
    "Target year": "Målår",
    "No targets set: the default applies.": "Inga mål satta: standardmålet gäller.",
    "Set the target": "Sätt målet",
    "Energy class limits": "Gränser för energiklasser",
    "Upper limits of classes A to F in kWh per m² heated area and year; above F is G. The "
    "default for every kind is Boverket's scale (A ≤ 50 %, B ≤ 75 %, C ≤ 100 %, D ≤ 135 %, E "
    "≤ 180 %, F ≤ 235 % of the requirement on a new building) applied to {ref} kWh/m², the "
    "building code's (BBR 29) requirement on the primary energy number of non-residential "
    "premises.": (
        "Övre gränser för klasserna A till F i kWh per m² uppvärmd yta och år; över F är G. "
        "Standard för alla typer är Boverkets skala (A ≤ 50 %, B ≤ 75 %, C ≤ 100 %, D ≤ 135 %, "
        "E ≤ 180 %, F ≤ 235 % av kravet på en ny byggnad) tillämpad på {ref} kWh/m², "
        "byggreglernas (BBR 29) krav på primärenergital för lokaler."
    ),
    "The intensity here is delivered energy as the owners report it, without Boverket's "
    "weighting factors per energy carrier, geographic correction factor or ventilation "
    "allowances, and it may include operational electricity. The class is therefore a "
    "yardstick to compare buildings, not the class in the building's energy declaration. "
    "Swimming pools have no requirement of their own and come out G with the default: set "
    "limits per kind to compare them among themselves.": (
        "Intensiteten här är levererad energi så som ägarna rapporterar den, utan Boverkets "
        "viktningsfaktorer per energibärare, geografiska justeringsfaktor eller tillägg för "
        "ventilation, och den kan innehålla verksamhetsel. Klassen är därför en måttstock för "
        "att jämföra byggnader, inte klassen i byggnadens energideklaration. Simhallar har "
        "inget eget krav och hamnar i G med standardgränserna: sätt gränser per typ för att "
        "jämföra dem med varandra."
    ),
    "changed": "ändrad",
    "Import the register, measures or readings": "Importera registret, åtgärder eller mätvärden",
    "The whole file is checked first; if any row has a problem, nothing is imported and "
    "every problem is listed with its row and field. Importing the same file again changes "
    "nothing; a changed row updates what it names. Every change is recorded in the history.": (
        "Hela filen kontrolleras först; har någon rad ett fel importeras ingenting och varje "
        "fel listas med rad och fält. Att importera samma fil igen ändrar ingenting; en ändrad "
        "rad uppdaterar det den avser. Varje ändring sparas i historiken."
    ),
    "Buildings (the register)": "Byggnader (registret)",
    "File": "Fil",
    "CRS of the coordinates": "Koordinaternas referenssystem",
    "register only, when the file does not say": "bara registret, när filen inte anger det",
    "GeoPackage layer": "Lager i GeoPackage",
    "when it has several": "när den har flera",
    "Imported": "Importerat",
    "new": "nya",
    "Nothing was imported: {n} problem(s).": "Ingenting importerades: {n} fel.",
    "Where": "Var",
    "Problem": "Fel",
    "Columns": "Kolumner",
    "a point": "en punkt",
    "with a CRS, or": "med referenssystem, eller",
    "or the geometry of a GeoPackage/GeoJSON": "eller geometrin i en GeoPackage/GeoJSON",
    "Other columns are kept as attributes.": "Övriga kolumner sparas som attribut.",
    "or": "eller",
    "required when done": "krävs när den är klar",
    "1–12, empty for the whole year": "1–12, tom för helt år",
    "The exports on the Buildings page have these columns and can be imported again.": (
        "Exporterna på sidan Byggnader har dessa kolumner och kan importeras igen."
    ),
    "On the map": "På kartan",
    "Export": "Exportera",
    "measures": "åtgärder",
    "readings": "mätvärden",
    "Buildings by energy class": "Byggnader efter energiklass",
    "Total use per municipality": "Total användning per kommun",
    "Circle size: annual use": "Cirkelns storlek: årsanvändning",
    "Not saved: {message}": "Sparades inte: {message}",
    "Saved: {fields}.": "Sparat: {fields}.",
    "Nothing changed.": "Inget ändrades.",
    "Measure added.": "Åtgärden lades till.",
    "Measure saved.": "Åtgärden sparades.",
    "Measure deleted.": "Åtgärden togs bort.",
    "Reading added.": "Mätvärdet lades till.",
    "Reading replaced.": "Mätvärdet ersattes.",
    "Reading deleted.": "Mätvärdet togs bort.",
    "Target saved.": "Målet sparades.",
    "Target deleted.": "Målet togs bort.",
    "Class limits saved.": "Klassgränserna sparades.",
    "Class limits reset to the default.": "Klassgränserna återställdes till standard.",
    "The form has expired; reload the page and try again.": (
        "Formuläret har gått ut; ladda om sidan och försök igen."
    ),
    "Choose a file to import.": "Välj en fil att importera.",
    "Upload a CSV, GeoPackage or GeoJSON file.": (
        "Ladda upp en CSV-, GeoPackage- eller GeoJSON-fil."
    ),
    "unknown import {kind}": "okänd import {kind}",
    "unknown kind {kind}": "okänd typ {kind}",
    "unknown municipality {code}": "okänd kommun {code}",
    "unknown owner {owner}": "okänd ägare {owner}",
    "unknown sort {sort}": "okänd sortering {sort}",
    "no export {what}": "ingen export {what}",
    "year must be between 1990 and 2100": "året måste vara mellan 1990 och 2100",
    "peak_factor must be a number": "peak_factor måste vara ett tal",
    "peak_factor must be above 0 and at most 10": "peak_factor måste vara över 0 och högst 10",
    "{name} must be a whole number": "{name} måste vara ett heltal",
    # uploads of planners' registers (resilience/web/uploads.py)
    "Uploads": "Uppladdning",
    "Upload a register of sites": "Ladda upp ett register med platser",
    (
        "The file is checked row by row before anything is saved. You see which rows are "
        "accepted (new, updated or unchanged) and which are refused, with the reason; nothing "
        "is imported until you confirm. Uploading the same file again changes nothing."
    ): (
        "Filen kontrolleras rad för rad innan något sparas. Du ser vilka rader som godtas (nya, "
        "uppdaterade eller oförändrade) och vilka som avvisas, med skälet; inget importeras "
        "förrän du bekräftar. Att ladda upp samma fil igen ändrar ingenting."
    ),
    "You upload sites in municipality {code} only; rows elsewhere are refused.": (
        "Du laddar upp platser i kommun {code}; rader på andra ställen avvisas."
    ),
    "You upload sites for the whole county.": "Du laddar upp platser för hela länet.",
    "The file cannot be imported.": "Filen kan inte importeras.",
    "Source name": "Källans namn",
    "default: the file name; the same source and source_id updates a site": (
        "standard: filnamnet; samma källa och source_id uppdaterar en plats"
    ),
    "when the file does not say": "när filen inte anger det",
    "Profile": "Profil",
    "our fields": "våra fält",
    "Check the file": "Kontrollera filen",
    "Choose a file to upload (the multipart field 'file').": (
        "Välj en fil att ladda upp (multipart-fältet 'file')."
    ),
    "unknown profile {profile}": "okänd profil {profile}",
    "The file is too large: the limit is {size}.": "Filen är för stor: gränsen är {size}.",
    "Upload another file": "Ladda upp en annan fil",
    "Format": "Format",
    "CRS": "Koordinatsystem",
    "given": "angivet",
    "detected": "avläst ur filen",
    "Uploaded by": "Uppladdad av",
    "{accepted} row(s) accepted, {refused} refused": "{accepted} rad(er) godtas, {refused} avvisas",
    "{n} skipped": "{n} hoppas över",
    "{insert} new, {update} updated, {unchanged} unchanged": (
        "{insert} nya, {update} uppdaterade, {unchanged} oförändrade"
    ),
    "Imported: {inserted} new, {updated} updated, {unchanged} unchanged.": (
        "Importerat: {inserted} nya, {updated} uppdaterade, {unchanged} oförändrade."
    ),
    "Confirm import": "Bekräfta import",
    "Imports the {n} accepted row(s) in one go; the refused rows are left out.": (
        "Importerar de {n} godtagna raderna i ett svep; de avvisade lämnas utanför."
    ),
    "Every row was refused; there is nothing to import.": (
        "Alla rader avvisades; det finns inget att importera."
    ),
    "Refused rows": "Avvisade rader",
    "Skipped rows": "Rader som hoppas över",
    "Accepted rows": "Godtagna rader",
    "Reason": "Skäl",
    "On import": "Vid import",
    "New site": "Ny plats",
    "Update": "Uppdatering",
    "Unchanged": "Oförändrad",
    "The first {n} rows are shown; the API lists them all.": (
        "De första {n} raderna visas; API:et listar alla."
    ),
    "This report is kept until {time}.": "Rapporten sparas till {time}.",
    # GIS exports (resilience/web/exports.py, templates/exports)
    "Export for GIS": "Export för GIS",
    "Export log": "Exportlogg",
    (
        "The map layers or the results of a run as GeoPackage, zipped Shapefile, CSV or "
        "GeoJSON, in SWEREF 99 TM (EPSG:3006) or WGS 84 (EPSG:4326), for QGIS and ArcGIS. Up "
        "to {limit} features download at once; larger exports are built in the background "
        "and kept for {hours} hours."
    ): (
        "Kartlagren eller resultatet av en körning som GeoPackage, zippad Shapefile, CSV eller "
        "GeoJSON, i SWEREF 99 TM (EPSG:3006) eller WGS 84 (EPSG:4326), för QGIS och ArcGIS. "
        "Upp till {limit} objekt laddas ner direkt; större exporter byggs i bakgrunden och "
        "sparas i {hours} timmar."
    ),
    (
        "This export has {n} features, more than {limit}: it is built in the background. "
        "Check the choices and press Export."
    ): (
        "Exporten har {n} objekt, fler än {limit}: den byggs i bakgrunden. Kontrollera valen "
        "och tryck på Exportera."
    ),
    "Map layers": "Kartlager",
    "Results of a run": "Resultat av en körning",
    "No finished runs yet.": "Inga färdiga körningar ännu.",
    "File format": "Filformat",
    "Coordinate system": "Koordinatsystem",
    "GeoJSON is always WGS 84 (RFC 7946).": "GeoJSON är alltid WGS 84 (RFC 7946).",
    "CSV geometry": "Geometri i CSV",
    "WKT column": "WKT-kolumn",
    "X and Y columns (polygons: centroid)": "X- och Y-kolumner (polygoner: tyngdpunkt)",
    "Filter": "Filter",
    "The whole county": "Hela länet",
    "All categories": "Alla kategorier",
    "Build in the background even when small": "Bygg i bakgrunden även när den är liten",
    "Background exports": "Exporter i bakgrunden",
    "Requested": "Beställd",
    "Size": "Storlek",
    "Expires": "Upphör",
    "Download": "Ladda ner",
    "expired": "utgången",
    "No background exports in the last 24 hours.": "Inga exporter i bakgrunden senaste dygnet.",
    "What the files contain": "Vad filerna innehåller",
    (
        "Layer names and fields are the same in every format. Shapefile field names are at "
        "most 10 characters: the table gives the short name of each field, and every "
        "Shapefile zip carries it as field_names.csv. Text is UTF-8 in every format (the "
        "Shapefile's .cpg says so); CSV files start with a byte order mark for Excel."
    ): (
        "Lagrens namn och fält är desamma i alla format. Fältnamn i Shapefile har högst 10 "
        "tecken: tabellen ger varje fälts korta namn, och varje Shapefile-zip har den med som "
        "field_names.csv. Text är UTF-8 i alla format (Shapefilens .cpg säger det); CSV-filer "
        "börjar med en byte order mark för Excel."
    ),
    "Shapefile field": "Fält i Shapefile",
    "Type": "Typ",
    "Sites with their power status": "Platser med elförsörjning",
    "Grid cells with travel times": "Rutor med restider och täckning",
    "Summary per municipality": "Sammanfattning per kommun",
    "Gap areas per service": "Luckor per tjänst",
    (
        "Every export: who, when, what, with which filters, format and coordinate system. "
        "The latest 500."
    ): (
        "Varje export: vem, när, vad, med vilka filter, format och koordinatsystem. De senaste 500."
    ),
    "How": "Hur",
    "Features": "Objekt",
    "No exports recorded.": "Inga exporter registrerade.",
    "direct": "direkt",
    "background": "i bakgrunden",
    "download": "nedladdning",
    "Export all layers": "Exportera alla lager",
    "More choices…": "Fler val…",
    "Choose at least one layer.": "Välj minst ett lager.",
    # The 503 page (resilience/errors.py).
    "Temporarily unavailable": "Tillfälligt otillgänglig",
    "Try again": "Försök igen",
    "the request took too long and was stopped; ask for less (a smaller bbox, a filter)": (
        "frågan tog för lång tid och avbröts; be om mindre (en mindre bbox, ett filter)"
    ),
    "the database cannot be reached just now; try again in a minute": (
        "databasen går inte att nå just nu; försök igen om en minut"
    ),
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


# Times are stored in UTC and shown as the county lives them.
LOCAL_TZ = ZoneInfo("Europe/Stockholm")


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(_=gettext, current_language=current_language, local_tz=LOCAL_TZ)
