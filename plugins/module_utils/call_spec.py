# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""One call through the gateway as the user writes it: its options, declared once, and the validated ``CallSpec``.

``call_option_spec()`` declares a call's options for ``api_debug``'s top level and for each entry of ``calls`` (and,
held equal by a test, for the ``api_verify`` role's ``api_verify_calls``). Ansible converts and checks their types
and choices; ``call_spec_from_params`` checks only what an argument spec cannot express - an API given by name
needs its group, header and query names DebugApiV2 refuses, ``expect`` that can be read - and raises
``InputError`` naming the option, before anything is sent.

What is not known until the gateway is asked (the API's ID, its own method and path, its ``{variables}``) is filled
in later (``call_runner.py``); a path variable without a value makes the call SKIPPED, naming it, never a guess.
"""

import json
import re
from dataclasses import dataclass, field
from typing import Optional
from urllib.parse import quote

from ansible_collections.hwcloud.apig.plugins.module_utils.errors import InputError
from ansible_collections.hwcloud.apig.plugins.module_utils.huawei_ids import HUAWEI_ID
from ansible_collections.hwcloud.apig.plugins.module_utils.record_names import usable_name
from ansible_collections.hwcloud.apig.plugins.module_utils.status_codes import parse_expected_status

RELEASE = "RELEASE"
CONSUMER, DEVELOPER = "CONSUMER", "DEVELOPER"
MODES = (CONSUMER, DEVELOPER)
METHODS = ("GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "OPTIONS")
SCHEMES = ("HTTP", "HTTPS")
# Methods that change nothing on the backend (RFC 9110, 9.2.1): the only ones discovery calls unless told otherwise.
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
# DebugApiV2's rules for names (Huawei's reference): at most 32 bytes, from a letter; never the gateway's own headers.
_QUERY_NAME = re.compile(r"\A[A-Za-z][A-Za-z0-9._-]{0,31}\Z")
_HEADER_NAME = re.compile(r"\A[A-Za-z][A-Za-z0-9.-]{0,31}\Z")
_GATEWAY_HEADERS = ("x-apig-", "x-sdk-")
_TOKEN_HEADERS = ("x-auth-token", "authorization")
_STATUS_CLASS = re.compile(r"\A([1-5])xx\Z", re.IGNORECASE)
# A path's variables as APIG writes them: {name}, and a final {name+} that takes the rest of the path.
PATH_VARIABLE = re.compile(r"\{([A-Za-z0-9_.-]+)(\+?)\}")
MAX_PATH = 1024


def expect_option_spec():
    """What a call's answer must be beyond the default (the gateway reached the backend, which answered below 500)."""
    return dict(
        status=dict(type="raw"),
        body_contains=dict(type="str"),
        body_regex=dict(type="str"),
        json=dict(type="dict"),
        max_latency_ms=dict(type="int"),
    )


def call_option_spec(required=False):
    """One call's options; ``required`` for an entry of ``calls``, where the call has no other source."""
    return dict(
        name=dict(type="str"),
        api=dict(type="str", required=required),
        group=dict(type="str"),
        environment=dict(type="str"),
        mode=dict(type="str", choices=list(MODES)),
        method=dict(type="str", choices=list(METHODS)),
        path=dict(type="str"),
        path_params=dict(type="dict"),
        query=dict(type="dict"),
        headers=dict(type="dict"),
        body=dict(type="raw"),
        scheme=dict(type="str", choices=list(SCHEMES)),
        domain=dict(type="str"),
        app_key=dict(type="str", no_log=True),
        app_secret=dict(type="str", no_log=True),
        expect=dict(type="dict", options=expect_option_spec()),
    )


def is_api_id(value):
    """Whether ``api`` names an API by its ID (32 lowercase hex, as APIG's IDs are) rather than by its name."""
    return isinstance(value, str) and bool(HUAWEI_ID.match(value))


def call_name(params):
    """The name a call goes by: its ``name``, else its ``api``; None when none is usable."""
    name = params.get("name")
    if name is None:
        name = params.get("api")
    return usable_name(name)


@dataclass
class Expectation:
    """What the answer must be: a status set (None: below 500), body text, a regex, JSON values, a latency."""

    status: Optional[object] = None
    status_text: Optional[str] = None
    body_contains: Optional[str] = None
    body_regex: Optional[object] = None
    json: dict = field(default_factory=dict)
    max_latency_ms: Optional[int] = None


@dataclass
class ApiDefinition:
    """What the definition of the API a call names says, once the gateway is asked - as published in the call's
    environment, or the draft: its name, group, authentication and protocol. What could not be read stays None."""

    name: Optional[str] = None
    group_name: Optional[str] = None
    auth_type: Optional[str] = None
    protocol: Optional[str] = None


@dataclass
class CallSpec:
    """A validated call, as the user asked it: ``api`` as given (an ID or a name), and what to send and expect.
    Once the gateway is asked, ``api_id`` is the API's ID (given, or found by name in its group) and ``definition``
    what its definition says; the call's ``method`` and ``path``, when not given, are the API's own. ``skipped`` or
    ``problem``, once known, mean no debug call is made: SKIPPED, or an ERROR."""

    name: str
    instance_id: str
    api: str
    group: Optional[str] = None
    environment: str = RELEASE
    mode: str = CONSUMER
    method: Optional[str] = None
    path: Optional[str] = None
    path_params: dict = field(default_factory=dict)
    query: dict = field(default_factory=dict)
    headers: dict = field(default_factory=dict)
    body: Optional[str] = None
    scheme: Optional[str] = None
    domain: Optional[str] = None
    app_key: Optional[str] = None
    app_secret: Optional[str] = None
    expect: Expectation = field(default_factory=Expectation)
    discovered: bool = False
    api_id: Optional[str] = None
    definition: ApiDefinition = field(default_factory=ApiDefinition)
    skipped: Optional[str] = None
    problem: Optional[str] = None

    def identity(self):
        """What a record says the call was asked as: its name, the API as given, environment and mode."""
        return {"name": self.name, "api": self.api, "environment": self.environment, "mode": self.mode}

    def scheme_to_call(self):
        """HTTP or HTTPS: as given, else the API's own protocol (HTTPS when it takes both, or is not known)."""
        return self.scheme or ("HTTP" if self.definition.protocol == "HTTP" else "HTTPS")


def _values(option, value, pattern, forbidden=()):
    """``{name: [str]}`` from a dict of str, numbers or lists of them; names as DebugApiV2 takes them."""
    if not value:
        return {}
    values = {}
    for name, given in value.items():
        lowered = name.lower()
        if not pattern.match(name) or lowered.startswith(_GATEWAY_HEADERS) or lowered == "x-stage":
            raise InputError(
                option,
                "%s: %r is not a name DebugApiV2 takes (at most 32 letters, digits, '.', '-'%s, from a letter; not "
                "X-Apig-*, X-Sdk-* or X-Stage)" % (option, name, "" if pattern is _HEADER_NAME else ", '_'"),
            )
        if lowered in forbidden:
            raise InputError(
                option,
                "%s: %s cannot be sent in CONSUMER mode (DebugApiV2 refuses it); an IAM-authenticated API can be "
                "debugged with mode: DEVELOPER (the draft), see docs/verify.md" % (option, name),
            )
        items = given if isinstance(given, list) else [given]
        texts = []
        for item in items:
            if isinstance(item, bool) or not isinstance(item, (str, int, float)) or "\n" in str(item):
                raise InputError(
                    option, "%s: the value of %s must be a string, a number, or a list of them" % (option, name)
                )
            texts.append(str(item))
        values[name] = texts
    return values


def parse_status(value, option="expect.status"):
    """``(StatusCodes, text)`` from an int, ``"200-299"``, ``"2xx"`` or a list of them; InputError otherwise."""
    pieces = list(value) if isinstance(value, list) else [value]
    converted = []
    for piece in pieces:
        found = _STATUS_CLASS.match(piece) if isinstance(piece, str) else None
        converted.append("%s00-%s99" % (found.group(1), found.group(1)) if found else piece)
    try:
        codes = parse_expected_status(converted)
    except ValueError as exc:
        raise InputError(option, "%s: %s" % (option, exc)) from None
    return codes, str(codes)


def expectation_from(params, where=""):
    """An ``Expectation`` from the ``expect`` suboptions (None: the default expectation)."""
    params = params or {}
    expect = Expectation(body_contains=params.get("body_contains"), json=dict(params.get("json") or {}))
    if params.get("status") is not None:
        expect.status, expect.status_text = parse_status(params["status"], where + "expect.status")
    if params.get("body_regex") is not None:
        try:
            expect.body_regex = re.compile(params["body_regex"])
        except re.error as exc:
            raise InputError(
                where + "expect.body_regex", "%sexpect.body_regex is not a regular expression: %s" % (where, exc)
            ) from None
    latency = params.get("max_latency_ms")
    if latency is not None:
        if latency <= 0:
            raise InputError(where + "expect.max_latency_ms", "%sexpect.max_latency_ms must be more than 0" % where)
        expect.max_latency_ms = latency
    for path in expect.json:
        if not path or any(not part for part in path.split(".")):
            raise InputError(
                where + "expect.json", "%sexpect.json: %r is not a dotted path like data.items.0.id" % (where, path)
            )
    return expect


def body_text(value, option="body"):
    """The body as DebugApiV2 sends it: a string as given, a dict or list as JSON."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True)
    raise InputError(option, "%s must be a string, or a dict or list sent as JSON" % option)


def call_spec_from_params(params, instance_id, where="", fallback_path_params=None):
    """A ``CallSpec`` from converted options (``where`` prefixes option names: ``calls[2].``); InputError naming
    the option when it cannot be made. ``fallback_path_params`` fill the variables the call's own do not."""
    api = params.get("api")
    if not isinstance(api, str) or not api.strip() or api != api.strip():
        raise InputError(where + "api", "%sapi must be an API's ID or name, without surrounding blanks" % where)
    name = call_name(params)
    if name is None:
        raise InputError(where + "name", "%sname must be 1-128 characters without control characters" % where)
    if not is_api_id(api) and not params.get("group"):
        raise InputError(
            where + "group",
            "%sgroup is required when api is a name (%r): API names are unique within a group" % (where, api),
        )
    mode = params.get("mode") or CONSUMER
    path = params.get("path")
    if path is not None and (not path.startswith("/") or len(path) > MAX_PATH or any(char in path for char in "?# ")):
        raise InputError(
            where + "path",
            "%spath must start with / and hold no query, fragment or blank (give query separately), at most %d "
            "characters, got %r" % (where, MAX_PATH, path),
        )
    path_params = dict(fallback_path_params or {})
    path_params.update(params.get("path_params") or {})
    for key, value in path_params.items():
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise InputError(
                where + "path_params", "%spath_params: the value of %s must be a string or a number" % (where, key)
            )
    forbidden = _TOKEN_HEADERS if mode == CONSUMER else ()
    environment = params.get("environment") or RELEASE
    return CallSpec(
        name=name,
        instance_id=instance_id,
        api=api,
        group=params.get("group"),
        environment=environment,
        mode=mode,
        method=params.get("method"),
        path=path,
        path_params={key: str(value) for key, value in path_params.items()},
        query=_values(where + "query", params.get("query"), _QUERY_NAME),
        headers=_values(where + "headers", params.get("headers"), _HEADER_NAME, forbidden),
        body=body_text(params.get("body"), where + "body"),
        scheme=params.get("scheme"),
        domain=params.get("domain"),
        app_key=params.get("app_key"),
        app_secret=params.get("app_secret"),
        expect=expectation_from(params.get("expect"), where),
    )


def fill_path(template, values):
    """``(path, missing)``: ``template`` with each ``{name}`` (``{name+}``: the rest of the path) replaced by its value
    from ``values``, percent-encoded as one segment (``+``: slashes kept); ``missing`` is the first variable without a
    value (and then the path is None)."""
    missing = [found.group(1) for found in PATH_VARIABLE.finditer(template or "") if found.group(1) not in values]
    if missing:
        return None, missing[0]

    def value(found):
        return quote_segment(values[found.group(1)], keep_slashes=bool(found.group(2)))

    return PATH_VARIABLE.sub(value, template), None


def quote_segment(value, keep_slashes=False):
    """A value as (part of) a path: reserved characters percent-encoded (the slashes only for a ``{name}``)."""
    return quote(value, safe="/-._~" if keep_slashes else "-._~")
