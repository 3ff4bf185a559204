# Copyright: lvs.cluster founders (@lvs-cluster)
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""lvs.cluster.realserver called alone: a file, header or message source that would leave its place is refused before
the module reads the host (no command may run). The VIP and interface checks are in module_utils' tests, the
module on a real kernel in tests/realserver."""

from __future__ import annotations

from ansible_collections.lvs.cluster.plugins.modules import realserver
from ansible_collections.lvs.cluster.tests.unit.plugins.modules.module_runner import refused


def test_hostile_files_header_and_sources_are_refused_before_anything_runs(monkeypatch):
    result = refused(monkeypatch, realserver.main, {
        "vips_file": "/etc/lvs-realserver/vips\n", "state_dir": "run/lvs", "header": "x\rExecStart=/bin/sh",
        "vips": [{"dev": "lo", "address": "192.0.2.100", "source": "a\nb"}], "arp_interfaces_source": "ok"})
    assert [error.split(":")[0] for error in result["errors"]] == ["vips_file", "state_dir", "header", "vips[0].source"]
    assert result["actions"] == []


def test_valid_inputs_pass():
    params = {name: f"/var/lib/x/{name}" for name in realserver.PATHS}
    params.update(header="Managed by Ansible\nsecond line", arp_interfaces_source="lvs_realserver_arp_interfaces",
                  vips=[{"dev": "lo", "address": "192.0.2.100", "source": "lvs_director_virtual_services[0] (web).vip"}],
                  own_addresses=[{"address": "192.0.2.21", "source": "lvs_realserver_address"}])
    assert realserver.input_errors(params) == []
