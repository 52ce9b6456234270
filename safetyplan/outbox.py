"""Messages to people (set-password links, invitations): SMTP in production, printed in development.

Message bodies hold single-use links, so they are never logged: the console outbox prints to standard output
(development only), and the SMTP outbox logs only that a message was sent.
"""

from __future__ import annotations

import smtplib
import ssl
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Protocol, cast
from urllib.parse import unquote, urlsplit

from flask import Flask, current_app, has_request_context, request

from safetyplan.config import Settings


@dataclass(frozen=True)
class Message:
    to: str
    subject: str
    body: str


class Outbox(Protocol):
    def send(self, message: Message) -> None: ...


class ConsoleOutbox:
    """Development: print each message, so that a developer can follow the link."""

    def send(self, message: Message) -> None:
        print(f"\n--- Message to {message.to}: {message.subject}\n{message.body}\n---\n", file=sys.stdout, flush=True)


@dataclass
class MemoryOutbox:
    """Tests: keep the messages to look at."""

    sent: list[Message] = field(default_factory=list)

    def send(self, message: Message) -> None:
        self.sent.append(message)


class SmtpOutbox:
    """Production: send through the organisation's mail relay, always encrypted (STARTTLS or SMTPS)."""

    def __init__(self, url: str, sender: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("SAFETYPLAN_SMTP_URL must look like smtp://user:password@host:587")
        self.implicit_tls = parts.scheme == "smtps"
        self.host = parts.hostname
        self.port = parts.port or (465 if self.implicit_tls else 587)
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.sender = sender

    def send(self, message: Message) -> None:
        email = EmailMessage()
        email["From"], email["To"], email["Subject"] = self.sender, message.to, message.subject
        email.set_content(message.body)
        context = ssl.create_default_context()
        if self.implicit_tls:
            server: smtplib.SMTP = smtplib.SMTP_SSL(self.host, self.port, context=context, timeout=30)
        else:
            server = smtplib.SMTP(self.host, self.port, timeout=30)
            server.starttls(context=context)
        with server:
            if self.username:
                server.login(self.username, self.password or "")
            server.send_message(email)


#: Set on the WSGI environ of a request that sent a message, so that it is never run again when the database was
#: busy (safetyplan/web/busy.py): the person would get the message twice.
SENT = "safetyplan.message_sent"


class _MarkedOutbox:
    """The chosen outbox, noting on the request that a message left."""

    def __init__(self, chosen: Outbox) -> None:
        self.chosen = chosen

    def send(self, message: Message) -> None:
        if has_request_context():
            request.environ[SENT] = True
        self.chosen.send(message)


def outbox() -> Outbox:
    return _MarkedOutbox(cast(Outbox, current_app.extensions["safetyplan.outbox"]))


@contextmanager
def kept() -> Iterator[MemoryOutbox]:
    """Keep the messages sent inside this block instead of sending them: for demo data, whose made-up people
    have made-up addresses."""
    extensions = current_app.extensions
    chosen = extensions["safetyplan.outbox"]
    extensions["safetyplan.outbox"] = held = MemoryOutbox()
    try:
        yield held
    finally:
        extensions["safetyplan.outbox"] = chosen


def init_app(app: Flask, settings: Settings) -> None:
    if settings.smtp_url:
        chosen: Outbox = SmtpOutbox(settings.smtp_url, settings.mail_from)
    elif settings.env == "test":
        chosen = MemoryOutbox()
    else:
        chosen = ConsoleOutbox()
    app.extensions["safetyplan.outbox"] = chosen
