"""Shared helpers for the default scenario's testinfra suite, over labtest (molecule/resources).

The hosts are the lab's UML guests (real kernels), reached as testinfra's Ansible hosts. The
"client" is the lab namespace's side of the bridge, reached with `ip netns exec`.
"""
from __future__ import annotations

import json
import os
import subprocess

import pytest
from ansible_collections.lvs.cluster.plugins.module_utils import kernel_modules
from ansible_collections.lvs.cluster.plugins.plugin_utils import model
from labtest import directors
from labtest.guests import AnsibleHosts
from labtest.lab import ROOT, client
from testinfra.utils.ansible_runner import AnsibleRunner

VIP = "192.0.2.100"
VIP_PORT = 80
# The directors' addresses in lab/topology.toml, and the port of their metrics service (the role's default).
DIP = {"dir1": "192.0.2.11", "dir2": "192.0.2.12"}
METRICS_PORT = 9710
# Seconds a client request may take. A working path answers in milliseconds, but with
# the controller tiers beside the lab on 2 cores a guest can wait seconds for the CPU.
CLIENT_TIMEOUT = 5

GUESTS = AnsibleHosts.of_molecule()
_runner = AnsibleRunner(GUESTS.inventory)
host = GUESTS.host


def metrics_url(name: str) -> str:
    """A director's metrics, as the lab's client side (Prometheus's place) scrapes them."""
    return f"http://{DIP[name]}:{METRICS_PORT}/metrics"


def metrics_served(name: str) -> bool:
    """Whether a director answers on its metrics port."""
    return client("curl", "-fsS", "-o", "/dev/null", "--max-time", "3", metrics_url(name)).returncode == 0


def hosts_of(group: str) -> list[str]:
    return _runner.get_hosts(group)


def kernel_schedulers(name: str) -> tuple[str, ...]:
    """The schedulers keepalived knows that the running kernel of guest `name` can load, read
    from its modules.dep: the lab's tests follow its kernel, whichever the pin gives."""
    modules = {kernel_modules.available_name(line.split(":", 1)[0])
               for line in host(name).check_output("cat /lib/modules/$(uname -r)/modules.dep").splitlines()}
    return tuple(algo for algo in model.SCHEDULERS if f"ip_vs_{algo}" in modules)


def http_get_vip(count: int, vip: str = VIP) -> list[str]:
    """Send `count` HTTP requests to the VIP, one connection each; return the bodies ('' on failure)."""
    url = f"http://[{vip}]:{VIP_PORT}/" if ":" in vip else f"http://{vip}:{VIP_PORT}/"
    bodies = []
    for _request in range(count):
        res = client("curl", "-s", "-g", "--max-time", str(CLIENT_TIMEOUT), url, timeout=CLIENT_TIMEOUT + 10)
        bodies.append(res.stdout.strip() if res.returncode == 0 else "")
    return bodies


def playbook(name: str, *args: str) -> subprocess.CompletedProcess:
    """Run one of the collection's playbooks against the lab, as a user would."""
    cmd = ["ansible-playbook", "-i", GUESTS.inventory, "-i", str(ROOT / "examples" / "inventory"),
           str(ROOT / "playbooks" / name), *args]
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0")
    return subprocess.run(cmd, capture_output=True, text=True, timeout=600, check=False, env=env)


def changed_count(output: str) -> int:
    """Sum of changed= over a PLAY RECAP."""
    return sum(int(line.split("changed=")[1].split()[0]) for line in output.splitlines() if "changed=" in line)


def changed_tasks(output: str) -> set[tuple[str, str]]:
    """(task, host) of every change a playbook's output reports, handlers included."""
    found, task = set(), None
    for line in output.splitlines():
        if line.startswith(("TASK [", "RUNNING HANDLER [")):
            task = line.split("[", 1)[1].rsplit("]", 1)[0]
        elif line.startswith("changed: ["):
            found.add((task, line.split("[", 1)[1].split("]", 1)[0]))
    return found


def ipvs_table(name: str, stats: bool = False) -> dict:
    """The kernel IPVS table of a director, as lvs.cluster.ipvsadm_info returns it: ipvsadm's
    output over SSH, parsed by the module's own parser. A module run costs about 3 s on the lab,
    an SSH command 0.3 s; test_directors.py reads the table through the module itself."""
    return directors.ipvs_table(GUESTS, name, stats)


def holders(*vips: str) -> list[list[str]]:
    """The directors that currently have each of vips (IPv4 or IPv6) on an interface."""
    return directors.holders(GUESTS, hosts_of("lvs_directors"), *vips)


def vip_holders(vip: str = VIP) -> list[str]:
    """Directors that currently have vip (IPv4 or IPv6) on an interface."""
    return holders(vip)[0]


def device_of(name: str, address: str) -> str:
    """The interface of host `name` that has `address`."""
    return json.loads(host(name).check_output(f"ip -j address show to {address}"))[0]["ifname"]


def mac_of(name: str, address: str) -> str:
    """The MAC address of the interface of host `name` that has `address`."""
    return json.loads(host(name).check_output(f"ip -j link show dev {device_of(name, address)}"))[0]["address"]


class ClusterState:
    """The description the lab's cluster was last converged with. molecule's converge gives it the
    example cluster (examples/inventory); a module that needs another one converges it here, and one
    that needs the example gets it back, so no test depends on the files run before it."""

    def __init__(self):
        self.current = "example"

    def converge(self, name: str, description: dict | None = None) -> None:
        if self.current == name:
            return
        result = playbook("site.yml", *(("-e", json.dumps(description)) if description else ()))
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr
        self.current = name


@pytest.fixture(scope="session")
def cluster_state() -> ClusterState:
    return ClusterState()


@pytest.fixture(scope="module")
def example_cluster(cluster_state) -> None:
    """The example cluster of examples/inventory (one VIP, the web service with rr), converged."""
    cluster_state.converge("example")


@pytest.fixture(scope="module")
def master(example_cluster) -> str:
    found = vip_holders()
    assert len(found) == 1, f"exactly one director must hold {VIP}, found {found}"
    return found[0]


def pytest_collection_modifyitems(items):
    """Tests marked removes_the_cluster run after every other test of the session."""
    items.sort(key=lambda item: item.get_closest_marker("removes_the_cluster") is not None)
