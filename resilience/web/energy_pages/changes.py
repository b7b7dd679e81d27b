"""Changes by editors from the energy pages' forms: a building's fields, its measures and
meter readings, the targets and class limits (the settings page), and imports. The service
commits each change and audits it; on the blueprint of web/energy_pages/."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from resilience import energy_figures as energy
from resilience.db import db
from resilience.errors import BadInput
from resilience.services import energy as service
from resilience.web import names
from resilience.web.api.energy import editor, run_import
from resilience.web.auth import require_role, safe_next
from resilience.web.energy_pages import bp


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


@bp.post("/energy/buildings/<int:site_id>")
@require_role("editor")
def update_building(site_id: int) -> ResponseReturnValue:
    def act() -> str:
        changes = service.parse_building_changes(request.form)
        changed = service.update_building(db.session, site_id, changes, editor())
        return (
            _("Saved: {fields}.").format(fields=", ".join(names.label("field", f) for f in changed))
            if changed
            else _("Nothing changed.")
        )

    return _form_action(act, url_for("energy.building", site_id=site_id))


@bp.post("/energy/buildings/<int:site_id>/measures")
@require_role("editor")
def add_measure(site_id: int) -> ResponseReturnValue:
    def act() -> str:
        values = service.parse_measure(request.form)
        service.add_measure(db.session, site_id, values, editor())
        return _("Measure added.")

    return _form_action(act, url_for("energy.building", site_id=site_id) + "#measures")


@bp.post("/energy/measures/<int:measure_id>")
@require_role("editor")
def update_measure(measure_id: int) -> ResponseReturnValue:
    measure = service.get_measure(db.session, measure_id)
    site_id = measure.site_id

    def act() -> str:
        values = service.parse_measure(request.form)
        service.update_measure(db.session, measure_id, values, editor())
        return _("Measure saved.")

    return _form_action(act, url_for("energy.building", site_id=site_id) + "#measures")


@bp.post("/energy/measures/<int:measure_id>/delete")
@require_role("editor")
def delete_measure(measure_id: int) -> ResponseReturnValue:
    site_id = service.delete_measure(db.session, measure_id, editor())
    flash(_("Measure deleted."), "ok")
    return redirect(url_for("energy.building", site_id=site_id) + "#measures")


@bp.post("/energy/buildings/<int:site_id>/readings")
@require_role("editor")
def save_reading(site_id: int) -> ResponseReturnValue:
    def act() -> str:
        year, month, kwh = service.parse_reading(request.form)
        _r, action = service.save_reading(db.session, site_id, year, month, kwh, editor())
        return {"insert": _("Reading added."), "update": _("Reading replaced.")}.get(
            action, _("Nothing changed.")
        )

    return _form_action(act, url_for("energy.building", site_id=site_id) + "#readings")


@bp.post("/energy/readings/<int:reading_id>/delete")
@require_role("editor")
def delete_reading(reading_id: int) -> ResponseReturnValue:
    site_id = service.delete_reading(db.session, reading_id, editor())
    flash(_("Reading deleted."), "ok")
    return redirect(url_for("energy.building", site_id=site_id) + "#readings")


@bp.get("/energy/settings")
def settings_page() -> ResponseReturnValue:
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
    )


@bp.post("/energy/targets")
@require_role("editor")
def save_target() -> ResponseReturnValue:
    def act() -> str:
        service.save_target(db.session, service.parse_target(request.form), editor())
        return _("Target saved.")

    return _form_action(act, url_for("energy.settings_page"))


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

    def act() -> str:
        if request.form.get("reset"):
            service.save_class_limits(db.session, kind, None, editor())
            return _("Class limits reset to the default.")
        limits = [request.form.get(f"limit_{c}", "") for c in energy.CLASSES[:-1]]
        service.save_class_limits(db.session, kind, limits, editor())
        return _("Class limits saved.")

    return _form_action(act, url_for("energy.settings_page"))


@bp.route("/energy/import", methods=["GET", "POST"])
@require_role("editor")
def import_page() -> ResponseReturnValue:
    report_ = None
    kind = request.form.get("kind", "measures")
    if request.method == "POST":
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            raise BadInput(_("Choose a file to import."))
        report_ = run_import(
            kind,
            upload.filename,
            upload.read(),
            request.form.get("crs"),
            request.form.get("layer"),
        )
    return render_template("energy/import.html", report=report_, kind=kind), (
        200 if report_ is None or report_["ok"] else 422
    )
