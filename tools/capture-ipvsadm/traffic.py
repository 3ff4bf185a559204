# SPDX-License-Identifier: GPL-3.0-or-later
"""Bounded test traffic for the capture guest (never leaves the guest).

  traffic.py serve TCP_PORT UDP_PORT LIFETIME   sink: read TCP streams / UDP datagrams
  traffic.py send HOST PORT BYTES CONNS         TCP: CONNS connections, BYTES in total
  traffic.py udp HOST PORT COUNT                COUNT datagrams of 512 bytes
  traffic.py hold HOST PORT SECONDS             one idle established connection
"""
import selectors
import socket
import sys
import time

CHUNK = 1 << 20


def serve(tcp_port, udp_port, lifetime):
    sel = selectors.DefaultSelector()
    lsock = socket.create_server(("0.0.0.0", tcp_port), backlog=64)
    usock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    usock.bind(("0.0.0.0", udp_port))
    sel.register(lsock, selectors.EVENT_READ, "accept")
    sel.register(usock, selectors.EVENT_READ, "udp")
    deadline = time.monotonic() + lifetime
    while time.monotonic() < deadline:
        for key, _events in sel.select(timeout=1):
            if key.data == "accept":
                conn, _peer = lsock.accept()
                sel.register(conn, selectors.EVENT_READ, "conn")
            elif key.data == "udp":
                usock.recvfrom(65535)
            elif not key.fileobj.recv(CHUNK):
                key.fileobj.sendall(b"done\n")
                sel.unregister(key.fileobj)
                key.fileobj.close()


def send(host, port, total, conns):
    payload = b"x" * CHUNK
    per_conn = total // conns
    for _conn in range(conns):
        with socket.create_connection((host, port), timeout=30) as sock:
            left = per_conn
            while left > 0:
                left -= sock.send(payload[:min(left, CHUNK)])
            sock.shutdown(socket.SHUT_WR)
            sock.recv(16)


def udp(host, port, count):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        for _datagram in range(count):
            sock.sendto(b"u" * 512, (host, port))
            time.sleep(0.01)


def hold(host, port, seconds):
    with socket.create_connection((host, port), timeout=30):
        time.sleep(seconds)


def main():
    mode, args = sys.argv[1], sys.argv[2:]
    if mode == "serve":
        serve(int(args[0]), int(args[1]), float(args[2]))
    elif mode == "send":
        send(args[0], int(args[1]), int(args[2]), int(args[3]))
    elif mode == "udp":
        udp(args[0], int(args[1]), int(args[2]))
    elif mode == "hold":
        hold(args[0], int(args[1]), float(args[2]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
