"""The role's VIP holder count (tasks/verify_vips.yml) runs round after round
while no director holds the VIP, and stops after lvs_director_verify_timeout
rounds. Both directors are this machine, which holds no lab VIP."""

from __future__ import annotations

import re

import yaml

from conftest import HERE, run_playbook, write_inventory


def test_unsettled_count_stops_after_the_configured_rounds(tmp_path):
    case = yaml.safe_load((HERE / 'cases' / 'dr_basic.yml').read_text())
    case['lvs_director_verify_timeout'] = 3
    inventory = write_inventory(tmp_path / 'inventory.yml', case)
    run = run_playbook(HERE / 'vip_holders.yml', inventory)
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    assert output.count("TASK [lvs.cluster.lvs_director : Read this director's addresses]") == 3, output
    vip = case['lvs_director_vrrp_instances'][0]['vips'][0]
    for host in ('lb1', 'lb2'):
        shown = re.search(rf'ok: \[{host}\] => \{{\s+"msg": "(.*)"', output)
        assert shown, output
        assert shown.group(1) == f'rounds=3 settled=False holders={{\\"{vip}\\": []}}', shown.group(1)
