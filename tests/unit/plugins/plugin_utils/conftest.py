"""The live IPVS table the tests of plugins/plugin_utils read: a real captured `ipvsadm -Ln` (UML 6.1 kernel)."""

from __future__ import annotations

import pytest

from ansible_collections.lvs.cluster.plugins.module_utils.ipvsadm import parse_list


@pytest.fixture(name='table')
def table_fixture(capture):
    """lvs.cluster.ipvsadm_info's table of tests/unit/fixtures/ipvsadm/list.stdout."""
    return parse_list(capture('list').stdout)
