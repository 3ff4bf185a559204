"""The operations playbooks (drain, undrain, verify) against the live lab cluster."""
import collections
import json

import pytest

from ansible_collections.lvs.cluster.plugins.plugin_utils import model
from conftest import changed_count, changed_tasks, host, hosts_of, http_get_vip, ipvs_table, kernel_schedulers, playbook

# The example cluster (conftest.ClusterState), whatever ran before.
pytestmark = pytest.mark.usefixtures("example_cluster")

KERNEL_TASK = "Load the IPVS modules, set the IPVS sysctls and run the sync daemons, now and at boot"
# A scheduler keepalived knows that the directors' kernel cannot load.
LACKING = next((algo for algo in model.SCHEDULERS if algo not in kernel_schedulers(hosts_of("lvs_directors")[0])), None)


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


def test_check_diff_shows_a_keepalived_change_and_no_other_without_making_it(master):
    """On the configured cluster, --check --diff of one changed scheduler reports that change alone."""
    live = host(master).check_output("sha256sum /etc/keepalived/keepalived.conf")
    change = {"lvs_director_virtual_services": [{
        "name": "web", "vip": "192.0.2.100", "port": 80, "protocol": "TCP",
        "lb_algo": "wrr", "lb_kind": "DR", "health_check": {"type": "TCP_CHECK"}}]}
    result = playbook("site.yml", "--check", "--diff", "-e", json.dumps(change))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "-    lb_algo rr" in result.stdout and "+    lb_algo wrr" in result.stdout
    # wrr's kernel module joins the modules loaded at boot; nothing else changes.
    assert changed_tasks(result.stdout) == {(f"lvs.cluster.lvs_director : {task}", name) for name in hosts_of("lvs_directors")
                                            for task in (KERNEL_TASK, "Configure keepalived")}, result.stdout
    assert host(master).check_output("sha256sum /etc/keepalived/keepalived.conf") == live
    assert ipvs_table(master)["services"][0]["scheduler"] == "rr"


WRONG = {
    # The description contradicts the hosts' facts: the controller's check stops it.
    "vip-is-a-real-server": (
        {"lvs_director_vrrp_instances": [{"name": "VI_WEB", "virtual_router_id": 51, "vips": ["192.0.2.100", "192.0.2.21"]}],
         "lvs_director_virtual_services": [{"name": "web", "vip": "192.0.2.21", "port": 80, "lb_algo": "rr"}]},
        "lvs_director_vrrp_instances[0].vips: 192.0.2.21 is"),
    # A valid scheduler whose module the directors' kernel lacks: each director's kernel check stops it.
    "scheduler-the-kernel-lacks": (
        {"lvs_director_virtual_services": [{"name": "web", "vip": "192.0.2.100", "port": 80, "lb_algo": LACKING}]},
        f"lvs_director_virtual_services[0].lb_algo: {LACKING} needs the kernel module ip_vs_{LACKING}, which kernel"),
}


@pytest.mark.parametrize("case", WRONG)
def test_a_wrong_description_changes_no_host(case):
    """The checks of check.yml run before any host is touched: a wrong description stops
    site.yml with the variable path, and nothing changes."""
    snapshot = "sha256sum /etc/keepalived/keepalived.conf /etc/lvs-realserver/vips 2>/dev/null; ip -br address show dev lo"
    before = {name: host(name).check_output(snapshot) for name in hosts_of("all")}
    wrong, message = WRONG[case]
    if case == "scheduler-the-kernel-lacks":
        assert LACKING, "the lab kernel has every scheduler keepalived knows: this case needs another module it lacks"
    result = playbook("site.yml", "-e", json.dumps(wrong))
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert message in output, output
    assert changed_count(result.stdout) == 0, output
    assert {name: host(name).check_output(snapshot) for name in hosts_of("all")} == before
