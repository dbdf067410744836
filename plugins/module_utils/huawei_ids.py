# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What a Huawei Cloud ID looks like, checked before it goes into a URL path.

Its own small module so that the sign-in layer (``connection.py``, for ``project_id``) can check an ID without
importing what a connectivity check is made of (channels, probe options, targets).
"""

import re

from ansible_collections.hwcloud.apig.plugins.module_utils.errors import InputError

HUAWEI_ID = re.compile(r"\A[0-9a-f]{32}\Z")


def check_huawei_id(option, value, what="the ID Huawei Cloud shows for it"):
    """``value`` when it is a Huawei Cloud ID (project, instance, channel): 32 lowercase hexadecimal characters.

    APIG does not match IDs case-insensitively: an uppercase ID is a 404 later, so it is refused here, saying so.
    Anything else raises ``InputError`` naming ``option``.
    """
    if isinstance(value, str) and value != value.lower() and HUAWEI_ID.match(value.lower()):
        raise InputError(
            option,
            "%s %r has uppercase letters: Huawei Cloud IDs are 32 lowercase hexadecimal characters, and APIG does "
            "not find an ID in another case; write %s" % (option, value, value.lower()),
        )
    if not isinstance(value, str) or not HUAWEI_ID.match(value):
        raise InputError(option, "%s must be 32 lowercase hexadecimal characters (%s), got %r" % (option, what, value))
    return value
