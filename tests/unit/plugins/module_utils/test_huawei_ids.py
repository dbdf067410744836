# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""huawei_ids.py: IDs go into URL paths (APIG API reference, "Verifying the Backend Connectivity"), so they must be 32
lowercase hexadecimal characters, as Huawei Cloud writes them (APIG does not find an ID written in another case)."""

import pytest

from ansible_collections.hwcloud.apig.plugins.module_utils.errors import InputError
from ansible_collections.hwcloud.apig.plugins.module_utils.huawei_ids import check_huawei_id
from tests.emulator import presets


@pytest.mark.parametrize("value", ["a" * 32, "0123456789abcdef0123456789abcdef", presets.INSTANCE_ID])
def test_huawei_ids_are_32_lowercase_hexadecimal_characters(value):
    assert check_huawei_id("instance_id", value) == value


@pytest.mark.parametrize("value", ["A" * 32, presets.INSTANCE_ID.upper(), "0123456789abcdefABCDEF0123456789"])
def test_an_uppercase_id_is_refused_saying_lowercase_and_how_to_write_it(value):
    """The 404 (APIG.3030) an uppercase ID would get reads like a missing instance: say what is wrong instead."""
    with pytest.raises(InputError) as caught:
        check_huawei_id("instance_id", value)
    assert caught.value.option == "instance_id"
    assert caught.value.msg == (
        "instance_id %r has uppercase letters: Huawei Cloud IDs are 32 lowercase hexadecimal characters, and APIG "
        "does not find an ID in another case; write %s" % (value, value.lower())
    )


@pytest.mark.parametrize("value", ["a" * 31, "a" * 33, "g" * 32, "a" * 31 + "\n", None, 42, "../" + "a" * 29])
def test_anything_else_is_not_a_huawei_id(value):
    with pytest.raises(InputError) as caught:
        check_huawei_id("vpc_channel_id", value)
    assert caught.value.option == "vpc_channel_id"
    assert caught.value.msg.startswith("vpc_channel_id must be 32 lowercase hexadecimal characters (")
    assert caught.value.msg.endswith("got %r" % (value,))
