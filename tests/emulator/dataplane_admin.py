# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The admin endpoints that steer the data plane, for tests and playbooks that run the emulator as a process.

Under ``/_emulator/`` like the others (no authentication, not logged, no faults):

* ``GET /_emulator/clock``: ``{"now", "offset_seconds", "frozen"}`` of the statistics' clock (clock.py);
* ``POST /_emulator/clock`` with ``{"advance_minutes": n}`` and/or ``{"advance_seconds": n}``, ``{"freeze": true}``
  (optionally ``"at": <epoch s>``) or ``{"freeze": false}``: the clock after the change;
* ``GET /_emulator/backends``: every helper backend's address, and each echo backend's settings;
* ``POST /_emulator/backends/<name>`` with echo settings (``status``, ``body`` | ``body_size``, ``headers``,
  ``latency_ms``; null clears one): the settings now in force; ``DELETE`` there: back to echoing.

A malformed request is 400 ``{"error": ...}``; an unknown backend 404.
"""

import json

CLOCK_KEYS = ("advance_minutes", "advance_seconds", "freeze", "at")


def _number(data, key):
    value = data.get(key, 0)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError("%s must be a number" % key)
    return value


def _clock(clock, method, data):
    """GET the clock, or change it: freeze first, then advance, then unfreeze, so one request can do all three."""
    if method == "GET":
        return 200, clock.describe()
    unknown = sorted(set(data) - set(CLOCK_KEYS))
    if unknown:
        raise ValueError("unknown key(s) %s (allowed: %s)" % (", ".join(unknown), ", ".join(CLOCK_KEYS)))
    if "at" in data and data.get("freeze") is not True:
        raise ValueError("at goes with freeze: true")
    freeze = data.get("freeze")
    if freeze is not None and not isinstance(freeze, bool):
        raise ValueError("freeze must be true or false")
    if freeze is True:
        clock.freeze(at=_number(data, "at") if "at" in data else None)
    clock.advance(seconds=_number(data, "advance_seconds"), minutes=_number(data, "advance_minutes"))
    if freeze is False:
        clock.unfreeze()
    return 200, clock.describe()


def _backends(emulator, method, name, data):
    """List the helper backends, or read, set or reset one echo backend's answer."""
    if name is None:
        if method != "GET":
            return 405, {"error": "method %s not allowed on /_emulator/backends" % method}
        echo = set(emulator.echo_backends())
        return 200, {
            backend: {
                "address": address,
                "settings": emulator.backends[backend].settings() if backend in echo else None,
            }
            for backend, address in emulator.backend_addresses().items()
        }
    if name not in emulator.echo_backends():
        return 404, {"error": "no echo backend %r (echo backends: %s)" % (name, ", ".join(emulator.echo_backends()))}
    if method == "POST":
        if not isinstance(data, dict):
            raise ValueError("the body must be a JSON object of settings")
        return 200, emulator.configure_backend(name, **data)
    if method == "DELETE":
        return 200, emulator.backends[name].reset()
    if method == "GET":
        return 200, emulator.backends[name].settings()
    return 405, {"error": "method %s not allowed on /_emulator/backends/%s" % (method, name)}


def answer(emulator, method, route, body):
    """``(status, payload)`` for a data-plane admin route, or None when ``route`` is not one of them."""
    parts = route.split("/")
    if parts[0] not in ("clock", "backends") or len(parts) > 2 or (parts[0] == "clock" and len(parts) > 1):
        return None
    try:
        data = json.loads(body.decode("utf-8")) if body.strip() else {}
        if parts[0] == "clock":
            if method not in ("GET", "POST"):
                return 405, {"error": "method %s not allowed on /_emulator/clock" % method}
            if not isinstance(data, dict):
                raise ValueError("the body must be a JSON object")
            return _clock(emulator.clock, method, data)
        return _backends(emulator, method, parts[1] if len(parts) > 1 else None, data)
    except (UnicodeDecodeError, ValueError, TypeError) as exc:  # SettingsError is a ValueError, as is bad JSON
        return 400, {"error": str(exc)}
