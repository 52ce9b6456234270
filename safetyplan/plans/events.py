"""Telling the layers above that a person's plan changed, without importing them: the app factory puts their
callbacks in ``app.extensions[PLAN_CHANGED]`` (the crisis view's publishing, in ``safetyplan.exchange``).

Each callback runs in the same transaction as the change, so what it records (a delivery, its audit event) is
kept or lost with it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from flask import current_app

from safetyplan.accounts.models import User

PLAN_CHANGED = "safetyplan.plan_changed"

#: A callback: the person whose plan (or what it shares) changed, and who changed it (None: the command line).
Callback = Callable[[uuid.UUID, User | None], None]


def plan_changed(person_id: uuid.UUID, by: User | None) -> None:
    callbacks: list[Callback] = current_app.extensions.get(PLAN_CHANGED, [])
    for callback in callbacks:
        callback(person_id, by)
