"""Guests: boot a UML kernel per guest, reach it over SSH, tell why one died."""

from __future__ import annotations

import os
import select
import subprocess
import time
from pathlib import Path

from . import kernel as kernel_mod
from . import network, procs
from .inventory import ssh_options
from .kernel import Kernel
from .state import State
from .topology import Paths, Topology
from .util import LabError, critical, log, run

UML_BOOT = Path(__file__).resolve().parents[1] / "uml-boot"


def ssh_base(topo: Topology, paths: Paths) -> list[str]:
    return ["ssh", "-i", str(paths.key), "-l", "root", *ssh_options(topo)]


def record(state: State, name: str) -> dict | None:
    """The guest's UML process if it runs (an in-guest reboot keeps its pid)."""
    rec = state.data["guests"].get(name, {}).get("proc")
    return rec if procs.alive(rec) else None


def boot(topo: Topology, paths: Paths, state: State, name: str, image: Path, kernel: Kernel) -> None:
    g = topo.guests[name]
    (paths.state / "uml").mkdir(parents=True, exist_ok=True)
    args = [UML_BOOT, f"mem={topo.memory}", f"umid={name}", f"uml_dir={paths.state / 'uml'}",
            f"ubd0={paths.state / (name + '.cow')},{image / 'base.img'}", "root=/dev/ubda", "rw",
            "con=null", "con0=null,fd:1", "ssl=null", "loglevel=4",
            # The guest's processes run under seccomp instead of ptrace where the host allows
            # it: fewer context switches (docs/lab.md: a converge took 58 s instead of 75 s).
            # Only for a trusted user space, which the lab's own images are.
            "seccomp=auto",
            # gro=1: receive buffers large enough for the GSO frames a tap with
            # offloads delivers (UML turns them back on whenever it opens the tap).
            f"vec0:transport=tap,ifname={g.tap},mac={g.mac},gro=1",
            f"systemd.hostname={name}", f"lab.ip={g.ipv4}",
            f"lab.gw={topo.ipv4.ip}", f"lab.repo={topo.guest_repo_url(name)}"]
    if g.ipv6:
        args += [f"lab.ip6={g.ipv6}", f"lab.gw6={topo.ipv6.ip}"]
    # uml-boot runs the kernel named here, also when the guest reboots itself.
    env = {**os.environ, "LVSLAB_KERNEL": str(kernel.binary)}
    with critical():
        rec = procs.spawn(topo.ns(*args), paths.console(name), env)
        state.data["guests"][name] = {"proc": rec, "booted": time.time(), "image": str(image),
                                      "kernel": str(kernel.dir)}
        state.save()


def death_report(paths: Paths, name: str) -> str:
    """Why a guest died while booting: the console's last lines and, if known, the cause."""
    console = paths.console(name)
    text = console.read_text(errors="replace") if console.exists() else ""
    lines = [f"guest {name} died while booting; its console: {console}"]
    lines += [f"  | {line}" for line in kernel_mod.tail(text)]
    cause = kernel_mod.diagnose(text)
    if cause:
        lines.append(f"cause: {cause}")
    return "\n".join(lines)


def ssh_ok(topo: Topology, paths: Paths, name: str) -> bool:
    addr = topo.guests[name].address
    if not network.port_open(topo, addr, 22):
        return False
    try:
        return run([*ssh_base(topo, paths), addr, "true"], check=False, capture=True,
                   timeout=15).returncode == 0
    except subprocess.TimeoutExpired:
        return False


def refresh_apt_lists(topo: Topology, paths: Paths, name: str) -> None:
    """Give the guest fresh package lists, as a maintained host has.

    Without them `ansible-playbook --check` on a fresh guest cannot tell that
    keepalived is installable, and the roles would have to refresh the lists on
    every run.
    """
    run([*ssh_base(topo, paths), topo.guests[name].address, "apt-get -qq update"],
        capture=True, timeout=120)


def wait_ssh(topo: Topology, paths: Paths, state: State, names: list[str], since: float) -> None:
    pending = list(names)
    deadline = time.monotonic() + topo.ssh_timeout
    while pending:
        for name in list(pending):
            if not record(state, name):
                raise LabError(death_report(paths, name))
            if ssh_ok(topo, paths, name):
                network.offloads_off(topo, name)
                set_clock(topo, paths, name)
                refresh_apt_lists(topo, paths, name)
                log(f"{name}: SSH up {time.monotonic() - since:.1f}s after boot")
                pending.remove(name)
        if pending and time.monotonic() > deadline:
            raise LabError(f"no SSH after {topo.ssh_timeout}s on {', '.join(pending)}; "
                           f"consoles: {', '.join(str(paths.console(n)) for n in pending)}")
        if pending:
            time.sleep(1)


class Line:
    """A shell loop on a guest over one SSH session: a line written, its answer read, each bounded."""

    def __init__(self, topo: Topology, paths: Paths, name: str, script: str, timeout: float = 10):
        self.name, self.timeout = name, timeout
        self.proc = subprocess.Popen([*ssh_base(topo, paths), topo.guests[name].address, script],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, text=True)

    def read(self) -> str:
        if not select.select([self.proc.stdout], [], [], self.timeout)[0]:
            raise LabError(f"{self.name}: no answer within {self.timeout:g}s")
        line = self.proc.stdout.readline()
        if not line:
            raise LabError(f"{self.name}: the SSH session ended")
        return line.strip()

    def write(self, text: str) -> None:
        self.proc.stdin.write(text + "\n")
        self.proc.stdin.flush()

    def __enter__(self):
        return self

    def __exit__(self, *_exc):
        self.proc.kill()
        self.proc.wait()


def set_clock(topo: Topology, paths: Paths, name: str) -> None:
    """Step the guest's clock to the host's. A UML guest reads the host's clock from its
    "timer" clocksource, but only from about 1 s into its boot: the jiffies it counts
    until then fall behind, by up to a few hundred ms on a busy host, and stay behind."""
    with Line(topo, paths, name, 'echo ready && read -r t && date -u -s "@$t" >/dev/null && echo set') as line:
        line.read()
        line.write(f"{time.time():.6f}")
        if line.read() != "set":
            raise LabError(f"{name}: could not set its clock")


def offset(samples: list[tuple[float, float, float]]) -> tuple[float, float]:
    """Guest clock minus host clock, and its uncertainty, from (host before, guest, host after)
    samples: the one with the shortest round trip, the guest read at its middle."""
    before, guest, after = min(samples, key=lambda s: s[2] - s[0])
    return guest - (before + after) / 2, (after - before) / 2


def clock_samples(topo: Topology, paths: Paths, name: str, count: int = 5) -> list[tuple[float, float, float]]:
    """(host before, guest time, host after), each over a line of one SSH session."""
    samples = []
    with Line(topo, paths, name, "while read -r _; do date +%s.%N; done") as line:
        for _ in range(count):
            before = time.time()
            line.write("")
            guest = line.read()
            samples.append((before, float(guest), time.time()))
    return samples
