"""Swedish by default, English on request (?lang=en, remembered in the session), through
Flask-Babel: the code and templates are written in English (the msgids), Swedish is in
translations/sv/LC_MESSAGES/messages.po, compiled to its .mo at start when the .po is newer.
The scripts in static/js read one JSON catalog of the page's language (`/i18n/<lang>.js`)."""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path
from typing import Any

from babel.messages.extract import extract
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Blueprint, Flask, Response, abort, request, session
from flask_babel import Babel, force_locale, gettext, ngettext
from jinja2 import pass_context

from resilience.config import LOCAL_TZ, PROJECT_ROOT
from resilience.web import names

LANGUAGES = ("sv", "en")
# Babel's formats per language: sv_SE writes 1 340,5 and 2026-12-02 22:39; English in the
# county's 24-hour clock (en_GB: 1,340.5 and 02/12/2026, 22:39).
LOCALES = {"sv": "sv_SE", "en": "en_GB"}
TRANSLATIONS = PROJECT_ROOT / "translations"
SCRIPTS = Path(__file__).resolve().parent.parent / "static" / "js"

bp = Blueprint("i18n", __name__)


# Machines' paths: their messages are English unless the client asks for Swedish.
MACHINE_PATHS = ("/api/", "/ogc", "/tiles/")


def current_language() -> str:
    wanted = request.args.get("lang")
    if request.path.startswith(MACHINE_PATHS):
        # ?lang=, else Accept-Language (the pages' scripts send their page's language),
        # else English; the session's choice is the pages'.
        if wanted in LANGUAGES:
            return wanted
        return request.accept_languages.best_match(["en", "sv"], default="en") or "en"
    if wanted in LANGUAGES:
        session["lang"] = wanted
        return wanted
    lang = session.get("lang")
    return lang if lang in LANGUAGES else "sv"


def _locale() -> str:
    return LOCALES[current_language()]


def compile_catalogs(directory: Path = TRANSLATIONS) -> None:
    """Each messages.po to its .mo when the .mo is missing or older (a clean checkout, an
    edited catalog). Written to a temporary file and renamed, so workers starting together
    never read half a file."""
    for po in directory.glob("*/LC_MESSAGES/*.po"):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as src:
            catalog = read_po(src)
        partial = mo.with_name(f"{mo.name}.{os.getpid()}")
        with partial.open("wb") as out:
            write_mo(out, catalog)
        os.replace(partial, mo)


@cache
def script_messages() -> tuple[str, ...]:
    """The strings the scripts look up with t('…'): what `make translations` extracts from
    static/js, with babel.cfg's options (t, also inside template strings)."""
    with (PROJECT_ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    pattern = next(p for p, method in method_map if method == "javascript")
    options = options_map[pattern]
    found: set[str] = set()
    for path in sorted(SCRIPTS.glob("*.js")):
        with path.open("rb") as source:
            for _line, message, _comments, _context in extract(
                "javascript", source, keywords=options["keywords"], options=options
            ):
                found.add(message)  # type: ignore[arg-type]  # one-argument keywords: a str
    return tuple(sorted(found))


def script_catalog() -> dict[str, Any]:
    """The scripts' catalog in the page's language: messages by English text, and the
    display names of codes (kinds, categories, …) by group."""
    return {
        "messages": {m: gettext(m) for m in script_messages()},
        "names": names.all_labels(),
    }


@bp.get("/i18n/<lang>.js")
def script(lang: str) -> Response:
    """The catalog as a script that sets window.I18N_CATALOG (static/js/i18n.js reads it)."""
    if lang not in LANGUAGES:
        abort(404)
    with force_locale(LOCALES[lang]):
        body = json.dumps(script_catalog(), ensure_ascii=False).replace("</", "<\\/")
    return Response(f"window.I18N_CATALOG = {body};\n", mimetype="text/javascript")


@pass_context
def _label_filter(_context: Any, code: str | None, group: str) -> str:
    """`"population"|label("metric")`: a display name in the request's language. It takes
    the context so that Jinja never folds it into a constant when the template compiles
    (on literal arguments it would, and every later page would keep the first request's
    language)."""
    return names.label(group, code)


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    app.config.setdefault("BABEL_DEFAULT_LOCALE", LOCALES["sv"])
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", LOCAL_TZ.key)
    compile_catalogs(Path(app.config["BABEL_TRANSLATION_DIRECTORIES"]))
    # Our own Jinja set-up, not Flask-Babel's: its "new style" gettext %-formats every
    # string, and ours use {name} placeholders with .format() and literal "%" signs.
    Babel(app, locale_selector=_locale, configure_jinja=False)
    app.jinja_env.add_extension("jinja2.ext.i18n")
    app.jinja_env.install_gettext_callables(gettext, ngettext, newstyle=False)  # type: ignore[attr-defined]  # jinja2.ext.i18n adds it
    app.jinja_env.globals.update(_=gettext, current_language=current_language)
    app.jinja_env.filters["label"] = _label_filter
    app.register_blueprint(bp)
