"""Bad cluster descriptions through the real entry point, `ansible-playbook playbooks/check.yml`.

Every case is one ansible-playbook run on an inventory of four hosts with `ansible_connection:
local`; each must fail in the check task, name the variable path, and show no Python traceback
and no ansible-core type name. Valid clusters must pass. The hosts' facts are gathered once (the
first valid run) and read from a jsonfile fact cache by the other runs (gathering=smart), and
the runs go in parallel.
"""

from __future__ import annotations

import copy
import ipaddress
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / 'tests'))
from hostile_values import EXPLOIT  # noqa: E402  (tests/, put on the path above)

# The venv running pytest: the matrix runs these tests on each ansible-core's own.
VENV_BIN = Path(sys.executable).parent
PLAYBOOK = ROOT / 'playbooks' / 'check.yml'
CHECK_TASK = 'Check the LVS cluster description'
FORBIDDEN = ('Traceback', '_AnsibleTagged', '_AnsibleLazy', 'AnsibleUnsafe', 'dictionary update sequence',
             'NativeJinja', 'HostVarsVars')

HOSTS = {
    'lvs_directors': {'dir1': {'ansible_host': '192.0.2.11'}, 'dir2': {'ansible_host': '192.0.2.12'}},
    'lvs_realservers': {'rs1': {'ansible_host': '192.0.2.21'}, 'rs2': {'ansible_host': '192.0.2.22'}},
}
BASE = {
    'lvs_director_interface': 'lo',
    'lvs_director_vrrp_instances': [
        {'name': 'VI_WEB', 'virtual_router_id': 51, 'vips': ['192.0.2.100']},
        {'name': 'VI_V6', 'virtual_router_id': 52, 'vips': ['2001:db8::100'], 'version': 3},
    ],
    'lvs_director_virtual_services': [
        {'name': 'web', 'vip': '192.0.2.100', 'port': 80, 'lb_algo': 'rr',
         'health_check': {'type': 'HTTP_GET', 'url': [{'path': '/', 'status_code': 200}]}},
        {'name': 'dns', 'vip': '192.0.2.100', 'port': 53, 'protocol': 'UDP', 'health_check': {'type': 'DNS_CHECK'},
         'real_servers': ['rs1', {'host': 'rs2', 'weight': 2}]},
        {'name': 'nat', 'vip': '192.0.2.100', 'port': 8080, 'lb_kind': 'NAT',
         'real_servers': [{'address': '192.0.2.31', 'port': 80}]},
    ],
}


def local_address():
    """An address of this machine with a network prefix (what a VIP must never be)."""
    links = json.loads(subprocess.run(['ip', '-j', 'address', 'show'], capture_output=True, text=True,
                                      check=True).stdout)
    for link in links:
        for info in link.get('addr_info', []):
            address = ipaddress.ip_address(info['local'])
            if address.version == 4 and not address.is_loopback and info['prefixlen'] < 32:
                return str(address)
    return None


# ------------------------------------------------------------------- case helpers

def svc(number, **changes):
    def change(case):
        case['vars']['lvs_director_virtual_services'][number].update(changes)
    return change


def hc(number, **changes):
    def change(case):
        case['vars']['lvs_director_virtual_services'][number].setdefault('health_check', {}).update(changes)
    return change


def rs(number, member, **changes):
    def change(case):
        members = case['vars']['lvs_director_virtual_services'][number]['real_servers']
        if isinstance(members[member], str):
            members[member] = {'host': members[member]}
        members[member].update(changes)
    return change


def inst(number, **changes):
    def change(case):
        case['vars']['lvs_director_vrrp_instances'][number].update(changes)
    return change


def top(**changes):
    def change(case):
        case['vars'].update(changes)
    return change


def host(name, **changes):
    def change(case):
        group = 'lvs_directors' if name.startswith('dir') else 'lvs_realservers'
        case['hosts'][group][name].update(changes)
    return change


def both(*changes):
    def change(case):
        for one in changes:
            one(case)
    return change


def instance_vips(vip):
    return both(inst(0, vips=[vip]), svc(0, vip=vip), svc(1, vip=vip), svc(2, vip=vip))


SERVICES = 'lvs_director_virtual_services'
INSTANCES = 'lvs_director_vrrp_instances'

# (case id, change of the valid base cluster, text the message must contain: the path first)
BAD = [
    # address conflicts
    ('vip-is-director-ansible-host', host('dir1', ansible_host='192.0.2.100'),
     f'{INSTANCES}[0].vips: 192.0.2.100 is ansible_host of director dir1'),
    ('vip-is-director-address', host('dir2', lvs_director_address='192.0.2.100'),
     f'{INSTANCES}[0].vips: 192.0.2.100 is lvs_director_address of director dir2'),
    ('vip-is-own-address-per-facts', 'LOCAL_ADDRESS', f'{INSTANCES}[0].vips: '),
    ('real-server-address-is-vip', rs(2, 0, address='192.0.2.100'),
     f'{SERVICES}[2].real_servers[0]: real server address 192.0.2.100 is a VIP'),
    ('real-server-host-is-vip', host('rs1', ansible_host='192.0.2.100'),
     f'{SERVICES}[0].real_servers[0]: real server address 192.0.2.100 is a VIP'),
    ('realserver-address-is-vip', host('rs2', lvs_realserver_address='192.0.2.100'),
     f'{SERVICES}[1].real_servers[1]: real server address 192.0.2.100 is a VIP'),
    ('unicast-peer-is-vip', both(inst(0, unicast=True), host('dir2', lvs_director_address='192.0.2.100')),
     f'{INSTANCES}[0].vips: 192.0.2.100 is lvs_director_address of director dir2'),
    ('unicast-peer-is-real-server', both(inst(0, unicast=True), host('dir2', lvs_director_address='192.0.2.21')),
     f'{SERVICES}[0].real_servers: 192.0.2.21 is lvs_director_address of director dir2'),
    ('sorry-server-is-vip', svc(0, sorry_server={'address': '192.0.2.100'}),
     f'{SERVICES}[0].sorry_server.address: 192.0.2.100 is a VIP'),
    ('ipv6-service-ipv4-addresses', both(svc(0, vip='2001:db8::100', real_servers=['192.0.2.21']),
                                         inst(1, vips=['2001:db8::100']),
                                         inst(0, vips=['192.0.2.100'])),
     f"{SERVICES}[0].real_servers[0]: real server 192.0.2.21 is not of the VIP's address family"),
    ('unicast-same-address', both(inst(0, unicast=True), host('dir2', lvs_director_address='192.0.2.11')),
     f'{INSTANCES}[0].unicast: unicast peer 192.0.2.11 of dir2 equals the address of dir1'),
    # untyped and misspelt keys
    ('real-server-wieght', rs(2, 0, wieght=3),
     f'{SERVICES}[2].real_servers[0].wieght: unknown key; did you mean weight?'),
    ('real-server-hosts', rs(1, 1, hosts='rs2'), f'{SERVICES}[1].real_servers[1].hosts: unknown key'),
    ('real-server-check-key', rs(2, 0, health_check={'conect_timeout': 2}),
     f'{SERVICES}[2].real_servers[0].health_check.conect_timeout: unknown key'),
    ('service-key', svc(1, lb_algoritm='rr'), f'{SERVICES}[1].lb_algoritm: unknown key; did you mean lb_algo?'),
    ('instance-key', inst(0, vip=['192.0.2.100']), f'{INSTANCES}[0].vip: unknown key'),
    ('url-key', hc(0, url=[{'pth': '/'}]), f'{SERVICES}[0].health_check.url[0].pth: unknown key'),
    ('real-server-no-host-no-address', rs(2, 0, address=None), f'{SERVICES}[2].real_servers[0]: set host'),
    ('top-level-misspelt', top(lvs_director_virtual_service=[]),
     'lvs_director_virtual_service: unknown variable (set for dir1, dir2, rs1, rs2); did you mean '
     'lvs_director_virtual_services?'),
    ('real-server-not-in-inventory', rs(1, 0, host='ghost'), f'{SERVICES}[1].real_servers[0].host: ghost is not'),
    # ranges
    ('delay-loop-zero', svc(0, delay_loop=0), f'{SERVICES}[0].delay_loop: 0 is outside'),
    ('delay-loop-huge', svc(1, delay_loop=5000), f'{SERVICES}[1].delay_loop: 5000 is outside'),
    ('connect-timeout-zero', hc(0, connect_timeout=0), f'{SERVICES}[0].health_check.connect_timeout: 0 is outside'),
    ('retry-negative', hc(1, retry=-1), f'{SERVICES}[1].health_check.retry: -1 is outside'),
    ('delay-before-retry-negative', rs(2, 0, health_check={'delay_before_retry': -1}),
     f'{SERVICES}[2].real_servers[0].health_check.delay_before_retry: -1 is outside'),
    ('hysteresis-not-below-quorum', svc(0, hysteresis=1), f'{SERVICES}[0].hysteresis: 1 must be at least 0'),
    ('hysteresis-negative', svc(2, hysteresis=-1), f'{SERVICES}[2].hysteresis: -1'),
    ('quorum-zero', svc(0, quorum=0), f'{SERVICES}[0].quorum: 0 is outside'),
    ('connect-port-zero', hc(0, connect_port=0), f'{SERVICES}[0].health_check.connect_port: 0 is outside 1-65535'),
    ('connect-port-huge', hc(2, connect_port=70000), f'{SERVICES}[2].health_check.connect_port: 70000'),
    ('real-server-port-huge', rs(2, 0, port=70000), f'{SERVICES}[2].real_servers[0].port: 70000 is outside'),
    ('service-port-huge', svc(2, port=70000), f'{SERVICES}[2].port: 70000 is not a port'),
    ('weight-negative', rs(2, 0, weight=-1), f'{SERVICES}[2].real_servers[0].weight: -1 is outside 0-65535'),
    ('weight-huge', rs(1, 1, weight=70000), f'{SERVICES}[1].real_servers[1].weight: 70000 is outside 0-65535'),
    ('instance-name-blank', inst(0, name='VI WEB'), f"{INSTANCES}[0].name: 'VI WEB' is not a keepalived"),
    ('instance-name-comment', inst(1, name='VI#6'), f"{INSTANCES}[1].name: 'VI#6' is not a keepalived"),
    ('instance-name-duplicate', inst(1, name='VI_WEB'), f'{INSTANCES}[1].name: VI_WEB is already the name'),
    ('service-name-duplicate', svc(1, name='web'), f'{SERVICES}[1].name: already the name'),
    ('persistence-engine-unknown', svc(1, persistence_engine='foo'), f"{SERVICES}[1].persistence_engine: 'foo' is "
                                                                     f"not one of sip"),
    ('persistence-engine-no-timeout', svc(1, persistence_engine='sip'),
     f'{SERVICES}[1].persistence_engine: only applies with persistence_timeout'),
    ('persistence-engine-tcp', svc(0, persistence_engine='sip', persistence_timeout=60),
     f'{SERVICES}[0].persistence_engine: the sip engine reads UDP packets only'),
    ('persistence-timeout-zero', svc(0, persistence_timeout=0), f'{SERVICES}[0].persistence_timeout: 0 is outside'),
    ('lb-algo-unknown', svc(2, lb_algo='weighted'), f"{SERVICES}[2].lb_algo: 'weighted' is not one of"),
    ('lb-kind-lowercase', svc(0, lb_kind='dr'), f"{SERVICES}[0].lb_kind: 'dr' is not one of DR, NAT, TUN"),
    ('vrid-outside', inst(0, virtual_router_id=300), f'{INSTANCES}[0].virtual_router_id: 300 is outside 1-255'),
    ('sync-id-outside', top(lvs_director_sync_daemon={'enabled': True, 'id': 300}),
     'lvs_director_sync_daemon.id: 300 is outside 0-255'),
    ('status-code-outside', hc(0, url=[{'path': '/', 'status_code': 700}]),
     f'{SERVICES}[0].health_check.url[0].status_code: 700 is not an HTTP status'),
    # interfaces
    ('interface-null-and-default-empty', both(inst(0, interface=None), top(lvs_director_interface='')),
     'lvs_director_interface of dir1: empty'),
    ('instance-interface-missing', inst(0, interface='eth9'),
     f"{INSTANCES}[0].interface: dir1 has no interface 'eth9'"),
    ('default-interface-missing', top(lvs_director_interface='eth9'),
     "lvs_director_interface of dir1: dir1 has no interface 'eth9'"),
    ('director-interface-missing', host('dir2', lvs_director_interface='eth9'),
     "lvs_director_interface of dir2: dir2 has no interface 'eth9'"),
    ('sync-interface-missing', top(lvs_director_sync_daemon={'enabled': True, 'interface': 'eth9'}),
     "lvs_director_sync_daemon.interface: dir1 has no interface 'eth9'"),
    ('interface-list', inst(1, interface=['lo']), f'{INSTANCES}[1].interface: must be a string, got a list'),
    # values that would leave their field: the path is named, the value shown escaped (JSON doubles its \)
    ('url-path-of-issue-27', hc(0, url=[{'path': EXPLOIT}]),
     f"{SERVICES}[0].health_check.url[0].path: '/\\\\n}}\\\\n}}"),
    ('router-id-newline', host('dir1', lvs_director_router_id='dir1\n    vrrp_strict'),
     "lvs_director_router_id of dir1: 'dir1\\\\n    vrrp_strict' holds"),
    ('misc-path-quote', hc(0, type='MISC_CHECK', misc_path='/bin/true" root\nvrrp_strict "'),
     f'{SERVICES}[0].health_check.misc_path: '),
    ('dns-name-brace', hc(1, dns_name='example.org}'), f"{SERVICES}[1].health_check.dns_name: 'example.org}}' is not"),
    ('sysctl-key-out-of-proc-sys', top(lvs_director_sysctl={'net.//.//.//.etc.cron/d.lvs-pwn': 1}),
     'lvs_director_sysctl.net.//.//.//.etc.cron/d.lvs-pwn: '),
    ('auth-pass-cut-by-quote', inst(0, version=2, auth_pass='pw"x'), f'{INSTANCES}[0].auth_pass: holds'),
    ('vip-zone-index', inst(1, vips=['2001:db8::100%lo']), f"{INSTANCES}[1].vips[0]: '2001:db8::100%lo' is not"),
    ('sync-interface-newline', top(lvs_director_sync_daemon={'enabled': True, 'interface': 'lo\nExecStartPre=/bin/id'}),
     'lvs_director_sync_daemon.interface: '),
    # missing prerequisites
    ('nat-without-forwarding', top(lvs_director_sysctl={'net.ipv4.ip_forward': 0}),
     'lvs_director_sysctl.net.ipv4.ip_forward: set to 0, but lvs_director_virtual_services[2] uses lb_kind NAT'),
    # structure errors
    ('health-check-bool', svc(0, health_check=True), f'{SERVICES}[0].health_check: must be a dict, got true'),
    ('real-servers-list-in-list', svc(1, real_servers=[['rs1']]),
     f'{SERVICES}[1].real_servers[0]: must be an inventory host or an address (a string) or a dict'),
    ('url-string', hc(0, url='/'), f'{SERVICES}[0].health_check.url: must be a list'),
    ('url-element-string', hc(0, url=['/']), f'{SERVICES}[0].health_check.url[0]: must be a dict'),
    ('real-servers-string', svc(1, real_servers='rs1'), f'{SERVICES}[1].real_servers: must be a list'),
    ('services-dict', top(lvs_director_virtual_services={'name': 'web'}), f'{SERVICES}: must be a list, got a dict'),
    ('service-string', top(lvs_director_virtual_services=['web']), f"{SERVICES}[0]: must be a dict, got 'web'"),
    ('service-null', top(lvs_director_virtual_services=[None]), f'{SERVICES}[0]: must be a dict, got null'),
    ('vips-string', inst(0, vips='192.0.2.100'), f'{INSTANCES}[0].vips: must be a list'),
    ('sorry-server-string', svc(0, sorry_server='192.0.2.50'), f'{SERVICES}[0].sorry_server: must be a dict'),
    ('port-string', svc(2, port='8080'), f"{SERVICES}[2].port: must be an integer, got '8080'"),
    ('ops-string', svc(1, ops='yes'), f"{SERVICES}[1].ops: must be true or false, got 'yes'"),
    ('sync-daemon-bool', top(lvs_director_sync_daemon=True), 'lvs_director_sync_daemon: must be a dict'),
    ('real-server-written-as-a-list', svc(1, real_servers=[['rs1', 'rs2', 'rs3']]),
     f'{SERVICES}[1].real_servers[0]: must be an inventory host or an address (a string) or a dict'),
    ('scalar-of-the-role-a-string', top(lvs_director_max_auto_priority='high'),
     "lvs_director_max_auto_priority: must be an integer, got 'high'"),
    ('sorry-server-list', svc(0, sorry_server=['192.0.2.50']), f'{SERVICES}[0].sorry_server: must be a dict, got a list'),
    ('director-address-list', host('dir2', lvs_director_address=['192.0.2.12']),
     'lvs_director_address of dir2: must be a string, got a list'),
    ('scheduler-flags-string', svc(0, scheduler_flags='sh-port'), f'{SERVICES}[0].scheduler_flags: must be a list'),
    ('instance-name-missing', inst(0, name=None), f'{INSTANCES}[0].name: required'),
    ('priority-not-integer', host('dir2', lvs_director_priority='high'),
     "lvs_director_priority of dir2: 'high' is not an integer"),
    # emptiness
    ('no-service', top(lvs_director_virtual_services=[]), f'{SERVICES}: empty: the directors would balance nothing'),
    ('no-instance', both(top(lvs_director_vrrp_instances=[])), f'{INSTANCES}: empty'),
    # other cross references
    ('vip-not-held', svc(0, vip='192.0.2.199'), f'{SERVICES}[0].vip: 192.0.2.199 is not held by any VRRP instance'),
    ('duplicate-service', svc(1, protocol='TCP', port=80), f'{SERVICES}[1]: duplicates {SERVICES}[0]'),
]


def build(change):
    case = {'hosts': copy.deepcopy(HOSTS), 'vars': copy.deepcopy(BASE)}
    change(case)
    return case


def inventory_of(case):
    return {'all': {
        'vars': dict(case['vars'], ansible_connection='local', ansible_python_interpreter=str(VENV_BIN / 'python')),
        'children': {group: {'hosts': hosts} for group, hosts in case['hosts'].items()},
    }}


def write_inventory(directory, case):
    path = directory / 'inventory.yml'
    path.write_text(yaml.safe_dump(inventory_of(case)))
    return path


def environment(cache):
    env = dict(os.environ)
    env.update({
        'ANSIBLE_COLLECTIONS_PATH': str(ROOT / '.cache' / 'collections'), 'ANSIBLE_NOCOLOR': '1',
        'ANSIBLE_RETRY_FILES_ENABLED': '0', 'ANSIBLE_LOCALHOST_WARNING': '0', 'ANSIBLE_DEPRECATION_WARNINGS': '0',
        'ANSIBLE_GATHERING': 'smart', 'ANSIBLE_CACHE_PLUGIN': 'jsonfile', 'ANSIBLE_CACHE_PLUGIN_CONNECTION': str(cache),
        'PATH': f"{VENV_BIN}:{env.get('PATH', '')}",
    })
    return env


def run(directory, arguments, cache):
    """ansible-playbook on this controller, which is no director: its kernel has no IPVS, so the
    directors' kernel check is skipped (the lab's default scenario proves it)."""
    directory.mkdir(parents=True, exist_ok=True)
    result = subprocess.run([str(VENV_BIN / 'ansible-playbook'), '--skip-tags', 'lvs_kernel_check', *arguments],
                            env=environment(cache),
                            cwd=directory, capture_output=True, text=True, timeout=600, check=False)
    return result.returncode, result.stdout + result.stderr


@pytest.fixture(scope='session')
def runs(tmp_path_factory):
    """Run every case once: the valid base first (it fills the fact cache), then the rest in parallel.

    One ansible-playbook process per case: a failed check ends the whole run (as it must end
    site.yml), so cases cannot share a process.
    """
    subprocess.run(['make', '-s', 'collection-link'], cwd=ROOT, check=True)
    top_dir = tmp_path_factory.mktemp('check')
    cache = top_dir / 'facts'
    address = local_address()
    changes = {'valid-base': lambda case: None}
    for name, change, expected in BAD:
        assert expected.startswith('lvs_director_'), name  # every message starts with the variable path
        changes[name] = instance_vips(address) if change == 'LOCAL_ADDRESS' else change
    jobs = {}
    for name, change in changes.items():
        directory = top_dir / name
        directory.mkdir()
        jobs[name] = (directory, ['-i', str(write_inventory(directory, build(change))), str(PLAYBOOK)])
    results = {'valid-base': run(*jobs.pop('valid-base'), cache)}
    with ThreadPoolExecutor(max_workers=2 * (os.cpu_count() or 1)) as pool:
        futures = {name: pool.submit(run, *job, cache) for name, job in jobs.items()}
        results.update({name: future.result() for name, future in futures.items()})
    return results, cache, top_dir


def test_the_table_has_at_least_60_bad_inputs():
    assert len(BAD) >= 60


@pytest.mark.parametrize('name, expected', [case[0::2] for case in BAD])
def test_bad_input_is_refused_and_named(runs, name, expected):
    rc, output = runs[0][name]
    assert rc != 0, output
    assert CHECK_TASK in output and 'stopped before any change' in output, output
    assert expected in output, output
    for word in FORBIDDEN:
        assert word not in output, output


def test_valid_base_cluster_passes(runs):
    rc, output = runs[0]['valid-base']
    assert rc == 0, output
    assert 'changed=0' in output and 'failed=0' in output


def test_example_inventory_passes(runs):
    cache, top_dir = runs[1:]
    rc, output = run(top_dir / 'examples', ['-i', str(ROOT / 'examples' / 'inventory'), '-c', 'local',
                                            '-e', f"ansible_python_interpreter={VENV_BIN / 'python'}",
                                            str(PLAYBOOK)], cache)
    assert rc == 0, output


def test_failover_scenario_cluster_passes(runs):
    cache, top_dir = runs[1:]
    molecule = yaml.safe_load((ROOT / 'molecule' / 'failover' / 'molecule.yml').read_text())
    group_vars = molecule['provisioner']['inventory']['group_vars']
    case = {'hosts': copy.deepcopy(HOSTS), 'vars': {}}
    directory = top_dir / 'failover'
    directory.mkdir()
    inventory = write_inventory(directory, case)
    for group, values in group_vars.items():
        (directory / 'group_vars').mkdir(exist_ok=True)
        (directory / 'group_vars' / f'{group}.yml').write_text(yaml.safe_dump(values))
    rc, output = run(directory, ['-i', str(inventory), str(PLAYBOOK)], cache)
    assert rc == 0, output


def test_removal_does_not_need_a_description(runs):
    cache, top_dir = runs[1:]
    directory = top_dir / 'absent'
    directory.mkdir()
    inventory = write_inventory(directory, build(top(lvs_director_virtual_services=[], lvs_director_vrrp_instances=[])))
    rc, output = run(directory, ['-i', str(inventory), '-e', 'lvs_director_state=absent',
                                 '-e', 'lvs_realserver_state=absent', str(PLAYBOOK)], cache)
    assert rc == 0, output
