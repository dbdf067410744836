# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""API paths with parameters: ``/orders/{id}`` (one segment) and a final ``/files/{path+}`` (the rest of the path).

The frontend path (``req_uri`` of an API) is matched against a request's path to find the API and the values of
its parameters; the backend path (``backend.req_uri``) is then filled with those values, as APIG maps a frontend
path parameter to the backend parameter of the same name. catalog.py compiles each API's path when the config is
loaded, so a malformed one is a config error, not a surprise at the first request.
"""

import re
from urllib.parse import quote, unquote

from tests.emulator.validation import ConfigError

_PARAM = re.compile(r"\{([A-Za-z][A-Za-z0-9_-]*)(\+?)\}")


class PathTemplate:
    """An API's path with ``{name}`` (one segment) and a final ``{name+}`` (the rest); ``match`` gives the values."""

    def __init__(self, where, template):
        if not isinstance(template, str) or not template.startswith("/"):
            raise ConfigError("%s must be a path starting with /" % where)
        self.template = template
        self.names = []
        pattern = ""
        position = 0
        for found in _PARAM.finditer(template):
            pattern += re.escape(template[position : found.start()])
            name, greedy = found.group(1), found.group(2)
            if greedy and found.end() != len(template):
                raise ConfigError("%s: {%s+} must end the path" % (where, name))
            if name in self.names:
                raise ConfigError("%s: {%s} appears twice" % (where, name))
            self.names.append(name)
            pattern += "(?P<%s>.+)" % _group(name) if greedy else "(?P<%s>[^/]+)" % _group(name)
            position = found.end()
        rest = template[position:]
        if "{" in rest or "}" in rest:
            raise ConfigError("%s: %r has a malformed {parameter}" % (where, template))
        pattern += re.escape(rest)
        self._regex = re.compile("^%s$" % pattern)

    @property
    def has_params(self):
        """True when the path takes parameters (an exact path wins over these)."""
        return bool(self.names)

    def match(self, path):
        """``{name: value}`` (percent-decoded) when ``path`` (as sent, percent-encoded) fits, else None."""
        found = self._regex.match(path)
        if found is None:
            return None
        return {name: unquote(found.group(_group(name))) for name in self.names}


def _group(name):
    """A regex group name for a parameter name (which may hold ``-``)."""
    return "p_" + name.replace("-", "_h_")


def fill(template, params):
    """``template`` with each ``{name}`` / ``{name+}`` replaced by its value, percent-encoded again (``/`` kept in a
    ``{name+}``); a parameter without a value is left as written."""

    def value(found):
        if found.group(1) not in params:
            return found.group(0)
        return quote(params[found.group(1)], safe="/" if found.group(2) else "")

    return _PARAM.sub(value, template)
