"""lvs_director_metrics on the example cluster: each director's metrics, scraped from the lab's client side as
Prometheus scrapes them, against ipvsadm_info on the same director, through a failover and a failed check.

The scenario's cluster has the metrics on (molecule.yml): its converge starts the service, and its idempotence
stage is the second run that changes nothing. test_proofs.py turns them off (its cluster description), and
proves the service gone."""
import re
import time

import pytest

from conftest import VIP, host, hosts_of, http_get_vip, ipvs_table, metrics_url, vip_holders
from labtest.lab import client
from labtest.waiting import wait_until

pytestmark = pytest.mark.usefixtures("example_cluster")

SERVICE = f"tcp/{VIP}:80"
RS1 = "192.0.2.21:80"
SAMPLE = re.compile(r'^([a-z_]+)(?:\{(.*)\})? (\S+)$')


def scrape(name):
    """{(metric, labels): value} of one director's /metrics."""
    res = client("curl", "-fsS", "--max-time", "5", metrics_url(name), timeout=15)
    assert res.returncode == 0, f"{name}: {res.stderr}"
    found = {}
    for line in res.stdout.splitlines():
        if not line.startswith("#"):
            metric, labels, value = SAMPLE.match(line).groups()
            found[(metric, labels or "")] = float(value)
    return found


def settled_scrape(name):
    """A scrape that equals the one before it, 2.5 s later: the kernel sums each service's and real server's
    per-CPU counters every 2 s, each at its own moment, so counters lag the traffic by up to 2 s."""
    before = scrape(name)
    for _attempt in range(5):
        time.sleep(2.5)
        now = scrape(name)
        if now == before:
            return now
        before = now
    raise AssertionError(f"{name}: the counters did not settle in 5 scrapes")


def master_of_vi_web(name):
    return scrape(name)[("lvs_vrrp_master", 'vrrp_instance="VI_WEB"')]


def rs1_up(name):
    return scrape(name)[("lvs_real_server_up", f'service="{SERVICE}",real_server="{RS1}"')]


def test_the_counters_are_those_ipvsadm_info_reads_on_the_same_director():
    """No request runs between the settled scrape and the module's read (health checks do not pass through
    IPVS)."""
    assert sorted(http_get_vip(6)) == ["rs1"] * 3 + ["rs2"] * 3
    for name in hosts_of("lvs_directors"):
        metrics_now, table = settled_scrape(name), ipvs_table(name, stats=True)
        service = next(s for s in table["services"] if (s["address"], s["port"]) == (VIP, 80))
        read = {("lvs_service_connections_total", f'service="{SERVICE}"'): service["stats"]["connections"],
                ("lvs_service_bytes_in_total", f'service="{SERVICE}"'): service["stats"]["bytes_in"]}
        for server in service["real_servers"]:
            labels = f'service="{SERVICE}",real_server="{server["address"]}:{server["port"]}"'
            for key in ("connections", "packets_in", "bytes_in"):
                read[(f"lvs_real_server_{key}_total", labels)] = server["stats"][key]
            read[("lvs_real_server_weight", labels)] = server["weight"]
            read[("lvs_real_server_active_connections", labels)] = server["active_connections"]
        assert {key: metrics_now.get(key) for key in read} == read, name
    master = vip_holders()[0]
    assert scrape(master)[("lvs_service_connections_total", f'service="{SERVICE}"')] >= 6


def test_the_master_metric_follows_the_vip_through_a_failover():
    master = vip_holders()[0]
    other = next(name for name in hosts_of("lvs_directors") if name != master)
    assert (master_of_vi_web(master), master_of_vi_web(other)) == (1, 0)
    host(master).check_output("systemctl stop keepalived")
    try:
        wait_until(lambda: master_of_vi_web(other) == 1, 15, f"{other} reports itself MASTER of VI_WEB")
        stopped = scrape(master)
        assert (stopped[("lvs_vrrp_master", 'vrrp_instance="VI_WEB"')], stopped[("lvs_keepalived_up", "")]) == (0, 0)
    finally:
        host(master).check_output("systemctl start keepalived")
    wait_until(lambda: master_of_vi_web(master) == 1, 20, f"{master} reports itself MASTER again")
    assert master_of_vi_web(other) == 0 and scrape(master)[("lvs_keepalived_up", "")] == 1


def test_a_real_server_that_fails_its_check_shows_as_down_on_every_director():
    directors = hosts_of("lvs_directors")
    host("rs1").check_output("systemctl stop lab-web")
    try:
        wait_until(lambda: all(rs1_up(name) == 0 for name in directors), 15, "every director reports rs1 down")
        assert {scrape(name)[("lvs_service_real_servers_up", f'service="{SERVICE}"')] for name in directors} == {1}
    finally:
        host("rs1").check_output("systemctl start lab-web")
    wait_until(lambda: all(rs1_up(name) == 1 for name in directors), 15, "every director reports rs1 up again")
