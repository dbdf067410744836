# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The execution environment image under test, and what its tests share.

The image is built by ``make ee`` (.ci/ee/build.sh), which runs these tests with HWCLOUD_APIG_EE_IMAGE naming it.
Without it (a plain ``pytest``), or without podman, the tests skip with the reason -- unless
HWCLOUD_APIG_REQUIRE_TOOLS=1 (CI sets it), under which a missing tool or image fails instead.
"""

import os
import shutil
import subprocess

import pytest

from tests.ee.gate_project import topology  # noqa: F401 pylint: disable=unused-import  # the fixture
from tests.needs import missing

IMAGE_VARIABLE = "HWCLOUD_APIG_EE_IMAGE"
# The image's interpreter: the venv of the Debian base (.ci/ee/base-image.sh).
IMAGE_PYTHON = "/opt/ee-python/bin/python3"


@pytest.fixture(scope="session")
def podman():
    path = shutil.which("podman")
    if not path:
        missing("podman is not installed (apt-get install podman runc; .ci/run does)")
    return path


@pytest.fixture(scope="session")
def ee_image(podman):
    image = os.environ.get(IMAGE_VARIABLE)
    if not image:
        missing("no execution environment image to test: `make ee` builds one and sets %s" % IMAGE_VARIABLE)
    if subprocess.run([podman, "image", "exists", image], check=False).returncode != 0:
        missing("%s=%s, but podman has no such image" % (IMAGE_VARIABLE, image))
    return image
