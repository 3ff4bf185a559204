# Copyright: lvs.cluster founders (@lvs-cluster)
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What every test tier does when this machine cannot run a test (not root, a tool missing).

On a developer's machine the test skips. Under CI=true it fails: there a skip
would hide a tier that never ran. A test that does not apply to a case (not to
the machine) skips with pytest.skip and says why, never through require().
"""

from __future__ import annotations

import os

import pytest

UNDER_CI = os.environ.get("CI") == "true"


def require(condition, reason):
    """Skip the current test (or module) when condition is false; fail instead under CI=true."""
    __tracebackhide__ = True  # pytest then reports the line that called require()
    if condition:
        return
    if UNDER_CI:
        pytest.fail(f"{reason} (CI=true: a test that cannot run here fails)", pytrace=False)
    pytest.skip(reason, allow_module_level=True)
