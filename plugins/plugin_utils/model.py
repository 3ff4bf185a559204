# Copyright: (c) 2026, lvs.cluster contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The cluster data model: every variable the lvs_director role reads, with its type and default.

SPEC mirrors roles/lvs_director/meta/argument_specs.yml key by key (type, default, choices, no_log,
elements, required; test_model.py checks it), so the checks can name the exact path of a wrong
value before any role runs, and the resolver fills in the same defaults the role documents.
"""

from __future__ import annotations

# ip(value): the ipaddress object of a plain IP address (no zone index), else None.
from ansible_collections.lvs.cluster.plugins.module_utils.fields import ip_address as ip


def _option(kind, default=None, **extra):
    return dict(type=kind, default=default, **extra)


def _required(kind, **extra):
    return dict(type=kind, required=True, **extra)


HEALTH_CHECK_TYPES = ('TCP_CHECK', 'HTTP_GET', 'SSL_GET', 'MISC_CHECK', 'DNS_CHECK', 'none')
SCHEDULERS = ('rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'dh', 'sh', 'sed', 'nq', 'fo', 'ovf', 'mh', 'twos')
FORWARD_BY_LB_KIND = {'DR': 'route', 'NAT': 'masq', 'TUN': 'tunnel'}
DNS_TYPES = ('A', 'NS', 'CNAME', 'SOA', 'MX', 'TXT', 'AAAA')
# The only IPVS persistence engine in Linux (module ip_vs_pe_sip).
PERSISTENCE_ENGINES = ('sip',)

# A hook or MISC_CHECK command: a string, or a dict that also names the user it runs as. keepalived's own
# user (the default, where its version allows it: tasks/keepalived_version.yml) or root.
SCRIPT_USERS = ('root', 'keepalived_script')
SCRIPT_SPEC = {
    'command': _required('str'),
    'user': _option('str', choices=list(SCRIPT_USERS)),
}


def _script():
    return _option('raw', options=SCRIPT_SPEC)


URL_SPEC = {
    'path': _required('str'),
    'status_code': _option('raw'),
    'digest': _option('str'),
}

HEALTH_CHECK_SPEC = {
    'type': _option('str', 'TCP_CHECK', choices=list(HEALTH_CHECK_TYPES)),
    'connect_timeout': _option('float', 1),
    'retry': _option('int', 1),
    'delay_before_retry': _option('float', 0.5),
    'connect_port': _option('int'),
    'connect_ip': _option('str'),
    'url': _option('list', [], elements='dict', options=URL_SPEC),
    'misc_path': _script(),
    'misc_timeout': _option('int'),
    'dns_type': _option('str', 'SOA', choices=list(DNS_TYPES)),
    'dns_name': _option('str', '.'),
}

# A real_servers element is a string (inventory host or address) or a dict of these keys.
REAL_SERVER_SPEC = {
    'host': _option('str'),
    'address': _option('str'),
    'port': _option('int'),
    'weight': _option('int', 1),
    'health_check': _option('dict', {}, options=HEALTH_CHECK_SPEC),
    'notify_up': _script(),
    'notify_down': _script(),
}

SERVICE_SPEC = {
    'name': _option('str'),
    'vip': _option('str'),
    'fwmark': _option('int'),
    'fwmark_vips': _option('list', [], elements='str'),
    'port': _option('int'),
    'protocol': _option('str', 'TCP', choices=['TCP', 'UDP', 'SCTP']),
    'lb_algo': _option('str', 'wlc', choices=list(SCHEDULERS)),
    'lb_kind': _option('str', 'DR', choices=list(FORWARD_BY_LB_KIND)),
    'delay_loop': _option('float', 1),
    'persistence_timeout': _option('int'),
    'persistence_granularity': _option('str'),
    'persistence_engine': _option('str', choices=list(PERSISTENCE_ENGINES)),
    'scheduler_flags': _option('list', [], elements='str'),
    'ops': _option('bool', False),
    'quorum': _option('int', 1),
    'hysteresis': _option('int', 0),
    'quorum_up': _script(),
    'quorum_down': _script(),
    'sorry_server': _option('dict', options={'address': _required('str'), 'port': _option('int')}),
    'inhibit_on_failure': _option('bool', False),
    'alpha': _option('bool', False),
    'health_check': _option('dict', {}, options=HEALTH_CHECK_SPEC),
    'notify_up': _script(),
    'notify_down': _script(),
    'real_servers': _option('list', elements='raw', options=REAL_SERVER_SPEC),
}

VRRP_INSTANCE_SPEC = {
    'name': _required('str'),
    'virtual_router_id': _required('int'),
    'vips': _required('list', elements='str'),
    'interface': _option('str'),
    'advert_int': _option('float'),
    'version': _option('int', 3, choices=[2, 3]),
    'preempt': _option('bool', True),
    'preempt_delay': _option('int', 0),
    'unicast': _option('bool', False),
    'auth_pass': _option('str', no_log=True),
    'state': _option('str', choices=['MASTER', 'BACKUP']),
    'preferred_director': _option('str'),
    'track_interfaces': _option('list', [], elements='str'),
    'notify': _script(),
    'notify_master': _script(),
    'notify_backup': _script(),
    'notify_fault': _script(),
}
# The instance's notify hooks, as keepalived names them.
NOTIFY_HOOKS = ('notify', 'notify_master', 'notify_backup', 'notify_fault')
# A real server's hooks (a service's apply to each of its real servers).
REAL_SERVER_HOOKS = ('notify_up', 'notify_down')
# A service's hooks for its quorum.
QUORUM_HOOKS = ('quorum_up', 'quorum_down')

SYNC_GROUP_SPEC = {
    'name': _required('str'),
    'instances': _required('list', elements='str'),
}

SYNC_DAEMON_SPEC = {
    'enabled': _option('bool', False),
    'interface': _option('str'),
    'instance': _option('str'),
    'id': _option('int'),
}

# The role's own default of lvs_director_interface; host_checks.py evaluates it from a director's facts.
DEFAULT_INTERFACE_TEMPLATE = "{{ ansible_facts['default_ipv4']['interface'] | default('eth0') }}"
DEFAULT_INTERFACE_FALLBACK = 'eth0'

SPEC = {
    'lvs_director_state': _option('str', 'present', choices=['present', 'absent']),
    'lvs_director_group': _option('str', 'lvs_directors'),
    'lvs_director_realserver_group': _option('str', 'lvs_realservers'),
    'lvs_director_address': _option('str'),
    'lvs_director_priority': _option('int'),
    'lvs_director_interface': _option('str', DEFAULT_INTERFACE_TEMPLATE),
    'lvs_director_vrrp_instances': _option('list', [], elements='dict', options=VRRP_INSTANCE_SPEC),
    'lvs_director_vrrp_sync_groups': _option('list', [], elements='dict', options=SYNC_GROUP_SPEC),
    'lvs_director_virtual_services': _option('list', [], elements='dict', options=SERVICE_SPEC),
    'lvs_director_router_id': _option('str', '{{ inventory_hostname_short }}'),
    'lvs_director_max_auto_priority': _option('int', 50),
    'lvs_director_garp_master_delay': _option('int', 1),
    'lvs_director_garp_master_repeat': _option('int', 3),
    'lvs_director_garp_master_refresh': _option('int', 60),
    'lvs_director_sync_daemon': _option('dict', {'enabled': False, 'interface': None, 'instance': None, 'id': None},
                                        options=SYNC_DAEMON_SPEC),
    'lvs_director_sysctl': _option('dict', {'net.ipv4.vs.expire_nodest_conn': 1,
                                            'net.ipv4.vs.expire_quiescent_template': 1}),
    'lvs_director_verify': _option('bool', True),
    'lvs_director_verify_timeout': _option('int', 30),
}


def defaults(spec):
    """{key: default} of the optional keys of a spec (required keys have none)."""
    return {key: option.get('default') for key, option in spec.items() if not option.get('required')}


SERVICE_DEFAULTS = defaults(SERVICE_SPEC)
HEALTH_CHECK_DEFAULTS = defaults(HEALTH_CHECK_SPEC)
URL_DEFAULTS = {'path': None} | defaults(URL_SPEC)
REAL_SERVER_DEFAULTS = defaults(REAL_SERVER_SPEC)
VRRP_INSTANCE_DEFAULTS = {'name': None, 'virtual_router_id': None, 'vips': []} | defaults(VRRP_INSTANCE_SPEC)
SYNC_DAEMON_DEFAULTS = defaults(SYNC_DAEMON_SPEC)


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
