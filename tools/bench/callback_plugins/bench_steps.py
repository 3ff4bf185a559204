# Copyright: lvs.cluster founders (@lvs-cluster)
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Callback of tools/bench/converge.py, not part of the collection."""

from __future__ import annotations

import json
import time

from ansible.playbook.task_include import TaskInclude
from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
name: bench_steps
type: aggregate
short_description: Count the task steps each host ran, for tools/bench/converge.py
description:
  - Writes one JSON file at the end of the playbook run, with C(hosts), per host the counts
    C(ok), C(changed), C(failed) and C(unreachable), and C(tasks).
  - A step is a task result of a host that is not skipped, the same results PLAY RECAP counts
    as ok, failed and unreachable; include_tasks and include_role are not steps (they run no
    module). C(changed) is a subset of C(ok).
  - C(tasks) lists every task start in order with its play, its seconds until the next task
    started (or the run ended) and the number of hosts it ran on (0 when all were skipped).
    Under the linear strategy the tasks with at least one host run one after the other.
requirements:
  - enabled in callbacks_enabled, with this directory in callback_plugins
options:
  path:
    description: File the JSON goes to.
    type: path
    required: true
    env:
      - name: LVS_BENCH_STEPS_FILE
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "bench_steps"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, display=None, options=None):
        super().__init__(display=display, options=options)
        self._hosts = {}
        self._tasks = []
        self._play = None

    def _count(self, result, outcome):
        if isinstance(result.task, TaskInclude):
            return
        counts = self._hosts.setdefault(result.host.get_name(),
                                        {"ok": 0, "changed": 0, "failed": 0, "unreachable": 0})
        counts[outcome] += 1
        if outcome == "ok" and result.result.get("changed", False):
            counts["changed"] += 1
        if self._tasks:
            self._tasks[-1]["hosts"] += 1

    def _start(self, task):
        self._tasks.append({"play": self._play, "task": task.get_name(), "start": time.monotonic(), "hosts": 0})

    def v2_playbook_on_play_start(self, play):
        self._play = play.get_name()

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._start(task)

    def v2_playbook_on_handler_task_start(self, task):
        self._start(task)

    def v2_runner_on_ok(self, result):
        self._count(result, "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._count(result, "failed")

    def v2_runner_on_unreachable(self, result):
        self._count(result, "unreachable")

    def v2_playbook_on_stats(self, stats):
        end = time.monotonic()
        for task, following in zip(self._tasks, self._tasks[1:] + [{"start": end}]):
            task["seconds"] = round(following["start"] - task.pop("start"), 3)
        with open(self.get_option("path"), "w", encoding="utf-8") as out:
            json.dump({"hosts": self._hosts, "tasks": self._tasks}, out, indent=1)
