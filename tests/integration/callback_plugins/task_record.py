# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Record every task's outcome as JSON, so a test can prove which tasks of a playbook really ran."""

DOCUMENTATION = r"""
name: task_record
type: aggregate
short_description: Write one JSON record per task (name, action, status, items, result) to a file
description:
  - A test helper of hwcloud.apig; not part of the collection's content.
  - The file is named by the E(TASK_RECORD_PATH) environment variable.
requirements:
  - enable in configuration
"""

import json
import os

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "task_record"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.records = []

    def _record(self, result, status):
        data = json.loads(self._dump_results(result._result))
        items = data.get("results") if isinstance(data.get("results"), list) and result._task.loop else None
        self.records.append(
            {
                "name": result._task.get_name(),
                "action": result._task.action,
                "status": status,
                "items_run": None if items is None else len([item for item in items if not item.get("skipped")]),
                "result": data,
            }
        )

    def v2_runner_on_ok(self, result):
        self._record(result, "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record(result, "failed")

    def v2_runner_on_skipped(self, result):
        self._record(result, "skipped")

    def v2_runner_on_unreachable(self, result):
        self._record(result, "unreachable")

    def v2_playbook_on_stats(self, stats):
        with open(os.environ["TASK_RECORD_PATH"], "w") as handle:
            json.dump(self.records, handle, indent=1, sort_keys=True)
