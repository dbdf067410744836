# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""ApigClient: the transport every call to Huawei Cloud goes through.

Lean on purpose (as community.docker talks to Docker without its SDK): one ``requests`` session per module run,
shared by every call of a batch; the proxy that ``proxies.py`` chose; the run's sign-in applied to each request;
retries with jittered backoff on the explicit list in ``retries.py``; and every failure turned into an
``ApigError`` carrying Huawei's own ``error_code``, ``error_msg`` and request id. Responses are read with a size
cap and redirects are never followed, so credentials cannot be carried to another host.

What is called lives elsewhere: one function per Huawei operation in ``apig_calls.py``, ``iam_calls.py``,
``vpc_calls.py`` and ``ecs_calls.py``,
each taking this client first and using only its public methods (``call``, ``apig``, ``instance_path``,
``project_path``, ``all_pages``). ``call`` takes the base URL, so a service with an endpoint of its own is called with the same
session, proxy, signing and retries. Why a request got no answer is worded by ``transport_errors.py``.

Longer than 400 lines: one request's whole life (retries, the calls that must not be repeated, re-sign-in, capped
reads, the errors' wording) is one idea, kept in one place.
"""

import functools
import json
import threading
import time
import traceback

try:
    import requests
    from requests.adapters import HTTPAdapter

    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None
except ImportError:  # pragma: no cover - run in a subprocess by tests/unit/plugins/modules/test_requirements.py
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = traceback.format_exc()

from urllib.parse import quote, urlencode, urlsplit

from ansible_collections.hwcloud.apig.plugins.module_utils import iam_calls
from ansible_collections.hwcloud.apig.plugins.module_utils.auth import auth_from_settings
from ansible_collections.hwcloud.apig.plugins.module_utils.errors import ApigError
from ansible_collections.hwcloud.apig.plugins.module_utils.proxies import masked
from ansible_collections.hwcloud.apig.plugins.module_utils.responses import Response, huawei_error_fields
from ansible_collections.hwcloud.apig.plugins.module_utils.retries import is_retryable_status, retry_delay
from ansible_collections.hwcloud.apig.plugins.module_utils.transport_errors import (
    closed_before_answering,
    host_of,
    never_sent,
    reason,
    resolver_error,
    tls_failure,
    tunnel_refused,
    unresolved_region_endpoint,
)

COLLECTION_VERSION = "0.2.0"  # kept equal to galaxy.yml by tests/unit/plugins/module_utils/test_client.py
USER_AGENT = "hwcloud.apig/%s" % COLLECTION_VERSION
MAX_RESPONSE_BYTES = 4 * 1024 * 1024
PAGE_LIMIT = 500  # the most APIG lists per page (a higher limit is clamped to it)
MAX_PAGES = 1000
# How APIG says that a token is no longer good: expired (APIG.1001), "must be updated" (APIG.0307), or failing
# verification (APIG.0301, also the code of a bad AK/SK signature, which no sign-in re-issues). VPC and ECS are
# behind Huawei's API front door, which says the same as APIGW.0301 ("Incorrect IAM authentication information:
# token expires") and APIGW.0307 (API Request Signing Guide, "Error Codes").
TOKEN_REFUSED_CODES = ("APIG.1001", "APIG.0307", "APIG.0301", "APIGW.0301", "APIGW.0307")


def path_segment(value):
    """An ID as one URL path segment: nothing in it can add a segment or a query."""
    return quote(value, safe="")


def _attempts_text(attempts, retries):
    return "after %d attempt%s (retries=%d)" % (attempts, "" if attempts == 1 else "s", retries)


class ApigClient:
    """Sends requests to Huawei Cloud with retries, re-authentication and safe error reporting."""

    def __init__(self, settings, pool_size=10, sleep=time.sleep):
        if not HAS_REQUESTS:
            raise ApigError("the Python library 'requests' is required on the managed host")
        self.settings = settings
        # The sign-in gets what it needs to obtain a token, not the client: auth.py knows nothing of the transport.
        self.auth = auth_from_settings(
            settings, issue_token=functools.partial(iam_calls.keystone_create_user_token_by_password, self)
        )
        self._sleep = sleep
        self._session = requests.Session()
        # No netrc credentials or foreign CA bundle picked up behind the user's back; the proxy comes from
        # proxies.py, which reads the proxy variables (or the proxy option) and nothing else.
        self._session.trust_env = False
        self._proxy = settings.proxy
        self._answered = set()  # where an answer came from, so a connection may be kept open there (proxy or host)
        adapter = HTTPAdapter(pool_connections=2, pool_maxsize=max(1, pool_size), max_retries=0)
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)
        self._session.verify = (
            settings.ca_path if (settings.validate_certs and settings.ca_path) else settings.validate_certs
        )
        self._project_id = settings.project_id
        self._project_lock = threading.Lock()
        self.issued_tokens = []  # IAM tokens this run obtained: secrets too, though no option holds them
        # Endpoints made from the region (no endpoint option given): a name of theirs that does not resolve is a
        # misspelled region. (base URL, option, variable, service)
        self._region_endpoints = [
            (base, option, variable, service)
            for base, from_region, option, variable, service in (
                (settings.endpoint, settings.endpoint_from_region, "endpoint", "HW_APIG_ENDPOINT", "APIG"),
                (settings.iam_endpoint, settings.iam_endpoint_from_region, "iam_endpoint", "HW_AUTH_URL", "IAM"),
                (settings.vpc_endpoint, settings.vpc_endpoint_from_region, "vpc_endpoint", "HW_VPC_ENDPOINT", "VPC"),
                (settings.ecs_endpoint, settings.ecs_endpoint_from_region, "ecs_endpoint", "HW_ECS_ENDPOINT", "ECS"),
            )
            if from_region and base
        ]

    def close(self):
        self._session.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def record_secret(self, value):
        """A secret this run obtained (a token IAM issued): the module masks it in everything it returns."""
        if value:
            self.issued_tokens.append(value)

    # ---- what endpoint calls build on -------------------------------------------------------------------------

    def project_id(self):
        """The project in APIG paths; with password sign-in by region it comes from the token."""
        with self._project_lock:
            if self._project_id is None:
                self._project_id = self.auth.project_id()
            if not isinstance(self._project_id, str) or not self._project_id:
                raise ApigError(
                    "IAM's token names no project for region %r, so the APIG path cannot be built; "
                    "set project_id" % (self.settings.region,)
                )
            return self._project_id

    def instance_path(self, instance_id, rest="", *ids):
        """``/v2/{project}/apigw/instances/{instance}`` + ``rest``, whose ``%s`` take ``ids``, each as one segment."""
        return "/v2/%s/apigw/instances/%s%s" % (
            path_segment(self.project_id()),
            path_segment(instance_id),
            rest % tuple(path_segment(value) for value in ids),
        )

    def project_path(self, version, rest="", *ids):
        """``/{version}/{project}`` + ``rest``, whose ``%s`` take ``ids``, each as one segment (VPC, ECS)."""
        segments = tuple(path_segment(value) for value in ids)
        return "/%s/%s%s" % (version, path_segment(self.project_id()), rest % segments)

    def apig(self, method, path, query=None, body=None, expected=(200,), repeatable=True):
        """One call to APIG's endpoint (``call`` with the run's APIG base URL)."""
        return self.call(
            self.settings.endpoint, method, path, query=query, body=body, expected=expected, repeatable=repeatable
        )

    def call(
        self,
        base_url,
        method,
        path,
        query=None,
        body=None,
        expected=(200,),
        service="APIG",
        sign=True,
        refused=None,
        headers=None,
        repeatable=True,
    ):
        """One call to a Huawei Cloud service at ``base_url``; the Response when its status is one of ``expected``.

        Every service is called the same way: this run's session, proxy, retries and size cap, and the request
        signed by this run's sign-in (unless ``sign`` is false: IAM's own token call), with the token re-issued
        once when the service refuses it. Any other status is an ApigError that starts with ``refused``
        (default: "<service> refused the request") and carries the service's error fields.

        A call that is not ``repeatable`` (one that may act beyond the service, as a debug call of an unsafe method
        reaches a backend) is sent again only when nothing of it can have been acted on: after a 429 (refused by
        the throttle before any work) or a connection that was never made; a 5xx or an answer lost after sending
        ends it.
        """
        url = base_url + path
        if query:
            url += "?" + urlencode(sorted(query.items()))
        payload = None if body is None else json.dumps(body, sort_keys=True).encode("utf-8")
        headers = dict({"Content-Type": "application/json"}, **(headers or {}))
        response = self._send_with_retries(method, url, headers, payload, sign, service, repeatable)
        if (
            sign
            and response.status == 401
            and huawei_error_fields(response.json_or_none())[0] in TOKEN_REFUSED_CODES
            and self.auth.refresh(response.sent_token)
        ):
            response = self._send_with_retries(method, url, headers, payload, sign, service, repeatable)
        if response.status not in expected:
            raise self._error_from(response, refused or "%s refused the request" % service, method, url, service)
        return response

    def all_pages(self, operation, path, key, **filters):
        """Every item of an APIG list paged with offset/limit (500 at most per page), as ``operation`` answers it.

        The answer's own ``total`` is held to: a page that comes back empty before ``total`` items were listed,
        more items than ``total``, or a ``total`` that changes from one page to the next means the list cannot be
        trusted to be whole, and is an ApigError naming the operation and the figures - never a shorter list.
        """
        query = {name: value for name, value in filters.items() if value is not None}
        items, announced = [], None
        what = "APIG's answer to %s (GET %s)" % (operation, path)
        for _page in range(MAX_PAGES):
            offset = len(items)
            response = self.apig("GET", path, query=dict(query, offset=offset, limit=PAGE_LIMIT))
            data = response.json("APIG")
            page, total = data.get(key), data.get("total")
            fields = dict(status=response.status, request_id=response.request_id)
            if not isinstance(page, list) or not isinstance(total, int) or isinstance(total, bool) or total < 0:
                raise ApigError("%s has no %r list or no integer 'total'" % (what, key), **fields)
            if announced is not None and total != announced:
                raise ApigError(
                    "%s changed its 'total' from %s to %d while it was paged, at offset %d: the list changed while "
                    "it was read, so it may be incomplete; run again" % (what, announced, total, offset),
                    **fields,
                )
            announced = total
            items.extend(page)
            if len(items) > total:
                raise ApigError(
                    "%s listed %d %s, more than its 'total' of %d" % (what, len(items), key, total), **fields
                )
            if len(items) == total:
                return items
            if not page:
                raise ApigError(
                    "%s says 'total' is %d but listed %d %s: the page at offset %d was empty"
                    % (what, total, len(items), key, offset),
                    **fields,
                )
        raise ApigError("%s did not end after %d pages" % (what, MAX_PAGES))

    # ---- plumbing -------------------------------------------------------------------------------------------

    def _error_from(self, response, prefix, method, url, service):
        """An ApigError for an answer that is not the expected one; the request is named on a 404, the proxy always,
        and how often it was tried when the answer was one that is retried."""
        error_code, error_msg = huawei_error_fields(response.json_or_none())
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
        detail += self._proxy.route_text(url)
        if 300 <= response.status < 400:
            location = host_of(response.headers.get("Location")) or "an unnamed location"
            detail = "HTTP %s redirect to %s, which is not followed so that credentials stay with %s" % (
                response.status,
                location,
                urlsplit(url).netloc,
            )
        elif response.status == 404:
            # What was asked for is the first thing to check: a wrong endpoint or ID shows in the URL.
            detail += " (%s %s)" % (method, url)
        elif response.status == 403 and service == "APIG" and self._project_id:
            # APIG says "no permissions" too when the project is not the credentials' own: name both causes.
            detail += (
                ". Either these credentials may not use APIG in project %s, or that is not their project: project_id "
                "must be the ID of the project (region) the token or access key belongs to" % self._project_id
            )
        elif is_retryable_status(response.status):
            # A user who sees "HTTP 503" should know it was not a one-off: say how often it was asked.
            detail += ", %s" % _attempts_text(response.attempts, self.settings.retries)
        return ApigError(
            "%s: %s" % (prefix, detail),
            status=response.status,
            error_code=error_code,
            error_msg=error_msg,
            request_id=response.request_id,
        )

    def _send_with_retries(self, method, url, headers, body, sign, service, repeatable=True):
        """One logical request: retried on the retryable answers and connection errors, never on other 4xx (and, when
        not ``repeatable``, only on 429 and on connections never made)."""
        attempts = self.settings.retries + 1
        netloc = urlsplit(url).netloc
        for attempt in range(attempts):
            last = attempt == attempts - 1
            try:
                response = self._send_on_a_live_connection(method, url, headers, body, sign, repeatable)
            except ApigError:
                raise
            except requests.exceptions.SSLError as exc:
                raise ApigError(tls_failure(netloc + self._proxy.route_text(url), exc)) from None
            except (
                requests.exceptions.ConnectionError,
                requests.exceptions.Timeout,
                requests.exceptions.ChunkedEncodingError,
            ) as exc:
                proxy_failed = isinstance(exc, requests.exceptions.ProxyError)
                # a proxy that answered CONNECT with a refusal (403, 407) says the same when asked again
                if proxy_failed and (last or tunnel_refused(exc)):
                    raise ApigError(
                        "the proxy %s (from %s) did not take the request to %s at %s after %d attempt(s): %s"
                        % (
                            masked(self._proxy.proxy_for(url)),
                            self._proxy.sources.get(urlsplit(url).scheme),
                            service,
                            netloc,
                            attempt + 1,
                            reason(exc),
                        )
                    ) from None
                unresolved = self._unresolved_region_endpoint(url, exc)
                if unresolved:
                    # A name that does not resolve will not start resolving in a few seconds: no retries.
                    raise ApigError(unresolved) from None
                if last or not (repeatable or never_sent(exc)):
                    raise ApigError(
                        "could not get an answer from %s at %s%s after %d attempt(s)%s: %s"
                        % (
                            service,
                            netloc,
                            self._proxy.route_text(url),
                            attempt + 1,
                            "" if last else " (not sent again: it may have been acted on)",
                            reason(exc),
                        )
                    ) from None
                self._sleep(retry_delay(attempt))
                continue
            except requests.exceptions.RequestException as exc:
                raise ApigError(
                    "request to %s at %s%s failed: %s" % (service, netloc, self._proxy.route_text(url), reason(exc))
                ) from None
            response.attempts = attempt + 1
            if is_retryable_status(response.status) and not last and (repeatable or response.status == 429):
                self._sleep(retry_delay(attempt, response.headers.get("Retry-After")))
                continue
            return response
        raise AssertionError("unreachable")  # pragma: no cover

    def _unresolved_region_endpoint(self, url, exc):
        """The message for a host that does not resolve when the region named it (no endpoint given), else None."""
        error = resolver_error(exc)
        if error is None:
            return None
        host = urlsplit(url).hostname
        for base, option, variable, service in self._region_endpoints:
            if urlsplit(base).hostname == host:
                return unresolved_region_endpoint(self.settings.region, service, host, option, variable, error)
        return None

    def _send_on_a_live_connection(self, method, url, headers, body, sign, repeatable):
        """``_send_once``; but a request that may be repeated, sent where an earlier answer left a connection open,
        and closed by the other end before any answer, is sent once more at once on a new connection (RFC 9112,
        9.3.1): that connection was stale, the server is not failing, so it is not one of the ``retries``. Where
        nothing has answered yet, no connection was kept, and a hang-up is the server's own."""
        where = self._proxy.proxy_for(url) or urlsplit(url).netloc
        try:
            response = self._send_once(method, url, headers, body, sign)
        except requests.exceptions.ConnectionError as exc:
            if not (repeatable and where in self._answered and closed_before_answering(exc)):
                raise
            response = self._send_once(method, url, headers, body, sign)
        self._answered.add(where)
        return response

    def _send_once(self, method, url, headers, body, sign):
        # identity: the size cap counts decoded bytes, so a compressed answer could inflate far past it first
        headers = dict(headers, **{"User-Agent": USER_AGENT, "Accept-Encoding": "identity"})
        if sign:
            headers = self.auth.apply(method, url, headers, body)
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
            return Response(raw.status_code, raw.headers, _read_capped(raw, url), headers.get("X-Auth-Token"))


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
