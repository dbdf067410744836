# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run a module's ``main()`` in this process, the way Ansible runs it: arguments in, one JSON answer out.

``patch_module_args`` (ansible-core 2.19+) hands the arguments to AnsibleModule; the answer is read from stdout,
so hundreds of argument sets take seconds instead of one ansible-playbook run each. A traceback anywhere in the
output is a failure of the module, whatever it answered.

AnsibleModule keeps warnings and deprecations in globals of the process (a real module run has a process of its
own); they are emptied before each run here, so a warning is only ever seen by the run that gave it. For the same
reason the run is marked as not on the controller: once a test of the same process has imported controller code
(an action or filter plugin imports ``ansible.errors``), ansible-core 2.19 sends a module's warnings to the
controller's display instead of its result, and asks the controller's configuration whether to keep a traceback,
which a module in its own process never does.
"""

import contextlib
import io
import json
from unittest import mock

import pytest
from ansible.module_utils import _internal as ansible_internal
from ansible.module_utils._internal import _traceback
from ansible.module_utils.common import warnings as ansible_warnings
from ansible.module_utils.testing import patch_module_args


class ModuleRun:
    """What one run left: ``code`` (exit status), ``result`` (the JSON answer) and ``output`` (all it printed)."""

    def __init__(self, code, result, output):
        self.code = code
        self.result = result
        self.output = output

    def __iter__(self):
        return iter((self.code, self.result, self.output))


def run_module(main, args, exception_field=False):
    """Run ``main`` (a module's ``main`` function) with ``args``; it must exit, and print no traceback.

    With ``exception_field``, the result's ``exception`` may hold one (an unexpected error, when the run asked for
    tracebacks), and only there.
    """
    ansible_warnings._global_warnings.clear()  # pylint: disable=protected-access
    ansible_warnings._global_deprecations.clear()  # pylint: disable=protected-access
    out, err = io.StringIO(), io.StringIO()
    with _on_the_managed_host(), patch_module_args(args):
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), pytest.raises(SystemExit) as caught:
            main()
    output = out.getvalue() + err.getvalue()
    result = json.loads(out.getvalue())
    shown = output
    if exception_field:
        shown = err.getvalue() + json.dumps({key: value for key, value in result.items() if key != "exception"})
    assert "Traceback" not in shown, output
    return ModuleRun(caught.value.code, result, output)


def _on_the_managed_host():
    """Undo, for one run, what importing controller code did to module_utils: warnings that go to the controller's
    display, and tracebacks asked of the controller's configuration instead of the module's arguments."""
    stack = contextlib.ExitStack()
    if hasattr(ansible_internal, "is_controller"):
        stack.enter_context(mock.patch.object(ansible_internal, "is_controller", False))
    if hasattr(_traceback, "_is_module_traceback_enabled"):
        stack.enter_context(
            mock.patch.object(_traceback, "_is_traceback_enabled", _traceback._is_module_traceback_enabled)  # pylint: disable=protected-access
        )
    return stack


def warning_texts(result):
    """The warnings of a result as text (ansible-core 2.19 returns them as summaries, older versions as text)."""
    return [warning if isinstance(warning, str) else warning["event"]["msg"] for warning in result.get("warnings", [])]
