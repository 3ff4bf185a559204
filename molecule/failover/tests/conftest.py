"""Fixtures of the fault scenario: fast access to the lab guests, the client
load running for the whole session, and the run's record (events, figures).

The figures are measured, never asserted: the tests assert behaviour only.
"""
from __future__ import annotations

import contextlib
import copy
import json
import os
import shlex
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import testinfra
import yaml

ROOT = Path(__file__).resolve().parents[3]
SCENARIO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools" / "faults"))
sys.path.insert(0, str(ROOT / ".cache" / "collections"))

import analysis  # noqa: E402  (tools/faults, put on the path above)
import loadgen  # noqa: E402
from ansible_collections.lvs.cluster.plugins.plugin_utils.resolve import vrrp_instance  # noqa: E402

LAB = ROOT / "lab" / "lvslab"
LAB_NETNS = os.environ.get("LVSLAB_NETNS", "lvslab")
VIP = "192.0.2.100"
WEB_PORT = 80
ECHO_PORT = 9000
LOAD_INTERVAL = 0.05
# Two seconds: one retransmitted SYN (sent after 1 s) still counts as an answer,
# so a packet the busy lab drops is a slow answer, not a failure; the answers
# slower than 0.9 s are counted apart.
LOAD_TIMEOUT = 2.0
# Upper bound of the whole verify run; the load stops earlier through its stop file.
LOAD_MAX_SECONDS = 1500


def wait_for(predicate, timeout: float, interval: float = 0.1, what: str = "condition") -> float:
    """Poll until predicate() is true; return the seconds it took. Fails after timeout."""
    start = time.monotonic()
    while True:
        if predicate():
            return time.monotonic() - start
        if time.monotonic() - start > timeout:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


class Guests:
    """Commands on the lab guests over one persistent SSH connection each (fast polling)."""

    def __init__(self, run_dir: Path):
        inventory_path = subprocess.run([LAB, "inventory"], capture_output=True, text=True,
                                        check=True, timeout=30).stdout.strip()
        inventory = yaml.safe_load(Path(inventory_path).read_text(encoding="utf-8"))["all"]
        common = inventory["vars"]
        self.address = {name: host["ansible_host"] for name, host in inventory["hosts"].items()}
        self.groups = {group: list(spec["hosts"]) for group, spec in inventory["children"].items()}
        self._control = run_dir / "ssh"
        self._control.mkdir(exist_ok=True)
        self._options = ["-i", common["ansible_ssh_private_key_file"],
                         *shlex.split(common["ansible_ssh_common_args"]),
                         "-o", "ControlMaster=auto", "-o", "ControlPersist=300",
                         "-o", f"ControlPath={self._control}/%h"]

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

    def holds_vip(self, name: str) -> bool:
        return bool(self.run(name, f"ip -o -4 addr show to {VIP}/32", timeout=3).stdout.strip())

    def ipvs_real_servers(self, director: str, port: int = WEB_PORT) -> dict[str, int] | None:
        """{address: weight} of a virtual service in the director's kernel table, None if unreadable."""
        result = self.run(director, f"ipvsadm -Ln -t {VIP}:{port}", timeout=3)
        if result.returncode != 0:
            return None
        members = {}
        for line in result.stdout.splitlines():
            fields = line.split()
            if len(fields) >= 4 and fields[0] == "->" and ":" in fields[1] and fields[3].isdigit():
                members[fields[1].rsplit(":", 1)[0]] = int(fields[3])
        return members

    def sha256(self, name: str, path: str) -> str:
        return self.check(name, f"sha256sum {path}").split()[0]

    def vrrp_priority(self, name: str) -> int:
        """The priority the role rendered into the director's keepalived.conf."""
        return int(self.check(name, "awk '$1 == \"priority\" {print $2; exit}' /etc/keepalived/keepalived.conf"))

    def journal_cursor(self, name: str) -> str:
        """The cursor of keepalived's last journal entry on a guest: vrrp_transitions() reads on from it.

        A cursor, not a time: a guest's clock loses time against the host's while the host is
        busy (16 s in 11 minutes of the fault scenario, measured on dir2)."""
        last = self.check(name, "journalctl -u keepalived -n 1 -o json --no-pager").strip()
        return json.loads(last)["__CURSOR"]

    def vrrp_transitions(self, name: str, cursor: str) -> list[str]:
        """The states of every VRRP state change keepalived logged after `cursor`, in order."""
        journal = self.check(name, f"journalctl -u keepalived -o cat --no-pager --after-cursor '{cursor}'")
        return [line.split("Entering ", 1)[1].split(" STATE", 1)[0]
                for line in journal.splitlines() if "Entering " in line and " STATE" in line]


def lab(*args: str, timeout: float = 180) -> subprocess.CompletedProcess:
    """lab/lvslab with this session's environment (LVSLAB_* select the lab)."""
    result = subprocess.run([LAB, *args], capture_output=True, text=True, timeout=timeout, check=False)
    assert result.returncode == 0, f"lvslab {' '.join(args)}: {result.stdout}{result.stderr}"
    return result


def ansible_host(name: str):
    return testinfra.get_host(f"ansible://{name}", ansible_inventory=os.environ["MOLECULE_INVENTORY_FILE"])


def ipvs_table(name: str) -> dict:
    """The director's kernel table through the collection's module lvs.cluster.ipvsadm_info."""
    result = ansible_host(name).ansible("lvs.cluster.ipvsadm_info", "", become=True, check=False)
    assert not result.get("failed"), result
    return result["ipvs"]


def in_lab_netns(function, *args):
    """Run function(*args) in a thread that joined the lab's network namespace (sockets stay there)."""
    box: dict = {}

    def target():
        try:
            with open(f"/run/netns/{LAB_NETNS}", "rb") as netns:
                os.setns(netns.fileno(), os.CLONE_NEWNET)
            box["value"] = function(*args)
        except BaseException as exc:  # re-raised in the caller
            box["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(30)
    if "error" in box:
        raise box["error"]
    return box.get("value")


def echo_roundtrip(sock: socket.socket, payload: bytes) -> bytes:
    sock.sendall(payload)
    received = b""
    while len(received) < len(payload):
        chunk = sock.recv(4096)
        if not chunk:
            break
        received += chunk
    return received


class Case:
    def __init__(self, run: "Run", key: str, title: str):
        self.run, self.key, self.title = run, key, title
        self.figures: list[dict] = []
        self.start = self.end = 0.0
        self.stats: dict = {}

    def event(self, label: str, kind: str = "observe") -> float:
        return self.run.event(self.key, label, kind)

    def figure(self, name: str, value, unit: str = "", expected: str = "", target: str = "",
               met: bool | None = None) -> None:
        self.figures.append({"name": name, "value": value, "unit": unit, "expected": expected,
                             "target": target, "met": met})
        self.run.save()


class Run:
    """The session's record: client results, events and figures in one directory."""

    def __init__(self, directory: Path, guests: Guests):
        self.dir = directory
        self.guests = guests
        self.results_file = directory / "results.jsonl"
        self.events_file = directory / "events.jsonl"
        self.figures_file = directory / "figures.json"
        self.cases: list[dict] = []
        self.series: list[dict] = []

    def event(self, case: str, label: str, kind: str) -> float:
        now = time.time()
        with self.events_file.open("a", encoding="utf-8") as events:
            events.write(json.dumps({"t": round(now, 4), "case": case, "label": label, "kind": kind}) + "\n")
        return now

    def save(self) -> None:
        """Write every case's figures so far (a failing test leaves them too)."""
        self.figures_file.write_text(json.dumps({"cases": self.cases, "series": self.series}, indent=2) + "\n",
                                     encoding="utf-8")

    def sample(self, profile: str, metric: str, value, unit: str = "s", expected: str = "",
               target: dict | None = None) -> None:
        """One repetition's value of a repeated measurement; report.py gives median and maximum,
        and checks `target` ({"median": s, "max": s}) as a figure, never as a test."""
        for entry in self.series:
            if (entry["profile"], entry["metric"]) == (profile, metric):
                entry["samples"].append(value)
                break
        else:
            self.series.append({"profile": profile, "metric": metric, "unit": unit, "expected": expected,
                                "target": target or {}, "samples": [value]})
        self.save()

    def results(self) -> list[dict]:
        return analysis.read_results(self.results_file)

    def settle(self, quiet: float = 2.0, timeout: float = 60) -> None:
        """Wait until the client has seen only successes for `quiet` seconds."""
        def calm():
            since = time.time() - quiet
            return (analysis.all_ok_since(self.results(), since)
                    and analysis.all_ok_since(self.results(), since - LOAD_TIMEOUT))
        time.sleep(quiet)
        wait_for(calm, timeout, interval=0.5, what="the client to see only successes")

    def served_by(self, server: str, since: float) -> bool:
        return any(r["ok"] and r["server"] == server for r in self.results() if r["t"] >= since)

    @contextlib.contextmanager
    def case(self, key: str, title: str, settle: float = 2.0):
        """A window of the run; it starts after `settle` quiet seconds (0: at once)."""
        if settle:
            self.settle(quiet=settle)
        case = Case(self, key, title)
        case.start = self.event(key, title, "case")
        try:
            yield case
        finally:
            time.sleep(LOAD_TIMEOUT + 0.3)  # let requests started in the window finish
            case.end = self.event(key, "end", "case-end")
            case.stats = analysis.window_stats(self.results(), case.start, case.end)
            self.cases.append({"key": key, "title": title, "start": case.start, "end": case.end,
                               "client": case.stats, "figures": case.figures})
            self.save()


class Cluster:
    """The cluster description of molecule.yml; apply() runs site.yml with it as extra vars."""

    def __init__(self, run_dir: Path):
        group_vars = yaml.safe_load((SCENARIO / "molecule.yml").read_text(encoding="utf-8"))
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


@pytest.fixture(scope="session")
def run_dir() -> Path:
    # Outside molecule's ephemeral directory, which its destroy step prunes:
    # make faults reports from here once the lab is gone.
    base = ROOT / ".cache" / "faults"
    base.mkdir(parents=True, exist_ok=True)
    for stale in base.glob("*"):
        if stale.is_file():
            stale.unlink()
    return base


@pytest.fixture(scope="session")
def guests(run_dir):
    guests = Guests(run_dir)
    yield guests
    guests.close()


@pytest.fixture(scope="session")
def run(run_dir, guests):
    """The client load for the whole session (make faults reports on it afterwards)."""
    record = Run(run_dir, guests)
    stop_file = run_dir / "stop"
    # The load generator is stopped below, by its pid.
    load = subprocess.Popen(  # pylint: disable=consider-using-with
        ["ip", "netns", "exec", LAB_NETNS, "python3", str(ROOT / "tools" / "faults" / "loadgen.py"),
         "--url", f"http://{VIP}:{WEB_PORT}/", "--interval", str(LOAD_INTERVAL),
         "--timeout", str(LOAD_TIMEOUT), "--duration", str(LOAD_MAX_SECONDS),
         "--stop-file", str(stop_file), "--out", str(record.results_file)],
        stdout=subprocess.DEVNULL, stderr=(run_dir / "loadgen.log").open("w"))
    try:
        wait_for(record.results_file.exists, 10, what="the load generator's first result")
        yield record
    finally:
        loadgen.stop(load, stop_file, LOAD_TIMEOUT)


@pytest.fixture(scope="session")
def cluster(run_dir) -> Cluster:
    return Cluster(run_dir)


@pytest.fixture(scope="session")
def directors(guests) -> list[str]:
    return guests.groups["lvs_directors"]


def current_master(guests: Guests, candidates: list[str]) -> str:
    holders = [name for name in candidates if guests.holds_vip(name)]
    assert len(holders) == 1, f"exactly one director must hold {VIP}, found {holders}"
    return holders[0]


def sha256_of_config(guests: Guests, directors: list[str]) -> dict[str, str]:
    return {name: guests.sha256(name, "/etc/keepalived/keepalived.conf") for name in directors}
