"""The offline copy's pages and the calls its device makes: "Devices with my plan" (and forgetting one), adding a
device, fetching its copy, and asking whether to keep it; and the public files that make the plan open with no
signal: the service worker, the web app manifest, and the offline page it shows (which holds no personal data: the
copy is decrypted into it on the device)."""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import asdict
from functools import lru_cache

from flask import Blueprint, Response, abort, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user

from safetyplan.accounts.models import User
from safetyplan.config import PROJECT_ROOT
from safetyplan.errors import NotFound
from safetyplan.offline.devices import (
    DeviceError,
    copy_for_device,
    device_status,
    devices_of,
    forget_device,
    keep_on_device,
    offline_page_crisis_lines,
)
from safetyplan.roles import Role
from safetyplan.web.access import public, signed_in
from safetyplan.web.locale import LANGUAGES, current_language
from safetyplan.web.templating import static_url, vendor_url

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
    body = {"keep": found.keep, "revision": found.revision_number, "sections": list(found.section_keys)}
    return _private(jsonify(body)), 200 if found.keep else 410


# What opens with no signal -----------------------------------------------------------------------------------------

#: What the offline page is made from: a change to any of these files makes a new service worker (and so a new copy
#: of the page on each phone), as does a change to the crisis lines.
_SHELL_SOURCES = (
    *sorted((PROJECT_ROOT / "templates" / "offline").glob("*.html")),
    PROJECT_ROOT / "templates" / "components" / "plan.html",
    PROJECT_ROOT / "templates" / "components" / "site_header.html",
    PROJECT_ROOT / "templates" / "components" / "site_footer.html",
    *sorted((PROJECT_ROOT / "translations").glob("*/LC_MESSAGES/messages.mo")),
)


def _precached() -> list[str]:
    """What the service worker keeps: the offline page in each language and the files it needs, all public."""
    return [
        *(url_for("offline.shell", language=code) for code in LANGUAGES),
        vendor_url("css"),
        static_url("css/app.css"),
        static_url("js/offline.js"),
    ]


@lru_cache(maxsize=8)
def _sources_digest(stamps: tuple[int, ...]) -> bytes:
    """The files' bytes, hashed; read again only when one of them changes (``stamps``, their modification times)."""
    digest = hashlib.sha256()
    for path in _SHELL_SOURCES:
        digest.update(path.read_bytes() if path.exists() else b"")
    return digest.digest()


def _version(urls: list[str]) -> str:
    digest = hashlib.sha256("\n".join(urls).encode())
    digest.update(_sources_digest(tuple(path.stat().st_mtime_ns if path.exists() else 0 for path in _SHELL_SOURCES)))
    for line in offline_page_crisis_lines():
        for language in LANGUAGES:
            digest.update(f"{line.name(language)}|{line.number}|{line.channel}|{line.detail(language)}\n".encode())
    return digest.hexdigest()[:16]


@bp.get("/sw.js")
@public
def service_worker() -> Response:
    """The service worker, from the site's root so that it can answer for every address when there is no signal."""
    urls = _precached()
    body = render_template("offline/sw.js", precache=urls, version=_version(urls))
    return _private(Response(body, mimetype="text/javascript"))


@bp.get(f"/offline/shell/<any({', '.join(LANGUAGES)}):language>")
@public
def shell(language: str) -> str:
    """The page the service worker shows for any address when there is no signal. It is the same for everyone (no
    name, no token, no plan): the device's locked copy is opened into it, on the device."""
    with force_locale(language):
        return render_template(
            "offline/shell.html",
            language=language,
            crisis_contacts=offline_page_crisis_lines(),
            other_languages=[(code, name) for code, name in LANGUAGES.items() if code != language],
        )


@bp.get("/manifest.webmanifest")
@public
def manifest() -> Response:
    """The web app manifest, so that the plan can be added to a phone's home screen and open like an app."""
    body = {
        "name": _("SafetyPlan"),
        "short_name": _("SafetyPlan"),
        "description": _("Your safety plan, on your phone, even with no signal."),
        "lang": current_language(),
        "start_url": url_for("accounts.home"),
        "scope": "/",
        "display": "standalone",
        "background_color": "#f0f4f5",
        "theme_color": "#005eb8",
        "icons": [
            {"src": static_url(f"icons/icon-{size}.png"), "sizes": f"{size}x{size}", "type": "image/png"}
            for size in (192, 512)
        ]
        + [
            {
                "src": static_url("icons/icon-maskable-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            }
        ],
    }
    return Response(json.dumps(body, ensure_ascii=False), mimetype="application/manifest+json")
