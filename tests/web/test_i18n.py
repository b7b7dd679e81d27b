"""Translations: every string the code, the templates and the scripts show has its Swedish
in translations/sv (extracted as `make translations` does), plurals, the scripts' catalog,
the display names of codes, and the language choice."""

from __future__ import annotations

import json
import os
import re
import shutil
from functools import cache
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale, gettext, ngettext

from resilience import energy_figures as energy
from resilience.config import PROJECT_ROOT
from resilience.vocabulary import CATEGORIES, KINDS, SITE_NUMBERS, SITE_TEXTS
from resilience.web import i18n, names

SV_PO = PROJECT_ROOT / "translations" / "sv" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"\{\w*\}|%\(\w+\)[sd]")


@cache
def _extracted() -> dict[str | tuple[str, str], list[str]]:
    """msgid (a pair for plurals) → where it is, from the code, templates and scripts.
    Extracted once for the module's three tests, which only read it."""
    with (PROJECT_ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found: dict[str | tuple[str, str], list[str]] = {}
    for filename, line, message, _comments, _context in extract_from_dir(
        PROJECT_ROOT, method_map, options_map
    ):
        key = message if isinstance(message, str) else (message[0], message[1])
        found.setdefault(key, []).append(f"{filename}:{line}")
    return found


def _catalog():  # type: ignore[no-untyped-def]
    with SV_PO.open("rb") as po:
        return read_po(po)


def test_every_string_shown_has_a_swedish_translation() -> None:
    extracted = _extracted()
    assert len(extracted) > 500  # the extraction found the code, templates and scripts
    assert "Log out" in extracted and "Could not load" in extracted  # Python/Jinja, JS
    catalog = _catalog()
    untranslated = []
    for key, where in extracted.items():
        message = catalog.get(key if isinstance(key, str) else key[0])
        strings = [] if message is None else message.string
        strings = [strings] if isinstance(strings, str) else list(strings)
        if message is None or message.fuzzy or not all(strings):
            untranslated.append(f"{key!r} ({where[0]})")
    assert not untranslated, "no Swedish (run make translations):\n" + "\n".join(untranslated)


def test_the_catalog_has_no_stale_entries_and_keeps_placeholders() -> None:
    extracted = {k if isinstance(k, str) else k[0] for k in _extracted()}
    catalog = _catalog()
    ids = [m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id]
    stale = [i for i in ids if i not in extracted]
    assert not stale, f"no longer in the code (run make translations): {stale}"
    for message in catalog:
        if not message.id:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        wanted = set(PLACEHOLDER.findall(ids[-1]))
        for string in strings:
            # A singular may leave the count out ("the accepted row"), never add one.
            found = set(PLACEHOLDER.findall(string))
            assert found <= wanted and (found == wanted or len(ids) > 1), (message.id, string)


def test_plurals_in_swedish_and_english(app: Flask) -> None:
    with app.test_request_context("/"):
        with force_locale("sv_SE"):
            assert ngettext("%(num)d row accepted", "%(num)d rows accepted", 1) == "1 rad godtas"
            assert ngettext("%(num)d row accepted", "%(num)d rows accepted", 2) == "2 rader godtas"
            assert gettext("Log out") == "Logga ut"
        with force_locale("en_GB"):
            assert ngettext("%(num)d row accepted", "%(num)d rows accepted", 1) == "1 row accepted"
            assert ngettext("%(num)d row accepted", "%(num)d rows accepted", 3) == "3 rows accepted"
            assert gettext("Log out") == "Log out"


def test_every_code_has_a_display_name_in_both_languages(app: Flask) -> None:
    vocabulary = {
        "category": CATEGORIES,
        "kind": {k for kinds in KINDS.values() for k in kinds},
        "field": (*SITE_NUMBERS, *SITE_TEXTS, "styrel_priority", "peak_kw"),
        "owner": energy.OWNERS,
        "heating": energy.HEATING,
        "measure_status": energy.MEASURE_STATUSES,
    }
    with app.test_request_context("/"):
        for group, codes in vocabulary.items():
            assert set(codes) <= set(names.NAMES[group]), group
            with force_locale("en_GB"):
                english = names.labels(group)
            with force_locale("sv_SE"):
                swedish = names.labels(group)
            assert all("_" not in name for name in english.values()), english
            assert all("_" not in name for name in swedish.values()), swedish
        with force_locale("sv_SE"):
            assert names.label("kind", "elderly_home") == "äldreboende"
            assert names.label("kind", "no_such_kind") == "no_such_kind"
        with force_locale("en_GB"):
            assert names.label("kind", "elderly_home") == "elderly home"
            assert names.label("warning", "red") == "Red warning"


def _script_catalog(client: FlaskClient, lang: str) -> dict:  # type: ignore[type-arg]
    response = client.get(f"/i18n/{lang}.js")
    assert response.status_code == 200 and response.mimetype == "text/javascript"
    prefix = "window.I18N_CATALOG = "
    assert response.text.startswith(prefix)
    return json.loads(response.text.removeprefix(prefix).rstrip().removesuffix(";"))


def test_the_scripts_catalog(client: FlaskClient) -> None:
    """One catalog for every script: each t('…') of static/js, and the names of codes."""
    messages = i18n.script_messages()
    assert {"Loading…", "Outage area", "Download", "Circle size: annual use"} <= set(messages)
    assert "Change to" in messages  # t('…') inside a template string, `${t('Change to')}:`
    js_extracted = {k for k, where in _extracted().items() if any(".js:" in w for w in where)}
    assert set(messages) == js_extracted  # the same strings as the catalog's extraction
    sv = _script_catalog(client, "sv")
    en = _script_catalog(client, "en")
    assert set(sv["messages"]) == set(messages) == set(en["messages"])
    assert sv["messages"]["Loading…"] == "Laddar…" and en["messages"]["Loading…"] == "Loading…"
    assert sv["messages"]["Change to"] != "Change to"
    assert sv["names"]["kind"]["sports_hall"] == "idrottshall"
    assert en["names"]["kind"]["sports_hall"] == "sports hall"
    assert en["names"]["status"]["queued"] == "queued" and sv["names"]["status"]["queued"] == "i kö"
    # Every page with scripts loads it in the page's language; the language stays as chosen.
    assert client.get("/i18n/de.js").status_code == 404
    page = client.get("/?lang=en").text
    assert "/i18n/en.js" in page and "js/i18n.js" in page
    assert client.get("/i18n/sv.js").status_code == 200
    assert "/i18n/en.js" in client.get("/scenarios").text


def test_language_choice_is_remembered(client: FlaskClient) -> None:
    assert "Logga ut" in client.get("/").text  # Swedish by default
    assert "Log out" in client.get("/scenarios?lang=en").text
    assert "Log out" in client.get("/scenarios").text  # remembered in the session
    assert "Logga ut" in client.get("/scenarios?lang=sv").text
    assert "Logga ut" in client.get("/scenarios?lang=fr").text  # unknown: as before


def test_catalogs_compile_when_the_po_is_newer(tmp_path: Path) -> None:
    target = tmp_path / "sv" / "LC_MESSAGES"
    target.mkdir(parents=True)
    shutil.copy(SV_PO, target / "messages.po")
    i18n.compile_catalogs(tmp_path)
    mo = target / "messages.mo"
    assert mo.stat().st_size > 10_000
    before = mo.stat().st_mtime_ns
    i18n.compile_catalogs(tmp_path)  # up to date: left alone
    assert mo.stat().st_mtime_ns == before
    po = target / "messages.po"
    text = po.read_text(encoding="utf-8").replace('msgstr "Logga ut"', 'msgstr "Logga ut nu"')
    po.write_text(text, encoding="utf-8")
    newer = mo.stat().st_mtime + 5
    os.utime(po, (newer, newer))
    i18n.compile_catalogs(tmp_path)
    assert b"Logga ut nu" in mo.read_bytes()
    assert not list(target.glob("*.mo.*"))  # no partial file left behind


def test_a_display_name_on_a_literal_follows_each_request_s_language(app: Flask) -> None:
    """Jinja folds a filter on literal arguments into a constant when the template compiles,
    unless the filter takes the context: then the first request's language would stay in
    every page (the food stock table's headers did, issue 20 item 11)."""
    template = app.jinja_env.from_string('{{ "food_stock_days"|label("metric") }}')
    with app.test_request_context("/?lang=en"):
        assert template.render() == "Food stock, days"
    with app.test_request_context("/?lang=sv"):
        assert template.render() == "Livsmedelslager, dagar"
