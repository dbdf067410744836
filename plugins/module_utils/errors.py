# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The two ways a run can go wrong, kept apart so each is reported differently.

``InputError`` is raised *before* any request is sent (the user must fix an option); ``ApigError`` means a
request was attempted and the check could not be made. Both carry only safe, user-facing text: nothing that
reaches them may contain a credential.
"""


class InputError(Exception):
    """Bad module input; ``option`` names the offending option, ``details`` are extra return values."""

    def __init__(self, option, msg, **details):
        super().__init__(msg)
        self.option = option
        self.msg = msg
        self.details = details


class ApigError(Exception):
    """A call to IAM or APIG that did not yield a usable answer.

    Fields mirror what Huawei Cloud returns so that users can search the error code in the documentation and
    quote the request id to support.
    """

    def __init__(self, msg, status=None, error_code=None, error_msg=None, request_id=None):
        super().__init__(msg)
        self.msg = msg
        self.status = status
        self.error_code = error_code
        self.error_msg = error_msg
        self.request_id = request_id
