# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A stand-in for the get-pip.py that ansible-test downloads from a host this machine cannot reach.

ansible-test runs the cached bootstrap script with pip's install arguments
(for example ``pip==24.2 --no-setuptools --no-wheel``).  This stand-in does what
get-pip.py does, but with the pip wheel that ships inside the standard library's
``ensurepip`` instead of one embedded in the script: it runs that pip's
``install`` with the same arguments, and falls back to installing the bundled
wheel itself when the requested version cannot be fetched.
"""

import ensurepip
import glob
import os
import sys


def bundled_pip_wheel():
    """Path of the pip wheel bundled with this Python."""
    wheels = sorted(glob.glob(os.path.join(os.path.dirname(ensurepip.__file__), "_bundled", "pip-*.whl")))
    if not wheels:
        sys.exit("ensurepip has no bundled pip wheel")
    return wheels[-1]


def main():
    """Install pip as get-pip.py would."""
    wheel = bundled_pip_wheel()
    sys.path.insert(0, wheel)
    from pip._internal.cli.main import main as pip_main  # pylint: disable=import-outside-toplevel

    # --no-setuptools / --no-wheel are get-pip.py's own options (pip itself never installs those here).
    args = [arg for arg in sys.argv[1:] if arg not in ("--no-setuptools", "--no-wheel")]
    status = pip_main(["install", *args])
    if status != 0:
        options = [arg for arg in args if arg.startswith("-")]
        status = pip_main(["install", *options, wheel])
    sys.exit(status)


if __name__ == "__main__":
    main()
