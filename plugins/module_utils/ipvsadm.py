# -*- coding: utf-8 -*-
# Copyright: lvs.cluster founders (@lvs-cluster)
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Parse the text output of ipvsadm 1.31 (pure functions, no I/O).

The formats are those of ipvsadm.c 1.31 (print_title, print_service_entry,
print_largenum, list_daemon, print_timeout).  Every function raises
IpvsadmParseError on a line it does not recognise, so real servers are never
attached to the wrong service.
"""

from __future__ import annotations

import operator
import re

LIST_ARGS = ("-Ln",)
STATS_ARGS = ("-Ln", "--stats", "--exact")
RATE_ARGS = ("-Ln", "--rate", "--exact")
TIMEOUT_ARGS = ("-Ln", "--timeout")
DAEMON_ARGS = ("-Ln", "--daemon")

STATS_FIELDS = ("connections", "packets_in", "packets_out", "bytes_in", "bytes_out")
RATE_FIELDS = ("cps", "packets_in_per_s", "packets_out_per_s", "bytes_in_per_s", "bytes_out_per_s")

_VERSION_RE = re.compile(r"IP Virtual Server version (\d+)\.(\d+)\.(\d+) \(size=(\d+)\)$")
_TIMEOUT_RE = re.compile(r"Timeout \(tcp tcpfin udp\): (-?\d+) (-?\d+) (-?\d+)$")
_DAEMON_RE = re.compile(r"(master|backup) sync daemon \((.*)\)$")
# print_largenum() glues a value >= 1e19 ("18446744T") to the previous one.
_GLUED_RE = re.compile(r"(?<=\d[KMGT])(?=\d)")
_SUFFIX = {"K": 10 ** 3, "M": 10 ** 6, "G": 10 ** 9, "T": 10 ** 12}
_PROTOCOLS = {"TCP": "tcp", "UDP": "udp", "SCTP": "sctp"}
_SERVICE_KINDS = frozenset(("TCP", "UDP", "SCTP", "FWM"))
_FORWARD = {"Route": "route", "Masq": "masq", "Tunnel": "tunnel", "Local": "local", "(null)": None}
_DAEMON_INTS = ("syncid", "maxlen", "port", "ttl")
_U32 = 1 << 32


class IpvsadmParseError(ValueError):
    """ipvsadm printed something this parser does not know."""

    def __init__(self, message, lineno=None, line=None):
        if lineno is not None:
            message = "%s (line %d: %r)" % (message, lineno, line)
        super().__init__(message)


def parse_number(token):
    """Return the integer ipvsadm printed: exact, or K/M/G/T (powers of 1000).

    ipvsadm truncates suffixed values, so "150K" is returned as 150000,
    the lower bound of the real value.
    """
    if token.isdigit():
        return int(token)
    multiplier = _SUFFIX.get(token[-1:])
    if multiplier is None or not token[:-1].isdigit():
        raise IpvsadmParseError("not an ipvsadm number: %r" % token)
    return int(token[:-1]) * multiplier


def _split_addr(text, lineno, line):
    """'192.0.2.1:80' or '[2001:db8::1]:80' -> (address, port, family)."""
    host, _sep, port = text.rpartition(":")
    if not host or not port.isdigit():
        raise IpvsadmParseError("bad address:port %r" % text, lineno, line)
    if host[:1] == "[":
        if host[-1:] != "]":
            raise IpvsadmParseError("bad IPv6 address %r" % text, lineno, line)
        return host[1:-1], int(port), "ipv6"
    return host, int(port), "ipv4"


def _fwmark(token, lineno, line):
    """ipvsadm 1.31 prints the u32 mark with %d: marks >= 2**31 come out negative."""
    try:
        mark = int(token)
    except ValueError:
        raise IpvsadmParseError("bad fwmark %r" % token, lineno, line) from None
    return mark + _U32 if mark < 0 else mark


def _service_identity(tokens, lineno, line):
    """Leading tokens of a service line -> (protocol, address, port, fwmark, family, index of the next token)."""
    kind = tokens[0]
    if kind == "FWM":
        if len(tokens) < 2:
            raise IpvsadmParseError("service line without fwmark", lineno, line)
        if len(tokens) > 2 and tokens[2] == "IPv6":
            return "fwm", None, None, _fwmark(tokens[1], lineno, line), "ipv6", 3
        return "fwm", None, None, _fwmark(tokens[1], lineno, line), "ipv4", 2
    protocol = _PROTOCOLS.get(kind)
    if protocol is None or len(tokens) < 2:
        raise IpvsadmParseError("unknown line", lineno, line)
    address, port, family = _split_addr(tokens[1], lineno, line)
    return protocol, address, port, None, family, 2


def _key(protocol, address, port, fwmark, family):
    return ("fwm", fwmark, family) if protocol == "fwm" else (protocol, address, port)


def service_key(service):
    """Identity of a service: protocol+address+port, or fwmark+family."""
    return _key(service["protocol"], service["address"], service["port"], service["fwmark"], service["family"])


def _parse_service(tokens, lineno, line):
    protocol, address, port, fwmark, family, i = _service_identity(tokens, lineno, line)
    end = len(tokens)
    if i >= end:
        raise IpvsadmParseError("service line without scheduler", lineno, line)
    scheduler = tokens[i]
    i += 1
    flags = []
    if i < end and tokens[i][:1] == "(":
        if tokens[i][-1:] != ")":
            raise IpvsadmParseError("bad scheduler flags", lineno, line)
        flags = [flag for flag in tokens[i][1:-1].split(",") if flag]
        i += 1
    timeout = mask = engine = None
    if i < end and tokens[i] == "persistent":
        if i + 1 >= end or not tokens[i + 1].isdigit():
            raise IpvsadmParseError("persistent without timeout", lineno, line)
        timeout = int(tokens[i + 1])
        i += 2
        if i + 1 < end and tokens[i] == "mask":
            mask = tokens[i + 1]
            i += 2
        if i + 1 < end and tokens[i] == "pe":
            engine = tokens[i + 1]
            i += 2
    one_packet = i < end and tokens[i] == "ops"
    if one_packet:
        i += 1
    if i != end:
        raise IpvsadmParseError("unexpected %r on service line" % " ".join(tokens[i:]), lineno, line)
    return {
        "protocol": protocol, "address": address, "port": port, "fwmark": fwmark, "family": family,
        "scheduler": scheduler, "scheduler_flags": flags, "persistent": timeout is not None,
        "persistence_timeout": timeout, "persistence_mask": mask, "persistence_engine": engine,
        "one_packet": one_packet, "real_servers": [],
    }


def _real_server_problem(tokens, has_service):
    """Why a `  -> ` line of `-Ln` failed the fast path; None for the title line."""
    if tokens[1:] == ["RemoteAddress:Port", "Forward", "Weight", "ActiveConn", "InActConn"]:
        return None
    if tokens[1:2] == ["RemoteAddress:Port"]:
        return "unsupported listing format"
    if not has_service:
        return "real server before any service"
    if len(tokens) != 6:
        return "real server line does not have 5 fields"
    if tokens[2] not in _FORWARD:
        return "unknown forwarding method %r" % tokens[2]
    try:
        _split_addr(tokens[1], None, None)
    except IpvsadmParseError as exc:
        return str(exc)
    return "real server counters are not integers"


def _parse_version(line, lineno):
    match = _VERSION_RE.match(line)
    if match is None:
        raise IpvsadmParseError("bad version line", lineno, line)
    return "%s.%s.%s" % match.group(1, 2, 3), int(match.group(4))


def parse_list(text):
    """Parse `ipvsadm -Ln` into {version, conn_table_size, services}.

    The version line is absent in a single-service listing (`-Ln -t VIP:PORT`);
    version and conn_table_size are None then.
    """
    version = size = None
    services = []
    current = None
    lines = text.splitlines()
    remaining = iter(lines)
    for line in remaining:
        tokens = line.split()
        try:
            first = tokens[0]
        except IndexError:
            continue
        if first == "->":
            # The hot path of a large table, inlined: any malformed line, the
            # title line and a real server without a service fail in here.
            try:
                _arrow, addr, forward, weight, active, inactive = tokens
                address, _sep, port = addr.rpartition(":")
                if address[0] == "[":
                    if address[-1] != "]":
                        raise ValueError(addr)
                    address = address[1:-1]
                current.append({
                    "address": address, "port": int(port), "forward": _FORWARD[forward],
                    "weight": int(weight), "active_connections": int(active), "inactive_connections": int(inactive),
                })
            except (ValueError, KeyError, IndexError, AttributeError):
                problem = _real_server_problem(tokens, current is not None)
                if problem is not None:
                    raise IpvsadmParseError(problem, _lineno(lines, remaining), line) from None
            continue
        # Line numbers are derived only off the hot path: enumerate() alone costs
        # a sixth of the parse time of a large table.
        lineno = _lineno(lines, remaining)
        if first in _SERVICE_KINDS:
            service = _parse_service(tokens, lineno, line)
            services.append(service)
            current = service["real_servers"]
        elif first == "Prot":
            if tokens[1:] != ["LocalAddress:Port", "Scheduler", "Flags"]:
                raise IpvsadmParseError("unsupported listing format", lineno, line)
        elif first == "IP" and lineno == 1:
            version, size = _parse_version(line, lineno)
        else:
            raise IpvsadmParseError("unknown line", lineno, line)
    return {"version": version, "conn_table_size": size, "services": services}


def _lineno(lines, remaining):
    """The 1-based number of the line just taken from the iterator `remaining` over `lines`."""
    return len(lines) - operator.length_hint(remaining)


def _parse_counters(text, first_column, fields):
    """Parse `--stats` or `--rate` output into [(service key, counters, {rs key: counters})]."""
    result = []
    current = None
    for lineno, line in enumerate(text.splitlines(), 1):
        if "T" in line:
            line = _GLUED_RE.sub(" ", line)
        tokens = line.split()
        if not tokens:
            continue
        if tokens[0] == "->":
            if tokens[1:] == ["RemoteAddress:Port"]:
                continue
            if current is None:
                raise IpvsadmParseError("real server before any service", lineno, line)
            if len(tokens) != 7:
                raise IpvsadmParseError("real server line does not have 5 counters", lineno, line)
            address, port, _family = _split_addr(tokens[1], lineno, line)
            current[(address, port)] = _counters(tokens[2:], fields, lineno, line)
        elif tokens[0] == "Prot":
            if tokens[2:3] != [first_column]:
                raise IpvsadmParseError("expected a %s column" % first_column, lineno, line)
        elif tokens[0] == "IP" and lineno == 1:
            _parse_version(line, lineno)
        else:
            identity = _service_identity(tokens, lineno, line)
            if len(tokens) != identity[-1] + 5:
                raise IpvsadmParseError("service line does not have 5 counters", lineno, line)
            current = {}
            result.append((_key(*identity[:-1]), _counters(tokens[identity[-1]:], fields, lineno, line), current))
    return result


def _counters(tokens, fields, lineno, line):
    try:
        return dict(zip(fields, map(parse_number, tokens)))
    except IpvsadmParseError as exc:
        raise IpvsadmParseError(str(exc), lineno, line) from None


def parse_stats(text):
    """Parse `ipvsadm -Ln --stats [--exact]`; see merge_counters()."""
    return _parse_counters(text, "Conns", STATS_FIELDS)


def parse_rate(text):
    """Parse `ipvsadm -Ln --rate [--exact]`; see merge_counters()."""
    return _parse_counters(text, "CPS", RATE_FIELDS)


def merge_counters(listing, name, counters):
    """Attach parsed stats or rates to the services of parse_list() under `name`.

    The two ipvsadm calls are not one snapshot: a service or real server
    added in between gets None.
    """
    by_service = {key: (values, servers) for key, values, servers in counters}
    for service in listing["services"]:
        values, servers = by_service.get(service_key(service), (None, {}))
        service[name] = values
        for server in service["real_servers"]:
            server[name] = servers.get((server["address"], server["port"]))
    return listing


def parse_timeouts(text):
    """Parse `ipvsadm -Ln --timeout` into {tcp, tcpfin, udp} (seconds)."""
    match = _TIMEOUT_RE.match(text.strip())
    if match is None:
        raise IpvsadmParseError("unknown timeout output %r" % text)
    return dict(zip(("tcp", "tcpfin", "udp"), map(int, match.groups())))


def parse_sync_daemons(text):
    """Parse `ipvsadm -Ln --daemon` into a list of {state, mcast_interface, syncid, ...}."""
    daemons = []
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        match = _DAEMON_RE.match(line)
        if match is None:
            raise IpvsadmParseError("unknown sync daemon line", lineno, line)
        daemon = {"state": match.group(1)}
        for item in match.group(2).split(", "):
            key, sep, value = item.partition("=")
            if not sep:
                raise IpvsadmParseError("bad sync daemon field %r" % item, lineno, line)
            if key == "mcast":
                key = "mcast_interface"
            daemon[key] = int(value) if key in _DAEMON_INTS else value
        daemons.append(daemon)
    return daemons


def build_info(list_text, stats_text=None, rate_text=None, timeout_text=None, daemon_text=None):
    """Everything ipvsadm_info returns as `ipvs`, from the outputs that were asked for."""
    info = parse_list(list_text)
    if stats_text is not None:
        merge_counters(info, "stats", parse_stats(stats_text))
    if rate_text is not None:
        merge_counters(info, "rate", parse_rate(rate_text))
    if timeout_text is not None:
        info["timeouts"] = parse_timeouts(timeout_text)
    if daemon_text is not None:
        info["sync_daemons"] = parse_sync_daemons(daemon_text)
    return info


def explain_failure(args, rc, stderr):
    """A message for a failed ipvsadm call: what went wrong and what to do."""
    said = " ".join(stderr.split())
    command = "ipvsadm " + " ".join(args)
    if "you must be root" in stderr or "Permission denied" in stderr:
        return ("%s: permission denied, reading the IPVS table needs root (CAP_NET_ADMIN); "
                "run the task with become: true. ipvsadm said: %s" % (command, said))
    if "Can't initialize ipvs" in stderr:
        return ("%s: IPVS is not available in this kernel; load the ip_vs module (modprobe ip_vs) "
                "or use a kernel built with IPVS (CONFIG_IP_VS). ipvsadm said: %s" % (command, said))
    return "%s failed with exit status %d. ipvsadm said: %s" % (command, rc, said or "(nothing)")
