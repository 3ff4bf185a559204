"""Pass molecule's output through and print how long each stage took.

    molecule test -s default 2>&1 | python tools/molecule-stage-times.py [--failures FILE]

Molecule logs "<scenario> ➜ <action>: Executing" and "...: Executed: <result>";
the time between the two is the stage's duration. The summary goes to the end
of the output, where CI logs are read, with the tests pytest's short summary
names as failed (one line each; molecule wraps them in its output box). With
--failures, those lines are also appended to FILE, for a digest at the very end
of `make test`.
"""
import argparse
import re
import sys
import time

ANSI = re.compile(r"\x1b\[[0-9;]*m")
EVENT = re.compile(r"INFO\s+(\S+) ➜ (\S+): (Executing|Executed: .*)$")
# The text of molecule's output box: "  │ text", continued lines indented once more.
BOXED = re.compile(r"^\s*│ ?(.*)$")
OUTCOME = re.compile(r"^(FAILED|ERROR)\b")
SUMMARY_START = re.compile(r"=+ short test summary info")
SUMMARY_END = re.compile(r"^=+ .*\b(passed|failed|error|errors)\b")


class FailedTests:
    """The FAILED/ERROR entries of pytest's short test summary, each joined to one line."""

    def __init__(self):
        self.inside = False
        self.lines = []

    def feed(self, text: str) -> None:
        boxed = BOXED.match(text)
        text = boxed.group(1) if boxed else text
        if SUMMARY_START.search(text):
            self.inside = True
        elif self.inside and SUMMARY_END.search(text):
            self.inside = False
        elif self.inside and OUTCOME.match(text):
            self.lines.append(text.strip())
        elif self.inside and self.lines and text.strip():
            self.lines[-1] += " " + text.strip()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--failures", help="append the failed tests to this file")
    args = parser.parse_args()
    began = time.monotonic()
    started = {}
    stages = []
    failed = FailedTests()
    for line in sys.stdin:
        sys.stdout.write(line)
        sys.stdout.flush()
        text = ANSI.sub("", line.rstrip("\n"))
        failed.feed(text)
        match = EVENT.search(text)
        if not match:
            continue
        scenario, action, what = match.groups()
        now = time.monotonic()
        if what == "Executing":
            started[(scenario, action)] = now
        elif (scenario, action) in started:
            stages.append((scenario, action, now - started.pop((scenario, action)), what.split(": ", 1)[1]))
    print("\nstage times:")
    for scenario, action, seconds, result in stages:
        print(f"  {scenario:<10} {action:<12} {seconds:7.1f} s  {result}")
    print(f"  {'total':<23} {time.monotonic() - began:7.1f} s")
    if failed.lines:
        print("failed tests:", *failed.lines, sep="\n  ")
        if args.failures:
            with open(args.failures, "a", encoding="utf-8") as digest:
                digest.writelines(f"{line}\n" for line in failed.lines)


if __name__ == "__main__":
    main()
