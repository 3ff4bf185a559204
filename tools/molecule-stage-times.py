"""Pass molecule's output through and print how long each stage took.

    molecule test -s default 2>&1 | python tools/molecule-stage-times.py

Molecule logs "<scenario> ➜ <action>: Executing" and "...: Executed: <result>";
the time between the two is the stage's duration. The summary goes to the end
of the output, where CI logs are read.
"""
import re
import sys
import time

ANSI = re.compile(r"\x1b\[[0-9;]*m")
EVENT = re.compile(r"INFO\s+(\S+) ➜ (\S+): (Executing|Executed: .*)$")


def main():
    began = time.monotonic()
    started = {}
    stages = []
    for line in sys.stdin:
        sys.stdout.write(line)
        sys.stdout.flush()
        match = EVENT.search(ANSI.sub("", line.rstrip("\n")))
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


if __name__ == "__main__":
    main()
