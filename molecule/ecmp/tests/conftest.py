"""Fixtures of the ECMP scenario: the guests over persistent SSH, the client load for the whole session, the
run's record (events, figures; labtest/report.py), the cluster description and the router's view."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from labtest.cluster import Cluster
from labtest.guests import Guests
from labtest.lab import ROOT, client
from labtest.record import Run, client_load, fresh_run_dir

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
def guests(run_dir):
    guests = Guests(run_dir / "ssh")
    yield guests
    guests.close()


@pytest.fixture(scope="session")
def run(run_dir):
    """A new connection (a new source port) to the VIP every 50 ms for the whole session."""
    with client_load(Run(run_dir), f"http://{VIP}/") as record:
        yield record


@pytest.fixture(scope="session")
def cluster(run_dir) -> Cluster:
    return Cluster(SCENARIO, run_dir)
