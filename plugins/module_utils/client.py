# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""ApigClient: a small HTTP client for the two APIG calls and the IAM token call.

Lean on purpose (as community.docker talks to Docker without its SDK): one
``requests`` session per module run, shared by every check of a batch; retries
with jittered backoff on the explicit list in ``retries.py``; every failure
turned into an ``ApigError`` carrying Huawei's own ``error_code``, ``error_msg``
and ``X-Request-Id``.  Responses are read with a size cap and redirects are
never followed, so credentials cannot be carried to another host.
"""

import json
import re
import socket
import ssl
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

from urllib.parse import quote, urlencode, urlsplit

from ansible_collections.hwcloud.apig.plugins.module_utils.auth import auth_from_settings
from ansible_collections.hwcloud.apig.plugins.module_utils.errors import ApigError
from ansible_collections.hwcloud.apig.plugins.module_utils.proxies import masked
from ansible_collections.hwcloud.apig.plugins.module_utils.results import MADE, SUCCESS
from ansible_collections.hwcloud.apig.plugins.module_utils.retries import is_retryable_status, retry_delay

COLLECTION_VERSION = "0.2.0"  # kept equal to galaxy.yml by tests/unit/plugins/module_utils/test_client.py
USER_AGENT = "hwcloud.apig/%s" % COLLECTION_VERSION
MAX_RESPONSE_BYTES = 4 * 1024 * 1024
PAGE_LIMIT = 500  # the most APIG lists per page (a higher limit is clamped to it)
MAX_PAGES = 1000
# How APIG says that a token is no longer good: expired (APIG.1001), "must be updated" (APIG.0307), or failing
# verification (APIG.0301, also the code of a bad AK/SK signature, which no sign-in re-issues).
TOKEN_REFUSED_CODES = ("APIG.1001", "APIG.0307", "APIG.0301")
# A 404 from the check naming the instance or channel is an answer about them; any other 404 means there is no such API.
_CHECK_NOT_FOUND_CODES = ("APIG.3030", "APIG.3023")
# The request id a Huawei service answers with: APIG's, IAM's, and the OpenStack-style one some services use.
REQUEST_ID_HEADERS = ("X-Request-Id", "X-IAM-Trace-Id", "X-Openstack-Request-Id")


def _segment(value):
    """An ID as one URL path segment: nothing in it can add a segment or a query."""
    return quote(value, safe="")


class _Response:
    """What the client keeps of an HTTP answer: status, headers, capped body."""

    def __init__(self, status, headers, body, sent_token=None):
        self.status = status
        self.headers = headers
        self.body = body
        self.sent_token = sent_token  # the X-Auth-Token the request carried, for refresh()

    @property
    def request_id(self):
        return next((self.headers[name] for name in REQUEST_ID_HEADERS if self.headers.get(name)), None)

    def json(self, what):
        """The body as a JSON object, or an ApigError that says the answer was not what Huawei documents."""
        try:
            data = json.loads(self.body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            snippet = self.body[:120].decode("utf-8", "replace").replace("\n", " ")
            raise ApigError(
                "%s answered HTTP %s with a body that is not JSON: %r" % (what, self.status, snippet),
                status=self.status,
                request_id=self.request_id,
            ) from None
        if not isinstance(data, dict):
            raise ApigError(
                "%s answered HTTP %s with JSON that is not an object" % (what, self.status),
                status=self.status,
                request_id=self.request_id,
            )
        return data


_ERROR_FORMS = (("error_code", "error_msg"), ("errorCode", "errorMsg"), ("code", "message"))


def huawei_error_fields(data):
    """``(error_code, error_msg)`` from any of the forms Huawei services answer with, or ``(None, None)``.

    APIG writes ``error_code``/``error_msg``; other services ``errorCode``/``errorMsg`` or ``code``/``message``,
    at the top level or nested (IAM: ``{"error": {"code", "message"}}``) - the forms huaweicloudsdkcore's
    exception handler reads, in its order.
    """
    if not isinstance(data, dict):
        return None, None
    for code_key, msg_key in _ERROR_FORMS:
        if code_key in data or msg_key in data:
            code = data.get(code_key)
            return (None if code is None else str(code)), data.get(msg_key)
    for value in data.values():
        if isinstance(value, dict):
            found = huawei_error_fields(value)
            if found != (None, None):
                return found
    return None, None


class ApigClient:
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
        self._session.verify = (
            settings.ca_path if (settings.validate_certs and settings.ca_path) else settings.validate_certs
        )
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
                raise ApigError(
                    "IAM's token names no project for region %r, so the APIG path cannot be built; "
                    "set project_id" % (self.settings.region,)
                )
            return self._project_id

    def check_backend_connectivity(self, instance_id, body):
        """POST .../backend/connectivity/check; returns (validated answer, request id).

        Huawei documents 201, another public SDK expects 200: both are answers. A 404 that names neither the
        instance nor the channel means this gateway does not offer the check (it left the SDK after 3.0.68).
        """
        path = self._instance_path(instance_id, "/backend/connectivity/check")
        try:
            response = self._apig_call("POST", path, body=body, expected=(200, 201))
        except ApigError as exc:
            if exc.status == 404 and exc.error_code not in _CHECK_NOT_FOUND_CODES:
                raise ApigError(
                    "the gateway at %s does not offer the backend connectivity check: POST %s answered HTTP 404%s. "
                    "Check from a host inside the VPC instead (probe: local)"
                    % (
                        urlsplit(self.settings.endpoint).netloc,
                        self.settings.endpoint + path,
                        " %s (%s)" % (exc.error_code, exc.error_msg) if exc.error_code else "",
                    ),
                    status=exc.status,
                    error_code=exc.error_code,
                    error_msg=exc.error_msg,
                    request_id=exc.request_id,
                ) from None
            raise
        data = response.json("APIG")
        return _validated_check_answer(data, response), response.request_id

    def show_vpc_channel(self, instance_id, vpc_channel_id):
        """GET .../vpc-channels/{id}: the channel's detail (type, port, member type, health check).

        Huawei Cloud APIG API reference, "Querying VPC Channel Details".
        """
        path = self._instance_path(instance_id, "/vpc-channels/%s" % _segment(vpc_channel_id))
        return self._apig_call("GET", path, expected=(200,)).json("APIG")

    def list_vpc_channel_members(self, instance_id, vpc_channel_id):
        """Every member of a VPC channel.

        Huawei Cloud APIG API reference, "Querying Backend Servers of a VPC Channel".
        """
        return self._all_pages(instance_id, "/vpc-channels/%s/members" % _segment(vpc_channel_id), "members")

    # ---- what the gateway routes to (discovery) --------------------------------------------------------------

    def list_api_groups(self, instance_id, name=None):
        """API groups (``ListApiGroupsV2``), those named ``name`` when given."""
        return self._all_pages(instance_id, "/api-groups", "groups", name=name)

    def list_environments(self, instance_id, name=None):
        """Environments (``ListEnvironmentsV2``); RELEASE is the one every instance has."""
        return self._all_pages(instance_id, "/envs", "envs", name=name)

    def list_environment_variables(self, instance_id, group_id, env_id):
        """The variables of a group in an environment (``ListEnvironmentVariablesV2``)."""
        return self._all_pages(instance_id, "/env-variables", "variables", group_id=group_id, env_id=env_id)

    def list_apis(self, instance_id, group_id=None, env_id=None):
        """The APIs of a group (and published in an environment): identities, no backends (``ListApisV2``)."""
        return self._all_pages(instance_id, "/apis", "apis", group_id=group_id, env_id=env_id)

    def show_api(self, instance_id, api_id):
        """An API's draft definition, its backends included (``ShowDetailsOfApiV2``)."""
        return self._apig_call("GET", self._instance_path(instance_id, "/apis/%s" % _segment(api_id))).json("APIG")

    def list_api_versions(self, instance_id, api_id, env_id):
        """The versions of an API published in an environment (``ListApiVersionsV2``)."""
        return self._all_pages(instance_id, "/apis/publish/%s" % _segment(api_id), "api_versions", env_id=env_id)

    def show_api_version(self, instance_id, version_id):
        """An API as a version published it, its backends included (``ListApiVersionDetailV2``)."""
        path = self._instance_path(instance_id, "/apis/versions/%s" % _segment(version_id))
        return self._apig_call("GET", path).json("APIG")

    def _instance_path(self, instance_id, rest):
        return "/v2/%s/apigw/instances/%s%s" % (_segment(self.project_id()), _segment(instance_id), rest)

    def _all_pages(self, instance_id, rest, key, **filters):
        """Every item of a list APIG pages with offset/limit (500 at most per page) until ``total``."""
        path = self._instance_path(instance_id, rest)
        query = {name: value for name, value in filters.items() if value is not None}
        items, offset = [], 0
        for _page in range(MAX_PAGES):
            response = self._apig_call("GET", path, query=dict(query, offset=offset, limit=PAGE_LIMIT), expected=(200,))
            data = response.json("APIG")
            page, total = data.get(key), data.get("total")
            if not isinstance(page, list) or not isinstance(total, int) or isinstance(total, bool):
                raise ApigError(
                    "APIG's answer to GET %s has no %r list or no integer 'total'" % (rest, key),
                    status=response.status,
                    request_id=response.request_id,
                )
            items.extend(page)
            offset += len(page)
            if offset >= total or not page:
                return items
        raise ApigError("APIG's answer to GET %s did not end after %d pages" % (rest, MAX_PAGES))

    def issue_iam_token(self, body):
        """POST {iam}/v3/auth/tokens; returns (token, project id of its scope)."""
        url = self.settings.iam_endpoint + "/v3/auth/tokens"
        response = self._send_with_retries(
            "POST",
            url,
            {"Content-Type": "application/json;charset=utf8"},
            json.dumps(body).encode("utf-8"),
            sign=False,
            what="IAM",
        )
        if response.status != 201:
            raise self._error_from(response, "IAM refused the sign-in", "POST", url)
        token = response.headers.get("X-Subject-Token")
        if not token:
            raise ApigError(
                "IAM answered 201 without an X-Subject-Token header", status=201, request_id=response.request_id
            )
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
        if (
            response.status == 401
            and huawei_error_fields(self._safe_json(response))[0] in TOKEN_REFUSED_CODES
            and self.auth.refresh(self, response.sent_token)
        ):
            response = self._send_with_retries(method, url, headers, payload, sign=True, what="APIG")
        if response.status not in expected:
            raise self._error_from(response, "APIG refused the request", method, url)
        return response

    @staticmethod
    def _safe_json(response):
        try:
            return json.loads(response.body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            return None

    def _error_from(self, response, prefix, method, url):
        """An ApigError for an answer that is not the expected one; the request is named on a 404, the proxy always."""
        error_code, error_msg = huawei_error_fields(self._safe_json(response))
        if error_code is None and error_msg is None:
            snippet = response.body[:120].decode("utf-8", "replace").replace("\n", " ").strip()
            detail = "HTTP %s with no Huawei error body%s" % (response.status, (": %r" % snippet) if snippet else "")
        elif error_code is None or error_code == str(response.status):  # IAM's nested code repeats the status
            detail = "HTTP %s: %s" % (response.status, error_msg)
        else:
            detail = "HTTP %s %s: %s" % (response.status, error_code, error_msg)
        if response.status == 407:
            detail = (
                "HTTP 407: the proxy wants credentials it was not given or did not accept "
                "(give them in the proxy URL: http://user:password@host:port)"
            )
        detail += self._proxy.describe(url)
        if 300 <= response.status < 400:
            location = _host_of(response.headers.get("Location")) or "an unnamed location"
            detail = "HTTP %s redirect to %s, which is not followed so that credentials stay with %s" % (
                response.status,
                location,
                urlsplit(self.settings.endpoint).netloc,
            )
        elif response.status == 404:
            # What was asked for is the first thing to check: a wrong endpoint or ID shows in the URL.
            detail += " (%s %s)" % (method, url)
        elif response.status == 403 and prefix.startswith("APIG") and self._project_id:
            # APIG says "no permissions" too when the project is not the credentials' own: name both causes.
            detail += (
                ". Either these credentials may not use APIG in project %s, or that is not their project: project_id "
                "must be the ID of the project (region) the token or access key belongs to" % self._project_id
            )
        return ApigError(
            "%s: %s" % (prefix, detail),
            status=response.status,
            error_code=error_code,
            error_msg=error_msg,
            request_id=response.request_id,
        )

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
                raise ApigError(_tls_failure(urlsplit(url).netloc + self._proxy.describe(url), exc)) from None
            except (
                requests.exceptions.ConnectionError,
                requests.exceptions.Timeout,
                requests.exceptions.ChunkedEncodingError,
            ) as exc:
                proxy_failed = isinstance(exc, requests.exceptions.ProxyError)
                # a proxy that answered CONNECT with a refusal (403, 407) says the same when asked again
                if proxy_failed and (last or "Tunnel connection failed" in str(exc)):
                    raise ApigError(
                        "the proxy %s (from %s) did not take the request to %s at %s after %d attempt(s): %s"
                        % (
                            masked(self._proxy.proxy_for(url)),
                            self._proxy.sources.get(urlsplit(url).scheme),
                            what,
                            urlsplit(url).netloc,
                            attempt + 1,
                            _reason(exc),
                        )
                    ) from None
                unresolved = self._unresolved_region_endpoint(url, exc)
                if unresolved:
                    # A name that does not resolve will not start resolving in a few seconds: no retries.
                    raise ApigError(unresolved) from None
                if last:
                    raise ApigError(
                        "could not get an answer from %s at %s%s after %d attempt(s): %s"
                        % (what, urlsplit(url).netloc, self._proxy.describe(url), attempts, _reason(exc))
                    ) from None
                self._sleep(retry_delay(attempt))
                continue
            except requests.exceptions.RequestException as exc:
                raise ApigError(
                    "request to %s at %s%s failed: %s"
                    % (what, urlsplit(url).netloc, self._proxy.describe(url), _reason(exc))
                ) from None
            if is_retryable_status(response.status) and not last:
                self._sleep(retry_delay(attempt, response.headers.get("Retry-After")))
                continue
            return response
        raise AssertionError("unreachable")  # pragma: no cover

    def _unresolved_region_endpoint(self, url, exc):
        """The message for a host that does not resolve when the region named it (no endpoint given), else None."""
        resolver_error = next((cause for cause in _causes(exc) if isinstance(cause, socket.gaierror)), None)
        if resolver_error is None:
            return None
        host = urlsplit(url).hostname
        for base, from_region, option, variable, service in (
            (self.settings.endpoint, self.settings.endpoint_from_region, "endpoint", "HW_APIG_ENDPOINT", "APIG"),
            (self.settings.iam_endpoint, self.settings.iam_endpoint_from_region, "iam_endpoint", "HW_AUTH_URL", "IAM"),
        ):
            if from_region and base and urlsplit(base).hostname == host:
                return (
                    "region %r gives the %s endpoint %s, whose name does not resolve (%s): check the region name "
                    "(for example ap-southeast-1; region or HW_REGION_NAME), or set %s (%s) to the endpoint to use"
                    % (self.settings.region, service, host, _os_error_text(resolver_error), option, variable)
                )
        return None

    def _send_once(self, method, url, headers, body, sign):
        # identity: the size cap counts decoded bytes, so a compressed answer could inflate far past it first
        headers = dict(headers, **{"User-Agent": USER_AGENT, "Accept-Encoding": "identity"})
        if sign:
            headers = self.auth.apply(self, method, url, headers, body)
        proxy = self._proxy.proxy_for(url)
        proxies = {urlsplit(url).scheme: proxy} if proxy else {}
        with self._session.request(
            method,
            url,
            headers=headers,
            data=body,
            timeout=self.settings.timeout,
            allow_redirects=False,
            stream=True,
            proxies=proxies,
        ) as raw:
            return _Response(raw.status_code, raw.headers, _read_capped(raw, url), headers.get("X-Auth-Token"))


def _read_capped(raw, url):
    """The body, refusing to hold more than MAX_RESPONSE_BYTES in memory."""
    declared = raw.headers.get("Content-Length")
    if declared and declared.isdigit() and int(declared) > MAX_RESPONSE_BYTES:
        raise ApigError(
            "the answer from %s declares %s bytes, more than the %d this client reads"
            % (urlsplit(url).netloc, declared, MAX_RESPONSE_BYTES),
            status=raw.status_code,
            request_id=raw.headers.get("X-Request-Id"),
        )
    chunks, size = [], 0
    for chunk in raw.iter_content(65536):
        size += len(chunk)
        if size > MAX_RESPONSE_BYTES:
            raise ApigError(
                "the answer from %s is larger than the %d bytes this client reads"
                % (urlsplit(url).netloc, MAX_RESPONSE_BYTES),
                status=raw.status_code,
                request_id=raw.headers.get("X-Request-Id"),
            )
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


def _causes(exc):
    """``exc`` and every exception it wraps (requests wraps urllib3, which wraps the socket or TLS error), outermost
    first: through ``args``, urllib3's ``reason``, and the ``__cause__`` / ``__context__`` chains."""
    found, queue = [], [exc]
    while queue:
        current = queue.pop(0)
        if not isinstance(current, BaseException) or any(current is seen for seen in found):
            continue
        found.append(current)
        queue.extend(arg for arg in current.args if isinstance(arg, BaseException))
        queue.extend((getattr(current, "reason", None), current.__cause__, current.__context__))
    return found


def _os_error_text(exc):
    """``[Errno N] text`` of a socket or TLS error, as Python prints it, whole."""
    return str(exc) or exc.__class__.__name__


def _reason(exc):
    """A one-line cause for a requests exception: the TLS or resolver error itself if there is one, else urllib3's
    words without its object reprs - never a repr cut in the middle of its brackets."""
    causes = _causes(exc)
    for cause in causes:
        if isinstance(cause, (ssl.SSLError, socket.gaierror)):
            return _os_error_text(cause)[:300]
    for cause in reversed(causes):  # innermost first: the proxy's own words, not a repr that quotes them
        text = next((arg for arg in cause.args if isinstance(arg, str)), "")
        if text.startswith("Tunnel connection failed: "):  # the proxy's own answer to CONNECT, e.g. 403 or 407
            return ("it answered CONNECT with " + text.split("Tunnel connection failed: ", 1)[1])[:300]
    # The socket's own error (requests' and urllib3's exceptions are OSErrors too, but their text is a repr).
    innermost = next(
        (
            cause
            for cause in reversed(causes)
            if isinstance(cause, OSError)
            and str(cause)
            and not type(cause).__module__.startswith(("requests", "urllib3"))
        ),
        None,
    )
    for cause in causes:
        if type(cause).__module__.startswith("urllib3") and type(cause).__name__ != "MaxRetryError":
            text = next((arg for arg in cause.args if isinstance(arg, str)), "")
            # urllib3 prefixes "HTTPConnectionPool(host=..., port=...): " or "<...Connection object at 0x...>: "
            text = re.sub(r"\A(?:\w+ConnectionPool\([^)]*\)|<[^>]*>): ", "", text).strip()
            if text and innermost is not None and innermost is not cause:
                inner = _os_error_text(innermost)
                words = innermost.strerror or inner  # "Connection reset by peer", without "[Errno 104] "
                if inner and words not in text:  # "Unable to connect to proxy" says less than its cause
                    text = "%s: %s" % (text, inner)
            if text:
                return text[:300]
    if innermost is not None:
        return _os_error_text(innermost)[:300]
    text = next((arg for arg in exc.args if isinstance(arg, str)), "")
    return text.strip()[:300] or exc.__class__.__name__


# What an SSL error says when the other end does not speak TLS at all (an https:// URL to a plain-HTTP port).
_NOT_TLS_MARKERS = (
    "WRONG_VERSION_NUMBER",
    "wrong version number",
    "RECORD_LAYER_FAILURE",
    "record layer failure",
    "PACKET_LENGTH_TOO_LONG",
    "HTTP_REQUEST",
    "UNKNOWN_PROTOCOL",
)


def _tls_failure(where, exc):
    """What went wrong with TLS to ``where``, and the fix that fits: only a certificate problem needs ca_path."""
    reason = _reason(exc)
    causes = _causes(exc)
    if (
        any(isinstance(cause, ssl.SSLCertVerificationError) for cause in causes)
        or "CERTIFICATE_VERIFY_FAILED" in reason
    ):
        return (
            "TLS verification of %s failed (%s); set ca_path to the CA that signed it, or validate_certs: false for "
            "a test endpoint" % (where, reason)
        )
    if any(marker in reason for marker in _NOT_TLS_MARKERS):
        return (
            "%s does not answer TLS (%s): it looks like a plain-HTTP port, so the URL should start with http://, "
            "not https:// - or the port is wrong" % (where, reason)
        )
    return "the TLS handshake with %s failed (%s)" % (where, reason)


def _validated_check_answer(data, response):
    """The 201 body must say SUCCESS or FAILED, with failures a list of strings: anything else is not an answer."""
    result = data.get("check_result")
    if result not in MADE:
        raise ApigError(
            "APIG's answer has check_result %r, not SUCCESS or FAILED; the check is treated as not made" % (result,),
            status=response.status,
            request_id=response.request_id,
        )
    failures = data.get("failures")
    if failures is None:
        failures = []
    if not isinstance(failures, list) or not all(isinstance(item, str) for item in failures):
        raise ApigError(
            "APIG's answer has 'failures' that is not a list of host:port strings",
            status=response.status,
            request_id=response.request_id,
        )
    if result == SUCCESS and failures:
        raise ApigError(
            "APIG's answer says SUCCESS but lists failures %s; the check is treated as not made" % ", ".join(failures),
            status=response.status,
            request_id=response.request_id,
        )
    return {"check_result": result, "failures": failures}
