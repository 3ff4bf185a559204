# SPDX-License-Identifier: GPL-3.0-or-later
"""Bounded HTTP load for the fault scenarios: one request every INTERVAL seconds.

Each request runs in its own thread on a fixed schedule, so a slow or lost
request never delays the next one. One JSON line per request (in completion
order) goes to --out:

    {"t": 1700000000.123, "ok": true, "server": "rs1", "ms": 4.1}
    {"t": 1700000000.173, "ok": false, "error": "timeout", "ms": 1000.9}

t is the start of the request (epoch seconds), server the body the real server
answered with. The run ends after --duration seconds or when --stop-file
exists, whichever comes first; requests in flight are then waited for (at most
--timeout). Standard library only: it runs inside the lab namespace with the
system python3.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse


def _error_name(exc: BaseException) -> str:
    if isinstance(exc, (TimeoutError, socket.timeout)):
        return "timeout"
    if isinstance(exc, ConnectionRefusedError):
        return "refused"
    if isinstance(exc, ConnectionResetError):
        return "reset"
    if isinstance(exc, http.client.HTTPException):
        return "http:" + type(exc).__name__
    return type(exc).__name__


def request(url: urllib.parse.SplitResult, timeout: float) -> dict:
    """One GET on a fresh connection; the result line without its timestamp."""
    start = time.monotonic()
    conn = http.client.HTTPConnection(url.hostname, url.port or 80, timeout=timeout)
    try:
        conn.request("GET", url.path or "/", headers={"Connection": "close"})
        response = conn.getresponse()
        body = response.read(256).decode(errors="replace").strip()
        result = {"ok": response.status == 200, "server": body}
        if response.status != 200:
            result["error"] = f"status {response.status}"
    except (OSError, http.client.HTTPException) as exc:
        result = {"ok": False, "error": _error_name(exc)}
    finally:
        conn.close()
    result["ms"] = round((time.monotonic() - start) * 1000, 1)
    return result


def stop(process: subprocess.Popen, stop_file, timeout: float) -> None:
    """End a load generator started with --stop-file: it finishes its requests in flight
    (at most timeout); after 10 s more it is killed."""
    stop_file.touch()
    try:
        process.wait(timeout=timeout + 10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://192.0.2.100/")
    parser.add_argument("--interval", type=float, default=0.05, help="seconds between request starts")
    parser.add_argument("--timeout", type=float, default=1.0, help="seconds per request (connect and read)")
    parser.add_argument("--duration", type=float, required=True, help="stop after this many seconds")
    parser.add_argument("--stop-file", help="stop as soon as this file exists")
    parser.add_argument("--out", default="-", help="result file (JSON lines), - for stdout")
    args = parser.parse_args(argv)
    if args.interval <= 0 or args.timeout <= 0 or args.duration <= 0:
        parser.error("--interval, --timeout and --duration must be positive")

    url = urllib.parse.urlsplit(args.url)
    out = sys.stdout if args.out == "-" else open(args.out, "a", encoding="utf-8")
    lock = threading.Lock()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())

    def worker(started: float) -> None:
        line = json.dumps({"t": round(started, 4), **request(url, args.timeout)})
        with lock:
            out.write(line + "\n")
            out.flush()

    threads: list[threading.Thread] = []
    begin = time.monotonic()
    tick = 0
    while not stop.is_set():
        due = begin + tick * args.interval
        if due - begin >= args.duration or (args.stop_file and os.path.exists(args.stop_file)):
            break
        delay = due - time.monotonic()
        if delay > 0:
            stop.wait(delay)
            continue
        # Ticks missed while this process was not scheduled are skipped, not bunched.
        if -delay > args.interval:
            tick += int(-delay / args.interval)
            continue
        thread = threading.Thread(target=worker, args=(time.time(),), daemon=True)
        thread.start()
        threads = [t for t in threads if t.is_alive()] + [thread]
        tick += 1
    deadline = time.monotonic() + args.timeout + 1
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    if out is not sys.stdout:
        out.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
