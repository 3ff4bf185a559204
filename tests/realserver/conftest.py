"""Shared helpers for the lvs_realserver tests: inventories, ansible-playbook runs, throwaway network namespaces."""

import itertools
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
ROLE = ROOT / 'roles' / 'lvs_realserver'
# The venv running pytest: the matrix runs these tests on each ansible-core's own.
VENV_BIN = Path(sys.executable).parent
_NAMES = itertools.count()
_HELPER = []


def install_helper(path):
    """Write the boot helper as the role's template renders it (the module_utils VIP code in its command
    line), mode 0755. Rendered once per session by helper.yml through Ansible."""
    if not _HELPER:
        with tempfile.TemporaryDirectory() as scratch:
            rendered = Path(scratch) / 'lvs-realserver'
            run = subprocess.run([str(VENV_BIN / 'ansible-playbook'), '-i', 'localhost,', str(HERE / 'helper.yml'),
                                  '-e', f'helper_path={rendered}', '-e', f'ansible_python_interpreter={VENV_BIN / "python"}'],
                                 env=ansible_env(Path(scratch)),
                                 capture_output=True, text=True, timeout=120, check=False)
            assert run.returncode == 0, run.stdout + run.stderr
            _HELPER.append(rendered.read_text())
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(_HELPER[0])
    path.chmod(0o755)
    return path


def inventory(hosts):
    """An inventory whose hosts all use the local connection."""
    return {'all': {'vars': {'ansible_connection': 'local', 'ansible_python_interpreter': str(VENV_BIN / 'python')},
                    'children': {'lvs_realservers': {'hosts': hosts}}}}


def ansible_env(tmp_path):
    return dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(ROOT / '.cache' / 'collections'),
                ANSIBLE_NOCOLOR='1', ANSIBLE_DEPRECATION_WARNINGS='0', ANSIBLE_LOCAL_TEMP=str(tmp_path / 'tmp'),
                ANSIBLE_REMOTE_TEMP=str(tmp_path / 'rtmp'), ANSIBLE_RETRY_FILES_ENABLED='0',
                ANSIBLE_LOCALHOST_WARNING='0')


@pytest.fixture
def playbook(tmp_path):
    """Run a playbook of this directory on one host of an inventory, optionally inside a network namespace;
    return the CompletedProcess."""
    def run(name, inv, target, variables, *args, netns=None):
        """variables are passed as extra vars: they win over the role's defaults and vars."""
        inv_file = tmp_path / 'inventory.yml'
        inv_file.write_text(yaml.safe_dump(inv))
        vars_file = tmp_path / 'variables.yml'
        vars_file.write_text(yaml.safe_dump(variables))
        prefix = ['ip', 'netns', 'exec', netns] if netns else []
        return subprocess.run([*prefix, str(VENV_BIN / 'ansible-playbook'), '-i', str(inv_file), str(HERE / name),
                               '-e', f'target={target}', '-e', f'@{vars_file}', *args],
                              env=ansible_env(tmp_path), capture_output=True, text=True, timeout=300, check=False)
    return run


def require_netns():
    """Skip without root or ip; under CI=true that is a failure, the tier must really run there."""
    missing = [what for what, ok in (('root', os.geteuid() == 0), ('iproute2', shutil.which('ip') is not None)) if not ok]
    if missing:
        message = f"needs {' and '.join(missing)} for a throwaway network namespace"
        if os.environ.get('CI') == 'true':
            pytest.fail(f'{message} (CI=true: this test may not be skipped)')
        pytest.skip(message)


@pytest.fixture
def netns():
    """A throwaway network namespace (its own lo and net.ipv4.conf.* sysctls), deleted also on failure."""
    require_netns()
    name = f'lvsrs-test-{os.getpid()}-{next(_NAMES)}'
    subprocess.run(['ip', 'netns', 'add', name], check=True, timeout=30)
    try:
        yield name
    finally:
        subprocess.run(['ip', 'netns', 'delete', name], check=True, timeout=30)


def ns_ip(netns, *args):
    return subprocess.run(['ip', '-n', netns, *args], capture_output=True, text=True, check=True, timeout=30).stdout
