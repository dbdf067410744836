# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fault injection: scripted answers that replace (or delay) the normal handling.

A rule matches requests by path regex (and optionally method) and holds a list
of responses consumed one per matching request, in order; when the list is
used up the rule disappears and normal handling resumes.  This is what lets a
test say "503, 503, then the real answer" to exercise retries, or "drop the
connection mid-body" to exercise error reporting, without a real outage.

This module only validates and hands out the scripted responses; the HTTP
handler carries them out on the socket.
"""

import itertools
import re
import threading

ACTIONS = ("reset", "hang", "truncate")
_KEYS = (
    "status",
    "error_code",
    "error_msg",
    "body",
    "content_type",
    "headers",
    "delay_ms",
    "action",
    "body_size",
    "pass",
    "repeat",
    "times",
    "retry_after_date_in",
)


class FaultError(ValueError):
    """A fault rule or response is malformed; raised when it is added, not when it fires."""


def _int(where, value, minimum, maximum=None):
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or value < minimum
        or (maximum is not None and value > maximum)
    ):
        raise FaultError(
            "%s must be an integer >= %d%s" % (where, minimum, "" if maximum is None else " and <= %d" % maximum)
        )
    return value


class FaultResponse:
    """One scripted answer.  ``answers`` tells whether it replaces the normal handling."""

    def __init__(self, where, data):
        if not isinstance(data, dict):
            raise FaultError("%s must be a mapping" % where)
        unknown = sorted(set(data) - set(_KEYS))
        if unknown:
            raise FaultError(
                "%s: unknown key(s) %s (allowed: %s)" % (where, ", ".join(map(str, unknown)), ", ".join(_KEYS))
            )
        self.status = _int(where + ".status", data["status"], 100, 599) if data.get("status") is not None else None
        self.error_code = self._text(where, data, "error_code")
        self.error_msg = self._text(where, data, "error_msg")
        self.body = self._text(where, data, "body")
        self.content_type = self._text(where, data, "content_type")
        self.headers = self._headers(where, data.get("headers"))
        # Retry-After as an HTTP-date this many seconds after the request arrives (set when it is answered, so a
        # slow client start can never make the date pass before the first request).
        in_seconds = data.get("retry_after_date_in")
        self.retry_after_date_in = None if in_seconds is None else _int(where + ".retry_after_date_in", in_seconds, 1)
        delay = data.get("delay_ms", 0)
        if isinstance(delay, bool) or not isinstance(delay, (int, float)) or delay < 0:
            raise FaultError("%s.delay_ms must be a number >= 0" % where)
        self.delay = delay / 1000.0
        self.action = data.get("action")
        if self.action is not None and self.action not in ACTIONS:
            raise FaultError("%s.action must be one of %s" % (where, ", ".join(ACTIONS)))
        self.body_size = _int(where + ".body_size", data["body_size"], 0) if data.get("body_size") is not None else None
        self.passthrough = data.get("pass", False)
        if not isinstance(self.passthrough, bool):
            raise FaultError("%s.pass must be true or false" % where)
        if "repeat" in data and "times" in data:
            raise FaultError("%s: give repeat or times, not both" % where)
        self.times = _int(where + ".times", data.get("times", data.get("repeat", 1)), 1)
        self._check_combination(where)

    @staticmethod
    def _text(where, data, key):
        value = data.get(key)
        if value is not None and not isinstance(value, str):
            raise FaultError("%s.%s must be a string" % (where, key))
        return value

    @staticmethod
    def _headers(where, value):
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise FaultError("%s.headers must be a mapping" % where)
        headers = {}
        for name, item in value.items():
            if not isinstance(name, str) or isinstance(item, bool) or not isinstance(item, (str, int, float)):
                raise FaultError("%s.headers: %r must map a name to a string or number" % (where, name))
            if any(ch in "\r\n" for ch in str(name) + str(item)):
                raise FaultError("%s.headers: %r must not contain line breaks" % (where, name))
            headers[name] = str(item)
        return headers

    def _check_combination(self, where):
        content = [
            key
            for key, value in (("body", self.body), ("error_code", self.error_code), ("body_size", self.body_size))
            if value is not None
        ]
        if len(content) > 1:
            raise FaultError("%s: %s are alternatives, give one" % (where, " and ".join(content)))
        if self.error_msg is not None and self.error_code is None:
            raise FaultError("%s: error_msg needs error_code" % where)
        if self.error_code is not None and self.status is None:
            raise FaultError("%s: error_code needs a status" % where)
        if self.passthrough and (self.status is not None or content or self.action):
            raise FaultError(
                "%s: pass means normal handling; it cannot be combined with status, body or action" % where
            )
        if self.action == "hang" and (self.status is not None or content):
            raise FaultError("%s: a hanging connection never answers; drop status/body" % where)

    @property
    def answers(self):
        """True if this response is the answer; False for ``pass`` and pure latency."""
        return not self.passthrough and (
            self.status is not None
            or self.action is not None
            or self.body is not None
            or self.error_code is not None
            or self.body_size is not None
        )

    def label(self):
        """A short label for the request log (what the fault did to this request)."""
        if self.passthrough:
            return "pass"
        if self.action:
            return self.action
        if self.answers:
            return "status %d" % (self.status or 200)
        return "delay %d ms" % round(self.delay * 1000)


class FaultRule:
    """Responses for requests whose path matches ``path_regex`` (``re.search``, query excluded)."""

    _ids = itertools.count(1)

    def __init__(self, path_regex, responses, method=None):
        if not isinstance(path_regex, str):
            raise FaultError("path_regex must be a string")
        try:
            self.pattern = re.compile(path_regex)
        except re.error as exc:
            raise FaultError("path_regex %r: %s" % (path_regex, exc)) from None
        if method is not None and (not isinstance(method, str) or not method):
            raise FaultError("method must be an HTTP method name")
        self.method = method.upper() if method else None
        if not isinstance(responses, list) or not responses:
            raise FaultError("responses must be a non-empty list")
        self.id = next(self._ids)
        self.queue = []
        for i, item in enumerate(responses):
            response = FaultResponse("responses[%d]" % i, item)
            self.queue.append([response, response.times])

    def pop(self):
        """The next response; the caller holds the book's lock."""
        head = self.queue[0]
        head[1] -= 1
        if head[1] == 0:
            self.queue.pop(0)
        return head[0]

    def matches(self, method, path):
        """True if this rule applies to a request."""
        return (self.method is None or self.method == method.upper()) and self.pattern.search(path) is not None

    def describe(self):
        """What is still pending, for ``GET /_emulator/faults``."""
        return {
            "id": self.id,
            "path_regex": self.pattern.pattern,
            "method": self.method,
            "pending": [{"response": response.label(), "times": left} for response, left in self.queue],
        }


class FaultBook:
    """The active rules; the first matching rule with responses left answers."""

    def __init__(self):
        self._lock = threading.Lock()
        self._rules = []

    def add(self, path_regex, responses, method=None):
        """Validate and append a rule; returns its id."""
        rule = FaultRule(path_regex, responses, method)
        with self._lock:
            self._rules.append(rule)
        return rule.id

    def clear(self):
        """Drop every rule."""
        with self._lock:
            del self._rules[:]

    def take(self, method, path):
        """Consume and return the next response for this request, or None."""
        with self._lock:
            for rule in self._rules:
                if rule.matches(method, path):
                    response = rule.pop()
                    if not rule.queue:
                        self._rules.remove(rule)
                    return response
        return None

    def pending(self):
        """Descriptions of the rules that still have responses."""
        with self._lock:
            return [rule.describe() for rule in self._rules]
