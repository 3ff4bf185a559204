"""The operations playbooks (drain, undrain, verify) against the live lab cluster."""
import collections
import os
import subprocess
from pathlib import Path

from conftest import http_get_vip

ROOT = Path(__file__).resolve().parents[3]


def playbook(name, *args):
    cmd = ["ansible-playbook", "-i", os.environ["MOLECULE_INVENTORY_FILE"], "-i", str(ROOT / "examples" / "inventory"),
           str(ROOT / "playbooks" / name), *args]
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0")
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False, env=env)


def changed_count(output):
    return sum(int(line.split("changed=")[1].split()[0]) for line in output.splitlines() if "changed=" in line)


def test_drain_moves_traffic_off_a_real_server_and_undrain_brings_it_back():
    drained = playbook("drain.yml", "-e", "lvs_drain_host=rs1")
    assert drained.returncode == 0, drained.stdout + drained.stderr
    assert changed_count(drained.stdout) == 2  # one ipvsadm edit on each director
    try:
        assert set(http_get_vip(6)) == {"rs2"}
        again = playbook("drain.yml", "-e", "lvs_drain_host=rs1")
        assert again.returncode == 0 and changed_count(again.stdout) == 0
        preview = playbook("undrain.yml", "-e", "lvs_drain_host=rs1", "--check")
        assert preview.returncode == 0 and "weight 0 -> 1" in preview.stdout
        assert set(http_get_vip(4)) == {"rs2"}, "--check must not undrain"
    finally:
        undrained = playbook("undrain.yml", "-e", "lvs_drain_host=rs1")
    assert undrained.returncode == 0, undrained.stdout + undrained.stderr
    assert changed_count(undrained.stdout) == 2
    assert collections.Counter(http_get_vip(6)) == {"rs1": 3, "rs2": 3}


def test_drain_without_a_host_fails_naming_the_variable():
    result = playbook("drain.yml")
    assert result.returncode != 0
    assert "lvs_drain_host is not set" in result.stdout + result.stderr


def test_verify_prints_the_vip_holder_and_the_table_and_changes_nothing():
    result = playbook("verify.yml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "192.0.2.100 held by dir1" in result.stdout
    assert "-> 192.0.2.21:80" in result.stdout and "-> 192.0.2.22:80" in result.stdout
    assert "every real server up" in result.stdout
    assert changed_count(result.stdout) == 0
