"""Features proven with traffic on the lab kernels, all converged by one site.yml run.

Every scheduler of the kernel, an IPv6 VIP served by the same dual-stack real servers,
every health checker with notify hooks, a sorry server, a quorum, UDP, SCTP, TUN and fwmark
services, NAT behind a gateway VIP in a sync group, unicast VRRP while the lab drops VRRP
multicast and ignores adverts from outside its peers, active-active directors with
preempt_delay, a tracked interface with a notify hook, tracked scripts, and the user each script runs as; the
same run turns the metrics service off. The module fixture adds them to the example cluster (conftest.ClusterState: a module that needs the
example cluster again gets it back).
"""
import json
import re
import subprocess
import time

import pytest

from conftest import (CLIENT_TIMEOUT, DIP, GUESTS, VIP, device_of, holders, host, hosts_of, http_get_vip, ipvs_table,
                      kernel_schedulers, mac_of, metrics_served, vip_holders)
from labtest.directors import journal_cursor, journal_since
from labtest.lab import LAB_NETNS, client
from labtest.waiting import wait_until

# Every scheduler of the directors' kernel (the kernel check refuses the others: test_operations.py),
# each on a VIP of its own.
SCHEDULERS = kernel_schedulers(hosts_of("lvs_directors")[0])
SCHEDULER_VIPS = {algo: f"192.0.2.{110 + index}" for index, algo in enumerate(SCHEDULERS)}
# Sequential requests from one client: these alternate between the two real servers ...
SPREADING = {"rr", "wrr", "lc", "wlc"}
# ... and these send one client (one destination) always to the same one.
STICKY = {"lblc", "lblcr", "dh", "sh", "fo", "mh"}
# ... and these pick by the real servers' load, which a test cannot pin.
BY_LOAD = {"sed", "nq", "ovf"}

VIP6 = "2001:db8::100"
HTTP_GET_VIP, MISC_VIP, SORRY_VIP, UDP_VIP, SSL_VIP, TUN_VIP, SCTP_VIP, QUORUM_VIP, NAT_VIP = (
    f"192.0.2.{n}" for n in range(130, 139))
# The lab server (molecule/resources/files/lab-serve.py) answers UDP and DNS on this port,
# and SCTP on SCTP_VIP:SCTP_PORT.
UDP_PORT, SCTP_PORT = 9053, 9000
FWMARK = 1
# The real servers' addresses in lab/topology.toml.
RIP = {"rs1": "192.0.2.21", "rs2": "192.0.2.22"}
# The page the checkers ask for: a real server passes them while it has the file.
READY = "/srv/lab-web/ready"
# Where the role's reader of keepalived's checker FIFO keeps each service's quorum (0: has it).
SERVICE_STATES = "/var/lib/lvs-director/services"
# Checks that must not fail on a busy lab: three tries with a 3 s timeout (an HTTPS
# handshake on a loaded guest can take longer than the default 1 s).
PATIENT = {"connect_timeout": 3, "retry": 2}
HTTP_GET = {"type": "HTTP_GET", "url": [{"path": "/ready", "status_code": 200}], **PATIENT}
# The many services whose real servers no test fails check every 5 s instead of every
# second: each costs both directors a check per real server.
QUIET = {"delay_loop": 5}


def misc_check(name):
    return {"type": "MISC_CHECK", "misc_path": f"/usr/bin/curl -fso /dev/null http://{RIP[name]}/ready",
            "misc_timeout": 5, "retry": 2}


# A dummy interface on each director stands for an uplink that VI_WEB tracks; the
# notify hook logs every state change of VI_WEB.
UPLINK = "labup0"
NOTIFY_LOG = "/var/tmp/lab-notify.log"
NOTIFY_HOOK = "/usr/local/sbin/lab-notify"
NFT_TABLE = "lab_no_vrrp_multicast"
NO_VRRP_MULTICAST = (
    ("add", "table", "bridge", NFT_TABLE),
    ("add", "chain", "bridge", NFT_TABLE, "forward", "{ type filter hook forward priority 0; }"),
    ("add", "rule", "bridge", NFT_TABLE, "forward", "ip", "daddr", "224.0.0.18", "counter", "drop"),
)
# NAT: VLAN NAT_VLAN on the lab bridge is a second network, with no client on it. The directors
# join it on NAT_LINK. Each real server's NAT side is a network namespace whose only link is on
# that VLAN and whose default gateway is NAT_GATEWAY, a VIP of the directors: its replies can
# only go back through a director.
NAT_VLAN, NAT_LINK, NAT_NETNS, NAT_PREFIX = 20, "labnat0", "labnat", 27
NAT_GATEWAY = "192.0.2.254"
NAT_ADDRESS = {"dir1": "192.0.2.241", "dir2": "192.0.2.242", "rs1": "192.0.2.231", "rs2": "192.0.2.232"}
NAT_PORT = 8080
NAT_WEB = "/srv/lab-nat"
# Active-active: VI_WEB is MASTER on dir1 (the group order), VI_WEB6 on dir2.
PREEMPT_DELAY = 8
# Who runs the scripts: each call of WHOAMI writes `id` to WHOAMI_DIR/<its first argument> (by a rename: the
# tracked scripts run every second while a test reads the file), and fails while WHOAMI_DIR/<argument>.fail
# exists. VI_WHOAMI tracks WHO_LINK, a dummy interface: taking it down runs the instance's notify and notify_fault
# hooks. It also tracks two scripts: VITAL (weight 0) and NUDGE, whose failure costs less priority than the
# 10 between the directors.
WHOAMI_VIP = "192.0.2.139"
WHOAMI = "/usr/local/sbin/lab-whoami"
WHOAMI_DIR = "/var/tmp/lab-whoami"
WHO_LINK = "labwho0"
VITAL, NUDGE, NUDGE_WEIGHT = "vital", "nudge", 5

CLUSTER = {
    # The scenario's cluster serves the metrics (molecule.yml): this run turns them off.
    "lvs_director_metrics": False,
    "lvs_director_vrrp_instances": [
        {"name": "VI_WEB", "virtual_router_id": 51,
         "vips": [VIP, *SCHEDULER_VIPS.values(), HTTP_GET_VIP, MISC_VIP, SORRY_VIP, UDP_VIP, SSL_VIP, TUN_VIP,
                  SCTP_VIP, QUORUM_VIP],
         "track_interfaces": [UPLINK], "notify": NOTIFY_HOOK, "unicast": True},
        {"name": "VI_WEB6", "virtual_router_id": 52, "vips": [VIP6], "preferred_director": "dir2",
         "preempt_delay": PREEMPT_DELAY},
        {"name": "VI_NAT", "virtual_router_id": 53, "vips": [NAT_VIP], "unicast": True},
        {"name": "VI_NAT_GW", "virtual_router_id": 54, "vips": [NAT_GATEWAY], "interface": NAT_LINK},
        {"name": "VI_WHOAMI", "virtual_router_id": 55, "vips": [WHOAMI_VIP], "unicast": True,
         "track_interfaces": [WHO_LINK], "notify": f"{WHOAMI} notify",
         "notify_master": f"{WHOAMI} notify_master", "notify_backup": f"{WHOAMI} notify_backup",
         "notify_fault": {"command": f"{WHOAMI} notify_fault", "user": "root"}, "notify_stop": f"{WHOAMI} notify_stop",
         "track_scripts": ["lab_vital", "lab_nudge"]}],
    "lvs_director_vrrp_scripts": [
        {"name": "lab_vital", "script": {"command": f"{WHOAMI} {VITAL}", "user": "root"}, "fall": 2, "rise": 2},
        {"name": "lab_nudge", "script": f"{WHOAMI} {NUDGE}", "weight": -NUDGE_WEIGHT}],
    "lvs_director_vrrp_sync_groups": [{"name": "VG_NAT", "instances": ["VI_NAT", "VI_NAT_GW"]}],
    "lvs_director_virtual_services": [
        {"name": "web", "vip": VIP, "port": 80, "lb_algo": "rr", **QUIET},
        *({"name": algo, "vip": vip, "port": 80, "lb_algo": algo, **QUIET} for algo, vip in SCHEDULER_VIPS.items()),
        # rs1 and rs2 from the group, by the same names: their IPv6 addresses (lvs_realserver_address6).
        {"name": "web6", "vip": VIP6, "port": 80, "lb_algo": "rr", **QUIET},
        {"name": "http-get", "vip": HTTP_GET_VIP, "port": 80, "lb_algo": "rr", "health_check": HTTP_GET,
         "notify_up": f"{NOTIFY_HOOK} http-get up", "notify_down": f"{NOTIFY_HOOK} http-get down"},
        {"name": "misc", "vip": MISC_VIP, "port": 80, "lb_algo": "rr",
         "real_servers": [{"host": name, "health_check": misc_check(name)} for name in RIP]},
        {"name": "sorry", "vip": SORRY_VIP, "port": 80, "real_servers": ["rs1"], "health_check": HTTP_GET,
         "sorry_server": {"address": RIP["rs2"]}},
        {"name": "udp", "vip": UDP_VIP, "port": UDP_PORT, "protocol": "UDP", "lb_algo": "rr",
         "health_check": {"type": "DNS_CHECK", **PATIENT}},
        {"name": "ssl", "vip": SSL_VIP, "port": 443, "lb_algo": "rr",
         "health_check": dict(HTTP_GET, type="SSL_GET")},
        # rs1 and rs2 weigh 1 each against a quorum of 2; the lab has no third real server, so rs2
        # doubles as the sorry server.
        {"name": "quorum", "vip": QUORUM_VIP, "port": 80, "lb_algo": "rr", "health_check": HTTP_GET, "quorum": 2,
         "sorry_server": {"address": RIP["rs2"]}, "quorum_up": f"{NOTIFY_HOOK} quorum up",
         "quorum_down": f"{NOTIFY_HOOK} quorum down"},
        # TUN: the real servers hold the VIP on tunl0 and take the IPIP packets the director sends.
        {"name": "tun", "vip": TUN_VIP, "port": 80, "lb_algo": "rr", "lb_kind": "TUN", **QUIET},
        # rs1 is the client of this one (test_an_sctp_service...), so rs2 is its only real server.
        {"name": "sctp", "vip": SCTP_VIP, "port": SCTP_PORT, "protocol": "SCTP", "real_servers": ["rs2"],
         "health_check": {"type": "TCP_CHECK", "connect_port": 80}, **QUIET},
        # The real servers' NAT sides, on another port than the VIP's.
        {"name": "nat", "vip": NAT_VIP, "port": 80, "lb_algo": "rr", "lb_kind": "NAT",
         "real_servers": [{"address": NAT_ADDRESS[name], "port": NAT_PORT} for name in RIP]},
        # What the directors mark FWMARK (test_a_fwmark_service...) comes here, whatever its port.
        {"name": "mark", "fwmark": FWMARK, "fwmark_vips": [SSL_VIP], "lb_algo": "rr", "persistence_timeout": 60,
         "health_check": {"type": "TCP_CHECK", "connect_port": 80}, **QUIET},
        # Its check passes (exit 0) and records who ran it.
        {"name": "whoami", "vip": WHOAMI_VIP, "port": 80, "real_servers": ["rs1"], "delay_loop": 2,
         "health_check": {"type": "MISC_CHECK", "misc_path": f"{WHOAMI} misc", "misc_timeout": 5}},
    ]}


def set_ready(name, ready):
    host(name).run(f"touch {READY}" if ready else f"rm -f {READY}")


def join_nat_network(name, address):
    """A director joins the NAT VLAN on NAT_LINK. A real server's NAT side is a namespace,
    NAT_NETNS, on that VLAN: it routes through NAT_GATEWAY and serves the host's name on NAT_PORT."""
    vlan = f"ip link add link {device_of(name, address)} name {NAT_LINK} type vlan id {NAT_VLAN}"
    on_link = f"ip address add {NAT_ADDRESS[name]}/{NAT_PREFIX} dev {NAT_LINK} && ip link set {NAT_LINK} up"
    if name not in RIP:
        host(name).check_output(f"{vlan} && {on_link}")
        return
    inside = f"ip netns exec {NAT_NETNS}"
    host(name).check_output(" && ".join([
        f"ip netns add {NAT_NETNS}", vlan, f"ip link set {NAT_LINK} netns {NAT_NETNS}",
        f"{inside} sh -c '{on_link} && ip link set lo up && ip route add default via {NAT_GATEWAY}'",
        f"mkdir -p {NAT_WEB}", f"echo {name}-nat > {NAT_WEB}/index.html",
        f"systemd-run --unit lab-nat-web --collect {inside} python3 -m http.server {NAT_PORT} "
        f"--bind {NAT_ADDRESS[name]} --directory {NAT_WEB}"]))


def leave_nat_network(name):
    host(name).run(f"systemctl stop lab-nat-web; ip netns delete {NAT_NETNS}; rm -rf {NAT_WEB}" if name in RIP
                   else f"ip link delete {NAT_LINK}")


@pytest.fixture(scope="module")
def metrics_before(master):
    """Which directors served the metrics before this module's converge."""
    return {name: metrics_served(name) for name in hosts_of("lvs_directors")}


@pytest.fixture(scope="module")
def features(master, cluster_state, metrics_before):
    for name in RIP:
        set_ready(name, True)
    for name in hosts_of("lvs_directors"):
        host(name).check_output(
            f"ip link show {UPLINK} || ip link add {UPLINK} type dummy; ip link set {UPLINK} up; "
            f"printf '#!/bin/sh\\necho \"$*\" >> {NOTIFY_LOG}\\n' > {NOTIFY_HOOK}; chmod 0755 {NOTIFY_HOOK}; "
            f"ip link show {WHO_LINK} || ip link add {WHO_LINK} type dummy; ip link set {WHO_LINK} up; "
            f"mkdir -p {WHOAMI_DIR}; chmod 0777 {WHOAMI_DIR}; "
            f"printf '#!/bin/sh\\nid > {WHOAMI_DIR}/.$1.$$ && mv -f {WHOAMI_DIR}/.$1.$$ {WHOAMI_DIR}/$1\\n"
            f"[ ! -e {WHOAMI_DIR}/$1.fail ]\\n' > {WHOAMI}; chmod 0755 {WHOAMI}")
    joined = []
    try:
        for name, address in (*DIP.items(), *RIP.items()):
            joined.append(name)
            join_nat_network(name, address)
        cluster_state.converge("features", CLUSTER)
        # From here on the lab bridge drops IPv4 VRRP multicast: VI_WEB's adverts must go by unicast.
        for rule in NO_VRRP_MULTICAST:
            assert client("nft", *rule).returncode == 0, rule
        yield master
    finally:
        client("nft", "delete", "table", "bridge", NFT_TABLE)
        for name in joined:
            leave_nat_network(name)


def table_servers(director):
    """{(address, port): sorted real-server addresses} of every service in a director's live table."""
    return {(service["address"], service["port"]): sorted(rs["address"] for rs in service["real_servers"])
            for service in ipvs_table(director)["services"]}


def servers_of(director, vip, port=80):
    """The real-server addresses of one service in a director's live table."""
    return table_servers(director).get((vip, port))


def udp_names(count):
    """`count` UDP queries to the UDP VIP, each from a new socket (a new IPVS connection)."""
    script = ("import socket, sys\n"
              "for _ in range(int(sys.argv[1])):\n"
              f"    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout({CLIENT_TIMEOUT})\n"
              "    s.sendto(b'name?', (sys.argv[2], int(sys.argv[3])))\n"
              "    try: print(s.recv(64).decode().strip())\n"
              "    except OSError: print('')\n")
    res = client("python3", "-c", script, str(count), UDP_VIP, str(UDP_PORT), timeout=count * CLIENT_TIMEOUT + 10)
    return res.stdout.split("\n")[:count]


def test_turning_the_metrics_off_removes_the_service(metrics_before, features):
    assert all(metrics_before.values()), f"the scenario's cluster serves the metrics: {metrics_before}"
    for name in hosts_of("lvs_directors"):
        assert not metrics_served(name), name
        assert not host(name).file("/etc/systemd/system/lvs-director-metrics.service").exists, name


def test_every_scheduler_of_the_kernel_converges_and_serves(features):
    assert set(SCHEDULERS) <= SPREADING | STICKY | BY_LOAD, f"the kernel has {SCHEDULERS}: say how each spreads"
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


def test_only_the_master_answers_neighbour_solicitations_for_the_ipv6_vip(features):
    holders = vip_holders(VIP6)
    assert len(holders) == 1, holders
    master_mac = mac_of(holders[0], VIP6)
    assert master_mac not in {mac_of(name, rip) for name, rip in RIP.items()}
    for _attempt in range(3):
        client("ip", "-6", "neigh", "flush", "to", VIP6)
        assert http_get_vip(1, VIP6) != [""]
        entry = json.loads(client("ip", "-j", "-6", "neigh", "show", "to", VIP6).stdout or "[]")
        assert [neighbour.get("lladdr") for neighbour in entry] == [master_mac], entry


# The services whose checks read /ready: HTTP_GET and SSL_GET (status 200, else 404),
# MISC_CHECK (curl -f) and DNS_CHECK (NOERROR, else SERVFAIL).
CHECKED = {"HTTP_GET": (HTTP_GET_VIP, 80), "MISC_CHECK": (MISC_VIP, 80), "DNS_CHECK": (UDP_VIP, UDP_PORT),
           "SSL_GET": (SSL_VIP, 443)}


def checked_servers(director):
    """{check type: real-server addresses} of the services in CHECKED, from one table read."""
    servers = table_servers(director)
    return {kind: servers.get(key, []) for kind, key in CHECKED.items()}


def https_names(count, vip):
    return [client("curl", "-sk", "--max-time", str(CLIENT_TIMEOUT), f"https://{vip}/", timeout=CLIENT_TIMEOUT + 10)
            .stdout.strip()
            for _request in range(count)]


def test_every_checker_removes_a_failing_real_server_and_brings_it_back(features):
    both, rs1_only = sorted(RIP.values()), [RIP["rs1"]]
    # site.yml's verification waits for the table, not for every check to pass.
    wait_until(lambda: checked_servers(features) == {kind: both for kind in CHECKED}, 20,
               "both real servers in every checked service")
    set_ready("rs2", False)
    try:
        wait_until(lambda: checked_servers(features) == {kind: rs1_only for kind in CHECKED}, 20,
                   "rs2 leaves every checked service")
        wait_until(lambda: f"http-get down {RIP['rs2']}:80" in host(features).check_output(f"cat {NOTIFY_LOG}"), 10,
                   "the service's notify_down hook names rs2")
        # rs2 still serves everything but /ready: a request it answered would show a checker that left it in.
        answers = {"HTTP_GET": http_get_vip(2, HTTP_GET_VIP), "MISC_CHECK": http_get_vip(2, MISC_VIP),
                   "DNS_CHECK": udp_names(2), "SSL_GET": https_names(2, SSL_VIP)}
        assert answers == {kind: ["rs1", "rs1"] for kind in CHECKED}, answers
    finally:
        set_ready("rs2", True)
    wait_until(lambda: checked_servers(features) == {kind: both for kind in CHECKED}, 20,
               "rs2 rejoins every checked service")
    wait_until(lambda: f"http-get up {RIP['rs2']}:80" in host(features).check_output(f"cat {NOTIFY_LOG}"), 10,
               "the service's notify_up hook names rs2")
    assert sorted(https_names(4, SSL_VIP)) == ["rs1", "rs1", "rs2", "rs2"]


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


def test_a_service_below_its_quorum_sends_everything_to_the_sorry_server(features):
    """rs2 fails its check: the quorum service loses its quorum, so keepalived also takes out rs1,
    which the HTTP_GET service (same check, no quorum) keeps, and the sorry server takes every
    request. rs2 passes again: the quorum is back, and so are both real servers. The quorum hooks
    log both changes, and so does each director's service state file, which VI_WEB tracks: both
    directors lose the quorum alike, so both lose the same priority and the VIPs stay where they are."""
    def hook_lines(event):
        return host(features).check_output(f"cat {NOTIFY_LOG}").count(f"quorum {event}")

    def quorum_states():
        return [host(name).check_output(f"cat {SERVICE_STATES}/vs_{QUORUM_VIP}_tcp_80")
                for name in hosts_of("lvs_directors")]

    downs, ups = hook_lines("down"), hook_lines("up")
    master = vip_holders(QUORUM_VIP)
    assert servers_of(features, QUORUM_VIP) == sorted(RIP.values())
    assert quorum_states() == ["0", "0"]
    set_ready("rs2", False)
    try:
        wait_until(lambda: (servers_of(features, QUORUM_VIP), servers_of(features, HTTP_GET_VIP))
                   == ([RIP["rs2"]], [RIP["rs1"]]), 20, "the sorry server replaces rs1 in the quorum service only")
        assert set(http_get_vip(3, QUORUM_VIP)) == {"rs2"}
        wait_until(lambda: hook_lines("down") > downs, 10, "the quorum_down hook ran")
        wait_until(lambda: quorum_states() == ["1", "1"], 10, "both directors' state files say the quorum is lost")
        assert vip_holders(QUORUM_VIP) == master
    finally:
        set_ready("rs2", True)
    wait_until(lambda: servers_of(features, QUORUM_VIP) == sorted(RIP.values()), 20, "rs1 and rs2 are back")
    wait_until(lambda: hook_lines("up") > ups, 10, "the quorum_up hook ran")
    wait_until(lambda: quorum_states() == ["0", "0"], 10, "both directors' state files say the quorum is back")
    assert sorted(http_get_vip(4, QUORUM_VIP)) == ["rs1", "rs1", "rs2", "rs2"]
    assert vip_holders(QUORUM_VIP) == master


def test_a_udp_service_balances_datagrams(features):
    assert servers_of(features, UDP_VIP, UDP_PORT) == sorted(RIP.values())
    assert sorted(udp_names(4)) == ["rs1", "rs1", "rs2", "rs2"]


def test_an_sctp_service_forwards_associations(features):
    """The build host's kernel cannot open SCTP sockets, so the client is rs1, a lab guest that
    is not a real server of this service (it does not hold SCTP_VIP)."""
    assert servers_of(features, SCTP_VIP, SCTP_PORT) == [RIP["rs2"]]
    connect = (f"import socket; s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_SCTP); "
               f"s.settimeout(5); s.bind(('{RIP['rs1']}', 0)); s.connect(('{SCTP_VIP}', {SCTP_PORT})); "
               f"print(s.recv(64).decode().strip())")
    assert [host("rs1").check_output(f'python3 -c "{connect}"') for _association in range(2)] == ["rs2", "rs2"]
    sctp = next(s for s in ipvs_table(features, stats=True)["services"] if s["address"] == SCTP_VIP)
    assert sctp["protocol"] == "sctp" and sctp["stats"]["connections"] >= 2


def test_a_tun_service_reaches_the_real_servers_through_ipip(features):
    for name in RIP:
        tunl0 = json.loads(host(name).check_output("ip -j -4 address show dev tunl0"))
        assert [a["local"] for link in tunl0 for a in link["addr_info"]] == [TUN_VIP], name
    assert {rs["forward"] for rs in next(s for s in ipvs_table(features)["services"]
                                         if s["address"] == TUN_VIP)["real_servers"]} == {"tunnel"}
    assert sorted(http_get_vip(4, TUN_VIP)) == ["rs1", "rs1", "rs2", "rs2"]


def nat_service(director):
    return next(s for s in ipvs_table(director, stats=True)["services"] if s["address"] == NAT_VIP)


def test_nat_replies_return_through_the_director_that_holds_the_gateway_vip(features):
    """The NAT service translates port 80 to NAT_PORT on real servers that the client cannot reach:
    their replies come back through the director, which counts them (in DR it sees none). When
    the gateway instance fails on dir1 (its link goes down), the sync group moves the service's
    VIP to dir2 with it, and dir2 carries the replies; VI_WEB, in no group, stays."""
    nat_names = ["rs1-nat", "rs1-nat", "rs2-nat", "rs2-nat"]
    assert holders(NAT_VIP, NAT_GATEWAY, VIP) == [["dir1"], ["dir1"], ["dir1"]]
    service = nat_service("dir1")
    assert sorted((rs["address"], rs["port"], rs["forward"]) for rs in service["real_servers"]) == sorted(
        (NAT_ADDRESS[name], NAT_PORT, "masq") for name in RIP)
    assert sorted(http_get_vip(4, NAT_VIP)) == nat_names
    assert nat_service("dir1")["stats"]["packets_out"] > service["stats"]["packets_out"]
    dir1 = host("dir1")
    dir1.check_output(f"ip link set {NAT_LINK} down")
    try:
        wait_until(lambda: holders(NAT_VIP, NAT_GATEWAY, VIP) == [["dir2"], ["dir2"], ["dir1"]], 15,
                   "dir2 takes the NAT VIP and the gateway, dir1 keeps VI_WEB")
        before = nat_service("dir2")["stats"]["packets_out"]
        assert sorted(http_get_vip(4, NAT_VIP)) == nat_names
        assert nat_service("dir2")["stats"]["packets_out"] > before
    finally:
        dir1.check_output(f"ip link set {NAT_LINK} up")
    wait_until(lambda: holders(NAT_VIP, NAT_GATEWAY) == [["dir1"], ["dir1"]], 15, "dir1 takes both back")
    wait_until(lambda: len(nat_service("dir1")["real_servers"]) == 2, 10, "dir1's checks pass again")
    assert sorted(http_get_vip(4, NAT_VIP)) == nat_names


def dropped_multicast():
    """Packets the lab bridge's rule has dropped."""
    ruleset = json.loads(client("nft", "-j", "list", "table", "bridge", NFT_TABLE).stdout)["nftables"]
    return sum(expr["counter"]["packets"] for item in ruleset if "rule" in item
               for expr in item["rule"]["expr"] if "counter" in expr)


def test_unicast_vrrp_keeps_one_master_while_the_lab_drops_vrrp_multicast(features):
    """The drop is real and the directors peer by unicast. The failovers of VI_WEB below run
    with multicast dropped: a director that sent multicast adverts would never hear the other
    and both would hold the VIP."""
    device = device_of("dir1", DIP["dir1"])
    before = dropped_multicast()
    host("dir1").run(f"ping -b -c 2 -i 0.2 -W 1 -I {device} 224.0.0.18")
    assert dropped_multicast() >= before + 2, "the bridge must drop multicast to 224.0.0.18"
    for name, peer in (("dir1", DIP["dir2"]), ("dir2", DIP["dir1"])):
        conf = host(name).check_output("cat /etc/keepalived/keepalived.conf")
        assert "unicast_peer {" in conf and peer in conf
    for _sample in range(3):
        assert vip_holders(VIP) == ["dir1"]
        time.sleep(1)


def test_active_active_one_director_holds_both_alone_and_the_other_waits_its_preempt_delay(features):
    """Stopping keepalived on dir2 also runs VI_WHOAMI's notify_stop hook there, as the user the keepalived
    version allows. The role's drop-in sets KillMode=process: with Debian's unit (control-group), which
    signals every process of the unit, the hook did not run at 3 stops in 20."""
    assert (vip_holders(VIP), vip_holders(VIP6)) == (["dir1"], ["dir2"])
    dir2 = host("dir2")
    assert dir2.check_output("systemctl show --value -p KillMode keepalived") == "process"
    dir2.check_output(f"rm -f {WHOAMI_DIR}/notify_stop")
    dir2.check_output("systemctl stop keepalived")
    try:
        wait_until(lambda: who_ran(dir2, "notify_stop"), 15, "dir2 runs notify_stop as keepalived stops")
        assert who_ran(dir2, "notify_stop") == script_user("dir2")
        wait_until(lambda: vip_holders(VIP6) == ["dir1"], 15, f"dir1 takes {VIP6}")
        assert vip_holders(VIP) == ["dir1"]
        assert sorted(http_get_vip(2, VIP) + http_get_vip(2, VIP6)) == ["rs1", "rs1", "rs2", "rs2"]
    finally:
        dir2.check_output("systemctl start keepalived")
        started = time.monotonic()
    # Without preempt_delay dir2 (priority 250 in VI_WEB6) would take it back within 2 s.
    time.sleep(PREEMPT_DELAY / 2)
    assert vip_holders(VIP6) == ["dir1"], "dir2 took VI_WEB6 back before its preempt_delay"
    wait_until(lambda: vip_holders(VIP6) == ["dir2"], PREEMPT_DELAY + 10, f"dir2 takes {VIP6} back")
    assert time.monotonic() - started >= PREEMPT_DELAY - 1
    assert vip_holders(VIP) == ["dir1"]


def test_a_tracked_interface_going_down_gives_the_vip_away_and_runs_the_notify_hook(features):
    dir1 = host("dir1")
    assert vip_holders(VIP) == ["dir1"]
    dir1.check_output(f"truncate -s 0 {NOTIFY_LOG}")
    dir1.check_output(f"ip link set {UPLINK} down")
    try:
        wait_until(lambda: vip_holders(VIP) == ["dir2"], 15, f"dir2 takes {VIP}")
        assert sorted(http_get_vip(2)) == ["rs1", "rs2"]
        wait_until(lambda: "INSTANCE VI_WEB FAULT" in dir1.check_output(f"cat {NOTIFY_LOG}"), 10,
                   "the notify hook logs FAULT")
    finally:
        dir1.check_output(f"ip link set {UPLINK} up")
    wait_until(lambda: vip_holders(VIP) == ["dir1"], 15, f"dir1 takes {VIP} back")
    wait_until(lambda: "INSTANCE VI_WEB MASTER" in dir1.check_output(f"cat {NOTIFY_LOG}"), 10,
               "the notify hook logs MASTER")


def test_a_fwmark_service_takes_every_port_its_marking_rule_marks_with_persistence(features):
    """The marking rule of docs/operations.md (tc flavour) on both directors: every TCP packet
    to SSL_VIP gets mark 1, so ports 80 and 443 reach the fwmark service, and its persistence
    keeps one client on one real server across both ports."""
    rules = {name: device_of(name, address) for name, address in DIP.items()}
    try:
        for name, device in rules.items():
            host(name).check_output(f"tc qdisc add dev {device} clsact && tc filter add dev {device} ingress "
                                    f"protocol ip flower dst_ip {SSL_VIP} ip_proto tcp action skbedit mark {FWMARK}")
        answers = [get for _pair in range(3) for get in (http_get_vip(1, SSL_VIP)[0], https_names(1, SSL_VIP)[0])]
        assert len(set(answers)) == 1 and answers[0] in RIP, answers
        mark = next(s for s in ipvs_table(features, stats=True)["services"] if s.get("fwmark") == FWMARK)
        assert mark["stats"]["connections"] >= 6
    finally:
        for name, device in rules.items():
            host(name).run(f"tc qdisc del dev {device} clsact")


def keepalived_version(name):
    """(major, minor, patch) of the keepalived a director runs, from `keepalived --version`."""
    text = host(name).run("keepalived --version").stderr
    return tuple(int(part) for part in re.search(r"Keepalived v(\d+)\.(\d+)\.(\d+)", text).groups())


def script_user(name):
    """The user a director's keepalived runs a script as when the script does not ask for root."""
    return "keepalived_script" if keepalived_version(name) >= (2, 2, 8) else "root"


def who_ran(director, script):
    """The user that last ran `lab-whoami <script>` on director, from the `id` it wrote; None before it ran."""
    found = re.match(r"uid=\d+\((\S+?)\)", director.run(f"cat {WHOAMI_DIR}/{script}").stdout)
    return found.group(1) if found else None


def fault_and_recover(name, directors):
    """WHO_LINK going down puts a director's VI_WHOAMI in FAULT, which runs its notify and notify_fault hooks,
    and another director holds its VIP; back up, it enters BACKUP first (notify_backup). The MISC_CHECK runs
    every delay_loop meanwhile."""
    director = host(name)
    others = [host(other) for other in directors if other != name]
    wait_until(lambda: who_ran(director, "misc"), 15, f"{name} runs the MISC_CHECK")
    director.check_output(f"ip link set {WHO_LINK} down")
    try:
        wait_until(lambda: who_ran(director, "notify") and who_ran(director, "notify_fault"), 15,
                   f"{name} runs the notify hooks of VI_WHOAMI's FAULT")
        wait_until(lambda: any(other.run(f"ip -o address show | grep -qw {WHOAMI_VIP}").rc == 0 for other in others),
                   15, f"another director holds {WHOAMI_VIP} while {name} is in FAULT")
    finally:
        director.check_output(f"ip link set {WHO_LINK} up")
    wait_until(lambda: who_ran(director, "notify_backup"), 15, f"{name} runs notify_backup as VI_WHOAMI leaves FAULT")


def test_scripts_run_as_keepalived_script_where_keepalived_allows_it_and_as_root_where_asked(features):
    """keepalived 2.2.8 and later (dir2, Debian 13: 2.3.3) run the MISC_CHECK and the notify, notify_master and
    notify_backup hooks as the locked system user keepalived_script that the role creates; keepalived 2.2.7
    (dir1, Debian 12) runs them as root. The notify_fault hook asks for root and gets it on both. Each hook
    runs on its state change: both directors go through FAULT, BACKUP and MASTER."""
    for name in hosts_of("lvs_directors"):
        account = host(name).user("keepalived_script")
        assert account.exists and account.shell == "/usr/sbin/nologin", name
        assert host(name).check_output("passwd -S keepalived_script").split()[1] == "L", f"{name}: not locked"
    directors = hosts_of("lvs_directors")
    for name in directors:
        host(name).check_output(f"rm -f {WHOAMI_DIR}/*")
    for name in directors:
        fault_and_recover(name, directors)
    # The other director took VI_WHOAMI while dir1 was in FAULT; dir1 preempted it once it had left FAULT.
    for name in directors:
        wait_until(lambda name=name: who_ran(host(name), "notify_master"), 15, f"{name} runs notify_master")
    hooks = ("misc", "notify", "notify_master", "notify_backup", "notify_fault", NUDGE, VITAL)
    users = {name: {script: who_ran(host(name), script) for script in hooks} for name in directors}
    default = {name: script_user(name) for name in users}
    assert users == {name: {"misc": default[name], "notify": default[name], "notify_master": default[name],
                            "notify_backup": default[name], "notify_fault": "root", NUDGE: default[name],
                            VITAL: "root"} for name in users}


def fail_script(director, script, failing):
    director.check_output(f"{'touch' if failing else 'rm -f'} {WHOAMI_DIR}/{script}.fail")


def priority_changes(name, cursor):
    """The (from, to) effective priorities of VI_WHOAMI that keepalived logged on a director after cursor."""
    return [tuple(int(number) for number in change) for change in re.findall(
        r"\(VI_WHOAMI\) Changing effective priority from (\d+) to (\d+)", journal_since(GUESTS, name, cursor))]


def test_a_tracked_script_of_weight_0_moves_the_vip_and_one_with_a_weight_only_lowers_the_priority(features):
    """NUDGE failing on dir1 lowers its priority in VI_WHOAMI by NUDGE_WEIGHT, still above dir2's: the VIP stays.
    VITAL (weight 0, fall 2) failing puts VI_WHOAMI in FAULT on dir1 and dir2 serves its VIP; passing again
    (rise 2), dir1 preempts it back."""
    dir1 = host("dir1")
    wait_until(lambda: vip_holders(WHOAMI_VIP) == ["dir1"], 15, f"dir1 holds {WHOAMI_VIP}")
    cursor = journal_cursor(GUESTS, "dir1")
    fail_script(dir1, NUDGE, True)
    try:
        wait_until(lambda: priority_changes("dir1", cursor), 15, "dir1 logs a priority change of VI_WHOAMI")
        for _sample in range(3):
            assert vip_holders(WHOAMI_VIP) == ["dir1"]
            time.sleep(1)
    finally:
        fail_script(dir1, NUDGE, False)
    wait_until(lambda: len(priority_changes("dir1", cursor)) == 2, 15, "dir1 logs its priority back")
    assert priority_changes("dir1", cursor) == [(250, 250 - NUDGE_WEIGHT), (250 - NUDGE_WEIGHT, 250)]
    assert vip_holders(WHOAMI_VIP) == ["dir1"]
    fail_script(dir1, VITAL, True)
    try:
        wait_until(lambda: vip_holders(WHOAMI_VIP) == ["dir2"], 15, f"dir2 takes {WHOAMI_VIP} while {VITAL} fails")
        assert http_get_vip(2, WHOAMI_VIP) == ["rs1", "rs1"]
        assert "(VI_WHOAMI) Entering FAULT STATE" in journal_since(GUESTS, "dir1", cursor)
    finally:
        fail_script(dir1, VITAL, False)
    wait_until(lambda: vip_holders(WHOAMI_VIP) == ["dir1"], 15, f"dir1 takes {WHOAMI_VIP} back once {VITAL} passes")


# Sends VRRPv3 adverts (RFC 5798: version 3, type 1, VRID, priority, address count, max advert interval in
# centiseconds, checksum over an IPv4 pseudo-header, the addresses) from the lab's client side to each target.
FORGE = """
import socket, struct, sys, time

def checksum(data):
    data += b'\\0' * (len(data) % 2)
    total = sum(struct.unpack(f'!{len(data) // 2}H', data))
    while total >> 16:
        total = (total & 0xffff) + (total >> 16)
    return ~total & 0xffff

vrid, priority, seconds = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
vips = b''.join(socket.inet_aton(vip) for vip in sys.argv[4].split(','))
adverts = []
for target in sys.argv[5:]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, 112)
    sock.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, 255)
    sock.connect((target, 0))
    header = struct.pack('!BBBBH', 0x31, vrid, priority, len(vips) // 4, 50)
    pseudo = (socket.inet_aton(sock.getsockname()[0]) + socket.inet_aton(target)
              + struct.pack('!BBH', 0, 112, len(header) + 2 + len(vips)))
    adverts.append((sock, header + struct.pack('!H', checksum(pseudo + header + b'\\0\\0' + vips)) + vips))
end = time.monotonic() + seconds
while time.monotonic() < end:
    for sock, advert in adverts:
        sock.send(advert)
    time.sleep(1)
"""
FORGED_SECONDS = 6


def test_a_forged_advert_from_outside_the_unicast_peers_is_ignored(features):
    """VI_WEB peers by unicast, and the role renders check_unicast_src. The client side (192.0.2.1), no peer,
    sends both directors VI_WEB's adverts with priority 254 (above dir1's 250), all its VIPs and a valid
    checksum, once a second: accepted, they would make dir1 give the VIPs up while dir2 stays BACKUP.
    Both log each as not from a unicast peer, after checking everything else of the advert, and dir1 keeps
    the VIP and its state. Sent faster than dir1's adverts (advert_int 0.5), any packet holds dir1's own
    adverts back and dir2 takes over for a moment (docs/security.md): that is keepalived's advert timer,
    not the source check under test."""
    vips = ",".join(CLUSTER["lvs_director_vrrp_instances"][0]["vips"])
    assert vip_holders(VIP) == ["dir1"]
    cursors = {name: journal_cursor(GUESTS, name) for name in DIP}
    forger = subprocess.Popen(["ip", "netns", "exec", LAB_NETNS, "python3", "-c", FORGE, "51", "254",
                               str(FORGED_SECONDS), vips, *DIP.values()],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        for _sample in range(FORGED_SECONDS):
            assert vip_holders(VIP) == ["dir1"]
            time.sleep(1)
    finally:
        output = forger.communicate(timeout=FORGED_SECONDS + 30)[0]
    assert forger.returncode == 0, output
    for name, cursor in cursors.items():
        journal = journal_since(GUESTS, name, cursor)
        assert "(VI_WEB) unicast source address 192.0.2.1 not a unicast peer" in journal, f"{name}: {journal}"
        assert "(VI_WEB) Entering" not in journal, f"{name}: {journal}"
    assert vip_holders(VIP) == ["dir1"]
