"""The messages of the checks (geodata/messages.py: an id, an English template and its
parameters) in the user's language. Pages use the UI language; the API answers in English
unless `?lang=sv` or an Accept-Language that prefers Swedish asks for Swedish
(api_language; the scripts send their page's language)."""

from __future__ import annotations

import re
from typing import Any

from flask import request
from flask_babel import gettext as _

from geodata.messages import CODE_PARAMS, TEMPLATES, Message, render
from resilience.web import names

_WHERE = re.compile(r"(line|feature) (\d+)")


def where_label(where: str) -> str:
    """ "line 4" → "rad 4", "feature 3" → "objekt 3", "layer x feature 3" likewise."""
    words = {"line": _("line {n}"), "feature": _("feature {n}")}
    return _WHERE.sub(lambda m: words[m.group(1)].format(n=m.group(2)), where)


def message_text(entry: dict[str, Any] | Message | str) -> str:
    """One message ({message, code, params}, a Message or a text) in the current language:
    codes of a vocabulary by their names, with the code a file must spell. A message without
    an id (from a check not yet converted) stays as it came, in English."""
    if isinstance(entry, str):
        return entry
    if isinstance(entry, Message):
        entry = {"code": entry.code, "params": entry.params, "message": str(entry)}
    code, params = entry.get("code"), dict(entry.get("params") or {})
    if code not in TEMPLATES:
        return str(entry.get("message", ""))
    group = params.pop("group", None)
    for key, vocabulary in CODE_PARAMS.items():
        if isinstance(params.get(key), str):
            params[key] = names.label(vocabulary, params[key])
    if group in names.NAMES and isinstance(params.get("allowed"), list):
        params["allowed"] = [f"{names.label(group, c)} ({c})" for c in params["allowed"]]
    if "where" in params:
        params["where"] = where_label(str(params["where"]))
    return render(_(TEMPLATES[code]), params)


def api_language() -> str:
    """English unless ?lang=sv or Accept-Language asks for Swedish first."""
    wanted = request.args.get("lang")
    if wanted in ("sv", "en"):
        return wanted
    return request.accept_languages.best_match(["en", "sv"], default="en") or "en"
