# Copyright: lvs.cluster founders (@lvs-cluster)
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""End to end: `ansible localhost -m lvs.cluster.ipvsadm_info` with a stand-in ipvsadm that replays real captures."""

from __future__ import annotations

import json
import os
import pathlib
import re
import shutil
import subprocess
import sys

import pytest

from ansible_collections.lvs.cluster.plugins.module_utils.ipvsadm import build_info
from ansible_collections.lvs.cluster.tests.ci_gate import require

ANSIBLE = pathlib.Path(sys.executable).parent / "ansible"
FIXTURES = pathlib.Path(__file__).resolve().parents[2] / "fixtures" / "ipvsadm"
EVERY_OPTION = "stats=true rate=true timeouts=true sync_daemons=true"
STAND_IN = """#!/bin/sh
# Stand-in ipvsadm: replays a real capture (stdout, stderr, exit status) for the arguments it knows.
echo "$*" >>"{log}"
case "$*" in
{cases}
    *) echo "stand-in ipvsadm: unexpected arguments: $*" >&2; exit 99 ;;
esac
cat "{fixtures}/$name.stdout"
cat "{fixtures}/$name.stderr" >&2
exit "$(cat "{fixtures}/$name.rc")"
"""
CAPTURE_OF_ARGS = {
    "-Ln": "list",
    "-Ln --stats --exact": "stats_exact",
    "-Ln --rate --exact": "rate_exact",
    "-Ln --timeout": "timeout",
    "-Ln --daemon": "daemon_master_backup",
}

require(ANSIBLE.exists(), "needs the ansible CLI next to this Python")


def stand_in(directory, captures):
    """Write bin/ipvsadm replaying captures[args]; returns (bin dir, call log)."""
    bin_dir = directory / "bin"
    bin_dir.mkdir()
    log = directory / "calls.log"
    cases = "\n".join('    "%s") name=%s ;;' % (args, name) for args, name in captures.items())
    script = bin_dir / "ipvsadm"
    script.write_text(STAND_IN.format(log=log, cases=cases, fixtures=FIXTURES))
    script.chmod(0o755)
    return bin_dir, log


def run_ansible(tmp_path, collections_path, path, module_args, *extra, wrapper=()):
    config = tmp_path / "ansible.cfg"
    config.write_text("[defaults]\n")
    env = dict(os.environ, PATH=os.pathsep.join(path), ANSIBLE_COLLECTIONS_PATH=str(collections_path),
               ANSIBLE_STDOUT_CALLBACK="minimal", ANSIBLE_LOCAL_TEMP=str(tmp_path / "tmp"),
               ANSIBLE_REMOTE_TEMP=str(tmp_path / "tmp"), ANSIBLE_NOCOLOR="1", ANSIBLE_CONFIG=str(config))
    command = [*wrapper, str(ANSIBLE), "localhost", "-i", "localhost,", "-c", "local", "-m", "lvs.cluster.ipvsadm_info",
               "-a", module_args, "-e", "ansible_python_interpreter=" + sys.executable, *extra]
    proc = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False)
    # The minimal callback ends with "localhost | SUCCESS => {json}" (or FAILED!).
    match = re.search(r"^localhost \| (SUCCESS|FAILED!) => ", proc.stdout, re.MULTILINE)
    if match is None:
        pytest.fail("unexpected ansible output (rc %d): %s %s" % (proc.returncode, proc.stdout, proc.stderr))
    return proc.returncode, match.group(1), json.loads(proc.stdout[match.end():])


def system_path(*first):
    return [str(directory) for directory in first] + [str(ANSIBLE.parent), "/usr/bin", "/bin"]


@pytest.mark.parametrize("check", [False, True])
def test_every_option(tmp_path, collections_path, capture, check):
    bin_dir, log = stand_in(tmp_path, CAPTURE_OF_ARGS)
    rc, status, result = run_ansible(tmp_path, collections_path, system_path(bin_dir), EVERY_OPTION, *(["--check"] if check else []))
    assert (rc, status) == (0, "SUCCESS"), result
    assert result["changed"] is False
    assert result["ipvs"] == build_info(
        capture("list").stdout, stats_text=capture("stats_exact").stdout, rate_text=capture("rate_exact").stdout,
        timeout_text=capture("timeout").stdout, daemon_text=capture("daemon_master_backup").stdout)
    assert result["ipvs"]["services"][0]["fwmark"] == 2882430849
    assert result["ipvs"]["services"][1]["stats"]["bytes_in"] == 1501287976
    assert log.read_text().splitlines() == list(CAPTURE_OF_ARGS)


def test_empty_table(tmp_path, collections_path):
    bin_dir = stand_in(tmp_path, {"-Ln": "empty"})[0]
    rc, status, result = run_ansible(tmp_path, collections_path, system_path(bin_dir), "")
    assert (rc, status) == (0, "SUCCESS"), result
    assert result["ipvs"] == {"version": "1.2.1", "conn_table_size": 4096, "services": []}


@pytest.mark.parametrize("name, words", [
    ("no_ipvs_host", ["IPVS is not available in this kernel", "load the ip_vs module",
                      "ipvsadm said: Can't initialize ipvs: Protocol not available"]),
    ("not_root", ["permission denied", "run the task with become: true",
                  "ipvsadm said: Can't initialize ipvs: Permission denied (you must be root)"]),
])
def test_failures(tmp_path, collections_path, name, words):
    bin_dir, log = stand_in(tmp_path, {args: name for args in CAPTURE_OF_ARGS})
    rc, status, result = run_ansible(tmp_path, collections_path, system_path(bin_dir), EVERY_OPTION)
    assert (rc, status) == (2, "FAILED!")
    for word in words:
        assert word in result["msg"]
    assert log.read_text().splitlines() == ["-Ln"]


def test_not_installed(tmp_path, collections_path):
    """ipvsadm is in no PATH directory and /usr/sbin, /usr/local/sbin are hidden in a private mount namespace."""
    unshare = shutil.which("unshare")
    require(os.geteuid() == 0 and unshare is not None, "hiding the host's /usr/sbin/ipvsadm needs root and unshare(1)")
    assert not any((pathlib.Path(directory) / "ipvsadm").exists() for directory in ("/usr/bin", "/bin", ANSIBLE.parent))
    empty = tmp_path / "empty"
    empty.mkdir()
    hide = "mount -t tmpfs none /usr/sbin && mount -t tmpfs none /usr/local/sbin && exec \"$@\""
    rc, status, result = run_ansible(tmp_path, collections_path, system_path(empty), "", wrapper=(
        unshare, "--mount", "--propagation", "private", "/bin/sh", "-c", hide, "hide-sbin"))
    assert (rc, status) == (2, "FAILED!")
    assert result["msg"].startswith("ipvsadm is not installed")
    assert "install the ipvsadm package" in result["msg"]
