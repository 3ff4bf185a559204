"""Shared helpers for the lvs_realserver tests: inventories and ansible-playbook runs on localhost."""

import os
import subprocess
from pathlib import Path

import pytest
import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
ROLE = ROOT / 'roles' / 'lvs_realserver'
HELPER = ROLE / 'files' / 'lvs-realserver'
VENV_BIN = ROOT / '.venv' / 'bin'


def inventory(hosts):
    """An inventory whose hosts all use the local connection (nothing is applied by these tests)."""
    return {'all': {'vars': {'ansible_connection': 'local', 'ansible_python_interpreter': str(VENV_BIN / 'python')},
                    'children': {'lvs_realservers': {'hosts': hosts}}}}


@pytest.fixture
def playbook(tmp_path):
    """Run a playbook of this directory on one host of an inventory; return the CompletedProcess."""
    def run(name, inv, target, variables, *args):
        """variables are passed as extra vars: render.yml loads the role defaults with vars_files,
        which would win over inventory variables."""
        inv_file = tmp_path / 'inventory.yml'
        inv_file.write_text(yaml.safe_dump(inv))
        vars_file = tmp_path / 'variables.yml'
        vars_file.write_text(yaml.safe_dump(variables))
        env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(ROOT / '.cache' / 'collections'),
                   ANSIBLE_NOCOLOR='1', ANSIBLE_DEPRECATION_WARNINGS='0', ANSIBLE_LOCAL_TEMP=str(tmp_path / 'tmp'),
                   ANSIBLE_REMOTE_TEMP=str(tmp_path / 'rtmp'), ANSIBLE_RETRY_FILES_ENABLED='0')
        return subprocess.run([str(VENV_BIN / 'ansible-playbook'), '-i', str(inv_file), str(HERE / name),
                               '-e', f'target={target}', '-e', f'@{vars_file}', *args],
                              env=env, capture_output=True, text=True, timeout=300, check=False)
    return run
