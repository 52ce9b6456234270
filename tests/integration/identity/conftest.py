"""The OpenID Connect provider every test here signs in through, served on loopback for the test."""

import pytest

from tests.oidc_provider import running_provider


@pytest.fixture
def provider():
    with running_provider() as running:
        yield running
