"""A fault run's record: the client load for the whole session, cases (time windows with
events and figures) and repeated samples, written to one directory for report.py."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import time
from pathlib import Path

from labtest import analysis, loadgen
from labtest.lab import LAB_NETNS
from labtest.waiting import seconds_until, wait_until

# One request every 50 ms. A request may take 2 s: one retransmitted SYN (sent after 1 s) still
# counts as an answer, so a packet the busy lab drops is a slow answer, not a failure; the answers
# slower than 0.9 s are counted apart.
LOAD_INTERVAL = 0.05
LOAD_TIMEOUT = 2.0
# Upper bound of a whole verify run; the load stops earlier through its stop file.
LOAD_MAX_SECONDS = 1800


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

    def __init__(self, directory: Path):
        self.dir = directory
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
        seconds_until(calm, timeout, "the client to see only successes", interval=0.5)

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


def fresh_run_dir(directory: Path) -> Path:
    """The run's directory, its files of an earlier run removed. It lies outside molecule's
    ephemeral directory, which molecule's destroy prunes: the report reads it after the lab is gone."""
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*"):
        if stale.is_file():
            stale.unlink()
    return directory


@contextlib.contextmanager
def client_load(record: Run, url: str):
    """loadgen.py inside the lab namespace for the whole block, one request every LOAD_INTERVAL."""
    stop_file = record.dir / "stop"
    # Stopped below, by its pid.
    load = subprocess.Popen(  # pylint: disable=consider-using-with
        ["ip", "netns", "exec", LAB_NETNS, sys.executable, loadgen.__file__, "--url", url,
         "--interval", str(LOAD_INTERVAL), "--timeout", str(LOAD_TIMEOUT), "--duration", str(LOAD_MAX_SECONDS),
         "--stop-file", str(stop_file), "--out", str(record.results_file)],
        stdout=subprocess.DEVNULL, stderr=(record.dir / "loadgen.log").open("w"))
    try:
        wait_until(record.results_file.exists, 10, "the load generator's first result", interval=0.1)
        yield record
    finally:
        loadgen.stop(load, stop_file, LOAD_TIMEOUT)
