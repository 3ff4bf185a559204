# Copyright: (c) 2026, lvs.cluster contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The checks of the whole cluster description, and of the real-server role's own variables, before any host
changes.

check_cluster returns one message per problem, each starting with the path of the wrong value
(lvs_director_virtual_services[2].real_servers[1].weight) and ending with the fix. First the structure
(structure.py: types, unknown keys, required keys, choices, field rules) is checked; only entries with a sound
structure go on to the checks of the services (service_checks.py), of VRRP (vrrp_checks.py) and against the
inventory and the facts (host_checks.py), so no input can make the checks raise. docs/data-model.md lists every
check.
"""

from __future__ import annotations

from collections.abc import Mapping

from ansible_collections.lvs.cluster.plugins.plugin_utils.ecmp_checks import check_ecmp
from ansible_collections.lvs.cluster.plugins.plugin_utils.field_rules import HOST_VARIABLES, check_host_values
from ansible_collections.lvs.cluster.plugins.plugin_utils.host_checks import (
    check_addresses, check_interfaces, check_unknown_variables)
from ansible_collections.lvs.cluster.plugins.plugin_utils.messages import Errors, check_range
from ansible_collections.lvs.cluster.plugins.plugin_utils.model import (
    DIRECTOR_GROUP, REALSERVER_GROUP, REALSERVER_SPEC, is_int)
from ansible_collections.lvs.cluster.plugins.plugin_utils.resolve import members
from ansible_collections.lvs.cluster.plugins.plugin_utils.service_checks import check_forwarding, check_services
from ansible_collections.lvs.cluster.plugins.plugin_utils.structure import (
    as_ansible_converts, check_host_types, check_variables, sound_entries, sound_value)
from ansible_collections.lvs.cluster.plugins.plugin_utils.vrrp_checks import (
    check_instances, check_priorities, check_sync_daemon, check_sync_groups, check_vrrp_scripts)

# The variables check_cluster takes one by one, and those it checks per director (priorities, unicast addresses).
CHECKED_APART = ('lvs_director_mode', 'lvs_director_bgp', 'lvs_director_virtual_services',
                 'lvs_director_vrrp_instances', 'lvs_director_vrrp_scripts',
                 'lvs_director_vrrp_sync_groups', 'lvs_director_sync_daemon', 'lvs_director_sysctl',
                 'lvs_director_group', 'lvs_director_realserver_group', 'lvs_director_priority',
                 'lvs_director_address', *HOST_VARIABLES)


def _mapping(value):
    return value if isinstance(value, Mapping) else {}


def _context(hostvars, groups, director_group, realserver_group, interfaces):
    """What the checks read besides the description; the instances' checks fill in vips and vip_paths."""
    return {
        'hostvars': hostvars, 'groups': groups, 'director_group': director_group,
        'realserver_group': realserver_group, 'directors': members(groups, director_group),
        'default_members': members(groups, realserver_group), 'interfaces': interfaces,
        'vips': {}, 'vip_paths': {},
    }


def check_cluster(services, vrrp_instances, hostvars, groups, director_group=DIRECTOR_GROUP,
                  realserver_group=REALSERVER_GROUP, sync_daemon=None, sysctl=None, interfaces=None,
                  sync_groups=None, router_ids=None, variables=None, vrrp_scripts=None, mode='vrrp', bgp=None):
    """Check the whole cluster description; a list of errors, each naming the variable path and the fix.

    variables: every lvs_director_* variable as the role sees it; those not given one by one are type-checked.
    """
    errors = Errors()
    check_variables(_mapping(variables), errors, apart=CHECKED_APART)
    director_group = sound_value(director_group, 'lvs_director_group', errors) or DIRECTOR_GROUP
    realserver_group = sound_value(realserver_group, 'lvs_director_realserver_group', errors) or REALSERVER_GROUP
    context = _context(_mapping(hostvars), _mapping(groups), director_group, realserver_group, _mapping(interfaces))
    context['mode'] = sound_value(mode, 'lvs_director_mode', errors) or 'vrrp'
    bgp = sound_value(bgp, 'lvs_director_bgp', errors)
    sound_services = sound_entries(services, 'lvs_director_virtual_services', errors)
    sound_instances = sound_entries(vrrp_instances, 'lvs_director_vrrp_instances', errors)
    sound_scripts = sound_entries(vrrp_scripts, 'lvs_director_vrrp_scripts', errors)
    sound_groups = sound_entries(sync_groups, 'lvs_director_vrrp_sync_groups', errors)
    sync_daemon = sound_value(sync_daemon, 'lvs_director_sync_daemon', errors)
    sysctl = sound_value(sysctl, 'lvs_director_sysctl', errors)

    given = {'lvs_director_interface': context['interfaces'], 'lvs_director_router_id': _mapping(router_ids)}
    check_host_types(context['directors'], context['hostvars'], given, errors)
    check_unknown_variables(context, errors)
    check_priorities(context, errors)
    check_host_values(context['directors'], context['hostvars'], given, errors)
    check_instances(vrrp_instances, sound_instances, context, errors)
    check_vrrp_scripts(vrrp_scripts, sound_scripts, vrrp_instances, sound_instances, errors)
    check_sync_groups(sound_groups, {str(instance['name']): instance for _number, instance in sound_instances}, errors)
    resolved = check_services(services, sound_services, context, errors)
    check_sync_daemon(sync_daemon, sound_instances, errors)
    check_interfaces(sound_instances, sync_daemon, context, errors)
    check_addresses(context, resolved, errors)
    check_forwarding(resolved, sysctl, errors)
    check_ecmp(context['mode'], bgp, resolved, sound_instances, errors)
    check_metrics_port(as_ansible_converts(_mapping(variables).get('lvs_director_metrics_port'), 'int'), errors)
    return list(errors)


def check_metrics_port(port, errors):
    """The port the metrics service binds (a value of another type was reported by check_variables)."""
    if is_int(port):
        check_range(port, 'lvs_director_metrics_port', 1, 65535, errors)


def check_realserver(options, services=None, realserver_group=None):
    """The lvs_realserver role's own variables (options: {lvs_realserver_*: value}; an empty string is unset, as its
    defaults write it) and the structure of the cluster variables it reads, before it resolves them."""
    errors = Errors()
    check_variables({name: value for name, value in options.items() if value != ''}, errors, spec=REALSERVER_SPEC)
    sound_value(realserver_group, 'lvs_director_realserver_group', errors)
    sound_entries(services, 'lvs_director_virtual_services', errors)
    return list(errors)
