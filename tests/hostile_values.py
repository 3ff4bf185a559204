# Copyright: lvs.cluster founders (@lvs-cluster)
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The hostile values of issue 27 and a cluster description that sets every string option, for the tiers that
put them into every option of plugins/plugin_utils/field_rules.KINDS: tests/unit/plugins/plugin_utils
(check_cluster) and tests/render (the role's preflight).

FULL fits the render tier's inventory (tests/render/inventory-base.yml): lb1 and lb2 direct, rs1 and rs2 serve.
"""

from __future__ import annotations

import copy

HOSTILE = ('\n', '}', '"', '#', '!')
# The hostile characters a kind keeps: the role writes these kinds in double quotes (a service name in a
# comment, a sysctl value after its key), where keepalived reads them whole (tests/render reads them back
# from keepalived's own dump).
ALLOWED = {'label': '}"#!', 'command': '}#!', 'url_path': '!', 'auth_pass': '}#!', 'sysctl_value': '}"#!'}
# A fitting value of each kind: a hostile value is its start, the character, then 'x'.
GOOD = {'label': 'web', 'word': 'lb1', 'keepalived_name': 'VI_X', 'interface': 'eth0', 'address': '192.0.2.100',
        'command': '/bin/true x', 'url_path': '/ready', 'dns_name': 'example.org', 'auth_pass': 'pw',
        'status_code': '200', 'md5': '0' * 32, 'sysctl_key': 'net.ipv4.ip_forward', 'sysctl_value': '1'}

CHECK = {'type': 'HTTP_GET', 'connect_ip': '192.0.2.21', 'url': [{'path': '/', 'status_code': 200, 'digest': '0' * 32}],
         'misc_path': {'command': '/bin/check', 'user': 'root'}, 'dns_name': 'example.org'}
# Every option of the description set, and valid (test_field_rules.py: test_the_full_description_is_valid).
FULL = {
    'lvs_director_group': 'lvs_directors',
    'lvs_director_realserver_group': 'lvs_realservers',
    'lvs_director_vrrp_instances': [
        {'name': 'VI_WEB', 'virtual_router_id': 51, 'vips': ['192.0.2.100'], 'interface': 'eth0', 'version': 2,
         'auth_pass': 'pw', 'unicast': True, 'preferred_director': 'lb1', 'track_interfaces': ['eth1'],
         'notify': {'command': '/bin/notify', 'user': 'root'}, 'notify_master': '/bin/master',
         'notify_backup': '/bin/backup', 'notify_fault': '/bin/fault', 'notify_stop': '/bin/stop',
         'track_scripts': ['chk_proxy']},
        {'name': 'VI_GW', 'virtual_router_id': 52, 'vips': ['192.0.2.254'], 'preferred_director': 'lb1'}],
    'lvs_director_vrrp_scripts': [{'name': 'chk_proxy', 'script': {'command': '/bin/check proxy', 'user': 'root'},
                                   'interval': 2, 'timeout': 2, 'weight': -20, 'rise': 2, 'fall': 2}],
    'lvs_director_vrrp_sync_groups': [{'name': 'VG_NAT', 'instances': ['VI_WEB', 'VI_GW']}],
    'lvs_director_virtual_services': [
        {'name': 'web', 'vip': '192.0.2.100', 'port': 80, 'lb_algo': 'sh', 'scheduler_flags': ['sh-port'],
         'persistence_timeout': 60, 'persistence_granularity': '255.255.255.0',
         'sorry_server': {'address': '192.0.2.50'}, 'quorum_up': '/bin/up', 'quorum_down': {'command': '/bin/down'},
         'notify_up': '/bin/rs up', 'notify_down': '/bin/rs down', 'health_check': CHECK,
         'real_servers': [{'host': 'rs1', 'address': '192.0.2.21', 'notify_up': '/bin/one up',
                           'notify_down': {'command': '/bin/one down'}, 'health_check': CHECK}, 'rs2']},
        {'name': 'mark', 'fwmark': 1, 'fwmark_vips': ['192.0.2.100'], 'health_check': {'connect_port': 80}}],
    'lvs_director_sync_daemon': {'enabled': True, 'interface': 'eth0', 'instance': 'VI_WEB'},
    'lvs_director_sysctl': {'net.ipv4.vs.expire_nodest_conn': 1},
    # Set, and checked, in any mode; announced in lvs_director_mode ecmp only.
    'lvs_director_mode': 'vrrp',
    'lvs_director_bgp': {'asn': 64501, 'peers': [{'address': '192.0.2.1', 'asn': 64500}]},
}
# Host variables, set for lb1, and the path their errors name. lvs_director_address is rendered as a unicast
# peer only, and checked there.
HOST_PATHS = {'lvs_director_interface': 'lvs_director_interface of lb1',
              'lvs_director_router_id': 'lvs_director_router_id of lb1',
              'lvs_director_address': 'lvs_director_vrrp_instances[0].unicast'}
# Strings that must also name something (an inventory host, a director): a character the kind keeps still
# fails that check, at the same path.
NAMES = {'lvs_director_virtual_services[].real_servers[]', 'lvs_director_virtual_services[].real_servers[].host',
         'lvs_director_vrrp_instances[].preferred_director'}

# The url.path of issue 27: it passed every check, and the role rendered a brace-balanced keepalived.conf with a
# new virtual_server whose MISC_CHECK ran a command as root.
EXPLOIT = ("/\n}\n}\n}\n}\nvirtual_server 198.51.100.9 1 {\nreal_server 10.9.9.9 1 {\nMISC_CHECK {\n"
           "misc_path \"/bin/sh -c 'id > /root/pwned'\"\n}\n}\n}\nvirtual_server 192.0.2.100 80 {\nreal_server "
           "192.0.2.21 80 {\nHTTP_GET {\nurl {\npath /")


def hostile(kind, char):
    return f'{GOOD[kind][:4]}{char}x'


def full():
    return copy.deepcopy(FULL)


def put(description, spec_path, value):
    """Set the option at spec_path to value and return its concrete path. At a [] the element is the first one
    that has the next key, or for the last [] the first string; a missing or scalar level on the way becomes a
    dict."""
    tokens = spec_path.replace('[]', '.[]').split('.')
    node, concrete = description, []
    for token, following in zip(tokens, tokens[1:] + [None]):
        if token == '[]':
            wanted = (lambda item: isinstance(item, str)) if following is None else (
                lambda item: isinstance(item, dict) and following in item)
            key = next((number for number, item in enumerate(node) if wanted(item)), 0)
            concrete[-1] += f'[{key}]'
        else:
            key = token
            concrete.append(token)
        if following is None:
            node[key] = value
        else:
            if not isinstance(node[key] if token == '[]' else node.get(key), (dict, list)):
                node[key] = {}
            node = node[key]
    return '.'.join(concrete)
