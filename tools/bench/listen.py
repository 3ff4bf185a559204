# Copyright: lvs.cluster founders (@lvs-cluster)
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Listener of the converge benchmark on a real server: HTTP on every port given, answering with the host name.

    python3 listen.py PORT [PORT ...]

One process for all ports, so the 50-service cluster's health checks cost the
guest one python. Standard library only: it runs with the guest's python3.
"""

from __future__ import annotations

import http.server
import socket
import sys
import threading


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (the name BaseHTTPRequestHandler dispatches to)
        body = (socket.gethostname() + "\n").encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        """Quiet: a health check every few seconds on 50 ports would fill the journal."""


def main(ports: list[int]) -> None:
    servers = [http.server.ThreadingHTTPServer(("", port), Handler) for port in ports]
    for server in servers[1:]:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    servers[0].serve_forever()


if __name__ == "__main__":
    main([int(port) for port in sys.argv[1:]])
