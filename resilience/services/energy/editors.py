"""What every change to the energy register shares: who edits (Editor) and in which
municipality, the building edited, and the checks of a form's or JSON body's values."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from geodata.loaders.fields import FieldError
from geodata.loaders.fields import number as parse_number
from geodata.loaders.fields import whole as parse_whole
from resilience import energy_figures
from resilience.errors import BadInput, Forbidden, NotFound
from resilience.models import Site
from resilience.vocabulary import OWNERS, range_problem


@dataclass(frozen=True)
class Editor:
    """Who edits: the name for the audit, and the municipality they are limited to (None:
    the whole county)."""

    name: str
    municipality: str | None = None


def energy_site(session: Session, site_id: int) -> Site:
    site = session.get(Site, site_id)
    if site is None or site.category != "energy":
        raise NotFound(f"no energy building with id {site_id}")
    return site


def check_scope(editor: Editor, site: Site) -> None:
    """Forbidden unless the editor may change this building."""
    if editor.municipality is not None and site.municipality_code != editor.municipality:
        raise Forbidden(
            f"you edit buildings in municipality {editor.municipality} only; "
            f"{site.name} is in {site.municipality_code or 'no municipality'}"
        )


def field_errors(errors: dict[str, str]) -> None:
    """BadInput naming every field that failed, if any did."""
    if errors:
        message = "; ".join(f"{k}: {v}" for k, v in errors.items())
        raise BadInput(message, details=errors)


def non_negative(raw: Any, integer: bool = False, name: str = "") -> float | int | None:
    """A number >= 0 (decimal comma allowed) within `name`'s range (vocabulary.NUMBER_RANGES),
    or None when blank."""
    value = (
        parse_whole(raw, decimal_comma=True) if integer else parse_number(raw, decimal_comma=True)
    )
    if value is not None and value < 0:
        raise FieldError(f"{raw!r} is negative; expected a number >= 0")
    if value is not None and (problem := range_problem(name, value)):
        raise FieldError(problem)
    return value


def owner_code(raw: Any) -> str:
    """An owner (vocabulary.OWNERS) from submitted text, any case."""
    owner = str(raw).strip().lower()
    if owner not in OWNERS:
        raise FieldError(f"unknown owner {raw!r}; expected one of {', '.join(OWNERS)}")
    return owner


def parse_year(raw: Any) -> int:
    """A year within the register's range (MIN_YEAR to MAX_YEAR)."""
    value = parse_whole(raw)
    if value is None or not energy_figures.MIN_YEAR <= value <= energy_figures.MAX_YEAR:
        raise FieldError(f"a year between {energy_figures.MIN_YEAR} and {energy_figures.MAX_YEAR}")
    return value
