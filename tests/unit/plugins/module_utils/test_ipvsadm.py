# Copyright: lvs.cluster founders (@lvs-cluster)
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Parser tests over real ipvsadm 1.31 output captured on a UML 6.1 IPVS kernel (tests/unit/fixtures/ipvsadm).

Tests whose input is not a capture say so: their lines are built from the
printf formats of ipvsadm.c quoted in the ipvsadm-1.31 output reference,
for cases a capture cannot produce (counters >= 1e11, unknown forwarding
methods, a protocol ipvsadm cannot name).
"""

from __future__ import annotations

import pytest

from ansible_collections.lvs.cluster.plugins.module_utils.ipvsadm import (
    IpvsadmParseError,
    build_info,
    explain_failure,
    merge_counters,
    parse_list,
    parse_number,
    parse_rate,
    parse_stats,
    parse_sync_daemons,
    parse_timeouts,
)

ZERO_STATS = {"connections": 0, "packets_in": 0, "packets_out": 0, "bytes_in": 0, "bytes_out": 0}
ZERO_RATE = {"cps": 0, "packets_in_per_s": 0, "packets_out_per_s": 0, "bytes_in_per_s": 0, "bytes_out_per_s": 0}


def svc(protocol, address, port, fwmark, family, scheduler, flags=(), timeout=None, mask=None, engine=None, ops=False,
        real_servers=()):
    return {
        "protocol": protocol, "address": address, "port": port, "fwmark": fwmark, "family": family,
        "scheduler": scheduler, "scheduler_flags": list(flags), "persistent": timeout is not None,
        "persistence_timeout": timeout, "persistence_mask": mask, "persistence_engine": engine, "one_packet": ops,
        "real_servers": [rs(*server) for server in real_servers],
    }


def rs(address, port, forward, weight, active=0, inactive=0):
    return {"address": address, "port": port, "forward": forward, "weight": weight,
            "active_connections": active, "inactive_connections": inactive}


# Every service of list.stdout, in ipvsadm's order (its sort puts the fwmark >= 2**31 first).
LIST_SERVICES = [
    svc("fwm", None, None, 2882430849, "ipv4", "rr", real_servers=[("192.0.2.82", 0, "route", 1)]),
    svc("tcp", "192.0.2.200", 80, None, "ipv4", "wlc", real_servers=[
        ("192.0.2.66", 8080, "masq", 1, 0, 15), ("192.0.2.67", 8080, "masq", 1, 1, 15), ("192.0.2.68", 8080, "masq", 0)]),
    svc("tcp", "192.0.2.202", 443, None, "ipv4", "wrr", timeout=300, mask="255.255.255.0", real_servers=[
        ("192.0.2.74", 443, "tunnel", 5), ("192.0.2.75", 443, "tunnel", 3)]),
    svc("tcp", "192.0.2.203", 0, None, "ipv4", "lc", timeout=360, real_servers=[("192.0.2.76", 0, "route", 1)]),
    svc("tcp", "192.0.2.204", 8443, None, "ipv4", "mh", flags=["mh-fallback", "mh-port"], timeout=60,
        real_servers=[("192.0.2.77", 8443, "route", 1)]),
    svc("tcp", "192.0.2.205", 81, None, "ipv4", "wlc", flags=["flag-1", "flag-3"]),
    svc("tcp", "192.0.2.206", 82, None, "ipv4", "sh"),
    svc("tcp", "192.0.2.207", 80, None, "ipv4", "rr", real_servers=[("192.0.2.1", 80, "route", 1)]),
] + [
    svc("tcp", "192.0.2.210", port, None, "ipv4", scheduler, real_servers=[("192.0.2.78", port, "route", 2)])
    for port, scheduler in enumerate(("lblc", "lblcr", "dh", "sed", "nq", "fo", "ovf"), 9000)
] + [
    svc("udp", "192.0.2.200", 53, None, "ipv4", "rr", ops=True, real_servers=[
        ("192.0.2.66", 5353, "masq", 1), ("192.0.2.67", 5353, "masq", 2)]),
    svc("udp", "192.0.2.202", 5060, None, "ipv4", "rr", timeout=300, mask="255.255.255.0", engine="sip", real_servers=[
        ("192.0.2.72", 5060, "route", 5), ("192.0.2.73", 5060, "tunnel", 5)]),
    svc("sctp", "192.0.2.201", 5060, None, "ipv4", "sh", flags=["sh-fallback", "sh-port"], real_servers=[
        ("192.0.2.70", 5060, "route", 1), ("192.0.2.71", 5060, "route", 1)]),
    svc("tcp", "2001:db8::200", 80, None, "ipv6", "wlc", timeout=360, mask="64", real_servers=[
        ("192.0.2.79", 80, "tunnel", 2), ("2001:db8:ffff:ffff:ffff:ffff:ffff:10", 80, "route", 1),
        ("2001:db8:1::66", 8080, "masq", 1)]),
    svc("udp", "2001:db8::201", 53, None, "ipv6", "rr", ops=True, real_servers=[("2001:db8:1::70", 53, "route", 1)]),
    svc("sctp", "2001:db8::202", 5060, None, "ipv6", "rr"),
    svc("fwm", None, None, 1, "ipv4", "wlc", real_servers=[("192.0.2.80", 0, "route", 1), ("192.0.2.81", 0, "tunnel", 1)]),
    svc("fwm", None, None, 2, "ipv6", "lc", timeout=600, mask="48", real_servers=[("2001:db8:1::76", 0, "route", 3)]),
    svc("fwm", None, None, 3, "ipv4", "wlc", ops=True),
]

TRAFFIC_STATS = {  # stats_exact.stdout: the services that carried traffic in the guest
    ("tcp", 80): ({"connections": 31, "packets_in": 24764, "packets_out": 2763, "bytes_in": 1501287976, "bytes_out": 144074}, [
        {"connections": 15, "packets_in": 12376, "packets_out": 1409, "bytes_in": 750643672, "bytes_out": 73463},
        {"connections": 16, "packets_in": 12388, "packets_out": 1354, "bytes_in": 750644304, "bytes_out": 70611},
        ZERO_STATS]),
    ("udp", 53): ({"connections": 200, "packets_in": 200, "packets_out": 0, "bytes_in": 108000, "bytes_out": 0}, [
        {"connections": 100, "packets_in": 100, "packets_out": 0, "bytes_in": 54000, "bytes_out": 0},
        {"connections": 100, "packets_in": 100, "packets_out": 0, "bytes_in": 54000, "bytes_out": 0}]),
}
TRAFFIC_RATE = {  # rate_exact.stdout
    ("tcp", 80): ({"cps": 3, "packets_in_per_s": 2580, "packets_out_per_s": 286, "bytes_in_per_s": 156384162,
                   "bytes_out_per_s": 14938}, [
        {"cps": 2, "packets_in_per_s": 1289, "packets_out_per_s": 146, "bytes_in_per_s": 78192045, "bytes_out_per_s": 7620},
        {"cps": 2, "packets_in_per_s": 1290, "packets_out_per_s": 140, "bytes_in_per_s": 78192116, "bytes_out_per_s": 7318},
        ZERO_RATE]),
    ("udp", 53): ({"cps": 22, "packets_in_per_s": 22, "packets_out_per_s": 0, "bytes_in_per_s": 11863, "bytes_out_per_s": 0}, [
        {"cps": 11, "packets_in_per_s": 11, "packets_out_per_s": 0, "bytes_in_per_s": 5940, "bytes_out_per_s": 0},
        {"cps": 11, "packets_in_per_s": 11, "packets_out_per_s": 0, "bytes_in_per_s": 5923, "bytes_out_per_s": 0}]),
}


def counters_of(parsed):
    """parse_stats/parse_rate result -> {service key: (service counters, {rs key: counters})}."""
    return {key: (values, servers) for key, values, servers in parsed}


def test_list_header(capture):
    info = parse_list(capture("list").stdout)
    assert info["version"] == "1.2.1"
    assert info["conn_table_size"] == 4096


def test_list_every_service_kind(capture):
    assert parse_list(capture("list").stdout)["services"] == LIST_SERVICES


@pytest.mark.parametrize("name", ["empty", "list", "stats", "stats_exact", "rate", "rate_exact"])
def test_captures_succeeded(capture, name):
    assert capture(name).rc == 0
    assert capture(name).stderr == ""


def test_empty_table(capture):
    assert parse_list(capture("empty").stdout) == {"version": "1.2.1", "conn_table_size": 4096, "services": []}
    assert not parse_stats(capture("empty_stats_exact").stdout)


@pytest.mark.parametrize("name, fields", [("stats_exact", TRAFFIC_STATS), ("rate_exact", TRAFFIC_RATE)])
def test_exact_counters(capture, name, fields):
    parse = parse_stats if name == "stats_exact" else parse_rate
    zero = ZERO_STATS if name == "stats_exact" else ZERO_RATE
    parsed = counters_of(parse(capture(name).stdout))
    assert list(parsed) == [expected_key(service) for service in LIST_SERVICES]
    for service in LIST_SERVICES:
        values, servers = parsed[expected_key(service)]
        want, want_servers = fields.get((service["protocol"], service["port"]) if service["address"] == "192.0.2.200"
                                        else None, (zero, [zero] * len(service["real_servers"])))
        assert values == want
        assert list(servers) == [(server["address"], server["port"]) for server in service["real_servers"]]
        assert list(servers.values()) == want_servers


def expected_key(service):
    if service["protocol"] == "fwm":
        return ("fwm", service["fwmark"], service["family"])
    return (service["protocol"], service["address"], service["port"])


def test_suffixed_stats_line_values(capture):
    # stats.stdout shows "1501M" and "750643K" where --exact shows 1501287976 and 750643672.
    values, servers = counters_of(parse_stats(capture("stats").stdout))[("tcp", "192.0.2.200", 80)]
    assert values == {"connections": 31, "packets_in": 24764, "packets_out": 2763, "bytes_in": 1501000000,
                      "bytes_out": 144074}
    assert servers[("192.0.2.66", 8080)]["bytes_in"] == 750643000
    assert servers[("192.0.2.67", 8080)]["bytes_in"] == 750644000


@pytest.mark.parametrize("rounded, exact, parse", [
    ("stats", "stats_exact", parse_stats),
    ("rate", "rate_exact", parse_rate),
])
def test_suffixed_values_are_truncated_lower_bounds_of_exact(capture, rounded, exact, parse):
    """Both captures came from the same kernel state: every suffixed value v of the exact value x has x - 1e6 < v <= x."""
    suffixed = 0
    rounded_text = capture(rounded).stdout
    rounded_parsed, exact_parsed = counters_of(parse(rounded_text)), counters_of(parse(capture(exact).stdout))
    assert list(rounded_parsed) == list(exact_parsed)
    for key, (values, servers) in rounded_parsed.items():
        pairs = [(values, exact_parsed[key][0])] + [(servers[rs_key], exact_parsed[key][1][rs_key]) for rs_key in servers]
        for got, want in pairs:
            for field in got:
                assert want[field] - 10 ** 6 < got[field] <= want[field]
                suffixed += got[field] != want[field]
    assert "K " in rounded_text or "M " in rounded_text
    assert suffixed > 0


def test_build_info_merges_stats_and_rate(capture):
    info = build_info(capture("list").stdout, stats_text=capture("stats_exact").stdout,
                      rate_text=capture("rate_exact").stdout)
    tcp = info["services"][1]
    assert (tcp["protocol"], tcp["address"], tcp["port"]) == ("tcp", "192.0.2.200", 80)
    assert tcp["stats"] == TRAFFIC_STATS[("tcp", 80)][0]
    assert [server["stats"] for server in tcp["real_servers"]] == TRAFFIC_STATS[("tcp", 80)][1]
    assert tcp["rate"] == TRAFFIC_RATE[("tcp", 80)][0]
    assert [server["rate"] for server in tcp["real_servers"]] == TRAFFIC_RATE[("tcp", 80)][1]
    fwm_v6 = info["services"][-2]
    assert (fwm_v6["fwmark"], fwm_v6["family"], fwm_v6["stats"], fwm_v6["real_servers"][0]["rate"]) == (
        2, "ipv6", ZERO_STATS, ZERO_RATE)
    for service in info["services"]:
        assert service["stats"] is not None and service["rate"] is not None
        assert all(server["stats"] is not None and server["rate"] is not None for server in service["real_servers"])
    assert "timeouts" not in info and "sync_daemons" not in info


def test_merge_with_table_changed_between_calls(capture):
    """The stats call saw an empty table (a real capture): every service and real server gets None."""
    info = merge_counters(parse_list(capture("list").stdout), "stats", parse_stats(capture("empty_stats_exact").stdout))
    assert all(service["stats"] is None for service in info["services"])
    assert all(server["stats"] is None for service in info["services"] for server in service["real_servers"])


def test_merge_ignores_services_gone_from_the_listing(capture):
    """stats of a full table merged into the empty listing: nothing to attach, nothing invented."""
    info = merge_counters(parse_list(capture("empty").stdout), "stats", parse_stats(capture("stats_exact").stdout))
    assert info["services"] == []


def test_timeouts(capture):
    assert capture("timeout").rc == 0
    assert parse_timeouts(capture("timeout").stdout) == {"tcp": 900, "tcpfin": 120, "udp": 300}


def test_sync_daemons_none(capture):
    assert capture("daemon_none").stdout == ""
    assert parse_sync_daemons(capture("daemon_none").stdout) == []


def test_sync_daemon_master(capture):
    assert parse_sync_daemons(capture("daemon_master").stdout) == [
        {"state": "master", "mcast_interface": "lo", "syncid": 0, "maxlen": 1472, "group": "224.0.0.81", "port": 8848,
         "ttl": 1}]


def test_sync_daemons_master_and_backup(capture):
    assert parse_sync_daemons(capture("daemon_master_backup").stdout) == [
        {"state": "master", "mcast_interface": "lo", "syncid": 0, "maxlen": 1472, "group": "224.0.0.81", "port": 8848,
         "ttl": 1},
        {"state": "backup", "mcast_interface": "lo", "syncid": 7, "maxlen": 65507, "group": "224.0.0.81", "port": 8848,
         "ttl": 1}]


def test_build_info_timeouts_and_daemons(capture):
    info = build_info(capture("empty").stdout, timeout_text=capture("timeout").stdout,
                      daemon_text=capture("daemon_master").stdout)
    assert info["timeouts"] == {"tcp": 900, "tcpfin": 120, "udp": 300}
    assert [daemon["state"] for daemon in info["sync_daemons"]] == ["master"]


def test_benchmark_table_structure(capture):
    services = parse_list(capture("bench_1000x20").stdout)["services"]
    assert len(services) == 1000
    assert all(len(service["real_servers"]) == 20 for service in services)
    assert {service["family"] for service in services} == {"ipv4", "ipv6"}
    assert {server["forward"] for service in services for server in service["real_servers"]} == {"route", "masq", "tunnel"}


@pytest.mark.parametrize("name, words", [
    ("no_ipvs_host", ["IPVS is not available", "modprobe ip_vs", "CONFIG_IP_VS",
                      "Can't initialize ipvs: Protocol not available"]),
    ("no_ipvs_guest", ["IPVS is not available", "Can't initialize ipvs: Protocol not available"]),
    ("not_root", ["permission denied", "become: true", "Can't initialize ipvs: Permission denied (you must be root)"]),
])
def test_explain_real_failures(capture, name, words):
    failure = capture(name)
    assert failure.rc == 2
    assert failure.stdout == ""
    message = explain_failure(("-Ln",), failure.rc, failure.stderr)
    assert message.startswith("ipvsadm -Ln: ")
    for word in words:
        assert word in message


def test_explain_other_failure():
    assert explain_failure(("-Ln", "--timeout"), 1, "") == "ipvsadm -Ln --timeout failed with exit status 1. ipvsadm said: (nothing)"


# ---- errors on real output fed to the wrong parser, or altered by one line ----

def test_tun_info_listing_is_refused(capture):
    with pytest.raises(IpvsadmParseError, match="unsupported listing format .line 3"):
        parse_list(capture("tun_info").stdout)


@pytest.mark.parametrize("name, parse, match", [
    ("stats_exact", parse_list, "unsupported listing format .line 2"),
    ("list", parse_stats, "expected a Conns column .line 2"),
    ("rate_exact", parse_stats, "expected a Conns column"),
    ("stats_exact", parse_rate, "expected a CPS column"),
    ("daemon_master", parse_list, "unknown line .line 1"),
    ("list", parse_sync_daemons, "unknown sync daemon line .line 1"),
    ("list", parse_timeouts, "unknown timeout output"),
])
def test_wrong_output_for_the_parser(capture, name, parse, match):
    with pytest.raises(IpvsadmParseError, match=match):
        parse(capture(name).stdout)


def insert_after(text, anchor, new_line):
    lines = text.splitlines()
    index = lines.index(anchor) + 1
    return "\n".join(lines[:index] + [new_line] + lines[index:]) + "\n"


def test_unknown_service_line_is_an_error_not_a_new_owner(capture):
    """A service line of an unknown protocol (ipvsadm prints '?') must not let its real servers join the previous service."""
    text = capture("list").stdout.replace("UDP  [2001:db8::201]:53 rr ops", "?    [2001:db8::201]:53 rr ops")
    with pytest.raises(IpvsadmParseError, match="unknown line .line 48: '\\?    \\[2001:db8::201\\]:53 rr ops'"):
        parse_list(text)


def test_unknown_stats_line_is_an_error(capture):
    text = capture("stats_exact").stdout.replace("SCTP 192.0.2.201:5060 ", "XXXX 192.0.2.201:5060 ")
    with pytest.raises(IpvsadmParseError, match="unknown line"):
        parse_stats(text)


@pytest.mark.parametrize("anchor, bad_line, match", [
    ("TCP  192.0.2.206:82 sh ()", "TCP  192.0.2.208:80 rr persistent", "persistent without timeout"),
    ("TCP  192.0.2.206:82 sh ()", "TCP  192.0.2.208:80 rr sticky", "unexpected 'sticky' on service line"),
    ("TCP  192.0.2.206:82 sh ()", "TCP  192.0.2.208:80", "service line without scheduler"),
    ("TCP  192.0.2.206:82 sh ()", "TCP  192.0.2.208 rr", "bad address:port"),
    ("TCP  192.0.2.206:82 sh ()", "TCP  [2001:db8::1:80 rr", "bad IPv6 address"),
    ("TCP  192.0.2.206:82 sh ()", "FWM  0x10 rr", "bad fwmark"),
    ("TCP  192.0.2.206:82 sh ()", "TCP  192.0.2.208:80 sh (sh-port", "bad scheduler flags"),
    ("TCP  192.0.2.206:82 sh ()", "  -> 192.0.2.9:80                 Bypass  1      0          0", "unknown forwarding method .Bypass."),
    ("TCP  192.0.2.206:82 sh ()", "  -> 192.0.2.9:80                 Route   1      0", "does not have 5 fields"),
    ("TCP  192.0.2.206:82 sh ()", "  -> 192.0.2.9:80                 Route   1      x          0", "not integers"),
    ("TCP  192.0.2.206:82 sh ()", "  -> :80                          Route   1      0          0", "bad address:port ':80'"),
    ("TCP  192.0.2.206:82 sh ()", "  -> [2001:db8::9:80              Route   1      0          0", "bad IPv6 address"),
])
def test_damaged_list_lines(capture, anchor, bad_line, match):
    with pytest.raises(IpvsadmParseError, match=match):
        parse_list(insert_after(capture("list").stdout, anchor, bad_line))


def test_real_server_before_any_service(capture):
    lines = capture("list").stdout.splitlines()
    del lines[3]  # "FWM  -1412536447 rr": its real server now has no service
    with pytest.raises(IpvsadmParseError, match="real server before any service .line 4"):
        parse_list("\n".join(lines))


def test_damaged_stats_lines(capture):
    text = capture("stats_exact").stdout
    with pytest.raises(IpvsadmParseError, match="service line does not have 5 counters"):
        parse_stats(text.replace("FWM  3                                   0        0        0        0        0",
                                 "FWM  3                                   0        0        0        0"))
    with pytest.raises(IpvsadmParseError, match="real server line does not have 5 counters"):
        parse_stats(text.replace("  -> 192.0.2.82:0                        0        0        0        0        0",
                                 "  -> 192.0.2.82:0                        0        0        0        0"))
    with pytest.raises(IpvsadmParseError, match="not an ipvsadm number: '12X'"):
        parse_stats(text.replace("   144074", "      12X"))
    lines = text.splitlines()
    del lines[3]
    with pytest.raises(IpvsadmParseError, match="real server before any service"):
        parse_stats("\n".join(lines))


def test_bad_version_line(capture):
    with pytest.raises(IpvsadmParseError, match="bad version line"):
        parse_list(capture("list").stdout.replace("version 1.2.1", "version 1.2"))


def test_bad_sync_daemon_field():
    with pytest.raises(IpvsadmParseError, match="bad sync daemon field 'weird'"):
        parse_sync_daemons("master sync daemon (mcast=lo, weird)\n")


# ---- not captured: lines built from ipvsadm.c's printf formats (see the module docstring) ----

@pytest.mark.parametrize("token, value", [
    ("0", 0), ("99999999", 99999999), ("100000K", 100000000), ("999999K", 999999000), ("1000M", 1000000000),
    ("99999M", 99999000000), ("100G", 100000000000), ("99999G", 99999000000000), ("100T", 100000000000000),
    ("18446744T", 18446744000000000000), ("18446744073709551615", 18446744073709551615),
])
def test_parse_number(token, value):
    assert parse_number(token) == value


@pytest.mark.parametrize("token", ["", "K", "12k", "1.5M", "-1", "12KB", "1_000"])
def test_parse_number_rejects(token):
    with pytest.raises(IpvsadmParseError):
        parse_number(token)


def test_suffixes_and_glued_terabytes_from_printf_formats():
    # "%-33s" + 5 x print_largenum(): "%8lluG"/"%8lluT"; a value >= 1e19 is 8 digits + T with no separator.
    text = ("Prot LocalAddress:Port               Conns   InPkts  OutPkts  InBytes OutBytes\n"
            "  -> RemoteAddress:Port\n"
            "TCP  192.0.2.2:80                    99999M     100G   99999G     100T18446744T\n"
            "  -> 192.0.2.3:80                   99999M     100G   99999G     100T18446744T\n")
    want = {"connections": 99999000000, "packets_in": 100000000000, "packets_out": 99999000000000,
            "bytes_in": 100000000000000, "bytes_out": 18446744000000000000}
    assert parse_stats(text) == [(("tcp", "192.0.2.2", 80), want, {("192.0.2.3", 80): want})]


def test_rate_real_server_raw_columns_from_printf_formats():
    # Real-server rate lines: "  -> %-28s %8llu %8llu %8llu" + 2 x print_largenum(): the first three are never suffixed.
    text = ("Prot LocalAddress:Port                 CPS    InPPS   OutPPS    InBPS   OutBPS\n"
            "  -> RemoteAddress:Port\n"
            "TCP  192.0.2.1:80                        0 99999999  100000K  999999K    1000M\n"
            "  -> 192.0.2.11:80                       0 99999999 100000000  999999K    1000M\n")
    ((_key, service, servers),) = parse_rate(text)
    assert service["packets_out_per_s"] == 100000000
    assert servers[("192.0.2.11", 80)] == {"cps": 0, "packets_in_per_s": 99999999, "packets_out_per_s": 100000000,
                                           "bytes_in_per_s": 999999000, "bytes_out_per_s": 1000000000}


def test_null_and_local_forward_from_printf_formats():
    # fwd_name(): 1 prints "Local", 4..7 print "(null)"; ipvsadm itself can set neither.
    text = ("TCP  192.0.2.1:8443 rr\n"
            "  -> 192.0.2.61:8443              Local   1      0          0         \n"
            "  -> 192.0.2.62:8443              (null)  1      4294967295 0         \n")
    servers = parse_list(text)["services"][0]["real_servers"]
    assert [(server["forward"], server["active_connections"]) for server in servers] == [("local", 0), (None, 4294967295)]


def test_single_service_listing_without_version_from_printf_formats():
    # `ipvsadm -Ln -t VIP:PORT` prints the titles and one block, no version line.
    text = ("Prot LocalAddress:Port Scheduler Flags\n"
            "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n"
            "TCP  192.0.2.1:80 wlc\n"
            "  -> 192.0.2.11:80                Masq    1      12         345       \n")
    info = parse_list(text)
    assert (info["version"], info["conn_table_size"]) == (None, None)
    assert info["services"] == [svc("tcp", "192.0.2.1", 80, None, "ipv4", "wlc",
                                    real_servers=[("192.0.2.11", 80, "masq", 1, 12, 345)])]
