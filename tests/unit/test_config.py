import os
import stat

import pytest

from safetyplan.config import ConfigError, Settings

PRODUCTION = {
    "SAFETYPLAN_ENV": "production",
    "SAFETYPLAN_DATABASE_URL": "postgresql+psycopg://app@db/safetyplan",
    "SAFETYPLAN_SECRET_KEY": "x" * 40,
    "SAFETYPLAN_KEYRING": "/run/secrets/safetyplan-keyring.json",
}


def test_production_settings_when_everything_is_set():
    settings = Settings.from_env(PRODUCTION)
    assert settings.is_production
    assert settings.database_url == PRODUCTION["SAFETYPLAN_DATABASE_URL"]
    assert str(settings.keyring_path) == PRODUCTION["SAFETYPLAN_KEYRING"]


@pytest.mark.parametrize("variable", ["SAFETYPLAN_DATABASE_URL", "SAFETYPLAN_SECRET_KEY", "SAFETYPLAN_KEYRING"])
def test_production_refuses_to_start_when_a_secret_is_missing(variable):
    environ = {k: v for k, v in PRODUCTION.items() if k != variable}
    with pytest.raises(ConfigError, match=variable):
        Settings.from_env(environ)


def test_production_refuses_a_blank_secret():
    with pytest.raises(ConfigError, match="SAFETYPLAN_SECRET_KEY"):
        Settings.from_env({**PRODUCTION, "SAFETYPLAN_SECRET_KEY": "   "})


def test_production_refuses_a_short_secret_key():
    with pytest.raises(ConfigError, match="at least 32"):
        Settings.from_env({**PRODUCTION, "SAFETYPLAN_SECRET_KEY": "short"})


def test_an_unknown_environment_is_refused():
    with pytest.raises(ConfigError, match="SAFETYPLAN_ENV must be one of development, test, production"):
        Settings.from_env({"SAFETYPLAN_ENV": "prod"})


def test_development_defaults_live_under_the_instance_folder(tmp_path):
    settings = Settings.from_env({"SAFETYPLAN_INSTANCE_PATH": str(tmp_path)})
    assert settings.env == "development"
    assert settings.database_url == f"sqlite:///{tmp_path / 'safetyplan.db'}"
    assert settings.keyring_path == tmp_path / "keyring.json"


def test_development_secret_key_is_random_private_and_stable(tmp_path):
    first = Settings.from_env({"SAFETYPLAN_INSTANCE_PATH": str(tmp_path)}).secret_key
    again = Settings.from_env({"SAFETYPLAN_INSTANCE_PATH": str(tmp_path)}).secret_key
    other = Settings.from_env({"SAFETYPLAN_INSTANCE_PATH": str(tmp_path / "other")}).secret_key
    assert first == again
    assert first != other
    assert len(first) >= 48
    assert stat.S_IMODE(os.stat(tmp_path / "secret-key").st_mode) == 0o600
