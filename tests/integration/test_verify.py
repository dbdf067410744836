# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Real ansible-playbook runs of hwcloud.apig.api_verify (and api_debug under it) against the emulator's data plane.

Each playbook (tests/integration/playbooks/api_verify/tests_*.yml) runs the role once per case inside block/rescue
and asserts the outcome itself, expected failures included; the test here checks that the playbook's assertions ran
and passed, and asserts what only the outside can see: what the backends received, the emulator's request log (one
sign-in, how many statistics polls), the console (each poll shown as it happened), the JUnit report, the exit code.

The bake's traffic is real: the load generator (tests/loopback/load.py) drives it through the data plane before the
run, minute by minute on the emulator's clock, which is then frozen, so every poll of the run sees the same complete
minutes and the run's own calls land in a minute that never ends.
"""

import json
import re
import xml.etree.ElementTree as ET

import pytest

from tests.emulator import presets
from tests.integration.runner import PLAYBOOKS, run_playbook
from tests.loopback.listeners import ClosedPort
from tests.loopback.load import LoadGenerator, Target
from tests.verify_world import GROUP, verify_config

pytestmark = pytest.mark.integration

VERIFY = PLAYBOOKS / "api_verify"


class VerifyEnv:
    """The emulator and the extra vars the playbooks take."""

    def __init__(self, emulator, tmp_path):
        self.emulator = emulator
        self.tmp_path = tmp_path
        self.traffic = {}

    def extra_vars(self, mode="token"):
        return {
            "verify_env": {
                "auth": presets.module_auth(mode, self.emulator.url, timeout=10, retries=0),
                "instance_id": presets.INSTANCE_ID,
                "emulator_url": self.emulator.url,
                "junit_path": str(self.tmp_path / "reports" / "api-verify.xml"),
                "traffic": self.traffic,
            }
        }

    def requests_to(self, suffix):
        return [entry for entry in self.emulator.requests if entry["path"].endswith(suffix)]

    def load(self, path, requests, group=GROUP):
        report = LoadGenerator(
            self.emulator.data_url, [Target(path, self.emulator.group_domain(group))], requests, 4, 60
        ).run()
        assert report.sent == requests and not report.transport_errors, report.__dict__
        return report


@pytest.fixture
def verify_env(emulator_factory, tmp_path):
    dead = ClosedPort()
    yield VerifyEnv(emulator_factory(verify_config(dead.address)), tmp_path)
    dead.close()


def run_verify(playbook, verify_env, mode="token", args=()):
    run = run_playbook(VERIFY / playbook, verify_env.tmp_path, verify_env.extra_vars(mode), args=args)
    (verify_env.tmp_path / "ansible-output.txt").write_text(run.output)
    assert "Traceback" not in run.output and "MODULE FAILURE" not in run.output, run
    return run, run.result


def assert_playbook_passed(run, cases, expected):
    assert run.rc == 0 and "failed=0" in run.stdout, run
    assert sorted(cases) == sorted(expected), run


def test_calls_pass_or_fail_naming_the_api_the_code_and_what_was_not_met(verify_env):
    run, cases = run_verify("tests_calls.yml", verify_env, mode="password")
    assert_playbook_passed(run, cases, ["passing", "dead_backend", "backend_500", "expect_mismatch", "iam_consumer"])
    # What the backends received: the gateway's own debug client, the path the API maps to, the stage.
    order = json.loads(cases["passing"]["result"]["checks"][0]["body"])
    assert order["headers"]["User-Agent"] == "APIGatewayDebugClient/1.0" and order["headers"]["X-Stage"] == "RELEASE"
    assert len(verify_env.emulator.backends["stock"].requests) == 3, (
        "get-stock called once in each of three cases, the 500 never asked again"
    )
    # One sign-in per module run with a password: the role makes every call of a case in one run.
    assert len(verify_env.requests_to("/v3/auth/tokens")) == len(cases)
    assert presets.USER_PASSWORD not in run.output


def test_discovery_skips_unsafe_methods_and_paths_it_cannot_fill_naming_them(verify_env):
    run, cases = run_verify("tests_discover.yml", verify_env)
    assert_playbook_passed(run, cases, ["discover_skips", "discover_path_params", "discover_nothing_made"])
    assert [entry["method"] for entry in verify_env.emulator.backends["orders"].requests] == ["GET", "GET", "GET"], (
        "list-orders twice, get-order once with its path filled; never create-order's POST"
    )
    rows = [line.split(None, 2) for line in run.stdout.splitlines()]
    assert [
        "create-order",
        "SKIPPED",
        "POST is not a safe method: a debug call reaches the backend for real, so it is "
        "made only with allow_unsafe_methods: true",
    ] in rows


def test_the_role_fails_the_play_naming_the_api_and_nothing_after_it_runs(verify_env):
    run, result = run_verify("tests_stops_play.yml", verify_env)
    assert run.rc == 2 and result is None, run
    fatal = [line for line in run.stdout.splitlines() if line.startswith("fatal:")]
    assert len(fatal) == 1 and fatal[0].endswith(
        '"api verify FAILED: 2 of 2 calls made, 1 failing call (max_failures 0); not passing: legacy (FAILED: '
        'status 502 APIG.0201)"}'
    ), run
    assert "Announce the release" not in run.stdout


def drive_bake_traffic(env):
    """The minutes the bake judges: get-order healthy; get-stock 90 answers then 10 answers of 500 (a 10% rate, where
    the mean of the minutes' rates would be 50%); list-orders 10 fast answers then 90 slow ones; ping 3."""
    emulator = env.emulator
    emulator.clock.freeze()
    env.load("/orders/1", 30)
    env.load("/stock", 90)
    env.load("/orders", 10)
    env.load("/ping", 3, group="other")
    emulator.clock.advance(minutes=1)
    emulator.configure_backend("stock", status=500, body="broken")
    env.load("/stock", 10)
    emulator.configure_backend("stock", status=None, body=None)
    emulator.backends["stock"].reset()
    emulator.configure_backend("orders", latency_ms=200)
    env.load("/orders", 90)
    emulator.backends["orders"].reset()
    emulator.clock.advance(minutes=1)
    env.traffic.update(stock_rate="10.0%", stock_requests=100, order_requests=30, ping_requests=3, orders_requests=100)


def statistics(env, name):
    """The emulator's own samples of an API in the last five minutes (what the bake polls)."""
    api = next(api for catalog in env.emulator.gateway.catalogs for api in catalog.apis.values() if api.name == name)
    book = env.emulator.gateway.statistics
    now = env.emulator.clock.now()
    minute = int(now // 60) * 60
    return list(book.samples(minute - 300, minute - 60, 60, api_id=api.id).values())


def test_bakes_fail_on_the_5xx_rate_and_on_latency_weighted_by_requests_cannot_judge_without_traffic_and_pass(
    verify_env,
):
    drive_bake_traffic(verify_env)
    run, cases = run_verify("tests_bake.yml", verify_env)
    assert_playbook_passed(
        run, cases, ["bake_5xx", "bake_latency", "bake_too_little", "bake_too_little_warn", "bake_passes"]
    )

    # The latency figure is the mean weighted by requests, exactly as the gateway's own samples give it.
    samples = statistics(verify_env, "list-orders")
    assert [sample.count for sample in samples] == [10, 90]
    weighted = sum(sample.latency_sum for sample in samples) / sum(sample.count for sample in samples)
    per_minute = sum(sample.latency_sum / sample.count for sample in samples) / len(samples)
    baked = next(check for check in cases["bake_latency"]["result"]["checks"] if check["kind"] == "bake")
    assert baked["requests"] == 100 and baked["avg_latency_ms"] == pytest.approx(weighted, abs=0.6)
    assert round(weighted) != round(per_minute), "weighting by requests changes the figure"
    assert baked["reason"] == "mean latency %d ms > 150 ms" % round(baked["avg_latency_ms"])

    # Each poll was shown as it happened: the 5xx and latency cases stopped at their first poll, the others polled
    # 2 s / 1 s + 1 = 3 times, the warn case 1 s / 1 s + 1 = 2 times - and asked the statistics that often.
    polls = re.findall(r"api verify bake: [0-9.]+/([0-9]) s, poll ([0-9]) of ([0-9])", run.stdout)
    three = [("2", "1", "3"), ("2", "2", "3"), ("2", "3", "3")]
    assert polls == [("2", "1", "3"), ("2", "1", "3"), *three, ("1", "1", "2"), ("1", "2", "2"), *three], polls
    assert len(verify_env.requests_to("/statistics/api/latest")) == len(polls)
    assert "  get-stock: 100 requests, 5xx 10.0%" in run.stdout

    report = ET.parse(str(verify_env.tmp_path / "reports" / "api-verify.xml")).getroot()
    suite = report.find("testsuite")
    assert suite.get("name") == "api_verify (localhost)"
    assert [case.get("name") for case in suite.findall("testcase")] == ["get-order", "bake: get-order"]
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("2", "0", "0")


def test_a_verdict_given_as_an_extra_variable_never_lets_the_release_go_on(verify_env):
    """Extra variables rank above set_fact: an api_verify_result given with -e cannot stand for this run's verdict."""
    extra = dict(verify_env.extra_vars("token"), api_verify_result={"passed": True, "msg": "said by hand"})
    run = run_playbook(VERIFY / "tests_stops_play.yml", verify_env.tmp_path, extra)
    assert run.rc == 2, run
    assert "api_verify_result is not the verdict of this run" in run.stdout, run
    assert "Announce the release" not in run.stdout


def run_composed(verify_env, scenario, args=(), **more):
    """tests_composes.yml in one scenario; the release step's file is removed first, so it tells this run only."""
    release = verify_env.tmp_path / "released"
    if release.exists():
        release.unlink()
    extra = dict(verify_env.extra_vars("token"), scenario=scenario, release_path=str(release), **more)
    run = run_playbook(VERIFY / "tests_composes.yml", verify_env.tmp_path, extra, args=args)
    assert "Traceback" not in run.output and "MODULE FAILURE" not in run.output, run
    return run, release


def junit(verify_env):
    return ET.parse(str(verify_env.tmp_path / "reports" / "api-verify.xml")).getroot()


@pytest.mark.parametrize("scenario", ["tags", "roles"])
def test_deploy_tags_never_skip_the_verification(verify_env, scenario):
    run, release = run_composed(verify_env, scenario, args=("--tags", "deploy"))
    assert run.rc == 2 and not release.exists(), run
    assert "not passing: legacy (FAILED: status 50" in run.stdout, run
    assert junit(verify_env).find("testsuite").get("failures") == "1"


@pytest.mark.parametrize(
    "b_max_failures, said",
    [
        (
            -1,
            "api verify FAILED: stopped before its decision: api_verify_max_failures must be 0 or more, got -1",
        ),
        ("many", "api verify FAILED: not decided: the verification stopped before its first task"),
    ],
    ids=["out-of-range", "argument-validation"],
)
def test_an_earlier_include_s_passing_verdict_is_never_read_as_a_later_one(verify_env, b_max_failures, said):
    run, release = run_composed(verify_env, "includes", b_max_failures=b_max_failures)
    assert run.rc == 0 and not release.exists(), run
    seen = run.result
    assert seen["passed"] is False and not seen.get("decided"), seen
    assert seen["msg"].startswith(said), seen


def test_a_run_that_stops_before_its_decision_never_leaves_an_earlier_passing_report(verify_env):
    run, release = run_composed(verify_env, "pass")
    assert run.rc == 0 and release.exists(), run
    assert junit(verify_env).find("testsuite").get("failures") == "0"

    run, release = run_composed(verify_env, "stopped")
    assert run.rc == 2 and not release.exists(), run
    suites = junit(verify_env).findall("testsuite")
    assert len(suites) == 1 and suites[0].get("errors") == "1", ET.tostring(junit(verify_env))
    said = (
        "stopped before its decision: api_verify_bake_interval must be more than 0 and at most 3600 seconds, got 5000; "
        "api_verify_max_failures must be 0 or more, got -1"
    )
    assert said in run.stdout and said in ET.tostring(suites[0], encoding="unicode"), run
    debug_calls = [entry for entry in verify_env.emulator.requests if "/apis/debug/" in entry["path"]]
    assert len(debug_calls) == 1, "the first run's one call, and none from the run that stopped"


def test_a_bake_interval_out_of_range_is_refused_before_any_call(verify_env):
    run, release = run_composed(verify_env, "interval")
    assert run.rc == 2 and not release.exists(), run
    assert (
        "api verify FAILED: stopped before its decision: api_verify_bake_interval must be more than 0 and at most "
        "3600 seconds, got 5000" in run.stdout
    ), run
    assert not [entry for entry in verify_env.emulator.requests if "/apis/debug/" in entry["path"]], (
        "no API called: the interval is refused before the calls, not by the bake after them"
    )
