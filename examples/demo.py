"""`make demo`: the collection at work against the APIG emulator and real loopback backends.

Starts the emulator (APIG + IAM on 127.0.0.1) and a few backend servers on
loopback ports, runs the playbooks in examples/ with credentials from the
environment as a user would, and stops everything it started, whatever happens.
"""

import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.emulator import presets  # noqa: E402  pylint: disable=wrong-import-position
from tests.emulator.backends import BlackholeListener, ClosedPort, OpenListener  # noqa: E402  pylint: disable=wrong-import-position
from tests.emulator.server import Emulator  # noqa: E402  pylint: disable=wrong-import-position
from tests.integration.runner import ansible_env  # noqa: E402  pylint: disable=wrong-import-position

PAYMENTS_CHANNEL_ID = "5d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a"


def banner(text):
    print("\n" + "=" * 78 + "\n== " + text + "\n" + "=" * 78, flush=True)


def run_playbook(playbook, env, expect_success):
    """Run one example playbook; say whether it ended as the demo expects."""
    command = [str(Path(sys.executable).parent / "ansible-playbook"), "-i", "localhost,", "-c", "local",
               str(REPO / "examples" / playbook)]
    completed = subprocess.run(command, env=env, check=False)
    as_expected = (completed.returncode == 0) == expect_success
    print("-> %s exited %d (%s)" % (playbook, completed.returncode, "as expected" if as_expected else "NOT as expected"), flush=True)
    return as_expected


def main():
    """Run the demo; exit status 0 only if every step ended as expected."""
    started = []
    ok = True
    with tempfile.TemporaryDirectory(prefix="apig-demo-") as tmp:
        try:
            web, api = OpenListener(http=True), OpenListener()
            down, slow = ClosedPort(), BlackholeListener()
            started.extend([web, api, down, slow])
            config = presets.default_config(
                members=[{"host": "127.0.0.1", "port": web.port}, {"host": "127.0.0.1", "port": api.port}],
                channels=[{"id": PAYMENTS_CHANNEL_ID, "name": "payments",
                           "members": [{"host": "127.0.0.1", "port": server.port} for server in (web, down, slow)]}],
                check_timeout=1.0)
            emulator = Emulator(config).start()
            started.append(emulator)
            banner("APIG emulator at %s; backends: web %s, api %s (up), down %s (refuses), slow %s (drops SYNs)" % (
                emulator.url, web.address, api.address, down.address, slow.address))
            env = ansible_env(Path(tmp), {
                "HW_APIG_ENDPOINT": emulator.url, "HW_PROJECT_ID": presets.PROJECT_ID,
                "HW_ACCESS_KEY": presets.AK, "HW_SECRET_KEY": presets.SK,
            })
            banner("examples/check_backends.yml: orders answers SUCCESS, payments FAILED with its two dead members")
            ok &= run_playbook("check_backends.yml", env, expect_success=True)
            for step in DEMO_STEPS:
                ok &= step(env, started)
        finally:
            for thing in reversed(started):
                thing.stop() if hasattr(thing, "stop") else thing.close()
            banner("stopped the emulator and %d backend servers" % (len(started) - 1))
    return 0 if ok else 1


DEMO_STEPS = []

if __name__ == "__main__":
    sys.exit(main())
