"""Hostile values through the role itself: a newline, '}', '"', '#' and '!' in every string option at once
(tests/hostile_values.py), one run of the whole role per character, in check mode on lb1. The role must stop
in its preflight, before its first change, naming every option whose field rule refuses the character, and
never show a traceback. test_render.py renders the characters the rules keep and reads them back from keepalived.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from conftest import HERE, run_playbook, write_inventory
from hostile_values import ALLOWED, HOST_PATHS, HOSTILE, full, hostile, put

from ansible_collections.lvs.cluster.plugins.plugin_utils.field_rules import KINDS

FIRST_CHANGE = 'Install keepalived and ipvsadm'
# The director's options. A script's dict form has the kind of its string form (tests/unit puts a value into
# each); here each script gets the string. The group names stay: they select the directors whose host variables
# are checked, and name inventory groups only (tests/unit puts the characters into them).
OPTIONS = {path: kind for path, kind in KINDS.items()
           if kind != 'sysctl' and path not in HOST_PATHS and not path.endswith('.command')
           and path.startswith('lvs_director_') and path not in ('lvs_director_group', 'lvs_director_realserver_group')}


def hostile_case(char):
    """Every option of OPTIONS, the per-host variables of lb1 and a sysctl key hold char; returns the case's
    variables and the paths whose rule refuses char."""
    description = full()
    refused = [where for where, kind in ((put(description, path, hostile(kind, char)), kind)
                                         for path, kind in OPTIONS.items()) if char not in ALLOWED.get(kind, '')]
    description['lvs_director_sysctl'] = {f'net.ipv4.vs{char}x': 1}
    description['host_vars'] = {'lb1': {variable: hostile(KINDS[variable], char) for variable in HOST_PATHS}}
    return description, refused + list(HOST_PATHS.values()) + ['lvs_director_sysctl']


@pytest.fixture(scope='module')
def runs(tmp_path_factory):
    workdirs = {char: tmp_path_factory.mktemp('hostile') for char in HOSTILE}

    def run(char):
        case, refused = hostile_case(char)
        inventory = write_inventory(workdirs[char] / 'inventory.yml', case)
        result = run_playbook(HERE / 'preflight.yml', inventory, '--check', '--limit', 'lb1')
        return result.returncode, result.stdout + result.stderr, refused

    with ThreadPoolExecutor(max_workers=len(HOSTILE)) as pool:
        return dict(zip(HOSTILE, pool.map(run, HOSTILE)))


@pytest.mark.parametrize('char', HOSTILE, ids=repr)
def test_the_role_names_every_hostile_value_and_changes_nothing(runs, char):
    returncode, output, refused = runs[char]
    assert returncode != 0, output
    assert 'stopped before any change' in output and FIRST_CHANGE not in output, output
    assert 'Traceback' not in output
    # The messages are JSON strings in Ansible's output: each starts with its path.
    missing = [path for path in refused if f'"{path}' not in output]
    assert not missing, f'not named: {missing}\n{output}'
