"""lvs_director_mode ecmp under client load (a new connection every 50 ms, labtest/loadgen.py) and long-lived
connections: every director forwards a share; a real server that fails its check leaves every director's
rotation; a director that cannot serve, or whose keepalived stops, withdraws its VIP; one that dies loses its
path after BFD and takes its share again once back, and no long-lived connection breaks on the way; rolling
maintenance fails no request.

The tests run in file order on one lab, each from where the previous one left it. They assert behaviour; the
timings are figures (labtest/report.py, docs/ecmp.md)."""
from __future__ import annotations

import time

import pytest
from conftest import DIRECTORS, VIP, next_hops
from labtest import directors as lab_directors
from labtest import echo
from labtest.lab import lab
from labtest.waiting import seconds_until, wait_until

RS1 = "192.0.2.21"
WEB_PORT = 80
# Every director twice but one: at least 5 kills (issue 23).
KILLS = ("dir1", "dir2", "dir3", "dir1", "dir2")
LONG_LIVED = 12
# Drops a director's own packets to port 80: its health checks fail, the traffic it forwards (DR keeps the
# client's source address) does not.
CUT_CHECKS = ("tc qdisc add dev {dev} clsact && tc filter add dev {dev} egress protocol ip flower "
              "src_ip {address} ip_proto tcp dst_port 80 action drop")


@pytest.fixture(scope="module")
def long_lived():
    """LONG_LIVED echo connections through the VIP, each from its own source port, open for the whole module."""
    connections = [echo.connect(VIP) for _connection in range(LONG_LIVED)]
    assert alive(connections, "opened") == LONG_LIVED
    yield connections
    for connection in connections:
        connection.close()


def alive(connections, when: str) -> int:
    """How many of the connections still echo."""
    return sum(echo.answers(connection, f"{when} {index}\n".encode()) for index, connection in enumerate(connections))


def carriers(guests, connections) -> dict[str, int]:
    """How many of the connections each director has in its IPVS connection table (a connection that moved
    between directors is in the table of each)."""
    ports = {f"{connection.getsockname()[0]}:{connection.getsockname()[1]}" for connection in connections}
    listed = {name: guests.run(name, "ipvsadm -Lnc", timeout=5).stdout.split() for name in next_hops()}
    return {name: len(ports.intersection(words)) for name, words in listed.items()}


def new_connections(guests) -> dict[str, int]:
    """Each director's count of connections to the VIP since IPVS loaded."""
    time.sleep(lab_directors.STATS_SETTLE)
    counts = {}
    for name in DIRECTORS:
        table = lab_directors.ipvs_table(guests, name, stats=True, settle=0)
        counts[name] = sum(service["stats"]["connections"] for service in table["services"]
                           if service["address"] == VIP)
    return counts


def rs1_weights(guests) -> list[int | None]:
    return [(lab_directors.real_servers(lab_directors.ipvs_table(guests, name), VIP, WEB_PORT) or {}).get(RS1)
            for name in DIRECTORS]


def test_every_director_announces_the_vip():
    wait_until(lambda: next_hops() == sorted(DIRECTORS), 60, "the router has a path through every director")


def test_every_director_forwards_a_share_and_every_request_is_answered(run, guests):
    with run.case("1-share", "steady load, 10 s") as case:
        before = new_connections(guests)
        time.sleep(10)
        after = new_connections(guests)
    shares = {name: after[name] - before[name] for name in DIRECTORS}
    case.figure("new connections per director", ", ".join(f"{name} {count}" for name, count in shares.items()))
    assert min(shares.values()) > 0, shares
    assert case.stats["failed"] == 0, case.stats
    assert set(case.stats["servers"]) == {"rs1", "rs2"}, case.stats


def test_a_real_server_that_fails_its_check_leaves_every_director(run, guests):
    with run.case("2-real-server-fails", "rs1's web server stops, then starts again") as case:
        case.event("stop lab-web on rs1", "inject")
        guests.check("rs1", "systemctl stop lab-web")
        took = seconds_until(lambda: rs1_weights(guests) == [0, 0, 0], 30, "every director weighs rs1 0", 0.2)
        case.figure("rs1 at weight 0 on every director after", round(took, 2), "s")
        out = case.event("rs1 at weight 0 everywhere")
        time.sleep(3)
        served = {r["server"] for r in run.results() if r["ok"] and r["t"] >= out}
        case.event("start lab-web on rs1", "inject")
        guests.check("rs1", "systemctl start lab-web")
        took = seconds_until(lambda: rs1_weights(guests) == [1, 1, 1], 30, "every director weighs rs1 1", 0.2)
        case.figure("rs1 back on every director after", round(took, 2), "s")
    case.figure("failed requests (in flight to rs1 as it stopped)", case.stats["failed"])
    assert served == {"rs2"}, served


def test_a_director_whose_checks_fail_withdraws_the_vip_and_the_others_carry_it(run, guests):
    dev = guests.check("dir1", f"ip -o -4 address show to {DIRECTORS['dir1']} | awk '{{print $2}}'").strip()
    with run.case("3-director-cannot-serve", "dir1's own checks cut off, then restored") as case:
        cut = case.event("cut dir1's checks", "inject")
        guests.check("dir1", CUT_CHECKS.format(dev=dev, address=DIRECTORS["dir1"]))
        try:
            wait_until(lambda: next_hops() == ["dir2", "dir3"], 30, "dir1 withdraws the VIP", 0.1)
            case.figure("dir1 withdrawn after", round(case.event("dir1 withdrawn") - cut, 2), "s")
            run.settle(quiet=2.0)
        finally:
            restored = case.event("restore dir1's checks", "inject")
            guests.check("dir1", f"tc qdisc del dev {dev} clsact")
        wait_until(lambda: next_hops() == sorted(DIRECTORS), 30, "dir1 announces the VIP again", 0.1)
        case.figure("dir1 announced again after", round(case.event("dir1 announced") - restored, 2), "s")
    case.figure("failed requests", case.stats["failed"])


def test_a_director_whose_keepalived_stops_withdraws_the_vip_and_fails_no_request(run, guests):
    """BIRD is part of keepalived.service: it stops first (it starts after keepalived) and its Cease withdraws
    the routes at once, before keepalived removes its IPVS services."""
    with run.case("3b-keepalived-stops", "keepalived stopped on dir3, then started") as case:
        stopped = case.event("stop keepalived on dir3", "inject")
        guests.check("dir3", "systemctl stop keepalived", timeout=30)
        wait_until(lambda: next_hops() == ["dir1", "dir2"], 10, "dir3 withdraws the VIP", 0.05)
        case.figure("dir3 withdrawn after", round(case.event("dir3 withdrawn") - stopped, 2), "s")
        run.settle(quiet=1.0)
        started = case.event("start keepalived on dir3", "inject")
        guests.check("dir3", "systemctl start keepalived", timeout=30)
        wait_until(lambda: next_hops() == sorted(DIRECTORS), 30, "dir3 announces the VIP again", 0.1)
        case.figure("dir3 announced again after", round(case.event("dir3 announced") - started, 2), "s")
    case.figure("failed requests", case.stats["failed"], target="0", met=case.stats["failed"] == 0)
    assert case.stats["failed"] == 0, case.stats


@pytest.mark.parametrize("repetition, name", list(enumerate(KILLS, 1)))
def test_a_killed_director_loses_its_path_after_bfd_and_no_long_lived_connection_breaks(
        run, guests, long_lived, repetition, name):
    carried = carriers(guests, long_lived).get(name, 0)
    # A hard kill loses what the guest has not written back yet.
    guests.check(name, "sync", timeout=30)
    with run.case(f"4-kill-{repetition}", f"{name} killed (lvslab kill), then started again") as case:
        killed = case.event(f"kill {name}", "inject")
        lab("kill", name, timeout=60)
        guests.forget(name)
        wait_until(lambda: name not in next_hops(), 10, f"the router drops {name}'s path", interval=0.02)
        gone = case.event(f"{name}'s path gone") - killed
        run.settle(quiet=1.0)
        after_loss = alive(long_lived, f"after {name}'s loss")
        started = case.event(f"start {name}", "inject")
        lab("start", name, timeout=180)
        wait_until(lambda: name in next_hops(), 120, f"{name} announces the VIP again", interval=0.1)
        back = case.event(f"{name} announced again") - started
        run.settle(quiet=1.0)
        after_return = alive(long_lived, f"after {name}'s return")
    run.sample("ecmp", "director loss: path gone after the kill (BFD)", round(gone, 3), "s", "0.3 + routing",
               {"median": 0.5})
    run.sample("ecmp", "director loss: requests answered late (retransmitted SYN)", case.stats["slow"], "")
    run.sample("ecmp", "director loss and return: failed requests", case.stats["failed"], "")
    run.sample("ecmp", "long-lived connections in the killed director's table", carried, "")
    run.sample("ecmp", f"long-lived connections of {LONG_LIVED} alive after the loss", after_loss, "")
    run.sample("ecmp", f"long-lived connections of {LONG_LIVED} alive after the return", after_return, "")
    run.sample("ecmp", "director back: announced after its start", round(back, 1), "s")
    assert after_loss == LONG_LIVED and after_return == LONG_LIVED, (after_loss, after_return)


def _switchover(run, cluster, name, back=False):
    result = cluster.apply(f"{'back' if back else 'out'}-{name}", None, "switchover.yml",
                           "-e", f"lvs_switchover_from={name}", "-e", f"lvs_switchover_back={str(back).lower()}")
    assert result.returncode == 0, result.stdout[-3000:]


def test_rolling_maintenance_of_every_director_fails_no_request(run, guests, cluster, long_lived):
    """switchover.yml takes each director out (BGP withdraws, the playbook waits until no packet reaches it),
    the director is killed and started (a reboot; it stays withdrawn), and switchover.yml gives it back."""
    with run.case("5-rolling", "rolling maintenance: dir1, dir2, dir3 out, rebooted, back") as case:
        for name in DIRECTORS:
            case.event(f"switchover.yml from {name}", "change")
            _switchover(run, cluster, name)
            assert name not in next_hops()
            guests.check(name, "sync", timeout=30)
            case.event(f"reboot {name}", "inject")
            lab("kill", name, timeout=60)
            guests.forget(name)
            lab("start", name, timeout=180)
            wait_until(lambda n=name: "Established" in guests.run(n, "birdc show protocols", timeout=5).stdout,
                       60, f"{name}'s BGP session is up again")
            assert name not in next_hops(), f"{name} announced the VIP after its reboot while taken out"
            case.event(f"switchover.yml back to {name}", "change")
            _switchover(run, cluster, name, back=True)
            wait_until(lambda: next_hops() == sorted(DIRECTORS), 30, f"{name} announces the VIP again", 0.1)
    case.figure("failed requests", case.stats["failed"], target="0", met=case.stats["failed"] == 0)
    survived = alive(long_lived, "after the rolling maintenance")
    case.figure(f"long-lived connections of {LONG_LIVED} alive after it", survived, target=str(LONG_LIVED),
                met=survived == LONG_LIVED)
    assert case.stats["failed"] == 0, case.stats
    assert survived == LONG_LIVED
