"""Fixtures for the render-matrix tests: run the role's template through Ansible,
validate with the real keepalived inside a throwaway network namespace, and read back
what keepalived parsed."""

from __future__ import annotations

import copy
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT / 'tests'))
# The collection as Ansible imports it (make collection-link, a prerequisite of make render).
sys.path.insert(0, str(ROOT / '.cache' / 'collections'))

from ci_gate import require  # noqa: E402  (tests/, put on the path above)

# The venv running pytest: the matrix runs these tests on each ansible-core's own.
VENV_BIN = Path(sys.executable).parent
KEEPALIVED = '/usr/sbin/keepalived'
READER = ROOT / 'plugins' / 'module_utils' / 'director_state.py'


def ansible_env():
    env = dict(os.environ)
    env['ANSIBLE_COLLECTIONS_PATH'] = str(ROOT / '.cache' / 'collections')
    env['ANSIBLE_NOCOLOR'] = '1'
    env['ANSIBLE_RETRY_FILES_ENABLED'] = '0'
    env['ANSIBLE_LOCALHOST_WARNING'] = '0'
    env['PATH'] = f"{VENV_BIN}:{env.get('PATH', '')}"
    return env


def ansible_bin(name):
    return str(VENV_BIN / name) if (VENV_BIN / name).exists() else shutil.which(name)


def write_inventory(path, case_vars):
    """The base inventory plus a case's variables (all.vars) and its host_vars."""
    inventory = yaml.safe_load((HERE / 'inventory-base.yml').read_text())
    case_vars = copy.deepcopy(case_vars)
    host_vars = case_vars.pop('host_vars', {})
    inventory['all']['vars'].update(case_vars)
    # connection: local; discovery could pick another Python than this ansible-core's.
    inventory['all']['vars'].setdefault('ansible_python_interpreter', str(VENV_BIN / 'python'))
    for group in inventory['all']['children'].values():
        for host, values in group['hosts'].items():
            values.update(host_vars.get(host, {}))
    path.write_text(yaml.safe_dump(inventory))
    return path


def run_playbook(playbook, inventory, *args):
    return subprocess.run(
        [ansible_bin('ansible-playbook'), '-i', str(inventory), str(playbook), *args],
        env=ansible_env(), cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)


@pytest.fixture(scope='session', autouse=True)
def collection_link():
    subprocess.run(['make', '-s', 'collection-link'], cwd=ROOT, check=True)


@pytest.fixture(scope='session')
def netns():
    """A network namespace with eth0/eth1 carrying the lab addresses, deleted afterwards."""
    require(os.geteuid() == 0 and os.path.exists(KEEPALIVED) and shutil.which('ip') is not None,
            'needs root, ip and /usr/sbin/keepalived to run keepalived -t')
    name = f'lvsrender-{os.getpid()}'
    subprocess.run(['ip', 'netns', 'add', name], check=True)
    try:
        for command in (
            # a veth pair: this host's kernel has no dummy driver
            ['link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth1'],
            ['link', 'set', 'lo', 'up'],
            ['link', 'set', 'eth0', 'up'],
            ['link', 'set', 'eth1', 'up'],
            ['address', 'add', '192.0.2.2/24', 'dev', 'eth0'],
            ['-6', 'address', 'add', '2001:db8::2/64', 'dev', 'eth0', 'nodad'],
        ):
            subprocess.run(['ip', '-n', name, *command], check=True)
        yield name
    finally:
        subprocess.run(['ip', 'netns', 'delete', name], check=False)


# A private mount namespace over this host's files: a tmpfs on /etc/keepalived (a running keepalived creates
# its track file there), the service state reader where the role installs it, its state directory, and,
# with SCRIPT_USER, /etc/passwd and /etc/group copies that have keepalived_script.
SANDBOX = """set -e
mount -t tmpfs lvsrender /etc/keepalived
mount -t tmpfs lvsrender /usr/local
mkdir -p /usr/local/libexec/lvs-cluster
cp "$READER" /usr/local/libexec/lvs-cluster/director_state.py
mount -t tmpfs lvsrender /var/lib
mkdir -p /var/lib/lvs-director/services
if [ -n "$SCRIPT_USER" ]; then
    for file in passwd group; do
        cp /etc/$file "$WORK/$file"
        mount --bind "$WORK/$file" /etc/$file
    done
    echo 'keepalived_script:x:64990:64990::/nonexistent:/usr/sbin/nologin' >>"$WORK/passwd"
    echo 'keepalived_script:x:64990:' >>"$WORK/group"
fi
exec ip netns exec "$NETNS" "$@"
"""


def sandboxed(netns, work, argv, script_user=False):
    env = dict(os.environ, NETNS=netns, WORK=str(work), SCRIPT_USER='1' if script_user else '', READER=str(READER))
    return ['unshare', '--mount', '--propagation', 'private', 'sh', '-c', SANDBOX, 'sandbox', *argv], env


@pytest.fixture(scope='session')
def keepalived_test(netns, tmp_path_factory):
    """Run keepalived -t -f FILE (never -t FILE) inside the namespace; script_user: as on a director where the
    role created keepalived_script."""

    def check(path, script_user=False):
        argv, env = sandboxed(netns, tmp_path_factory.mktemp('sandbox'), [KEEPALIVED, '-t', '-f', str(path)],
                              script_user)
        return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60, check=False)

    return check


@pytest.fixture(scope='session')
def keepalived_dump(netns, tmp_path_factory):
    """The configuration as keepalived parsed it: its VRRP process started in the namespace with -d (dump the
    configuration), its log read until the first instance enters a state, then stopped. Returns the log lines
    without their timestamps. Its scripts run: the cases that use this give /bin/true."""

    def dump(path):
        work = tmp_path_factory.mktemp('dump')
        pids = [f'-{flag}{work}/{name}.pid' for flag, name in (('p', 'main'), ('r', 'vrrp'), ('c', 'check'), ('b', 'bfd'))]
        argv, env = sandboxed(netns, work, [KEEPALIVED, '--vrrp', '--dont-fork', '--log-console', '--log-detail',
                                            '--dump-conf', '--no-syslog', '-f', str(path), *pids])
        process = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                   start_new_session=True)
        lines, deadline = [], time.monotonic() + 30
        try:
            for line in process.stdout:
                lines.append(line.split(': ', 1)[-1].rstrip('\n'))
                if ('Entering' in line and 'STATE' in line) or time.monotonic() > deadline:
                    break
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
        return lines

    return dump
