# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A stand-in for Huawei Cloud APIG and IAM, served on the loopback interface.

The collection's modules, roles, integration playbooks and demo talk to this
emulator instead of the real cloud, so that every answer Huawei Cloud documents
(success, each error code, throttling, broken connections) can be produced on
demand and without leaving 127.0.0.1.  See README.md in this directory.
"""
