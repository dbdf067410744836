# -*- coding: utf-8 -*-
# Copyright (c) hwcloud.apig developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What a probe target string means, decided before any packet is sent.

Targets arrive as APIG writes them (``host:port``, ``[v6]:port``) or as URLs
(``http(s)://host[:port]/path``).  A typo such as a missing port must fail the
task up front with the offending string named, instead of turning into a
"timeout" or "dns" failure minutes later, so every target is parsed and
checked here, and nothing here touches the network.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import re
import socket

try:
    from urllib.parse import urlsplit
except ImportError:  # pragma: no cover - Python 2 is not a supported target
    from urlparse import urlsplit  # pylint: disable=import-error

PROTOCOLS = ('tcp', 'tls', 'http', 'https')
URL_SCHEMES = {'http': 80, 'https': 443}
_SHOWN_PROBLEMS = 10

_LABEL = r'[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?'
_HOSTNAME = re.compile(r'^%s(?:\.%s)*\.?$' % (_LABEL, _LABEL))
_DIGITS = re.compile(r'^[0-9]+$')
_DOTTED_NUMBERS = re.compile(r'^[0-9.]+$')


class InvalidTargetError(ValueError):
    """One or more target strings cannot be probed.

    ``problems`` is a list of ``(target, why)`` pairs, ``target`` the first
    offending string, so callers can report every bad target at once.
    """

    def __init__(self, problems):
        self.problems = list(problems)
        self.target = self.problems[0][0] if self.problems else None
        shown = ['%r: %s' % (target, why) for target, why in self.problems[:_SHOWN_PROBLEMS]]
        more = len(self.problems) - _SHOWN_PROBLEMS
        if more > 0:
            shown.append('and %d more' % more)
        noun = 'target' if len(self.problems) == 1 else 'targets'
        super(InvalidTargetError, self).__init__('invalid %s %s' % (noun, '; '.join(shown)))


class Target:
    """A parsed target: where to connect and how to talk once connected.

    ``text`` is the string exactly as given (records and ``failures`` carry it
    unchanged); ``path`` is set only when the target was a URL with a path,
    and then wins over the probe's ``path`` option.
    """

    __slots__ = ('text', 'protocol', 'host', 'port', 'path', 'is_ip')

    def __init__(self, text, protocol, host, port, path=None, is_ip=False):
        self.text = text
        self.protocol = protocol
        self.host = host
        self.port = port
        self.path = path
        self.is_ip = is_ip

    @property
    def hostport(self):
        """``host:port`` with IPv6 bracketed, as APIG writes addresses."""
        return format_address(self.host, self.port)

    def __eq__(self, other):
        return isinstance(other, Target) and all(getattr(self, name) == getattr(other, name) for name in self.__slots__)

    def __ne__(self, other):
        return not self == other

    def __hash__(self):
        return hash(tuple(getattr(self, name) for name in self.__slots__))

    def __repr__(self):
        return 'Target(%r, protocol=%r, host=%r, port=%r, path=%r)' % (self.text, self.protocol, self.host, self.port, self.path)


def format_address(host, port):
    """``host:port``, bracketing IPv6 literals: ``[::1]:443``."""
    if ':' in host:
        return '[%s]:%d' % (host, port)
    return '%s:%d' % (host, port)


def _check_port(text):
    if not text:
        raise ValueError('no port (expected host:port, [v6]:port or http(s)://host[:port]/path)')
    if not _DIGITS.match(text):
        raise ValueError('port %r is not a number' % text)
    port = int(text)
    if not 1 <= port <= 65535:
        raise ValueError('port %d is outside 1-65535' % port)
    return port


def _is_ipv6(text):
    address = text.split('%', 1)[0]  # a zone id (fe80::1%eth0) is for getaddrinfo
    try:
        socket.inet_pton(socket.AF_INET6, address)
    except (OSError, ValueError):
        return False
    return True


def _is_ipv4(text):
    try:
        socket.inet_pton(socket.AF_INET, text)
    except (OSError, ValueError):
        return False
    return True


def _check_host(host):
    """Return ``(host, is_ip)`` for a host without brackets or port."""
    if not host:
        raise ValueError('no host')
    if _is_ipv4(host):
        return host, True
    if _DOTTED_NUMBERS.match(host):
        raise ValueError('%r is not a valid IPv4 address' % host)
    if len(host) > 253 or not _HOSTNAME.match(host):
        raise ValueError('%r is not a valid host name (use the xn-- form for international names)' % host)
    return host, False


def _split_bracketed(text):
    """``[v6]:port`` -> ``(v6, port text)``."""
    close = text.find(']')
    if close < 0:
        raise ValueError('unclosed "["')
    host = text[1:close]
    rest = text[close + 1:]
    if not _is_ipv6(host):
        raise ValueError('%r is not an IPv6 address' % host)
    if not rest.startswith(':'):
        raise ValueError('no port after "]" (expected [v6]:port)')
    return host, rest[1:]


def _parse_hostport(text):
    if text.startswith('['):
        host, port_text = _split_bracketed(text)
        return host, _check_port(port_text), True
    if text.count(':') > 1:
        raise ValueError('IPv6 addresses need brackets: [address]:port')
    host, sep, port_text = text.rpartition(':')
    if not sep:
        raise ValueError('no port (expected host:port, [v6]:port or http(s)://host[:port]/path)')
    host, is_ip = _check_host(host)
    return host, _check_port(port_text), is_ip


def _parse_url(text, scheme):
    parts = urlsplit(text)
    if '@' in parts.netloc:
        raise ValueError('user info in URLs is not supported; use the headers option for credentials')
    netloc = parts.netloc
    if not netloc:
        raise ValueError('no host in URL')
    if netloc.startswith('['):
        close = netloc.find(']')
        rest = netloc[close + 1:] if close >= 0 else ''
        if rest and not rest.startswith(':'):
            raise ValueError('unexpected %r after "]"' % rest)
        host, port_text = _split_bracketed(netloc if rest else netloc + ':%d' % URL_SCHEMES[scheme])
        is_ip = True
    else:
        if netloc.count(':') > 1:
            raise ValueError('IPv6 addresses need brackets: %s://[address]:port/' % scheme)
        host, sep, port_text = netloc.partition(':')
        if not sep:
            port_text = str(URL_SCHEMES[scheme])
        host, is_ip = _check_host(host)
    port = _check_port(port_text)
    path = parts.path or None
    if path is not None and parts.query:
        path = '%s?%s' % (path, parts.query)
    elif parts.query:
        path = '/?%s' % parts.query
    return Target(text, scheme, host, port, path, is_ip)


def parse_target(text, default_protocol='tcp'):
    """Parse one target string into a `Target`, or raise `InvalidTargetError`.

    ``default_protocol`` applies to ``host:port`` forms; a URL's scheme
    chooses its own protocol (and default port 80/443).
    """
    if default_protocol not in PROTOCOLS:
        raise ValueError('protocol must be one of %s, not %r' % (', '.join(PROTOCOLS), default_protocol))
    try:
        if not isinstance(text, str):
            raise ValueError('a target must be a string, not %s' % type(text).__name__)
        if text != text.strip() or any(char.isspace() for char in text):
            raise ValueError('contains white space')
        if not text:
            raise ValueError('empty')
        scheme, sep, dummy = text.partition('://')
        if sep:
            scheme = scheme.lower()
            if scheme not in URL_SCHEMES:
                raise ValueError('URL scheme %r is not one of http, https' % scheme)
            return _parse_url(text, scheme)
        if '/' in text:
            raise ValueError('a path needs a URL: http(s)://host[:port]/path')
        host, port, is_ip = _parse_hostport(text)
        return Target(text, default_protocol, host, port, None, is_ip)
    except InvalidTargetError:
        raise
    except ValueError as exc:
        raise InvalidTargetError([(text, str(exc))])


def parse_targets(texts, default_protocol='tcp'):
    """Parse every target, raising one `InvalidTargetError` that names all bad ones.

    Already-parsed `Target` objects pass through, so callers may mix both.
    """
    if isinstance(texts, (str, bytes)):
        raise InvalidTargetError([(texts, 'targets must be a list of strings, not one string')])
    parsed = []
    problems = []
    for text in texts:
        if isinstance(text, Target):
            parsed.append(text)
            continue
        try:
            parsed.append(parse_target(text, default_protocol))
        except InvalidTargetError as exc:
            problems.extend(exc.problems)
    if problems:
        raise InvalidTargetError(problems)
    return parsed
