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


def test_a_comment_after_a_value_is_refused_without_showing_the_value():
    """systemd's EnvironmentFile= keeps such a comment in the value, where a shell would drop it."""
    spool = {**PRODUCTION, "SAFETYPLAN_AUDIT_SPOOL": "/var/lib/safetyplan/spool.jsonl   # this server's own"}
    with pytest.raises(ConfigError, match="SAFETYPLAN_AUDIT_SPOOL holds a comment after its value"):
        Settings.from_env(spool)
    secret = {**PRODUCTION, "SAFETYPLAN_SECRET_KEY": "y" * 40 + " # the same on every server"}
    with pytest.raises(ConfigError) as refused:
        Settings.from_env(secret)
    assert "y" * 40 not in str(refused.value)
    # A "#" inside a value (a URL's fragment, a password) is the value's own.
    assert Settings.from_env({**PRODUCTION, "SAFETYPLAN_ORGANISATION": "Trust#1"}).organisation == "Trust#1"


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


def _key_file(tmp_path, mode=0o600):
    path = tmp_path / "client.pem"
    path.write_text("not read here: the app factory loads it")
    path.chmod(mode)
    return path


def test_no_identity_service_unless_one_is_configured():
    settings = Settings.from_env(PRODUCTION)
    assert settings.identity_services == ()
    assert settings.password_sign_in_allowed("person") and settings.password_sign_in_allowed("clinician")


def test_nhs_login_and_cis2_from_the_environment(tmp_path):
    key = _key_file(tmp_path)
    settings = Settings.from_env(
        {
            **PRODUCTION,
            "SAFETYPLAN_NHS_LOGIN_ISSUER": "https://auth.sandpit.signin.nhs.uk/",
            "SAFETYPLAN_NHS_LOGIN_CLIENT_ID": "safetyplan-sandpit",
            "SAFETYPLAN_NHS_LOGIN_KEY_FILE": str(key),
            "SAFETYPLAN_CIS2_ISSUER": "https://am.nhsint.auth-ptl.cis2.spineservices.nhs.uk/openam/oauth2/realms/root",
            "SAFETYPLAN_CIS2_CLIENT_ID": "safetyplan-int",
            "SAFETYPLAN_CIS2_KEY_FILE": str(key),
            "SAFETYPLAN_CIS2_ROLES": "clinician=R8000, R8001; admin=R8003",
        }
    )
    nhs_login = settings.identity_service_for("carer")
    assert nhs_login is not None and nhs_login.issuer == "https://auth.sandpit.signin.nhs.uk"
    assert nhs_login.path == "nhs-login" and nhs_login.roles == ("person", "carer")
    cis2 = settings.identity_service_for("auditor")
    assert cis2 is not None and cis2.name == "cis2"
    assert cis2.required_role_codes == {"clinician": frozenset({"R8000", "R8001"}), "admin": frozenset({"R8003"})}
    # In production a role with a service signs in only through it.
    assert not any(settings.password_sign_in_allowed(role) for role in ("person", "carer", "clinician", "admin"))


@pytest.mark.parametrize("missing", ["ISSUER", "CLIENT_ID", "KEY_FILE"])
def test_an_identity_service_needs_all_three_settings(tmp_path, missing):
    environ = {
        "SAFETYPLAN_CIS2_ISSUER": "https://cis2.example",
        "SAFETYPLAN_CIS2_CLIENT_ID": "client",
        "SAFETYPLAN_CIS2_KEY_FILE": str(_key_file(tmp_path)),
    }
    del environ[f"SAFETYPLAN_CIS2_{missing}"]
    with pytest.raises(ConfigError, match=f"SAFETYPLAN_CIS2_{missing}"):
        Settings.from_env({**PRODUCTION, **environ})


def test_an_identity_service_key_file_must_be_private_and_there(tmp_path):
    environ = {
        **PRODUCTION,
        "SAFETYPLAN_NHS_LOGIN_ISSUER": "https://auth.sandpit.signin.nhs.uk",
        "SAFETYPLAN_NHS_LOGIN_CLIENT_ID": "client",
    }
    with pytest.raises(ConfigError, match="chmod 600"):
        Settings.from_env({**environ, "SAFETYPLAN_NHS_LOGIN_KEY_FILE": str(_key_file(tmp_path, 0o644))})
    with pytest.raises(ConfigError, match="cannot be read"):
        Settings.from_env({**environ, "SAFETYPLAN_NHS_LOGIN_KEY_FILE": str(tmp_path / "absent.pem")})


def test_an_identity_service_must_use_https_in_production(tmp_path):
    environ = {
        "SAFETYPLAN_NHS_LOGIN_ISSUER": "http://auth.sandpit.signin.nhs.uk",
        "SAFETYPLAN_NHS_LOGIN_CLIENT_ID": "client",
        "SAFETYPLAN_NHS_LOGIN_KEY_FILE": str(_key_file(tmp_path)),
    }
    with pytest.raises(ConfigError, match="https"):
        Settings.from_env({**PRODUCTION, **environ})
    assert Settings.from_env({**environ, "SAFETYPLAN_INSTANCE_PATH": str(tmp_path)}).identity_services


@pytest.mark.parametrize("value", ["clinician", "person=R8000", "clinician=", "R8000"])
def test_cis2_role_codes_must_name_staff_roles_and_codes(tmp_path, value):
    environ = {
        **PRODUCTION,
        "SAFETYPLAN_CIS2_ISSUER": "https://cis2.example",
        "SAFETYPLAN_CIS2_CLIENT_ID": "client",
        "SAFETYPLAN_CIS2_KEY_FILE": str(_key_file(tmp_path)),
        "SAFETYPLAN_CIS2_ROLES": value,
    }
    with pytest.raises(ConfigError, match="SAFETYPLAN_CIS2_ROLES"):
        Settings.from_env(environ)


def test_cis2_in_production_needs_the_role_codes_an_admin_must_hold(tmp_path):
    environ = {
        **PRODUCTION,
        "SAFETYPLAN_CIS2_ISSUER": "https://cis2.example",
        "SAFETYPLAN_CIS2_CLIENT_ID": "client",
        "SAFETYPLAN_CIS2_KEY_FILE": str(_key_file(tmp_path)),
        "SAFETYPLAN_CIS2_ROLES": "clinician=R8000",
    }
    with pytest.raises(ConfigError, match="admin"):
        Settings.from_env(environ)
    assert Settings.from_env({**environ, "SAFETYPLAN_CIS2_ROLES": "admin=R8003"}).identity_services
