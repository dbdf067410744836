# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""How a check or a call is named in its record, the gate's table and the JUnit report, by the same rules for both
(``check_spec.py`` and ``discovered_checks.py`` name checks, ``call_spec.py`` and ``call_runner.py`` calls):

* a name is 1-128 characters without a control character (``usable_name``);
* a discovered one is named by what it reaches (``route_label``): the API, its policy, and - when the run's names
  span several - its group and environment (``orders/get-order [policy gray] @staging``);
* each is unique in its run (``unique_name``): a repeated name gets `` (2)``, `` (3)``... within the 128.
"""

import re

MAX_NAME = 128
_NAME = re.compile(r"\A[^\x00-\x1f\x7f]{1,%d}\Z" % MAX_NAME)


def usable_name(name):
    """``name`` when it can name a record (a string of 1-128 characters, no control character), else None."""
    return name if isinstance(name, str) and _NAME.match(name) else None


def route_label(route, qualify_group=False, qualify_environment=False):
    """How a route (``api``, ``policy``, ``group``, ``environment``) is named: the API, its policy, and - when the
    run's routes span several - its group and environment (``orders/get-order [policy gray] @staging``)."""
    label = "%s" % route.get("api")
    if qualify_group:
        label = "%s/%s" % (route.get("group") or "(no group)", label)
    if route.get("policy") is not None:
        label += " [policy %s]" % route["policy"]
    if qualify_environment:
        label += " @%s" % (route.get("environment") or "(draft)")
    return label


def unique_name(name, taken):
    """``name``, or ``name (2)``, ``name (3)``... - the first that is not in ``taken``, cut to fit in 128 characters;
    it joins ``taken``."""
    candidate, number = name, 1
    while candidate in taken:
        number += 1
        suffix = " (%d)" % number
        candidate = name[: MAX_NAME - len(suffix)] + suffix
    taken.add(candidate)
    return candidate
