"""Shared helpers for the default scenario's testinfra suite.

The hosts are the lab's UML guests (real kernels). The "client" is the lab
namespace's side of the bridge, reached with `ip netns exec`.
"""
from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import pytest
import testinfra
from ansible_collections.lvs.cluster.plugins.module_utils import ipvsadm as IPVSADM
from ansible_collections.lvs.cluster.plugins.module_utils import kernel_modules as KERNEL_MODULES
from ansible_collections.lvs.cluster.plugins.plugin_utils import model as MODEL
from testinfra.utils.ansible_runner import AnsibleRunner

ROOT = Path(__file__).resolve().parents[3]
LAB_NETNS = os.environ.get("LVSLAB_NETNS", "lvslab")
VIP = "192.0.2.100"
VIP_PORT = 80
# Seconds a client request may take. A working path answers in milliseconds, but with
# the controller tiers beside the lab on 2 cores a guest can wait seconds for the CPU.
CLIENT_TIMEOUT = 5

# The kernel folds its per-CPU IPVS counters into the totals that ipvsadm --stats shows every
# 2 s (the rate estimator's timer): a read sooner after the traffic misses some of it.
STATS_SETTLE = 2.5

_runner = AnsibleRunner(os.environ["MOLECULE_INVENTORY_FILE"])


def kernel_schedulers(name: str) -> tuple[str, ...]:
    """The schedulers keepalived knows that the running kernel of guest `name` can load, read
    from its modules.dep: the lab's tests follow its kernel, whichever the pin gives."""
    modules = {KERNEL_MODULES.available_name(line.split(":", 1)[0])
               for line in host(name).check_output("cat /lib/modules/$(uname -r)/modules.dep").splitlines()}
    return tuple(algo for algo in MODEL.SCHEDULERS if f"ip_vs_{algo}" in modules)


def hosts_of(group: str) -> list[str]:
    return _runner.get_hosts(group)


def host(name: str):
    return testinfra.get_host(f"ansible://{name}", ansible_inventory=os.environ["MOLECULE_INVENTORY_FILE"])


def client(*argv: str, timeout: float = 30) -> subprocess.CompletedProcess:
    """Run a command on the client side of the lab (inside its network namespace)."""
    return subprocess.run(["ip", "netns", "exec", LAB_NETNS, *argv],
                          capture_output=True, text=True, timeout=timeout, check=False)


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
    cmd = ["ansible-playbook", "-i", os.environ["MOLECULE_INVENTORY_FILE"], "-i", str(ROOT / "examples" / "inventory"),
           str(ROOT / "playbooks" / name), *args]
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0")
    return subprocess.run(cmd, capture_output=True, text=True, timeout=600, check=False, env=env)


def changed_count(output: str) -> int:
    """Sum of changed= over a PLAY RECAP."""
    return sum(int(line.split("changed=")[1].split()[0]) for line in output.splitlines() if "changed=" in line)


def wait_until(condition, timeout: float, what: str, interval: float = 0.5):
    """Poll condition() until it returns a true value, at most timeout seconds; fail naming what."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value or time.monotonic() > deadline:
            assert value, f"not within {timeout} s: {what}"
            return value
        time.sleep(interval)


def ipvs_table(name: str, stats: bool = False) -> dict:
    """The kernel IPVS table of a director, as lvs.cluster.ipvsadm_info returns it: ipvsadm's
    output over SSH, parsed by the module's own parser. A module run costs about 3 s on the lab,
    an SSH command 0.3 s; test_directors.py reads the table through the module itself."""
    def listing(args):
        return host(name).check_output(" ".join(["LC_ALL=C", "ipvsadm", *args]))

    if stats:
        time.sleep(STATS_SETTLE)
    return IPVSADM.build_info(listing(IPVSADM.LIST_ARGS),
                              stats_text=listing(IPVSADM.STATS_ARGS) if stats else None)


def holders(*vips: str) -> list[list[str]]:
    """The directors that currently have each of vips (IPv4 or IPv6) on an interface, from one
    address listing per director."""
    listed = {name: {a.get("local") for link in json.loads(host(name).check_output("ip -j address show"))
                     for a in link.get("addr_info", [])}
              for name in hosts_of("lvs_directors")}
    return [[name for name, addresses in listed.items() if vip in addresses] for vip in vips]


def vip_holders(vip: str = VIP) -> list[str]:
    """Directors that currently have vip (IPv4 or IPv6) on an interface."""
    return holders(vip)[0]


def device_of(name: str, address: str) -> str:
    """The interface of host `name` that has `address`."""
    return json.loads(host(name).check_output(f"ip -j address show to {address}"))[0]["ifname"]


def mac_of(name: str, address: str) -> str:
    """The MAC address of the interface of host `name` that has `address`."""
    return json.loads(host(name).check_output(f"ip -j link show dev {device_of(name, address)}"))[0]["address"]


@pytest.fixture(scope="session")
def master() -> str:
    holders = vip_holders()
    assert len(holders) == 1, f"exactly one director must hold {VIP}, found {holders}"
    return holders[0]
