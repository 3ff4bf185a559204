"""A small valid cluster description (two directors, two real servers, one instance, one service), the helpers that
change it and run check_cluster on it, for the tests of plugins/plugin_utils."""

from __future__ import annotations

import copy

from ansible_collections.lvs.cluster.plugins.plugin_utils.checks import check_cluster


HOSTVARS = {
    'lb1': {'ansible_host': '192.0.2.2'},
    'lb2': {'ansible_host': '192.0.2.3', 'lvs_director_address': '192.0.2.13'},
    'rs1': {'ansible_host': '192.0.2.21'},
    'rs2': {'ansible_host': '10.9.9.9', 'lvs_realserver_address': '192.0.2.22'},
    'rs3': {},
}


GROUPS = {'all': list(HOSTVARS), 'lvs_directors': ['lb1', 'lb2'], 'lvs_realservers': ['rs1', 'rs2']}


def instances(**changes):
    instance = {'name': 'VI_WEB', 'virtual_router_id': 51, 'vips': ['192.0.2.100', '192.0.2.101']}
    instance.update(changes)
    return [instance]


def services(*extra, **changes):
    service = {'name': 'web', 'vip': '192.0.2.100', 'port': 80}
    service.update(changes)
    return [service, *extra]


def realserver_options():
    """The lvs_realserver role's variables, valid, with an element in each list."""
    return {'lvs_realserver_state': 'present', 'lvs_realserver_address': '192.0.2.21',
            'lvs_realserver_address6': '2001:db8::21', 'lvs_realserver_vips': ['192.0.2.100'],
            'lvs_realserver_tun_vips': ['192.0.2.101'], 'lvs_realserver_arp_interfaces': ['eth0'],
            'lvs_realserver_tun_rp_filter': 2, 'lvs_realserver_nat_gateway': '192.0.2.1',
            'lvs_realserver_verify_ports': False}


def errors_of(svcs=None, vrrp=None, hostvars=None, groups=None, **kwargs):
    return check_cluster(services() if svcs is None else svcs, instances() if vrrp is None else vrrp,
                         HOSTVARS if hostvars is None else hostvars, GROUPS if groups is None else groups, **kwargs)


def only_error(*args, **kwargs):
    errors = errors_of(*args, **kwargs)
    assert len(errors) == 1, errors
    return errors[0]


def facts(interfaces, default='eth0'):
    """ansible_facts as setup gathers them (subset network), for {name: [(address, prefix)]}."""
    gathered = {'interfaces': list(interfaces), 'default_ipv4': {'interface': default}}
    for name, addresses in interfaces.items():
        v4 = [{'address': a, 'prefix': str(p)} for a, p in addresses if ':' not in a]
        gathered[name] = {'ipv4': v4[0] if v4 else None, 'ipv4_secondaries': v4[1:],
                          'ipv6': [{'address': a, 'prefix': str(p)} for a, p in addresses if ':' in a]}
    return gathered


def with_facts(**by_host):
    hostvars = copy.deepcopy(HOSTVARS)
    for host, gathered in by_host.items():
        hostvars[host]['ansible_facts'] = gathered
    return hostvars


def check_description(description, hostvars=None, groups=None):
    """check_cluster on a description that sets every variable ({variable: value}, as the role's task passes it)."""
    return check_cluster(
        description['lvs_director_virtual_services'], description['lvs_director_vrrp_instances'],
        HOSTVARS if hostvars is None else hostvars, GROUPS if groups is None else groups,
        description['lvs_director_group'], description['lvs_director_realserver_group'],
        sync_daemon=description['lvs_director_sync_daemon'], sysctl=description['lvs_director_sysctl'],
        sync_groups=description['lvs_director_vrrp_sync_groups'], vrrp_scripts=description['lvs_director_vrrp_scripts'],
        mode=description['lvs_director_mode'], bgp=description['lvs_director_bgp'], variables=description)


def options(spec, prefix=''):
    """(path, option) of every option of an argument spec at any depth; [] for a list index."""
    for key, option in spec.items():
        path = f'{prefix}{key}'
        yield path, option
        if option.get('options'):
            yield from options(option['options'], f'{path}[].' if option['type'] == 'list' else f'{path}.')


# One value of each type a description can hold, and the ones each type of an argument spec takes (ansible takes
# a number for a string, an integer for a float).
SAMPLES = (True, 7, 0.5, 'text', ['text'], {'key': 'text'})
TAKES = {'str': ('text', 7, 0.5), 'int': (7,), 'float': (7, 0.5), 'bool': (True,), 'list': (['text'],),
         'dict': ({'key': 'text'},)}


def typed_options(spec):
    """(path, type) of every option and list element of spec whose type is checked; [] for a list element. A raw
    option with keys is a dict (its string form aside), a raw one without keys takes anything."""
    for path, option in options(spec):
        kinds = [(path, option['type'])]
        if option['type'] == 'list':
            kinds.append((f'{path}[]', option.get('elements', 'raw')))
        for where, kind in kinds:
            if kind == 'raw' and option.get('options'):
                yield where, 'dict'
            elif kind in TAKES:
                yield where, kind


def wrong_types(spec, takes_text=()):
    """(path, type, value) for every typed option of spec and every sample of another type; takes_text: the paths
    that also take a string."""
    for path, kind in typed_options(spec):
        for value in SAMPLES:
            if value not in TAKES[kind] and not (path in takes_text and isinstance(value, str)):
                yield path, kind, value
