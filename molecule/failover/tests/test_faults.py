"""The cluster's promises under client traffic, one fault after another.

The tests run in file order and share one client load (a request every 50 ms,
labtest/loadgen.py) and the lab's state: each starts from where the
previous one left the cluster. They assert behaviour; the timings they measure
are figures for labtest/report.py (docs/faults.md), not pass criteria.
"""
import copy
import time

import pytest

from ansible_collections.lvs.cluster.plugins.plugin_utils.resolve import resolve_service, vrrp_instance
from conftest import VIP, WEB_PORT, current_master, holds_vip, sha256_of_config, web_servers
from labtest import analysis, echo
from labtest.cluster import master_down_interval
from labtest.directors import ipvs_table, journal_cursor, journal_since, vrrp_priority, vrrp_transitions
from labtest.lab import lab
from labtest.waiting import seconds_until

RS1, RS2 = "192.0.2.21", "192.0.2.22"
REPEATS = 4
CONFIG = "/etc/keepalived/keepalived.conf"


@pytest.fixture(scope="module")
def state():
    """What one test leaves for the next (the long-lived connection)."""
    shared = {}
    yield shared
    for name in ("echo", "idle"):
        if shared.get(name):
            shared[name].close()


def _kill_master(run, guests, directors, case, vrrp):
    """Hard death of the VIP holder; returns (dead, new master) once the backup holds the VIP."""
    master = current_master(guests, directors)
    backup = next(name for name in directors if name != master)
    # A hard kill loses what the guest has not written back yet: a keepalived.conf
    # written a minute before came back empty once (systemd then skipped
    # keepalived, ConditionFileNotEmpty). The role now flushes that file; the
    # other files a converge wrote are not this scenario's subject: flush them.
    guests.check(master, "sync", timeout=30)
    killed = case.event(f"kill {master}", "inject")
    lab("kill", master, timeout=60)
    guests.forget(master)
    seconds_until(lambda: holds_vip(guests, backup), 30, interval=0.05, what=f"{backup} to take {VIP}")
    took = case.event(f"VIP on {backup}") - killed
    expected = master_down_interval(vrrp, vrrp_priority(guests, backup))
    case.figure("VIP on the backup after", round(took, 2), "s", f"{expected:.2f}")
    return master, backup, expected


def _outage_figures(case, expected, vrrp):
    """The takeover comes Master_Down_Interval after the last advert, sent up to advert_int before the death."""
    advert_int = vrrp_instance(vrrp)["advert_int"]
    case.figure("client outage (longest time without an answer)", case.stats["outage_s"], "s",
                f"{expected - advert_int:.2f}-{expected:.2f} + ARP")
    case.figure("failed requests", case.stats["failed"])


def _apply_under_load(run, guests, directors, cluster, step, title):
    """Case 5: site.yml with the cluster's current description; zero failed requests."""
    web = cluster.service("web")
    with run.case(step, title) as case:
        case.event(f"site.yml {step.split('-', 1)[1]}", "change")
        result = cluster.apply(step)
        done = case.event("site.yml done")
        time.sleep(3)
    assert result.returncode == 0, result.stdout[-3000:]
    case.figure("failed requests", case.stats["failed"], target="0", met=case.stats["failed"] == 0)
    answers = {r["server"] for r in run.results() if r["ok"] and done <= r["t"] < done + 3}
    case.figure("answers in the 3 s after the run", ", ".join(sorted(answers)))
    assert case.stats["failed"] == 0, case.stats
    master = current_master(guests, directors)
    table = guests.check(master, f"ipvsadm -Ln -t {VIP}:{WEB_PORT}")
    assert web["lb_algo"] in table.split(), table
    members = [{"host": item} if isinstance(item, str) else item for item in web["real_servers"]]
    weights = {member["host"]: member.get("weight", 1) for member in members}
    assert web_servers(guests, master) == {guests.address[name]: w for name, w in weights.items()}
    assert answers == set(weights), answers


def test_master_death_moves_the_vip_and_synced_connection_survives(run, guests, directors, cluster, state):
    """Cases 1 and 7: the MASTER dies hard; the BACKUP takes the VIP and the
    IPVS connection table the sync daemon gave it keeps a long-lived TCP
    connection alive."""
    master = current_master(guests, directors)
    backup = next(name for name in directors if name != master)
    # "echo" answers after the failover and after the failback; "idle" is used
    # once now and not again before the failback.
    for name in ("echo", "idle"):
        connection = echo.connect(VIP)
        state[name] = connection
        assert echo.roundtrip(connection, b"before failover\n") == b"before failover\n"
        client_port = connection.getsockname()[1]
        # The sync daemon sends the entry after the connection's third packet.
        seconds_until(lambda: f"192.0.2.1:{client_port}" in guests.run(backup, "ipvsadm -Lnc", timeout=3).stdout,
                      10, interval=0.2, what=f"the {name} connection in {backup}'s synced table")
    kept = state["echo"]

    with run.case("1-master-dies", "MASTER dies (lvslab kill)") as case:
        dead, new_master, expected = _kill_master(run, guests, directors, case, cluster.vrrp)
        run.settle(quiet=1.0)
    _outage_figures(case, expected, cluster.vrrp)
    assert [name for name in directors if name != dead and holds_vip(guests, name)] == [new_master]
    assert case.stats["servers"], "no request succeeded after the failover"

    with run.case("7-connection-survives", "long-lived TCP connection across the failover", settle=False) as case:
        answer = echo.roundtrip(kept, b"after failover\n")
        case.event("echo answered on the old connection" if answer else "echo connection broken")
    case.figure("echo on the connection opened before the failover", "answered" if answer else "broken",
                target="answered", met=answer == b"after failover\n")
    assert answer == b"after failover\n"
    state["dead"] = dead


def test_returning_master_takes_the_vip_back_with_preempt(run, guests, directors, state):
    dead = state["dead"]
    with run.case("2a-return-preempt", f"{dead} returns, preempt true") as case:
        case.event(f"start {dead}", "inject")
        lab("start", dead, timeout=180)
        took = seconds_until(lambda: holds_vip(guests, dead), 60, interval=0.1, what=f"{dead} to take the VIP back")
        case.event(f"VIP back on {dead}")
        case.figure("VIP back on the preferred director after its SSH was up", round(took, 2), "s")
        run.settle(quiet=1.0)
    assert current_master(guests, directors) == dead
    case.figure("VIP holder", dead, expected=dead, met=True)
    _move_loss_figure(case, 1)
    case.figure("client outage", case.stats["outage_s"], "s")
    # The returning director's table is empty (it rebooted); sh and sloppy_tcp
    # send the next packet of each connection to the real server that has it.
    survived = {}
    for name in ("echo", "idle"):
        try:
            survived[name] = echo.roundtrip(state[name], b"after failback\n") == b"after failback\n"
        except OSError:
            survived[name] = False
        case.figure(f"{name} connection after the failback", "answered" if survived[name] else "broken",
                    target="answered", met=survived[name])
    assert all(survived.values()), survived
    assert _move_losses_bounded(case.stats, 1), case.stats


def test_change_under_load_fails_no_request(run, guests, directors, cluster):
    """Case 5 (add a real server, change a weight and the scheduler) and the
    preempt change of case 2, in one site.yml run: one reload per director."""
    master = current_master(guests, directors)
    cluster.vrrp["preempt"] = False
    web = cluster.service("web")
    web["real_servers"], web["lb_algo"] = [{"host": "rs1", "weight": 3}, "rs2"], "wrr"
    _apply_under_load(run, guests, directors, cluster, "5-add-rs2-weight-wrr",
                      "site.yml: add rs2, rs1 weight 3, rr -> wrr, preempt: false")
    assert current_master(guests, directors) == master


def test_weighted_round_robin_follows_the_weights(run):
    with run.case("5-wrr-share", "wrr with rs1 weight 3, rs2 weight 1") as case:
        start = case.event("measure 5 s")
        seconds_until(lambda: len([r for r in run.results() if r["t"] >= start]) >= 100, 30, what="100 requests")
    servers = case.stats["servers"]
    share = servers.get("rs1", 0) / max(1, sum(servers.values()))
    case.figure("answers rs1/rs2", f"{servers.get('rs1', 0)}/{servers.get('rs2', 0)}", expected="3:1 (wrr)")
    case.figure("failed requests", case.stats["failed"], target="0", met=case.stats["failed"] == 0)
    assert case.stats["failed"] == 0, case.stats
    # Not exactly 3:1: a client port reused while the director still has the old
    # connection entry (FIN_WAIT, 2 min in DR mode) goes to the old real server.
    assert 0.6 <= share <= 0.9, servers


def _stays_backup(guests, case, cluster, name, why):
    """Once keepalived runs on a returning director, it must not take the VIP back for
    three master down intervals: ample time for a preemption that must not come."""
    seconds_until(lambda: guests.run(name, "systemctl is-active keepalived", timeout=5).returncode == 0,
                  180, interval=1, what=f"keepalived on {name}")
    case.event(f"keepalived up on {name}")
    until = time.monotonic() + 3 * master_down_interval(cluster.vrrp, vrrp_priority(guests, name))
    while time.monotonic() < until:
        assert not holds_vip(guests, name), f"{name} took the VIP back {why}"
        time.sleep(0.2)


def test_returning_master_stays_backup_without_preempt(run, guests, directors, cluster):
    with run.case("2b-master-dies", "MASTER dies, preempt false") as case:
        dead, new_master, expected = _kill_master(run, guests, directors, case, cluster.vrrp)
        run.settle(quiet=1.0)
    _outage_figures(case, expected, cluster.vrrp)

    with run.case("2b-return-nopreempt", f"{dead} returns, preempt false") as case:
        case.event(f"start {dead}", "inject")
        lab("start", dead, timeout=180)
        _stays_backup(guests, case, cluster, dead, "despite preempt: false")
    assert current_master(guests, directors) == new_master
    case.figure("VIP holder", new_master, expected=new_master, met=True)
    case.figure("failed requests", case.stats["failed"], target="0", met=case.stats["failed"] == 0)


def test_rebooted_real_server_rejoins_without_ansible(run, guests, directors):
    master = current_master(guests, directors)
    boot_id = guests.check("rs2", "cat /proc/sys/kernel/random/boot_id").strip()
    with run.case("4-reboot", "rs2 reboots (systemctl reboot)") as case:
        rebooted = case.event("reboot rs2", "inject")
        guests.run("rs2", "systemctl reboot", timeout=10)
        guests.forget("rs2")
        seconds_until(lambda: RS2 not in (web_servers(guests, master) or {RS2: 0}), 60, interval=0.1,
                      what="rs2 to leave the IPVS table")
        removed = case.event("rs2 out of the table")
        seconds_until(lambda: RS2 in (web_servers(guests, master) or {}), 180, interval=0.2,
                      what="rs2 to rejoin the IPVS table")
        back = case.event("rs2 back in the table")
        seconds_until(lambda: run.served_by("rs2", back), 30, what="rs2 to answer clients again")
        run.settle(quiet=1.0)
    case.figure("rs2 out of the table after", round(removed - rebooted, 2), "s")
    case.figure("rs2 back in the table after", round(back - rebooted, 2), "s", "boot ~25 s + delay_loop")
    case.figure("failed requests", case.stats["failed"])
    assert guests.check("rs2", "cat /proc/sys/kernel/random/boot_id").strip() != boot_id
    lo = guests.check("rs2", "ip -o -4 addr show dev lo")
    assert f"inet {VIP}/32" in lo, lo
    sysctls = guests.check("rs2", "sysctl -n net.ipv4.conf.all.arp_ignore net.ipv4.conf.all.arp_announce").split()
    assert sysctls == ["1", "2"], sysctls


def test_rejected_change_leaves_config_and_traffic_alone(run, guests, directors, cluster):
    """The cluster check (on the controller, against the directors' facts) refuses an interface
    no director has, before any host is touched; keepalived -t would be the second gate."""
    before = sha256_of_config(guests, directors)
    broken = dict(cluster.vars.items())
    broken["lvs_director_vrrp_instances"] = [cluster.vrrp | {"interface": "nosuch0"}]
    with run.case("6-rejected", "site.yml with a VRRP interface no director has") as case:
        case.event("site.yml bad interface", "change")
        result = cluster.apply("rejected", broken)
        case.event("site.yml failed" if result.returncode else "site.yml passed")
    after = sha256_of_config(guests, directors)
    case.figure("site.yml exit code", result.returncode, expected="!= 0")
    case.figure("keepalived.conf unchanged (sha256)", before == after, target="True", met=before == after)
    case.figure("failed requests", case.stats["failed"], target="0", met=case.stats["failed"] == 0)
    assert result.returncode != 0
    output = result.stdout + result.stderr  # failures go to stderr (display_failed_stderr)
    assert "lvs_director_vrrp_instances[0].interface" in output and "nosuch0" in output, output[-3000:]
    assert before == after
    assert case.stats["failed"] == 0, case.stats
    for name in directors:
        assert guests.run(name, "systemctl is-active keepalived").returncode == 0


# The profiles measured REPEATS times each, in this order (docs/faults.md, docs/tuning.md):
# keepalived's own VRRP defaults as the reference, the fast profile, the role's defaults
# (last: the switchover test runs on them).
PROFILES = {
    "reference": {
        "title": "keepalived's own defaults: VRRPv2, advert_int 1, BACKUP priority 100, GARP delay 5 s",
        "vrrp": {"version": 2, "advert_int": 1},
        # keepalived's default priority is 100; the MASTER needs a higher one.
        "vars": {"lvs_director_priority": "{{ 150 if inventory_hostname == groups['lvs_directors'][0] else 100 }}",
                 "lvs_director_garp_master_delay": 5, "lvs_director_garp_master_repeat": 5,
                 "lvs_director_garp_master_refresh": 0},
        # keepalived's checker defaults (delay_loop 60) would take about 5 minutes per
        # series: its isolation figures are the formula's (docs/faults.md).
        "service": None,
        "targets": {},
    },
    "fast": {
        "title": "fast profile: VRRPv3 advert_int 0.1; delay_loop 0.2, retry 1, delay_before_retry 0.2",
        "vrrp": {"advert_int": 0.1},
        "service": {"delay_loop": 0.2, "health_check": {"retry": 1, "delay_before_retry": 0.2}},
        "vars": {},
        "targets": {"outage": {"median": 0.35}, "isolation": {"median": 0.7}},
    },
    "default": {
        "title": "the role's defaults: VRRPv3, advert_int 0.5, priorities 250/240; delay_loop 1, "
                 "retry 1, delay_before_retry 0.5",
        "vrrp": {}, "service": {}, "vars": {},
        "targets": {"outage": {"median": 1.6, "max": 2.0}, "isolation": {"median": 2.0}},
    },
}


def _profile_vars(current: dict, profile: dict) -> dict:
    """The cluster description with a profile's timings instead of the current ones."""
    variables = {key: copy.deepcopy(value) for key, value in current.items() if not key.startswith(
        ("lvs_director_priority", "lvs_director_garp_"))}
    vrrp = variables["lvs_director_vrrp_instances"][0]
    for key in ("version", "advert_int"):
        vrrp.pop(key, None)
    vrrp.update(preempt=True, **profile["vrrp"])
    for service in variables["lvs_director_virtual_services"]:
        service.pop("delay_loop", None)
        service["health_check"] = {"type": service.get("health_check", {}).get("type", "TCP_CHECK")}
        tuning = copy.deepcopy(profile["service"] or {})
        service["health_check"].update(tuning.pop("health_check", {}))
        service.update(tuning)
    variables.update(profile["vars"])
    return variables


def _cut_and_restore(run, guests, directors, cluster, profile, rep):
    """The MASTER's link is cut (to the network it is dead) and restored: failover, then preempt."""
    master = current_master(guests, directors)
    backup = next(name for name in directors if name != master)
    expected = master_down_interval(cluster.vrrp, vrrp_priority(guests, backup))
    advert_int = vrrp_instance(cluster.vrrp)["advert_int"]
    detection = max(_unreachable_detection(_checker_timings(cluster.service(name))) for name in ("web", "echo"))
    with run.case(f"1-{profile}-link-cut-{rep}", f"{profile}: MASTER {master}'s link cut, then restored "
                  f"({rep}/{REPEATS})", settle=1.0) as case:
        lab("link", master, "down")
        cut = case.event(f"link {master} down", "inject")
        seconds_until(lambda: holds_vip(guests, backup), 30, interval=0.02, what=f"{backup} to take {VIP}")
        took = case.event(f"VIP on {backup}") - cut
        run.settle(quiet=1.0)
        # Long enough for the cut-off MASTER's checks to fail every real server: a shorter cut can heal
        # while an attempt is in flight, which fails after the heal (docs/faults.md, the bound).
        time.sleep(max(0.0, cut + detection + 0.5 - time.time()))
        lab("link", master, "up")
        restored = case.event(f"link {master} up", "inject")
        seconds_until(lambda: not holds_vip(guests, backup), 30, interval=0.02, what=f"{backup} to give {VIP} back")
        case.event(f"{backup} released the VIP")
        run.settle(quiet=1.0)
    results = run.results()
    failover = analysis.window_stats(results, case.start, restored)
    failback = analysis.window_stats(results, restored, case.end)
    target = PROFILES[profile]["targets"].get("outage")
    run.sample(profile, "VIP on the BACKUP after the cut", round(took, 2), expected=f"{expected:.2f}")
    run.sample(profile, "client outage after the cut", failover["outage_s"],
               expected=f"{expected - advert_int:.2f}-{expected:.2f} + ARP", target=target)
    run.sample(profile, "failed requests after the cut", failover["failed"], unit="")
    run.sample(profile, "client outage once the link is back (preempt)", failback["outage_s"])
    run.sample(profile, "failed requests once the link is back", failback["failed"], unit="")
    assert current_master(guests, directors) == master
    assert failover["servers"] and failback["servers"], (failover, failback)
    # It takes the VIP back only once its own checks pass again (plugin_utils/tracking.py): before, it
    # refused connections from an empty IPVS table for up to a check interval.
    assert _move_losses_bounded(failback, 1), f"{profile}: requests failed once {master}'s link was back: {failback}"


def _move_losses_bounded(stats: dict, moves: int) -> bool:
    """What a VIP move may lose: the request whose handshake it splits. Its SYN reached the old MASTER, its
    next packet the new one, which has no entry for it (a director syncs a connection from its third packet
    on, a buffer at a time): the new MASTER answers RST, or with sloppy_tcp schedules the packet to a real
    server that may not have the connection, which resets it. Requests start 50 ms apart and take about
    2 ms in the lab: one per move at most (docs/faults.md, "What a VIP move can lose"). Anything else, a
    refused or timed-out request, fails."""
    return set(stats["errors"]) <= {"reset"} and stats["failed"] <= moves


def _move_loss_figure(case, moves: int) -> None:
    case.figure("failed requests", case.stats["failed"], target=f"0, or <= {moves} reset (VIP moves)",
                met=_move_losses_bounded(case.stats, moves))


def _isolate_and_rejoin(run, guests, directors, cluster, profile, rep):
    """Case 3: rs1's web service stops, health checks take it out of the table, it returns."""
    master = current_master(guests, directors)
    check = _checker_timings(cluster.service("web"))
    cursors = {name: journal_cursor(guests, name) for name in directors}
    with run.case(f"3-{profile}-service-stops-{rep}", f"{profile}: rs1's web service stops, then starts "
                  f"({rep}/{REPEATS})", settle=1.0) as case:
        case.event("stop lab-web on rs1", "inject")
        guests.check("rs1", "systemctl stop lab-web")
        stopped = case.event("lab-web stopped")
        seconds_until(lambda: RS1 not in (web_servers(guests, master) or {RS1: 0}), 30, interval=0.05,
                      what="rs1 to leave the IPVS table")
        removed = case.event("rs1 out of the table")
        if rep == 1:
            # Isolation: only the failed service lost rs1; its echo service, and rs2, stay.
            members = {(s["port"], rs["address"]) for s in ipvs_table(guests, master)["services"] if s["address"] == VIP
                       for rs in s["real_servers"]}
            assert (WEB_PORT, RS1) not in members and (echo.PORT, RS1) in members and (WEB_PORT, RS2) in members
        run.settle(quiet=1.0)
        started = case.event("start lab-web on rs1", "inject")
        guests.check("rs1", "systemctl start lab-web")
        seconds_until(lambda: RS1 in (web_servers(guests, master) or {}), 30, interval=0.05,
                      what="rs1 to rejoin the IPVS table")
        back = case.event("rs1 back in the table")
        seconds_until(lambda: run.served_by("rs1", back), 10, what="rs1 to answer clients again")
    results = run.results()
    isolation = analysis.window_stats(results, case.start, started)
    rejoin = analysis.window_stats(results, started, case.end)
    refused = (check["retry"] * check["delay_before_retry"], check["delay_loop"] + check["retry"] *
               check["delay_before_retry"])
    run.sample(profile, "stopped service out of the IPVS table after", round(removed - stopped, 2),
               expected=f"{refused[0]:g}-{refused[1]:g} (refused)",
               target=PROFILES[profile]["targets"].get("isolation"))
    run.sample(profile, "failed requests before it left the table", isolation["failed"], unit="")
    run.sample(profile, "service back: in the table after", round(back - started, 2),
               expected=f"<= {check['delay_loop']:g}")
    run.sample(profile, "failed requests on the way back", rejoin["failed"], unit="")
    last_failure = isolation["last_failure"]
    assert last_failure is None or last_failure <= removed + 1.5, (isolation, {
        name: journal_since(guests, name, cursor) for name, cursor in cursors.items()})
    assert rejoin["failed"] == 0, rejoin


def _unreachable_detection(check: dict) -> float:
    """Seconds until a check of an unreachable real server marks it failed, at worst: every attempt
    times out."""
    return check["delay_loop"] + (check["retry"] + 1) * check["connect_timeout"] + check["retry"] * check[
        "delay_before_retry"]


def _checker_timings(service: dict) -> dict:
    """A service's checker timings as the role renders them (its defaults filled in); one that lists no real
    server gets the group's, rs1 here."""
    resolved = resolve_service(service, {}, [RS1])
    return resolved["real_servers"][0]["health_check"] | {"delay_loop": resolved["delay_loop"]}


def _unexplained_transitions(guests, cursors: dict, master: str, cuts: int) -> dict:
    """Each director's VRRP state changes since its cursor, where the cuts do not explain them.

    Each cut of the MASTER's link makes the BACKUP enter MASTER, and BACKUP again after the cut.
    The cut-off MASTER, whose checks failed meanwhile, yields (BACKUP) when the link is back and
    preempts once they pass (MASTER); or changes nothing (seen once in 4 cuts with advert_int
    0.5 s, 0 failed requests: not yet traced; its first check after the cut may pass before the
    other director's first advert reaches it). A stopped real service changes none. Matched in
    order, not by time."""
    unexplained = {}
    for name, cursor in cursors.items():
        seen = vrrp_transitions(guests, name, cursor)
        yields = min(len(seen) // 2, cuts)
        expected = ["BACKUP", "MASTER"] * yields if name == master else ["MASTER", "BACKUP"] * cuts
        if seen != expected:
            unexplained[name] = {"seen": seen, "expected": expected}
    return unexplained


@pytest.mark.parametrize("profile", list(PROFILES))
def test_profile_failover_and_isolation_repeated(run, guests, directors, cluster, profile):
    """Each profile: one site.yml run under load, then REPEATS link cuts with failback, then
    REPEATS stopped services; no VRRP state change that a fault does not explain. A profile
    changes director variables only, so site.yml runs on the directors (half the steps)."""
    spec = PROFILES[profile]
    cluster.vars = _profile_vars(cluster.vars, spec)
    with run.case(f"P-{profile}", f"site.yml --limit lvs_directors: {spec['title']}") as case:
        case.event(f"site.yml {profile}", "change")
        result = cluster.apply(profile, None, "site.yml", "--limit", "lvs_directors")
        case.event("site.yml done")
    assert result.returncode == 0, result.stdout[-3000:]
    # VRRPv2 <-> v3 is applied one director at a time: a mixed pair does not hear each other.
    case.figure("failed requests", case.stats["failed"])
    master = current_master(guests, directors)
    cursors = {name: journal_cursor(guests, name) for name in directors}
    for rep in range(1, REPEATS + 1):
        _cut_and_restore(run, guests, directors, cluster, profile, rep)
    for rep in range(1, REPEATS + 1 if spec["service"] is not None else 1):
        _isolate_and_rejoin(run, guests, directors, cluster, profile, rep)
    unexplained = _unexplained_transitions(guests, cursors, master, REPEATS)
    extra = sum(max(len(d["seen"]) - len(d["expected"]), 1) for d in unexplained.values())
    run.sample(profile, "VRRP state changes no fault explains", extra, unit="", target={"max": 0})
    assert not unexplained, f"{profile}: VRRP state changes that the cuts do not explain (flapping): {unexplained}"


def _switchover(run, cluster, key, title, director, back=False):
    """playbooks/switchover.yml under load: zero failed requests."""
    with run.case(key, title) as case:
        case.event(f"switchover.yml {'back to' if back else 'from'} {director}", "change")
        result = cluster.apply(key, None, "switchover.yml", "-e", f"lvs_switchover_from={director}",
                               "-e", f"lvs_switchover_back={str(back).lower()}")
        case.event("switchover.yml done")
    assert result.returncode == 0, result.stdout[-3000:]
    _move_loss_figure(case, 1)
    assert _move_losses_bounded(case.stats, 1), case.stats


def _reinstall_keepalived(guests, name):
    """The lab's stand-in for a keepalived upgrade: the lab repository has one version, and a
    reinstall runs the same maintainer scripts (keepalived restarted) as an upgrade."""
    guests.check(name, "DEBIAN_FRONTEND=noninteractive apt-get install -y -q --reinstall keepalived", timeout=180)
    assert guests.run(name, "systemctl is-active keepalived").returncode == 0


def test_planned_switchover_reboot_and_rolling_upgrade_fail_no_request(run, guests, directors, cluster):
    """Planned maintenance of the MASTER: the VIPs move off it, keepalived is upgraded and the
    director reboots while it is BACKUP, the VIPs come back; then the other director's upgrade.
    Not one request fails."""
    master = current_master(guests, directors)
    backup = next(name for name in directors if name != master)
    _switchover(run, cluster, "8-switchover", f"switchover.yml: every VIP off {master}", master)
    assert current_master(guests, directors) == backup

    boot_id = guests.check(master, "cat /proc/sys/kernel/random/boot_id").strip()
    with run.case("8-maintenance", f"{master}: keepalived upgrade and reboot while switched over") as case:
        case.event(f"upgrade keepalived on {master}", "inject")
        _reinstall_keepalived(guests, master)
        case.event(f"reboot {master}", "inject")
        guests.run(master, "systemctl reboot", timeout=10)
        guests.forget(master)
        _stays_backup(guests, case, cluster, master, "while switched over")
    assert guests.check(master, "cat /proc/sys/kernel/random/boot_id").strip() != boot_id
    case.figure("failed requests", case.stats["failed"], target="0", met=case.stats["failed"] == 0)
    assert case.stats["failed"] == 0, case.stats

    _switchover(run, cluster, "8-switch-back", f"switchover.yml: {master} takes its VIPs back", master, back=True)
    assert current_master(guests, directors) == master

    with run.case("8-rolling-upgrade", f"the other director, {backup}: switchover, upgrade, back") as case:
        case.event(f"switchover from {backup}, upgrade, back", "change")
        away = cluster.apply("8-rolling-away", None, "switchover.yml", "-e", f"lvs_switchover_from={backup}")
        _reinstall_keepalived(guests, backup)
        back = cluster.apply("8-rolling-back", None, "switchover.yml", "-e", f"lvs_switchover_from={backup}",
                             "-e", "lvs_switchover_back=true")
        case.event("rolling upgrade done")
    assert away.returncode == 0 and back.returncode == 0, (away.stdout[-2000:], back.stdout[-2000:])
    assert current_master(guests, directors) == master
    _move_loss_figure(case, 2)
    assert _move_losses_bounded(case.stats, 2), case.stats
