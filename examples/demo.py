# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""`make demo`: the collection at work against the APIG emulator and real loopback backends.

Starts the emulator (APIG + IAM on 127.0.0.1) and a few backend servers on
loopback ports, runs the playbooks in examples/ with credentials from the
environment as a user would, and stops everything it started, whatever happens.
The last step is the whole release as one story (examples/release.yml): gate,
deploy, verify through the gateway, bake on its statistics - and then a release
whose backend starts answering 500s, which the bake catches, naming the API.
"""

import json
import subprocess
import sys
import tempfile
import threading
import xml.etree.ElementTree as ET
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.emulator import presets  # noqa: E402  pylint: disable=wrong-import-position
from tests.emulator.server import Emulator  # noqa: E402  pylint: disable=wrong-import-position
from tests.integration.runner import ansible_env  # noqa: E402  pylint: disable=wrong-import-position
from tests.loopback.listeners import BlackholeListener, ClosedPort, OpenListener  # noqa: E402  pylint: disable=wrong-import-position
from tests.loopback.load import LoadGenerator, Target  # noqa: E402  pylint: disable=wrong-import-position
from tests.verify_world import GROUP, verify_config  # noqa: E402  pylint: disable=wrong-import-position

PAYMENTS_CHANNEL_ID = "5d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a"


def banner(text):
    print("\n" + "=" * 78 + "\n== " + text + "\n" + "=" * 78, flush=True)


def run_playbook(playbook, env, expect_success):
    """Run one example playbook; say whether it ended as the demo expects."""
    command = [
        str(Path(sys.executable).parent / "ansible-playbook"),
        "-i",
        "localhost,",
        "-c",
        "local",
        str(REPO / "examples" / playbook),
    ]
    completed = subprocess.run(command, env=env, check=False)
    as_expected = (completed.returncode == 0) == expect_success
    print(
        "-> %s exited %d (%s)" % (playbook, completed.returncode, "as expected" if as_expected else "NOT as expected"),
        flush=True,
    )
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
                channels=[
                    {
                        "id": PAYMENTS_CHANNEL_ID,
                        "name": "payments",
                        "members": [{"host": "127.0.0.1", "port": server.port} for server in (web, down, slow)],
                    }
                ],
                check_timeout=1.0,
            )
            emulator = Emulator(config).start()
            started.append(emulator)
            banner(
                "APIG emulator at %s; backends: web %s, api %s (up), down %s (refuses), slow %s (drops SYNs)"
                % (emulator.url, web.address, api.address, down.address, slow.address)
            )
            env = ansible_env(
                Path(tmp),
                {
                    "HW_APIG_ENDPOINT": emulator.url,
                    "HW_PROJECT_ID": presets.PROJECT_ID,
                    "HW_ACCESS_KEY": presets.AK,
                    "HW_SECRET_KEY": presets.SK,
                },
            )
            banner("examples/check_backends.yml: orders answers SUCCESS, payments FAILED with its two dead members")
            ok &= run_playbook("check_backends.yml", env, expect_success=True)
            for step in DEMO_STEPS:
                try:
                    ok &= step(env, started)
                except (OSError, RuntimeError, ValueError, subprocess.SubprocessError, ET.ParseError) as exc:
                    print(
                        "-> demo step %s could not run: %s: %s" % (step.__name__, type(exc).__name__, exc), flush=True
                    )
                    ok = False
        finally:
            for thing in reversed(started):
                thing.stop() if hasattr(thing, "stop") else thing.close()
            emulators = sum(1 for thing in started if isinstance(thing, Emulator))
            banner("stopped %d emulator(s) and %d backend servers" % (emulators, len(started) - emulators))
    return 0 if ok else 1


def gate_demo(env, started):
    """examples/deploy_with_gate.yml twice: with every backend up (deploys), then with one down (refuses)."""
    orders_web, orders_api, billing = OpenListener(http=True), OpenListener(), OpenListener()
    started.extend([orders_web, orders_api, billing])
    emulator = Emulator(
        presets.default_config(
            members=[{"host": "127.0.0.1", "port": server.port} for server in (orders_web, orders_api)],
            check_timeout=1.0,
        )
    ).start()
    started.append(emulator)
    return pass_then_refuse(
        "deploy_with_gate.yml",
        ("all-up", "one-down"),
        dict(env, HW_APIG_ENDPOINT=emulator.url),
        {"billing_backend": billing.address},
        intro="examples/deploy_with_gate.yml: APIG emulator %s; orders channel %s + %s, billing %s, all up"
        % (emulator.url, orders_web.address, orders_api.address, billing.address),
        stopping=orders_api,
        why="stopped the orders backend %s: the gate must refuse, and the deployment must not run" % orders_api.address,
    )


def discovery_demo(env, started):
    """examples/deploy_discovered.yml twice: the gate checks what the gateway routes to, found in its configuration
    (an API's main backend, its gray policy's backend, another API's #variable# address); then the policy's backend
    stops and the gate refuses, naming the API and the policy behind it."""
    order_web, gray, listing = OpenListener(http=True), OpenListener(), OpenListener()
    started.extend([order_web, gray, listing])
    catalog = {
        "groups": [{"name": "orders"}],
        "variables": [{"group": "orders", "environment": "RELEASE", "name": "ORDERS_HOST", "value": listing.address}],
        "apis": [
            {
                "name": "get-order",
                "group": "orders",
                "backend": {"vpc_channel": presets.CHANNEL_ID},
                "policies": [{"name": "gray", "backend": {"url_domain": gray.address}}],
                "published": {"RELEASE": {}},
            },
            {
                "name": "list-orders",
                "group": "orders",
                "backend": {"url_domain": "#ORDERS_HOST#"},
                "published": {"RELEASE": {}},
            },
        ],
    }
    emulator = Emulator(
        presets.default_config(
            members=[{"host": "127.0.0.1", "port": order_web.port}], catalog=catalog, check_timeout=1.0
        )
    ).start()
    started.append(emulator)
    return pass_then_refuse(
        "deploy_discovered.yml",
        ("discovered-all-up", "discovered-policy-down"),
        dict(env, HW_APIG_ENDPOINT=emulator.url),
        {},
        intro="examples/deploy_discovered.yml: APIG emulator %s publishes group orders to RELEASE - get-order through"
        " channel %s (%s) with policy gray to %s, list-orders at #ORDERS_HOST# = %s"
        % (emulator.url, presets.CHANNEL_ID, order_web.address, gray.address, listing.address),
        stopping=gray,
        why="stopped %s, the backend of get-order's gray policy, which no one listed: the gate must refuse"
        % gray.address,
    )


def pass_then_refuse(playbook, runs, gate_env, extra, intro, stopping, why):
    """A gated release run twice: with every backend up, where it must deploy; then, once ``stopping`` is closed,
    where the gate must refuse and the deployment must not run. Both runs are made whatever the first gave."""
    banner(intro)
    deployed = gated_release(playbook, runs[0], True, gate_env, extra)
    stopping.close()
    banner(why)
    refused = gated_release(playbook, runs[1], False, gate_env, extra)
    return deployed and refused


def gated_release(playbook, run, expect_success, gate_env, extra):
    """One run of a gated release playbook: did it deploy exactly when expected, and write its JUnit report?"""
    reports = REPO / "build" / "demo"
    reports.mkdir(parents=True, exist_ok=True)
    junit = reports / ("backend-gate-%s.xml" % run)
    record = reports / ("release-%s.txt" % run)
    for stale in (junit, record):
        if stale.exists():
            stale.unlink()
    extra = dict(extra, junit_report=str(junit), release_record=str(record))
    command = [
        str(Path(sys.executable).parent / "ansible-playbook"),
        "-i",
        "localhost,",
        "-c",
        "local",
        "-e",
        json.dumps(extra),
        str(REPO / "examples" / playbook),
    ]
    completed = subprocess.run(command, env=gate_env, check=False)
    deployed = record.exists()
    as_expected = (completed.returncode == 0) == expect_success and deployed == expect_success and junit.exists()
    print(
        "-> %s (%s) exited %d; deployment ran: %s; JUnit report: %s (%s)"
        % (playbook, run, completed.returncode, "yes" if deployed else "no", junit, junit_summary(junit)),
        flush=True,
    )
    print("-> %s" % ("as expected" if as_expected else "NOT as expected"), flush=True)
    return as_expected


def junit_summary(path):
    """tests / failures / errors of a JUnit report, as a CI server would count them."""
    if not path.exists():
        return "missing"
    suite = ET.parse(str(path)).getroot().find("testsuite")
    summary = "%s tests, %s failures, %s errors" % (suite.get("tests"), suite.get("failures"), suite.get("errors"))
    return summary + (", %s skipped" % suite.get("skipped") if suite.get("skipped") not in (None, "0") else "")


class ShopTraffic:
    """Clients of the shop while a release runs: steady requests through the emulator's data plane, and the
    gateway's statistics clock running a minute a second, so a bake of seconds sees minutes of real traffic. With
    ``break_stock``, the stock backend starts answering 500s as soon as the bake asks its first statistics - after
    the calls through the gateway passed: what only the bake can catch."""

    def __init__(self, emulator, break_stock=False):
        self.emulator = emulator
        self.break_stock = break_stock
        self.broken = False
        self.done = threading.Event()
        host = emulator.group_domain(GROUP)
        targets = [Target("/orders/1", host), Target("/orders", host), Target("/stock", host)]
        self.load = LoadGenerator(emulator.data_url, targets, 1000000, 2, 300, rate=60)
        self.clock = threading.Thread(target=self._tick, name="demo-clock", daemon=True)

    def start(self):
        self.load.start()
        self.clock.start()
        return self

    def _tick(self):
        while not self.done.wait(1.0):
            self.emulator.clock.advance(minutes=1)
            if self.break_stock and not self.broken:
                asked = any(entry["path"].endswith("/statistics/api/latest") for entry in self.emulator.requests)
                if asked:
                    self.emulator.configure_backend("stock", status=500, body="stock service crashed")
                    self.broken = True
                    print("-> demo: the stock backend now answers 500 to every request", flush=True)

    def stop(self):
        self.done.set()
        self.load.stop()
        self.clock.join(timeout=5)


def release_demo(env, started):
    """examples/release.yml twice, the whole release as one story: the gate passes, the deploy runs, every API
    answers through the gateway and a short bake passes; then a release whose stock backend starts answering 500s
    once it is live - the calls pass, the bake fails naming get-stock, and the release is never announced."""
    dead = ClosedPort()
    started.append(dead)
    ok = True
    for run, break_stock in (("verified", False), ("stock-500s", True)):
        emulator = Emulator(verify_config(dead.address)).start()
        started.append(emulator)
        traffic = ShopTraffic(emulator, break_stock).start()
        started.append(traffic)
        banner(
            "examples/release.yml (%s): APIG emulator %s publishes group shop; clients call it through the data "
            "plane %s, the gateway's statistics clock runs a minute a second%s"
            % (
                run,
                emulator.url,
                emulator.data_url,
                "; the stock backend will start answering 500s once the release is live" if break_stock else "",
            )
        )
        ok &= released(run, dict(env, HW_APIG_ENDPOINT=emulator.url), expect_verified=not break_stock)
        traffic.stop()
    return ok


def released(run, release_env, expect_verified):
    """One run of examples/release.yml: deployed after the gate, and announced exactly when it was verified."""
    build = REPO / "build"
    reports = build / "reports"
    records = {name: build / ("%s.txt" % name) for name in ("release", "verified")}
    for stale in [*records.values(), reports / "backend-gate.xml", reports / "api-verify.xml"]:
        if stale.exists():
            stale.unlink()
    command = [str(Path(sys.executable).parent / "ansible-playbook"), "-i", "localhost,", "-c", "local"]
    completed = subprocess.run([*command, str(REPO / "examples" / "release.yml")], env=release_env, check=False)
    deployed, verified = records["release"].exists(), records["verified"].exists()
    report = reports / "api-verify.xml"
    as_expected = (
        (completed.returncode == 0) == expect_verified and deployed and verified == expect_verified and report.exists()
    )
    print(
        "-> release.yml (%s) exited %d; deployed: %s; verified and announced: %s; JUnit report: %s (%s)"
        % (
            run,
            completed.returncode,
            "yes" if deployed else "no",
            "yes" if verified else "no",
            report,
            junit_summary(report),
        ),
        flush=True,
    )
    print("-> %s" % ("as expected" if as_expected else "NOT as expected"), flush=True)
    return as_expected


DEMO_STEPS = [gate_demo, discovery_demo, release_demo]

if __name__ == "__main__":
    sys.exit(main())
