# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""One call through the gateway (DebugApiV2), from its spec to its record: the body sent, the raw answer read back,
who answered (the backend, or the gateway itself), and the verdict.

DebugApiV2 answers 200 whatever the API answered: the API's own answer is the raw HTTP text in ``response``.
When the gateway, not the backend, answered, that text holds the gateway's JSON error (contract §11). Its code
says on which side the fault lies:

* backend-side (``BACKEND_CODES``: the gateway tried the backend and could not get an answer - APIG.0201, 0202,
  0203, 0404, 0605, 0609, 0610) - the call is FAILED, naming the code: the backend is what must be fixed;
* gateway-side (any other APIG code: not published in that environment, authentication, throttling, a code this
  collection does not know) - the call is an ERROR: it says nothing of the backend, it is never a pass and never
  blamed on the backend.

Without ``expect``, a call passes when the backend answered below 500. What cannot be known from the answer is said
in docs/verify.md ("What is and is not known about a failed debug answer"): Huawei documents neither how a failed
backend looks in a debug answer (read here as the gateway's JSON error inside a 200, as the console shows it) nor
what ``log`` holds; a backend that itself answers a JSON body shaped like the gateway's error would be read as the
gateway's (its ``X-Apig-Upstream-Latency`` header then tells it apart, when the gateway sends it).
"""

import json

from ansible_collections.hwcloud.apig.plugins.module_utils.call_spec import CONSUMER
from ansible_collections.hwcloud.apig.plugins.module_utils.results import ERROR, FAILED, SUCCESS

SKIPPED = "SKIPPED"
RESULTS = (SUCCESS, FAILED, ERROR, SKIPPED)
MAX_BODY = 64 * 1024  # what a record keeps of an answer's body
TRUNCATED_MARK = "[TRUNCATED]"  # how DebugApiV2 ends a body it cut at 2 MiB
BACKEND, GATEWAY, DEBUG_CALL = "backend", "gateway", "debug call"
# The gateway's codes for a backend it tried and could not get an answer from (contract §11).
BACKEND_CODES = {
    "APIG.0201": "the backend is unavailable or timed out",
    "APIG.0202": "the backend does not speak the protocol configured for it",
    "APIG.0203": "the backend timed out",
    "APIG.0404": "the backend's IP address is denied",
    "APIG.0605": "the backend's domain name does not resolve",
    "APIG.0609": "the VPC channel's backend no longer exists",
    "APIG.0610": "no backend is available in the VPC channel",
}
NOT_PUBLISHED = "APIG.0101"
# The gateway's answers to a call it would not authenticate (APIG's "Error Codes" page: 0301-0307 are IAM, AK/SK and
# token refusals); in CONSUMER mode an IAM-authenticated API always gets one (contract §11, inferred).
AUTH_CODES = ("APIG.0301", "APIG.0302", "APIG.0303", "APIG.0304", "APIG.0305", "APIG.0306", "APIG.0307")
THROTTLED_CODES = ("APIG.0308", "APIG.0309", "APIG.0310", "APIG.0311")


class RawResponseError(ValueError):
    """DebugApiV2's ``response`` text is not an HTTP answer."""


def debug_body(spec, method, path):
    """DebugApiV2's body (``ApiDebugInfo``) for a call whose method and path are known."""
    body = {
        "mode": spec.mode,
        "scheme": spec.scheme_to_call(),
        "method": method,
        "path": path,
    }
    if spec.mode == CONSUMER:
        body["stage"] = spec.environment
    for key, value in (("query", spec.query), ("header", spec.headers)):
        if value:
            body[key] = value
    for key in ("body", "domain", "app_key", "app_secret"):
        if getattr(spec, key) is not None:
            body[key] = getattr(spec, key)
    return body


def parse_raw_response(text):
    """``(status, reason, headers, body, truncated)`` of DebugApiV2's raw ``response`` text.

    Headers keep the gateway's spelling; a repeated header keeps its last value. The body is whatever follows the
    blank line; DebugApiV2 cuts it at 2 MiB and ends it with ``[TRUNCATED]`` (``truncated`` then True).
    """
    if not isinstance(text, str):
        raise RawResponseError("it is not text")
    head, separator, body = text.partition("\r\n\r\n")
    if not separator:
        head, separator, body = text.partition("\n\n")
    lines = head.replace("\r\n", "\n").split("\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit() or len(parts[1]) != 3:
        raise RawResponseError("its first line is not an HTTP status line: %r" % lines[0][:80])
    headers = {}
    for line in lines[1:]:
        name, colon, value = line.partition(":")
        if not colon or not name.strip():
            raise RawResponseError("it has a header line without a name: %r" % line[:80])
        headers[name.strip()] = value.strip()
    truncated = body.endswith(TRUNCATED_MARK)
    if truncated:
        body = body[: -len(TRUNCATED_MARK)]
    return int(parts[1]), parts[2] if len(parts) > 2 else "", headers, body, truncated


def header(headers, name):
    """A header's value whatever its spelling, or None."""
    return next((value for key, value in headers.items() if key.lower() == name.lower()), None)


def gateway_error(headers, body):
    """``(code, msg)`` when the body is the gateway's own JSON error (``{error_code: "APIG.nnnn", error_msg, ...}``
    without an upstream latency: no backend answered it), else None."""
    try:
        data = json.loads(body)
    except ValueError:
        return None
    code = data.get("error_code") if isinstance(data, dict) else None
    if not (isinstance(code, str) and code.startswith("APIG.") and "error_msg" in data):
        return None
    if code not in BACKEND_CODES and header(headers, "X-Apig-Upstream-Latency") is not None:
        return None  # a backend answered it: its own body merely looks like the gateway's
    return code, data.get("error_msg")


def _json_value(data, path):
    """The value at a dotted path (list items by index); raises LookupError naming the first missing part."""
    value = data
    for part in path.split("."):
        if isinstance(value, list) and part.lstrip("-").isdigit():
            index = int(part)
            if not -len(value) <= index < len(value):
                raise LookupError(part)
            value = value[index]
        elif isinstance(value, dict) and part in value:
            value = value[part]
        else:
            raise LookupError(part)
    return value


def expectation_failures(expect, status, body, latency_ms, truncated):
    """Why a backend's answer does not meet ``expect`` (empty: it does), each as one short phrase."""
    failures = []
    if expect.status is not None:
        if status not in expect.status:
            failures.append("status %d is not %s" % (status, expect.status_text))
    elif status >= 500:
        failures.append("the backend answered %d" % status)
    cut = " (the body was cut at 2 MiB)" if truncated else ""
    if expect.body_contains is not None and expect.body_contains not in body:
        failures.append("the body does not contain %r%s" % (expect.body_contains, cut))
    if expect.body_regex is not None and not expect.body_regex.search(body):
        failures.append("the body does not match %r%s" % (expect.body_regex.pattern, cut))
    if expect.json:
        try:
            data = json.loads(body)
        except ValueError:
            data, failures = None, [*failures, "the body is not JSON%s" % cut]
        if data is not None:
            for path, wanted in expect.json.items():
                try:
                    found = _json_value(data, path)
                except LookupError as exc:
                    failures.append("JSON %s is absent (no %r)" % (path, exc.args[0]))
                    continue
                if found != wanted:
                    failures.append("JSON %s is %s, not %s" % (path, json.dumps(found), json.dumps(wanted)))
    if expect.max_latency_ms is not None and latency_ms is not None and latency_ms > expect.max_latency_ms:
        failures.append("latency %d ms is over max_latency_ms %d" % (latency_ms, expect.max_latency_ms))
    return failures


def call_record(spec, method=None, url=None):
    """A call's record with every key present, as a call not (yet) made: ERROR until a verdict says otherwise."""
    return {
        "name": spec.name,
        "instance_id": spec.instance_id,
        "api": spec.api,
        "api_id": spec.api_id,
        "api_name": spec.definition.name,
        "group": spec.definition.group_name or spec.group,
        "environment": spec.environment if spec.mode == CONSUMER else None,
        "mode": spec.mode,
        "method": method or spec.method,
        "url": url,
        "discovered": spec.discovered,
        "result": ERROR,
        "reason": None,
        "status": None,
        "apig_error_code": None,
        "answered_by": None,
        "latency_ms": None,
        "response_headers": {},
        "body": None,
        "body_truncated": False,
        "request_id": None,
        "debug_request_id": None,
        "error_code": None,
        "error_msg": None,
    }


def skipped_record(spec, reason, method=None):
    """A call not made on purpose (an unsafe method, a path variable without a value, an API that calls no backend):
    SKIPPED - never a pass, never a failure."""
    return dict(call_record(spec, method), result=SKIPPED, reason=reason)


def error_record(spec, reason, method=None, url=None, exc=None):
    """A call that could not be made, or whose answer says nothing of the backend: ERROR, with the debug call's own
    error fields when it was refused (``exc``, an ApigError)."""
    record = dict(call_record(spec, method, url), reason=reason)
    if exc is not None:
        record.update(
            status=exc.status,
            apig_error_code=exc.error_code,
            answered_by=DEBUG_CALL,
            error_code=exc.error_code,
            error_msg=exc.error_msg,
            debug_request_id=exc.request_id,
        )
    return record


def _url(spec, request_text, method, path):
    """The URL the gateway called: its scheme, the Host of the raw request, and the request line's target."""
    lines = (request_text or "").replace("\r\n", "\n").split("\n")
    target = lines[0].split(" ")[1] if len(lines[0].split(" ")) >= 3 else path
    host = next((line.split(":", 1)[1].strip() for line in lines[1:] if line.lower().startswith("host:")), None)
    return "%s://%s%s" % (spec.scheme_to_call().lower(), host or spec.domain or "(the group's domain)", target)


def _gateway_refusal(spec, code, msg):
    """Why a call the gateway itself refused says nothing of the backend, and what to do."""
    if code == NOT_PUBLISHED:
        where = "in environment %s" % spec.environment if spec.mode == CONSUMER else "as a draft"
        return "%s: the gateway has no such API %s (%s) - publish it there, or check environment and path" % (
            code,
            where,
            msg,
        )
    if code in AUTH_CODES:
        if spec.mode == CONSUMER and spec.definition.auth_type in ("IAM", None) and not spec.app_key:
            return (
                "%s: the gateway refused to authenticate the call (%s). An IAM-authenticated API cannot be debugged in "
                "CONSUMER mode: DebugApiV2 refuses X-Auth-Token and Authorization headers there, so no token reaches "
                "the API. Verify it with mode: DEVELOPER and an X-Auth-Token header (that calls the draft, not what is "
                "published), or through an APP-authenticated route with app_key/app_secret, or leave it out"
                % (code, msg)
            )
        if spec.definition.auth_type == "APP" or spec.app_key:
            return (
                "%s: the gateway refused the app credentials (%s): give app_key/app_secret of an app authorized for "
                "the API in environment %s" % (code, msg, spec.environment)
            )
        return "%s: the gateway refused to authenticate the call (%s)" % (code, msg)
    if code in THROTTLED_CODES:
        return "%s: the gateway throttled the call (%s); it says nothing of the backend" % (code, msg)
    return "%s: the gateway itself answered (%s), not the backend" % (code, msg)


def judge(spec, method, path, data, debug_request_id):
    """The record of a call DebugApiV2 answered (``data``: its validated 200 body)."""
    url = _url(spec, data.get("request"), method, path)
    record = call_record(spec, method, url)
    record["debug_request_id"] = debug_request_id
    latency = data.get("latency")
    record["latency_ms"] = None if latency is None else int(latency)
    try:
        status, _reason, headers, body, truncated = parse_raw_response(data["response"])
    except RawResponseError as exc:
        record["reason"] = "DebugApiV2's response text is not an HTTP answer (%s): the call's outcome is unknown" % exc
        return record
    record.update(
        status=status,
        response_headers=headers,
        body=body[:MAX_BODY],
        body_truncated=truncated or len(body) > MAX_BODY,
        request_id=header(headers, "X-Request-Id"),
    )
    refused = gateway_error(headers, body)
    if refused is not None:
        code, msg = refused
        record["apig_error_code"] = code
        record["answered_by"] = GATEWAY
        if code in BACKEND_CODES:
            record.update(result=FAILED, reason="%s: %s (%s)" % (code, BACKEND_CODES[code], msg))
        else:
            record["reason"] = _gateway_refusal(spec, code, msg)
        return record
    record["answered_by"] = BACKEND
    failures = expectation_failures(spec.expect, status, body, record["latency_ms"], truncated)
    record["result"] = FAILED if failures else SUCCESS
    record["reason"] = "; ".join(failures) if failures else "answered %d" % status
    return record


def summarize_calls(records):
    """The batch verdict: SUCCESS only when at least one call was made and every call made passed, nothing could not
    be made; ``failures`` the names of the calls that did not pass (SKIPPED ones are not failures)."""
    counts = {word: sum(1 for record in records if record["result"] == word) for word in RESULTS}
    made = counts[SUCCESS] + counts[FAILED]
    passed = made > 0 and counts[FAILED] == 0 and counts[ERROR] == 0
    failures = [record["name"] for record in records if record["result"] in (FAILED, ERROR)]
    return {"verify_result": SUCCESS if passed else FAILED, "failures": failures, "counts": counts, "calls": records}
