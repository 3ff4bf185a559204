"""lvs_director_mode ecmp: every director announces the VIP and forwards a share; a director that cannot serve
withdraws, one that dies loses its path after BFD, and a real server that fails its check leaves every director."""
from __future__ import annotations

import time

from conftest import DIRECTORS, VIP, next_hops, requests
from labtest import directors as lab_directors
from labtest.lab import lab
from labtest.waiting import wait_until

RS1 = "192.0.2.21"
# Drops a director's own packets to port 80: its health checks fail, the traffic it forwards (DR keeps the
# client's source address) does not.
CUT_CHECKS = ("tc qdisc add dev {dev} clsact && tc filter add dev {dev} egress protocol ip flower "
              "src_ip {address} ip_proto tcp dst_port 80 action drop")


def connections(guests, name: str) -> int:
    table = lab_directors.ipvs_table(guests, name, stats=True)
    return sum(service["stats"]["connections"] for service in table["services"] if service["address"] == VIP)


def test_every_director_announces_the_vip():
    wait_until(lambda: next_hops() == sorted(DIRECTORS), 60, "the router has a path through every director")


def test_every_director_forwards_a_share_and_every_request_is_answered(guests):
    before = {name: connections(guests, name) for name in DIRECTORS}
    bodies = requests(60)
    assert sorted(set(bodies)) == ["rs1", "rs2"], bodies
    shares = {name: connections(guests, name) - before[name] for name in DIRECTORS}
    print(f"connections per director for 60 requests: {shares}")
    assert sum(shares.values()) == 60 and min(shares.values()) > 0, shares


def test_a_real_server_that_fails_its_check_leaves_every_director(guests):
    guests.check("rs1", "systemctl stop lab-web")
    try:
        wait_until(lambda: all(RS1 not in (lab_directors.real_servers(lab_directors.ipvs_table(guests, name), VIP, 80)
                                           or {}) for name in DIRECTORS), 15, "every director removes rs1")
        assert set(requests(10)) == {"rs2"}
    finally:
        guests.check("rs1", "systemctl start lab-web")
    wait_until(lambda: all(RS1 in (lab_directors.real_servers(lab_directors.ipvs_table(guests, name), VIP, 80) or {})
                           for name in DIRECTORS), 15, "every director takes rs1 back")


def test_a_director_whose_checks_fail_withdraws_the_vip_and_the_others_carry_it(guests):
    dev = guests.check("dir1", f"ip -o -4 address show to {DIRECTORS['dir1']} | awk '{{print $2}}'").strip()
    guests.check("dir1", CUT_CHECKS.format(dev=dev, address=DIRECTORS["dir1"]))
    try:
        wait_until(lambda: next_hops() == ["dir2", "dir3"], 20, "dir1 withdraws the VIP")
        assert "" not in requests(20)
    finally:
        guests.check("dir1", f"tc qdisc del dev {dev} clsact")
    wait_until(lambda: next_hops() == sorted(DIRECTORS), 20, "dir1 announces the VIP again")


def test_a_killed_director_loses_its_path_after_bfd_and_announces_again_once_back(guests):
    started = time.monotonic()
    lab("kill", "dir3")
    guests.forget("dir3")
    wait_until(lambda: next_hops() == ["dir1", "dir2"], 10, "the router drops dir3's path", interval=0.05)
    print(f"dir3's path gone {time.monotonic() - started:.2f} s after the kill")
    assert "" not in requests(10)
    lab("start", "dir3")
    wait_until(lambda: next_hops() == sorted(DIRECTORS), 120, "dir3 announces the VIP again")
    print(f"dir3 back in the route {time.monotonic() - started:.1f} s after the kill")
