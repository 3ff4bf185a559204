"""director_state: keepalived's checker events, the state files VRRP tracks, and what ECMP announces."""

import json

import pytest
from ansible_collections.lvs.cluster.plugins.module_utils import director_state as ds

# Lines keepalived 2.2.7 wrote to its lvs_notify_fifo on the lab (a TCP_CHECK service losing rs1, its only
# real server, and getting it back), and lines the reader must pass over.
EVENTS = [
    ("VS [192.0.2.100]:tcp:80 DOWN", ("[192.0.2.100]:tcp:80", False)),
    ("VS [192.0.2.100]:tcp:80 UP", ("[192.0.2.100]:tcp:80", True)),
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


def test_state_files_round_trip_and_a_missing_directory_is_empty(tmp_path):
    ds.write_state(tmp_path, "vs_a", True)
    ds.write_state(tmp_path, "vs_b", False)
    ds.write_state(tmp_path, "vs_a", False)
    (tmp_path / "other").write_text("x")
    assert (tmp_path / "vs_b").read_text() == "1\n"
    assert ds.read_states(tmp_path) == {"vs_a": False, "vs_b": False}
    assert not list(tmp_path.glob(".vs_*"))
    assert ds.read_states(tmp_path / "missing") == {}


def test_switched_over(tmp_path):
    path = tmp_path / "lvs-switchover"
    assert not ds.switched_over(path)
    for text, drained in (("0\n", False), ("-253\n", True), ("", False)):
        path.write_text(text)
        assert ds.switched_over(path) is drained


VIPS = {"198.51.100.10": ["vs_a", "vs_b"], "2001:db8:1::10": ["vs_c"], "198.51.100.11": []}


@pytest.mark.parametrize("states, drained, wanted", [
    ({"vs_a": True, "vs_b": True, "vs_c": True}, False, {"198.51.100.10/32", "2001:db8:1::10/128"}),
    ({"vs_a": True, "vs_b": False, "vs_c": True}, False, {"2001:db8:1::10/128"}),
    # keepalived has not written vs_b yet: not announced until it does.
    ({"vs_a": True, "vs_c": True}, False, {"2001:db8:1::10/128"}),
    ({"vs_a": True, "vs_b": True, "vs_c": True}, True, set()),
])
def test_a_vip_is_announced_while_every_service_of_it_serves(states, drained, wanted):
    assert ds.wanted_announcements(VIPS, states, drained) == wanted


def test_announcement_changes_and_the_announced_set_of_ip_json():
    ip_json = json.dumps([{"ifname": "lvsbgp0", "addr_info": [
        {"family": "inet", "local": "198.51.100.10", "prefixlen": 32, "scope": "global"},
        {"family": "inet6", "local": "fe80::1", "prefixlen": 64, "scope": "link"}]}])
    current = ds.announced(ip_json)
    assert current == {"198.51.100.10/32"}
    assert ds.announcement_changes(current, {"198.51.100.11/32"}) == (["198.51.100.11/32"], ["198.51.100.10/32"])
    assert ds.announced("") == set()
