# Copyright: lvs.cluster founders (@lvs-cluster)
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Benchmark (not a test): how long playbooks/site.yml takes, in seconds and in task steps.

    sudo make bench-converge
    python tools/bench/converge.py [--repeat R] [--services N] [--docs DIR | --no-docs]

Boots a lab of its own (tools/bench/topology.toml: namespace lvsbench, state in
/var/tmp/lvs-bench, 2 directors and 4 real servers) and measures, in one run:

- the examples/inventory cluster on dir1, dir2, rs1, rs2: first converge, R
  idempotent reruns, and a one-weight change under client load
  (labtest/loadgen.py, one request every 50 ms; failed requests counted);
- on a freshly booted lab, the 50 x 4 cluster of tools/bench/inventory on all six
  guests: first converge and R idempotent reruns;
- the Ansible floor beside each rerun: tools/bench/floor.yml (10 trivial tasks) on
  the same hosts with the same settings, in seconds per task step.

A task step is a task result of one host that is not skipped (the callback
tools/bench/callback_plugins/bench_steps.py counts them). The ratio of a run is
its seconds / (the floor's seconds per step x the steps of its busiest host).
The listeners the health checks need are started before anything is timed.
The runs use a copy of the checkout taken at the start (the files git knows,
committed or not), so edits made meanwhile never mix into one run's figures.

Prints the table at the end and writes DIR/benchmarks.md (the generated block
only, the text around it is kept) and DIR/benchmarks.json. Ansible logs stay in
.cache/bench-converge. Exit 0 when every run succeeded, whether the targets are
met or not; 1 when a run failed or the failed requests could not be measured.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import importlib.metadata
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "tools" / "bench"
LAB = ROOT / "lab" / "lvslab"
TOPOLOGY = BENCH / "topology.toml"
STATE = Path("/var/tmp/lvs-bench")
LOGS = ROOT / ".cache" / "bench-converge"
# Inside the snapshot of the collection (see snapshot()).
SITE = Path("playbooks") / "site.yml"
FLOOR = BENCH / "floor.yml"
PREPARE = BENCH / "prepare.yml"
SMALL_INVENTORY = Path("examples") / "inventory"
LARGE_INVENTORY = BENCH / "inventory"
LOADGEN = ROOT / "molecule" / "resources" / "labtest" / "loadgen.py"
sys.path.insert(0, str(LOADGEN.parents[1]))
from labtest import loadgen  # noqa: E402  (molecule/resources, put on the path above)
SMALL_HOSTS = ["dir1", "dir2", "rs1", "rs2"]
VIP = "192.0.2.100"
LOAD_INTERVAL = 0.05
# As in the fault scenario: one retransmitted SYN (after 1 s) is a slow answer, not a failure.
LOAD_TIMEOUT = 2.0
# Seconds of load before and after the weight change, so that the run is framed by answers.
LOAD_MARGIN = 3.0
TIMEOUT_FIRST = 1800
TIMEOUT_RUN = 900
TIMEOUT_LAB = 900
BEGIN = "<!-- bench-converge begin (tools/bench/converge.py) -->"
END = "<!-- bench-converge end -->"
# Targets of issue 11, in seconds.
TARGETS = {"first": 150, "idempotent": 45, "weight": 45, "large-idempotent": 60}
GOAL_IDEMPOTENT = 30


class BenchError(Exception):
    """A run failed or a figure could not be measured."""


def terminate(signum, _frame):
    raise BenchError(f"stopped by signal {signum}")


@dataclass
class Run:
    """One ansible-playbook run: wall seconds and what the bench_steps callback counted."""

    label: str
    seconds: float
    hosts: dict[str, dict[str, int]]
    tasks: list[dict]

    def steps(self) -> dict[str, int]:
        return {host: c["ok"] + c["failed"] + c["unreachable"] for host, c in sorted(self.hosts.items())}

    def busiest(self) -> int:
        return max(self.steps().values())

    def changed(self) -> int:
        return sum(c["changed"] for c in self.hosts.values())

    def in_a_row(self) -> int:
        """Tasks that ran on at least one host: under the linear strategy, one after the other."""
        return sum(1 for task in self.tasks if task["hosts"])

    def plays(self) -> list[dict]:
        """Seconds and tasks in a row per play (batches of a serial play added up), in order."""
        out: dict[str, dict] = {}
        for task in self.tasks:
            play = out.setdefault(task["play"], {"play": task["play"], "seconds": 0.0, "in_a_row": 0})
            play["seconds"] = round(play["seconds"] + task["seconds"], 2)
            play["in_a_row"] += 1 if task["hosts"] else 0
        return list(out.values())

    def summary(self) -> dict:
        return {"seconds": round(self.seconds, 2), "steps": self.steps(), "changed": self.changed(),
                "in_a_row": self.in_a_row(), "plays": self.plays()}


@dataclass
class Series:
    """Repeated runs of the same playbook: median and maximum."""

    runs: list[Run] = field(default_factory=list)

    def seconds(self) -> list[float]:
        return [run.seconds for run in self.runs]

    def median(self) -> float:
        return statistics.median(self.seconds())

    def maximum(self) -> float:
        return max(self.seconds())

    def per_step(self) -> float:
        """Median seconds per task step (for the floor: every host runs every task)."""
        return statistics.median(run.seconds / run.busiest() for run in self.runs)


class Lab:
    """lab/lvslab on the benchmark's topology and state directory."""

    def __init__(self):
        self.env = os.environ | {"LVSLAB_TOPOLOGY": str(TOPOLOGY), "LVSLAB_STATE": str(STATE)}
        topology = tomllib.loads(TOPOLOGY.read_text(encoding="utf-8"))
        self.netns = topology["lab"]["netns"]

    def run(self, *args: str, timeout: float = 120) -> str:
        result = subprocess.run([str(LAB), *args], env=self.env, capture_output=True, text=True,
                                timeout=timeout, check=False)
        if result.returncode != 0:
            raise BenchError(f"lvslab {' '.join(args)} failed ({result.returncode}):\n"
                             f"{result.stdout[-2000:]}{result.stderr[-2000:]}")
        return result.stdout

    def boot(self) -> Path:
        """A fresh lab: down first, so that no guest keeps what an earlier run configured."""
        self.down()
        started = time.monotonic()
        self.run("up", timeout=TIMEOUT_LAB)
        print(f"lab {self.netns} up in {time.monotonic() - started:.0f} s", flush=True)
        return Path(self.run("inventory").strip())

    def down(self) -> None:
        self.run("down")

    def ssh(self, name: str, command: str) -> str:
        return self.run("ssh", name, command, timeout=30)


class Ansible:
    """ansible-playbook with the settings of .config/molecule/config.yml and the bench_steps callback."""

    def __init__(self, tmp: Path, netns: str, forks: int, collections: Path):
        self.tmp = tmp
        config = tmp / "ansible.cfg"
        # Molecule's defaults and config.yml's cfg; forks covers every host of the lab.
        config.write_text("\n".join([
            "[defaults]",
            f"forks = {forks}",
            "timeout = 30",
            "interpreter_python = /usr/bin/python3",
            "host_key_checking = False",
            "retry_files_enabled = False",
            "display_failed_stderr = True",
            "stdout_callback = default",
            f"callback_plugins = {BENCH / 'callback_plugins'}",
            "callbacks_enabled = bench_steps",
            "[ssh_connection]",
            "pipelining = True",
            "scp_if_ssh = True",
            f"control_path = %(directory)s/{netns}-%%h-%%p-%%r",
            "",
        ]), encoding="utf-8")
        self.env = os.environ | {
            "ANSIBLE_CONFIG": str(config),
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_COLLECTIONS_PATH": str(collections),
            "PATH": f"{ROOT / '.venv' / 'bin'}{os.pathsep}{os.environ['PATH']}",
        }
        self.count = 0

    def inventory(self, name: str, lab_inventory: Path, hosts: list[str]) -> Path:
        """The lab inventory's connection settings for these hosts, without its groups:
        the cluster's own inventory (examples/inventory, tools/bench/inventory) gives those."""
        lab = yaml.safe_load(lab_inventory.read_text(encoding="utf-8"))["all"]
        path = self.tmp / f"{name}.yml"
        path.write_text(yaml.safe_dump({"all": {"vars": lab["vars"],
                                                "hosts": {host: lab["hosts"][host] for host in hosts}}}),
                        encoding="utf-8")
        return path

    def play(self, label: str, playbook: Path, inventories: list[Path], extra_vars: dict | None = None,
             timeout: float = TIMEOUT_RUN) -> Run:
        self.count += 1
        stem = LOGS / f"{self.count:02d}-{re.sub(r'[^a-z0-9]+', '-', label.lower()).strip('-')}"
        steps_file = stem.with_suffix(".steps.json")
        argv = ["ansible-playbook", str(playbook)]
        for inventory in inventories:
            argv += ["--inventory", str(inventory)]
        if extra_vars:
            argv += ["--extra-vars", json.dumps(extra_vars)]
        print(f"{label} ...", end=" ", flush=True)
        log = stem.with_suffix(".log")
        with log.open("w", encoding="utf-8") as out:
            started = time.monotonic()
            try:
                result = subprocess.run(argv, env=self.env | {"LVS_BENCH_STEPS_FILE": str(steps_file)},
                                        stdout=out, stderr=subprocess.STDOUT, timeout=timeout, check=False)
            except subprocess.TimeoutExpired as exc:
                raise BenchError(f"{label}: no end after {timeout} s; log: {log}") from exc
            seconds = time.monotonic() - started
        if result.returncode != 0 or not steps_file.exists():
            tail = "".join(log.read_text(encoding="utf-8").splitlines(keepends=True)[-40:])
            raise BenchError(f"{label}: ansible-playbook exit {result.returncode}; log: {log}\n{tail}")
        counted = json.loads(steps_file.read_text(encoding="utf-8"))
        run = Run(label, seconds, counted["hosts"], counted["tasks"])
        print(f"{seconds:.1f} s, steps {run.steps()}, changed {run.changed()}", flush=True)
        return run


def services_of(inventory: Path) -> list[dict]:
    group_vars = yaml.safe_load((inventory / "group_vars" / "all" / "lvs.yml").read_text(encoding="utf-8"))
    return group_vars["lvs_director_virtual_services"]


def large_services(count: int) -> list[dict]:
    """The first count/2 services of each VIP of tools/bench/inventory (all of them by default)."""
    services = services_of(LARGE_INVENTORY)
    if count >= len(services):
        return services
    per_vip: dict[str, int] = {}
    kept = []
    for service in services:
        if per_vip.get(service["vip"], 0) < (count + 1) // 2:
            per_vip[service["vip"]] = per_vip.get(service["vip"], 0) + 1
            kept.append(service)
    return kept


def weight_inventory(tmp: Path, small_inventory: Path) -> tuple[Path, str]:
    """examples/inventory with one real server's weight changed: rs1 of the first service gets weight 2."""
    path = tmp / "weight-inventory"
    shutil.copytree(small_inventory, path)
    lvs_file = path / "group_vars" / "all" / "lvs.yml"
    group_vars = yaml.safe_load(lvs_file.read_text(encoding="utf-8"))
    service = group_vars["lvs_director_virtual_services"][0]
    if "real_servers" in service:
        raise BenchError("examples/inventory lists real_servers: teach weight_inventory() to change one")
    service["real_servers"] = [{"host": "rs1", "weight": 2}, "rs2"]
    lvs_file.write_text(yaml.safe_dump(group_vars, sort_keys=False), encoding="utf-8")
    return path, f"{service['vip']}:{service['port']}"


def load_stats(results: Path) -> dict:
    lines = [json.loads(line) for line in results.read_text(encoding="utf-8").splitlines() if line.strip()]
    failed = [line for line in lines if not line["ok"]]
    errors: dict[str, int] = {}
    for line in failed:
        errors[line.get("error", "?")] = errors.get(line.get("error", "?"), 0) + 1
    return {"requests": len(lines), "failed": len(failed), "errors": errors,
            "slowest_ms": max((line["ms"] for line in lines), default=None),
            "servers": sorted({line["server"] for line in lines if line["ok"]})}


@contextlib.contextmanager
def client_load(lab: Lab, name: str, tmp: Path, duration: float):
    """labtest/loadgen.py in the lab namespace, one request every 50 ms to the VIP, for the block and
    LOAD_MARGIN seconds either side; yields the path of its results (JSON lines)."""
    results, stop, log = LOGS / f"{name}.jsonl", tmp / f"stop-{name}", LOGS / f"{name}.log"
    with log.open("w", encoding="utf-8") as errors:
        # Stopped below through its stop file, or killed.
        load = subprocess.Popen(  # pylint: disable=consider-using-with
            ["ip", "netns", "exec", lab.netns, "python3", str(LOADGEN), "--url", f"http://{VIP}/",
             "--interval", str(LOAD_INTERVAL), "--timeout", str(LOAD_TIMEOUT), "--duration", str(duration),
             "--stop-file", str(stop), "--out", str(results)],
            stdout=subprocess.DEVNULL, stderr=errors)
    try:
        time.sleep(LOAD_MARGIN)
        yield results
        time.sleep(LOAD_MARGIN)
    finally:
        loadgen.stop(load, stop, LOAD_TIMEOUT)
    if load.returncode != 0 or not results.exists():
        raise BenchError(f"the load generator failed (exit {load.returncode}); see {log}")


def weight_change_under_load(lab: Lab, ansible: Ansible, site: Path, inventories: list[Path],
                             tmp: Path) -> tuple[Run, dict]:
    """site.yml with one weight changed while the lab namespace sends one request every 50 ms to the VIP."""
    changed_inventory, service = weight_inventory(tmp, inventories[1])
    with client_load(lab, "weight-load", tmp, TIMEOUT_RUN) as results:
        run = ansible.play("one-weight change under load, 4 guests", site, [inventories[0], changed_inventory])
    stats = load_stats(results)
    expected = (run.seconds + 2 * LOAD_MARGIN) / LOAD_INTERVAL
    if stats["requests"] < expected / 2 or not stats["servers"]:
        raise BenchError(f"failed requests not measured: {stats['requests']} requests for about {expected:.0f} "
                         f"sent, answered by {stats['servers']}")
    table = lab.ssh("dir1", f"ipvsadm -Ln -t {service}")
    stats["weight_applied"] = bool(re.search(r"->\s+192\.0\.2\.21:\d+\s+\S+\s+2\s", table))
    if not stats["weight_applied"]:
        raise BenchError(f"site.yml succeeded but rs1 has no weight 2 on dir1:\n{table}")
    return run, stats


def machine(lab: Lab) -> dict:
    meminfo = Path("/proc/meminfo").read_text(encoding="utf-8")
    ram_kb = int(re.search(r"^MemTotal:\s+(\d+)", meminfo, re.M).group(1))
    return {"nproc": os.cpu_count(), "ram_gib": round(ram_kb / 2**20, 1),
            "host_kernel": platform.release(), "guest_kernel": lab.ssh("dir1", "uname -r").strip(),
            "ansible_core": importlib.metadata.version("ansible-core"), "python": platform.python_version(),
            "load_average_at_start": [round(load, 2) for load in os.getloadavg()]}


def ratio(seconds: float, run: Run, floor: Series) -> float:
    return seconds / (floor.per_step() * run.busiest())


def steps_cell(run: Run) -> str:
    return ", ".join(f"{host} {count}" for host, count in run.steps().items())


def target_cells(seconds: float, key: str, extra_ok: bool = True) -> tuple[str, str]:
    limit = TARGETS[key]
    text = f"<= {limit} s" + (f" (goal {GOAL_IDEMPOTENT} s)" if key == "idempotent" else "")
    return text, "yes" if seconds <= limit and extra_ok else "no"


def rows(figures: dict, large: str) -> list[list[str]]:
    """figure, seconds, task steps per host, in a row, changed, ratio, target, met."""
    out = []
    for key, title, series_key, floor_key, target in (
            ("first", "first converge, 4 guests", None, "floor", "first"),
            ("idempotent", "idempotent rerun, 4 guests", "idempotent", "floor", "idempotent"),
            ("weight", "one-weight change under load, 4 guests", None, "floor", "weight"),
            ("large-first", f"first converge, {large}", None, "large-floor", None),
            ("large-idempotent", f"idempotent rerun, {large}", "large-idempotent", "large-floor",
             "large-idempotent")):
        if key not in figures:
            continue
        floor = figures[floor_key]
        if series_key:
            series = figures[key]
            run, seconds = series.runs[0], series.median()
            time_cell = f"{seconds:.1f} / {series.maximum():.1f} (median / max of {len(series.runs)})"
            changed = "/".join(str(r.changed()) for r in series.runs)
        else:
            run = figures[key]
            seconds = run.seconds
            time_cell = f"{seconds:.1f}"
            changed = str(run.changed())
        extra_ok = True
        if key == "weight":
            extra_ok = figures["load"]["failed"] == 0
        target_text, met = target_cells(seconds, target, extra_ok) if target else ("-", "-")
        if key == "weight":
            target_text += ", 0 failed requests"
        out.append([title, time_cell, steps_cell(run), str(run.in_a_row()), changed,
                    f"{ratio(seconds, run, floor):.2f}", target_text, met])
    return out


HEADERS = ["figure", "seconds", "task steps per host", "in a row", "changed", "ratio to floor", "target", "met"]
FLOOR_HEADERS = ["floor: tools/bench/floor.yml", "seconds (median / max)", "steps per host", "seconds per step"]


def floor_rows(figures: dict) -> list[list[str]]:
    out = []
    for key, title in (("floor", "10 trivial tasks, 4 guests"), ("large-floor", "10 trivial tasks, 6 guests")):
        if key in figures:
            series = figures[key]
            out.append([f"{title} ({len(series.runs)} runs)", f"{series.median():.1f} / {series.maximum():.1f}",
                        str(series.runs[0].busiest()), f"{series.per_step():.2f}"])
    return out


def text_table(headers: list[str], body: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in [headers, *body]) for i in range(len(headers))]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip()
                     for row in [headers, [("-" * w) for w in widths], *body])


def markdown_table(headers: list[str], body: list[list[str]]) -> str:
    return "\n".join("| " + " | ".join(row) + " |" for row in [headers, ["---"] * len(headers), *body])


def load_line(load: dict) -> str:
    errors = ", ".join(f"{kind} {count}" for kind, count in sorted(load["errors"].items())) or "none"
    return (f"Client load during the one-weight change: {load['requests']} requests (one every "
            f"{LOAD_INTERVAL * 1000:.0f} ms, {LOAD_TIMEOUT:.0f} s timeout), {load['failed']} failed "
            f"(errors: {errors}), slowest {load['slowest_ms']} ms, answered by {', '.join(load['servers'])}; "
            f"rs1 has weight 2 in dir1's IPVS table afterwards: {'yes' if load['weight_applied'] else 'no'}.")


def markdown_block(figures: dict, info: dict, args) -> str:
    m = info["machine"]
    return "\n".join([
        BEGIN,
        f"Measured {info['date']} by `sudo make bench-converge` ([tools/bench/converge.py]"
        f"(../tools/bench/converge.py), {args.repeat} reruns) on commit {info['commit']}.",
        "",
        f"Machine: {m['nproc']} CPUs, {m['ram_gib']} GiB RAM, load average {m['load_average_at_start'][0]} "
        f"at the start; host kernel {m['host_kernel']}; guests: User-Mode Linux {m['guest_kernel']} "
        f"([the lab](lab.md)); ansible-core {m['ansible_core']}, Python {m['python']}.",
        "",
        markdown_table(HEADERS, rows(figures, info["large"])),
        "",
        markdown_table(FLOOR_HEADERS, floor_rows(figures)),
        "",
        load_line(figures["load"]),
        "",
        "- **4 guests**: dir1, dir2, rs1, rs2 with the cluster of "
        "[examples/inventory](../examples/inventory/group_vars/all/lvs.yml) (one VIP, one service); the "
        "one-weight change gives rs1 weight 2, with `labtest/loadgen.py` sending one request every "
        "50 ms to the VIP from the lab namespace.",
        f"- **{info['large'].split(',')[0]}**: {info['large_services']} virtual services on two VIPs, every one with rs1 to rs4 as "
        "real servers ([tools/bench/inventory](../tools/bench/inventory/group_vars/all/lvs.yml)), on a "
        "freshly booted lab.",
        "- **task steps per host**: the task results of a host that are not skipped (ok, changed, failed), as "
        "PLAY RECAP counts them. **in a row**: tasks that ran on at least one host, which Ansible's linear "
        "strategy runs one after the other (each batch of a `serial` play counts). **changed**: changed "
        "results of all hosts (per rerun).",
        "- **ratio to floor**: seconds / (floor seconds per step x steps of the busiest host). 1.0 would be "
        "a run that costs only its busiest host's task steps; above that, the time goes to hosts waiting for "
        "each other (`serial`) and to tasks slower than a trivial module.",
        "- The settings are molecule's (pipelining, 30 s timeout, SSH control path named after the lab's "
        "namespace) with forks = number of guests. Seconds are the wall time of `ansible-playbook`, fact "
        "gathering and its start included.",
        END,
    ])


SKELETON = """# Converge benchmarks

How long `playbooks/site.yml` takes on the lab's real kernels, in seconds and in
task steps, next to the Ansible floor measured in the same run. The block below
is written by `sudo make bench-converge`; the text outside it is kept.

{block}

## Where the time goes

Written by hand from `docs/benchmarks.json` (seconds and tasks in a row per play)
and `.cache/bench-converge/*.steps.json` (every task).
"""


def write_docs(docs: Path, figures: dict, info: dict, args) -> None:
    block = markdown_block(figures, info, args)
    page = docs / "benchmarks.md"
    if page.exists():
        text = page.read_text(encoding="utf-8")
        if BEGIN not in text or END not in text:
            raise BenchError(f"{page} lacks the bench-converge markers; not overwriting it")
        text = text[:text.index(BEGIN)] + block + text[text.index(END) + len(END):]
    else:
        text = SKELETON.format(block=block)
    page.write_text(text, encoding="utf-8")
    data = dict(info)
    data["floors"] = {key: {"seconds": [round(s, 2) for s in figures[key].seconds()],
                            "seconds_per_step": round(figures[key].per_step(), 3),
                            "steps_per_host": figures[key].runs[0].busiest()}
                      for key in ("floor", "large-floor")}
    data["runs"] = {}
    for key in ("first", "idempotent", "weight", "large-first", "large-idempotent"):
        value = figures[key]
        data["runs"][key] = [run.summary() for run in value.runs] if isinstance(value, Series) else value.summary()
    data["load"] = figures["load"]
    data["targets_seconds"] = TARGETS
    (docs / "benchmarks.json").write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {page} and {docs / 'benchmarks.json'}")


def repeat(ansible: Ansible, times: int, label: str, site: Path, inventories: list[Path], extra: dict | None,
           figures: dict, floor_key: str, rerun_key: str) -> None:
    """Floor and idempotent rerun alternately, so that both see the same load of the machine."""
    figures[floor_key], figures[rerun_key] = Series(), Series()
    for index in range(1, times + 1):
        figures[floor_key].runs.append(ansible.play(f"floor {index}, {label}", FLOOR, inventories))
        figures[rerun_key].runs.append(ansible.play(f"idempotent rerun {index}, {label}", site, inventories, extra))


def snapshot(tmp: Path, info: dict) -> Path:
    """A copy of the checkout's files (those git knows, committed or not) as the collection lvs.cluster:
    every run of the bench uses one tree, even when the checkout changes meanwhile. Returns its root."""
    files = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-co", "--exclude-standard", "-z"],
                           capture_output=True, check=True, timeout=60).stdout
    dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True, check=True, timeout=60).stdout.strip()
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True, check=True, timeout=60).stdout.strip()
    info["commit"] = commit + (" with uncommitted changes" if dirty else "")
    tree = tmp / "collections" / "ansible_collections" / "lvs" / "cluster"
    tree.mkdir(parents=True)
    subprocess.run(["rsync", "-a", "--from0", "--files-from=-", f"{ROOT}/", f"{tree}/"],
                   input=files, check=True, timeout=120)
    return tree


def bench(args, lab: Lab, tmp: Path, figures: dict, info: dict) -> None:
    tree = snapshot(tmp, info)
    site, small_inventory = tree / SITE, tree / SMALL_INVENTORY
    ansible = Ansible(tmp, lab.netns, forks=len(tomllib.loads(TOPOLOGY.read_text(encoding="utf-8"))["guests"]),
                      collections=tree.parents[2])

    lab_inventory = lab.boot()
    info["machine"] = machine(lab)
    small = [ansible.inventory("small", lab_inventory, SMALL_HOSTS), small_inventory]
    ports = sorted({service["port"] for service in services_of(small_inventory)})
    ansible.play("prepare (not timed), 4 guests", PREPARE, small, {"bench_listen_ports": ports})
    figures["first"] = ansible.play("first converge, 4 guests", site, small, timeout=TIMEOUT_FIRST)
    repeat(ansible, args.repeat, "4 guests", site, small, None, figures, "floor", "idempotent")
    figures["weight"], figures["load"] = weight_change_under_load(lab, ansible, site, small, tmp)

    lab_inventory = lab.boot()
    hosts = list(yaml.safe_load((LARGE_INVENTORY / "hosts.yml").read_text(encoding="utf-8"))["all"]["children"]
                 ["lvs_realservers"]["hosts"])
    large = [ansible.inventory("large", lab_inventory, ["dir1", "dir2", *hosts]), LARGE_INVENTORY]
    services = large_services(args.services)
    info["large_services"] = len(services)
    info["large"] = f"{len(services)} x {len(hosts)}, {len(hosts) + 2} guests"
    # Fewer services than tools/bench/inventory lists (--services, for development) go as extra vars.
    extra = None if len(services) == len(services_of(LARGE_INVENTORY)) else {"lvs_director_virtual_services": services}
    ports = sorted({service["port"] for service in services})
    ansible.play("prepare (not timed), 6 guests", PREPARE, large, {"bench_listen_ports": ports})
    figures["large-first"] = ansible.play(f"first converge, {info['large']}", site, large, extra, timeout=TIMEOUT_FIRST)
    repeat(ansible, args.repeat, info["large"], site, large, extra, figures, "large-floor", "large-idempotent")


def run_on_lab(name: str, work) -> bool:
    """work(lab, tmp) on the bench lab, with a temporary directory; the lab goes down afterwards, whatever
    happened. False, with the reason on stderr, when a run failed or was interrupted."""
    lab = Lab()
    try:
        with tempfile.TemporaryDirectory(prefix="lvs-bench-") as tmp:
            work(lab, Path(tmp))
    except (BenchError, KeyboardInterrupt) as exc:
        print(f"\n{name} FAILED: {exc}", file=sys.stderr)
        return False
    finally:
        try:
            lab.down()
        except (BenchError, subprocess.TimeoutExpired) as exc:
            print(f"lvslab down failed: {exc}", file=sys.stderr)
    return True


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="idempotent reruns and floor runs per cluster (3)")
    parser.add_argument("--services", type=int, default=50,
                        help="virtual services of the large cluster, at most 50 (fewer: for development only)")
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--docs", type=Path, default=ROOT / "docs", help="where benchmarks.md and .json go (docs)")
    output.add_argument("--no-docs", action="store_true", help="print the figures only")
    args = parser.parse_args()
    if args.repeat < 1 or not 1 <= args.services <= 50:
        parser.error("--repeat must be >= 1 and --services 1 to 50")
    if os.geteuid() != 0:
        parser.error("run as root: the lab needs network namespaces (sudo make bench-converge)")
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, terminate)

    shutil.rmtree(LOGS, ignore_errors=True)
    LOGS.mkdir(parents=True)
    figures: dict = {}
    info = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "repeat": args.repeat}
    started = time.monotonic()
    if not run_on_lab("bench-converge", lambda lab, tmp: bench(args, lab, tmp, figures, info)):
        return 1
    info["bench_seconds"] = round(time.monotonic() - started)
    print(f"\nbench-converge: {info['bench_seconds']} s in all; Ansible logs in {LOGS}\n")
    print(text_table(HEADERS, rows(figures, info["large"])))
    print()
    print(text_table(FLOOR_HEADERS, floor_rows(figures)))
    print()
    print(load_line(figures["load"]))
    for key in ("idempotent", "large-idempotent"):
        if any(run.changed() for run in figures[key].runs):
            print(f"warning: {key} reruns report changed tasks: site.yml is not idempotent there")
    if not args.no_docs:
        write_docs(args.docs, figures, info, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
