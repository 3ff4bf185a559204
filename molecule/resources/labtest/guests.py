"""Commands on the lab's guests: over one persistent SSH connection each (fast polling, the
fault and ECMP scenarios), or through testinfra's Ansible hosts (the default scenario).
Both give run() and check(), which the readers of directors.py take."""

from __future__ import annotations

import os
import shlex
import subprocess
from pathlib import Path

import testinfra
import yaml

from labtest.lab import LAB


class Guests:
    """SSH to the guests of the lab's inventory, one ControlMaster each."""

    def __init__(self, control_dir: Path):
        inventory_path = subprocess.run([LAB, "inventory"], capture_output=True, text=True,
                                        check=True, timeout=30).stdout.strip()
        inventory = yaml.safe_load(Path(inventory_path).read_text(encoding="utf-8"))["all"]
        common = inventory["vars"]
        self.address = {name: host["ansible_host"] for name, host in inventory["hosts"].items()}
        self.groups = {group: list(spec["hosts"]) for group, spec in inventory["children"].items()}
        control_dir.mkdir(parents=True, exist_ok=True)
        self._options = ["-i", common["ansible_ssh_private_key_file"],
                         *shlex.split(common["ansible_ssh_common_args"]),
                         "-o", "ControlMaster=auto", "-o", "ControlPersist=300",
                         "-o", f"ControlPath={control_dir}/%h"]

    def run(self, name: str, command: str, timeout: float = 10) -> subprocess.CompletedProcess:
        argv = ["ssh", *self._options, f"root@{self.address[name]}", command]
        try:
            # stdin of its own: ssh makes stdin non-blocking and restores it only when it exits
            # normally; one killed at its timeout (a guest rebooting) would leave the shared
            # stdin non-blocking, and every later ansible-playbook refuses to start.
            return subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout,
                                  check=False)
        except subprocess.TimeoutExpired:
            return subprocess.CompletedProcess(argv, 124, "", f"timed out after {timeout} s")

    def check(self, name: str, command: str, timeout: float = 10) -> str:
        result = self.run(name, command, timeout)
        assert result.returncode == 0, f"{name}: {command}: rc {result.returncode}: {result.stderr}"
        return result.stdout

    def forget(self, name: str) -> None:
        """Close the persistent connection of a guest that died or rebooted."""
        subprocess.run(["ssh", *self._options, "-O", "exit", f"root@{self.address[name]}"],
                       stdin=subprocess.DEVNULL, capture_output=True, timeout=10, check=False)

    def close(self) -> None:
        for name in self.address:
            self.forget(name)


class AnsibleHosts:
    """The guests as testinfra's hosts over molecule's inventory and Ansible's SSH control sockets."""

    def __init__(self, inventory: str):
        self.inventory = inventory

    def host(self, name: str):
        return testinfra.get_host(f"ansible://{name}", ansible_inventory=self.inventory)

    def run(self, name: str, command: str, timeout: float = 10) -> subprocess.CompletedProcess:
        result = self.host(name).run(command)
        return subprocess.CompletedProcess(command, result.rc, result.stdout, result.stderr)

    def check(self, name: str, command: str, timeout: float = 10) -> str:
        return self.host(name).check_output(command)

    @classmethod
    def of_molecule(cls) -> "AnsibleHosts":
        return cls(os.environ["MOLECULE_INVENTORY_FILE"])
