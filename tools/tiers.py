"""Run test tiers in phases, side by side, each into its own log; a table of times and results last.

    python tools/tiers.py [--run CMD] [--logs DIR] [--digest FILE] [--timeout S] [--grace S] PHASE...

The phases run one after the other; a phase starts only when every tier before it
passed. A PHASE is lanes separated by "|", run side by side; a lane is tiers
separated by spaces, run one after the other, and a failed tier ends its lane. A
lane written "idle: TIER ..." runs under SCHED_IDLE: any other process that wants
the CPU takes it from that lane at once. A tier is the command --run with the
tier's name appended (make's target).

Each tier's output goes to DIR/TIER.log. The first lane's output shows as it comes;
the other lanes' tiers show after the phase: the last lines of a tier that passed,
all of a tier that failed. Every tier is bounded by --timeout, and runs in a
process group of its own: at the timeout, or when this script gets SIGINT or
SIGTERM, that group gets SIGTERM, then SIGKILL after --grace seconds.

The end: one line per tier (seconds, CPU seconds, result), the failed tiers named,
and last the failed tests that the tiers appended to the --digest file (emptied
first). A tier's CPU seconds are those of its processes that were waited for: the
tier's command and everything below it, not the daemons it started (the lab's
guests); side by side, they say which tiers compete for the CPU.
Exit status: 0 when every tier passed, 1 when one did not, 128 + the signal's
number after SIGINT or SIGTERM.
"""

from __future__ import annotations

import argparse
import os
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

POLL_SECONDS = 0.2
TAIL_LINES = 20


def run_idle():
    """In the child before exec: SCHED_IDLE, which the tier's own children inherit."""
    os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))


class Tier:
    def __init__(self, name: str, idle: bool, log: Path):
        self.name, self.idle, self.log = name, idle, log
        self.result = "not run"
        self.seconds: float | None = None
        self.cpu: float | None = None
        self.proc: subprocess.Popen | None = None
        self.began = 0.0

    def start(self, command: list[str]) -> None:
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen([*command, self.name], stdin=subprocess.DEVNULL, stdout=out,
                                         stderr=subprocess.STDOUT, process_group=0,
                                         preexec_fn=run_idle if self.idle else None)
        self.began = time.monotonic()

    def elapsed(self) -> float:
        return time.monotonic() - self.began

    def finished(self) -> bool:
        """True once the tier's process has exited; its result is then set."""
        if not self.reap(os.WNOHANG):
            return False
        self.result = "passed" if self.proc.returncode == 0 else f"failed (exit {self.proc.returncode})"
        return True

    def reap(self, flags: int) -> bool:
        """Wait for the tier's process (os.WNOHANG: only look); True once it has exited, with its time set."""
        if self.proc.returncode is not None:
            return True
        pid, status, usage = os.wait4(self.proc.pid, flags)
        if not pid:
            return False
        self.proc.returncode = os.waitstatus_to_exitcode(status)
        self.seconds, self.cpu = self.elapsed(), usage.ru_utime + usage.ru_stime
        return True

    def stop(self, result: str, grace: float) -> None:
        """SIGTERM to the tier's process group; SIGKILL to what is left of it after at most grace seconds."""
        self.signal_group(signal.SIGTERM)
        deadline = time.monotonic() + grace
        while not self.reap(os.WNOHANG) and time.monotonic() < deadline:
            time.sleep(POLL_SECONDS)
        self.signal_group(signal.SIGKILL)
        self.reap(0)
        self.result = result

    def signal_group(self, signum: int) -> None:
        try:
            os.killpg(self.proc.pid, signum)
        except ProcessLookupError:  # the whole group has exited
            pass


def parse_phase(text: str, logs: Path) -> list[list[Tier]]:
    lanes = []
    for lane in text.split("|"):
        idle = lane.strip().startswith("idle:")
        names = lane.strip().removeprefix("idle:").split()
        if not names:
            raise ValueError(f"phase {text!r}: a lane without tiers")
        lanes.append([Tier(name, idle, logs / f"{name}.log") for name in names])
    return lanes


class Runner:
    def __init__(self, command: list[str], timeout: float, grace: float, out=sys.stdout):
        self.command, self.timeout, self.grace, self.out = command, timeout, grace, out
        self.running: list[Tier] = []
        self.signum = 0  # SIGINT or SIGTERM, once received: every running tier is then stopped

    def on_signal(self, signum, _frame) -> None:
        self.signum = signum

    def say(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def run_phase(self, lanes: list[list[Tier]]) -> bool:
        """Run the lanes side by side; True when every tier passed."""
        waiting = [list(lane) for lane in lanes]
        shown = None  # the first lane's current log, copied to the output as it grows
        while not self.signum:
            for lane in waiting:
                if lane and lane[0].proc and (lane[0].finished() or self.timed_out(lane[0])):
                    self.running.remove(lane[0])
                    if lane.pop(0).result != "passed":
                        lane.clear()
                if lane and not lane[0].proc:
                    if lane is waiting[0]:
                        shown = self.show(lane[0], shown)
                    lane[0].start(self.command)
                    self.running.append(lane[0])
            if shown:
                self.copy(shown)
            if not self.running:
                break
            time.sleep(POLL_SECONDS)
        for tier in self.running:
            tier.stop(f"stopped ({signal.Signals(self.signum).name})", self.grace)
        self.running.clear()
        if shown:
            self.copy(shown)
            shown.close()
        for tier in (t for lane in lanes[1:] for t in lane if t.seconds is not None):
            self.show_side(tier, lanes[0])
        return all(t.result == "passed" for lane in lanes for t in lane)

    def timed_out(self, tier: Tier) -> bool:
        if tier.elapsed() < self.timeout:
            return False
        tier.stop(f"timed out ({self.timeout:.0f} s)", self.grace)
        return True

    def show(self, tier: Tier, shown):
        """Start showing tier's log, after the rest of the one shown before."""
        if shown:
            self.copy(shown)
            shown.close()
        self.say(f"== {tier.name}")
        tier.log.touch()
        return open(tier.log, "rb")

    def copy(self, log) -> None:
        data = log.read()
        if data:
            self.out.buffer.write(data)
            self.out.flush()

    def show_side(self, tier: Tier, main: list[Tier]) -> None:
        lines = tier.log.read_text(errors="replace").splitlines()
        whole = tier.result != "passed"
        self.say(f"== {tier.name}, beside {' '.join(t.name for t in main)}: {tier.result}; "
                 f"{'its log' if whole else 'the end of its log'} ({tier.log})")
        for line in lines if whole else lines[-TAIL_LINES:]:
            self.say(line)


def summary(phases: list[list[list[Tier]]]) -> list[str]:
    tiers = [t for phase in phases for lane in phase for t in lane]
    width = max(len("tier"), *(len(t.name) for t in tiers))
    lines = [f"{'tier':<{width}}  {'seconds':>7}  {'cpu s':>7}  result"]
    for t in tiers:
        seconds, cpu = ("-" if value is None else f"{value:.1f}" for value in (t.seconds, t.cpu))
        lines.append(f"{t.name:<{width}}  {seconds:>7}  {cpu:>7}  {t.result}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("phases", nargs="+", metavar="PHASE")
    parser.add_argument("--run", default="make --no-print-directory",
                        help="the command a tier's name is appended to (default: %(default)s)")
    parser.add_argument("--logs", type=Path, default=Path(".cache/tiers"), help="one TIER.log each")
    parser.add_argument("--digest", type=Path, help="the failed tests the tiers append to; printed last")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds a tier may take")
    parser.add_argument("--grace", type=float, default=120,
                        help="seconds a stopped tier gets to clean up before SIGKILL")
    args = parser.parse_args(argv)
    try:
        phases = [parse_phase(text, args.logs) for text in args.phases]
    except ValueError as error:
        parser.error(str(error))
    args.logs.mkdir(parents=True, exist_ok=True)
    if args.digest:
        args.digest.unlink(missing_ok=True)

    runner = Runner(shlex.split(args.run), args.timeout, args.grace)
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, runner.on_signal)
    passed = True
    for number, (text, phase) in enumerate(zip(args.phases, phases), 1):
        runner.say(f"== phase {number}/{len(phases)}: {text}")
        passed = runner.run_phase(phase)
        if not passed:
            break

    runner.say("")
    for line in summary(phases):
        runner.say(line)
    failed = [t.name for phase in phases for lane in phase for t in lane if t.result not in ("passed", "not run")]
    if failed:
        runner.say(f"tiers: {', '.join(failed)}: not passed (logs in {args.logs})")
    if args.digest and args.digest.exists() and args.digest.stat().st_size:
        runner.say("failed tests:")
        for line in args.digest.read_text().splitlines():
            runner.say(f"  {line}")
    return 128 + runner.signum if runner.signum else 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
