# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Well-known identities and a ready-made config, shared by every test that uses the emulator.

Unit tests, integration playbooks and the demo all need the same project,
instance, channel, tokens and keys; spelling them once here keeps them from
drifting apart.  The ids follow Huawei's formats (32 hex characters).
"""

import copy

PROJECT_ID = "0123456789abcdef0123456789abcdef"
PROJECT_NAME = "ap-southeast-1"
OTHER_PROJECT_ID = "fedcba9876543210fedcba9876543210"
OTHER_PROJECT_NAME = "cn-north-4"
INSTANCE_ID = "eddc4d25480b4cd6b512f270a1b8b341"
CHANNEL_ID = "3019f57095a94ec885031a16d3156f12"
EMPTY_CHANNEL_ID = "a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5"
MIXED_CHANNEL_ID = "5d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a"

TOKEN_VALID = "tok-valid"
TOKEN_EXPIRED = "tok-expired"
TOKEN_NOPERM = "tok-noperm"
TOKEN_OTHER_PROJECT = "tok-other-project"

USER_NAME = "alice"
USER_PASSWORD = "alice-Secret-1"
USER_DOMAIN = "acme"
NOPERM_USER = "bob"
NOPERM_PASSWORD = "bob-Secret-1"
SHORT_TTL_USER = "carol"
SHORT_TTL_PASSWORD = "carol-Secret-1"

AK = "EMULATORAK0000000001"
SK = "emulator-secret-key-0000000000000000001"
TEMP_AK = "EMULATORTEMPAK000001"
TEMP_SK = "emulator-temp-secret-0000000000000000001"
SECURITY_TOKEN = "emulator-security-token-0001"
NOPERM_AK = "EMULATORNOPERMAK0001"
NOPERM_SK = "emulator-noperm-secret-00000000000000001"


def mixed_channel(*servers):
    """The channel ``MIXED_CHANNEL_ID`` ("mixed") with ``servers`` (loopback listeners) as its members: for the tests
    that need a channel whose members are not all up."""
    return {
        "id": MIXED_CHANNEL_ID,
        "name": "mixed",
        "members": [{"host": "127.0.0.1", "port": server.port} for server in servers],
    }


def default_config(members=None, channels=None, catalog=None, **extra):
    """A config with one project/instance/channel and one identity of each kind.

    ``members``: the members of ``CHANNEL_ID`` (list of dicts, default none);
    ``channels``: further channel dicts for the instance; ``catalog``: what the
    instance publishes (``groups``, ``environments``, ``variables``, ``apis``);
    ``extra``: top-level keys to add or replace (``throttle``, ``check_timeout``,
    ``backends``...).
    """
    config = {
        "projects": [
            {
                "id": PROJECT_ID,
                "name": PROJECT_NAME,
                "instances": [
                    {
                        "id": INSTANCE_ID,
                        "vpc_channels": [
                            {"id": CHANNEL_ID, "name": "orders", "members": copy.deepcopy(members or [])},
                            {"id": EMPTY_CHANNEL_ID, "name": "empty", "members": []},
                            *copy.deepcopy(channels or []),
                        ],
                        **copy.deepcopy(catalog or {}),
                    },
                ],
            },
            {"id": OTHER_PROJECT_ID, "name": OTHER_PROJECT_NAME, "instances": []},
        ],
        "tokens": [
            {"value": TOKEN_VALID, "project_id": PROJECT_ID},
            {"value": TOKEN_EXPIRED, "project_id": PROJECT_ID, "expired": True},
            {"value": TOKEN_NOPERM, "project_id": PROJECT_ID, "permitted": False},
            {"value": TOKEN_OTHER_PROJECT, "project_id": OTHER_PROJECT_ID},
        ],
        "users": [
            {"name": USER_NAME, "password": USER_PASSWORD, "domain": USER_DOMAIN},
            {"name": NOPERM_USER, "password": NOPERM_PASSWORD, "domain": USER_DOMAIN, "permitted": False},
            {"name": SHORT_TTL_USER, "password": SHORT_TTL_PASSWORD, "domain": USER_DOMAIN, "token_ttl_seconds": 0},
        ],
        "aksk": [
            {"ak": AK, "sk": SK},
            {"ak": TEMP_AK, "sk": TEMP_SK, "security_token": SECURITY_TOKEN},
            {"ak": NOPERM_AK, "sk": NOPERM_SK, "permitted": False},
        ],
        "check_timeout": 0.5,
    }
    config.update(copy.deepcopy(extra))
    return config


SIGN_IN_MODES = ("token", "password", "aksk", "temporary_aksk")


def module_auth(mode, url, **options):
    """The collection's connection options that sign in to an emulator at ``url`` in each way.

    Password sign-in is scoped by region (no project_id), as Terraform users often configure it; ``options``
    (timeout, retries, ...) are added to every mode.
    """
    base = dict({"endpoint": url}, **options)
    if mode == "token":
        return dict(base, project_id=PROJECT_ID, auth_token=TOKEN_VALID)
    if mode == "password":
        return dict(
            base,
            region=PROJECT_NAME,
            iam_endpoint=url + "/v3",
            user_name=USER_NAME,
            password=USER_PASSWORD,
            domain_name=USER_DOMAIN,
        )
    if mode == "aksk":
        return dict(base, project_id=PROJECT_ID, access_key=AK, secret_key=SK)
    if mode == "temporary_aksk":
        return dict(base, project_id=PROJECT_ID, access_key=TEMP_AK, secret_key=TEMP_SK, security_token=SECURITY_TOKEN)
    raise ValueError("unknown sign-in mode %r" % (mode,))
