# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The backend gate's plan: which checks it asks, which half asks each, and when hosts may share an answer.

The ``backend_gate`` role asks its questions with ``backend_connectivity`` in two halves:

* the *remote* half (checks with ``probe: remote``, and the gateway's side of ``probe: both``) is the same question
  for every host of a play, so it is asked once; ``gate_plan`` gives the question a key, so that hosts whose
  question differs ask their own;
* the *local* half (``probe: local``, and this host's side of ``both``) is probed on every host.

Discovery is planned the same way (``discovery_plan``, ``discovery_key``), and what it found joins the checks written by
hand through the collection's one pipeline (``with_discovered``, ``module_utils/discovered_checks.py``).
"""

import hashlib
import json

from ansible_collections.hwcloud.apig.plugins.module_utils.check_spec import (
    BOTH,
    LOCAL,
    PROBE_MODES,
    REMOTE,
    check_name,
)
from ansible_collections.hwcloud.apig.plugins.module_utils.connection import connection_argument_spec
from ansible_collections.hwcloud.apig.plugins.module_utils.discovered_checks import (
    DISCOVERED_APIS,
    DISCOVERY_PROBLEM,
    ROUTES,
    check_options,
    checks_for_run,
    describe_discovered,
)
from ansible_collections.hwcloud.apig.plugins.module_utils.discovery import discovery_specs_from
from ansible_collections.hwcloud.apig.plugins.module_utils.errors import InputError
from ansible_collections.hwcloud.apig.plugins.module_utils.proxies import masked, with_scheme

# The key the role's discovery loop gives each entry it asks about (``discovery_key``): not an option, not kept.
DISCOVERY_KEY = "key"


def plan(checks, probe=REMOTE):
    """One entry per configured check, in order: ``name``, ``probe`` (its own, else ``probe``), the ``entry`` as
    written, and what discovery says of it (``problem``, ``routes``, ``apis``).

    The name is the module's (``check_name``: the ``name``, else the address or channel ID), or ``checks[N]`` as the
    module names an entry that has no usable one. A probe mode the module would refuse counts as ``remote``: the
    module says what is wrong with it.
    """
    planned = []
    for index, entry in enumerate(checks or []):
        entry = entry if isinstance(entry, dict) else {}
        mode = entry.get("probe") or probe
        planned.append(
            {
                "name": check_name(entry) or "checks[%d]" % index,
                "probe": mode if mode in PROBE_MODES else REMOTE,
                "entry": entry,
                "problem": entry.get(DISCOVERY_PROBLEM),
                "routes": entry.get(ROUTES),
                "apis": entry.get(DISCOVERED_APIS),
            }
        )
    return planned


def asked(planned, mode):
    """The planned checks of one half (``remote`` or ``local``): those whose probe mode asks that side, leaving out
    discovered ones that cannot be made."""
    wanted = (REMOTE, BOTH) if mode == REMOTE else (LOCAL, BOTH)
    return [item for item in planned if item["probe"] in wanted and not item["problem"]]


def _half(planned, mode):
    """The checks of one half, as entries for ``backend_connectivity``'s ``checks`` with ``probe`` set to ``mode``."""
    return [dict(check_options(item["entry"]), probe=mode) for item in asked(planned, mode)]


def _without_header_values(local_probe):
    """Local probe options with only the names of the headers: their values may be credentials."""
    if not isinstance(local_probe, dict) or not isinstance(local_probe.get("headers"), dict):
        return local_probe or {}
    return dict(local_probe, headers=sorted("%s" % name for name in local_probe["headers"]))


def _public_connection(auth):
    """The connection options of ``auth`` without a secret: every option but those that are secrets (under their
    aliases too), the proxy URL with its password masked, and only the name of a key that is no option at all (the
    module refuses it; its value may be anything)."""
    spec = connection_argument_spec()
    secret = set()
    for name, option in spec.items():
        if option.get("no_log"):
            secret.update([name, *option.get("aliases", [])])
    public = {}
    for key, value in (auth or {}).items():
        if key in secret:
            continue
        if key not in spec:
            public[key] = "(not an option)"
        elif key == "proxy" and isinstance(value, str):
            public[key] = masked(with_scheme(value))
        else:
            public[key] = value
    return public


def _digest(question):
    return hashlib.sha256(json.dumps(question, sort_keys=True, default=str).encode("utf-8")).hexdigest()


def question_key(remote_checks, auth=None, local_probe=None, wait_timeout=0, wait_interval=5, diagnose=False):
    """A digest of the remote half's question: two hosts with the same key may share one answer.

    Secrets are left out (credentials say who asks, not what is asked, a proxy's password among them; the values of
    local probe headers are not asked of the gateway at all), so the key is safe to show and keep.
    """
    public = _public_connection(auth)
    checks = [
        dict(check, local_probe=_without_header_values(check.get("local_probe"))) if isinstance(check, dict) else check
        for check in remote_checks
    ]
    question = [checks, public, _without_header_values(local_probe), "%s" % wait_timeout, "%s" % wait_interval]
    if diagnose:  # a host that does not ask for the diagnosis is not given one; without it, keys stay as they were
        question.append("diagnose")
    return _digest(question)


def discovery_key(found, auth=None):
    """A digest of what a host discovers (the entries of ``discovery_plan``) and of the connection options it asks
    with that are not secrets, as ``question_key``: two hosts with the same key may share one discovery."""
    return _digest(["discover", found, _public_connection(auth)])


def gate_plan(checks, probe=REMOTE, local_probe=None, auth=None, wait_timeout=0, wait_interval=5, diagnose=False):
    """What the role asks: the two halves, the remote question's key, and the names (with any repeated one)."""
    planned = plan(checks, probe)
    names = [item["name"] for item in planned]
    remote = _half(planned, REMOTE)
    return {
        "names": names,
        "duplicates": sorted({name for name in names if names.count(name) > 1}),
        "remote": remote,
        "remote_names": [item["name"] for item in asked(planned, REMOTE)],
        "local": _half(planned, LOCAL),
        "key": question_key(remote, auth, local_probe, wait_timeout, wait_interval, bool(diagnose)),
    }


def discovery_plan(value, option="backend_gate_discover", auth=None):
    """What to discover, from the role's ``backend_gate_discover`` (one dict, a list of them, or nothing):
    ``{"entries": [...], "error": None, "key": ...}``.

    Each entry is validated as ``api_backend_info``'s options and given back with only the options it sets, and
    ``key``: the question's ``discovery_key`` (with ``auth``, the connection options it is asked with). Hosts whose
    entries are equal - the key included - may share one discovery; a host whose entries differ - nothing to
    discover included - asks its own. ``error`` names the first invalid entry instead (the gate stops with it before
    any request).
    """
    if value in (None, "", [], {}):
        return {"entries": [], "error": None, "key": discovery_key([], auth)}
    try:
        specs = discovery_specs_from(value, option)
    except InputError as exc:
        return {"entries": [], "error": exc.msg, "key": discovery_key([], auth)}
    found = [{key: val for key, val in spec.describe().items() if val is not None} for spec in specs]
    key = discovery_key(found, auth)
    return {"entries": [dict(entry, **{DISCOVERY_KEY: key}) for entry in found], "error": None, "key": key}


def with_discovered(checks, found, probe=REMOTE):
    """``checks`` and, after them, the checks that the role's discovery ``found`` (the registered loop of
    ``api_backend_info``, one result per discovery): ``{"checks", "discovered", "summary"}``.

    The discovered checks are those ``api_backend_info`` returned (``discovered_checks``), put together with the
    collection's one pipeline (``checks_for_run``), as ``backend_connectivity``'s ``discover`` puts them together: a
    backend several discoveries route to is one check, one that an entry of ``checks`` asks about from at least the
    same sides is not asked again (that entry names its routes instead), and a discovery that could not be made or
    found nothing to check stands as a check that cannot be made - an ERROR in the verdict, never a silent pass.
    """
    explicit = [dict(check, name=check_name(check)) if isinstance(check, dict) else check for check in checks]
    outcomes, discovered = [], []
    for result in found or []:
        result = result if isinstance(result, dict) else {}
        discovery = result.get("item") if isinstance(result.get("item"), dict) else {}
        discovery = {key: value for key, value in discovery.items() if key != DISCOVERY_KEY}
        made = result.get("discovered_checks")
        if result.get("failed") or not isinstance(made, list) or not isinstance(result.get("apis"), list):
            error = result.get("msg") or "api_backend_info returned no discovered_checks"
            outcomes.append((discovery, None, error))
            discovered.append(dict(discovery, apis=[], error=error))
            continue
        outcomes.append((discovery, [check for check in made if isinstance(check, dict)], None))
        discovered.append(dict(discovery, apis=[api for api in result["apis"] if isinstance(api, dict)]))
    routes_of_explicit, kept = checks_for_run(outcomes, [check for check in explicit if isinstance(check, dict)], probe)
    combined = list(checks)
    dict_indexes = [index for index, check in enumerate(checks) if isinstance(check, dict)]
    for index, named in routes_of_explicit.items():
        position = dict_indexes[index]
        combined[position] = dict(checks[position], **named)
    return {
        "checks": combined + kept,
        "discovered": discovered,
        "summary": describe_discovered(discovered),
    }
