# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Which HTTP status codes count as "the backend answered well".

Users already write this in APIG's own syntax (``vpc_health_config.http_code``:
``"200,201"``, ``"200-299"``), and Ansible users write lists of ints as in
``ansible.builtin.uri``'s ``status_code``.  Both, and mixes such as
``"200,300-399"`` or ``[200, "300-399"]``, parse to one `StatusCodes` value,
so a probe's error message can print the accepted set back the way users
think about it: ``expected status 200-299, got 503``.
"""

import re

#: What a probe accepts when nothing is said: success and redirects, as
#: APIG's own health check and ``wait_for``-style checks treat a 3xx as "up"
#: (redirects are not followed).
DEFAULT_EXPECTED_STATUS = "200-399"

_LOWEST = 100
_HIGHEST = 599
_PIECE = re.compile(r"^(\d{3})(?:\s*-\s*(\d{3}))?$")


class StatusCodes:
    """An immutable set of HTTP status codes kept as merged, sorted ranges.

    Ranges rather than a set of ints so ``str()`` gives back the short form
    (``200-299,301``) for error messages and the module's return values.
    """

    __slots__ = ("ranges",)

    def __init__(self, ranges):
        merged = []
        for low, high in sorted(ranges):
            if merged and low <= merged[-1][1] + 1:
                merged[-1] = (merged[-1][0], max(merged[-1][1], high))
            else:
                merged.append((low, high))
        self.ranges = tuple(merged)

    def __contains__(self, code):
        return any(low <= code <= high for low, high in self.ranges)

    def __eq__(self, other):
        return isinstance(other, StatusCodes) and self.ranges == other.ranges

    def __ne__(self, other):
        return not self == other

    def __hash__(self):
        return hash(self.ranges)

    def __str__(self):
        return ",".join("%d" % low if low == high else "%d-%d" % (low, high) for low, high in self.ranges)

    def __repr__(self):
        return "StatusCodes(%r)" % str(self)


def _code(text, whole):
    code = int(text)
    if not _LOWEST <= code <= _HIGHEST:
        where = "" if str(whole) == text else " (in %r)" % (whole,)
        raise ValueError("status code %d is outside %d-%d%s" % (code, _LOWEST, _HIGHEST, where))
    return code


def _parse_piece(piece, whole):
    """One comma-separated piece: ``"200"`` or ``"200-299"``."""
    if isinstance(piece, bool):
        # bool is an int subclass: ``expected_status: yes`` is a mistake, not 1.
        raise ValueError("%r is not a status code" % (piece,))
    if isinstance(piece, int):
        code = _code(str(piece), whole)
        return [(code, code)]
    if not isinstance(piece, str):
        raise ValueError("%r is not a status code or range" % (piece,))
    ranges = []
    for part in piece.split(","):
        part = part.strip()
        match = _PIECE.match(part)
        if not match:
            raise ValueError("%r is not a status code or a range like 200-299 (in %r)" % (part, whole))
        low = _code(match.group(1), whole)
        high = _code(match.group(2), whole) if match.group(2) else low
        if low > high:
            raise ValueError("range %r in %r runs backwards" % (part, whole))
        ranges.append((low, high))
    return ranges


def parse_expected_status(value=None):
    """Parse an int, an APIG-style string or a list of either into `StatusCodes`.

    ``None`` means the default (200-399).  Anything unparseable raises
    ``ValueError`` whose message quotes the offending piece, because the
    module shows it to the user as-is.
    """
    if value is None:
        value = DEFAULT_EXPECTED_STATUS
    if isinstance(value, StatusCodes):
        return value
    pieces = list(value) if isinstance(value, (list, tuple)) else [value]
    if not pieces:
        raise ValueError("no status codes given")
    ranges = []
    for piece in pieces:
        ranges.extend(_parse_piece(piece, value))
    return StatusCodes(ranges)
