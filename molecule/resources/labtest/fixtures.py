"""Session fixtures of the scenarios under client load (the fault and the ECMP scenarios). A scenario's conftest
imports them and defines the three they need: run_dir (where the run records), scenario (its directory) and
load_url (what the client requests)."""

from __future__ import annotations

import pytest

from labtest.cluster import Cluster
from labtest.guests import Guests
from labtest.record import Run, client_load


@pytest.fixture(scope="session")
def guests(run_dir):
    """The guests over persistent SSH."""
    connections = Guests(run_dir / "ssh")
    yield connections
    connections.close()


@pytest.fixture(scope="session")
def run(run_dir, load_url):
    """The client load for the whole session; the scenario's make target reports on it afterwards."""
    with client_load(Run(run_dir), load_url) as record:
        yield record


@pytest.fixture(scope="session")
def cluster(run_dir, scenario) -> Cluster:
    """The cluster description of the scenario's molecule.yml, and its playbooks run with it."""
    return Cluster(scenario, run_dir)
