import os
import subprocess
import sys

import pytest

from safetyplan.config import PROJECT_ROOT


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    safetyplan = os.path.join(os.path.dirname(sys.executable), "safetyplan")
    return subprocess.run(
        [safetyplan, *args],
        env={"PATH": os.environ["PATH"], **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("missing", ["SAFETYPLAN_DATABASE_URL", "SAFETYPLAN_SECRET_KEY", "SAFETYPLAN_KEYRING"])
def test_broken_production_config_fails_with_one_line_naming_the_variable(missing, tmp_path):
    env = {
        "SAFETYPLAN_ENV": "production",
        "SAFETYPLAN_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}",
        "SAFETYPLAN_SECRET_KEY": "k" * 40,
        "SAFETYPLAN_KEYRING": str(tmp_path / "keyring.json"),
        "SAFETYPLAN_BASE_URL": "https://safetyplan.example.nhs.uk",
        "SAFETYPLAN_SMTP_URL": "smtp://smtp.example.nhs.uk:587",
        "SAFETYPLAN_ODS_CODE": "RX9",
    }
    del env[missing]
    result = run_cli("db", "upgrade", env=env)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"safetyplan: {missing} is not set: production needs it. See 'Configuration' in README.md."
    ]
    assert "Traceback" not in result.stderr + result.stdout


def test_db_upgrade_downgrade_and_current_on_a_new_database(tmp_path):
    env = {"SAFETYPLAN_INSTANCE_PATH": str(tmp_path), "SAFETYPLAN_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}"}
    assert run_cli("keys", "init", env=env).returncode == 0
    assert run_cli("db", "current", env=env).stdout.startswith("empty (behind")
    upgraded = run_cli("db", "upgrade", env=env)
    assert upgraded.returncode == 0, upgraded.stderr
    assert run_cli("db", "current", env=env).stdout.endswith("(up to date)\n")
    downgraded = run_cli("db", "downgrade", "base", env=env)
    assert downgraded.returncode == 0, downgraded.stderr
    assert run_cli("db", "current", env=env).stdout.startswith("empty (behind")
    assert (PROJECT_ROOT / "migrations").is_dir()
