# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""How a benchmark ends: each target it missed on a line of its own, one verdict line, and an exit status that says
the same, so ``make bench`` fails when a target is missed."""


def report(missed):
    """Print what was ``missed`` (a list of texts) and the verdict; 1 if anything was missed, else 0."""
    for line in missed:
        print("MISSED: " + line)
    print("targets: %s" % ("met" if not missed else "MISSED"))
    return 1 if missed else 0
