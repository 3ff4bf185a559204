"""Fixtures of the ECMP scenario: the guests over persistent SSH, the client load for the whole session, the
run's record (events, figures; labtest/report.py), the cluster description and the router's view."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
# The session fixtures shared with the other scenario under client load.
from labtest.fixtures import cluster, guests, run  # pylint: disable=unused-import
from labtest.lab import ROOT, client
from labtest.record import fresh_run_dir

SCENARIO = Path(__file__).resolve().parents[1]
VIP = "198.51.100.10"
DIRECTORS = {"dir1": "192.0.2.11", "dir2": "192.0.2.12", "dir3": "192.0.2.13"}


def next_hops() -> list[str]:
    """The directors the router's kernel route to the VIP goes through, by name."""
    routes = json.loads(client("ip", "-j", "route", "show", VIP).stdout or "[]")
    gateways = [hop["gateway"] for route in routes for hop in route.get("nexthops", [route]) if "gateway" in hop]
    return sorted(name for name, address in DIRECTORS.items() if address in gateways)


@pytest.fixture(scope="session")
def run_dir() -> Path:
    return fresh_run_dir(ROOT / ".cache" / "ecmp")


@pytest.fixture(scope="session")
def scenario() -> Path:
    return SCENARIO


@pytest.fixture(scope="session")
def load_url() -> str:
    """A new connection, from a new source port, every 50 ms."""
    return f"http://{VIP}/"
