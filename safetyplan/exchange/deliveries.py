"""The outbox for documents leaving for another system, and its transports: a FHIR endpoint over HTTP, or a directory
where none is set. Crisis-view pointers go to the National Record Locator (``SAFETYPLAN_NRL_URL``, or
``instance/outbox/``); plans sent on discharge or transfer go to the receiving organisation (``SAFETYPLAN_SEND_URL``,
in production a gateway to GP Connect Send Document over MESH, or ``instance/outbox/sent/<ODS code>/``).

A delivery is added in the same transaction as what caused it (a crisis view published, superseded or withdrawn,
a plan sent), so it exists exactly when that change does. ``send_due`` sends the deliveries whose time has come,
oldest first and in order for each person on each route: it claims one (committed), sends it, and marks it sent
(committed). A failed send is tried again later, waiting longer each time (``backoff``); admins see what has not
gone yet.

Nothing is sent twice: every document goes under a stable id of its own (``document_id``), and both transports
put it there (an HTTP PUT, a file renamed into place), so that sending it again after a crash between the send
and its mark replaces the same document rather than adding a second. A delivery marked sent is never sent again.
"""

from __future__ import annotations

import base64
import json
import os
import re
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol, cast

from sqlalchemy import CursorResult, and_, func, or_, select, update

from safetyplan.accounts.errors import NotAllowed
from safetyplan.accounts.models import User
from safetyplan.audit import Grounds, record
from safetyplan.config import Settings
from safetyplan.db import session, transaction, utcnow
from safetyplan.exchange.models import DELIVERY_KINDS, Delivery
from safetyplan.roles import Role

#: A claimed delivery not marked sent after this long was cut off mid-send (its process died): it is sent again.
LEASE = timedelta(minutes=10)
#: The longest wait between two attempts.
MAX_WAIT = timedelta(hours=6)
FHIR_JSON = "application/fhir+json"
#: An ODS code, as a recipient's folder name (nothing else: no separators, no "..").
ODS_CODE = re.compile(r"[A-Z0-9]{3,10}")
#: The header naming the ODS code a document sent over HTTP is addressed to (the gateway's MESH mailbox lookup).
RECIPIENT_HEADER = "X-Recipient-ODS-Code"


class TransportError(Exception):
    """A send that did not happen; the message says why without any of the document (a status, a refusal)."""


class Transport(Protocol):
    def put(
        self, document_id: str, resources: list[dict[str, Any]], files: dict[str, bytes], *, to: str | None = None
    ) -> None:
        """Put the document (``resources``, and ``files`` beside them) under ``document_id``; ``to`` is the ODS
        code of the organisation it is addressed to, where it goes to one (a plan sent on discharge)."""

    def remove(self, document_id: str, resource_type: str) -> None: ...


class DirectoryTransport:
    """Development, and where no endpoint is set: each document as ``<id>.json`` (and its files beside it), in a
    folder of its own for each organisation it is addressed to (as a MESH mailbox would hold it)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _write(self, folder: Path, name: str, data: bytes) -> None:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        partial = folder / f".{name}.partial"
        with open(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as handle:
            handle.write(data)
        os.replace(partial, folder / name)  # in place at once: a reader never sees half a document

    def put(
        self, document_id: str, resources: list[dict[str, Any]], files: dict[str, bytes], *, to: str | None = None
    ) -> None:
        if to is not None and not ODS_CODE.fullmatch(to):
            raise TransportError("the recipient is not an ODS code")  # never a path of its own choosing
        folder = self.path / to if to else self.path
        for name, data in files.items():
            self._write(folder, name, data)
        document = resources[0] if len(resources) == 1 else resources
        self._write(folder, f"{document_id}.json", json.dumps(document, ensure_ascii=False, indent=2).encode())

    def remove(self, document_id: str, resource_type: str) -> None:
        for found in self.path.glob(f"{document_id}.*"):
            found.unlink(missing_ok=True)


class HttpTransport:
    """A FHIR endpoint: each resource PUT under its own id (so a second send replaces it), DELETE to withdraw. The
    files go inside the resources (a pointer's or a message's attachment), so only the resources are sent."""

    def __init__(self, base_url: str, *, timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def _call(
        self, method: str, url: str, body: bytes | None = None, *, missing_ok: bool = False, to: str | None = None
    ) -> None:
        headers = {"Content-Type": FHIR_JSON}
        if to:
            headers[RECIPIENT_HEADER] = to
        request = urllib.request.Request(url, data=body, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                response.read()
        except urllib.error.HTTPError as error:
            if missing_ok and error.code in (404, 410):
                return
            raise TransportError(f"the endpoint answered {error.code}") from None
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise TransportError(f"could not reach the endpoint ({type(reason).__name__})") from None

    def put(
        self, document_id: str, resources: list[dict[str, Any]], files: dict[str, bytes], *, to: str | None = None
    ) -> None:
        for resource in resources:
            body = json.dumps(resource, ensure_ascii=False).encode()
            self._call("PUT", f"{self.base_url}/{resource['resourceType']}/{resource['id']}", body, to=to)

    def remove(self, document_id: str, resource_type: str) -> None:
        self._call("DELETE", f"{self.base_url}/{resource_type}/{document_id}", missing_ok=True)


@dataclass(frozen=True)
class Routes:
    """Where each kind of delivery goes: crisis-view pointers (and their withdrawals) to the National Record
    Locator, plans sent on discharge or transfer to the organisation receiving them."""

    nrl: Transport
    sent_plans: Transport

    def for_kind(self, kind: str) -> Transport:
        return self.sent_plans if kind in SENT_PLAN_KINDS else self.nrl


#: The kinds that go to another organisation rather than to the National Record Locator.
SENT_PLAN_KINDS = frozenset({"plan_sent"})


def routes_for(settings: Settings) -> Routes:
    outbox = settings.instance_path / "outbox"
    return Routes(
        nrl=HttpTransport(settings.nrl_url) if settings.nrl_url else DirectoryTransport(outbox),
        sent_plans=HttpTransport(settings.send_url) if settings.send_url else DirectoryTransport(outbox / "sent"),
    )


def enqueue(
    *,
    person_id: uuid.UUID,
    kind: str,
    document_id: str,
    payload: dict[str, Any],
    revision_number: int | None = None,
) -> Delivery:
    """Add a delivery to send as soon as the sender next runs (in the caller's transaction)."""
    now = utcnow()
    delivery = Delivery(
        person_id=person_id,
        kind=kind,
        document_id=document_id,
        revision_number=revision_number,
        created_at=now,
        status="waiting",
        attempts=0,
        next_attempt_at=now,
        payload=payload,
    )
    session.add(delivery)
    session.flush()
    return delivery


def backoff(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failure: one minute, then doubling, at most six hours."""
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_WAIT)


@dataclass(frozen=True)
class SendReport:
    sent: int
    failed: int


def _claim(delivery_id: uuid.UUID, now: datetime) -> bool:
    """Take one delivery to send; False when another sender has it (or it went meanwhile)."""
    taken = cast(
        CursorResult[Any],
        session.execute(
            update(Delivery)
            .where(
                Delivery.id == delivery_id,
                or_(
                    and_(Delivery.status == "waiting", Delivery.next_attempt_at <= now),
                    and_(Delivery.status == "sending", Delivery.claimed_at <= now - LEASE),
                ),
            )
            .values(status="sending", claimed_at=now, attempts=Delivery.attempts + 1)
            .execution_options(synchronize_session=False)
        ),
    )
    return taken.rowcount == 1


def _send(delivery: Delivery, transport: Transport) -> None:
    payload = delivery.payload or {}
    if delivery.kind == "crisis_withdrawal":
        transport.remove(delivery.document_id, "DocumentReference")
        return
    files = {name: base64.b64decode(data) for name, data in (payload.get("files") or {}).items()}
    to = None
    if delivery.kind in SENT_PLAN_KINDS:
        to = (payload.get("recipient") or {}).get("ods_code")
        if not to:
            raise TransportError("the delivery names no recipient")  # never sent to no one and marked sent
    transport.put(delivery.document_id, list(payload.get("resources") or []), files, to=to)


def send_due(transport: Transport | Routes, *, now: datetime | None = None) -> SendReport:
    """Send every delivery that is due, oldest first, each in its own transactions (claim, then mark). A person's
    crisis-view delivery waits while an older one of theirs has not gone, so that a withdrawal never overtakes its
    pointer. Plans sent to an organisation are never withdrawn, so they wait for nothing and hold up nothing: one
    that a practice refuses never stops the next, to another organisation or to urgent care. ``transport`` alone
    takes every kind."""
    routes = transport if isinstance(transport, Routes) else Routes(transport, transport)
    sent = failed = 0
    with transaction():
        unsent = session.execute(
            select(Delivery.id, Delivery.person_id, Delivery.kind)
            .where(Delivery.status != "sent")
            .order_by(Delivery.created_at, Delivery.id)
        ).all()
    blocked: set[uuid.UUID] = set()
    for delivery_id, person_id, kind in unsent:
        in_order = kind not in SENT_PLAN_KINDS
        if in_order and person_id in blocked:
            continue
        moment = now or utcnow()
        with transaction():
            claimed = _claim(delivery_id, moment)
        if not claimed:
            if in_order:
                blocked.add(person_id)
            continue
        with transaction():
            delivery = session.get(Delivery, delivery_id, populate_existing=True)  # as the claim left it
            assert delivery is not None
            try:
                _send(delivery, routes.for_kind(kind))
            except TransportError as error:
                delivery.status = "waiting"
                delivery.last_error = str(error)[:200]
                delivery.next_attempt_at = moment + backoff(delivery.attempts)
                if in_order:
                    blocked.add(person_id)
                failed += 1
                continue
            delivery.status, delivery.sent_at, delivery.last_error = "sent", utcnow(), None
            record("delivery.sent", by=None, grounds=Grounds.COMMAND_LINE, person_id=delivery.person_id)
            sent += 1
    return SendReport(sent, failed)


@dataclass(frozen=True)
class DeliveryRow:
    """A delivery as admins see it: what kind, when, how the attempts went. Nothing about the person."""

    kind: str
    created_at: datetime
    status: str
    attempts: int
    next_attempt_at: datetime
    last_error: str | None


def not_yet_sent(*, by: User) -> list[DeliveryRow]:
    """Every delivery that has not gone yet, oldest first, for an admin to see what is stuck and why."""
    if by.role != Role.ADMIN:
        raise NotAllowed()
    return [
        DeliveryRow(d.kind, d.created_at, d.status, d.attempts, d.next_attempt_at, d.last_error)
        for d in session.scalars(
            select(Delivery).where(Delivery.status != "sent").order_by(Delivery.created_at, Delivery.id)
        )
    ]


def backlog(*, now: datetime | None = None) -> dict[str, tuple[int, float]]:
    """For the metrics page: for each kind of delivery not yet sent, how many, and the age of the oldest in seconds.

    Counts only, nothing about anyone, so that an operator can be alerted when documents stop leaving. Every kind is
    there, with 0 when none waits, so that an alert on it sees a value rather than nothing."""
    now = now or utcnow()
    waiting = (
        select(Delivery.kind, func.count(), func.min(Delivery.created_at))
        .where(Delivery.status != "sent")
        .group_by(Delivery.kind)
    )
    found = {kind: (count, (now - oldest).total_seconds()) for kind, count, oldest in session.execute(waiting)}
    return {kind: found.get(kind, (0, 0.0)) for kind in DELIVERY_KINDS}
