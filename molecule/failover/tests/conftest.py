"""Fixtures of the fault scenario: the guests over persistent SSH, the client load running for
the whole session, the run's record (events, figures) and the cluster description.

The figures are measured, never asserted: the tests assert behaviour only.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from labtest import directors as lab_directors
# The session fixtures shared with the other scenario under client load.
from labtest.fixtures import cluster, guests, run  # pylint: disable=unused-import
from labtest.guests import Guests
from labtest.lab import ROOT
from labtest.record import fresh_run_dir

SCENARIO = Path(__file__).resolve().parents[1]
VIP = "192.0.2.100"
WEB_PORT = 80


def holds_vip(guests: Guests, name: str) -> bool:
    return bool(guests.run(name, f"ip -o -4 addr show to {VIP}/32", timeout=3).stdout.strip())


def current_master(guests: Guests, candidates: list[str]) -> str:
    holders = [name for name in candidates if holds_vip(guests, name)]
    assert len(holders) == 1, f"exactly one director must hold {VIP}, found {holders}"
    return holders[0]


def web_servers(guests: Guests, director: str, port: int = WEB_PORT) -> dict[str, int] | None:
    """{address: weight} of a VIP service in a director's kernel table; None while it cannot be read
    (a director rebooting) or lacks the service."""
    try:
        table = lab_directors.ipvs_table(guests, director)
    except AssertionError:
        return None
    return lab_directors.real_servers(table, VIP, port)


def sha256_of_config(guests: Guests, directors: list[str]) -> dict[str, str]:
    return {name: guests.check(name, "sha256sum /etc/keepalived/keepalived.conf").split()[0] for name in directors}


@pytest.fixture(scope="session")
def run_dir() -> Path:
    return fresh_run_dir(ROOT / ".cache" / "faults")


@pytest.fixture(scope="session")
def scenario() -> Path:
    return SCENARIO


@pytest.fixture(scope="session")
def load_url() -> str:
    return f"http://{VIP}:{WEB_PORT}/"


@pytest.fixture(scope="session")
def directors(guests) -> list[str]:
    return guests.groups["lvs_directors"]
