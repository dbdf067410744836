# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Which HTTP proxy an APIG or IAM request goes through, and how a proxy URL may be shown.

Corporate networks (and AWX / AAP jobs in them) reach the API through a proxy named in ``HTTPS_PROXY``.
``requests`` reads that itself only with ``trust_env``, which also brings ``~/.netrc`` credentials and a foreign
CA bundle (``REQUESTS_CA_BUNDLE``, ``CURL_CA_BUNDLE``) into every request; the client keeps ``trust_env`` off and
asks this file instead, which reads the proxy variables and nothing else.

The rules, as curl and Python's urllib apply them:

- the ``proxy`` option, when given, is used for every APIG and IAM request and the environment is not read;
- otherwise ``https_proxy`` / ``HTTPS_PROXY`` for ``https://`` endpoints and ``http_proxy`` / ``HTTP_PROXY`` for
  ``http://`` ones (the lower-case name first), except for hosts that ``no_proxy`` / ``NO_PROXY`` lists: ``*``,
  a name (which covers its sub-domains; a leading ``.`` or ``*.`` is allowed), an IP address or CIDR block, each
  optionally with ``:port``;
- ``ALL_PROXY`` is not read (it usually names a SOCKS proxy, which the client does not speak).

A proxy URL may carry credentials (``http://user:password@proxy:3128``): ``masked`` shows it with the password
replaced, and ``secrets`` lists what must never be printed.  Local probes (``probe_engine.py``) never use a proxy: they
answer "can this host reach the backend", which a proxy would falsify.
"""

import ipaddress
from urllib.parse import unquote, urlsplit

MASK = "********"
PROXY_SCHEMES = ("http", "https")
# For each endpoint scheme, the variables that name its proxy, in the order they are read.
PROXY_VARIABLES = {
    "https": ("https_proxy", "HTTPS_PROXY"),
    "http": ("http_proxy", "HTTP_PROXY"),
}
NO_PROXY_VARIABLES = ("no_proxy", "NO_PROXY")


class ProxyConfigError(ValueError):
    """A proxy setting that cannot be used; the message names where it came from and never shows a password."""


def masked(url):
    """The proxy URL with its password (or a user-only credential) replaced by MASK, for messages."""
    if not url:
        return url
    try:
        parts = urlsplit(url)
        username, password = parts.username, parts.password
    except ValueError:
        return "<a proxy URL that cannot be parsed>"
    if username is None and password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    userinfo = MASK if password is None else "%s:%s" % (username, MASK)
    return parts._replace(netloc="%s@%s" % (userinfo, host)).geturl()


def with_scheme(url):
    """A proxy URL as requests and curl read it: a scheme-less ``[user:password@]host:port`` is ``http://``."""
    return url if "://" in url else "http://" + url


def credential_forms(url):
    """The secret part of a proxy URL's credentials, as written and percent-decoded (empty when there is none)."""
    if not isinstance(url, str) or not url:
        return []
    try:
        parts = urlsplit(with_scheme(url))
        username, password = parts.username, parts.password
    except ValueError:
        return []
    secret = password if password is not None else username
    if not secret:
        return []
    return sorted({secret, unquote(secret)}, key=len, reverse=True)


def validated_proxy_url(url, source):
    """A proxy URL that requests can use: http(s)://[user:password@]host:port; ProxyConfigError otherwise.

    ``source`` (the option or the variable it came from) is named in the error; a scheme-less ``host:port`` is
    taken as ``http://host:port``, as curl and requests do.
    """
    url = with_scheme(url)
    shown = masked(url)
    try:
        parts = urlsplit(url)
        _port = parts.port  # raises ValueError on a bad port
    except ValueError as exc:
        raise ProxyConfigError("%s is not a valid proxy URL (%s): %s" % (source, exc, shown)) from None
    scheme = parts.scheme.lower()
    if scheme.startswith("socks"):
        raise ProxyConfigError(
            "%s names a SOCKS proxy (%s); only HTTP proxies (http:// or https://) are supported" % (source, shown)
        )
    if scheme not in PROXY_SCHEMES or not parts.hostname:
        raise ProxyConfigError("%s must be an http:// or https:// proxy URL with a host, got %s" % (source, shown))
    if parts.port == 0:
        raise ProxyConfigError("%s has port 0, which cannot be connected to: %s" % (source, shown))
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ProxyConfigError("%s must not have a path, query or fragment: %s" % (source, shown))
    if any(ord(char) < 33 or ord(char) == 127 for char in url):
        raise ProxyConfigError("%s must not contain spaces or control characters: %s" % (source, shown))
    return url.rstrip("/")


def _first_set(environ, names):
    for name in names:
        value = environ.get(name)
        if value is not None and value.strip():
            return name, value.strip()
    return None, None


class ProxySettings:
    """The proxies for APIG and IAM requests: per endpoint scheme, with the hosts that bypass them."""

    def __init__(self, proxies=None, sources=None, no_proxy=()):
        self.proxies = dict(proxies or {})  # {"https": url, "http": url}; a missing key means direct
        self.sources = dict(sources or {})  # {"https": "HTTPS_PROXY", ...}: where each came from
        self.no_proxy = list(no_proxy)

    def __repr__(self):
        return "ProxySettings(%r, no_proxy=%r)" % (
            {key: masked(value) for key, value in self.proxies.items()},
            self.no_proxy,
        )

    @classmethod
    def from_option_or_environment(cls, option, environ):
        """The ``proxy`` option for every request if given, else the proxy variables of ``environ``."""
        if option is not None:
            url = validated_proxy_url(option.strip(), "proxy")
            return cls({"https": url, "http": url}, {"https": "proxy", "http": "proxy"})
        proxies, sources = {}, {}
        for scheme, names in PROXY_VARIABLES.items():
            name, value = _first_set(environ, names)
            if name is not None:
                proxies[scheme] = validated_proxy_url(value, name)
                sources[scheme] = name
        _name, no_proxy = _first_set(environ, NO_PROXY_VARIABLES)
        entries = [entry.strip() for entry in (no_proxy or "").split(",") if entry.strip()]
        return cls(proxies, sources, entries)

    @property
    def secrets(self):
        """Every proxy credential in use, as written and percent-decoded, so outputs can be scrubbed of it."""
        found = []
        for url in self.proxies.values():
            found.extend(form for form in credential_forms(url) if form not in found)
        return found

    def proxy_for(self, url):
        """The proxy URL to send a request for ``url`` through, or None for a direct connection."""
        parts = urlsplit(url)
        proxy = self.proxies.get(parts.scheme.lower())
        if proxy is None or self.bypasses(parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80)):
            return None
        return proxy

    def route_text(self, url):
        """' through the proxy <masked URL> (from <source>)' for messages about ``url``, or '' when direct."""
        proxy = self.proxy_for(url)
        if proxy is None:
            return ""
        return " through the proxy %s (from %s)" % (masked(proxy), self.sources.get(urlsplit(url).scheme.lower()))

    def bypasses(self, host, port):
        """True when the no_proxy list names this host (or its domain, address or network) and port."""
        host = host.lower().strip("[]").rstrip(".")
        return any(_no_proxy_entry_matches(entry, host, port) for entry in self.no_proxy)


def _no_proxy_entry_matches(entry, host, port):
    entry = entry.lower()
    if entry == "*":
        return True
    entry_host, entry_port = _split_port(entry)
    if entry_port is not None and entry_port != port:
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if address is not None:
        try:
            return address in ipaddress.ip_network(entry_host, strict=False)
        except ValueError:
            return False
    name = entry_host.lstrip("*").lstrip(".").rstrip(".")
    return bool(name) and (host == name or host.endswith("." + name))


def _split_port(entry):
    """('host', port or None) of a no_proxy entry: name:port, [v6]:port, v4:port, or a bare v6 address."""
    if entry.startswith("["):
        host, _bracket, rest = entry[1:].partition("]")
        return host, (int(rest[1:]) if rest.startswith(":") and rest[1:].isdigit() else None)
    if entry.count(":") == 1:
        host, _colon, port = entry.partition(":")
        if port.isdigit():
            return host, int(port)
    return entry, None
