# Copyright: lvs.cluster founders (@lvs-cluster)
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Make this checkout importable as ansible_collections.lvs.cluster and load the ipvsadm captures."""

from __future__ import annotations

import atexit
import collections
import gzip
import pathlib
import shutil
import sys
import tempfile

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "unit" / "fixtures" / "ipvsadm"

# A private ansible_collections tree (a symlink to this checkout), the same
# layout as `make collection-link`, so the tests need no prior make step.
COLLECTIONS = pathlib.Path(tempfile.mkdtemp(prefix="lvs-cluster-units-"))
atexit.register(shutil.rmtree, COLLECTIONS, True)
(COLLECTIONS / "ansible_collections" / "lvs").mkdir(parents=True)
(COLLECTIONS / "ansible_collections" / "lvs" / "cluster").symlink_to(ROOT)
sys.path.insert(0, str(COLLECTIONS))

Capture = collections.namedtuple("Capture", "stdout stderr rc")


def load_capture(name):
    """One real ipvsadm run from tests/unit/fixtures/ipvsadm (NAME.stdout[.gz], .stderr, .rc)."""
    plain = FIXTURES / (name + ".stdout")
    stdout = plain.read_text() if plain.exists() else gzip.decompress((FIXTURES / (name + ".stdout.gz")).read_bytes()).decode()
    return Capture(stdout, (FIXTURES / (name + ".stderr")).read_text(), int((FIXTURES / (name + ".rc")).read_text()))


@pytest.fixture(name="capture")
def capture_fixture():
    return load_capture


@pytest.fixture(name="collections_path")
def collections_path_fixture():
    return COLLECTIONS
