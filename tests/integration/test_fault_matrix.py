# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The fault matrix: every way the network or the API can misbehave, through a real ansible-playbook run.

Each row injects a fault into the emulator (tests/emulator/faults.py) and runs
hwcloud.apig.backend_connectivity against real loopback backends.  Every row
must end in either the *correct* answer after retries (the emulator's real
check of the mixed channel: FAILED with the refused and SYN-dropping members),
or a clear failure that says what happened -- never a SUCCESS the gateway did
not give, never a traceback.

test_backend_connectivity.py already covers each Huawei error code, a single
reset, a single Retry-After in seconds and a 503/502/504 burst; this file adds
the rest of issue 5's matrix.

One ansible-playbook run serves every row (one local host per row, ``--forks``
= rows, each host against its own emulator so faults and logs cannot mix); one
pytest test per row then checks that row.

``docs/fault-matrix.md`` is generated from a real run of this file::

    APIG_FAULT_MATRIX_OUT=/tmp/fm pytest tests/integration/test_fault_matrix.py -p no:cacheprovider -n 2
    python -m tests.integration.test_fault_matrix /tmp/fm > docs/fault-matrix.md
"""

import fcntl
import json
import os
import sys
import time
from pathlib import Path

import pytest

from tests.emulator import presets
from tests.emulator.server import Emulator
from tests.integration.test_load import run_hosts
from tests.loopback.listeners import BlackholeListener, ClosedPort, OpenListener

pytestmark = pytest.mark.integration

CHECK_PATH = r"/backend/connectivity/check$"
IAM_PATH = r"^/v3/auth/tokens$"
MEMBERS_PATH = r"/members$"
MIXED_CHANNEL_ID = presets.MIXED_CHANNEL_ID
FIFTY_MB = 50 * 1024 * 1024
OUT_ENV = "APIG_FAULT_MATRIX_OUT"


class Row:
    """One row of the matrix: how to set it up (module options, faults) and what must be true afterwards."""

    def __init__(self, row_id, verify, faults=(), mode="token", args=None, redirect=False, **auth_overrides):
        self.id = row_id
        self.verify = verify
        self.faults = list(faults)  # [(path_regex, responses)]; callables get the row's context first
        self.mode = mode
        self.args = args or {}
        self.redirect = redirect
        self.auth_overrides = auth_overrides


ROWS = []


def row(row_id, **setup):
    def register(verify):
        ROWS.append(Row(row_id, verify, **setup))
        return verify

    return register


class Context:
    """What a row's verification sees (plain data, so one run can serve every pytest-xdist worker)."""

    FIELDS = ("expected_failures", "other_address", "other_accepted", "check", "requests", "output")

    def __init__(self, **fields):
        for name in self.FIELDS:
            setattr(self, name, fields.get(name))

    def to_json(self):
        return {name: getattr(self, name) for name in self.FIELDS}


def auth(emulator, mode="token", **overrides):
    base = {"endpoint": emulator.url, "timeout": 5, "retries": 2}
    if mode == "token":
        base.update(project_id=presets.PROJECT_ID, auth_token=presets.TOKEN_VALID)
    elif mode == "password":
        base.update(
            region=presets.PROJECT_NAME,
            iam_endpoint=emulator.url + "/v3",
            user_name=presets.USER_NAME,
            password=presets.USER_PASSWORD,
            domain_name=presets.USER_DOMAIN,
        )
    base.update(overrides)
    return base


def mixed_check(**extra):
    return dict(
        {"instance_id": presets.INSTANCE_ID, "backend_type": "vpc_channel", "vpc_channel_id": MIXED_CHANNEL_ID}, **extra
    )


def requests_to(ctx, suffix):
    return [entry for entry in ctx.requests if entry["path"].endswith(suffix)]


def checks_made(ctx):
    return requests_to(ctx, "/backend/connectivity/check")


def assert_correct_answer(ctx):
    """The real answer of the emulator's check of the mixed channel, nothing else."""
    assert not ctx.check.get("failed"), ctx.check
    assert ctx.check["check_result"] == "FAILED"
    assert ctx.check["failures"] == ctx.expected_failures


def assert_clear_failure(ctx, *phrases):
    assert ctx.check.get("failed") is True, ctx.check
    assert "check_result" not in ctx.check, "a check that could not be made has no verdict"
    for phrase in phrases:
        assert phrase in ctx.check["msg"], ctx.check["msg"]


def _throttled(**extra):
    return dict(
        {"status": 429, "error_code": "APIG.0308", "error_msg": "The throttling threshold has been reached"}, **extra
    )


# ---- throttling ----------------------------------------------------------------------------------------------------

# Retry-After as an HTTP-date (RFC 9110 allows both forms; seconds are covered by test_backend_connectivity.py).
# The emulator writes the date when the throttled request arrives: whole seconds, RETRY_AFTER_DATE_IN after it.
RETRY_AFTER_DATE_IN = 3


@row(
    "429_retry_after_date",
    faults=[
        (
            CHECK_PATH,
            [_throttled(retry_after_date_in=RETRY_AFTER_DATE_IN)],
        )
    ],
)
def verify_429_retry_after_date(ctx):
    assert_correct_answer(ctx)
    first, second = checks_made(ctx)
    assert (first["status"], second["status"]) == (429, 201)
    retry_after_date = int(first["time"]) + RETRY_AFTER_DATE_IN
    assert second["time"] >= retry_after_date - 0.05, "the retry came before the Retry-After date"


@row("429_no_retry_after", faults=[(CHECK_PATH, [_throttled(times=2)])], retries=3)
def verify_429_no_retry_after(ctx):
    assert_correct_answer(ctx)
    made = checks_made(ctx)
    assert [entry["status"] for entry in made] == [429, 429, 201]
    assert made[1]["time"] - made[0]["time"] >= 0.25, "backoff starts at 0.25 s (half of the 0.5 s base)"
    assert made[2]["time"] - made[1]["time"] >= 0.5, "and doubles"


@row("429_forever", faults=[(CHECK_PATH, [_throttled(headers={"Retry-After": "0"}, times=5)])], retries=1)
def verify_429_forever(ctx):
    assert_clear_failure(ctx, "APIG.0308")
    assert ctx.check["status"] == 429
    assert len(checks_made(ctx)) == 2


# ---- server errors -------------------------------------------------------------------------------------------------


@row(
    "5xx_burst_cured",
    retries=4,
    faults=[
        (
            CHECK_PATH,
            [
                {"status": 500, "error_code": "APIG.9999", "error_msg": "System error"},
                {"status": 502, "body": "", "content_type": "text/plain"},
                {"status": 503, "error_code": "APIG.9999", "error_msg": "busy"},
                {"status": 504, "body": "upstream timed out", "content_type": "text/plain"},
            ],
        )
    ],
)
def verify_5xx_burst_cured(ctx):
    assert_correct_answer(ctx)
    assert [entry["status"] for entry in checks_made(ctx)] == [500, 502, 503, 504, 201]


@row(
    "5xx_burst_outlasts_retries",
    retries=2,
    faults=[(CHECK_PATH, [{"status": 503, "error_code": "APIG.9999", "error_msg": "System error", "times": 3}])],
)
def verify_5xx_burst_outlasts_retries(ctx):
    assert_clear_failure(ctx, "HTTP 503 APIG.9999")
    assert (ctx.check["status"], ctx.check["error_code"]) == (503, "APIG.9999")
    made = checks_made(ctx)
    assert len(made) == 3
    assert ctx.check["request_id"] == made[-1]["request_id"]


NGINX_502 = "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1>nginx</body></html>"


@row(
    "html_error_page_502",
    retries=1,
    faults=[(CHECK_PATH, [{"status": 502, "body": NGINX_502, "content_type": "text/html", "times": 2}])],
)
def verify_html_error_page(ctx):
    assert_clear_failure(ctx, "HTTP 502 with no Huawei error body", "502 Bad Gateway")
    assert ctx.check["status"] == 502 and ctx.check["error_code"] is None
    assert len(checks_made(ctx)) == 2


PORTAL_PAGE = "<html><body>Welcome! Please sign in.</body></html>"


@row("html_page_200", faults=[(CHECK_PATH, [{"status": 200, "content_type": "text/html", "body": PORTAL_PAGE}])])
def verify_html_page_200(ctx):
    # e.g. a captive portal or a mis-routed proxy answering 200 with its own page
    assert_clear_failure(ctx, "not JSON", "Welcome!")
    assert ctx.check["status"] == 200
    assert len(checks_made(ctx)) == 1


# ---- broken connections --------------------------------------------------------------------------------------------


@row(
    "reset_mid_response_always",
    retries=2,
    faults=[(CHECK_PATH, [{"status": 201, "body_size": 4096, "action": "reset", "times": 3}])],
)
def verify_reset_always(ctx):
    assert_clear_failure(ctx, "could not get an answer from APIG", "after 3 attempt(s)", "Connection broken")
    assert ctx.check["msg"].count("ConnectionResetError") == 1, "the cause once, not urllib3's doubled repr"
    assert len(checks_made(ctx)) == 3


@row("hang_once", timeout=1, retries=1, faults=[(CHECK_PATH, [{"action": "hang"}])])
def verify_hang_once(ctx):
    assert_correct_answer(ctx)
    made = checks_made(ctx)
    assert len(made) == 2
    assert made[1]["time"] - made[0]["time"] >= 1.0, "the retry came before the 1 s timeout"


@row("hang_always", timeout=1, retries=1, faults=[(CHECK_PATH, [{"action": "hang", "times": 2}])])
def verify_hang_always(ctx):
    assert_clear_failure(ctx, "could not get an answer from APIG", "after 2 attempt(s)", "timed out")
    assert len(checks_made(ctx)) == 2


@row(
    "truncated_body_then_answer",
    faults=[
        (CHECK_PATH, [{"status": 201, "body": '{"check_result": "SUCCESS", "failures": []}', "action": "truncate"}])
    ],
)
def verify_truncated_success(ctx):
    # Half of a SUCCESS body arrives, then FIN: the client must not make a verdict of it.
    assert_correct_answer(ctx)
    assert len(checks_made(ctx)) == 2


@row("truncated_json", faults=[(CHECK_PATH, [{"status": 201, "body": '{"check_result": "SUCC'}])])
def verify_truncated_json(ctx):
    assert_clear_failure(ctx, "not JSON")
    assert ctx.check["status"] == 201
    assert len(checks_made(ctx)) == 1, "a complete but unreadable answer is not retried"


@row("body_50mb", faults=[(CHECK_PATH, [{"status": 201, "body_size": FIFTY_MB}])])
def verify_body_50mb(ctx):
    assert_clear_failure(ctx, "declares %d bytes" % FIFTY_MB, "more than the 4194304")
    made = checks_made(ctx)
    assert len(made) == 1
    # no compressed answers: the cap counts decoded bytes, so a small gzip body could otherwise inflate past it
    assert made[0]["headers"].get("Accept-Encoding") == "identity"


# ---- 2xx answers that are not what "Verifying the Backend Connectivity" documents --------------------------------------

BAD_ANSWERS = [
    ("check_result_missing", '{"failures": []}', "check_result None"),
    ("check_result_unknown", '{"check_result": "PARTIAL", "failures": []}', "check_result 'PARTIAL'"),
    ("check_result_lowercase", '{"check_result": "success"}', "check_result 'success'"),
    ("failures_not_a_list", '{"check_result": "FAILED", "failures": "127.0.0.1:1"}', "not a list"),
    (
        "failures_not_strings",
        '{"check_result": "FAILED", "failures": [{"host": "127.0.0.1"}]}',
        "not a list of host:port",
    ),
    ("success_with_failures", '{"check_result": "SUCCESS", "failures": ["127.0.0.1:1"]}', "says SUCCESS but lists"),
    ("json_not_an_object", '["SUCCESS"]', "not an object"),
]


def _bad_answer_verifier(phrase):
    def verify(ctx):
        assert_clear_failure(ctx, phrase)
        assert ctx.check["status"] == 201
        made = checks_made(ctx)
        assert len(made) == 1, "a wrong answer is not retried into a different one"
        assert ctx.check["request_id"] == made[0]["request_id"]

    return verify


for _row_id, _body, _phrase in BAD_ANSWERS:
    row(_row_id, retries=3, faults=[(CHECK_PATH, [{"status": 201, "body": _body}])])(_bad_answer_verifier(_phrase))


# ---- redirects: credentials stay with the configured host ------------------------------------------------------------


@row(
    "redirect_check_other_host",
    redirect=True,
    faults=[
        (
            CHECK_PATH,
            lambda ctx: [
                {
                    "status": 307,
                    "body": "",
                    "headers": {
                        "Location": "http://%s/v2/%s/apigw/instances/%s/backend/connectivity/check"
                        % (ctx.other_address, presets.PROJECT_ID, presets.INSTANCE_ID)
                    },
                }
            ],
        )
    ],
)
def verify_redirect_check(ctx):
    assert_clear_failure(ctx, "redirect to %s, which is not followed" % ctx.other_address)
    assert ctx.check["status"] == 307
    assert ctx.other_accepted == 0, "the redirect target was contacted"
    assert len(checks_made(ctx)) == 1


@row(
    "redirect_iam_other_host",
    mode="password",
    redirect=True,
    faults=[
        (
            IAM_PATH,
            lambda ctx: [
                {
                    "status": 302,
                    "body": "",
                    "headers": {"Location": "http://user:pass@%s/v3/auth/tokens" % ctx.other_address},
                }
            ],
        )
    ],
)
def verify_redirect_iam(ctx):
    assert_clear_failure(ctx, "IAM refused the sign-in", "redirect to %s, which is not followed" % ctx.other_address)
    assert "user:pass" not in ctx.check["msg"], "userinfo of the Location is not repeated"
    assert ctx.other_accepted == 0, "the password was offered to the redirect target"
    assert checks_made(ctx) == []


# ---- IAM and the member list ---------------------------------------------------------------------------------------


@row(
    "iam_503_then_token",
    mode="password",
    faults=[(IAM_PATH, [{"status": 503, "body": "", "content_type": "text/plain"}])],
)
def verify_iam_503(ctx):
    assert_correct_answer(ctx)
    assert [entry["status"] for entry in requests_to(ctx, "/v3/auth/tokens")] == [503, 201]


@row("iam_201_without_token", mode="password", faults=[(IAM_PATH, [{"status": 201, "body": '{"token": {}}'}])])
def verify_iam_without_token(ctx):
    assert_clear_failure(ctx, "without an X-Subject-Token")
    assert checks_made(ctx) == []


@row(
    "iam_token_without_project",
    mode="password",
    faults=[
        (
            IAM_PATH,
            [{"status": 201, "body": '{"token": "unexpected"}', "headers": {"X-Subject-Token": "MIIfaketoken0001"}}],
        )
    ],
)
def verify_iam_without_project(ctx):
    # Region-scoped sign-in learns the project from the token: no project means no APIG path to call.
    assert_clear_failure(ctx, "names no project", "set project_id")
    assert checks_made(ctx) == []


@row(
    "members_not_a_list",
    args=dict(probe="local"),
    faults=[(MEMBERS_PATH, [{"status": 200, "body": '{"members": {"host": "127.0.0.1"}, "total": 1}'}])],
)
def verify_members_not_a_list(ctx):
    assert_clear_failure(ctx, "no 'members' list")


@row(
    "members_502_then_list",
    args=dict(probe="local", local_probe={"timeout": 0.3}),
    faults=[(MEMBERS_PATH, [{"status": 502, "body": "", "content_type": "text/plain"}])],
)
def verify_members_502(ctx):
    assert not ctx.check.get("failed"), ctx.check
    assert ctx.check["check_result"] == "FAILED" and ctx.check["failures"] == ctx.expected_failures
    assert [entry["status"] for entry in requests_to(ctx, "/members")] == [502, 200]
    assert checks_made(ctx) == [], "probe: local never asks the gateway's check"


# ---- one ansible-playbook run, one host and one emulator per row ---------------------------------------------------


def run_matrix(tmp_dir):
    """Run every row at once: one local host per row (--forks = rows), each against its own emulator."""
    backends = [OpenListener(), ClosedPort(), BlackholeListener()]
    up, refused, dropping = backends
    config = presets.default_config(
        members=[{"host": "127.0.0.1", "port": up.port}],
        channels=[presets.mixed_channel(up, refused, dropping)],
        check_timeout=0.3,
    )
    emulators, listeners, hosts, rows = {}, {}, {}, {}
    try:
        for spec in ROWS:
            emulator = emulators[spec.id] = Emulator(config).start()
            ctx = Context(expected_failures=[refused.address, dropping.address])
            if spec.redirect:
                listeners[spec.id] = OpenListener(
                    host="127.0.0.2", http=True, status=201, body=b'{"check_result": "SUCCESS", "failures": []}'
                )
                ctx.other_address = listeners[spec.id].address
            for path_regex, responses in spec.faults:
                emulator.add_fault(path_regex, responses(ctx) if callable(responses) else responses)
            rows[spec.id] = ctx
            hosts[spec.id] = {
                "apig_auth": auth(emulator, spec.mode, **spec.auth_overrides),
                "check_args": mixed_check(**spec.args),
            }
        run = run_hosts(tmp_dir, hosts)
        time.sleep(0.3)  # a (wrong) late connection to a redirect target would show up in its counter
        for row_id, ctx in rows.items():
            ctx.check = run.results[row_id]
            ctx.requests = emulators[row_id].requests
            ctx.output = run.output
            if row_id in listeners:
                ctx.other_accepted = listeners[row_id].accepted
        return {row_id: ctx.to_json() for row_id, ctx in rows.items()}
    finally:
        for emulator in emulators.values():
            emulator.stop()
        for item in list(listeners.values()) + backends:
            item.close()


@pytest.fixture(scope="module")
def matrix(tmp_path_factory):
    """The matrix run, made once per pytest session even with pytest-xdist (the first worker runs it, others read it)."""
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    lock_path, data_path = shared / "fault-matrix.lock", shared / "fault-matrix.json"
    with open(str(lock_path), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not data_path.exists():
                data_path.write_text(json.dumps(run_matrix(tmp_path_factory.mktemp("fault-matrix"))))
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return {row_id: Context(**fields) for row_id, fields in json.loads(data_path.read_text()).items()}


@pytest.mark.parametrize("row_id", [spec.id for spec in ROWS])
def test_fault_row(matrix, row_id):
    ctx = matrix[row_id]
    assert ctx.check is not None, ctx.output[-6000:]
    assert "Traceback" not in ctx.output and "MODULE FAILURE" not in ctx.output, ctx.output[-6000:]
    {spec.id: spec for spec in ROWS}[row_id].verify(ctx)
    record(row_id, ctx.check, ctx.requests)


def record(row_id, check, requests):
    """Save what this row really produced, for docs/fault-matrix.md."""
    out = os.environ.get(OUT_ENV)
    if not out:
        return
    if check.get("failed"):
        outcome = "task failed: %s" % check["msg"]
        if check.get("status") is not None:
            outcome += " (status %s%s)" % (
                check["status"],
                ", %s" % check["error_code"] if check.get("error_code") else "",
            )
    else:
        outcome = "%s, failures %s" % (check["check_result"], ", ".join(check["failures"]) or "none")
    Path(out).mkdir(parents=True, exist_ok=True)
    (Path(out) / ("%s.json" % row_id)).write_text(
        json.dumps(
            {
                "row": row_id,
                "outcome": outcome,
                "requests": len(requests),
                "faulted": len([entry for entry in requests if entry.get("fault")]),
            }
        )
    )


# ---- docs/fault-matrix.md --------------------------------------------------------------------------------------------

MATRIX = [
    # (row id, fault injected, expected behaviour)
    (
        "429_retry_after_date",
        "429 APIG.0308 with `Retry-After: <HTTP-date>` (3 s after the request arrived), once",
        "retry no earlier than that date, then the real answer",
    ),
    (
        "429_no_retry_after",
        "429 APIG.0308 without `Retry-After`, twice (retries 3)",
        "jittered backoff, then the real answer",
    ),
    ("429_forever", "429 APIG.0308 on every attempt (retries 1)", "clear failure, status 429, APIG.0308"),
    ("5xx_burst_cured", "500, 502, 503, 504 in a row (retries 4)", "retried, then the real answer"),
    (
        "5xx_burst_outlasts_retries",
        "503 APIG.9999 three times (retries 2)",
        "clear failure with the last answer's fields",
    ),
    (
        "html_error_page_502",
        "502 with an nginx HTML page, twice (retries 1)",
        "clear failure quoting the page, no error_code",
    ),
    ("html_page_200", "200 with an HTML page (captive portal)", "clear failure: not JSON; not retried"),
    (
        "reset_mid_response_always",
        "201 headers + half the body, then RST, on every attempt (retries 2)",
        "clear failure after 3 attempts",
    ),
    ("hang_once", "accepts, never answers, once (timeout 1 s, retries 1)", "timeout, retry, the real answer"),
    (
        "hang_always",
        "accepts, never answers, every attempt (timeout 1 s, retries 1)",
        "clear failure: timed out after 2 attempts",
    ),
    (
        "truncated_body_then_answer",
        "half of a SUCCESS body, then FIN (Content-Length not met)",
        "retried; the real answer (FAILED), never the half SUCCESS",
    ),
    (
        "truncated_json",
        '201 `{"check_result": "SUCC` (complete per Content-Length)',
        "clear failure: not JSON; not retried",
    ),
    ("body_50mb", "201 with a 50 MB body", "clear failure: larger than the 4 MiB read cap, not read"),
    ("check_result_missing", "201 without `check_result`", "clear failure"),
    ("check_result_unknown", "201 `check_result: PARTIAL`", "clear failure"),
    ("check_result_lowercase", "201 `check_result: success`", "clear failure (the documented values are upper case)"),
    ("failures_not_a_list", "201 FAILED with `failures` a string", "clear failure"),
    ("failures_not_strings", "201 FAILED with `failures` a list of objects", "clear failure"),
    ("success_with_failures", "201 SUCCESS that lists failures", "clear failure (self-contradictory)"),
    ("json_not_an_object", "201 with a JSON array", "clear failure"),
    (
        "redirect_check_other_host",
        "307 to http://127.0.0.2:PORT (a listener that counts connections)",
        "clear failure; the other host received no connection",
    ),
    (
        "redirect_iam_other_host",
        "IAM answers 302 to http://user:pass@127.0.0.2:PORT (password sign-in)",
        "clear failure; the password went nowhere; userinfo not echoed",
    ),
    ("iam_503_then_token", "IAM 503 once", "retried; one token; the real answer"),
    ("iam_201_without_token", "IAM 201 without `X-Subject-Token`", "clear failure; no APIG call"),
    (
        "iam_token_without_project",
        "IAM 201 with a token but no `token.project.id` (region-scoped sign-in)",
        "clear failure naming project_id; no APIG call",
    ),
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
        "The *outcome* and *requests* columns are generated from a real run (*requests*: IAM + APIG requests the",
        "row's emulator logged, of which *faulted* got the injected fault):",
        "",
        "```",
        "APIG_FAULT_MATRIX_OUT=/tmp/fm pytest tests/integration/test_fault_matrix.py -p no:cacheprovider -n 2",
        "python -m tests.integration.test_fault_matrix /tmp/fm > docs/fault-matrix.md",
        "```",
        "",
        "Client behaviour behind it (`plugins/module_utils/client.py`, `retries.py`, `apig_calls.py`): retries on",
        "429/500/502/503/504, connection errors and timeouts, with equal-jitter exponential backoff from 0.5 s,",
        "never earlier than",
        "`Retry-After` (seconds or HTTP-date, capped at 60 s); other 4xx are never retried; bodies are read up to",
        "4 MiB (a larger `Content-Length` is refused before reading); `Accept-Encoding: identity`; redirects are",
        "never followed; a 2xx must be a JSON object with `check_result` SUCCESS|FAILED and `failures` a list of",
        "strings, empty on SUCCESS.",
        "",
        "| # | fault injected | expected | outcome of the run | requests | faulted |",
        "|---|---|---|---|---|---|",
    ]
    for number, (row, fault, expected) in enumerate(MATRIX, 1):
        data = outcomes.get(row)
        outcome = data["outcome"].replace("|", "\\|") if data else "(not run)"
        counts = (data["requests"], data["faulted"]) if data else ("", "")
        lines.append("| %d | %s | %s | %s | %s | %s |" % ((number, fault, expected, outcome, *counts)))
    missing = [row for row, _f, _e in MATRIX if row not in outcomes]
    lines.append("")
    lines.append(
        "Rows run: %d of %d%s."
        % (len(MATRIX) - len(missing), len(MATRIX), "; missing: " + ", ".join(missing) if missing else "")
    )
    lines.append("")
    lines.append(
        "Covered elsewhere (`tests/integration/test_backend_connectivity.py`): every Huawei error code of APIG's "
        '"Error Codes" page, `Retry-After` in seconds, one reset then the answer, a 503/502/504 burst, no retry on '
        "other 4xx, token re-issue on APIG.1001."
    )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render(sys.argv[1]))
