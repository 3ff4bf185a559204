"""lvs.cluster.remove leaves every host as it was before the roles ran.

It takes the cluster down: marked removes_the_cluster, it runs after every other test (conftest.py).
"""
import pytest

from conftest import VIP, changed_count, host, hosts_of, playbook, vip_holders

SNAPSHOT = ("ip -j address show dev lo; echo; sysctl net.ipv4.conf.all.arp_ignore net.ipv4.conf.all.arp_announce "
            "net.ipv4.conf.lo.arp_ignore net.ipv4.conf.lo.arp_announce")
PRISTINE = "cat /var/tmp/lab-pristine.lo.json; echo; cat /var/tmp/lab-pristine.sysctl"


@pytest.mark.removes_the_cluster
def test_remove_restores_the_hosts_and_a_second_run_changes_nothing():
    first = playbook("remove.yml")
    assert first.returncode == 0, first.stdout + first.stderr
    assert changed_count(first.stdout) > 0

    for name in hosts_of("lvs_realservers"):
        rs = host(name)
        assert rs.check_output(SNAPSHOT) == rs.check_output(PRISTINE)
        assert not rs.file("/etc/sysctl.d/90-lvs-realserver.conf").exists
        # systemctl is-enabled of a removed unit exits 1 on systemd 252 and 4 on 257: any failure is "not enabled".
        assert not rs.file("/etc/systemd/system/lvs-realserver.service").exists
        assert rs.run("systemctl is-enabled lvs-realserver.service").rc != 0
    for name in hosts_of("lvs_directors"):
        director = host(name)
        assert not director.package("keepalived").is_installed
        assert not director.file("/etc/keepalived/keepalived.conf").exists
        assert not director.user("keepalived_script").exists
    assert vip_holders() == [], f"nobody may hold {VIP} after removal"

    second = playbook("remove.yml")
    assert second.returncode == 0, second.stdout + second.stderr
    assert changed_count(second.stdout) == 0, second.stdout
