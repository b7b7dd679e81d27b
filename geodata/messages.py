"""What a loader or an upload check tells the person who made the file, as an id, an English
template and its parameters, so that the web layer can say it in the user's language (the
domain code never calls Flask-Babel). The templates are marked with N_ for the catalog
(babel.cfg) and translated where they are shown (resilience/web/uploads.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


def N_(text: str) -> str:
    """Marks a template for the catalog; it is translated where it is shown."""
    return text


TEMPLATES: dict[str, str] = {
    "not_a_number": N_("{value} is not a number"),
    "not_finite": N_("{value} is not a finite number"),
    "number_grouping": N_("{value} is not a number: digits are grouped by three, as in 250 000"),
    "number_marks": N_("{value} is not a number: it has more than one decimal mark"),
    "negative": N_("{value} is negative; expected a number >= 0"),
    "priority_range": N_("priority {value} is out of range; expected 1 (highest) to 8"),
    "missing_coordinate": N_("missing coordinate"),
    "required": N_("missing; this field is required"),
    "missing_point": N_("missing geometry; a Point is required"),
    "empty_geometry": N_("empty geometry"),
    "not_a_point": N_("expected a Point, got a {geometry_type}"),
    "unknown_value": N_("unknown {field} {value}; expected one of {allowed}"),
    "unknown_kind": N_("unknown kind {value} for {category}; expected one of {allowed}"),
    "duplicate_id": N_("duplicate source_id {value} (first at {where})"),
    "duplicate_id_again": N_("duplicate source_id {value} (again at {where})"),
    "outside_scope": N_(
        "outside the municipality {scope} you upload for: it lies in {municipality}"
    ),
    "outside_county": N_(
        "outside the municipality {scope} you upload for: it lies in no municipality of the county"
    ),
    "stored_elsewhere": N_(
        "source_id {value} of source {source} is a stored site of {municipality}, outside the"
        " municipality {scope} you upload for"
    ),
    "no_column": N_("the file has no '{field}' field"),
    "no_source_id_column": N_(
        "the file has no 'source_id' field: every site needs an id, unique in the file (for"
        " OpenStreetMap data pass --profile osm)"
    ),
    "no_category_column": N_(
        "the file has no 'category' field: pass --profile osm for OpenStreetMap data, or"
        " --category/--kind to set them for every row"
    ),
    "no_kind_column": N_("the file has no 'kind' field: add one, or pass --kind"),
    "cannot_import": N_("the file cannot be imported: {reason}"),
    # Scenario files (resilience/scenarios.py).
    "invalid_scenario": N_("invalid scenario: {reason}"),
    "scenario_object": N_("a scenario is a JSON object"),
    "scenario_unknown_keys": N_("unknown keys: {keys}"),
    "scenario_name": N_("name: required, a non-empty text"),
    "scenario_number": N_("{where}: expected a number"),
    "scenario_minimum": N_("{where}: must be > {minimum}"),
    "scenario_level": N_("{where}.level: one of {allowed}"),
    "scenario_json": N_("not valid JSON: {detail}"),
    "scenario_range": N_("{where}: must be from {low} to {high} {unit}, not {value}"),
}
# Parameters that name codes of a vocabulary group (resilience/web/names.py): the web layer
# shows their display names, with the code where the file must spell it.
CODE_PARAMS: dict[str, str] = {"category": "category", "kind": "kind"}


def reason_of(exc: BaseException) -> str | Message:
    """The structured message an exception was raised with, else its text."""
    first = exc.args[0] if exc.args else ""
    return first if isinstance(first, Message) else str(exc)


@dataclass(frozen=True)
class Message:
    """One message: `code` names its template in TEMPLATES, `params` fill it. `allowed`
    (a list of codes) and `group` (their vocabulary) are shown as a list."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return render(TEMPLATES[self.code], self.params)


def render(template: str, params: dict[str, Any]) -> str:
    """The template filled in, lists joined with commas (English, or a translation)."""
    shown = {k: ", ".join(map(str, v)) if isinstance(v, list) else v for k, v in params.items()}
    return template.format(**shown)


def msg(code: str, **params: Any) -> Message:
    if code not in TEMPLATES:
        raise KeyError(f"no message template {code!r}")
    return Message(code, params)
