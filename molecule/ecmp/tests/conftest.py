"""Fixtures of the ECMP scenario: the guests over persistent SSH, the router's view and requests from the client."""
from __future__ import annotations

import json

import pytest
from labtest.guests import Guests
from labtest.lab import client

VIP = "198.51.100.10"
DIRECTORS = {"dir1": "192.0.2.11", "dir2": "192.0.2.12", "dir3": "192.0.2.13"}


@pytest.fixture(scope="session")
def guests(tmp_path_factory):
    guests = Guests(tmp_path_factory.mktemp("ssh"))
    yield guests
    guests.close()


def next_hops() -> list[str]:
    """The directors the router's kernel route to the VIP goes through, by name."""
    routes = json.loads(client("ip", "-j", "route", "show", VIP).stdout or "[]")
    gateways = [hop["gateway"] for route in routes for hop in route.get("nexthops", [route]) if "gateway" in hop]
    return sorted(name for name, address in DIRECTORS.items() if address in gateways)


def requests(count: int, timeout: float = 2) -> list[str]:
    """`count` HTTP requests to the VIP, one new connection (a new source port) each: the bodies, '' when one
    failed."""
    bodies = []
    for _request in range(count):
        res = client("curl", "-s", "--max-time", str(timeout), f"http://{VIP}/", timeout=timeout + 10)
        bodies.append(res.stdout.strip() if res.returncode == 0 else "")
    return bodies
