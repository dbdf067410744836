# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""When a policy backend takes a request instead of the API's main backend: its conditions, kept small.

APIG's policy conditions come in many kinds (parameter, source IP, system parameters, COOKIE, ...); the emulator
needs only enough of them for a release to route some requests elsewhere. A policy in the config may say::

    conditions:
      - {query: version, value: "2"}            # a query parameter equals the value
      - {header: X-Canary, value: ["on", "1"]}  # a header (name in any case) equals one of the values
      - {path: id, value: "42"}                 # a {param} of the API's path equals the value
    effect_mode: ANY                            # ANY (default): one condition is enough; ALL: every one

A policy without conditions never takes a request (APIG asks for at least one; older configs of the emulator list
policies without any, for discovery alone). The first policy whose conditions hold wins, as on the gateway.
"""

from tests.emulator.validation import ConfigError, check_keys, sequence, string

SOURCES = ("query", "header", "path")
EFFECT_MODES = ("ANY", "ALL")


class Condition:
    """One test of a request: a query parameter, a header or a path parameter equals one of ``values``."""

    def __init__(self, where, data):
        check_keys(where, data, (*SOURCES, "value"), ("value",))
        given = [source for source in SOURCES if source in data]
        if len(given) != 1:
            raise ConfigError("%s: give exactly one of %s" % (where, ", ".join(SOURCES)))
        self.source = given[0]
        self.name = string("%s.%s" % (where, self.source), data[self.source])
        raw = data["value"]
        values = raw if isinstance(raw, list) else [raw]
        if not values:
            raise ConfigError("%s.value must not be an empty list" % where)
        self.values = [string("%s.value" % where, value) for value in values]

    def holds(self, query, headers, path_params):
        """True when the request's value (any of them, for a repeated query parameter) is one of ``values``."""
        if self.source == "query":
            found = query.get(self.name, [])
        elif self.source == "header":
            found = [value for name, value in headers if name.lower() == self.name.lower()]
        else:
            found = [path_params[self.name]] if self.name in path_params else []
        return any(value in self.values for value in found)


class Conditions:
    """A policy's conditions and how they combine."""

    def __init__(self, where, conditions, effect_mode):
        self.items = [
            Condition("%s.conditions[%d]" % (where, index), item)
            for index, item in enumerate(sequence(where + ".conditions", conditions))
        ]
        self.effect_mode = EFFECT_MODES[0] if effect_mode is None else effect_mode
        if self.effect_mode not in EFFECT_MODES:
            raise ConfigError("%s.effect_mode must be one of %s" % (where, ", ".join(EFFECT_MODES)))

    def hold(self, query, headers, path_params):
        """Whether the policy takes this request; ``query`` maps a name to its values, ``headers`` is (name, value)s."""
        if not self.items:
            return False
        results = (item.holds(query, headers, path_params) for item in self.items)
        return all(results) if self.effect_mode == "ALL" else any(results)
