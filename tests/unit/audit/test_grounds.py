"""Grounds are stored as the short text the trail has always held, and give back the team they name."""

import uuid

import pytest

from safetyplan.audit.grounds import Grounds
from safetyplan.roles import Role

TEAM = uuid.UUID("5b1d0c3e-2f4a-4e6b-8c7d-1a2b3c4d5e6f")


@pytest.mark.parametrize(
    ("grounds", "stored"),
    [
        (Grounds.team(TEAM), f"team:{TEAM}"),
        (Grounds.SELF, "self"),
        (Grounds.role(Role.AUDITOR), "role:auditor"),
        (Grounds.carer(TEAM), f"carer:{TEAM}"),
        (Grounds.INVITATION, "invitation"),
        (Grounds.COMMAND_LINE, "command_line"),
        (Grounds.NONE, "none"),
    ],
)
def test_grounds_are_stored_as_their_short_text(grounds, stored):
    assert str(grounds) == stored


def test_only_grounds_through_a_team_name_a_team():
    assert Grounds.team(TEAM).team_id == TEAM
    assert Grounds.carer(TEAM).team_id is None
    assert Grounds.SELF.team_id is None
