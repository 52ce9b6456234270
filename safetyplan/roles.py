"""What an account is for. The one list of roles: the access policies, the services and the audit trail use it.

A ``Role`` is a ``str`` (it is stored as its value), so a role read back from the database compares equal to it.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    CLINICIAN = "clinician"
    PERSON = "person"
    CARER = "carer"
    AUDITOR = "auditor"
    ADMIN = "admin"


#: The trust's staff: they must use a second factor (they can reach many people's records or the whole service),
#: and their names may be shown in the audit trail.
STAFF_ROLES: frozenset[Role] = frozenset({Role.CLINICIAN, Role.AUDITOR, Role.ADMIN})
