# -*- coding: utf-8 -*-
# Copyright: lvs.cluster founders (@lvs-cluster)
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A director's metrics in the Prometheus text format (standard library and ipvsadm.py only: the role installs
both files on the directors, where lvs-director-metrics.service serves them).

Each scrape reads the live state: the IPVS table and its counters (`ipvsadm -Ln`, `ipvsadm -Ln --stats
--exact`, parsed as ipvsadm_info parses them), the addresses the director holds (`ip -j address show`) and
whether keepalived runs. The role's configuration file names what should be there: each service with its
real servers, each VRRP instance with its VIPs.

Usage on a director: director_metrics.py serve CONFIG ADDRESS PORT
"""

from __future__ import annotations

import ipaddress
import json
import os
import socket
import subprocess
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

try:
    from ansible_collections.lvs.cluster.plugins.module_utils import ipvsadm
except ImportError:  # on a director, installed beside ipvsadm.py
    import ipvsadm  # type: ignore[no-redef]

CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8'
KEEPALIVED_PID = '/run/keepalived.pid'
# Each counter of `ipvsadm -Ln --stats` (ipvsadm.STATS_FIELDS) and its metric name after lvs_service_ or
# lvs_real_server_.
COUNTERS = (('connections', 'connections_total', 'Connections scheduled'),
            ('packets_in', 'packets_in_total', 'Packets in'), ('packets_out', 'packets_out_total', 'Packets out'),
            ('bytes_in', 'bytes_in_total', 'Bytes in'), ('bytes_out', 'bytes_out_total', 'Bytes out'))
GAUGES = (('active_connections', 'active_connections', 'Active connections (ESTABLISHED for TCP)'),
          ('inactive_connections', 'inactive_connections', 'Inactive connections (any other state)'),
          ('weight', 'weight', 'Weight in the IPVS table'))


def endpoint(address, port):
    """address:port, with an IPv6 address in brackets."""
    text = str(ipaddress.ip_address(address))
    return '[%s]:%d' % (text, int(port)) if ':' in text else '%s:%d' % (text, int(port))


def service_label(protocol, address=None, port=None, fwmark=None, family='ipv4'):
    """How the metrics name a service: tcp/192.0.2.100:80, udp/[2001:db8::1]:53, fwm/1, fwm6/1 (IPv6)."""
    if protocol == 'fwm':
        return '%s/%d' % ('fwm6' if family == 'ipv6' else 'fwm', int(fwmark))
    return '%s/%s' % (protocol, endpoint(address, port))


def _escape(value):
    return str(value).replace('\\', '\\\\').replace('"', '\\"').replace('\n', '\\n')


class Exposition:
    """Metric families in the text format, each with its HELP and TYPE lines once."""

    def __init__(self):
        self.families = {}

    def add(self, name, kind, text, labels, value):
        family = self.families.setdefault(name, (kind, text, []))
        pairs = ','.join('%s="%s"' % (key, _escape(item)) for key, item in labels.items())
        family[2].append('%s{%s} %s' % (name, pairs, value) if pairs else '%s %s' % (name, value))

    def text(self):
        lines = []
        for name, (kind, text, samples) in self.families.items():
            lines += ['# HELP %s %s' % (name, text), '# TYPE %s %s' % (name, kind)] + samples
        return '\n'.join(lines) + '\n'


def _table(info):
    """{service label: (service, {real server label: real server})} of parsed ipvsadm output."""
    table = {}
    for service in info['services']:
        label = service_label(service['protocol'], service['address'], service['port'], service['fwmark'],
                              service['family'])
        table[label] = (service, {endpoint(rs['address'], rs['port']): rs for rs in service['real_servers']})
    return table


def _ipvs(out, table):
    for label, (service, servers) in table.items():
        for key, name, text in COUNTERS:
            value = (service.get('stats') or {}).get(key)
            if value is not None:
                out.add('lvs_service_' + name, 'counter', text + ' by the service', {'service': label}, value)
        for server_label, server in servers.items():
            labels = {'service': label, 'real_server': server_label}
            for key, name, text in COUNTERS:
                value = (server.get('stats') or {}).get(key)
                if value is not None:
                    out.add('lvs_real_server_' + name, 'counter', text + ' by the real server', labels, value)
            for key, name, text in GAUGES:
                out.add('lvs_real_server_' + name, 'gauge', text, labels, server[key])


def _health(out, table, services):
    """A configured real server is up while it is in the table with a weight above 0: keepalived's checks
    pass (it removes a failed one, or sets its weight to 0 with inhibit_on_failure) and it is not drained."""
    for label, configured in services.items():
        servers = table.get(label, (None, {}))[1]
        up = {name: int(servers.get(name, {}).get('weight', 0) > 0) for name in configured}
        for name, value in up.items():
            out.add('lvs_real_server_up', 'gauge', 'Configured real server in the table with a weight above 0',
                    {'service': label, 'real_server': name}, value)
        out.add('lvs_service_real_servers_up', 'gauge', 'Configured real servers of the service that are up',
                {'service': label}, sum(up.values()))
        out.add('lvs_service_real_servers', 'gauge', 'Configured real servers of the service',
                {'service': label}, len(configured))


def _vrrp(out, instances, addresses):
    """An instance is MASTER on the director that holds every one of its VIPs: keepalived adds them when it
    becomes MASTER and removes them when it leaves MASTER or stops."""
    for name, vips in instances.items():
        held = all(str(ipaddress.ip_address(vip)) in addresses for vip in vips)
        out.add('lvs_vrrp_master', 'gauge', 'This director holds every VIP of the VRRP instance',
                {'vrrp_instance': name}, int(held))


def exposition(config, info, addresses, keepalived_up):
    """The metrics text. config: {'services': {label: [real server labels]}, 'instances': {name: [VIPs]}}; info:
    ipvsadm.build_info() of the list and stats outputs, or None when they could not be read; addresses: the
    director's addresses as text."""
    out = Exposition()
    out.add('lvs_keepalived_up', 'gauge', 'keepalived runs on this director', {}, int(keepalived_up))
    out.add('lvs_ipvs_up', 'gauge', 'The IPVS table could be read', {}, int(info is not None))
    table = _table(info) if info is not None else {}
    _ipvs(out, table)
    _health(out, table, config.get('services', {}))
    _vrrp(out, config.get('instances', {}), addresses)
    return out.text()


def local_addresses(ip_json):
    """The addresses of `ip -j address show`, in canonical text."""
    return {str(ipaddress.ip_address(entry['local'])) for link in json.loads(ip_json or '[]')
            for entry in link.get('addr_info', []) if 'local' in entry}


def keepalived_running(pid_file=KEEPALIVED_PID):
    try:
        with open(pid_file, encoding='utf-8') as handle:
            return os.path.exists('/proc/%d' % int(handle.read().split()[0]))
    except (OSError, ValueError, IndexError):
        return False


def _run(argv):
    # A program of its own on the director, with no AnsibleModule and its run_command.
    return subprocess.run(argv, capture_output=True, text=True,  # pylint: disable=ansible-bad-function
                          env={'LC_ALL': 'C', 'PATH': os.environ.get('PATH', '/usr/sbin:/usr/bin:/sbin:/bin')},
                          timeout=10, check=False)


def scrape(config):
    """The metrics text of this director now."""
    listing, stats = _run(['ipvsadm'] + list(ipvsadm.LIST_ARGS)), _run(['ipvsadm'] + list(ipvsadm.STATS_ARGS))
    try:
        info = ipvsadm.build_info(listing.stdout, stats_text=stats.stdout) if (
            listing.returncode == 0 and stats.returncode == 0) else None
    except ipvsadm.IpvsadmParseError:
        info = None
    addresses = local_addresses(_run(['ip', '-j', 'address', 'show']).stdout)
    return exposition(config, info, addresses, keepalived_running())


def handler(config):
    class Metrics(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            if self.path.split('?', 1)[0] != '/metrics':
                self.send_error(404, 'only /metrics is here')
                return
            body = scrape(config).encode('utf-8')
            self.send_response(200)
            self.send_header('Content-Type', CONTENT_TYPE)
            self.send_header('Content-Length', str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format, *args):  # noqa: A002 (http.server's signature)
            pass  # one line per scrape would fill the journal

    return Metrics


def main(argv=None):
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 4 or args[0] != 'serve':
        sys.stderr.write('usage: director_metrics.py serve CONFIG ADDRESS PORT\n')
        return 2
    with open(args[1], encoding='utf-8') as handle:
        config = json.load(handle)
    address, port = args[2], int(args[3])

    class Server(ThreadingHTTPServer):
        address_family = socket.AF_INET6 if ':' in address else socket.AF_INET

    Server((address, port), handler(config)).serve_forever()
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
