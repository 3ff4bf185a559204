"""tools/tiers.py end to end, on stand-in make targets that print, sleep and fail on purpose."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

TIERS = Path(__file__).resolve().parents[2] / "tools" / "tiers.py"

STAND_INS = """\
say-%:
\t@echo "$* says hello"
lines-%:
\t@seq 1 30 | sed 's/^/$* line /'
fail:
\t@echo "about to fail"; echo "FAILED tests/test_x.py::test_y - boom" >> $(DIGEST); exit 3
policy-%:
\t@$(PY) -c 'import os; print("$* policy", os.sched_getscheduler(0))'
sleep-%:
\t@echo $$$$ > $(PIDS)/$*.pid; exec sleep 60
stubborn:
\t@trap '' TERM; echo $$$$ > $(PIDS)/stubborn.pid; exec sleep 60
burn:
\t@$(PY) -c 'import time; t = time.process_time(); [0 for _ in iter(lambda: time.process_time() - t < 0.5, False)]'
live:
\t@echo waiting; for i in $$(seq 100); do test -f $(PIDS)/go && exit 0; sleep 0.1; done; exit 1
"""


@pytest.fixture
def lab(tmp_path):
    """The paths of one run: the stand-in makefile, logs, digest and the pid files of the sleepers."""
    (tmp_path / "pids").mkdir()
    makefile = tmp_path / "stand-ins.mk"
    makefile.write_text(STAND_INS)
    paths = {"logs": tmp_path / "logs", "digest": tmp_path / "digest.txt", "pids": tmp_path / "pids"}
    paths["command"] = [
        sys.executable, str(TIERS), "--logs", str(paths["logs"]), "--digest", str(paths["digest"]),
        "--run", f"make --no-print-directory -f {makefile} DIGEST={paths['digest']} PIDS={paths['pids']} "
                 f"PY={sys.executable}"]
    return paths


@pytest.fixture
def start(lab):
    """Start tools/tiers.py in the background; at the end, stop it if it still runs (it stops its tiers)."""
    started = []

    def start_tiers(*args):
        started.append(subprocess.Popen([*lab["command"], *args], stdout=subprocess.PIPE, text=True))
        return started[-1]

    yield start_tiers
    for proc in started:
        if proc.poll() is None:
            proc.terminate()
        proc.communicate(timeout=30)


def run(lab, *args, **options):
    return subprocess.run([*lab["command"], *args], capture_output=True, text=True, timeout=60, check=False,
                          **options)


def table(output: str) -> dict[str, tuple[str, str, str]]:
    """The final table: tier -> (seconds, CPU seconds, result)."""
    rows = output.split("\ntier ")[1].splitlines()[1:]
    return {m[1]: (m[2], m[3], m[4]) for m in (re.match(r"(\S+)\s+(\S+)\s+(\S+)  (.+)$", row) for row in rows) if m}


def results(output: str) -> dict[str, str]:
    return {tier: row[2] for tier, row in table(output).items()}


def gone(pid: int) -> bool:
    """The process has exited (a zombie waiting for init counts as exited)."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            if Path(f"/proc/{pid}/stat").read_text().rsplit(") ", 1)[1].startswith("Z"):
                return True
        except FileNotFoundError:
            return True
        time.sleep(0.1)
    return False


def wait_for(path: Path) -> str:
    deadline = time.monotonic() + 10
    while not (path.exists() and path.read_text().strip()):
        assert time.monotonic() < deadline, f"{path} never written"
        time.sleep(0.05)
    return path.read_text().strip()


def test_lanes_side_by_side_phases_in_order_each_tier_in_its_log(lab):
    proc = run(lab, "say-a say-b | lines-side", "say-c")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    order = ["== phase 1/2: say-a say-b | lines-side", "== say-a", "a says hello", "== say-b", "b says hello",
             "== lines-side, beside say-a say-b: passed", "== phase 2/2: say-c", "c says hello"]
    positions = [out.index(text) for text in order]
    assert positions == sorted(positions)
    assert results(out) == dict.fromkeys(["say-a", "say-b", "lines-side", "say-c"], "passed")
    assert all(re.fullmatch(r"\d+\.\d", number) for row in table(out).values() for number in row[:2])
    assert (lab["logs"] / "say-b.log").read_text() == "b says hello\n"
    assert len((lab["logs"] / "lines-side.log").read_text().splitlines()) == 30
    # A side tier that passed shows the end of its log only.
    assert "side line 11\n" in out and "side line 10\n" not in out
    assert "failed tests:" not in out


def test_a_tier_counts_the_cpu_time_of_the_processes_below_it(lab):
    """burn's make waits for a Python that spends 0.5 s of CPU; say-a's make only runs echo."""
    proc = run(lab, "burn say-a")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    cpu = {tier: float(row[1]) for tier, row in table(proc.stdout).items()}
    assert cpu["burn"] >= 0.5 > cpu["say-a"], cpu


def test_a_failed_tier_ends_its_lane_and_the_run_and_its_tests_come_last(lab):
    lab["digest"].write_text("FAILED from an earlier run\n")
    proc = run(lab, "say-a fail say-b | lines-side", "say-c")
    assert proc.returncode == 1
    assert results(proc.stdout) == {
        "say-a": "passed", "fail": "failed (exit 2)", "say-b": "not run", "lines-side": "passed", "say-c": "not run"}
    assert "b says hello" not in proc.stdout and "== phase 2/2" not in proc.stdout
    assert proc.stdout.endswith("tiers: fail: not passed (logs in %s)\n"
                                "failed tests:\n  FAILED tests/test_x.py::test_y - boom\n" % lab["logs"])


def test_a_failed_side_tier_shows_its_whole_log(lab):
    proc = run(lab, "say-a | lines-side fail")
    assert proc.returncode == 1
    assert "== fail, beside say-a: failed (exit 2); its log" in proc.stdout
    assert "about to fail" in proc.stdout


def test_the_first_lane_shows_its_output_while_it_runs(lab, start):
    proc = start("live")
    while (line := proc.stdout.readline()) != "waiting\n":
        assert line, "tiers.py ended before the tier's first line"
    (lab["pids"] / "go").touch()
    rest = proc.communicate(timeout=30)[0]
    assert proc.returncode == 0
    assert results(rest) == {"live": "passed"}


def test_an_idle_lane_runs_under_sched_idle(lab):
    # From SCHED_OTHER, whatever this test runs under (make test runs it under SCHED_IDLE).
    assert run(lab, "policy-main | idle: policy-side",
               preexec_fn=lambda: os.sched_setscheduler(0, os.SCHED_OTHER, os.sched_param(0))).returncode == 0
    assert (lab["logs"] / "policy-main.log").read_text() == f"main policy {os.SCHED_OTHER}\n"
    assert (lab["logs"] / "policy-side.log").read_text() == f"side policy {os.SCHED_IDLE}\n"


def test_a_tier_past_its_timeout_is_killed_with_its_process_group(lab):
    began = time.monotonic()
    proc = run(lab, "--timeout", "1", "--grace", "1", "stubborn", "say-c")
    assert time.monotonic() - began < 15
    assert proc.returncode == 1
    assert results(proc.stdout) == {"stubborn": "timed out (1 s)", "say-c": "not run"}
    assert gone(int((lab["pids"] / "stubborn.pid").read_text()))


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_stops_every_running_tier_and_the_run(lab, start, signum):
    proc = start("--grace", "5", "sleep-main | sleep-side", "say-c")
    pids = [int(wait_for(lab["pids"] / f"{lane}.pid")) for lane in ("main", "side")]
    proc.send_signal(signum)
    out = proc.communicate(timeout=30)[0]
    assert proc.returncode == 128 + signum
    name = signal.Signals(signum).name
    assert results(out) == {
        "sleep-main": f"stopped ({name})", "sleep-side": f"stopped ({name})", "say-c": "not run"}
    assert all(gone(pid) for pid in pids)


def test_a_lane_without_tiers_is_refused(lab):
    proc = run(lab, "say-a |")
    assert proc.returncode == 2
    assert "a lane without tiers" in proc.stderr
