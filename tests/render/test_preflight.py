"""The role stops in preflight (before any task that changes the host) when the
cluster description is wrong; the message names the variable. Runs the whole
role in check mode on localhost."""

from __future__ import annotations

import pytest
import yaml

from conftest import HERE, run_playbook, write_inventory
from hostile_values import EXPLOIT

FIRST_CHANGE = 'Install keepalived and ipvsadm'


def run_role(tmp_path, case_vars):
    inventory = write_inventory(tmp_path / 'inventory.yml', case_vars)
    return run_playbook(HERE / 'preflight.yml', inventory, '--check', '--limit', 'lb1')


def good_case():
    return yaml.safe_load((HERE / 'cases' / 'dr_basic.yml').read_text())


@pytest.mark.parametrize('change, expected', [
    (lambda case: case['lvs_director_vrrp_instances'][0].update(virtual_router_id=300),
     'lvs_director_vrrp_instances[0].virtual_router_id: 300 is outside 1-255'),
    (lambda case: case['lvs_director_virtual_services'][0].update(real_servers=[{'host': 'rs1', 'port': 8080}]),
     'lvs_director_virtual_services[0].real_servers[0].port: DR cannot translate ports'),
    (lambda case: case['lvs_director_virtual_services'][0].update(vip='192.0.2.99'),
     'lvs_director_virtual_services[0].vip: 192.0.2.99 is not held by any VRRP instance'),
    # The url.path of issue 27, which rendered a virtual_server of its own with a MISC_CHECK run as root. The
    # output shows the message as JSON: its \n as \\n.
    (lambda case: case['lvs_director_virtual_services'][0].update(
        health_check={'type': 'HTTP_GET', 'url': [{'path': EXPLOIT}]}),
     "lvs_director_virtual_services[0].health_check.url[0].path: '/\\\\n}\\\\n}"),
    # Issue 25: ansible-core's check of the role's arguments raised "argument of type 'bool' is not iterable".
    (lambda case: case.update(lvs_director_sync_daemon=True),
     'lvs_director_sync_daemon: must be a dict, got true (a boolean); fix it'),
    (lambda case: case['lvs_director_virtual_services'][0].update(health_check=[1]),
     'lvs_director_virtual_services[0].health_check: must be a dict, got a list; fix it'),
])
def test_semantic_error_stops_before_any_change(tmp_path, change, expected):
    case = good_case()
    change(case)
    run = run_role(tmp_path, case)
    output = run.stdout + run.stderr
    assert run.returncode != 0, output
    assert expected in output
    assert 'Check the cluster description' in output
    assert FIRST_CHANGE not in output


def test_argument_spec_rejects_wrong_choice(tmp_path):
    case = good_case()
    case['lvs_director_virtual_services'][0]['lb_kind'] = 'dr'
    run = run_role(tmp_path, case)
    output = run.stdout + run.stderr
    assert run.returncode != 0, output
    assert 'lb_kind' in output and 'must be one of: DR, NAT, TUN' in output
    assert FIRST_CHANGE not in output
