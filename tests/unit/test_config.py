import os
import stat

import pytest

from safetyplan.config import ConfigError, Settings

PRODUCTION = {
    "SAFETYPLAN_ENV": "production",
    "SAFETYPLAN_DATABASE_URL": "postgresql+psycopg://app@db/safetyplan",
    "SAFETYPLAN_SECRET_KEY": "x" * 40,
    "SAFETYPLAN_KEYRING": "/run/secrets/safetyplan-keyring.json",
    "SAFETYPLAN_BASE_URL": "https://safetyplan.example.nhs.uk",
    "SAFETYPLAN_SMTP_URL": "smtp://mailer:secret@smtp.example.nhs.uk:587",
    "SAFETYPLAN_ODS_CODE": "RX9",
}


def test_production_settings_when_everything_is_set():
    settings = Settings.from_env(PRODUCTION)
    assert settings.is_production
    assert settings.database_url == PRODUCTION["SAFETYPLAN_DATABASE_URL"]
    assert str(settings.keyring_path) == PRODUCTION["SAFETYPLAN_KEYRING"]


@pytest.mark.parametrize(
    "variable",
    [
        "SAFETYPLAN_DATABASE_URL",
        "SAFETYPLAN_SECRET_KEY",
        "SAFETYPLAN_KEYRING",
        "SAFETYPLAN_BASE_URL",
        "SAFETYPLAN_SMTP_URL",
        "SAFETYPLAN_ODS_CODE",
    ],
)
def test_production_refuses_to_start_when_a_setting_is_missing(variable):
    environ = {k: v for k, v in PRODUCTION.items() if k != variable}
    with pytest.raises(ConfigError, match=variable):
        Settings.from_env(environ)


def test_production_refuses_a_blank_secret():
    with pytest.raises(ConfigError, match="SAFETYPLAN_SECRET_KEY"):
        Settings.from_env({**PRODUCTION, "SAFETYPLAN_SECRET_KEY": "   "})


def test_production_refuses_a_short_secret_key():
    with pytest.raises(ConfigError, match="at least 32"):
        Settings.from_env({**PRODUCTION, "SAFETYPLAN_SECRET_KEY": "short"})


def test_an_ods_code_is_letters_and_digits_and_kept_in_capitals():
    assert Settings.from_env({**PRODUCTION, "SAFETYPLAN_ODS_CODE": " rx4 "}).ods_code == "RX4"
    with pytest.raises(ConfigError, match="SAFETYPLAN_ODS_CODE must be 3 to 10 letters and digits"):
        Settings.from_env({**PRODUCTION, "SAFETYPLAN_ODS_CODE": "R/X"})


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


def test_production_links_must_be_https():
    with pytest.raises(ConfigError, match="SAFETYPLAN_BASE_URL must start with https://"):
        Settings.from_env({**PRODUCTION, "SAFETYPLAN_BASE_URL": "http://safetyplan.example.nhs.uk"})


def test_trusted_proxies_must_be_a_number():
    with pytest.raises(ConfigError, match="SAFETYPLAN_TRUSTED_PROXIES must be a whole number"):
        Settings.from_env({**PRODUCTION, "SAFETYPLAN_TRUSTED_PROXIES": "one"})
    assert Settings.from_env({**PRODUCTION, "SAFETYPLAN_TRUSTED_PROXIES": "1"}).trusted_proxies == 1
