# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""hwcloud.apig.api_verify_bake: the api_verify role's bake, polled from the controller.

A bake takes minutes, and a module can only answer once, at its end: so the polling is here, on the controller, and
each poll runs ``hwcloud.apig.api_statistics_info`` on the host like any module task (its credentials, its
environment, its proxy), one run per gateway instance. Between polls the action shows each API's figures so far on
the console, as it happens. The schedule and the judgement are plain Python (plugins/plugin_utils/bake.py).

The connection options are this action's own (it is in the action group, so ``module_defaults`` for
``group/hwcloud.apig.apig`` reach it) and are handed to the module as given - never read here from the controller's
environment: the module reads the HW_* variables on the host, as every module of the collection does.

The task does not fail when an API breaches or has too little traffic: the verdict (``api_verify_verdict``) decides.
It fails only when its own options cannot be used.
"""

import time

from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

from ansible_collections.hwcloud.apig.plugins.module_utils.connection import connection_argument_spec
from ansible_collections.hwcloud.apig.plugins.plugin_utils.bake import BakeError, Thresholds, key_of, run_bake
from ansible_collections.hwcloud.apig.plugins.plugin_utils.controller_action import json_stdout

display = Display()
MODULE = "hwcloud.apig.api_statistics_info"


def _connection_spec():
    """The connection options as given: no defaults or fallbacks here (the module applies them on the host)."""
    spec = {}
    for name, option in connection_argument_spec().items():
        spec[name] = {"type": "raw", "no_log": bool(option.get("no_log"))}
        if option.get("aliases"):
            spec[name]["aliases"] = list(option["aliases"])
    return spec


ARGUMENT_SPEC = dict(
    _connection_spec(),
    apis=dict(type="list", elements="dict", required=True),
    seconds=dict(type="float", required=True),
    interval=dict(type="float", default=60),
    window_minutes=dict(type="int", default=5),
    max_error_rate=dict(type="float", default=0.01),
    max_latency_ms=dict(type="float", default=0),
    min_requests=dict(type="int", default=20),
    concurrency=dict(type="int", default=20),
)
CONNECTION = tuple(_connection_spec())


class ActionModule(ActionBase):
    """Poll the statistics of every API, judge each poll, show the progress, return one record per API."""

    _supports_check_mode = True
    _supports_async = False

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        result = super().run(tmp, task_vars)
        _validation, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        try:
            thresholds = Thresholds(
                args["seconds"],
                args["interval"],
                args["window_minutes"],
                args["max_error_rate"],
                args["max_latency_ms"],
                args["min_requests"],
            )
            targets = [_target(index, api) for index, api in enumerate(args["apis"])]
        except ValueError as exc:
            return dict(result, failed=True, changed=False, msg="api verify bake: %s" % exc)
        if not targets:
            return dict(result, failed=True, changed=False, msg="api verify bake: apis must list at least one API")
        connection = {name: args[name] for name in CONNECTION if args.get(name) is not None}
        quiet = json_stdout()

        def read(_poll):
            return self._poll(targets, connection, args, task_vars)

        def show(text):
            if not quiet:
                display.display(text)

        baked = run_bake(targets, thresholds, read, show, sleep=time.sleep)
        result.update(changed=False, records=baked["records"], polls=baked["polls"], breach=baked["breach"])
        result["msg"] = (
            "api verify bake: %s breached after %d polls" % (baked["breach"]["api"], baked["polls"])
            if baked["breach"]
            else "api verify bake: %d polls of %d APIs" % (baked["polls"], len(targets))
        )
        return result

    def _poll(self, targets, connection, args, task_vars):
        """One poll: ``api_statistics_info`` once per instance, its figures by API key; BakeError if one fails."""
        figures = {}
        for instance_id in sorted({target["instance_id"] for target in targets}):
            ids = [target["api_id"] for target in targets if target["instance_id"] == instance_id]
            module_args = dict(
                connection,
                instance_id=instance_id,
                apis=ids,
                minutes=args["window_minutes"],
                concurrency=args["concurrency"],
            )
            answer = self._execute_module(module_name=MODULE, module_args=module_args, task_vars=task_vars)
            if answer.get("failed") or not isinstance(answer.get("apis"), list):
                raise BakeError(answer.get("msg") or "%s did not answer" % MODULE)
            for found in answer["apis"]:
                if isinstance(found, dict):
                    figures[key_of(dict(found, instance_id=instance_id))] = found
        return figures


def _target(index, api):
    """One API to bake, from an entry of ``apis``."""
    if not isinstance(api, dict) or not api.get("api_id") or not api.get("instance_id"):
        raise ValueError("apis[%d] must give api_id and instance_id" % index)
    return {
        "instance_id": api["instance_id"],
        "api_id": api["api_id"],
        "api_name": api.get("api_name") or api["api_id"],
    }
