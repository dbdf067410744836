# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fixtures shared by every test: the emulator and the loopback backends."""

pytest_plugins = ["tests.emulator.fixtures", "tests.loopback.fixtures"]
