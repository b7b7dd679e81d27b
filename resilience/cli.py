"""`flask --app app …` commands: database, data imports and accounts. Thin: parse, call a
service, commit, report."""

from __future__ import annotations

import getpass
import json
import os
import secrets
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, BinaryIO

import click
from alembic import command
from alembic.config import Config
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.orm import Session

from geodata.loaders.results import LoadResult
from geodata.records import ImportValidationError
from resilience.config import PROJECT_ROOT
from resilience.db import db
from resilience.errors import DomainError
from resilience.models import ROLES
from resilience.services import basemap, imports, roads, users, warning_ingest


def alembic_config(database_url: str) -> Config:
    cfg = Config(str(PROJECT_ROOT / "migrations" / "alembic.ini"))
    cfg.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return cfg


def create_database(database_url: str) -> bool:
    """CREATE DATABASE when missing (connecting to the server's `postgres` database)."""
    url = make_url(database_url)
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": url.database}
            )
            if not exists:
                # Identifiers cannot be bound parameters; quote it through the dialect.
                name = admin.dialect.identifier_preparer.quote(url.database or "")
                conn.execute(text(f"CREATE DATABASE {name} ENCODING 'UTF8' TEMPLATE template0"))
            return not exists
    finally:
        admin.dispose()


db_cli = AppGroup("db", help="Create and migrate the PostGIS database.")
geodata_cli = AppGroup("geodata", help="Load the built-in data and import registers.")
users_cli = AppGroup("users", help="Accounts and API tokens.")


def _url() -> str:
    return current_app.config["SETTINGS"].database_url


@db_cli.command("create")
def db_create() -> None:
    """Create the database if it does not exist."""
    created = create_database(_url())
    click.echo("Created the database." if created else "The database exists.")


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Migrate the schema (Alembic) to REVISION, by default the newest."""
    command.upgrade(alembic_config(_url()), revision)


@db_cli.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    command.downgrade(alembic_config(_url()), revision)


def _fail(err: Exception) -> None:
    click.echo(f"Error: {err}", err=True)
    sys.exit(1)


@geodata_cli.command("load-demo")
@click.option("--if-empty", is_flag=True, help="Only when no municipalities or sites exist.")
def load_demo(if_empty: bool) -> None:
    """Load the built-in Västerbotten data set (see geodata/demo/README.md)."""
    from geodata.demo import build_demo
    from geodata.demo.scenarios import builtin_scenarios
    from resilience.scenarios import parse_scenario
    from resilience.services.scenarios import create_scenario

    session = db.session
    with session.begin():
        empty = imports.database_is_empty(session)
    if if_empty and not empty:
        click.echo("The database holds data already; the built-in data set was not loaded.")
        return
    click.echo("Building the built-in Västerbotten data set…")
    demo = build_demo()
    with session.begin():
        for summary in (
            imports.import_boundaries(session, demo.municipalities, demo.source),
            imports.import_population(session, demo.cells, demo.source),
            imports.import_sites(session, demo.sites, demo.source),
            basemap.import_localities(session, basemap.demo_localities(demo), demo.source),
        ):
            click.echo(f"  {summary}")
        lines = roads.replace_network(session, [demo.roads], demo.source)
        click.echo(f"  roads: {lines} inserted (approximate numbered roads)")
        for document in builtin_scenarios(demo.municipalities):
            create_scenario(session, parse_scenario(document), kind="builtin")
            click.echo(f"  scenario: {document['name']}")
    click.echo("Loaded the built-in Västerbotten data set.")


def _stored_plants() -> frozenset[str]:
    """The district heating plants a file's heat_plant may name; the read's transaction is
    ended, so the import begins its own."""
    plants = imports.stored_plants(db.session)
    db.session.rollback()
    return plants


def _import(
    kind: str,
    path: Path,
    records_and_meta: Callable[[], LoadResult[Any]],
    writer: Callable[..., imports.ImportSummary],
    source: str | None,
    digest: str | None = None,
) -> None:
    """Read and import a file. With its content `digest` (sites), a file imported before
    under another name is said to be so and takes that import's source (unless --source
    is given), so its rows update the stored sites instead of adding them again."""
    session = db.session
    try:
        result = records_and_meta()
    except ImportValidationError as err:
        _fail(err)
        return
    for note in result.notes:
        click.echo(f"  note: {note}")
    for skipped in result.skipped:
        click.echo(f"  skipped {skipped}")
    extra: dict[str, Any] = {}
    if digest is not None:
        extra["digest"] = digest
        same = imports.earlier_import(session, kind, digest)
        session.rollback()  # the read's transaction; the import opens its own below
        if same is not None:
            click.echo(
                f"  note: same content as {same.filename or same.source!r}, imported"
                f" {same.created_at:%Y-%m-%d %H:%M} UTC by {same.user_name or 'unknown'}"
                f" (source {same.source!r})"
            )
            source = source or same.source
    try:
        with session.begin():
            summary = writer(
                session, result.records, source or path.stem, filename=path.name, **extra
            )
    except DomainError as err:
        _fail(err)
        return
    click.echo(f"Imported {path.name} ({result.format}, EPSG:{result.crs}): {summary}")


crs_option = click.option("--crs", help="CRS of the file when it does not say, e.g. EPSG:3006.")
source_option = click.option("--source", help="Source name (default: the file name).")
file_argument = click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))


@geodata_cli.command("import-boundaries")
@file_argument
@crs_option
@source_option
def import_boundaries(file: Path, crs: str | None, source: str | None) -> None:
    """Import municipality boundaries (code, name, polygon)."""
    from geodata.loaders import read_boundaries

    _import(
        "boundaries", file, lambda: read_boundaries(file, crs), imports.import_boundaries, source
    )


@geodata_cli.command("import-population")
@file_argument
@crs_option
@source_option
def import_population(file: Path, crs: str | None, source: str | None) -> None:
    """Import population grid cells (cell polygon or x, y of the lower-left corner)."""
    from geodata.loaders import read_population

    _import(
        "population", file, lambda: read_population(file, crs), imports.import_population, source
    )


@geodata_cli.command("import-sites")
@file_argument
@crs_option
@source_option
@click.option("--profile", type=click.Choice(["osm"]), help="Map a foreign register's fields.")
@click.option("--category", help="Category for rows that have none.")
@click.option("--kind", help="Kind for rows that have none.")
def import_sites(
    file: Path,
    crs: str | None,
    source: str | None,
    profile: str | None,
    category: str | None,
    kind: str | None,
) -> None:
    """Import sites; re-importing the same source updates them by source_id."""
    from geodata.loaders import read_sites
    from geodata.loaders.sources import content_digest

    defaults = {k: v for k, v in {"category": category, "kind": kind}.items() if v}
    _import(
        "sites",
        file,
        lambda: read_sites(
            file,
            crs,
            profile=profile,
            defaults=defaults,
            stored_plants=_stored_plants(),
        ),
        imports.import_sites,
        source,
        digest=content_digest(file.read_bytes()),
    )


@geodata_cli.command("import-localities")
@file_argument
@crs_option
@source_option
def import_localities(file: Path, crs: str | None, source: str | None) -> None:
    """Import named places for the map's own base layer (e.g. SCB tätorter as points)."""
    from geodata.loaders.basemap import read_localities

    _import(
        "localities", file, lambda: read_localities(file, crs), basemap.import_localities, source
    )


@geodata_cli.command("import-power-lines")
@file_argument
@crs_option
@source_option
def import_power_lines(file: Path, crs: str | None, source: str | None) -> None:
    """Import power lines for the map's own base layer (e.g. OpenStreetMap power=line)."""
    from geodata.loaders.basemap import read_power_lines

    _import(
        "power lines",
        file,
        lambda: read_power_lines(file, crs),
        basemap.import_power_lines,
        source,
    )


@geodata_cli.command("import-roads")
@file_argument
@crs_option
@source_option
@click.option("--layer", help="The line layer of a GeoPackage or zip with several.")
def import_roads(file: Path, crs: str | None, source: str | None, layer: str | None) -> None:
    """Replace the road network: an OpenStreetMap extract (.osm.pbf, .osm) or a line layer
    with road_class and speed_kmh (.gpkg, zipped Shapefile, .geojson)."""
    try:
        report = roads.import_path(
            db.session, file, source=source, crs=crs, layer=layer, user=getpass.getuser()
        )
    except DomainError as err:
        details = err.details.get("errors", []) if isinstance(err.details, dict) else []
        for error in details:
            where = (
                f"{error['where']}, field '{error['field']}'" if error["field"] else error["where"]
            )
            click.echo(f"  {where}: {error['message']}", err=True)
        _fail(err)
        return
    click.echo(
        f"Imported {file.name} ({report['format_name']}, {report['crs']}): "
        f"{report['lines']} lines read, {report['kept_total']} roads kept "
        f"in {report['seconds']:.1f} s; data version {report['data_version']}"
    )
    for road_class, count in report["kept"].items():
        click.echo(f"  {road_class}: {count} lines, {report['km'][road_class]:.1f} km")
    not_roads = report["dropped"]["not_a_road"]
    if not_roads:
        listed = ", ".join(f"{value} {count}" for value, count in not_roads.items())
        click.echo(f"  not roads (highway): {listed}")
    for reason, count in report["dropped"]["refused"].items():
        click.echo(f"  refused, {reason.replace('_', ' ')}: {count}")
    for line in report["refused_lines"]:
        click.echo(f"    {line['where']}: {line['message']}")


def _read_password() -> str:
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\n")


@users_cli.command("create")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--municipality", help="Kommun code a planner works for, e.g. 2480.")
def users_create(name: str, role: str, municipality: str | None) -> None:
    """Create an account; the password is read from stdin when it is not a terminal."""
    session = db.session
    try:
        with session.begin():
            users.create_user(session, name, _read_password(), role, municipality)
    except DomainError as err:
        _fail(err)
    click.echo(f"Created user {name} ({role}).")


@users_cli.command("token")
@click.argument("name")
@click.option("--days", type=int, help="Expire the token after this many days (default: never).")
@click.option("--label", default="command line", show_default=True, help="What it is for.")
def users_token(name: str, days: int | None, label: str) -> None:
    """Create an API token for NAME (use as `Authorization: Bearer TOKEN`). Users make their
    own on /tokens."""
    session = db.session
    try:
        with session.begin():
            token = users.create_token(session, name, days, label)
    except DomainError as err:
        _fail(err)
        return
    click.echo(token)


def _change(what: Callable[[Any], object], done: str) -> None:
    """Run a change to accounts in one transaction; a DomainError is the command's error."""
    session = db.session
    try:
        with session.begin():
            result = what(session)
    except DomainError as err:
        _fail(err)
        return
    click.echo(done.format(result=result))


@users_cli.command("revoke-tokens")
@click.argument("name")
def users_revoke_tokens(name: str) -> None:
    """Delete every API token of NAME: they stop working at once."""
    _change(lambda s: users.revoke_tokens(s, name), f"Revoked {{result}} token(s) of {name}.")


@users_cli.command("expire-tokens")
@click.argument("name")
@click.option("--days", type=click.IntRange(min=0), default=0, show_default=True)
def users_expire_tokens(name: str, days: int) -> None:
    """Make NAME's API tokens expire in DAYS days (0: now), unless they do sooner."""
    _change(
        lambda s: users.expire_tokens(s, name, days),
        f"{{result}} token(s) of {name} expire in {days} day(s).",
    )


@users_cli.command("password")
@click.argument("name")
def users_password(name: str) -> None:
    """Set NAME's password (stdin when not a terminal); their sessions end."""
    password = _read_password()
    _change(lambda s: users.set_password(s, name, password), f"New password set for {name}.")


@users_cli.command("disable")
@click.argument("name")
def users_disable(name: str) -> None:
    """NAME can no longer log in; their sessions end and their tokens stop working."""
    _change(lambda s: users.set_disabled(s, name, True), f"Disabled {name}.")


@users_cli.command("enable")
@click.argument("name")
def users_enable(name: str) -> None:
    """Let a disabled user log in again (their tokens work again unless revoked)."""
    _change(lambda s: users.set_disabled(s, name, False), f"Enabled {name}.")


def _login_redis() -> Any:
    from redis import Redis

    return Redis.from_url(current_app.config["SETTINGS"].redis_url, socket_connect_timeout=2)


@users_cli.command("locked")
def users_locked() -> None:
    """List the accounts and client addresses locked out after failed logins."""
    from resilience.services import login_limits

    found = login_limits.locks(_login_redis())
    for lock in found:
        click.echo(
            f"{lock.kind}\t{lock.key}\t{lock.failures} failures\t"
            f"{-(-lock.seconds_left // 60)} min left"
        )
    if not found:
        click.echo("No account or address is locked.")


@users_cli.command("unlock")
@click.argument("name", required=False)
@click.option("--address", help="a client address to unlock")
@click.option("--all", "everything", is_flag=True, help="every account and address")
def users_unlock(name: str | None, address: str | None, everything: bool) -> None:
    """Clear the failed logins of NAME and/or --address ADDRESS: they may log in again. Each
    lock cleared is written to audit_log (user "cli"), as an unlock on /admin/logins is."""
    from resilience.services import login_limits

    if not everything and not name and not address:
        raise click.UsageError("name a user, --address, or --all")
    redis = _login_redis()
    if everything:
        targets = [(lock.kind, lock.key) for lock in login_limits.locks(redis)]
    else:
        targets = [("account", name)] if name else []
        targets += [("address", address)] if address else []
    with db.session.begin():
        cleared = sum(
            login_limits.unlock_audited(db.session, redis, kind, key, "cli") is not None
            for kind, key in targets
        )
    if everything:
        login_limits.unlock_all(redis)  # and the failures not (yet) locking anything
    click.echo(f"Cleared {cleared} lock(s).")


@users_cli.command("ensure-admin")
def users_ensure_admin() -> None:
    """Create the first admin (RESILIENCE_ADMIN_PASSWORD, or a printed random one)."""
    session = db.session
    with session.begin():
        if users.count_admins(session):
            click.echo("An admin account exists.")
            return
        password = os.environ.get("RESILIENCE_ADMIN_PASSWORD") or secrets.token_urlsafe(12)
        users.create_user(session, "admin", password, "admin")
    if "RESILIENCE_ADMIN_PASSWORD" in os.environ:
        click.echo("Created user admin with the password from RESILIENCE_ADMIN_PASSWORD.")
    else:
        click.echo(f"Created user admin with password: {password}  (shown only this once)")


warnings_cli = AppGroup("warnings", help="SMHI and CAP weather warnings.")


@warnings_cli.command("ingest")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def warnings_ingest(file: Path) -> None:
    """Ingest an SMHI IBWW document (.json) or a CAP alert (.xml), as POST /api/v1/warnings."""
    from geodata.loaders.warnings import WarningFormatError
    from workers.queue import enqueue_live

    settings = current_app.config["SETTINGS"]
    content_type = (
        "application/xml" if file.suffix.lower() in (".xml", ".cap") else ("application/json")
    )
    session = db.session
    try:
        with session.begin():
            result = warning_ingest.ingest(
                session, settings, file.read_bytes(), content_type, posted_by=getpass.getuser()
            )
    except WarningFormatError as err:
        _fail(err)
        return
    for reason in result.refused:
        click.echo(f"  refused {reason}")
    click.echo(
        f"{file.name}: {result.report.stored} stored, {result.report.unchanged} unchanged,"
        f" {result.report.ended} ended"
    )
    if result.recalculation:
        enqueue_live(settings, result.recalculation)
        click.echo("The live scenario changed: a recalculation is queued.")


scenario_cli = AppGroup("scenario", help="Run outage and snowstorm scenarios.")


@scenario_cli.command("run")
@click.argument("file", type=click.File("rb"))
@click.option("--json", "as_json", is_flag=True, help="Print the result document (JSON).")
def scenario_run(file: BinaryIO, as_json: bool) -> None:
    """Compute a scenario FILE in this process (nothing is stored) and print the result."""
    from resilience.analysis import compute
    from resilience.scenarios import ScenarioError, parse_scenario_json
    from resilience.services.run_inputs import run_inputs

    try:
        spec = parse_scenario_json(file.read())
    except ScenarioError as err:
        _fail(err)
        return
    inputs = run_inputs(db.session)
    result = compute(
        inputs.sites, inputs.cells, inputs.names, spec.to_analysis(), roads=inputs.roads
    )
    document = result.to_document()
    if as_json:
        click.echo(json.dumps(document, ensure_ascii=False, indent=1))
        return
    click.echo(format_summary(spec.name, document))


def format_summary(name: str, document: dict[str, Any]) -> str:
    """A readable table per municipality and the county (Swedish headings)."""
    head = (
        f"{'Kommun':<14}{'Befolkning':>11}{'Utan livsmedel':>16}{'Utan vård':>11}"
        f"{'Utan värme':>12}{'Vård- och omsorgsenheter utan ström':>37}{'Boende':>8}"
        f"{'Boendetimmar':>14}"
    )
    lines = [f"Scenario: {name}", head, "-" * len(head)]

    def row(label: str, area: dict[str, Any]) -> str:
        u = area["uncovered"]
        return (
            f"{label:<14}{area['population']:>11}{u['food']:>16}{u['care']:>11}"
            f"{u['shelter']:>12}{area['care_sites_unpowered']:>37}"
            f"{area['residents_unpowered']:>8}{area['resident_hours_unpowered']:>14.2f}"
        )

    lines += [row(m["name"], m) for m in document["municipalities"]]
    lines.append("-" * len(head))
    county = document["county"]
    lines.append(row("Länet", county))
    lines.append(
        f"Mobila reservkraftverk: {county['generators_assigned']} utsända, "
        f"{county['generators_free']} lediga"
    )
    lines.append(  # v3: the clients live at home, apart from the residents above
        f"Hemtjänstens brukare vars bas saknar ström: {county['home_care_clients_unpowered']}"
    )
    days = county.get("food_stock_days")
    lines.append(
        f"Kalla vård- och omsorgsenheter: {county['care_sites_cold']}"
        f" ({county['residents_cold']} boende),"
        f" kalla trygghetspunkter: {county['shelters_cold']};"
        f" livsmedelslager: {'–' if days is None else f'{days:.1f}'} dagar"
    )
    return "\n".join(lines)


plan_cli = AppGroup("plan", help="Backup-power plans (which care sites to equip first).")


@plan_cli.command("run")
@click.option(
    "--scenario",
    "scenario_ids",
    type=int,
    multiple=True,
    required=True,
    help="A saved scenario's id; repeat for several.",
)
@click.option("--sites", type=int, default=10, show_default=True, help="K: sites to equip.")
@click.option(
    "--fuel-hours",
    type=float,
    default=72.0,
    show_default=True,
    help="Fuel hours of the new backup power.",
)
@click.option(
    "--objective",
    type=click.Choice(["resident_hours_unpowered", "resident_hours_cold"]),
    default="resident_hours_unpowered",
    show_default=True,
)
@click.option("--municipality", default=None, help="Restrict the candidates to this code.")
@click.option("--json", "as_json", is_flag=True, help="Print the plan document (JSON).")
def plan_run(
    scenario_ids: tuple[int, ...],
    sites: int,
    fuel_hours: float,
    objective: str,
    municipality: str | None,
    as_json: bool,
) -> None:
    """Compute a backup-power plan in this process (nothing is stored) and print it."""
    from resilience.services import plans

    session = db.session
    try:
        request = plans.parse_request(
            session,
            {
                "scenarios": list(scenario_ids),
                "sites": sites,
                "plan_fuel_hours": fuel_hours,
                "objective": objective,
                "municipality": municipality,
            },
        )
    except DomainError as err:
        _fail(err)
        return
    snapshots = plans.snapshots(session, request.scenario_ids)
    document, _food = plans.compute_document(
        session, request.to_dict(), snapshots, request.scenario_ids
    )
    if as_json:
        click.echo(json.dumps(document, ensure_ascii=False, indent=1))
        return
    click.echo(
        f"Reservkraftsplan: {document['objective']}, före {document['objective_before']:.1f}"
    )
    for rank, step in enumerate(document["steps"], start=1):
        click.echo(
            f"{rank:>3}. {step['name'] or step['source_id']:<40} {step['municipality'] or '':<6}"
            f" -{step['reduction']:>12.1f} → {step['objective_after']:>12.1f}"
        )


@geodata_cli.command("import-energy")
@click.argument("what", type=click.Choice(["register", "measures", "readings"]))
@file_argument
@crs_option
@source_option
@click.option("--layer", help="GeoPackage layer or table, when there are several.")
@click.option("--user", "user_name", default="cli", show_default=True, help="Name in the audit log")
def import_energy(
    what: str,
    file: Path,
    crs: str | None,
    source: str | None,
    layer: str | None,
    user_name: str,
) -> None:
    """Import the energy register, saving measures or meter readings (CSV, GeoPackage or
    GeoJSON); every change is written to the audit log."""
    from geodata.loaders.energy import read_measures, read_readings, read_register
    from resilience.services.energy.editors import Editor
    from resilience.services.energy.importing import (
        import_measures,
        import_readings,
        import_register,
    )

    readers: dict[str, Callable[[], LoadResult[Any]]] = {
        "register": lambda: read_register(file, crs, layer=layer, stored_plants=_stored_plants()),
        "measures": lambda: read_measures(file, layer=layer),
        "readings": lambda: read_readings(file, layer=layer),
    }
    writers: dict[str, Callable[..., imports.ImportSummary]] = {
        "register": import_register,
        "measures": import_measures,
        "readings": import_readings,
    }
    editor = Editor(user_name)

    def write(
        session: Session, records: Sequence[Any], name: str, filename: str | None = None
    ) -> imports.ImportSummary:
        return writers[what](session, records, name, editor, filename=filename)

    try:
        _import(what, file, readers[what], write, source)
    except ImportValidationError as err:  # a building the file names is not in the register
        _fail(err)


def init_app(app: Flask) -> None:
    for group in (db_cli, geodata_cli, users_cli, scenario_cli, warnings_cli, plan_cli):
        app.cli.add_command(group)
