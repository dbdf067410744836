# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A strict reading of a JSON body through the official huaweicloudsdkapig response models.

The SDK's own deserializer is lenient: it drops unknown keys, turns ``"8080"`` into 8080 and ``"false"`` into
True, and builds an all-None model from a string. That would let the emulator drift from Huawei's shapes without a
sound, so ``problems()`` walks each model's ``openapi_types`` and ``attribute_map`` itself and reports every key the
model does not have, every JSON value of the wrong type (``bool`` is not an ``int`` here), every datetime the SDK
could not parse, and every field the model's constructor requires that is missing. ``build()`` then hands the body
to the SDK's own deserializer as well, so what passes is something the SDK really builds.

Used by the contract tests, in-process for the current SDK and in a subprocess (``python -m
tests.contract.sdk_models ResponseClass < body.json``) for an old release that still has the connectivity check.
"""

import datetime
import importlib
import inspect
import json
import re
import sys

_LIST = re.compile(r"\Alist\[(.*)\]\Z")
_DICT = re.compile(r"\Adict\(([^,]*), (.*)\)\Z")
_OFFSET = re.compile(r"[+-]\d{2}:?\d{2}\Z")


def _is_datetime(value):
    """UTC ``...Z`` or naive ISO 8601: what the SDK parses (it appends ``Z``, so an explicit offset breaks)."""
    if not isinstance(value, str) or _OFFSET.search(value.split("T")[-1]):
        return False
    try:
        datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _not_bool(kind):
    return lambda value: isinstance(value, kind) and not isinstance(value, bool)


_PRIMITIVES = {
    "str": lambda value: isinstance(value, str),
    "int": _not_bool(int),
    "long": _not_bool(int),
    "float": _not_bool((int, float)),
    "bool": lambda value: isinstance(value, bool),
    "object": lambda value: True,
    "dict": lambda value: isinstance(value, dict),
    "datetime": _is_datetime,
}


def _required(model):
    """The attributes the generated constructor assigns unconditionally (the SDK's "required")."""
    try:
        source = inspect.getsource(model.__init__)
    except (OSError, TypeError):
        return []
    # Required attributes are assigned at the constructor's own level (8 spaces); optional ones under an "if".
    return [name for name in model.openapi_types if re.search(r"^ {8}self\.%s = %s$" % (name, name), source, re.M)]


def problems(data, type_name, models, path="$"):
    """Every way ``data`` differs from ``type_name`` of ``models``, as ``path: what`` strings (empty: it conforms)."""
    found = []
    if data is None:
        return found
    match = _LIST.match(type_name)
    if match:
        if not isinstance(data, list):
            return ["%s: expected a JSON array (%s), got %s" % (path, type_name, type(data).__name__)]
        for index, item in enumerate(data):
            found.extend(problems(item, match.group(1), models, "%s[%d]" % (path, index)))
        return found
    match = _DICT.match(type_name)
    if match:
        if not isinstance(data, dict):
            return ["%s: expected a JSON object (%s), got %s" % (path, type_name, type(data).__name__)]
        for key, value in data.items():
            found.extend(problems(value, match.group(2), models, "%s.%s" % (path, key)))
        return found
    if type_name in _PRIMITIVES:
        if not _PRIMITIVES[type_name](data):
            found.append("%s: expected %s, got %s %r" % (path, type_name, type(data).__name__, data))
        return found
    model = getattr(models, type_name, None)
    if model is None:
        return ["%s: this SDK has no model %s" % (path, type_name)]
    if not isinstance(data, dict):
        return ["%s: expected a JSON object (%s), got %s" % (path, type_name, type(data).__name__)]
    attribute_of = {key: attribute for attribute, key in model.attribute_map.items()}
    found.extend("%s.%s: %s has no such field" % (path, key, type_name) for key in data if key not in attribute_of)
    for attribute, attribute_type in model.openapi_types.items():
        key = model.attribute_map[attribute]
        if key in data:
            found.extend(problems(data[key], attribute_type, models, "%s.%s" % (path, key)))
    found.extend(
        "%s.%s: missing, and %s requires it" % (path, model.attribute_map[attribute], type_name)
        for attribute in _required(model)
        if model.attribute_map[attribute] not in data
    )
    return found


CLIENTS = {
    "huaweicloudsdkapig.v2": "ApigClient",
    "huaweicloudsdkvpc.v2": "VpcClient",
    "huaweicloudsdkvpc.v3": "VpcClient",
    "huaweicloudsdkecs.v2": "EcsClient",
}


def build(data, type_name, package="huaweicloudsdkapig.v2"):
    """The SDK's own model object for ``data`` (its lenient deserializer), once ``problems()`` found nothing.

    ``package`` is the SDK package whose client deserializes (``huaweicloudsdkvpc.v3``...: ``CLIENTS``).
    """
    client_module = importlib.import_module(package)
    return getattr(client_module, CLIENTS[package])()._deserialize(data, type_name)  # pylint: disable=protected-access


def main():
    """``python -m tests.contract.sdk_models TYPE < body.json``: the problems (and the SDK's build) as JSON."""
    body, type_name = json.load(sys.stdin), sys.argv[1]
    found = problems(body, type_name, importlib.import_module("huaweicloudsdkapig.v2.model"))
    built = type(build(body, type_name)).__name__ if not found else None
    version = importlib.import_module("importlib.metadata").version("huaweicloudsdkapig")
    print(json.dumps({"version": version, "problems": found, "built": built}))


if __name__ == "__main__":
    main()
