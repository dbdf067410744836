# -*- coding: utf-8 -*-
# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""How to reach Huawei Cloud and sign in: the shared options and their validation.

The argument spec here is the single source of the connection/auth options of
every module (documented once in ``doc_fragments/connection.py``).
``ConnectionSettings.from_params`` turns the raw options into a validated,
unambiguous description of *where* to send requests and *which* of the three
sign-in modes to use, raising ``InputError`` before anything is sent.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible.module_utils.basic import env_fallback
from ansible.module_utils.six.moves.urllib.parse import urlsplit

from ansible_collections.hwcloud.apig.plugins.module_utils.errors import InputError
from ansible_collections.hwcloud.apig.plugins.module_utils.proxies import ProxyConfigError, ProxySettings

AUTH_TOKEN = "token"
AUTH_PASSWORD = "password"
AUTH_AKSK = "aksk"

LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")

# Credentials that travel in HTTP headers (X-Auth-Token, Authorization, X-Security-Token): HTTP sends header
# values as Latin-1 and Huawei's are printable ASCII, so anything else is a typo to refuse up front, not an
# "unexpected UnicodeEncodeError" (or a mangled header) once the request is being built.
HEADER_CREDENTIALS = ("auth_token", "access_key", "security_token")


# Where each credential option is looked for in the environment, in order (terraform-provider-huaweicloud's names,
# then the Python SDK's).
CREDENTIAL_ENV = (
    ("auth_token", ("HW_AUTH_TOKEN",)),
    ("access_key", ("HW_ACCESS_KEY", "HUAWEICLOUD_SDK_AK")),
    ("secret_key", ("HW_SECRET_KEY", "HUAWEICLOUD_SDK_SK")),
    ("security_token", ("HW_SECURITY_TOKEN", "HUAWEICLOUD_SDK_SECURITY_TOKEN")),
    ("user_name", ("HW_USER_NAME",)),
    ("password", ("HW_USER_PASSWORD",)),
    ("domain_name", ("HW_DOMAIN_NAME",)),
)


def credentials_from(params, environ):
    """The credential values to use: the options if any is given, otherwise the environment's.

    "Module option first" for a whole sign-in, not per value: a play that passes access_key and secret_key is not
    turned into a conflict (or worse, a mix) by HW_USER_NAME exported in the CI job's environment.
    """
    names = [name for name, _variables in CREDENTIAL_ENV]
    if any(params.get(name) is not None for name in names):
        return dict((name, params.get(name)) for name in names)
    found = {}
    for name, variables in CREDENTIAL_ENV:
        found[name] = next((environ[variable] for variable in variables if environ.get(variable)), None)
    return found


def connection_argument_spec():
    """The options of ``doc_fragments/connection.py``, with their env fallbacks and no_log."""
    return dict(
        region=dict(type="str", fallback=(env_fallback, ["HW_REGION_NAME"])),
        project_id=dict(type="str", fallback=(env_fallback, ["HW_PROJECT_ID", "HUAWEICLOUD_SDK_PROJECT_ID"])),
        endpoint=dict(type="str", fallback=(env_fallback, ["HW_APIG_ENDPOINT"])),
        iam_endpoint=dict(type="str", fallback=(env_fallback, ["HW_AUTH_URL"])),
        # Credentials have no argument-spec fallback: the environment is read only when no credential option is
        # given at all (see credentials_from), so options never mix with a different sign-in from the environment.
        auth_token=dict(type="str", no_log=True),
        access_key=dict(type="str", no_log=True, aliases=["ak"]),
        secret_key=dict(type="str", no_log=True, aliases=["sk"]),
        security_token=dict(type="str", no_log=True),
        user_name=dict(type="str"),
        password=dict(type="str", no_log=True),
        domain_name=dict(type="str"),
        validate_certs=dict(type="bool", default=True),
        ca_path=dict(type="path"),
        timeout=dict(type="float", default=30),
        retries=dict(type="int", default=3),
        # No fallback: without the option, proxies.py reads HTTPS_PROXY / HTTP_PROXY / NO_PROXY itself.
        proxy=dict(type="str"),
    )


def default_apig_endpoint(region):
    """APIG's public endpoint for a region (the EU sovereign region has its own domain)."""
    domain = "myhuaweicloud.eu" if region == "eu-west-101" else "myhuaweicloud.com"
    return "https://apig.%s.%s" % (region, domain)


def default_iam_endpoint(region):
    """IAM's regional endpoint."""
    domain = "myhuaweicloud.eu" if region == "eu-west-101" else "myhuaweicloud.com"
    return "https://iam.%s.%s" % (region, domain)


def _validated_base_url(option, value):
    """A base URL without trailing slash; refuses anything that is not http(s)://host."""
    try:
        parts = urlsplit(value)
        parts.port  # pylint: disable=pointless-statement  # raises ValueError on a bad port
    except ValueError as exc:
        raise InputError(option, "%s is not a valid URL: %s" % (option, exc))
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(option, "%s must be an http:// or https:// URL with a host, got %r" % (option, value))
    if parts.port == 0:
        raise InputError(option, "%s has port 0, which cannot be connected to" % option)
    if parts.query or parts.fragment or parts.username or parts.password:
        raise InputError(option, "%s must not contain credentials, a query or a fragment" % option)
    return value.rstrip("/")


def _strip_iam_version(url):
    """Terraform users write HW_AUTH_URL ending in /v3: accept both forms."""
    return url[:-3] if url.endswith("/v3") else url


def _check_text(option, value):
    """Options that are given must not be empty or padded: a silent empty token is a confusing 401 later."""
    if value is None:
        return None
    if not value.strip():
        raise InputError(option, "%s must not be empty" % option)
    if value != value.strip():
        raise InputError(option, "%s must not start or end with whitespace" % option)
    if any(ord(char) < 32 or ord(char) == 127 for char in value):
        raise InputError(option, "%s must not contain control characters" % option)
    return value


class ConnectionSettings(object):
    """Validated connection and sign-in settings; never printed (it holds secrets)."""

    def __init__(self, endpoint, iam_endpoint, project_id, region, auth_mode, credentials,
                 validate_certs, ca_path, timeout, retries, proxy=None):
        self.endpoint = endpoint
        self.iam_endpoint = iam_endpoint
        self.project_id = project_id
        self.region = region
        self.auth_mode = auth_mode
        self.credentials = credentials
        self.validate_certs = validate_certs
        self.ca_path = ca_path
        self.timeout = timeout
        self.retries = retries
        self.proxy = proxy if proxy is not None else ProxySettings()

    def __repr__(self):
        return "ConnectionSettings(endpoint=%r, auth_mode=%r, project_id=%r)" % (self.endpoint, self.auth_mode, self.project_id)

    @property
    def secrets(self):
        """Every secret value in use (proxy credentials too), so callers can scrub them from any text they emit."""
        return [value for value in self.credentials.values() if value] + self.proxy.secrets

    @classmethod
    def from_params(cls, params, environ=None):
        """Validate the shared options; raise InputError naming the first bad option."""
        given = dict(params)
        given.update(credentials_from(params, os.environ if environ is None else environ))
        names = ("region", "project_id", "endpoint", "iam_endpoint", "auth_token", "access_key", "secret_key",
                 "security_token", "user_name", "password", "domain_name")
        values = dict((name, _check_text(name, given.get(name))) for name in names)
        for name in HEADER_CREDENTIALS:
            if values[name] is not None and not all(33 <= ord(char) <= 126 for char in values[name]):
                # never quote the value: it is a secret
                raise InputError(name, "%s may contain only printable ASCII characters without spaces "
                                       "(it is sent in an HTTP header)" % name)
        timeout, retries = params.get("timeout"), params.get("retries")
        if timeout is None or not 0 < timeout <= 600:
            raise InputError("timeout", "timeout must be more than 0 and at most 600 seconds, got %r" % timeout)
        if retries is None or not 0 <= retries <= 10:
            raise InputError("retries", "retries must be between 0 and 10, got %r" % retries)

        auth_mode, credentials = _auth_mode(values)
        region = values["region"]
        endpoint = values["endpoint"]
        if endpoint is None:
            if region is None:
                raise InputError("endpoint", "either endpoint (HW_APIG_ENDPOINT) or region (HW_REGION_NAME) is required")
            endpoint = default_apig_endpoint(region)
        endpoint = _validated_base_url("endpoint", endpoint)

        iam_endpoint = None
        if auth_mode == AUTH_PASSWORD:
            iam_endpoint = values["iam_endpoint"]
            if iam_endpoint is None:
                if region is None:
                    raise InputError("iam_endpoint", "password sign-in needs iam_endpoint (HW_AUTH_URL) or region (HW_REGION_NAME)")
                iam_endpoint = default_iam_endpoint(region)
            iam_endpoint = _strip_iam_version(_validated_base_url("iam_endpoint", iam_endpoint))

        project_id = values["project_id"]
        if project_id is None and not (auth_mode == AUTH_PASSWORD and region):
            raise InputError("project_id", "project_id (HW_PROJECT_ID) is required%s" % (
                "" if auth_mode == AUTH_PASSWORD else " with %s sign-in" % ("token" if auth_mode == AUTH_TOKEN else "AK/SK")))
        if project_id is not None and not _is_safe_path_segment(project_id):
            raise InputError("project_id", "project_id may contain only letters, digits, '-' and '_', got %r" % project_id)

        ca_path = params.get("ca_path")
        if ca_path is not None and not ca_path.strip():
            raise InputError("ca_path", "ca_path must not be empty")
        if ca_path is not None and not os.path.exists(ca_path):
            raise InputError("ca_path", "ca_path %r does not exist (give a PEM CA bundle file or a hashed CA directory)" % ca_path)
        proxy_option = _check_text("proxy", params.get("proxy"))
        try:
            proxy = ProxySettings.from_option_or_environment(proxy_option, os.environ if environ is None else environ)
        except ProxyConfigError as exc:
            raise InputError("proxy", str(exc))
        return cls(endpoint, iam_endpoint, project_id, region, auth_mode, credentials,
                   bool(params.get("validate_certs", True)), ca_path, float(timeout), int(retries), proxy)


def _is_safe_path_segment(value):
    """IDs are interpolated into URL paths: refuse anything that could change the path."""
    return len(value) <= 128 and all(char.isalnum() and char.isascii() or char in "-_" for char in value)


def _auth_mode(values):
    """Choose the sign-in mode from what is given; two modes at once is an error, not a guess."""
    given = {
        AUTH_TOKEN: [name for name in ("auth_token",) if values[name] is not None],
        AUTH_AKSK: [name for name in ("access_key", "secret_key", "security_token") if values[name] is not None],
        AUTH_PASSWORD: [name for name in ("user_name", "password", "domain_name") if values[name] is not None],
    }
    modes = [mode for mode in (AUTH_TOKEN, AUTH_AKSK, AUTH_PASSWORD) if given[mode]]
    if not modes:
        raise InputError("auth_token", "no credentials: set auth_token (HW_AUTH_TOKEN), or access_key and secret_key "
                                       "(HW_ACCESS_KEY, HW_SECRET_KEY), or user_name, password and domain_name "
                                       "(HW_USER_NAME, HW_USER_PASSWORD, HW_DOMAIN_NAME)")
    if len(modes) > 1:
        first, second = given[modes[0]][0], given[modes[1]][0]
        raise InputError(second, "%s and %s belong to different ways to sign in and cannot be used together "
                                 "(when no credential option is given, they come from the HW_* and "
                                 "HUAWEICLOUD_SDK_* environment variables)" % (first, second))
    mode = modes[0]
    if mode == AUTH_TOKEN:
        return mode, {"auth_token": values["auth_token"]}
    if mode == AUTH_AKSK:
        for name in ("access_key", "secret_key"):
            if values[name] is None:
                raise InputError(name, "AK/SK sign-in needs both access_key and secret_key; %s is missing" % name)
        return mode, dict((name, values[name]) for name in ("access_key", "secret_key", "security_token"))
    for name in ("user_name", "password", "domain_name"):
        if values[name] is None:
            raise InputError(name, "password sign-in needs user_name, password and domain_name; %s is missing" % name)
    return mode, dict((name, values[name]) for name in ("user_name", "password", "domain_name"))
