"""The role's checks (argument spec, preflight, the module's validation) name the variable in every error.

Runs the role in check mode with --tags lvs_realserver_vips: the always-tagged set_vars and
preflight tasks and the module lvs.cluster.realserver, which only reads in check mode.
"""

import pytest

from conftest import inventory

HOSTS = {'rs1': {'ansible_host': '192.0.2.21'}}
DR = {'lvs_director_virtual_services': [{'name': 'web', 'vip': '192.0.2.100', 'port': 80}]}

CASES = {
    'valid': ({**DR, 'lvs_realserver_vips': ['2001:db8::100']}, None),
    'bad-state': ({'lvs_realserver_state': 'maybe'}, 'value of lvs_realserver_state must be one of: present, absent'),
    'bad-vip': ({'lvs_realserver_vips': ['192.0.2.300']}, "lvs_realserver_vips[0]: '192.0.2.300' is not an IP address"),
    'prefix-vip': ({'lvs_realserver_vips': ['192.0.2.100/32']}, "lvs_realserver_vips[0]: '192.0.2.100/32' is not an IP address"),
    'own-address': ({'lvs_realserver_tun_vips': ['192.0.2.21']},
                    "lvs_realserver_tun_vips[0]: VIP 192.0.2.21 is this host's own address (lvs_realserver_address)"),
    'ipv6-tun': ({'lvs_realserver_tun_vips': ['2001:db8::1']}, 'lvs_realserver_tun_vips[0]: 2001:db8::1 is IPv6'),
    'derived-own': ({'lvs_director_virtual_services': [{'name': 'bad', 'vip': '192.0.2.21', 'port': 80}]},
                    'lvs_director_virtual_services[0] (bad).vip: VIP 192.0.2.21 is this host'),
    'fwmark': ({'lvs_director_virtual_services': [{'name': 'marked', 'fwmark': 10}]},
               'lvs_realserver_vips: this host serves the fwmark service(s) marked'),
    'bad-interface': ({'lvs_realserver_arp_interfaces': ['eth/0']},
                      "lvs_realserver_arp_interfaces[0]: 'eth/0' is not an interface name"),
    'missing-interface': ({'lvs_realserver_arp_interfaces': ['lvsrsnone0']},
                          'lvs_realserver_arp_interfaces: no such interface on this host: lvsrsnone0'),
    'bad-rp-filter': ({'lvs_realserver_tun_rp_filter': 1}, 'value of lvs_realserver_tun_rp_filter must be one of: 0, 2'),
    'bad-gateway': ({'lvs_realserver_nat_gateway': 'director'},
                    "lvs_realserver_nat_gateway: 'director' is not an IP address"),
    # Issue 25: an address that is no IP address, a real server written as a list (a ValueError in resolve_services)
    # and a list given as a string are refused before the role resolves anything.
    'address-not-ip': ({'lvs_realserver_address': 'rs1.example'},
                       "lvs_realserver_address: 'rs1.example' is not an IP address"),
    'real-server-list': ({'lvs_director_virtual_services': [{'name': 'web', 'vip': '192.0.2.100', 'port': 80,
                                                             'real_servers': [['rs1', 'rs2', 'rs3']]}]},
                         'lvs_director_virtual_services[0].real_servers[0]: must be an inventory host or an address'),
    'vips-a-string': ({'lvs_realserver_vips': '192.0.2.100'},
                      "lvs_realserver_vips: must be a list, got '192.0.2.100'; fix it"),
}


@pytest.mark.parametrize('case', sorted(CASES))
def test_preflight(case, playbook):
    variables, error = CASES[case]
    result = playbook('preflight.yml', inventory(HOSTS), 'rs1', variables, '--check', '--tags', 'lvs_realserver_vips')
    output = result.stdout + result.stderr
    if error is None:
        assert result.returncode == 0, output
        assert 'TASK [lvs.cluster.lvs_realserver : Hold the VIPs and the ARP sysctls]' in output
        assert 'Install the OS packages' not in output
    else:
        assert result.returncode != 0, output
        assert error in output.replace('\\"', '"').replace("\\'", "'"), output
