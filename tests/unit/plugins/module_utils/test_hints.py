# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""hints.py: where the problem lies when the gateway and this host disagree - by backend, not by spelling.

The gateway writes failures its own way (``[2001:db8:0::1]:443``) and users write targets theirs
(``[2001:DB8::1]:443``, ``Host.Example.:80``); compared as text, one backend would look like two and a hint would
blame the security group for a backend that is simply down.
"""

import pytest

from ansible_collections.hwcloud.apig.plugins.module_utils.hints import GATEWAY_SOURCE_RANGE, mismatch_hints
from ansible_collections.hwcloud.apig.plugins.module_utils.results import FAILED, SUCCESS


def local(*targets, failed=()):
    return {"results": [{"target": target} for target in targets], "failures": list(failed)}


def remote(*failures, result=None):
    return {"check_result": result or (FAILED if failures else SUCCESS), "failures": list(failures)}


def gateway_only_hint(*targets):
    return (
        "This host reaches %s but the gateway does not: the backend's security group (or network ACL) likely "
        "does not admit the gateway's source range 100.125.0.0/16." % ", ".join(targets)
    )


def host_only_hint(*targets):
    return (
        "The gateway reaches %s but this host does not: the problem is on this host's network path "
        "(firewall, routing, DNS), not on the gateway's." % ", ".join(targets)
    )


def both_hint(*targets):
    return "Neither the gateway nor this host reaches %s: the backend is likely down or not listening." % ", ".join(
        targets
    )


def test_the_gateways_source_range():
    assert GATEWAY_SOURCE_RANGE == "100.125.0.0/16"


def test_no_disagreement_no_hint():
    assert mismatch_hints(remote(), local("127.0.0.1:1", "127.0.0.1:2")) == []


def test_gateway_only_points_at_the_security_group():
    hints = mismatch_hints(remote("127.0.0.1:1"), local("127.0.0.1:1", "127.0.0.1:2"))
    assert hints == [gateway_only_hint("127.0.0.1:1")]


def test_host_only_points_at_this_host():
    hints = mismatch_hints(remote(), local("127.0.0.1:1", "127.0.0.1:2", failed=["127.0.0.1:2"]))
    assert hints == [host_only_hint("127.0.0.1:2")]


def test_both_failing_says_the_backend_is_down():
    hints = mismatch_hints(remote("127.0.0.1:1"), local("127.0.0.1:1", failed=["127.0.0.1:1"]))
    assert hints == [both_hint("127.0.0.1:1")]


def test_each_kind_of_disagreement_gets_its_hint_in_a_fixed_order():
    hints = mismatch_hints(
        remote("10.0.0.1:80", "10.0.0.3:80"),
        local("10.0.0.1:80", "10.0.0.2:80", "10.0.0.3:80", "10.0.0.4:80", failed=["10.0.0.2:80", "10.0.0.3:80"]),
    )
    assert hints == [gateway_only_hint("10.0.0.1:80"), host_only_hint("10.0.0.2:80"), both_hint("10.0.0.3:80")]


@pytest.mark.parametrize(
    "gateway_wrote, probed",
    [
        ("[2001:db8:0::1]:443", "[2001:DB8::1]:443"),
        ("[2001:DB8::1]:443", "[2001:0db8:0:0:0:0:0:1]:443"),
        ("host.example:80", "Host.Example.:80"),
        ("HOST.EXAMPLE.:80", "host.example:80"),
        ("my_host.internal:8080", "My_Host.Internal:8080"),
    ],
)
def test_two_spellings_of_one_backend_are_one_backend(gateway_wrote, probed):
    # gateway-only: the spelling differs, the backend does not
    assert mismatch_hints(remote(gateway_wrote), local(probed)) == [gateway_only_hint(probed)]
    # both: not "gateway-only" plus "host-only" for what is one backend
    assert mismatch_hints(remote(gateway_wrote), local(probed, failed=[probed])) == [both_hint(probed)]
    # host-only: the gateway's SUCCESS does not name it at all
    assert mismatch_hints(remote(), local(probed, failed=[probed])) == [host_only_hint(probed)]


def test_hints_name_targets_as_the_user_wrote_them():
    hints = mismatch_hints(remote("[2001:db8::1]:443"), local("[2001:DB8:0::1]:443"))
    assert "[2001:DB8:0::1]:443" in hints[0] and "[2001:db8::1]:443" not in hints[0]


def test_a_different_port_is_a_different_backend():
    hints = mismatch_hints(remote("[2001:db8::1]:444"), local("[2001:db8::1]:443", failed=["[2001:db8::1]:443"]))
    assert hints[0] == host_only_hint("[2001:db8::1]:443")
    assert hints[1].startswith("The gateway could not reach [2001:db8::1]:444, an address this host did not probe")
    assert len(hints) == 2


def test_a_failed_answer_that_names_nothing_blames_every_target():
    hints = mismatch_hints(remote(result=FAILED), local("127.0.0.1:1", "127.0.0.1:2", failed=["127.0.0.1:2"]))
    assert hints == [gateway_only_hint("127.0.0.1:1"), both_hint("127.0.0.1:2")]
