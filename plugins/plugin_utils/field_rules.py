# Copyright: (c) 2026, lvs.cluster contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The kind of every string of the cluster description, and the check that applies it.

KINDS gives every string option, list of strings and free-form option of model.SPEC and model.REALSERVER_SPEC
(by its path, [] for any list index) a kind of plugins/module_utils/fields.py: what the value may hold where the role writes
it. Options with choices need none. A raw option with keys takes a string only where it has a kind here (its
string form: a script's command, a real server's host or address). test_field_rules.py fails when an option of
SPEC has no entry here, so a new option cannot skip its rule. structure.check_value applies the kind to every
value whose type it accepted.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from ansible_collections.lvs.cluster.plugins.module_utils import fields
from ansible_collections.lvs.cluster.plugins.plugin_utils.model import NOTIFY_HOOKS, is_number
from ansible_collections.lvs.cluster.plugins.plugin_utils.resolve import hostvar

SERVICE = 'lvs_director_virtual_services[]'
INSTANCE = 'lvs_director_vrrp_instances[]'


def _script(path):
    """A hook or misc_path: a command, or a dict of the command and the user (choices) it runs as."""
    return {path: 'command', f'{path}.command': 'command'}


HEALTH_CHECK = {
    'connect_ip': 'address', 'url[].path': 'url_path', 'url[].status_code': 'status_code', 'url[].digest': 'md5',
    'dns_name': 'dns_name', **_script('misc_path'),
}
SERVICE_KINDS = {
    'name': 'label', 'vip': 'address', 'fwmark_vips[]': 'address', 'persistence_granularity': 'word',
    'scheduler_flags[]': 'word', 'sorry_server.address': 'address',
    # A string element names an inventory host or gives an address; only resolved addresses are rendered.
    'real_servers[]': 'label', 'real_servers[].host': 'label', 'real_servers[].address': 'address',
    **_script('quorum_up'), **_script('quorum_down'), **_script('notify_up'), **_script('notify_down'),
    **_script('real_servers[].notify_up'), **_script('real_servers[].notify_down'),
    **{f'health_check.{key}': kind for key, kind in HEALTH_CHECK.items()},
    **{f'real_servers[].health_check.{key}': kind for key, kind in HEALTH_CHECK.items()},
}
INSTANCE_KINDS = {
    'name': 'keepalived_name', 'vips[]': 'address', 'interface': 'interface', 'auth_pass': 'auth_pass',
    'preferred_director': 'label', 'track_interfaces[]': 'interface', 'track_scripts[]': 'keepalived_name',
    **{key: kind for hook in NOTIFY_HOOKS for key, kind in _script(hook).items()},
}
KINDS = {
    'lvs_director_group': 'word',
    'lvs_director_realserver_group': 'word',
    'lvs_director_address': 'address',
    'lvs_director_interface': 'interface',
    'lvs_director_router_id': 'word',
    'lvs_director_metrics_address': 'address',
    'lvs_director_bgp.peers[].address': 'address',
    'lvs_director_vrrp_scripts[].name': 'keepalived_name',
    **_script('lvs_director_vrrp_scripts[].script'),
    'lvs_director_vrrp_sync_groups[].name': 'keepalived_name',
    'lvs_director_vrrp_sync_groups[].instances[]': 'keepalived_name',
    'lvs_director_sync_daemon.interface': 'interface',
    'lvs_director_sync_daemon.instance': 'keepalived_name',
    # A dict of sysctl keys and their values.
    'lvs_director_sysctl': 'sysctl',
    **{f'{INSTANCE}.{key}': kind for key, kind in INSTANCE_KINDS.items()},
    **{f'{SERVICE}.{key}': kind for key, kind in SERVICE_KINDS.items()},
    # The lvs_realserver role's own (model.REALSERVER_SPEC).
    'lvs_realserver_address': 'address',
    'lvs_realserver_address6': 'address',
    'lvs_realserver_vips[]': 'address',
    'lvs_realserver_tun_vips[]': 'address',
    'lvs_realserver_arp_interfaces[]': 'interface',
    'lvs_realserver_nat_gateway': 'address',
}
# What the string form of a free-form option is, for the message when it is neither a string nor a dict.
STRING_FORMS = {'command': 'a command', 'label': 'an inventory host or an address'}
# Variables that can differ per director: the value the role would render for each one is checked.
# lvs_director_address is rendered with unicast only, where vrrp_checks._check_unicast checks every peer's address.
HOST_VARIABLES = ('lvs_director_interface', 'lvs_director_router_id')


def spec_path(path):
    """'lvs_director_virtual_services[2].real_servers[0].port' -> 'lvs_director_virtual_services[].real_servers[].port'"""
    return re.sub(r'\[\d+\]', '[]', path)


def _add(errors, path, problem):
    if problem:
        errors.add_value(path, problem)


def check_field(value, path, errors):
    """Check one typed value (a string, a dict of sysctls or a free-form value) against the kind of its option."""
    kind = KINDS.get(spec_path(path))
    if kind == 'sysctl':
        for key, setting in value.items():
            where = f"{path}.{key}" if str(key).isprintable() else f"{path}[{str(key)!r}]"
            _add(errors, where, fields.sysctl_key(key) or fields.sysctl_value(setting))
    elif isinstance(value, (list, tuple)) and kind is not None:
        for number, item in enumerate(value):
            _add(errors, f"{path}[{number}]", fields.KINDS[kind](item))
    elif kind is not None and not isinstance(value, Mapping):
        _add(errors, path, fields.KINDS[kind](value))


def check_host_values(directors, hostvars, given, errors):
    """HOST_VARIABLES of each director: given ({variable: {director: value}}, for role parameters that the
    hostvars lack), else its host variable; the router_id falls back to the short inventory name, as the
    role's default does. A value of another type than a string was reported by structure.check_host_types."""
    for host in directors:
        for variable in HOST_VARIABLES:
            value = (given.get(variable) or {}).get(host, hostvar(hostvars, host, variable))
            if value is None and variable == 'lvs_director_router_id':
                value = str(host).split('.', 1)[0]
            if isinstance(value, str) or is_number(value):
                _add(errors, f"{variable} of {host}", fields.KINDS[KINDS[variable]](value))
