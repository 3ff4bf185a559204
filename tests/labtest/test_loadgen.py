"""labtest.loadgen against a real HTTP server on loopback, and a port nobody listens on."""

import http.server
import json
import socket
import threading

from labtest import loadgen


class Named(http.server.BaseHTTPRequestHandler):
    served = 0
    lock = threading.Lock()

    def do_GET(self):  # noqa: N802 (http.server's name)
        with Named.lock:
            Named.served += 1
        body = b"rs9\n"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_every_request_gets_a_line_with_the_answering_server(tmp_path):
    """One line per request the server answered. How many there are depends on the CPU: loadgen skips the
    ticks it missed while it was not scheduled (CI runs this tier under SCHED_IDLE beside the lab, and once
    sent 7 of the 11), so only the schedule's upper bound is asserted."""
    Named.served = 0
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Named)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    out = tmp_path / "results.jsonl"
    try:
        assert loadgen.main(["--url", f"http://127.0.0.1:{server.server_port}/", "--interval", "0.05",
                             "--duration", "0.5", "--out", str(out)]) == 0
    finally:
        server.shutdown()
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert 1 <= len(lines) == Named.served <= 11
    assert {(r["ok"], r["server"]) for r in lines} == {(True, "rs9")}
    assert all(r["t"] > 0 and r["ms"] >= 0 for r in lines)


def test_a_closed_port_is_refused(tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    out = tmp_path / "results.jsonl"
    loadgen.main(["--url", f"http://127.0.0.1:{port}/", "--interval", "0.1", "--duration", "0.25", "--out", str(out)])
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert lines and all(r == {"t": r["t"], "ok": False, "error": "refused", "ms": r["ms"]} for r in lines)


def test_the_stop_file_ends_the_run(tmp_path):
    stop = tmp_path / "stop"
    stop.touch()
    out = tmp_path / "results.jsonl"
    assert loadgen.main(["--duration", "30", "--stop-file", str(stop), "--out", str(out)]) == 0
    assert not out.read_text()
