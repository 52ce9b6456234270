import os
import stat

from tests.integration.test_cli import run_cli


def test_keys_init_makes_a_private_keyring_and_refuses_to_overwrite_it(tmp_path):
    env = {"SAFETYPLAN_INSTANCE_PATH": str(tmp_path)}
    made = run_cli("keys", "init", env=env)
    assert made.returncode == 0, made.stderr
    keyring = tmp_path / "keyring.json"
    assert stat.S_IMODE(os.stat(keyring).st_mode) == 0o600
    before = keyring.read_bytes()

    again = run_cli("keys", "init", env=env)
    assert again.returncode == 1
    assert f"a keyring already exists at {keyring}; it was not changed" in again.stderr
    assert keyring.read_bytes() == before

    assert run_cli("keys", "init", "--if-missing", env=env).returncode == 0
    assert keyring.read_bytes() == before


def test_the_app_will_not_start_without_its_keyring(tmp_path):
    result = run_cli("db", "upgrade", env={"SAFETYPLAN_INSTANCE_PATH": str(tmp_path)})
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        (
            f"safetyplan: SAFETYPLAN_KEYRING: there is no keyring at {tmp_path / 'keyring.json'}. "
            "Create one with 'safetyplan keys init'."
        )
    ]


def test_the_app_will_not_start_with_a_keyring_others_can_read(tmp_path):
    env = {"SAFETYPLAN_INSTANCE_PATH": str(tmp_path)}
    run_cli("keys", "init", env=env)
    (tmp_path / "keyring.json").chmod(0o640)
    result = run_cli("db", "upgrade", env=env)
    assert result.returncode == 2
    assert "can be read by other users" in result.stderr
    assert "Traceback" not in result.stderr
