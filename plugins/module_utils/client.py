# -*- coding: utf-8 -*-
# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ApigClient: a small HTTP client for the two APIG calls and the IAM token call.

Lean on purpose (as community.docker talks to Docker without its SDK): one
``requests`` session per module run, shared by every check of a batch; retries
with jittered backoff on the explicit list in ``retries.py``; every failure
turned into an ``ApigError`` carrying Huawei's own ``error_code``, ``error_msg``
and ``X-Request-Id``.  Responses are read with a size cap and redirects are
never followed, so credentials cannot be carried to another host.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import threading
import time

try:
    import requests
    from requests.adapters import HTTPAdapter
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None
except ImportError as _import_error:  # pragma: no cover - exercised by ansible-test's import sanity check
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = _import_error

from ansible.module_utils.six.moves.urllib.parse import quote, urlencode, urlsplit

from ansible_collections.hwcloud.apig.plugins.module_utils.auth import auth_from_settings
from ansible_collections.hwcloud.apig.plugins.module_utils.errors import ApigError
from ansible_collections.hwcloud.apig.plugins.module_utils.proxies import masked
from ansible_collections.hwcloud.apig.plugins.module_utils.retries import is_retryable_status, retry_delay

COLLECTION_VERSION = "0.1.0"  # kept equal to galaxy.yml by tests/unit/plugins/module_utils/test_client.py
USER_AGENT = "hwcloud.apig/%s" % COLLECTION_VERSION
MAX_RESPONSE_BYTES = 4 * 1024 * 1024
MEMBERS_PAGE_LIMIT = 500
MAX_MEMBER_PAGES = 1000


def _segment(value):
    """An ID as one URL path segment: nothing in it can add a segment or a query."""
    return quote(value, safe="")


class _Response(object):
    """What the client keeps of an HTTP answer: status, headers, capped body."""

    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    @property
    def request_id(self):
        return self.headers.get("X-Request-Id") or self.headers.get("X-Openstack-Request-Id")

    def json(self, what):
        """The body as a JSON object, or an ApigError that says the answer was not what Huawei documents."""
        try:
            data = json.loads(self.body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            snippet = self.body[:120].decode("utf-8", "replace").replace("\n", " ")
            raise ApigError("%s answered HTTP %s with a body that is not JSON: %r" % (what, self.status, snippet),
                            status=self.status, request_id=self.request_id)
        if not isinstance(data, dict):
            raise ApigError("%s answered HTTP %s with JSON that is not an object" % (what, self.status),
                            status=self.status, request_id=self.request_id)
        return data


def _error_fields(data):
    """error_code / error_msg from APIG's flat form or IAM's nested {"error": {...}} form."""
    if not isinstance(data, dict):
        return None, None
    if "error_code" in data or "error_msg" in data:
        return data.get("error_code"), data.get("error_msg")
    nested = data.get("error")
    if isinstance(nested, dict):
        code = nested.get("code")
        return (None if code is None else str(code)), nested.get("message")
    return None, None


class ApigClient(object):
    """Calls APIG (and IAM for password sign-in) with retries, re-authentication and safe error reporting."""

    def __init__(self, settings, pool_size=10, sleep=time.sleep):
        if not HAS_REQUESTS:
            raise ApigError("the Python library 'requests' is required on the managed host: %s" % REQUESTS_IMPORT_ERROR)
        self.settings = settings
        self.auth = auth_from_settings(settings)
        self._sleep = sleep
        self._session = requests.Session()
        # No netrc credentials or foreign CA bundle picked up behind the user's back; the proxy comes from
        # proxies.py, which reads the proxy variables (or the proxy option) and nothing else.
        self._session.trust_env = False
        self._proxy = settings.proxy
        adapter = HTTPAdapter(pool_connections=2, pool_maxsize=max(1, pool_size), max_retries=0)
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)
        self._session.verify = settings.ca_path if (settings.validate_certs and settings.ca_path) else settings.validate_certs
        self._project_id = settings.project_id
        self._project_lock = threading.Lock()
        self.issued_tokens = []  # IAM tokens this run obtained: secrets too, though no option holds them

    def close(self):
        self._session.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    # ---- the APIG calls -------------------------------------------------------------------------------------

    def project_id(self):
        """The project in APIG paths; with password sign-in by region it comes from the token."""
        with self._project_lock:
            if self._project_id is None:
                self._project_id = self.auth.project_id(self)
            if not isinstance(self._project_id, str) or not self._project_id:
                raise ApigError("IAM's token names no project for region %r, so the APIG path cannot be built; "
                                "set project_id" % (self.settings.region,))
            return self._project_id

    def check_backend_connectivity(self, instance_id, body):
        """POST .../backend/connectivity/check; returns (validated answer, request id)."""
        path = "/v2/%s/apigw/instances/%s/backend/connectivity/check" % (_segment(self.project_id()), _segment(instance_id))
        response = self._apig_call("POST", path, body=body, expected=(200, 201))
        data = response.json("APIG")
        return _validated_check_answer(data, response), response.request_id

    def list_vpc_channel_members(self, instance_id, vpc_channel_id):
        """Every member of a VPC channel, paging with offset/limit until ``total`` (contract §2)."""
        path = "/v2/%s/apigw/instances/%s/vpc-channels/%s/members" % (
            _segment(self.project_id()), _segment(instance_id), _segment(vpc_channel_id))
        members, offset = [], 0
        for _page in range(MAX_MEMBER_PAGES):
            response = self._apig_call("GET", path, query={"offset": offset, "limit": MEMBERS_PAGE_LIMIT}, expected=(200,))
            data = response.json("APIG")
            page, total = data.get("members"), data.get("total")
            if not isinstance(page, list) or not isinstance(total, int) or isinstance(total, bool):
                raise ApigError("APIG's member list has no 'members' list or no integer 'total'",
                                status=response.status, request_id=response.request_id)
            members.extend(page)
            offset += len(page)
            if offset >= total or not page:
                return members
        raise ApigError("APIG's member list did not end after %d pages" % MAX_MEMBER_PAGES)

    def issue_iam_token(self, body):
        """POST {iam}/v3/auth/tokens; returns (token, project id of its scope)."""
        url = self.settings.iam_endpoint + "/v3/auth/tokens"
        response = self._send_with_retries("POST", url, {"Content-Type": "application/json;charset=utf8"},
                                           json.dumps(body).encode("utf-8"), sign=False, what="IAM")
        if response.status != 201:
            raise self._error_from(response, "IAM refused the sign-in", url)
        token = response.headers.get("X-Subject-Token")
        if not token:
            raise ApigError("IAM answered 201 without an X-Subject-Token header", status=201, request_id=response.request_id)
        self.issued_tokens.append(token)
        token_info = response.json("IAM").get("token")
        project = token_info.get("project") if isinstance(token_info, dict) else None
        project_id = project.get("id") if isinstance(project, dict) else None
        return token, (project_id if isinstance(project_id, str) and project_id else None)

    # ---- plumbing -------------------------------------------------------------------------------------------

    def _apig_call(self, method, path, query=None, body=None, expected=(200,)):
        url = self.settings.endpoint + path
        if query:
            url += "?" + urlencode(sorted(query.items()))
        payload = None if body is None else json.dumps(body, sort_keys=True).encode("utf-8")
        headers = {"Content-Type": "application/json"}
        response = self._send_with_retries(method, url, headers, payload, sign=True, what="APIG")
        if response.status == 401 and _error_fields(self._safe_json(response))[0] == "APIG.1001" and self.auth.refresh(self):
            response = self._send_with_retries(method, url, headers, payload, sign=True, what="APIG")
        if response.status not in expected:
            raise self._error_from(response, "APIG refused the request", url)
        return response

    @staticmethod
    def _safe_json(response):
        try:
            return json.loads(response.body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            return None

    def _error_from(self, response, prefix, url):
        error_code, error_msg = _error_fields(self._safe_json(response))
        if error_code is None and error_msg is None:
            snippet = response.body[:120].decode("utf-8", "replace").replace("\n", " ").strip()
            detail = "HTTP %s with no Huawei error body%s" % (response.status, (": %r" % snippet) if snippet else "")
        else:
            detail = "HTTP %s %s: %s" % (response.status, error_code, error_msg)
        if response.status == 407:
            detail = ("HTTP 407: the proxy wants credentials it was not given or did not accept "
                      "(give them in the proxy URL: http://user:password@host:port)")
        detail += self._proxy.describe(url)
        if 300 <= response.status < 400:
            location = _host_of(response.headers.get("Location")) or "an unnamed location"
            detail = "HTTP %s redirect to %s, which is not followed so that credentials stay with %s" % (
                response.status, location, urlsplit(self.settings.endpoint).netloc)
        return ApigError("%s: %s" % (prefix, detail), status=response.status, error_code=error_code,
                         error_msg=error_msg, request_id=response.request_id)

    def _send_with_retries(self, method, url, headers, body, sign, what):
        """One logical request: retried on the retryable answers and connection errors, never on other 4xx."""
        attempts = self.settings.retries + 1
        for attempt in range(attempts):
            last = attempt == attempts - 1
            try:
                response = self._send_once(method, url, headers, body, sign)
            except ApigError:
                raise
            except requests.exceptions.SSLError as exc:
                raise ApigError("TLS verification of %s%s failed (%s); set ca_path to the CA that signed it, or "
                                "validate_certs: false for a test endpoint" % (
                                    urlsplit(url).netloc, self._proxy.describe(url), _reason(exc)))
            except (requests.exceptions.ConnectionError, requests.exceptions.Timeout,
                    requests.exceptions.ChunkedEncodingError) as exc:
                proxy_failed = isinstance(exc, requests.exceptions.ProxyError)
                # a proxy that answered CONNECT with a refusal (403, 407) says the same when asked again
                if proxy_failed and (last or "Tunnel connection failed" in str(exc)):
                    raise ApigError("the proxy %s (from %s) did not take the request to %s at %s after %d attempt(s): %s" % (
                        masked(self._proxy.proxy_for(url)), self._proxy.sources.get(urlsplit(url).scheme),
                        what, urlsplit(url).netloc, attempt + 1, _reason(exc)))
                if last:
                    raise ApigError("could not get an answer from %s at %s%s after %d attempt(s): %s" % (
                        what, urlsplit(url).netloc, self._proxy.describe(url), attempts, _reason(exc)))
                self._sleep(retry_delay(attempt))
                continue
            except requests.exceptions.RequestException as exc:
                raise ApigError("request to %s at %s%s failed: %s" % (
                    what, urlsplit(url).netloc, self._proxy.describe(url), _reason(exc)))
            if is_retryable_status(response.status) and not last:
                self._sleep(retry_delay(attempt, response.headers.get("Retry-After")))
                continue
            return response
        raise AssertionError("unreachable")  # pragma: no cover

    def _send_once(self, method, url, headers, body, sign):
        # identity: the size cap counts decoded bytes, so a compressed answer could inflate far past it first
        headers = dict(headers, **{"User-Agent": USER_AGENT, "Accept-Encoding": "identity"})
        if sign:
            headers = self.auth.apply(self, method, url, headers, body)
        proxy = self._proxy.proxy_for(url)
        proxies = {urlsplit(url).scheme: proxy} if proxy else {}
        with self._session.request(method, url, headers=headers, data=body, timeout=self.settings.timeout,
                                   allow_redirects=False, stream=True, proxies=proxies) as raw:
            return _Response(raw.status_code, raw.headers, _read_capped(raw, url))


def _read_capped(raw, url):
    """The body, refusing to hold more than MAX_RESPONSE_BYTES in memory."""
    declared = raw.headers.get("Content-Length")
    if declared and declared.isdigit() and int(declared) > MAX_RESPONSE_BYTES:
        raise ApigError("the answer from %s declares %s bytes, more than the %d this client reads" % (
            urlsplit(url).netloc, declared, MAX_RESPONSE_BYTES), status=raw.status_code,
            request_id=raw.headers.get("X-Request-Id"))
    chunks, size = [], 0
    for chunk in raw.iter_content(65536):
        size += len(chunk)
        if size > MAX_RESPONSE_BYTES:
            raise ApigError("the answer from %s is larger than the %d bytes this client reads" % (
                urlsplit(url).netloc, MAX_RESPONSE_BYTES), status=raw.status_code, request_id=raw.headers.get("X-Request-Id"))
        chunks.append(chunk)
    return b"".join(chunks)


def _host_of(url):
    """host[:port] of a URL, without any user:password@ it may carry."""
    try:
        parts = urlsplit(url or "")
        host, port = parts.hostname, parts.port
    except ValueError:
        return None
    if not host:
        return None
    host = "[%s]" % host if ":" in host else host
    return host if port is None else "%s:%d" % (host, port)


def _reason(exc):
    """A one-line cause for a requests exception, without the long urllib3 repr chain."""
    while exc.args and isinstance(exc.args[0], BaseException):  # requests wraps urllib3 wraps the socket error
        exc = exc.args[0]
    text = exc.args[0] if exc.args and isinstance(exc.args[0], str) else str(exc)
    for marker in ("Caused by ", "NewConnectionError(", "ReadTimeoutError(", "ProtocolError("):
        if marker in text:
            text = text.split(marker, 1)[1]
    if "Tunnel connection failed: " in text:  # the proxy's own answer to CONNECT, e.g. 403 or 407
        text = "it answered CONNECT with " + text.split("Tunnel connection failed: ", 1)[1]
    return text.strip("()'\" ")[:300] or exc.__class__.__name__


CHECK_RESULTS = ("SUCCESS", "FAILED")


def _validated_check_answer(data, response):
    """The 201 body must say SUCCESS or FAILED, with failures a list of strings: anything else is not an answer."""
    result = data.get("check_result")
    if result not in CHECK_RESULTS:
        raise ApigError("APIG's answer has check_result %r, not SUCCESS or FAILED; the check is treated as not made" % (result,),
                        status=response.status, request_id=response.request_id)
    failures = data.get("failures")
    if failures is None:
        failures = []
    if not isinstance(failures, list) or not all(isinstance(item, str) for item in failures):
        raise ApigError("APIG's answer has 'failures' that is not a list of host:port strings",
                        status=response.status, request_id=response.request_id)
    if result == "SUCCESS" and failures:
        raise ApigError("APIG's answer says SUCCESS but lists failures %s; the check is treated as not made" % ", ".join(failures),
                        status=response.status, request_id=response.request_id)
    return {"check_result": result, "failures": failures}
