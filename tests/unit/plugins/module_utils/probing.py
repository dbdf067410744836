# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Probe one target and judge its record: the helpers of the probe tests (test_probe_steps, test_probe_engine)."""

from ansible_collections.hwcloud.apig.plugins.module_utils.probe_engine import run_probes
from ansible_collections.hwcloud.apig.plugins.module_utils.probe_spec import ProbeSpec
from ansible_collections.hwcloud.apig.plugins.module_utils.probe_steps import REASONS


def probe(target, **spec):
    """Probe one target string with a short default timeout; return its record."""
    spec.setdefault("timeout", 2)
    (record,) = run_probes([target], ProbeSpec(**spec))
    return record


def assert_failed(record, reason, *fragments):
    """The probe failed for ``reason`` (one of REASONS), and its error says each of ``fragments``."""
    assert record["ok"] is False, record
    assert record["reason"] == reason, record
    assert reason in REASONS
    for fragment in fragments:
        assert fragment in record["error"], record


def assert_ok(record):
    """The probe succeeded, with no reason and no error."""
    assert record["ok"] is True, record
    assert record["reason"] is None and record["error"] is None, record
