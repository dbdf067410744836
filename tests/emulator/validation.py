# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Validation of the emulator's configuration: each helper checks one value and names it when it is wrong.

Shared by config.py (projects, channels, identities) and catalog.py (APIs, groups, environments), so that
every part of a config is refused the same way: strictly, unknown keys included, naming the offending key.
"""

import re

ID_RE = re.compile(r"^[A-Za-z0-9_.-]{1,128}$")
NAME_RE = re.compile(r"^[A-Za-z0-9_.-]{1,128}$")


class ConfigError(ValueError):
    """The configuration is malformed; the message names the offending key."""


def mapping(where, value):
    if not isinstance(value, dict):
        raise ConfigError("%s must be a mapping, got %s" % (where, type(value).__name__))
    return value


def sequence(where, value):
    if value is None:
        return []
    if not isinstance(value, list):
        raise ConfigError("%s must be a list, got %s" % (where, type(value).__name__))
    return value


def check_keys(where, data, allowed, required=()):
    mapping(where, data)
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise ConfigError(
            "%s: unknown key(s) %s (allowed: %s)" % (where, ", ".join(map(str, unknown)), ", ".join(sorted(allowed)))
        )
    missing = [key for key in required if key not in data]
    if missing:
        raise ConfigError("%s: missing required key(s) %s" % (where, ", ".join(missing)))


def string(where, value, pattern=None):
    if not isinstance(value, str) or not value:
        raise ConfigError("%s must be a non-empty string" % where)
    if pattern is not None and not pattern.match(value):
        raise ConfigError("%s %r contains characters that cannot appear in an URL path segment" % (where, value))
    return value


def optional_string(where, value, default=""):
    if value is None:
        return default
    if not isinstance(value, str):
        raise ConfigError("%s must be a string" % where)
    return value


def boolean(where, value, default):
    if value is None:
        return default
    if not isinstance(value, bool):
        raise ConfigError("%s must be true or false" % where)
    return value


def integer(where, value, default, minimum=None, maximum=None):
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError("%s must be an integer" % where)
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise ConfigError("%s must be within %s-%s" % (where, minimum, maximum if maximum is not None else "..."))
    return value


def number(where, value, default, minimum=0.0, exclusive=False):
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError("%s must be a number" % where)
    if value < minimum or (exclusive and value == minimum):
        raise ConfigError("%s must be %s %s" % (where, ">" if exclusive else ">=", minimum))
    return float(value)


def token_value(where, value):
    string(where, value)
    if any(ch.isspace() or ord(ch) < 32 for ch in value):
        raise ConfigError("%s must not contain blanks or control characters (it travels in an HTTP header)" % where)
    return value


def choice(where, value, allowed, default):
    if value is None:
        return default
    if value not in allowed:
        raise ConfigError("%s must be one of %s" % (where, ", ".join(allowed)))
    return value
