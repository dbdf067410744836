# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Composition: generated plays of the backend_gate role against the emulator, and the gate's promise in each.

Hypothesis draws a play - 1 to 3 hosts, maybe ``serial: 1``; checks of each backend type and probe mode; 0 to 2
discoveries over two environments that share backends, overlapping the explicit checks with other probe modes;
``max_failures``, ``on_error`` and ``wait_timeout``; one or two includes of the role - and at most one fault: a
discovery that cannot be made or finds nothing, an invalid check, an API error on the first or a later attempt, a
local half that cannot be made, a backend that answers 404 to this host's HTTP probe, a host that drops out, an
unwritable or symlinked report path, or a passing report of an earlier run already on disk.

Each play runs once, for real (ansible-playbook, loopback backends), and these must hold:

* each host's verdict (``backend_gate_result``) passes exactly when the ground truth - computed here from the
  topology alone, by the rules the gate documents, not by its code - says it passes; it never says ``passed: true``
  for a run that did not pass;
* each unreachable ``host:port`` counts once, and every API behind a failing backend is named;
* the report on disk holds every host, names this run's ``run_id`` for each verdict and agrees with it (and is
  absent when its path cannot be written);
* the module's ``discover`` makes the same checks as the role, with the same results;
* no two runs share a ``run_id``.

The CI profile (tests/conftest.py) draws the same examples on every run.
"""

import json
import os
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.emulator import presets
from tests.emulator.server import Emulator
from tests.integration.runner import run_playbook
from tests.loopback.listeners import ClosedPort, OpenListener
from tests.needs import needs

pytestmark = pytest.mark.integration

PLAYBOOK = Path(__file__).resolve().parent / "playbooks" / "composition.yml"
EXAMPLES = int(os.environ.get("HWCLOUD_APIG_COMPOSITION_EXAMPLES", "6"))
MIX_CHANNEL_ID = "5d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a"
# The backends: two up, one down (refused), one the gateway may not reach (a security group without its source
# range), one that answers every HTTP request with 404. Every open one speaks HTTP, so a local HTTP probe is fair.
UP1, UP2, DOWN, BLOCKED, NOT_FOUND = "U1", "U2", "D", "B", "H"
CHANNELS = {"CH_UP": (UP1, UP2), "CH_MIX": (UP1, DOWN), "CH_EMPTY": ()}
ADDRESS_TARGETS = (UP1, DOWN, BLOCKED, NOT_FOUND)
SIDES = {"remote": {"gateway"}, "local": {"host"}, "both": {"gateway", "host"}}
FAULTS = (
    None,
    "discovery_error",
    "discovery_empty",
    "invalid_check",
    "api_error_first",
    "api_error_later",
    "members_error",
    "wrong_answer",
    "dropped_host",
    "unwritable_report",
    "symlinked_report",
    "old_report",
)


# ---- what is drawn -------------------------------------------------------------------------------------------------

checks = st.lists(
    st.tuples(st.sampled_from(ADDRESS_TARGETS + tuple(CHANNELS)), st.sampled_from(("remote", "local", "both", None))),
    max_size=3,
)
plays = st.fixed_dictionaries(
    {
        "hosts": st.integers(1, 3),
        "serial": st.booleans(),
        "checks": checks,
        "discover": st.lists(st.sampled_from(("RELEASE", "staging")), max_size=2, unique=True),
        "probe": st.sampled_from(("remote", "local", "both")),
        "max_failures": st.integers(0, 2),
        "on_error": st.sampled_from(("fail", "warn")),
        "includes": st.integers(1, 2),
        "fault": st.sampled_from(FAULTS),
        # what group orders publishes: where #HOST# points in each environment (None: no value in staging), the
        # channel of get-order, where its gray policy goes, and whether staging has the policy and list-orders
        "host_release": st.sampled_from(ADDRESS_TARGETS),
        "host_staging": st.sampled_from((*ADDRESS_TARGETS, None)),
        "channel": st.sampled_from(("CH_UP", "CH_MIX")),
        "gray": st.sampled_from((UP2, DOWN)),
        "staging_gray": st.booleans(),
        "staging_list": st.booleans(),
    }
)


# ---- the ground truth, from the topology and the rules the gate documents ------------------------------------------


def _remote(target, play):
    """The gateway's side: ``("error", [])``, ``("ok", [])``, ``("fail", [(backend, outcome)])`` or
    ``("no backend", [])``."""
    if play["fault"] == "api_error_first":
        return "error", []
    if target in CHANNELS:
        members = CHANNELS[target]
        if not members:
            return "no backend", []
        dead = [(member, "unreachable") for member in members if member in (DOWN, BLOCKED)]
        return ("fail", dead) if dead else ("ok", [])
    return ("fail", [(target, "unreachable")]) if target in (DOWN, BLOCKED) else ("ok", [])


def _local(target, play):
    """This host's side, as ``_remote``: it reaches the blocked backend, and gets 404 from H over HTTP."""
    http = play["fault"] == "wrong_answer"
    if target in CHANNELS:
        if play["fault"] == "members_error" or not CHANNELS[target]:
            return "error", []
        members = CHANNELS[target]
    else:
        members = (target,)
    failing = []
    for member in members:
        if member == DOWN:
            failing.append((member, "unreachable"))
        elif member == NOT_FOUND and http:
            failing.append((member, "wrong_answer"))
    return ("fail", failing) if failing else ("ok", [])


def truth_of_check(target, sides, play):
    """A check's result and failing backends, by the one rule: a side that fails makes it FAILED whatever the other
    side says; otherwise a side that could not be made makes it ERROR."""
    parts = []
    if "gateway" in sides:
        parts.append(_remote(target, play))
    if "host" in sides:
        parts.append(_local(target, play))
    failing = {}
    for _state, entries in parts:
        for backend, outcome in entries:
            if failing.get(backend) != "unreachable":
                failing[backend] = outcome
    if any(state in ("fail", "no backend") for state, _entries in parts):
        return "FAILED", failing
    if any(state == "error" for state, _entries in parts):
        return "ERROR", {}
    return "SUCCESS", {}


def discovered_targets(play):
    """``{target: [route label, ...]}`` and the number of checks that cannot be made, of every discovery."""
    by_target, problems = {}, 0
    environments = list(play["discover"])
    qualify = len(environments) > 1
    for environment in environments:
        found = []
        host = play["host_release"] if environment == "RELEASE" else play["host_staging"]
        gray = environment == "RELEASE" or play["staging_gray"]
        listed = environment == "RELEASE" or play["staging_list"]
        found.append((play["channel"], "get-order"))
        if gray:
            found.append((play["gray"], "get-order [policy gray]"))
        if listed:
            if host is None:
                problems += 1
            else:
                found.append((host, "list-orders"))
        for target, label in found:
            by_target.setdefault(target, []).append(label + (" @%s" % environment if qualify else ""))
    if play["fault"] == "discovery_error":
        problems += 1
    if play["fault"] == "discovery_empty":
        problems += 1
    return by_target, problems


def truth(play):
    """Every check the gate makes (``[(name, target, sides, result, failing, routes)]``), and the verdict."""
    default = play["probe"]
    made = []
    for index, (target, probe) in enumerate(play["checks"]):
        made.append(["c%d" % index, target, SIDES[probe or default], []])
    records = []
    by_target, problems = discovered_targets(play)
    for target, labels in by_target.items():
        covering = next((entry for entry in made if entry[1] == target and SIDES[default] <= entry[2]), None)
        if covering is not None:
            covering[3].extend(labels)
        else:
            made.append([", ".join(labels), target, SIDES[default], labels])
    for name, target, sides, routes in made:
        result, failing = truth_of_check(target, sides, play)
        records.append((name, target, sides, result, failing, routes))
    errors = problems + (1 if play["fault"] == "invalid_check" else 0)
    errors += sum(1 for record in records if record[3] == "ERROR")
    made_count = sum(1 for record in records if record[3] in ("SUCCESS", "FAILED"))
    failing = {}
    for record in records:
        for backend, outcome in record[4].items():
            if failing.get(backend) != "unreachable":
                failing[backend] = outcome
    no_backend = sum(1 for record in records if record[3] == "FAILED" and not record[4])
    passed = (
        made_count > 0
        and (errors == 0 or play["on_error"] == "warn")
        and no_backend == 0
        and len(failing) <= play["max_failures"]
    )
    return records, {"passed": passed, "failing": failing, "errors": errors, "made": made_count}


def dropped(play, records):
    """Whether the host reached over SSH (to a closed port) drops out: when one of its checks probes from it."""
    return play["fault"] == "dropped_host" and any("host" in record[2] for record in records)


# ---- the world a play runs in ----------------------------------------------------------------------------------------


class World:
    """The loopback backends and the emulator of one play."""

    def __init__(self, play):
        self.servers = {
            UP1: OpenListener(http=True),
            UP2: OpenListener(http=True),
            DOWN: ClosedPort(),
            BLOCKED: OpenListener(http=True),
            NOT_FOUND: OpenListener(http=True, status=404, body=b"no such page"),
        }
        self.addr = {name: server.address for name, server in self.servers.items()}
        member = {name: {"host": "127.0.0.1", "port": server.port} for name, server in self.servers.items()}
        variables = [
            {"group": "orders", "environment": "RELEASE", "name": "HOST", "value": self.addr[play["host_release"]]}
        ]
        if play["host_staging"] is not None:
            variables.append(
                {"group": "orders", "environment": "staging", "name": "HOST", "value": self.addr[play["host_staging"]]}
            )
        channel = presets.CHANNEL_ID if play["channel"] == "CH_UP" else MIX_CHANNEL_ID
        staging = {} if play["staging_gray"] else {"policies": []}
        apis = [
            {
                "name": "get-order",
                "group": "orders",
                "backend": {"vpc_channel": channel},
                "policies": [{"name": "gray", "backend": {"url_domain": self.addr[play["gray"]]}}],
                "published": {"RELEASE": {}, "staging": staging},
            },
            {
                "name": "list-orders",
                "group": "orders",
                "backend": {"url_domain": "#HOST#"},
                "published": {"RELEASE": {}, **({"staging": {}} if play["staging_list"] else {})},
            },
            {"name": "mock-only", "group": "mocks", "backend_type": "MOCK", "published": {"RELEASE": {}}},
        ]
        config = presets.default_config(
            members=[member[UP1], member[UP2]],
            channels=[{"id": MIX_CHANNEL_ID, "name": "mix", "members": [member[UP1], member[DOWN]]}],
            blocked_from_gateway=[self.addr[BLOCKED]],
            catalog={
                "groups": [{"name": "orders"}, {"name": "mocks"}],
                "environments": [{"name": "staging"}],
                "variables": variables,
                "apis": apis,
            },
            check_timeout=2.0,
        )
        self.emulator = Emulator(config).start()
        self.channel_ids = {"CH_UP": presets.CHANNEL_ID, "CH_MIX": MIX_CHANNEL_ID, "CH_EMPTY": presets.EMPTY_CHANNEL_ID}

    def check(self, name, target, probe):
        entry = {"name": name, "instance_id": presets.INSTANCE_ID}
        if target in CHANNELS:
            entry.update(backend_type="vpc_channel", vpc_channel_id=self.channel_ids[target])
        else:
            entry.update(backend_type="backend_address", backend_address=self.addr[target])
        if probe:
            entry["probe"] = probe
        return entry

    def target_of(self, record):
        """The drawn name (U1, CH_MIX, ...) of a record's backend or channel."""
        value = record.get("backend_address") or record.get("vpc_channel_id")
        names = {address: name for name, address in self.addr.items()}
        names.update({channel: name for name, channel in self.channel_ids.items()})
        return names.get(value, value)

    def close(self):
        self.emulator.stop()
        for server in self.servers.values():
            server.close()


def role_variables(world, play, report):
    checks_given = [world.check("c%d" % index, target, probe) for index, (target, probe) in enumerate(play["checks"])]
    if play["fault"] == "invalid_check":
        checks_given.append(
            {
                "name": "c9",
                "instance_id": presets.INSTANCE_ID,
                "backend_type": "backend_address",
                "backend_address": "127.0.0.1:99999",
            }
        )
    discover = [{"instance_id": presets.INSTANCE_ID, "group": "orders", "environment": env} for env in play["discover"]]
    if play["fault"] == "discovery_error":
        discover.append({"instance_id": presets.INSTANCE_ID, "group": "ordres", "environment": "RELEASE"})
    if play["fault"] == "discovery_empty":
        discover.append({"instance_id": presets.INSTANCE_ID, "group": "mocks", "environment": "RELEASE"})
    later = play["fault"] == "api_error_later"
    return {
        "backend_gate_checks": checks_given,
        "backend_gate_discover": discover,
        "backend_gate_probe": play["probe"],
        "backend_gate_local_probe": {"protocol": "http", "path": "/nope"} if play["fault"] == "wrong_answer" else {},
        "backend_gate_max_failures": play["max_failures"],
        "backend_gate_on_error": play["on_error"],
        "backend_gate_wait_timeout": 2 if later else 0,
        "backend_gate_wait_interval": 1,
        "backend_gate_junit_path": str(report),
    }


def apply_fault(world, play, tmp_path, report):
    if play["fault"] == "api_error_first":
        world.emulator.add_fault(r"/backend/connectivity/check$", [{"status": 503, "times": 500}])
    elif play["fault"] == "api_error_later":
        # every first attempt is answered; every re-check of a FAILED one answers 503 (one include, one batch: the
        # gateway's half is asked once)
        records, _expected = truth(play)
        first = sum(1 for record in records if "gateway" in record[2])
        if first:
            world.emulator.add_fault(
                r"/backend/connectivity/check$", [{"pass": True, "times": first}, {"status": 503, "times": 500}]
            )
    elif play["fault"] == "members_error":
        world.emulator.add_fault(r"/members$", [{"status": 503, "times": 500}], "GET")
    elif play["fault"] == "unwritable_report":
        (tmp_path / "a-file").write_text("not a directory")
    elif play["fault"] in ("old_report", "symlinked_report"):
        old = (
            '<?xml version="1.0" encoding="UTF-8"?>\n<testsuites tests="1" failures="0" errors="0"><testsuite '
            'name="backend_gate (old)" tests="1" failures="0" errors="0" hostname="old"><properties><property '
            'name="passed" value="true" /><property name="playbook_run" value="an-earlier-run" /></properties>'
            '<testcase name="stale" /></testsuite></testsuites>\n'
        )
        if play["fault"] == "old_report":
            report.write_text(old)
        else:
            target = tmp_path / "kept" / "gate.xml"
            target.parent.mkdir()
            target.write_text(old)
            report.symlink_to(target)


# ---- the property --------------------------------------------------------------------------------------------------


def run_play(play, tmp_path):
    world = World(play)
    try:
        report = tmp_path / ("a-file/report.xml" if play["fault"] == "unwritable_report" else "report.xml")
        apply_fault(world, play, tmp_path, report)
        closed = ClosedPort()  # the SSH port of the host that drops out
        hosts = ["h%d" % number for number in range(1, play["hosts"] + 1)]
        lines = ["[gated]"] + ["%s ansible_connection=local" % host for host in hosts]
        if play["fault"] == "dropped_host":
            hosts.append("gone")
            lines.append(
                "gone ansible_connection=ssh ansible_host=127.0.0.1 ansible_port=%d ansible_ssh_timeout=5" % closed.port
            )
        inventory = tmp_path / "hosts.ini"
        inventory.write_text("\n".join(lines) + "\n")
        out_dir = tmp_path / "out"
        out_dir.mkdir()
        auth = {
            "endpoint": world.emulator.url,
            "project_id": presets.PROJECT_ID,
            "auth_token": presets.TOKEN_VALID,
            "timeout": 10,
            "retries": 0,
        }
        extra = dict(
            role_variables(world, play, report),
            auth=auth,
            out_dir=str(out_dir),
            includes=play["includes"],
            serial_size=1 if play["serial"] else 0,
        )
        run = run_playbook(PLAYBOOK, tmp_path, extra, args=["-i", str(inventory)], timeout=600)
        outcomes = {path.stem: json.loads(path.read_text()) for path in out_dir.glob("*.json")}
        return world, run, hosts, outcomes, report
    finally:
        closed_port = locals().get("closed")
        if closed_port is not None:
            closed_port.close()


def suites_of(report):
    root = ET.parse(str(report)).getroot()
    found = []
    for suite in root.findall("testsuite"):
        properties = {item.get("name"): item.get("value") for item in suite.iter("property")}
        found.append((suite.get("hostname"), properties, int(suite.get("failures")), int(suite.get("errors"))))
    return found


def check_play(play, world, run, hosts, outcomes, report):
    records, expected = truth(play)
    assert "Traceback" not in run.output, run
    verdicts = {host: outcome["verdicts"] for host, outcome in outcomes.items() if host != "gone"}
    assert sorted(verdicts) == sorted(host for host in hosts if host != "gone"), (sorted(verdicts), run)
    run_ids = []
    for host, kept in verdicts.items():
        assert len(kept) == play["includes"], (host, kept)
        for verdict in kept:
            run_ids.append(verdict["run_id"])
            assert verdict["passed"] is expected["passed"], (play, expected, verdict.get("message"))
            # the role fails the play when the gate does not pass (here rescued, to look at everything)
            assert verdict["stopped_play"] is (not expected["passed"] or play["fault"] == "unwritable_report")
            assert verdict["made"] == expected["made"] and verdict["errors"] == expected["errors"], verdict["message"]
            # each failing host:port once, told unreachable or reached with a wrong answer
            got = {
                world.target_of({"backend_address": backend["backend"]}): backend["outcome"]
                for backend in verdict["backends"]
            }
            assert got == expected["failing"], (got, expected["failing"], verdict["message"])
            assert verdict["unreachable"] == sum(1 for outcome in got.values() if outcome == "unreachable")
            # every API behind a failing backend named
            named = {
                world.target_of({"backend_address": backend["backend"]}): backend["apis"]
                for backend in verdict["backends"]
            }
            for _name, _target, _sides, _result, failing, routes in records:
                for backend in failing:
                    assert set(routes) <= set(named[backend]), (routes, backend, named)
            # the checks made, by target and result (the invalid check aside: it is one of the errors)
            made = sorted(
                (world.target_of(record), record["check_result"])
                for record in verdict["checks"]
                if record.get("backend_type") and record["name"] != "c9"
            )
            assert made == sorted((record[1], record[3]) for record in records), (made, records)
    # one run_id per run of the gate - shared by the hosts of a batch, never by two runs
    batches = len(verdicts) if play["serial"] else 1
    assert len(set(run_ids)) == play["includes"] * batches, run_ids
    assert (run.rc != 0) is dropped(play, records), run
    # the module's discover makes the same checks as the role, with the same results
    if play["fault"] != "api_error_later" and play["includes"] and verdicts:
        module = next(iter(outcomes.values()))["module"]
        first = next(iter(verdicts.values()))[0]
        role_made = sorted((record["name"], record["check_result"]) for record in first["checks"])
        module_made = sorted((record["name"], record["check_result"]) for record in module.get("checks") or [])
        assert module_made == role_made, (module_made, role_made, module.get("msg"))
    # the report on disk: every host, this run's run_ids, agreeing with the verdicts
    if play["fault"] == "unwritable_report":
        assert not report.exists()
        return
    suites = suites_of(report)
    assert "an-earlier-run" not in report.read_text(), "an earlier run's report never stands for this one"
    if play["fault"] == "symlinked_report":
        assert report.is_symlink()
    assert {host for host, _p, _f, _e in suites} == set(hosts), suites
    by_run = {(host, properties.get("run_id")): properties for host, properties, _f, _e in suites}
    for host, kept in verdicts.items():
        for verdict in kept:
            properties = by_run[(host, verdict["run_id"])]
            assert properties["passed"] == ("true" if verdict["passed"] else "false")
    if dropped(play, records):
        gone = [(properties, errors) for host, properties, _f, errors in suites if host == "gone"]
        assert gone and all(errors >= 1 and properties["passed"] == "false" for properties, errors in gone), gone


def every_fault():
    """One play per fault, whatever the draw: each fault is run in every CI run (``@example``), beside the drawn
    plays. Between them they cover each backend type and probe mode, both environments, warn, tolerance, several
    hosts, serial batches and a second include."""
    base = {
        "hosts": 2,
        "serial": False,
        "checks": [(UP1, "both"), ("CH_MIX", "remote"), (BLOCKED, "local")],
        "discover": ["RELEASE", "staging"],
        "probe": "remote",
        "max_failures": 1,
        "on_error": "fail",
        "includes": 1,
        "fault": None,
        "host_release": UP1,
        "host_staging": DOWN,
        "channel": "CH_UP",
        "gray": DOWN,
        "staging_gray": False,
        "staging_list": True,
    }
    variations = {
        "discovery_error": {"on_error": "warn"},
        "discovery_empty": {"discover": []},
        "invalid_check": {"serial": True, "hosts": 2},
        "api_error_first": {"on_error": "warn", "checks": [(UP1, "local"), (DOWN, "remote")]},
        "api_error_later": {"checks": [(DOWN, "remote"), (UP1, "remote")], "discover": [], "on_error": "warn"},
        "members_error": {"checks": [("CH_MIX", "both"), ("CH_UP", "local")], "on_error": "warn"},
        "wrong_answer": {"checks": [(NOT_FOUND, "both"), ("CH_UP", "both")], "max_failures": 2},
        "dropped_host": {"hosts": 1, "checks": [(UP1, "local")]},
        "unwritable_report": {"includes": 2},
        "symlinked_report": {"host_staging": None},
        "old_report": {"hosts": 3, "serial": True, "max_failures": 2},
        None: {"includes": 2, "hosts": 3, "gray": UP2, "host_staging": UP2, "probe": "both"},
    }
    return [dict(base, fault=fault, **changes) for fault, changes in variations.items()]


def _with_examples(test):
    for play in every_fault():
        test = example(play=play)(test)
    return test


@needs(EXAMPLES >= 1, "HWCLOUD_APIG_COMPOSITION_EXAMPLES=0 asks for no example")
@settings(max_examples=max(EXAMPLES, 1), deadline=None, suppress_health_check=list(HealthCheck))
@_with_examples
@given(play=plays)
def test_gate_composition_never_passes_what_was_not_checked_or_did_not_pass(play, tmp_path_factory):
    if not play["checks"] and not play["discover"]:
        play = dict(play, checks=[(UP1, None)])
    if play["fault"] == "dropped_host":
        play = dict(play, serial=False)  # the host that drops out runs in the one batch, after the others
    if play["fault"] == "api_error_later":
        play = dict(play, serial=False, includes=1)  # the first attempts are counted: one question, asked once
    tmp_path = tmp_path_factory.mktemp("composition")
    started = time.monotonic()
    world, run, hosts, outcomes, report = run_play(play, tmp_path)
    try:
        check_play(play, world, run, hosts, outcomes, report)
    finally:
        world.close()
        (tmp_path / "ansible-output.txt").write_text(run.output)
        (tmp_path / "play.json").write_text(json.dumps(dict(play, seconds=round(time.monotonic() - started, 1))))
