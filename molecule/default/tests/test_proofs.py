"""Features proven with traffic on the lab kernels, all converged by one site.yml run.

Every scheduler of the kernel, an IPv6 VIP served by the same dual-stack real servers,
HTTP_GET with a status code, MISC_CHECK, a sorry server, a UDP service, active-active
directors with preempt_delay, and a tracked interface with a notify hook. The module
fixture adds them to the example cluster; they stay configured for the files after this
one (test_realservers, test_removal), which do not depend on how many services there are.
"""
import json
import time

import pytest

from conftest import VIP, client, host, hosts_of, http_get_vip, ipvs_table, playbook, wait_until

# 6.1 has all of keepalived's schedulers but twos, which the kernel check refuses
# (test_operations.py), each on a VIP of its own.
SCHEDULERS = ("rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed", "nq", "fo", "ovf", "mh")
SCHEDULER_VIPS = {algo: f"192.0.2.{110 + index}" for index, algo in enumerate(SCHEDULERS)}
# Sequential requests from one client: these alternate between the two real servers ...
SPREADING = {"rr", "wrr", "lc", "wlc"}
# ... and these send one client (one destination) always to the same one.
STICKY = {"lblc", "lblcr", "dh", "sh", "fo", "mh"}

VIP6 = "2001:db8::100"
HTTP_GET_VIP, MISC_VIP, SORRY_VIP = "192.0.2.130", "192.0.2.131", "192.0.2.132"
# The lab server (molecule/resources/prepare.yml) answers UDP on this VIP and port.
UDP_VIP, UDP_PORT = "192.0.2.133", 9053
RIP = {"rs1": "192.0.2.21", "rs2": "192.0.2.22"}
# The page the checkers ask for: a real server passes them while it has the file.
READY = "/srv/lab-web/ready"
HTTP_GET = {"type": "HTTP_GET", "url": [{"path": "/ready", "status_code": 200}]}


def misc_check(name):
    return {"type": "MISC_CHECK", "misc_path": f"/usr/bin/curl -fso /dev/null http://{RIP[name]}/ready",
            "misc_timeout": 2}


# A dummy interface on each director stands for an uplink that VI_WEB tracks; the
# notify hook logs every state change of VI_WEB.
UPLINK = "labup0"
NOTIFY_LOG = "/var/tmp/lab-notify.log"
NOTIFY_HOOK = "/usr/local/sbin/lab-notify"
# Active-active: VI_WEB is MASTER on dir1 (the group order), VI_WEB6 on dir2.
PREEMPT_DELAY = 8

CLUSTER = {
    "lvs_director_vrrp_instances": [
        {"name": "VI_WEB", "virtual_router_id": 51,
         "vips": [VIP, *SCHEDULER_VIPS.values(), HTTP_GET_VIP, MISC_VIP, SORRY_VIP, UDP_VIP],
         "track_interfaces": [UPLINK], "notify": NOTIFY_HOOK},
        {"name": "VI_WEB6", "virtual_router_id": 52, "vips": [VIP6], "preferred_director": "dir2",
         "preempt_delay": PREEMPT_DELAY}],
    "lvs_director_virtual_services": [
        {"name": "web", "vip": VIP, "port": 80, "lb_algo": "rr"},
        *({"name": algo, "vip": vip, "port": 80, "lb_algo": algo} for algo, vip in SCHEDULER_VIPS.items()),
        # rs1 and rs2 from the group, by the same names: their IPv6 addresses (lvs_realserver_address6).
        {"name": "web6", "vip": VIP6, "port": 80, "lb_algo": "rr"},
        {"name": "http-get", "vip": HTTP_GET_VIP, "port": 80, "lb_algo": "rr", "health_check": HTTP_GET},
        {"name": "misc", "vip": MISC_VIP, "port": 80, "lb_algo": "rr",
         "real_servers": [{"host": name, "health_check": misc_check(name)} for name in RIP]},
        {"name": "sorry", "vip": SORRY_VIP, "port": 80, "real_servers": ["rs1"], "health_check": HTTP_GET,
         "sorry_server": {"address": RIP["rs2"]}},
        {"name": "udp", "vip": UDP_VIP, "port": UDP_PORT, "protocol": "UDP", "lb_algo": "rr",
         "health_check": {"type": "TCP_CHECK", "connect_port": 80}},
    ]}


def set_ready(name, ready):
    host(name).run(f"touch {READY}" if ready else f"rm -f {READY}")


@pytest.fixture(scope="module")
def features(master):
    for name in RIP:
        set_ready(name, True)
    for name in hosts_of("lvs_directors"):
        host(name).check_output(
            f"ip link show {UPLINK} || ip link add {UPLINK} type dummy; ip link set {UPLINK} up; "
            f"printf '#!/bin/sh\\necho \"$*\" >> {NOTIFY_LOG}\\n' > {NOTIFY_HOOK}; chmod 0755 {NOTIFY_HOOK}")
    result = playbook("site.yml", "-e", json.dumps(CLUSTER))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    return master


def servers_of(director, vip, port=80):
    """The real-server addresses of one service in a director's live table."""
    for service in ipvs_table(director)["services"]:
        if service["address"] == vip and service["port"] == port:
            return sorted(rs["address"] for rs in service["real_servers"])
    return None


def udp_names(count):
    """`count` UDP queries to the UDP VIP, each from a new socket (a new IPVS connection)."""
    script = ("import socket, sys\n"
              "for _ in range(int(sys.argv[1])):\n"
              "    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(2)\n"
              "    s.sendto(b'name?', (sys.argv[2], int(sys.argv[3])))\n"
              "    try: print(s.recv(64).decode().strip())\n"
              "    except OSError: print('')\n")
    res = client("python3", "-c", script, str(count), UDP_VIP, str(UDP_PORT), timeout=30)
    return res.stdout.split("\n")[:count]


def test_every_scheduler_of_the_kernel_converges_and_serves(features):
    table = {service["address"]: service["scheduler"] for service in ipvs_table(features)["services"]}
    assert {vip: table.get(vip) for vip in SCHEDULER_VIPS.values()} == {v: a for a, v in SCHEDULER_VIPS.items()}
    answers = {algo: http_get_vip(4, vip) for algo, vip in SCHEDULER_VIPS.items()}
    assert {algo: set(bodies) - {"rs1", "rs2"} for algo, bodies in answers.items()} == {a: set() for a in answers}
    assert {algo: len(set(answers[algo])) for algo in SPREADING} == {algo: 2 for algo in SPREADING}, answers
    assert {algo: len(set(answers[algo])) for algo in STICKY} == {algo: 1 for algo in STICKY}, answers


def test_ipv6_vip_is_served_by_the_dual_stack_real_servers_named_once(features):
    assert servers_of(features, VIP6) == ["2001:db8::21", "2001:db8::22"]
    for name in RIP:
        lo = json.loads(host(name).check_output("ip -j -6 address show dev lo"))
        assert [a["prefixlen"] for link in lo for a in link["addr_info"] if a["local"] == VIP6] == [128], name
    assert sorted(http_get_vip(4, VIP6)) == ["rs1", "rs1", "rs2", "rs2"]


def mac_of(name, address):
    """The MAC address of the interface of host `name` that has `address`."""
    device = json.loads(host(name).check_output(f"ip -j address show to {address}"))[0]["ifname"]
    return json.loads(host(name).check_output(f"ip -j link show dev {device}"))[0]["address"]


def test_only_the_master_answers_neighbour_solicitations_for_the_ipv6_vip(features):
    holders = [name for name in hosts_of("lvs_directors")
               if VIP6 in host(name).check_output("ip -6 -br address show")]
    assert len(holders) == 1, holders
    master_mac = mac_of(holders[0], VIP6)
    assert master_mac not in {mac_of(name, rip) for name, rip in RIP.items()}
    for _attempt in range(3):
        client("ip", "-6", "neigh", "flush", "to", VIP6)
        assert http_get_vip(1, VIP6) != [""]
        entry = json.loads(client("ip", "-j", "-6", "neigh", "show", "to", VIP6).stdout or "[]")
        assert [neighbour.get("lladdr") for neighbour in entry] == [master_mac], entry


def test_a_failing_http_get_or_misc_check_removes_a_real_server_and_recovery_brings_it_back(features):
    both = sorted(RIP.values())
    assert servers_of(features, HTTP_GET_VIP) == both and servers_of(features, MISC_VIP) == both
    set_ready("rs2", False)  # rs2 now answers 404 for /ready: the status code and curl -f fail
    try:
        wait_until(lambda: servers_of(features, HTTP_GET_VIP) == [RIP["rs1"]]
                   and servers_of(features, MISC_VIP) == [RIP["rs1"]], 20, "rs2 leaves both services")
        assert set(http_get_vip(4, HTTP_GET_VIP) + http_get_vip(4, MISC_VIP)) == {"rs1"}
    finally:
        set_ready("rs2", True)
    wait_until(lambda: servers_of(features, HTTP_GET_VIP) == both and servers_of(features, MISC_VIP) == both,
               20, "rs2 rejoins both services")
    assert sorted(http_get_vip(4, HTTP_GET_VIP)) == ["rs1", "rs1", "rs2", "rs2"]


def test_the_sorry_server_answers_while_every_real_server_is_down(features):
    assert set(http_get_vip(3, SORRY_VIP)) == {"rs1"}
    set_ready("rs1", False)
    try:
        wait_until(lambda: servers_of(features, SORRY_VIP) == [RIP["rs2"]], 20, "the sorry server replaces rs1")
        assert set(http_get_vip(3, SORRY_VIP)) == {"rs2"}
    finally:
        set_ready("rs1", True)
    wait_until(lambda: servers_of(features, SORRY_VIP) == [RIP["rs1"]], 20, "rs1 replaces the sorry server")
    assert set(http_get_vip(3, SORRY_VIP)) == {"rs1"}


def test_a_udp_service_balances_datagrams(features):
    assert servers_of(features, UDP_VIP, UDP_PORT) == sorted(RIP.values())
    assert sorted(udp_names(4)) == ["rs1", "rs1", "rs2", "rs2"]


def holders(vip):
    """The directors that have vip on an interface."""
    return [name for name in hosts_of("lvs_directors")
            if any(a.get("local") == vip for link in json.loads(host(name).check_output("ip -j address show"))
                   for a in link.get("addr_info", []))]


def test_active_active_one_director_holds_both_alone_and_the_other_waits_its_preempt_delay(features):
    assert (holders(VIP), holders(VIP6)) == (["dir1"], ["dir2"])
    dir2 = host("dir2")
    dir2.check_output("systemctl stop keepalived")
    try:
        wait_until(lambda: holders(VIP6) == ["dir1"], 15, f"dir1 takes {VIP6}")
        assert holders(VIP) == ["dir1"]
        assert sorted(http_get_vip(2, VIP) + http_get_vip(2, VIP6)) == ["rs1", "rs1", "rs2", "rs2"]
    finally:
        dir2.check_output("systemctl start keepalived")
        started = time.monotonic()
    # Without preempt_delay dir2 (priority 250 in VI_WEB6) would take it back within 2 s.
    time.sleep(PREEMPT_DELAY / 2)
    assert holders(VIP6) == ["dir1"], "dir2 took VI_WEB6 back before its preempt_delay"
    wait_until(lambda: holders(VIP6) == ["dir2"], PREEMPT_DELAY + 10, f"dir2 takes {VIP6} back")
    assert time.monotonic() - started >= PREEMPT_DELAY - 1
    assert holders(VIP) == ["dir1"]


def test_a_tracked_interface_going_down_gives_the_vip_away_and_runs_the_notify_hook(features):
    dir1 = host("dir1")
    assert holders(VIP) == ["dir1"]
    dir1.check_output(f"truncate -s 0 {NOTIFY_LOG}")
    dir1.check_output(f"ip link set {UPLINK} down")
    try:
        wait_until(lambda: holders(VIP) == ["dir2"], 15, f"dir2 takes {VIP}")
        assert sorted(http_get_vip(2)) == ["rs1", "rs2"]
        wait_until(lambda: "INSTANCE VI_WEB FAULT" in dir1.check_output(f"cat {NOTIFY_LOG}"), 10,
                   "the notify hook logs FAULT")
    finally:
        dir1.check_output(f"ip link set {UPLINK} up")
    wait_until(lambda: holders(VIP) == ["dir1"], 15, f"dir1 takes {VIP} back")
    wait_until(lambda: "INSTANCE VI_WEB MASTER" in dir1.check_output(f"cat {NOTIFY_LOG}"), 10,
               "the notify hook logs MASTER")
