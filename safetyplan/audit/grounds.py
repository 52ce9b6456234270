"""Why an actor could do what they did, as the audit trail records it.

Every event names its grounds: a team whose caseload holds the person ("team:<id>"), the person themself ("self"),
a role's own duties ("role:auditor"), a confirmed carer link ("carer:<involved id>"), an invitation link
("invitation"), an NHS identity service's sign-in ("identity:<service> acr=<acr> amr=<amr>", or "... refused=<why>"
when it is refused), the command line ("command_line"), or none ("none": a refusal, or a sign-in not yet made).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import ClassVar, Literal

Kind = Literal["team", "self", "role", "carer", "invitation", "identity", "command_line", "none"]

#: The audit column's width (audit/models.py): what an identity service sends is cut to fit.
GROUNDS_WIDTH = 64


@dataclass(frozen=True)
class Grounds:
    kind: Kind
    ref: str | None = None

    SELF: ClassVar[Grounds]
    NONE: ClassVar[Grounds]
    INVITATION: ClassVar[Grounds]
    COMMAND_LINE: ClassVar[Grounds]

    @classmethod
    def team(cls, team_id: uuid.UUID) -> Grounds:
        return cls("team", str(team_id))

    @classmethod
    def role(cls, role: str) -> Grounds:
        return cls("role", str(role))

    @classmethod
    def carer(cls, involved_id: uuid.UUID) -> Grounds:
        return cls("carer", str(involved_id))

    @classmethod
    def identity(cls, service: str, **received: str | None) -> Grounds:
        """A sign-in through ``service``, with what it said of the authentication (acr, amr) or why it was refused.

        Only the service's short codes are kept (never a name, email or NHS number), cut to the column's width."""
        parts = [service, *(f"{name}={_code(value)}" for name, value in received.items() if value)]
        ref = " ".join(parts)
        return cls("identity", ref[: GROUNDS_WIDTH - len("identity:")])

    @property
    def team_id(self) -> uuid.UUID | None:
        """The team, for grounds through a team's caseload."""
        return uuid.UUID(self.ref) if self.kind == "team" and self.ref else None

    def __str__(self) -> str:
        return f"{self.kind}:{self.ref}" if self.ref else self.kind


def _code(value: str) -> str:
    """A value a service sent, as a code: letters, digits and . - _ only (a hostile value cannot shape the trail)."""
    return "".join(ch for ch in value if ch.isascii() and (ch.isalnum() or ch in ".-_,"))[:24] or "-"


Grounds.SELF = Grounds("self")
Grounds.NONE = Grounds("none")
Grounds.INVITATION = Grounds("invitation")
Grounds.COMMAND_LINE = Grounds("command_line")
