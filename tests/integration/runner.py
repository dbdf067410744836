# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run real ansible-playbook / ansible commands against the checkout, the way users do.

The collection is loaded from the checkout through the ``.collections`` symlink
tree (created here if ``make`` has not), the interpreter is named explicitly
(discovery can pick a pyenv shim here), and no HW_* variable of the calling
environment leaks into a run unless a test passes it on purpose.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
COLLECTIONS = REPO / ".collections"
PLAYBOOKS = Path(__file__).resolve().parent / "playbooks"
BIN = Path(sys.executable).parent


def ensure_collection_link():
    """The ansible_collections/hwcloud/apig symlink that makes the checkout an installed collection."""
    link = COLLECTIONS / "ansible_collections" / "hwcloud" / "apig"
    if not link.exists():
        link.parent.mkdir(parents=True, exist_ok=True)
        try:
            link.symlink_to(Path("..") / ".." / "..", target_is_directory=True)
        except FileExistsError:
            pass
    return link


def ansible_env(tmp_path, extra=None):
    """A clean environment for an Ansible run: no HW_* credentials unless given in ``extra``."""
    ensure_collection_link()
    env = {key: value for key, value in os.environ.items() if not key.startswith(("HW_", "HUAWEICLOUD_", "ANSIBLE_"))}
    env.update(
        {
            "ANSIBLE_COLLECTIONS_PATH": str(COLLECTIONS),
            "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_FORCE_COLOR": "0",
            "ANSIBLE_RETRY_FILES_ENABLED": "0",
            "ANSIBLE_LOCAL_TEMP": str(tmp_path / "ansible-local"),
            "ANSIBLE_REMOTE_TEMP": str(tmp_path / "ansible-remote"),
            "ANSIBLE_HOME": str(tmp_path / "ansible-home"),
            "ANSIBLE_DEPRECATION_WARNINGS": "0",
            "PATH": "%s%s%s" % (BIN, os.pathsep, env.get("PATH", "")),
            "PYTHONPATH": "",
        }
    )
    env.update(extra or {})
    return env


def ansible_doc(tmp_path, names, plugin_type="module"):
    """``{name: documentation}`` of each plugin as ``ansible-doc -j`` renders it, every doc fragment resolved."""
    env = ansible_env(tmp_path)
    output = subprocess.run(
        [str(BIN / "ansible-doc"), "-t", plugin_type, "-j", *names],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    return {name: doc["doc"] for name, doc in json.loads(output).items()}


class Run:
    """What an Ansible command did: exit code, output, and the result it saved (if any)."""

    def __init__(self, completed, result_path=None):
        self.rc = completed.returncode
        self.stdout = completed.stdout
        self.stderr = completed.stderr
        self.result = None
        if result_path is not None and result_path.exists():
            self.result = json.loads(result_path.read_text())

    @property
    def output(self):
        return self.stdout + self.stderr

    def __repr__(self):
        return "Run(rc=%s)\n--- stdout ---\n%s\n--- stderr ---\n%s" % (
            self.rc,
            self.stdout[-6000:],
            self.stderr[-3000:],
        )


def run_playbook(playbook, tmp_path, extra_vars=None, env=None, args=(), timeout=300):
    """ansible-playbook on localhost (local connection) with JSON extra vars; the playbook may save a result."""
    result_path = tmp_path / "result.json"
    if result_path.exists():
        result_path.unlink()
    variables = {"result_path": str(result_path)}
    variables.update(extra_vars or {})
    vars_file = tmp_path / "extra_vars.json"
    vars_file.write_text(json.dumps(variables))
    playbook = Path(playbook)
    if not playbook.is_absolute():
        playbook = PLAYBOOKS / playbook
    command = [
        str(BIN / "ansible-playbook"),
        "-i",
        "localhost,",
        "-c",
        "local",
        "-e",
        "@%s" % vars_file,
        str(playbook),
        *list(args),
    ]
    completed = subprocess.run(
        command,
        env=ansible_env(tmp_path, env),
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=str(tmp_path),
        check=False,
    )
    return Run(completed, result_path)


def run_adhoc(module, module_args, tmp_path, env=None, args=(), timeout=120):
    """``ansible localhost -m MODULE -a ARGS``; the host's result is read from the --tree output."""
    tree = tmp_path / "tree"
    command = [
        str(BIN / "ansible"),
        "localhost",
        "-i",
        "localhost,",
        "-c",
        "local",
        "-m",
        module,
        "-a",
        module_args,
        "--tree",
        str(tree),
        *list(args),
    ]
    completed = subprocess.run(
        command,
        env=ansible_env(tmp_path, env),
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=str(tmp_path),
        check=False,
    )
    return Run(completed, tree / "localhost")
