"""The audit chain's canonical encoding, written out by hand for speed, gives exactly the bytes of the JSON encoding
it replaced: any other byte would change every hash, and every chain already kept would fail to verify."""

import json
import uuid
from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from safetyplan.audit.chain import canonical_encoding, canonical_value
from safetyplan.audit.models import HASHED_FIELDS


def reference_encoding(fields):
    """The encoding as first written: json.dumps of every hashed field, sorted keys, compact, ASCII only."""
    return json.dumps(
        {name: canonical_value(fields[name]) for name in HASHED_FIELDS},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=True,
    ).encode("ascii")


zones = st.sampled_from([UTC, timezone(timedelta(hours=1)), timezone(timedelta(hours=-5, minutes=-30))])
values = st.one_of(
    st.none(),
    st.text(),
    st.integers(min_value=-(2**63), max_value=2**63),
    st.uuids(),
    st.datetimes(min_value=datetime(1000, 1, 2), max_value=datetime(9999, 12, 30), timezones=zones),
    st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(999, 12, 30), timezones=st.just(UTC)),
)


@given(st.fixed_dictionaries(dict.fromkeys(HASHED_FIELDS, values)))
def test_the_encoding_is_byte_for_byte_the_json_encoding(fields):
    assert canonical_encoding(fields) == reference_encoding(fields)


def test_a_typical_event_encodes_as_before():
    fields = dict.fromkeys(HASHED_FIELDS)
    fields.update(
        seq=7,
        occurred_at=datetime(2026, 12, 4, 22, 5, 1, 17, tzinfo=UTC),
        actor_id=uuid.UUID(int=1),
        actor_role="clinician",
        grounds="team:x",
        action="plan.viewed",
        outcome="allowed",
        section='Gwybodaeth \u2013 "dyfynnu"',
    )
    assert canonical_encoding(fields) == reference_encoding(fields)
    assert b'"occurred_at":"2026-12-04T22:05:01.000017Z"' in canonical_encoding(fields)
