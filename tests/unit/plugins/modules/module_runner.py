# Copyright: lvs.cluster founders (@lvs-cluster)
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run a module's main() in this process: its arguments patched in, exit_json and fail_json raising ExitJson
and FailJson with the result."""

from __future__ import annotations

import contextlib
import json
from unittest import mock

import pytest

from ansible.module_utils import basic

try:
    from ansible.module_utils.testing import patch_module_args
except ImportError:  # ansible-core < 2.19 has no testing helper; AnsibleModule reads the same global there
    @contextlib.contextmanager
    def patch_module_args(args):
        with mock.patch.object(basic, "_ANSIBLE_ARGS", json.dumps({"ANSIBLE_MODULE_ARGS": args}).encode()):
            yield


class ExitJson(Exception):
    pass


class FailJson(Exception):
    pass


def raise_results(monkeypatch):
    """exit_json and fail_json raise ExitJson and FailJson with the module's result."""
    def exit_json(_module, **result):
        raise ExitJson(result)

    def fail_json(_module, **result):
        raise FailJson(result)

    monkeypatch.setattr(basic.AnsibleModule, "exit_json", exit_json)
    monkeypatch.setattr(basic.AnsibleModule, "fail_json", fail_json)


def run_main(main, args, outcome=ExitJson):
    """The result main() ends with (outcome: ExitJson or FailJson); raise_results must be in place."""
    with patch_module_args(args):
        with pytest.raises(outcome) as exc:
            main()
    return exc.value.args[0]


def refused(monkeypatch, main, args):
    """The result of main() with args, which must fail before it runs any command."""
    def no_command(_module, argv, **_kwargs):
        raise AssertionError(f"the module ran {argv} before refusing its input")

    raise_results(monkeypatch)
    monkeypatch.setattr(basic.AnsibleModule, "run_command", no_command)
    return run_main(main, args, FailJson)
