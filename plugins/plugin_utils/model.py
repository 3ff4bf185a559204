# Copyright: (c) 2026, lvs.cluster contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The cluster data model: every variable of the roles, with its type and default, from their argument specs.

The roles' argument specs (roles/<role>/meta/argument_specs.yml) are the one place an option is written: its
type, default, choices, required keys and description. SPEC is the director role's, read here without the
descriptions, so the checks name the exact path of a wrong value before any role runs and the resolver fills in
the defaults the role documents; `make docs` writes the reference pages and the roles' defaults/main.yml from
the same files. roles/ is beside plugins/ in a checkout and in an installed collection alike.
"""

from __future__ import annotations

import os

import yaml

# ip(value): the ipaddress object of a plain IP address (no zone index), else None.
from ansible_collections.lvs.cluster.plugins.module_utils.fields import ip_address as ip

ROLES = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), 'roles')
# What the checks read of an option; the rest (description, version_added) is documentation.
SPEC_KEYS = ('type', 'default', 'required', 'choices', 'elements', 'options', 'no_log')


def bare(options):
    """An argument spec without its documentation; an optional key without a default has default None."""
    spec = {}
    for key, option in options.items():
        entry = {name: option[name] for name in SPEC_KEYS if name in option}
        if 'options' in entry:
            entry['options'] = bare(entry['options'])
        if not entry.get('required'):
            entry.setdefault('default', None)
        spec[key] = entry
    return spec


def argument_spec(role):
    """The options of a role's main entry point, as its meta/argument_specs.yml writes them."""
    with open(os.path.join(ROLES, role, 'meta', 'argument_specs.yml'), encoding='utf-8') as handle:
        return yaml.load(handle, Loader=getattr(yaml, 'CSafeLoader', yaml.SafeLoader))['argument_specs']['main']['options']


def defaults(spec):
    """{key: default} of the optional keys of a spec (required keys have none)."""
    return {key: option.get('default') for key, option in spec.items() if not option.get('required')}


SPEC = bare(argument_spec('lvs_director'))
REALSERVER_SPEC = bare(argument_spec('lvs_realserver'))

SERVICE_SPEC = SPEC['lvs_director_virtual_services']['options']
HEALTH_CHECK_SPEC = SERVICE_SPEC['health_check']['options']
URL_SPEC = HEALTH_CHECK_SPEC['url']['options']
REAL_SERVER_SPEC = SERVICE_SPEC['real_servers']['options']
VRRP_INSTANCE_SPEC = SPEC['lvs_director_vrrp_instances']['options']
VRRP_SCRIPT_SPEC = SPEC['lvs_director_vrrp_scripts']['options']

SERVICE_DEFAULTS = defaults(SERVICE_SPEC)
HEALTH_CHECK_DEFAULTS = defaults(HEALTH_CHECK_SPEC)
URL_DEFAULTS = {'path': None} | defaults(URL_SPEC)
REAL_SERVER_DEFAULTS = defaults(REAL_SERVER_SPEC)
VRRP_INSTANCE_DEFAULTS = {'name': None, 'virtual_router_id': None, 'vips': []} | defaults(VRRP_INSTANCE_SPEC)
VRRP_SCRIPT_DEFAULTS = defaults(VRRP_SCRIPT_SPEC)
DIRECTOR_GROUP = SPEC['lvs_director_group']['default']
REALSERVER_GROUP = SPEC['lvs_director_realserver_group']['default']

SCHEDULERS = tuple(SERVICE_SPEC['lb_algo']['choices'])
# The forwarding method of each lb_kind, as ipvsadm -Ln names it.
FORWARD_BY_LB_KIND = {'DR': 'route', 'NAT': 'masq', 'TUN': 'tunnel'}
# The instance's notify hooks, as keepalived names them.
NOTIFY_HOOKS = ('notify', 'notify_master', 'notify_backup', 'notify_fault', 'notify_stop')
# A real server's hooks (a service's apply to each of its real servers).
REAL_SERVER_HOOKS = ('notify_up', 'notify_down')
# A service's hooks for its quorum.
QUORUM_HOOKS = ('quorum_up', 'quorum_down')
# What the role's default of lvs_director_interface gives without a default route.
DEFAULT_INTERFACE_FALLBACK = 'eth0'


def norm_address(value):
    """The canonical text of an IP address (value itself when it is none)."""
    address = ip(value)
    return str(address) if address is not None else value


def endpoint(address, port):
    """address:port, with the address in brackets when it is IPv6."""
    address = norm_address(address)
    return f"[{address}]:{port}" if ':' in address else f"{address}:{port}"


def is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)
