# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""probe_engine.py: one run over many targets - input checked first, records in input order, waiting and retrying.

The engine is what the modules call: bad targets or options must fail before anything is sent, every record must
have the same shape whatever happened, and ``wait_timeout`` must probe again only what failed.
"""

import time

import pytest

from ansible_collections.hwcloud.apig.plugins.module_utils import probe_engine as probes
from ansible_collections.hwcloud.apig.plugins.module_utils.probe_engine import new_record, probe_once, run_probes
from ansible_collections.hwcloud.apig.plugins.module_utils.probe_spec import ProbeInputError, ProbeSpec
from ansible_collections.hwcloud.apig.plugins.module_utils.results import summarize_probes as summarize
from ansible_collections.hwcloud.apig.plugins.module_utils.targets import InvalidTargetError, parse_target
from tests.loopback.listeners import CLOSE, LateListener
from tests.unit.plugins.module_utils.probing import assert_failed, assert_ok


def test_one_ssl_context_per_run(monkeypatch, https_backend):
    made = []
    real = probes.make_tls_context

    def counting(*args, **kwargs):
        made.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(probes, "make_tls_context", counting)
    records = run_probes(
        [https_backend.address] * 20, ProbeSpec(protocol="tls", validate_certs=False, timeout=2, concurrency=5)
    )
    assert all(record["ok"] for record in records)
    assert len(made) == 1


def test_invalid_targets_raise_before_anything_is_sent(open_listener):
    with pytest.raises(InvalidTargetError) as caught:
        run_probes([open_listener.address, "127.0.0.1", "x:0"], ProbeSpec())
    assert [text for text, dummy in caught.value.problems] == ["127.0.0.1", "x:0"]
    time.sleep(0.1)
    assert open_listener.accepted == 0


def test_invalid_targets_can_be_recorded_instead(open_listener):
    records = run_probes(["nonsense", open_listener.address], ProbeSpec(timeout=1), invalid="record")
    assert_failed(records[0], "invalid", "invalid target 'nonsense'", "no port")
    assert records[0]["attempts"] == 0
    assert_ok(records[1])
    assert run_probes(["nonsense"], invalid="record")[0]["reason"] == "invalid"


@pytest.mark.parametrize(
    "kwargs, option",
    [
        ({"wait_timeout": -1}, "wait_timeout"),
        ({"wait_interval": 0}, "wait_interval"),
    ],
)
def test_run_options_are_checked_before_probing(kwargs, option, refused_port):
    with pytest.raises(ProbeInputError) as caught:
        run_probes([refused_port.address], **kwargs)
    assert caught.value.option == option


def test_unknown_invalid_policy_is_a_programming_error(refused_port):
    with pytest.raises(ValueError):
        run_probes([refused_port.address], invalid="ignore")


def test_ca_path_that_is_not_a_certificate(tmp_path, https_backend):
    bogus = tmp_path / "not-a-ca.pem"
    bogus.write_text("not a certificate\n")
    with pytest.raises(ProbeInputError) as caught:
        run_probes([https_backend.address], ProbeSpec(protocol="tls", ca_path=str(bogus)))
    assert caught.value.option == "ca_path"


def test_records_keep_input_order_and_shape(open_listener, refused_port):
    closed = refused_port.address
    targets = [closed, open_listener.address, closed, "x.invalid:1"]
    records = run_probes(targets, ProbeSpec(timeout=1, concurrency=2))
    assert [record["target"] for record in records] == targets
    assert [record["ok"] for record in records] == [False, True, False, False]
    assert all(set(record) == set(new_record("x")) for record in records)
    assert summarize(records) == {"check_result": "FAILED", "failures": [closed, closed, "x.invalid:1"]}
    assert summarize(records[1:2]) == {"check_result": "SUCCESS", "failures": []}


def test_empty_target_list():
    assert not run_probes([], ProbeSpec())
    assert summarize([]) == {"check_result": "SUCCESS", "failures": []}


def test_probe_once_never_raises(refused_port):
    record = probe_once(parse_target(refused_port.address), ProbeSpec(timeout=1))
    assert record["reason"] == "refused" and record["attempts"] == 1


def test_wait_timeout_waits_for_a_backend_that_comes_up():
    late = LateListener(delay=1.0, on_accept=CLOSE)
    try:
        started = time.monotonic()
        (record,) = run_probes([late.address], ProbeSpec(timeout=1), wait_timeout=10, wait_interval=0.2)
        elapsed = time.monotonic() - started
    finally:
        late.close()
    assert record["ok"] is True, record
    assert record["attempts"] > 1
    assert 0.9 <= elapsed < 4


def test_wait_timeout_gives_up_at_the_deadline_with_the_last_attempt(open_listener, refused_port):
    refused = refused_port.address
    started = time.monotonic()
    records = run_probes([open_listener.address, refused], ProbeSpec(timeout=1), wait_timeout=0.6, wait_interval=0.2)
    elapsed = time.monotonic() - started
    assert 0.6 <= elapsed < 2
    assert records[0]["ok"] is True and records[0]["attempts"] == 1
    assert records[1]["reason"] == "refused" and records[1]["attempts"] >= 3
    # Only the failing target was probed again.
    time.sleep(0.1)
    assert open_listener.accepted == 1


def test_no_wait_means_one_attempt(refused_port):
    (record,) = run_probes([refused_port.address], ProbeSpec(timeout=1))
    assert record["attempts"] == 1
