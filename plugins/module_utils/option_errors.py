# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What to say when Ansible's argument spec validation refuses options: the unknown ones, and the known ones
closest to each (a typo such as ``gruop`` for ``group``).

Shared by the module base (``apig_module``, for a module's options) and by the options Ansible cannot type
(``discover`` takes a dictionary or a list of them, so ``discovery.py`` validates each entry itself), so that a
typo is named the same way wherever it is made. Plain Python over ansible-core's ``ValidationResult``.
"""

import difflib


def did_you_mean(result, prefix=""):
    """``["gruop: did you mean group?", ...]`` for the unsupported parameters of a ``ValidationResult`` that are
    close to a supported one; each named with ``prefix`` and its place (``checks.vpc_chanel_id``)."""
    hints = []
    for item in sorted(result.unsupported_parameters, key=str):
        name = item[-1] if isinstance(item, tuple) else item
        known = (result._supported_parameters.get(item) or ((), {}))[0]  # pylint: disable=protected-access
        close = difflib.get_close_matches(name, sorted(known), n=2, cutoff=0.6)
        if close:
            where = ".".join(item) if isinstance(item, tuple) else item
            hints.append("%s%s: did you mean %s?" % (prefix, where, " or ".join(close)))
    return hints
