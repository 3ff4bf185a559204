"""director_state: keepalived's checker events, the state files VRRP tracks, and what ECMP announces."""

import os
import pathlib
import threading

import pytest
from ansible_collections.lvs.cluster.plugins.module_utils import director_state as ds

# Lines keepalived 2.2.7 wrote to its lvs_notify_fifo on the lab (journalctl -t lvs-director-state on dir1 in
# the fault scenario: its link cut, then restored), then lines of the man page's format the lab did not
# produce (an IPv6 and a fwmark service, a real server), and lines the reader must pass over.
EVENTS = [
    ("VS [192.0.2.100]:tcp:80 DOWN", ("[192.0.2.100]:tcp:80", False)),
    ("VS [192.0.2.100]:tcp:9000 DOWN", ("[192.0.2.100]:tcp:9000", False)),
    ("VS [192.0.2.100]:tcp:80 UP", ("[192.0.2.100]:tcp:80", True)),
    ("VS [192.0.2.100]:tcp:9000 UP", ("[192.0.2.100]:tcp:9000", True)),
    ("VS [2001:db8::100]:tcp:80 UP", ("[2001:db8::100]:tcp:80", True)),
    ("VS FWM 1 DOWN", ("FWM 1", False)),
    ("RS [192.0.2.21]:tcp:80 [192.0.2.100]:tcp:80 DOWN", None),
    ("", None),
    ("VS [192.0.2.100]:tcp:80 MAYBE", None),
]


@pytest.mark.parametrize("line, event", EVENTS)
def test_parse_event(line, event):
    assert ds.parse_event(line) == event


@pytest.mark.parametrize("service, vs", [
    ({"address": "192.0.2.100", "port": 80, "protocol": "TCP"}, "[192.0.2.100]:tcp:80"),
    ({"address": "2001:DB8:0::100", "port": 53, "protocol": "UDP"}, "[2001:db8::100]:udp:53"),
    ({"address": "192.0.2.136", "port": 9000, "protocol": "SCTP"}, "[192.0.2.136]:sctp:9000"),
    ({"fwmark": 1}, "FWM 1"),
])
def test_keepalived_vs_is_keepalived_s_own_name(service, vs):
    assert ds.keepalived_vs(**service) == vs


def test_state_names_are_file_names():
    assert ds.state_name("[192.0.2.100]:tcp:80") == "vs_192.0.2.100_tcp_80"
    assert ds.state_name("[2001:db8::100]:udp:53") == "vs_2001_db8__100_udp_53"
    # '::' stays two characters: 1::2:3 and 1:2::3 get names of their own.
    assert ds.state_name("[1::2:3]:tcp:80") != ds.state_name("[1:2::3]:tcp:80")
    assert ds.state_name("FWM 1") == "vs_FWM_1"


def test_state_files_replace_each_other(tmp_path):
    ds.write_state(tmp_path, "vs_a", True)
    assert (tmp_path / "vs_a").read_text() == "0\n"
    ds.write_state(tmp_path, "vs_a", False)
    assert (tmp_path / "vs_a").read_text() == "1\n"
    assert [path.name for path in tmp_path.iterdir()] == ["vs_a"]


def test_the_reader_follows_a_fifo_until_its_writer_closes_it(tmp_path):
    fifo = tmp_path / "checker.fifo"
    os.mkfifo(fifo)
    states = tmp_path / "vs"
    states.mkdir()

    def keepalived():
        with open(fifo, "w", encoding="utf-8") as writer:
            for line, _event in EVENTS:
                writer.write(line + "\n")
                writer.flush()

    writer = threading.Thread(target=keepalived)
    writer.start()
    assert ds.main(["fifo", str(states), str(fifo)]) == 0
    writer.join(timeout=5)
    assert {path.name: path.read_text() for path in states.iterdir()} == {
        "vs_192.0.2.100_tcp_80": "0\n", "vs_192.0.2.100_tcp_9000": "0\n", "vs_2001_db8__100_tcp_80": "0\n",
        "vs_FWM_1": "1\n"}


def test_the_reader_refuses_other_arguments(capsys):
    assert ds.main(["fifo", "/run/x"]) == 2
    assert "usage" in capsys.readouterr().err


VIPS = [{"protocol": "lvs_vip_198_51_100_10", "vip": "198.51.100.10",
         "files": ["vs_198.51.100.10_tcp_80", "vs_198.51.100.10_tcp_443"]},
        {"protocol": "lvs_vip_198_51_100_11", "vip": "198.51.100.11", "files": ["vs_198.51.100.11_tcp_80"]}]


def plan(tmp_path):
    return {"switchover": str(tmp_path / "lvs-switchover"), "vips": VIPS}


def test_a_vip_is_announced_while_every_service_on_it_has_its_quorum(tmp_path):
    calls = []

    def run(*args):
        calls.append(args)

    ds.write_state(tmp_path, "vs_198.51.100.10_tcp_80", True)
    ds.write_state(tmp_path, "vs_198.51.100.11_tcp_80", True)
    # port 443 of .10 has not reported yet: not announced.
    assert ds.announce(plan(tmp_path), tmp_path, run=run) == [
        ("lvs_vip_198_51_100_10", "disable"), ("lvs_vip_198_51_100_11", "enable")]
    ds.write_state(tmp_path, "vs_198.51.100.10_tcp_443", True)
    assert ds.announce(plan(tmp_path), tmp_path, "vs_198.51.100.10_tcp_443", run=run) == [
        ("lvs_vip_198_51_100_10", "enable")]
    ds.write_state(tmp_path, "vs_198.51.100.10_tcp_80", False)
    assert ds.announce(plan(tmp_path), tmp_path, "vs_198.51.100.10_tcp_80", run=run) == [
        ("lvs_vip_198_51_100_10", "disable")]
    assert calls == [("disable", "lvs_vip_198_51_100_10"), ("enable", "lvs_vip_198_51_100_11"),
                     ("enable", "lvs_vip_198_51_100_10"), ("disable", "lvs_vip_198_51_100_10")]


def test_a_director_switched_over_announces_nothing_until_it_is_given_back(tmp_path):
    for name in ("vs_198.51.100.10_tcp_80", "vs_198.51.100.10_tcp_443", "vs_198.51.100.11_tcp_80"):
        ds.write_state(tmp_path, name, True)
    switchover = tmp_path / "lvs-switchover"
    switchover.write_text("-253\n", encoding="utf-8")
    assert {action for _protocol, action in ds.announce(plan(tmp_path), tmp_path, run=print)} == {"disable"}
    # A quorum event meanwhile does not announce its VIP either.
    assert ds.announce(plan(tmp_path), tmp_path, "vs_198.51.100.11_tcp_80", run=print) == [
        ("lvs_vip_198_51_100_11", "disable")]
    switchover.write_text("0\n", encoding="utf-8")
    assert {action for _protocol, action in ds.announce(plan(tmp_path), tmp_path, run=print)} == {"enable"}
    switchover.unlink()
    assert {action for _protocol, action in ds.announce(plan(tmp_path), tmp_path, run=print)} == {"enable"}


def test_the_packet_counter_is_read_from_a_real_ip_vs_stats():
    capture = pathlib.Path(__file__).resolve().parents[2] / "fixtures" / "proc" / "ip_vs_stats"
    # Captured on a lab director after 20 requests (tests/unit/fixtures/proc/README.md): 0x7C packets in.
    assert ds.forwarded_packets(capture) == 0x7C


class Clock:
    """A clock that sleep() moves on, for drained()."""

    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def test_drained_waits_for_quiet_longer_than_the_kernels_counter_period():
    clock = Clock()
    # Packets arrive until t=3, then none.
    assert ds.drained(1, 30, read=lambda: min(clock.now, 3.0), clock=clock, sleep=clock.sleep)
    assert 3.0 + 2 * ds.STATS_PERIOD <= clock.now <= 3.0 + 2 * ds.STATS_PERIOD + 1.5


def test_drained_gives_up_at_its_timeout_while_packets_still_arrive():
    clock = Clock()
    assert not ds.drained(5, 12, read=lambda: clock.now, clock=clock, sleep=clock.sleep)
    assert 12 <= clock.now <= 12.5


def test_without_bird_the_reader_goes_on():
    """No BIRD answers on /run/bird/bird.ctl of the test host (the lab's router has a socket of its own): no
    birdc, or birdc that cannot connect, is a None, not an exception."""
    assert ds.birdc("show", "status") is None


BIRD = pathlib.Path(__file__).resolve().parents[2] / "fixtures" / "bird"


@pytest.mark.parametrize("capture, up", [
    ("show_protocols_established.txt", True),
    ("show_protocols_established_trixie.txt", True),
    ("show_protocols_peer_down.txt", False),
])
def test_sessions_are_established_when_every_bgp_protocol_says_so(capture, up):
    """Real `birdc show protocols` of a lab director (tests/unit/fixtures/bird/README.md)."""
    assert ds.peers_established((BIRD / capture).read_text()) is up


def test_no_bgp_session_or_no_answer_is_not_established():
    """The established capture without its BGP rows: every other protocol up, no session to announce on."""
    lines = (BIRD / "show_protocols_established.txt").read_text().splitlines(keepends=True)
    without_bgp = "".join(line for line in lines if line.split()[1:2] != ["BGP"])
    assert without_bgp != "".join(lines)
    assert not ds.peers_established(without_bgp)
    assert not ds.peers_established(None)


def test_established_waits_until_the_sessions_come_up_and_gives_up_at_its_timeout():
    clock = Clock()
    outputs = {True: (BIRD / "show_protocols_established.txt").read_text(),
               False: (BIRD / "show_protocols_peer_down.txt").read_text()}
    assert ds.established(30, run=lambda *_args: outputs[clock.now >= 4], clock=clock, sleep=clock.sleep)
    assert 4 <= clock.now <= 5
    clock = Clock()
    assert not ds.established(6, run=lambda *_args: outputs[False], clock=clock, sleep=clock.sleep)
    assert 6 <= clock.now <= 7
