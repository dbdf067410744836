"""The fault matrix: every way the network or the API can misbehave, through real ansible-playbook runs.

Each row injects a fault into the emulator (tests/emulator/faults.py) and runs
hwcloud.apig.backend_connectivity against real loopback backends.  Every row
must end in either the *correct* answer after retries (the emulator's real
check of the mixed channel: FAILED with the refused and SYN-dropping members),
or a clear failure that says what happened -- never a SUCCESS the gateway did
not give, never a traceback.

test_backend_connectivity.py already covers each Huawei error code, a single
reset, a single Retry-After in seconds and a 503/502/504 burst; this file adds
the rest of issue 5's matrix.

``docs/fault-matrix.md`` is generated from a real run of this file::

    APIG_FAULT_MATRIX_OUT=/tmp/fm pytest tests/integration/test_fault_matrix.py -p no:cacheprovider -n 2
    python -m tests.integration.test_fault_matrix /tmp/fm > docs/fault-matrix.md
"""

import email.utils
import json
import os
import sys
import time
from pathlib import Path

import pytest

from tests.emulator import presets
from tests.emulator.backends import OpenListener
from tests.integration.runner import run_playbook

pytestmark = pytest.mark.integration

CHECK_PATH = r"/backend/connectivity/check$"
IAM_PATH = r"^/v3/auth/tokens$"
MEMBERS_PATH = r"/members$"
MIXED_CHANNEL_ID = "5d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a"
FIFTY_MB = 50 * 1024 * 1024
OUT_ENV = "APIG_FAULT_MATRIX_OUT"


class Topology(object):
    """The emulator plus one channel whose members are up, refused and SYN-dropping (the ground truth)."""


@pytest.fixture
def topo(emulator_factory, backend_servers):
    up, refused, dropping = backend_servers.open(), backend_servers.closed(), backend_servers.blackhole()
    config = presets.default_config(
        members=[{"host": "127.0.0.1", "port": up.port}],
        channels=[{"id": MIXED_CHANNEL_ID, "name": "mixed",
                   "members": [{"host": "127.0.0.1", "port": server.port} for server in (up, refused, dropping)]}],
        check_timeout=0.3,
    )
    topology = Topology()
    topology.emulator = emulator_factory(config)
    topology.up = up
    topology.expected_failures = [refused.address, dropping.address]
    return topology


@pytest.fixture
def other_host():
    """A second loopback host (127.0.0.2) that counts every connection made to it: the redirect target."""
    listener = OpenListener(host="127.0.0.2", http=True, body=b'{"check_result": "SUCCESS", "failures": []}', status=201)
    yield listener
    listener.close()


def auth(emulator, mode="token", **overrides):
    base = {"endpoint": emulator.url, "timeout": 5, "retries": 2}
    if mode == "token":
        base.update(project_id=presets.PROJECT_ID, auth_token=presets.TOKEN_VALID)
    elif mode == "password":
        base.update(region=presets.PROJECT_NAME, iam_endpoint=emulator.url + "/v3", user_name=presets.USER_NAME,
                    password=presets.USER_PASSWORD, domain_name=presets.USER_DOMAIN)
    base.update(overrides)
    return base


def mixed_check(**extra):
    return dict({"instance_id": presets.INSTANCE_ID, "backend_type": "vpc_channel", "vpc_channel_id": MIXED_CHANNEL_ID},
                **extra)


def requests_to(emulator, suffix):
    return [entry for entry in emulator.requests if entry["path"].endswith(suffix)]


def checks_made(emulator):
    return requests_to(emulator, "/backend/connectivity/check")


def run(topo, tmp_path, apig_auth, check_args=None):
    result = run_playbook("run_check.yml", tmp_path, {"apig_auth": apig_auth, "check_args": check_args or mixed_check()})
    assert result.result is not None, result
    assert "Traceback" not in result.output and "MODULE FAILURE" not in result.output, result
    return result, result.result["check"]


def assert_correct_answer(topo, check, run_):
    """The real answer of the emulator's check of the mixed channel, nothing else."""
    assert not check.get("failed"), run_
    assert check["check_result"] == "FAILED"
    assert check["failures"] == topo.expected_failures


def assert_clear_failure(check, *phrases):
    assert check.get("failed") is True
    assert "check_result" not in check, "a check that could not be made has no verdict"
    for phrase in phrases:
        assert phrase in check["msg"], check["msg"]


def record(row, check, calls):
    """Save what this row really produced, for docs/fault-matrix.md."""
    out = os.environ.get(OUT_ENV)
    if not out:
        return
    if check.get("failed"):
        outcome = "task failed: %s" % check["msg"]
        if check.get("status") is not None:
            outcome += " (status %s%s)" % (check["status"], ", %s" % check["error_code"] if check.get("error_code") else "")
    else:
        outcome = "%s, failures %s" % (check["check_result"], ", ".join(check["failures"]) or "none")
    Path(out).mkdir(parents=True, exist_ok=True)
    (Path(out) / ("%s.json" % row)).write_text(json.dumps({"row": row, "outcome": outcome, "calls": calls}))


# ---- throttling ----------------------------------------------------------------------------------------------------

def test_429_with_retry_after_http_date_waits_then_answers(topo, tmp_path):
    # Retry-After as an HTTP-date (RFC 9110 allows both forms); the retry must not come before that instant.
    not_before = int(time.time()) + 2
    topo.emulator.add_fault(CHECK_PATH, [{"status": 429, "error_code": "APIG.0308", "error_msg": "throttled",
                                          "headers": {"Retry-After": email.utils.formatdate(not_before, usegmt=True)}}])
    result, check = run(topo, tmp_path, auth(topo.emulator))
    assert_correct_answer(topo, check, result)
    first, second = checks_made(topo.emulator)
    assert (first["status"], second["status"]) == (429, 201)
    assert second["time"] >= not_before - 0.05, "the retry came before the Retry-After date"
    record("429_retry_after_date", check, 2)


def test_429_without_retry_after_backs_off_then_answers(topo, tmp_path):
    topo.emulator.add_fault(CHECK_PATH, [{"status": 429, "error_code": "APIG.0308", "error_msg": "throttled", "times": 2}])
    result, check = run(topo, tmp_path, auth(topo.emulator, retries=3))
    assert_correct_answer(topo, check, result)
    made = checks_made(topo.emulator)
    assert [entry["status"] for entry in made] == [429, 429, 201]
    assert made[1]["time"] - made[0]["time"] >= 0.25, "backoff starts at 0.25 s (half of the 0.5 s base)"
    record("429_no_retry_after", check, len(made))


def test_429_that_never_ends_fails_after_the_retries(topo, tmp_path):
    topo.emulator.add_fault(CHECK_PATH, [{"status": 429, "error_code": "APIG.0308", "error_msg": "throttled",
                                          "headers": {"Retry-After": "0"}, "times": 5}])
    _result, check = run(topo, tmp_path, auth(topo.emulator, retries=1))
    assert_clear_failure(check, "APIG.0308")
    assert check["status"] == 429
    assert len(checks_made(topo.emulator)) == 2
    record("429_forever", check, 2)


# ---- server errors -------------------------------------------------------------------------------------------------

def test_burst_of_every_5xx_is_retried_to_the_real_answer(topo, tmp_path):
    topo.emulator.add_fault(CHECK_PATH, [{"status": 500, "error_code": "APIG.9999", "error_msg": "System error"},
                                         {"status": 502, "body": "", "content_type": "text/plain"},
                                         {"status": 503, "error_code": "APIG.9999", "error_msg": "busy"},
                                         {"status": 504, "body": "upstream timed out", "content_type": "text/plain"}])
    result, check = run(topo, tmp_path, auth(topo.emulator, retries=4))
    assert_correct_answer(topo, check, result)
    assert [entry["status"] for entry in checks_made(topo.emulator)] == [500, 502, 503, 504, 201]
    record("5xx_burst_cured", check, 5)


def test_5xx_burst_longer_than_the_retries_fails_with_the_last_answer(topo, tmp_path):
    topo.emulator.add_fault(CHECK_PATH, [{"status": 503, "error_code": "APIG.9999", "error_msg": "System error", "times": 3}])
    _result, check = run(topo, tmp_path, auth(topo.emulator, retries=2))
    assert_clear_failure(check, "HTTP 503 APIG.9999")
    assert (check["status"], check["error_code"]) == (503, "APIG.9999")
    assert check["request_id"] == checks_made(topo.emulator)[-1]["request_id"]
    assert len(checks_made(topo.emulator)) == 3
    record("5xx_burst_outlasts_retries", check, 3)


def test_html_error_page_fails_clearly_without_a_huawei_error_body(topo, tmp_path):
    page = "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1>nginx</body></html>"
    topo.emulator.add_fault(CHECK_PATH, [{"status": 502, "body": page, "content_type": "text/html", "times": 2}])
    _result, check = run(topo, tmp_path, auth(topo.emulator, retries=1))
    assert_clear_failure(check, "HTTP 502 with no Huawei error body", "502 Bad Gateway")
    assert check["status"] == 502 and check["error_code"] is None
    record("html_error_page_502", check, 2)


def test_html_page_with_status_200_is_not_an_answer(topo, tmp_path):
    # e.g. a captive portal or a mis-routed proxy answering 200 with its own page
    topo.emulator.add_fault(CHECK_PATH, [{"status": 200, "body": "<html><body>Welcome! Please sign in.</body></html>",
                                          "content_type": "text/html"}])
    _result, check = run(topo, tmp_path, auth(topo.emulator))
    assert_clear_failure(check, "not JSON", "Welcome!")
    assert check["status"] == 200
    assert len(checks_made(topo.emulator)) == 1
    record("html_page_200", check, 1)


# ---- broken connections --------------------------------------------------------------------------------------------

def test_reset_mid_response_on_every_attempt_fails_clearly(topo, tmp_path):
    topo.emulator.add_fault(CHECK_PATH, [{"status": 201, "body_size": 4096, "action": "reset", "times": 3}])
    _result, check = run(topo, tmp_path, auth(topo.emulator, retries=2))
    assert_clear_failure(check, "could not get an answer from APIG", "after 3 attempt(s)")
    assert len(checks_made(topo.emulator)) == 3
    record("reset_mid_response_always", check, 3)


def test_server_that_never_answers_once_is_retried(topo, tmp_path):
    topo.emulator.add_fault(CHECK_PATH, [{"action": "hang"}])
    result, check = run(topo, tmp_path, auth(topo.emulator, timeout=1, retries=1))
    assert_correct_answer(topo, check, result)
    assert len(checks_made(topo.emulator)) == 2
    record("hang_once", check, 2)


def test_server_that_never_answers_fails_with_a_timeout(topo, tmp_path):
    topo.emulator.add_fault(CHECK_PATH, [{"action": "hang", "times": 2}])
    _result, check = run(topo, tmp_path, auth(topo.emulator, timeout=1, retries=1))
    assert_clear_failure(check, "could not get an answer from APIG", "after 2 attempt(s)", "timed out")
    assert len(checks_made(topo.emulator)) == 2
    record("hang_always", check, 2)


def test_truncated_success_body_is_retried_never_taken_as_success(topo, tmp_path):
    # Half of a SUCCESS body arrives, then FIN: the client must not make a verdict of it.
    topo.emulator.add_fault(CHECK_PATH, [{"status": 201, "body": '{"check_result": "SUCCESS", "failures": []}',
                                          "action": "truncate"}])
    result, check = run(topo, tmp_path, auth(topo.emulator))
    assert_correct_answer(topo, check, result)
    assert len(checks_made(topo.emulator)) == 2
    record("truncated_body_then_answer", check, 2)


def test_truncated_json_with_matching_length_fails_clearly(topo, tmp_path):
    topo.emulator.add_fault(CHECK_PATH, [{"status": 201, "body": '{"check_result": "SUCC'}])
    _result, check = run(topo, tmp_path, auth(topo.emulator))
    assert_clear_failure(check, "not JSON")
    assert check["status"] == 201
    assert len(checks_made(topo.emulator)) == 1, "a complete but unreadable answer is not retried"
    record("truncated_json", check, 1)


def test_fifty_megabyte_body_is_not_read(topo, tmp_path):
    topo.emulator.add_fault(CHECK_PATH, [{"status": 201, "body_size": FIFTY_MB}])
    _result, check = run(topo, tmp_path, auth(topo.emulator))
    assert_clear_failure(check, "declares %d bytes" % FIFTY_MB, "more than the 4194304")
    assert len(checks_made(topo.emulator)) == 1
    record("body_50mb", check, 1)


# ---- answers that are not what the contract says --------------------------------------------------------------------

BAD_ANSWERS = {
    "check_result_missing": ('{"failures": []}', "check_result None"),
    "check_result_unknown": ('{"check_result": "PARTIAL", "failures": []}', "check_result 'PARTIAL'"),
    "check_result_lowercase": ('{"check_result": "success"}', "check_result 'success'"),
    "failures_not_a_list": ('{"check_result": "FAILED", "failures": "127.0.0.1:1"}', "not a list"),
    "failures_not_strings": ('{"check_result": "FAILED", "failures": [{"host": "127.0.0.1"}]}', "not a list of host:port"),
    "success_with_failures": ('{"check_result": "SUCCESS", "failures": ["127.0.0.1:1"]}', "says SUCCESS but lists"),
    "json_not_an_object": ('["SUCCESS"]', "not an object"),
}


@pytest.mark.parametrize("row", sorted(BAD_ANSWERS))
def test_201_that_is_not_a_verdict_fails_clearly(topo, tmp_path, row):
    body, phrase = BAD_ANSWERS[row]
    topo.emulator.add_fault(CHECK_PATH, [{"status": 201, "body": body}])
    _result, check = run(topo, tmp_path, auth(topo.emulator, retries=3))
    assert_clear_failure(check, phrase)
    assert check["status"] == 201
    assert check["request_id"] == checks_made(topo.emulator)[0]["request_id"]
    assert len(checks_made(topo.emulator)) == 1, "a wrong answer is not retried into a different one"
    record(row, check, 1)


# ---- redirects: credentials stay with the configured host ------------------------------------------------------------

def test_redirect_of_the_check_to_another_host_is_not_followed(topo, tmp_path, other_host):
    target = "http://%s/v2/%s/apigw/instances/%s/backend/connectivity/check" % (
        other_host.address, presets.PROJECT_ID, presets.INSTANCE_ID)
    topo.emulator.add_fault(CHECK_PATH, [{"status": 307, "body": "", "headers": {"Location": target}}])
    _result, check = run(topo, tmp_path, auth(topo.emulator))
    assert_clear_failure(check, "redirect to %s, which is not followed" % other_host.address)
    assert check["status"] == 307
    time.sleep(0.3)  # let a (wrong) late connection show up in the counter
    assert other_host.accepted == 0, "the redirect target was contacted"
    assert len(checks_made(topo.emulator)) == 1
    record("redirect_check_other_host", check, 1)


def test_redirect_of_the_iam_sign_in_to_another_host_is_not_followed(topo, tmp_path, other_host):
    target = "http://user:pass@%s/v3/auth/tokens" % other_host.address
    topo.emulator.add_fault(IAM_PATH, [{"status": 302, "body": "", "headers": {"Location": target}}])
    _result, check = run(topo, tmp_path, auth(topo.emulator, "password"))
    assert_clear_failure(check, "IAM refused the sign-in", "redirect to %s, which is not followed" % other_host.address)
    assert "user:pass" not in check["msg"], "userinfo of the Location is not repeated"
    time.sleep(0.3)
    assert other_host.accepted == 0, "the password was offered to the redirect target"
    assert checks_made(topo.emulator) == []
    record("redirect_iam_other_host", check, 1)


# ---- IAM and the member list ---------------------------------------------------------------------------------------

def test_iam_server_error_is_retried_and_one_token_is_used(topo, tmp_path):
    topo.emulator.add_fault(IAM_PATH, [{"status": 503, "body": "", "content_type": "text/plain"}])
    result, check = run(topo, tmp_path, auth(topo.emulator, "password"))
    assert_correct_answer(topo, check, result)
    assert [entry["status"] for entry in requests_to(topo.emulator, "/v3/auth/tokens")] == [503, 201]
    record("iam_503_then_token", check, 2)


def test_iam_answer_without_a_token_fails_clearly(topo, tmp_path):
    topo.emulator.add_fault(IAM_PATH, [{"status": 201, "body": '{"token": {}}'}])
    _result, check = run(topo, tmp_path, auth(topo.emulator, "password"))
    assert_clear_failure(check, "without an X-Subject-Token")
    assert checks_made(topo.emulator) == []
    record("iam_201_without_token", check, 1)


def test_iam_token_without_a_project_fails_clearly(topo, tmp_path):
    # Region-scoped sign-in learns the project from the token: no project means no APIG path to call.
    topo.emulator.add_fault(IAM_PATH, [{"status": 201, "body": '{"token": "unexpected"}',
                                        "headers": {"X-Subject-Token": "MIIfaketoken0001"}}])
    _result, check = run(topo, tmp_path, auth(topo.emulator, "password"))
    assert_clear_failure(check, "names no project", "set project_id")
    assert checks_made(topo.emulator) == []
    record("iam_token_without_project", check, 1)


def test_member_list_that_is_not_a_list_fails_the_local_probe_clearly(topo, tmp_path):
    topo.emulator.add_fault(MEMBERS_PATH, [{"status": 200, "body": '{"members": {"host": "127.0.0.1"}, "total": 1}'}])
    _result, check = run(topo, tmp_path, auth(topo.emulator), mixed_check(probe="local"))
    assert_clear_failure(check, "no 'members' list")
    record("members_not_a_list", check, 1)


def test_member_list_server_error_is_retried_for_the_local_probe(topo, tmp_path):
    topo.emulator.add_fault(MEMBERS_PATH, [{"status": 502, "body": "", "content_type": "text/plain"}])
    result, check = run(topo, tmp_path, auth(topo.emulator),
                        mixed_check(probe="local", local_probe={"timeout": 0.3}))
    assert not check.get("failed"), result
    assert check["check_result"] == "FAILED" and check["failures"] == topo.expected_failures
    assert [entry["status"] for entry in requests_to(topo.emulator, "/members")] == [502, 200]
    assert checks_made(topo.emulator) == [], "probe: local never asks the gateway's check"
    record("members_502_then_list", check, 2)


# ---- docs/fault-matrix.md --------------------------------------------------------------------------------------------

MATRIX = [
    # (row id, fault injected, expected behaviour)
    ("429_retry_after_date", "429 APIG.0308 with `Retry-After: <HTTP-date 2 s ahead>`, once",
     "retry no earlier than that date, then the real answer"),
    ("429_no_retry_after", "429 APIG.0308 without `Retry-After`, twice (retries 3)", "jittered backoff, then the real answer"),
    ("429_forever", "429 APIG.0308 on every attempt (retries 1)", "clear failure, status 429, APIG.0308"),
    ("5xx_burst_cured", "500, 502, 503, 504 in a row (retries 4)", "retried, then the real answer"),
    ("5xx_burst_outlasts_retries", "503 APIG.9999 three times (retries 2)", "clear failure with the last answer's fields"),
    ("html_error_page_502", "502 with an nginx HTML page, twice (retries 1)", "clear failure quoting the page, no error_code"),
    ("html_page_200", "200 with an HTML page (captive portal)", "clear failure: not JSON; not retried"),
    ("reset_mid_response_always", "201 headers + half the body, then RST, on every attempt (retries 2)",
     "clear failure after 3 attempts"),
    ("hang_once", "accepts, never answers, once (timeout 1 s, retries 1)", "timeout, retry, the real answer"),
    ("hang_always", "accepts, never answers, every attempt (timeout 1 s, retries 1)", "clear failure: timed out after 2 attempts"),
    ("truncated_body_then_answer", "half of a SUCCESS body, then FIN (Content-Length not met)",
     "retried; the real answer (FAILED), never the half SUCCESS"),
    ("truncated_json", "201 `{\"check_result\": \"SUCC` (complete per Content-Length)", "clear failure: not JSON; not retried"),
    ("body_50mb", "201 with a 50 MB body", "clear failure: larger than the 4 MiB read cap, not read"),
    ("check_result_missing", "201 without `check_result`", "clear failure"),
    ("check_result_unknown", "201 `check_result: PARTIAL`", "clear failure"),
    ("check_result_lowercase", "201 `check_result: success`", "clear failure (the contract's values are upper case)"),
    ("failures_not_a_list", "201 FAILED with `failures` a string", "clear failure"),
    ("failures_not_strings", "201 FAILED with `failures` a list of objects", "clear failure"),
    ("success_with_failures", "201 SUCCESS that lists failures", "clear failure (self-contradictory)"),
    ("json_not_an_object", "201 with a JSON array", "clear failure"),
    ("redirect_check_other_host", "307 to http://127.0.0.2:PORT (a listener that counts connections)",
     "clear failure; the other host received no connection"),
    ("redirect_iam_other_host", "IAM answers 302 to http://user:pass@127.0.0.2:PORT (password sign-in)",
     "clear failure; the password went nowhere; userinfo not echoed"),
    ("iam_503_then_token", "IAM 503 once", "retried; one token; the real answer"),
    ("iam_201_without_token", "IAM 201 without `X-Subject-Token`", "clear failure; no APIG call"),
    ("iam_token_without_project", "IAM 201 with a token but no `token.project.id` (region-scoped sign-in)",
     "clear failure naming project_id; no APIG call"),
    ("members_not_a_list", "member list `members` is an object (`probe: local`)", "clear failure"),
    ("members_502_then_list", "member list 502 once (`probe: local`)", "retried; this host's real answer"),
]


def render(out_dir):
    """The markdown of docs/fault-matrix.md from the outcomes a run saved in ``out_dir``."""
    outcomes = {}
    for path in sorted(Path(out_dir).glob("*.json")):
        data = json.loads(path.read_text())
        outcomes[data["row"]] = data
    lines = [
        "# Fault matrix",
        "",
        "What `hwcloud.apig.backend_connectivity` does when the network or the API misbehaves. Every row is an",
        "integration test in `tests/integration/test_fault_matrix.py`: the fault is injected into the APIG + IAM",
        "emulator, a real `ansible-playbook` run checks a VPC channel whose members are really up, refused and",
        "SYN-dropping on loopback, and the test asserts the outcome. The *correct answer* is the emulator's own",
        "check of that channel: `FAILED` with the refused and the SYN-dropping member.",
        "",
        "A row ends either in the correct answer after retries, or in a failed task whose `msg` says what",
        "happened (with `status`, `error_code`, `request_id` when there was an answer) -- never a `SUCCESS` the",
        "gateway did not give, never a traceback.",
        "",
        "The *outcome* column is generated from a real run (`calls` = requests the emulator logged for the",
        "faulted call):",
        "",
        "```",
        "APIG_FAULT_MATRIX_OUT=/tmp/fm pytest tests/integration/test_fault_matrix.py -p no:cacheprovider -n 2",
        "python -m tests.integration.test_fault_matrix /tmp/fm > docs/fault-matrix.md",
        "```",
        "",
        "Client behaviour behind it (`plugins/module_utils/client.py`, `retries.py`): retries on 429/500/502/503/504,",
        "connection errors and timeouts, with equal-jitter exponential backoff from 0.5 s, never earlier than",
        "`Retry-After` (seconds or HTTP-date, capped at 60 s); other 4xx are never retried; bodies are read up to",
        "4 MiB (a larger `Content-Length` is refused before reading); `Accept-Encoding: identity`; redirects are",
        "never followed; a 2xx must be a JSON object with `check_result` SUCCESS|FAILED and `failures` a list of",
        "strings, empty on SUCCESS.",
        "",
        "| # | fault injected | expected | outcome of the run | calls |",
        "|---|---|---|---|---|",
    ]
    for number, (row, fault, expected) in enumerate(MATRIX, 1):
        data = outcomes.get(row)
        outcome = data["outcome"].replace("|", "\\|") if data else "(not run)"
        calls = data["calls"] if data else ""
        lines.append("| %d | %s | %s | %s | %s |" % (number, fault, expected, outcome, calls))
    missing = [row for row, _f, _e in MATRIX if row not in outcomes]
    lines.append("")
    lines.append("Rows run: %d of %d%s." % (len(MATRIX) - len(missing), len(MATRIX),
                                             "; missing: " + ", ".join(missing) if missing else ""))
    lines.append("")
    lines.append("Covered elsewhere (`tests/integration/test_backend_connectivity.py`): every Huawei error code of the "
                 "contract, `Retry-After` in seconds, one reset then the answer, a 503/502/504 burst, no retry on "
                 "other 4xx, token re-issue on APIG.1001.")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render(sys.argv[1]))
