"""A scenario's cluster description and the collection's playbooks run with it, under load."""

from __future__ import annotations

import copy
import json
import os
import subprocess
from pathlib import Path

import yaml
from ansible_collections.lvs.cluster.plugins.plugin_utils.resolve import vrrp_instance

from labtest.lab import ROOT


class Cluster:
    """The description in the scenario's molecule.yml (group_vars of lvs_directors); apply() runs a
    playbook with it, or with a changed copy, as extra vars, and keeps each run's log."""

    def __init__(self, scenario: Path, run_dir: Path):
        group_vars = yaml.safe_load((scenario / "molecule.yml").read_text(encoding="utf-8"))
        group_vars = group_vars["provisioner"]["inventory"]["group_vars"]["lvs_directors"]
        self.vars = {k: copy.deepcopy(v) for k, v in group_vars.items() if k.startswith("lvs_")}
        self.run_dir = run_dir
        self.runs = 0

    @property
    def vrrp(self) -> dict:
        return self.vars["lvs_director_vrrp_instances"][0]

    def service(self, name: str) -> dict:
        return next(s for s in self.vars["lvs_director_virtual_services"] if s["name"] == name)

    def apply(self, name: str, variables: dict | None = None, playbook: str = "site.yml",
              *extra_args: str) -> subprocess.CompletedProcess:
        """ansible-playbook playbooks/<playbook> with molecule's inventories, as converge runs site.yml."""
        self.runs += 1
        extra = self.run_dir / f"vars-{self.runs:02d}-{name}.json"
        extra.write_text(json.dumps(variables if variables is not None else self.vars, indent=2), encoding="utf-8")
        argv = ["ansible-playbook",
                "--inventory", str(Path(os.environ["MOLECULE_INVENTORY_FILE"]).parent),
                "--inventory", str(ROOT / "examples" / "inventory"),
                str(ROOT / "playbooks" / playbook), "-e", f"@{extra}", *extra_args]
        log = self.run_dir / f"ansible-{self.runs:02d}-{name}.log"
        # The log file has a timestamp on every line: where a run spends its time.
        env = os.environ | {"ANSIBLE_LOG_PATH": str(log), "ANSIBLE_NOCOLOR": "1"}
        return subprocess.run(argv, capture_output=True, text=True, timeout=600, check=False, env=env)


def master_down_interval(vrrp: dict, backup_priority: int) -> float:
    """keepalived's Master_Down_Interval (docs/tuning.md) of a VRRP instance as the role renders it."""
    instance = vrrp_instance(vrrp)
    advert_int = instance["advert_int"]
    skew = (256 - backup_priority) / 256 * (advert_int if instance["version"] == 3 else 1)
    return 3 * advert_int + skew
