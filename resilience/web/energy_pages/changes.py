"""Changes by editors from the energy pages' forms: a building's fields, its measures and
meter readings, the targets and class limits (the settings page), and imports. The service
commits each change and audits it; on the blueprint of web/energy_pages/."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask import flash, make_response, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from resilience import energy_figures as energy
from resilience.db import db
from resilience.errors import BadInput
from resilience.services import energy as service
from resilience.vocabulary import NUMBER_RANGES, SITE_INTEGERS
from resilience.web import names
from resilience.web.api.energy import editor, run_import
from resilience.web.auth import require_role, safe_next
from resilience.web.energy_pages import bp
from resilience.web.energy_pages.register import building
from resilience.web.forms import Form, FormInvalid


def _back(default: str) -> Any:
    return redirect(safe_next(request.form.get("next"), default))


def _form_action(action: Callable[[], str | None], default_url: str) -> ResponseReturnValue:
    """Run a change from a form (the service commits it) and say so, or show why not (the
    service rolled it back)."""
    try:
        message = action()
        if message:
            flash(message, "ok")
    except BadInput as err:
        flash(_("Not saved: {message}").format(message=err.message), "error")
    return _back(default_url)


def _edit(
    form: Form,
    labels: Mapping[str, str],
    act: Callable[[], str],
    again: Callable[[], ResponseReturnValue],
    default_url: str,
) -> ResponseReturnValue:
    """Run a change from a form (the service commits it) and say so; or show the page
    `again` with the form as typed and each problem next to its field (nothing changed:
    the service rolled back)."""
    try:
        message = act()
    except (FormInvalid, BadInput) as err:
        if isinstance(err, BadInput) and not form.service_error(err, labels):
            form.general(_("Not saved: {message}").format(message=err.message))
        page = make_response(again())
        page.status_code = err.status if isinstance(err, BadInput) else 400
        return page
    flash(message, "ok")
    return _back(default_url)


def _numbers(form: Form, labels: Mapping[str, str], names: tuple[str, ...]) -> dict[str, Any]:
    """The form's values with the fields `names` as numbers (read as the page prints them,
    within their NUMBER_RANGES; None when blank), for the service's parse."""
    data: dict[str, Any] = dict(form.values)
    for name in names:
        if name in form.values:
            low, high = NUMBER_RANGES.get(name, (0.0, None))
            whole = name in SITE_INTEGERS
            data[name] = form.number(
                name, labels[name], whole=whole, required=False, low=low, high=high
            )
    form.check()
    return data


def _building_labels() -> dict[str, str]:
    """The building form's fields by their visible labels (templates/energy/building.html)."""
    return {
        "owner": _("Owner"),
        "heating": _("Heating"),
        "heated_area_m2": _("Heated area"),
        "energy_kwh_year": _("Annual use in the register"),
        "styrel_priority": _("Styrel priority"),
        "peak_kw": _("Peak load"),
        "backup_kw": _("Backup power"),
        "fuel_hours": _("Fuel"),
        "shelter_capacity": _("Warm shelter, places"),
    }


BUILDING_NUMBERS = (
    "heated_area_m2",
    "energy_kwh_year",
    "peak_kw",
    "backup_kw",
    "fuel_hours",
    "shelter_capacity",
)


@bp.post("/energy/buildings/<int:site_id>")
@require_role("editor")
def update_building(site_id: int) -> ResponseReturnValue:
    form, labels = Form(request.form, "building"), _building_labels()

    def act() -> str:
        changes = service.parse_building_changes(_numbers(form, labels, BUILDING_NUMBERS))
        changed = service.update_building(db.session, site_id, changes, editor())
        return (
            _("Saved: {fields}.").format(fields=", ".join(names.label("field", f) for f in changed))
            if changed
            else _("Nothing changed.")
        )

    def again() -> ResponseReturnValue:
        return building(site_id, {"building": form})

    return _edit(form, labels, act, again, url_for("energy.building", site_id=site_id))


def _measure_labels() -> dict[str, str]:
    return {
        "title": _("Measure"),
        "ref": _("Reference"),
        "status": _("Status"),
        "date": _("Date"),
        "expected_kwh_year": _("Expected saving"),
        "verified_kwh_year": _("Verified saving"),
        "cost_sek": _("Cost"),
        "note": _("Note"),
    }


MEASURE_NUMBERS = ("expected_kwh_year", "verified_kwh_year", "cost_sek")


@bp.post("/energy/buildings/<int:site_id>/measures")
@require_role("editor")
def add_measure(site_id: int) -> ResponseReturnValue:
    form, labels = Form(request.form, "measure-new"), _measure_labels()

    def act() -> str:
        values = service.parse_measure(_numbers(form, labels, MEASURE_NUMBERS))
        service.add_measure(db.session, site_id, values, editor())
        return _("Measure added.")

    def again() -> ResponseReturnValue:
        return building(site_id, {"measure-new": form})

    url = url_for("energy.building", site_id=site_id) + "#measures"
    return _edit(form, labels, act, again, url)


@bp.post("/energy/measures/<int:measure_id>")
@require_role("editor")
def update_measure(measure_id: int) -> ResponseReturnValue:
    measure = service.get_measure(db.session, measure_id)
    site_id = measure.site_id
    key = f"measure-{measure_id}"
    form, labels = Form(request.form, key), _measure_labels()

    def act() -> str:
        values = service.parse_measure(_numbers(form, labels, MEASURE_NUMBERS))
        service.update_measure(db.session, measure_id, values, editor())
        return _("Measure saved.")

    def again() -> ResponseReturnValue:
        return building(site_id, {key: form})

    url = url_for("energy.building", site_id=site_id) + "#measures"
    return _edit(form, labels, act, again, url)


@bp.post("/energy/measures/<int:measure_id>/delete")
@require_role("editor")
def delete_measure(measure_id: int) -> ResponseReturnValue:
    site_id = service.delete_measure(db.session, measure_id, editor())
    flash(_("Measure deleted."), "ok")
    return redirect(url_for("energy.building", site_id=site_id) + "#measures")


@bp.post("/energy/buildings/<int:site_id>/readings")
@require_role("editor")
def save_reading(site_id: int) -> ResponseReturnValue:
    form = Form(request.form, "reading")
    labels = {"year": _("Year"), "month": _("Month"), "kwh": "kWh"}

    def act() -> str:
        year = form.number(
            "year", labels["year"], whole=True, low=energy.MIN_YEAR, high=energy.MAX_YEAR
        )
        month = form.number("month", labels["month"], whole=True, required=False, low=1, high=12)
        kwh = form.number("kwh", labels["kwh"], low=0, high=NUMBER_RANGES["kwh"][1])
        form.check()
        data = {"year": year, "month": month, "kwh": kwh}
        year, month, kwh = service.parse_reading(data)
        _r, action = service.save_reading(db.session, site_id, year, month, kwh, editor())
        return {"insert": _("Reading added."), "update": _("Reading replaced.")}.get(
            action, _("Nothing changed.")
        )

    def again() -> ResponseReturnValue:
        return building(site_id, {"reading": form})

    url = url_for("energy.building", site_id=site_id) + "#readings"
    return _edit(form, labels, act, again, url)


@bp.post("/energy/readings/<int:reading_id>/delete")
@require_role("editor")
def delete_reading(reading_id: int) -> ResponseReturnValue:
    site_id = service.delete_reading(db.session, reading_id, editor())
    flash(_("Reading deleted."), "ok")
    return redirect(url_for("energy.building", site_id=site_id) + "#readings")


@bp.get("/energy/settings")
def settings_page(forms: dict[str, Form] | None = None) -> ResponseReturnValue:
    """The targets and class limits; `forms`: a form that failed (target, limits-<kind>)."""
    register = service.load_register(db.session)
    defaults = energy.default_class_limits()
    return render_template(
        "energy/settings.html",
        targets=service.targets(db.session),
        default_target=energy.DEFAULT_TARGET,
        limits=register.limits,
        defaults=defaults,
        ratios=energy.BOVERKET_CLASS_RATIOS,
        reference=energy.BBR_LOKALER_EP_KWH_M2,
        names=register.names,
        forms=forms or {},
    )


def _target_labels() -> dict[str, str]:
    return {
        "owner": _("Owner"),
        "municipality_code": _("Municipality"),
        "reduction_percent": _("Reduction"),
        "base_year": _("Base year"),
        "target_year": _("Target year"),
        "note": _("Note"),
    }


def _target_values(form: Form, labels: Mapping[str, str]) -> dict[str, Any]:
    """The target form read as the page prints numbers, checked as the service checks it,
    in the user's language; FormInvalid with every problem."""
    pct = form.number("reduction_percent", labels["reduction_percent"], low=0, high=100)
    if pct is not None and not 0 < pct < 100:
        form.error("reduction_percent", labels["reduction_percent"], _("above 0 and below 100"))
    low, high = energy.MIN_YEAR, energy.MAX_YEAR
    base = form.number("base_year", labels["base_year"], whole=True, low=low, high=high)
    target = form.number(
        "target_year", labels["target_year"], whole=True, required=False, low=low, high=high
    )
    if base is not None and target is not None and target <= base:
        form.error("target_year", labels["target_year"], _("after the base year, or empty"))
    if form.text("municipality_code") and not form.text("owner"):
        problem = _("a municipality's target is for one owner: choose one")
        form.error("municipality_code", labels["municipality_code"], problem)
    form.check()
    return {**form.values, "reduction_percent": pct, "base_year": base, "target_year": target}


@bp.post("/energy/targets")
@require_role("editor")
def save_target() -> ResponseReturnValue:
    form, labels = Form(request.form, "target"), _target_labels()

    def act() -> str:
        values = service.parse_target(_target_values(form, labels))
        service.save_target(db.session, values, editor())
        return _("Target saved.")

    def again() -> ResponseReturnValue:
        return settings_page({"target": form})

    return _edit(form, labels, act, again, url_for("energy.settings_page"))


@bp.post("/energy/targets/<int:target_id>/delete")
@require_role("editor")
def delete_target(target_id: int) -> ResponseReturnValue:
    service.delete_target(db.session, target_id, editor())
    flash(_("Target deleted."), "ok")
    return redirect(url_for("energy.settings_page"))


@bp.post("/energy/class-limits")
@require_role("editor")
def save_class_limits() -> ResponseReturnValue:
    kind = request.form.get("kind", "")
    form = Form(request.form, f"limits-{kind}")
    labels = {f"limit_{c}": f"{c} ≤" for c in energy.CLASSES[:-1]}

    def act() -> str:
        if request.form.get("reset"):
            service.save_class_limits(db.session, kind, None, editor())
            return _("Class limits reset to the default.")
        limits = [form.number(name, label, low=0) for name, label in labels.items()]
        form.check()
        try:
            energy.check_class_limits([v for v in limits if v is not None])
        except ValueError:
            form.general(_("Not saved: the limits must be above 0 and increase from A to F."))
            form.check()
        service.save_class_limits(db.session, kind, limits, editor())
        return _("Class limits saved.")

    def again() -> ResponseReturnValue:
        return settings_page({f"limits-{kind}": form})

    return _edit(form, labels, act, again, url_for("energy.settings_page"))


@bp.route("/energy/import", methods=["GET", "POST"])
@require_role("editor")
def import_page() -> ResponseReturnValue:
    report_ = None
    kind = request.form.get("kind", "measures")
    form = Form(request.form, "import")
    if request.method == "POST":
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            form.error("file", _("File"), _("Choose a file to import."))
            page = render_template("energy/import.html", report=None, kind=kind, form=form)
            return page, 400
        report_ = run_import(
            kind,
            upload.filename,
            upload.read(),
            request.form.get("crs"),
            request.form.get("layer"),
        )
    page = render_template("energy/import.html", report=report_, kind=kind, form=form)
    return page, (200 if report_ is None or report_["ok"] else 422)
