"""lvslab: a real-kernel lab for lvs.cluster made of User-Mode Linux guests (docs/lab.md)."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from pathlib import Path

from . import guests, image, inventory, kernel, network, procs, router
from .state import State, lock
from .topology import Paths, Topology
from .util import Interrupted, LabError, critical, handle_signals, log, run, safe_rmtree, step

LAB_DIR = Path(__file__).resolve().parents[1]


class Lab:
    """One lab: its topology, its files and its kernel pin."""

    def __init__(self, topo: Topology, paths: Paths, pin: kernel.Pin):
        self.topo, self.paths, self.pin = topo, paths, pin

    def kernel(self) -> kernel.Kernel:
        found = kernel.ensure(self.pin, self.paths.cache)
        log(f"kernel: {self.pin.describe()}, Linux {found.release}")
        return found

    def images(self, found: kernel.Kernel, rebuild: bool) -> dict[str, Path]:
        """{suite: image} for every suite the topology's guests run."""
        return {suite: image.ensure(self.topo, self.paths, found, suite, rebuild)
                for suite in self.topo.suites}


def serve_repositories(paths: Paths, images: dict[str, Path]) -> None:
    """The directory the apt repository serves: one link per suite to its image's packages."""
    served = paths.state / "repo"
    served.mkdir(parents=True, exist_ok=True)
    for suite, path in images.items():
        link = served / suite
        link.unlink(missing_ok=True)
        link.symlink_to(path / "repo")


def start_repository(lab: Lab, state: State) -> None:
    topo = lab.topo
    with step(f"apt repository on {topo.repo_url}"):
        with critical():
            state.data["repo"] = procs.spawn(
                topo.ns(sys.executable, "-m", "http.server", topo.repo_port,
                        "--bind", topo.ipv4.ip, "--directory", lab.paths.state / "repo"),
                lab.paths.state / "repo.log")
            state.save()
        deadline = time.monotonic() + 10
        while not network.port_open(topo, topo.ipv4.ip, topo.repo_port):
            if time.monotonic() > deadline or not procs.alive(state.data["repo"]):
                raise LabError(f"apt repository did not start; see {lab.paths.state / 'repo.log'}")
            time.sleep(0.2)


def start_router(lab: Lab, state: State) -> None:
    """BIRD inside the namespace, as the upstream router of the topology's ECMP directors."""
    topo, paths = lab.topo, lab.paths
    with step(f"BGP router (BIRD, AS {topo.router.asn}) in {topo.netns} for {', '.join(topo.router.peers)}"):
        conf = paths.state / "bird.conf"
        conf.write_text(router.config(topo, topo.router))
        run(topo.ns("sysctl", "-q", "-w", "net.ipv4.fib_multipath_hash_policy=1"))
        with critical():
            state.data["router"] = procs.spawn(router.start_command(topo, conf, paths.state / "bird.ctl"),
                                               paths.state / "bird.log")
            state.save()
        deadline = time.monotonic() + 10
        while not (paths.state / "bird.ctl").exists():
            if time.monotonic() > deadline or not procs.alive(state.data["router"]):
                raise LabError(f"the BGP router did not start; see {paths.state / 'bird.log'}")
            time.sleep(0.2)


def cmd_up(lab: Lab, args) -> int:
    topo, paths = lab.topo, lab.paths
    with lock(paths.state):
        state = State(paths.state)
        created_netns = not network.netns_exists(topo)
        started: list[tuple[str, str | None]] = []
        try:
            found = lab.kernel()
            images = lab.images(found, args.rebuild)
            running = [n for n in topo.guests if guests.record(state, n)]
            stale = [n for n in running
                     if state.data["guests"][n].get("image") != str(images[topo.guests[n].suite])
                     or state.data["guests"][n].get("kernel") != str(found.dir)]
            if stale:
                raise LabError(f"guests {stale} run on another image or kernel; run `lvslab down` first")
            paths.state.mkdir(parents=True, exist_ok=True)
            state.data["images"] = {suite: str(path) for suite, path in images.items()}
            state.save()
            serve_repositories(paths, images)
            if created_netns or not network.link_exists(topo, topo.bridge):
                with step(f"network namespace {topo.netns}, bridge, taps"):
                    network.ensure(topo)
            else:
                network.ensure(topo)
            if not procs.alive(state.data.get("repo")):
                started.append(("repo", None))
                start_repository(lab, state)
            if topo.router and not procs.alive(state.data.get("router")):
                started.append(("router", None))
                start_router(lab, state)
            for name in running:
                network.offloads_off(topo, name)
            to_boot = [n for n in topo.guests if n not in running]
            if to_boot:
                if not running:
                    for name in topo.guests:
                        (paths.state / f"{name}.cow").unlink(missing_ok=True)
                        paths.console(name).unlink(missing_ok=True)
                with step(f"boot {', '.join(to_boot)} and wait for SSH"):
                    since = time.monotonic()
                    for name in to_boot:
                        guests.boot(topo, paths, state, name, images[topo.guests[name].suite], found)
                        started.append(("guest", name))
                    guests.wait_ssh(topo, paths, state, to_boot, since)
            (paths.state / "inventory.yml").write_text(inventory.render(topo, paths))
        except BaseException as exc:
            with critical():
                log(f"up failed; tearing down what it started (console logs stay)")
                if created_netns:
                    teardown(lab, keep_consoles=True)
                else:
                    for kind, name in reversed(started):
                        if kind in ("repo", "router"):
                            procs.stop_group(state.data.pop(kind, None))
                        else:
                            procs.stop_group(state.data["guests"].pop(name, {}).get("proc"))
                    state.save()
            if isinstance(exc, LabError):
                raise LabError(f"up failed: {exc}") from exc
            raise
    log(f"inventory: {paths.state / 'inventory.yml'}")
    return cmd_status(lab, args)


def teardown(lab: Lab, keep_consoles: bool = False) -> None:
    topo, paths = lab.topo, lab.paths
    state = State(paths.state)
    for name, entry in state.data["guests"].items():
        if procs.alive(entry.get("proc")):
            log(f"stopping {name} (pid {entry['proc']['pid']})")
        procs.stop_group(entry.get("proc"))
    for helper in ("router", "repo"):
        procs.stop_group(state.data.get(helper))
    if network.netns_exists(topo):
        # What else runs in the lab namespace belongs to the lab: SSH proxies
        # (nc) of Ansible's persistent connections, `lvslab client` commands.
        # Ending them also ends the SSH masters that would hang on the next lab.
        procs.stop(lambda: [pid for pid in map(int, run(
            ["ip", "netns", "pids", topo.netns], capture=True).stdout.split())
            if procs.start_time(pid) is not None],
            what=f"processes in namespace {topo.netns}")
        network.remove(topo)
    if not keep_consoles:
        safe_rmtree(paths.state)
    elif paths.state.exists():
        for entry in paths.state.iterdir():
            if not entry.name.endswith(".console.log"):
                safe_rmtree(entry) if entry.is_dir() and not entry.is_symlink() else entry.unlink()


def cmd_down(lab: Lab, _args) -> int:
    with lock(lab.paths.state), critical():
        teardown(lab)
    log("lab is down")
    return 0


def cmd_status(lab: Lab, _args) -> int:
    topo, paths = lab.topo, lab.paths
    state = State(paths.state)
    healthy = network.netns_exists(topo)
    print(f"namespace {topo.netns}: {'present' if healthy else 'absent'}"
          f" (client {topo.ipv4} {topo.ipv6} on {topo.bridge})")
    found = kernel.Kernel(lab.pin, paths.cache)
    print(f"kernel: {lab.pin.describe()}: "
          + (f"Linux {found.release}, {found.binary}" if found.ready else "not fetched yet"))
    repo = state.data.get("repo")
    repo_ok = procs.alive(repo)
    healthy &= repo_ok
    print(f"apt repository {topo.repo_url}: " + (f"pid {repo['pid']} alive" if repo_ok else "not running"))
    if topo.router:
        rec = state.data.get("router")
        router_ok = procs.alive(rec)
        healthy &= router_ok
        print(f"BGP router (BIRD, AS {topo.router.asn}, peers {', '.join(topo.router.peers)}): "
              + (f"pid {rec['pid']} alive; lvslab router shows its sessions and routes" if router_ok
                 else "not running"))
    for suite, path in state.data.get("images", {}).items():
        print(f"image ({suite}): {path}")
    print(f"{'NAME':<6} {'PID':>8}  {'STATE':<6} {'SSH':<4} {'IPV4':<15} {'IPV6':<18} GROUPS")
    for name, g in topo.guests.items():
        rec = guests.record(state, name)
        ssh = "ok" if rec and network.netns_exists(topo) and network.port_open(topo, g.address, 22) else "-"
        healthy &= ssh == "ok"
        print(f"{name:<6} {rec['pid'] if rec else '-':>8}  {'alive' if rec else 'dead':<6} {ssh:<4} "
              f"{g.address:<15} {str(g.ipv6.ip) if g.ipv6 else '-':<18} {','.join(g.groups)}")
    return 0 if healthy else 3


def cmd_ssh(lab: Lab, args) -> int:
    addr = lab.topo.guest(args.name).address
    tty = ["-t"] if not args.cmd and sys.stdin.isatty() else []
    os.execvp("ssh", [*guests.ssh_base(lab.topo, lab.paths), *tty, addr, *args.cmd])


def cmd_client(lab: Lab, args) -> int:
    if not args.cmd:
        raise LabError("client needs a command")
    os.execvp("ip", lab.topo.ns(*args.cmd))


def cmd_kill(lab: Lab, args) -> int:
    name = lab.topo.guest(args.name).name
    with lock(lab.paths.state), critical():
        rec = guests.record(State(lab.paths.state), name)
        if not rec:
            log(f"{name} is not running")
            return 0
        procs.stop_group(rec, signal.SIGKILL)
    log(f"{name} killed (SIGKILL to its UML processes)")
    return 0


def cmd_start(lab: Lab, args) -> int:
    name = lab.topo.guest(args.name).name
    with lock(lab.paths.state):
        state = State(lab.paths.state)
        if not network.netns_exists(lab.topo) or "images" not in state.data:
            raise LabError("the lab is not up; run `lvslab up`")
        if guests.record(state, name):
            log(f"{name} is already running")
            return 0
        with step(f"boot {name} and wait for SSH"):
            since = time.monotonic()
            # The image it ran on, whatever LVSLAB_SUITE says now.
            path = (state.data["guests"].get(name, {}).get("image")
                    or state.data["images"][lab.topo.guests[name].suite])
            guests.boot(lab.topo, lab.paths, state, name, Path(path), lab.kernel())
            guests.wait_ssh(lab.topo, lab.paths, state, [name], since)
    return 0


def cmd_link(lab: Lab, args) -> int:
    """Pull or plug a guest's cable: its bridge port stops or resumes forwarding.

    The guest keeps running and keeps its state, as a director whose switch port
    died would; from the network it looks dead, without a boot to come back.
    The tap itself stays up: UML's network driver stops sending for good once
    a write to a downed tap fails.
    """
    name = lab.topo.guest(args.name).name
    if not network.netns_exists(lab.topo) or not guests.record(State(lab.paths.state), name):
        raise LabError(f"{name} is not running")
    network.set_link(lab.topo, name, args.state == "up")
    log(f"{name}: link {args.state}")
    return 0


def cmd_router(lab: Lab, args) -> int:
    """birdc on the lab's router: its sessions, or whatever birdc command follows."""
    if not lab.topo.router:
        raise LabError("this topology has no [router]")
    command = args.cmd or ["show", "protocols"]
    os.execvp("ip", lab.topo.ns(*router.bird("birdc", "-s", lab.paths.state / "bird.ctl", *command)))


def cmd_clocks(lab: Lab, args) -> int:
    """Each running guest's clock against the host's; exit 1 when one is off by more than --max."""
    state = State(lab.paths.state)
    worst = 0.0
    for name in lab.topo.guests:
        if not guests.record(state, name):
            print(f"{name}: not running")
            continue
        off, error = guests.offset(guests.clock_samples(lab.topo, lab.paths, name))
        worst = max(worst, abs(off))
        print(f"{name}: clock {off:+.3f} s against the host (±{error:.3f} s)")
    if worst > args.max:
        print(f"lvslab: a guest's clock is {worst:.3f} s off the host's, more than {args.max:g} s", file=sys.stderr)
        return 1
    return 0


def cmd_images(lab: Lab, args) -> int:
    lab.images(lab.kernel(), args.rebuild)
    return 0


def cmd_kernel(lab: Lab, args) -> int:
    if args.update:
        kernel.update(lab.pin)
    else:
        found = lab.kernel()
        print(found.binary)
    return 0


def cmd_inventory(lab: Lab, _args) -> int:
    print(lab.paths.state / "inventory.yml")
    return 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="lvslab", description=__doc__.splitlines()[0])
    top.add_argument("--topology", type=Path,
                     default=Path(os.environ.get("LVSLAB_TOPOLOGY", LAB_DIR / "topology.toml")),
                     help="topology file (env LVSLAB_TOPOLOGY)")
    sub = top.add_subparsers(dest="command", required=True)
    up = sub.add_parser("up", help="fetch the kernel and build the images if needed, boot the lab, "
                                   "write the inventory")
    images = sub.add_parser("images", help="build the image of each suite the guests run, if needed")
    for command in (up, images):
        command.add_argument("--rebuild", action="store_true", help="rebuild the cached images")
    pin = sub.add_parser("kernel", help="fetch the pinned kernel (lab/kernel.toml) and print its path")
    pin.add_argument("--update", action="store_true",
                     help="pin the current user-mode-linux of the pin's Debian suite")
    sub.add_parser("down", help="stop everything and delete the lab's state")
    sub.add_parser("status", help="show kernel, guests, namespace, repository (exit 3 if not all up)")
    ssh = sub.add_parser("ssh", help="a shell or a command on a guest")
    ssh.add_argument("name")
    ssh.add_argument("cmd", nargs=argparse.REMAINDER)
    client = sub.add_parser("client", help="run a command inside the lab namespace")
    client.add_argument("cmd", nargs=argparse.REMAINDER)
    for verb, text in (("kill", "SIGKILL one guest (hard failure)"),
                       ("start", "boot one guest again on its COW layer")):
        sub.add_parser(verb, help=text).add_argument("name")
    link = sub.add_parser("link", help="cut (down) or restore (up) one guest's network link")
    link.add_argument("name")
    link.add_argument("state", choices=["down", "up"])
    birdc = sub.add_parser("router", help="birdc on the lab's BGP router (default: show protocols)")
    birdc.add_argument("cmd", nargs=argparse.REMAINDER)
    clocks = sub.add_parser("clocks", help="each guest's clock against the host's (exit 1 above --max)")
    clocks.add_argument("--max", type=float, default=0.5, help="seconds a clock may be off (default 0.5)")
    sub.add_parser("inventory", help="print the inventory path")
    return top


def main() -> int:
    args = parser().parse_args()
    if os.geteuid() != 0 and args.command != "inventory":
        print("lvslab: must run as root", file=sys.stderr)
        return 1
    # depmod, mkfs.ext4 and ip live in sbin, which a non-login root shell may miss.
    os.environ["PATH"] += ":/usr/local/sbin:/usr/sbin:/sbin"
    handle_signals()
    try:
        topo = Topology.load(args.topology, os.environ.get("LVSLAB_NETNS"), os.environ.get("LVSLAB_SUITE"))
        lab = Lab(topo, Paths.from_env(os.environ), kernel.Pin.load())
        return globals()[f"cmd_{args.command}"](lab, args)
    except LabError as exc:
        print(f"lvslab: {exc}", file=sys.stderr)
        return 1
    except Interrupted as exc:
        print(f"lvslab: interrupted by {exc}", file=sys.stderr)
        return 130
