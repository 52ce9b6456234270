"""The offline copy's pages and the calls its device makes: "Devices with my plan" (and forgetting one), adding a
device, fetching its copy, and asking whether to keep it."""

from __future__ import annotations

import uuid
from dataclasses import asdict

from flask import Blueprint, Response, abort, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from safetyplan.accounts.models import User
from safetyplan.errors import NotFound
from safetyplan.offline.devices import (
    DeviceError,
    copy_for_device,
    device_status,
    devices_of,
    forget_device,
    keep_on_device,
)
from safetyplan.roles import Role
from safetyplan.web.access import public, signed_in
from safetyplan.web.locale import current_language

bp = Blueprint("offline", __name__)


def _me() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def _private(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/my-plan/devices")
@signed_in(Role.PERSON, Role.CARER)
def devices() -> str:
    """Devices with my plan: each device that keeps a copy, and a way to forget it."""
    return render_template("offline/devices.html", devices=devices_of(by=_me()))


@bp.post("/my-plan/devices/<uuid:device_id>/forget")
@signed_in(Role.PERSON, Role.CARER)
def forget(device_id: uuid.UUID) -> ResponseReturnValue:
    """Forget a device: the next time it connects, its copy is wiped."""
    try:
        forget_device(by=_me(), device_id=device_id)
    except NotFound:
        abort(404)
    flash(_("Device forgotten. Its copy of the plan will be wiped the next time it connects."))
    return redirect(url_for("offline.devices"))


@bp.post("/offline/devices")
@signed_in(Role.PERSON, Role.CARER)
def add_device() -> ResponseReturnValue:
    """Called by the page when someone chooses to keep a plan on this device: the device's id, to keep."""
    me = _me()
    wanted = request.form.get("person_id") or (str(me.person_id) if me.person_id else "")
    try:
        person_id = uuid.UUID(wanted)
    except ValueError:
        abort(400)
    try:
        device = keep_on_device(by=me, person_id=person_id, name=request.form.get("name", ""))
    except NotFound:
        abort(404)
    except DeviceError as error:
        return _private(jsonify({"error": error.message})), 400
    return _private(jsonify({"device_id": str(device.id)})), 201


@bp.get("/offline/devices/<uuid:device_id>/copy")
@signed_in(Role.PERSON, Role.CARER)
def copy(device_id: uuid.UUID) -> ResponseReturnValue:
    """The copy a device keeps (it encrypts it before storing it). 410 Gone: wipe it."""
    try:
        made = copy_for_device(by=_me(), device_id=device_id, language=current_language())
    except NotFound:
        return _private(jsonify({"keep": False})), 410
    body = asdict(made)
    body.update(
        device_id=str(made.device_id), person_id=str(made.person_id), saved_at=made.saved_at.isoformat(), keep=True
    )
    return _private(jsonify(body))


@bp.get("/offline/devices/<uuid:device_id>/status")
@public
def status(device_id: uuid.UUID) -> ResponseReturnValue:
    """Whether this device should keep its copy, and the newest revision's number. Nothing is recorded."""
    found = device_status(device_id)
    return _private(jsonify({"keep": found.keep, "revision": found.revision_number})), 200 if found.keep else 410
