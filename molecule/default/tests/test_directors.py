"""Directors: packages, keepalived, kernel modules and sysctls, the live IPVS table."""
import pytest

from conftest import VIP, VIP_PORT, hosts_of, ipvs_table, vip_holders

# The example cluster (conftest.ClusterState), whatever ran before.
pytestmark = pytest.mark.usefixtures("example_cluster")

testinfra_hosts = hosts_of("lvs_directors")


@pytest.mark.parametrize("package", ["keepalived", "ipvsadm"])
def test_packages_installed(host, package):
    assert host.package(package).is_installed


def test_keepalived_running_and_enabled(host):
    service = host.service("keepalived")
    assert service.is_running
    assert service.is_enabled


def test_config_is_valid_and_private(host):
    conf = host.file("/etc/keepalived/keepalived.conf")
    assert conf.mode == 0o640
    assert conf.user == "root"
    # -t -f tests the named file; "-t FILE" would test the default one and always pass.
    result = host.run("keepalived -t -f /etc/keepalived/keepalived.conf")
    assert result.rc == 0, result.stderr


@pytest.mark.parametrize("module", ["ip_vs", "ip_vs_rr"])
def test_ipvs_modules_loaded_now_and_at_boot(host, module):
    assert host.file(f"/sys/module/{module}").is_directory
    assert host.run(f"grep -rqx {module} /etc/modules-load.d/").rc == 0


@pytest.mark.parametrize("key, value", [("net.ipv4.vs.conn_reuse_mode", 3), ("net.ipv4.vs.expire_nodest_conn", 1),
                                        ("net.ipv4.vs.expire_quiescent_template", 1)])
def test_ipvs_sysctls_live_and_persistent(host, key, value):
    assert host.sysctl(key) == value
    assert host.run(f"grep -rqE '^{key} *= *{value}$' /etc/sysctl.d/").rc == 0


def test_kernel_table_matches_configuration(host):
    result = host.ansible("lvs.cluster.ipvsadm_info", "", become=True, check=False)
    assert not result.get("failed"), result
    table = result["ipvs"]
    # The other tests read the table faster, with the module's parser over SSH: the same table.
    assert ipvs_table(host.backend.host) == table
    services = [s for s in table["services"] if s["address"] == VIP and s["port"] == VIP_PORT]
    assert len(services) == 1, table
    service = services[0]
    assert service["protocol"] == "tcp"
    assert service["scheduler"] == "rr"
    assert service["persistent"] is False
    real = sorted((rs["address"], rs["port"], rs["forward"], rs["weight"]) for rs in service["real_servers"])
    assert real == [("192.0.2.21", 80, "route", 1), ("192.0.2.22", 80, "route", 1)]


def test_exactly_one_director_holds_the_vip():
    assert len(vip_holders()) == 1
