# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the backend gate's action plugins share: they run on the controller, from their options alone.

They never connect to the host (``_requires_connection`` off, no files transferred), they run in check mode too
(they only decide and report), their options are validated against ``ARGUMENT_SPEC`` by Ansible before anything
else, and whatever goes wrong after that ends as a clean failed result, never a traceback on the console.
"""

import os
import traceback

from ansible import constants as C
from ansible.plugins.action import ActionBase


def json_stdout():
    """Whether the console is a machine-readable stream (a JSON stdout callback) that extra lines would corrupt."""
    callback = "%s" % getattr(C, "DEFAULT_STDOUT_CALLBACK", "default")
    return callback.rsplit(".", maxsplit=1)[-1] in ("json", "jsonl")


def resolve_path(path, playbook_dir):
    """A report path as the role documents it: ``~`` expanded, relative to the playbook's directory, normalised."""
    if not path:
        return ""
    path = os.path.expanduser(path)
    if not os.path.isabs(path):
        path = os.path.join(playbook_dir or os.getcwd(), path)
    # A trailing separator says "a directory": keep it, normpath would drop it.
    return os.path.normpath(path) + (os.sep if path.endswith(os.sep) else "")


class ControllerAction(ActionBase):
    """An action plugin that acts on its validated options on the controller; subclasses implement ``act``."""

    TRANSFERS_FILES = False
    _requires_connection = False
    _supports_check_mode = True

    ARGUMENT_SPEC = {}

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        result = super().run(tmp, task_vars)
        _validation, args = self.validate_argument_spec(argument_spec=self.ARGUMENT_SPEC)
        try:
            return self.act(result, args, task_vars)
        except Exception as exc:  # pylint: disable=broad-except  # a clean failure; the traceback only with -vvv
            return dict(
                result,
                failed=True,
                msg="%s: unexpected %s: %s" % (self._task.action, type(exc).__name__, exc),
                exception=traceback.format_exc(),
            )

    def act(self, result, args, task_vars):
        """Return the task's result, given the base ``result``, the validated ``args`` and the task's variables."""
        raise NotImplementedError
