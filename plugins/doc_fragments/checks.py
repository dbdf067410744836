# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""How a run is told what to check: the options of one connectivity check, ``checks`` (a list of them) and
``discover`` (the checks found from the gateway's own configuration). ``module_utils/check_spec.py`` declares a
check's options once, ``check_option_spec()``, for the top level and for each entry of ``checks``;
``module_utils/discovery.py`` declares what ``discover`` takes.

An entry of ``checks`` takes a check's options: its ``local_probe`` has the suboptions of the ``probe.local_probe``
fragment (``local_probe_options()``), put in when the fragment is loaded rather than written again.
"""

import json

import yaml

from ansible_collections.hwcloud.apig.plugins.doc_fragments.probe import local_probe_options


class ModuleDocFragment:
    # Each entry's local_probe lists no suboptions here: they are put in below.
    DOCUMENTATION = r"""
options:
  instance_id:
    description:
      - ID of the APIG gateway instance (32 lowercase hexadecimal characters).
      - Required unless O(checks) or O(discover) is given.
    type: str
  backend_type:
    description:
      - V(backend_address) checks an address configured directly on an API; V(vpc_channel) checks every member of a
        VPC channel (load-balance channel).
      - Required unless O(checks) or O(discover) is given.
    type: str
    choices: [backend_address, vpc_channel]
  backend_address:
    description:
      - The backend as APIG takes it (C(backend_api.url_domain)) - a domain or IP with an optional port
        (C(api.example.com), C(10.1.2.3:8080), C([2001:db8::1]:443)), where C(#name#) stands for an environment
        variable - sent to the gateway exactly as given. Required when O(backend_type=backend_address).
      - No scheme and no path, since the gateway checks a host and port. The path of local HTTP(S) probes goes in
        O(local_probe.path), their protocol in O(local_probe.protocol).
      - Local probes connect to it on its port, or without one on 80 (V(tcp), V(http)) or 443 (V(tls), V(https)).
        An address with a C(#name#) variable cannot be probed locally (only an APIG environment resolves it);
        O(probe=local) refuses it, and with O(probe=both) the local half says why it was not made.
    type: str
  vpc_channel_id:
    description:
      - ID of the VPC channel (32 lowercase hexadecimal characters). Required when O(backend_type=vpc_channel).
    type: str
  probe:
    description:
      - V(remote) asks the gateway; V(local) probes the backends from the managed host (the VPC channel's members,
        read from APIG, or O(backend_address)) without calling the check; V(both) does both at once and explains
        mismatches in C(hints).
    type: str
    choices: [remote, local, both]
    default: remote
  probe_all_members:
    description:
      - Also probe, from this host, the members of a VPC channel that the gateway sends no traffic to
        (C(status) 2, unavailable) and backup members (C(is_backup)).
      - By default they are not probed; they appear in C(local.results) with C(skipped) saying why, and are counted
        in C(local.skipped). A member without a usable address (an ECS member with no IP) is always skipped.
    type: bool
    default: false
  discover:
    description:
      - Check every backend the gateway routes to, found from its own configuration (as
        M(hwcloud.apig.api_backend_info) finds them) - the main backend and every policy's backend of each API, as
        published in the environment, C(#name#) variables resolved - each distinct backend once, named by the APIs
        (and policies) behind it.
      - A dictionary with the keys C(instance_id) (required), C(group) (name or ID; without it, every group),
        C(environment) (name or ID, for example C(RELEASE); without it, the draft definitions) and C(apis) (names or
        IDs; without it, every API), or a list of such dictionaries.
      - The discovered checks run with O(probe), O(local_probe) and O(probe_all_members), together with O(checks).
      - A backend that several discoveries find (other environments, groups or policies) is checked once, named by
        every API behind it; when the discoveries span several environments or groups, each API is named with them
        (C(orders/get-order [policy gray] @staging)). A backend that an entry of O(checks) already asks about from
        at least the same sides (its O(probe)) is not checked twice; that entry then names the APIs behind it.
      - What discovery cannot find for an API (a variable without a value in the environment, an API not published
        there) becomes a check that could not be made, named by the API; so does a whole discovery that could not be
        made (a group or environment that does not exist) or that finds no backend to check (nothing checked is not
        a pass). The other checks are still made, then the task fails naming each.
      - Mutually exclusive with O(instance_id), O(backend_type), O(backend_address) and O(vpc_channel_id).
    type: raw
  checks:
    description:
      - Several checks run in one module run. Each entry takes the options of a single check.
      - Mutually exclusive with O(instance_id), O(backend_type), O(backend_address) and O(vpc_channel_id).
    type: list
    elements: dict
    suboptions:
      name:
        description: A name for the check, used in C(failures) and reports. Defaults to the address or channel ID.
        type: str
      instance_id:
        description: ID of the APIG gateway instance.
        type: str
        required: true
      backend_type:
        description: V(backend_address) or V(vpc_channel).
        type: str
        required: true
        choices: [backend_address, vpc_channel]
      backend_address:
        description: The backend address, as O(backend_address), when O(checks[].backend_type=backend_address).
        type: str
      vpc_channel_id:
        description: VPC channel ID when O(checks[].backend_type=vpc_channel).
        type: str
      probe:
        description: As O(probe); defaults to O(probe).
        type: str
        choices: [remote, local, both]
      local_probe:
        description: As O(local_probe); defaults to O(local_probe) (the whole dictionary, not key by key).
        type: dict
      probe_all_members:
        description: As O(probe_all_members); defaults to O(probe_all_members).
        type: bool
"""


def _with_local_probe_options(written):
    documentation = yaml.safe_load(written)
    documentation["options"]["checks"]["suboptions"]["local_probe"]["suboptions"] = local_probe_options()
    return json.dumps(documentation, indent=1)


# The documentation with each entry's local_probe suboptions (JSON, which YAML reads). Made after the class:
# ansible-test's yamllint reads the class body's assignments as literal YAML strings, and lints the one written above.
ModuleDocFragment.DOCUMENTATION = _with_local_probe_options(ModuleDocFragment.DOCUMENTATION)
