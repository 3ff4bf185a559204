"""Long-lived TCP connections to the real servers' echo service (lab-echo, port 9000) through a VIP, opened
from the lab namespace: they show whether a connection outlives a director's loss and return."""

from __future__ import annotations

import socket

from labtest.lab import in_lab_netns

PORT = 9000


def connect(vip: str, port: int = PORT) -> socket.socket:
    connection = in_lab_netns(socket.create_connection, (vip, port), 5)
    connection.settimeout(5)
    return connection


def roundtrip(sock: socket.socket, payload: bytes) -> bytes:
    """Send payload and read back as many bytes (fewer when the connection ends)."""
    sock.sendall(payload)
    received = b""
    while len(received) < len(payload):
        chunk = sock.recv(4096)
        if not chunk:
            break
        received += chunk
    return received


def answers(sock: socket.socket, payload: bytes) -> bool:
    """Whether the connection still echoes: False when it was reset, timed out or ended."""
    try:
        return roundtrip(sock, payload) == payload
    except OSError:
        return False
