"""Render matrix: every case under cases/ is rendered by the role's real template
(through Ansible, with the role's own variables and preflight) for both directors
and must pass `keepalived -t -f` of keepalived 2.2.7 with exit 0 and no output.

Golden files: LVS_RENDER_REGEN=1 pytest tests/render  rewrites tests/render/golden/.
"""

from __future__ import annotations

import json
import os
import re
import signal
from concurrent.futures import ThreadPoolExecutor

import pytest
import yaml

from conftest import HERE, run_playbook, write_inventory

CASES = sorted(path.stem for path in (HERE / 'cases').glob('*.yml'))
GOLDEN = ('dr_basic', 'ipv6', 'unicast_auth', 'multi_vip', 'script_user')
DIRECTORS = ('lb1', 'lb2')
# Cases rendered for another keepalived than this host's (render_keepalived_version).
OTHER_KEEPALIVED = {case for case in CASES
                    if 'render_keepalived_version' in yaml.safe_load((HERE / 'cases' / f'{case}.yml').read_text())}


@pytest.fixture(scope='module')
def rendered(tmp_path_factory):
    """Render every case once: {case: {director: text}}. The cases run side by side
    (one ansible-playbook each spends most of its time starting up)."""
    workdirs = {case: tmp_path_factory.mktemp(case) for case in CASES}

    def render(case):
        workdir = workdirs[case]
        case_vars = yaml.safe_load((HERE / 'cases' / f'{case}.yml').read_text())
        inventory = write_inventory(workdir / 'inventory.yml', case_vars)
        return workdir, run_playbook(HERE / 'render.yml', inventory, '-e', f'render_dir={workdir}')

    results = {}
    with ThreadPoolExecutor(max_workers=4) as pool:
        for case, (workdir, run) in zip(CASES, pool.map(render, CASES)):
            assert run.returncode == 0, f'{case}: ansible-playbook failed\n{run.stdout}\n{run.stderr}'
            results[case] = {host: (workdir / f'{host}.conf').read_text() for host in DIRECTORS}
            results[case]['kernel'] = json.loads((workdir / 'lb1.kernel.json').read_text())
            results[case]['output'] = run.stdout
    return results


def test_there_are_enough_cases():
    assert len(CASES) >= 12


@pytest.mark.parametrize('case', CASES)
@pytest.mark.parametrize('host', DIRECTORS)
def test_keepalived_accepts(rendered, keepalived_test, tmp_path, case, host):
    if case in OTHER_KEEPALIVED:
        pytest.skip("rendered for keepalived 2.2.8 or later: this host's 2.2.7 -t kills itself (exit 143) when a "
                    "script runs as another user than root")
    path = tmp_path / f'{case}-{host}.conf'
    path.write_text(rendered[case][host])
    result = keepalived_test(path)
    assert (result.returncode, result.stdout + result.stderr) == (0, ''), rendered[case][host]


@pytest.mark.parametrize('case', GOLDEN)
def test_golden(rendered, case):
    golden = HERE / 'golden' / f'{case}.conf'
    if os.environ.get('LVS_RENDER_REGEN'):
        golden.write_text(rendered[case]['lb1'])
    assert rendered[case]['lb1'] == golden.read_text()


def test_directors_differ_only_in_per_host_values(rendered):
    """Priority, state, router_id and unicast source/peers are per host; the rest is shared."""
    lb1, lb2 = rendered['unicast_auth']['lb1'], rendered['unicast_auth']['lb2']
    assert 'router_id lb1' in lb1 and 'router_id lb2' in lb2
    assert 'priority 250' in lb1 and 'priority 240' in lb2
    assert 'unicast_src_ip 192.0.2.2' in lb1 and 'unicast_src_ip 192.0.2.3' in lb2
    # nopreempt renders every director BACKUP
    assert 'state BACKUP' in lb1 and 'state MASTER' not in lb1
    assert rendered['dr_basic']['lb1'].count('state MASTER') == 1
    assert 'state BACKUP' in rendered['dr_basic']['lb2']
    assert 'priority 200' in rendered['sync_daemon']['lb1'] and 'priority 100' in rendered['sync_daemon']['lb2']
    # The role runs both sync daemons itself; keepalived would switch them at every transition.
    assert 'lvs_sync_daemon' not in rendered['sync_daemon']['lb1']
    assert rendered['sync_daemon']['kernel']['sync_daemon'] == {'interface': 'eth0', 'syncid': 61}
    assert rendered['dr_basic']['kernel']['sync_daemon'] is None


@pytest.mark.parametrize('case, modules, forwarding', [
    ('dr_basic', ['ip_vs', 'ip_vs_wlc'], {}),
    ('nat_http', ['ip_vs', 'ip_vs_wrr'], {'net.ipv4.ip_forward': 1}),
])
def test_kernel_modules_and_nat_forwarding(rendered, case, modules, forwarding):
    """A NAT service makes the directors forward (its replies come back through them)."""
    kernel = rendered[case]['kernel']
    assert kernel['modules'] == modules
    assert kernel['sysctls'] == {**forwarding, 'net.ipv4.vs.conn_reuse_mode': 3,
                                 'net.ipv4.vs.expire_nodest_conn': 1, 'net.ipv4.vs.expire_quiescent_template': 1}


@pytest.mark.parametrize('case', ['unicast_auth', 'quoted_values'])
def test_keepalived_reads_the_password_it_was_given(rendered, keepalived_dump, tmp_path, case):
    """keepalived's own dump of what it parsed. Written bare, '#' and '!' start a comment: 's3cr3t!' was
    's3cr3t' for keepalived, while the description said 's3cr3t!'."""
    given = yaml.safe_load((HERE / 'cases' / f'{case}.yml').read_text())['lvs_director_vrrp_instances'][0]
    path = tmp_path / f'{case}.conf'
    path.write_text(rendered[case]['lb1'])
    lines = keepalived_dump(path)
    assert [line for line in lines if line.startswith('   Password = ')] == [f"   Password = {given['auth_pass']}"]


def test_keepalived_reads_quoted_scripts_back_whole(rendered, keepalived_dump, tmp_path):
    """A notify hook holds '#', '!', braces and a quoted argument: keepalived's dump shows its arguments whole.
    The hook given as {command, user: root} is read as a script with a user (uid 0 here, as every script on this
    host's keepalived 2.2.7)."""
    path = tmp_path / 'quoted.conf'
    path.write_text(rendered['quoted_values']['lb1'])
    lines = keepalived_dump(path)
    true = os.path.realpath('/bin/true')  # keepalived shows a script by its real path
    assert (f"   Generic state transition script = '{true}' 'notify' '#1' '!2' '}}3' '{{4' 'five six', uid:gid 0:0"
            in lines), lines
    assert f"   Master state transition script = '{true}' 'master', uid:gid 0:0" in lines, lines


def test_the_other_quoted_values_are_written_in_double_quotes(rendered):
    """The url path, the quorum and MISC_CHECK scripts and the service name: keepalived -t accepts them
    (test_keepalived_accepts); their checker needs IPVS, which this host does not load, so they are read from
    the text, in the double quotes whose parsing the dump above shows."""
    conf = rendered['quoted_values']['lb1']
    assert '# web "quoted" #1 {x}!\n' in conf
    assert 'path "/ready!x?a=1&b=\'c\'"\n' in conf
    assert 'quorum_up "/bin/true quorum # up!"\n' in conf
    assert re.search(r'misc_path "/bin/true misc #1 !2 }3"\n +user root\n', conf)


def test_scripts_run_as_keepalived_script_from_keepalived_2_2_8_unless_they_ask_for_root(rendered):
    conf = rendered['script_user']['lb1']
    assert 'script_user keepalived_script\n' in conf
    assert 'notify "/usr/bin/logger -t lvs-notify"\n' in conf
    assert 'notify_fault "/usr/bin/logger -t lvs-fault" root\n' in conf
    assert 'quorum_down "/bin/true down"\n' in conf
    assert re.search(r'misc_path "/bin/true rs2"\n +user root\n', conf)
    assert re.search(r'misc_path "/bin/true check"\n +}', conf)
    assert re.search(r'vrrp_script chk_own {\n +script "/bin/true own"\n +interval', conf)
    assert re.search(r'vrrp_script chk_root {\n +script "/bin/true root"\n +user root\n', conf)


def test_scripts_run_as_root_on_keepalived_2_2_7_where_keepalived_script_exists(rendered, keepalived_test, tmp_path):
    """The role creates keepalived_script on every director. keepalived 2.2.7 runs the scripts as that user
    when it exists and no script_user is set, and its -t then kills itself (exit 143): the role's script_user
    root keeps 2.2.7 working."""
    conf = rendered['track_notify']['lb1']
    assert '    script_user root\n' in conf
    killed = -signal.SIGTERM
    for name, text, returncode in (('role', conf, 0), ('no-script-user', conf.replace('    script_user root\n', ''), killed)):
        path = tmp_path / f'{name}.conf'
        path.write_text(text)
        assert keepalived_test(path, script_user=True).returncode == returncode, name


def test_the_role_says_once_that_keepalived_2_2_7_runs_scripts_as_root(rendered):
    output = rendered['dr_basic']['output']
    assert output.count('keepalived before 2.2.8 runs every checker and hook as root') == 1, output
    assert 'on lb1 (2.2.7), lb2 (2.2.7);' in output
    assert 'keepalived before 2.2.8' not in rendered['script_user']['output']


def test_keepalived_reads_the_tracked_scripts_and_notify_stop(rendered, keepalived_dump, tmp_path):
    """Each vrrp_script with its numbers, tracked by the instances that name it with its weight; notify_stop."""
    path = tmp_path / 'track.conf'
    path.write_text(rendered['track_notify']['lb1'])
    lines = keepalived_dump(path)
    true = os.path.realpath('/bin/true')
    vital = lines.index(' VRRP Script = chk_vital')
    assert lines[vital + 1:vital + 7] == [f"   Command = '{true}' 'vital'", '   Interval = 2 sec', '   Timeout = 3 sec',
                                          '   Weight = 0', '   Rise = 2', '   Fall = 3'], lines[vital:]
    nudge = lines.index(' VRRP Script = chk_nudge')
    assert lines[nudge + 1:nudge + 7] == [f"   Command = '{true}' 'nudge'", '   Interval = 1 sec', '   Timeout = 0 sec',
                                          '   Weight = -5', '   Rise = 1', '   Fall = 1'], lines[nudge:]
    tracking = [index for index, line in enumerate(lines) if line == '   Tracked scripts :']
    assert [lines[index + 1:index + 3] for index in tracking] == [
        ['     chk_vital weight 0', '     chk_nudge weight -5'], ['     chk_nudge weight -5', '   Tracked files :']]
    assert "   Stop state transition script = '/usr/bin/logger' '-t' 'lvs-stop', uid:gid 0:0" in lines
