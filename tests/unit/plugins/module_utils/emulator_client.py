# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A real ApigClient pointed at an in-process emulator (real HTTP on loopback), in each way of signing in."""

from ansible_collections.hwcloud.apig.plugins.module_utils.client import ApigClient
from ansible_collections.hwcloud.apig.plugins.module_utils.connection import (
    ConnectionSettings,
    connection_argument_spec,
)
from tests.emulator import presets

AUTH = {
    "token": {"auth_token": presets.TOKEN_VALID},
    "password": {"user_name": presets.USER_NAME, "password": presets.USER_PASSWORD, "domain_name": presets.USER_DOMAIN},
    "aksk": {"access_key": presets.AK, "secret_key": presets.SK},
    "temporary_aksk": {
        "access_key": presets.TEMP_AK,
        "secret_key": presets.TEMP_SK,
        "security_token": presets.SECURITY_TOKEN,
    },
}


def client_for(emulator, mode="token", sleeps=None, **overrides):
    """An ApigClient for ``emulator``; retry sleeps are recorded in ``sleeps`` instead of slept."""
    params = dict.fromkeys(connection_argument_spec())
    params.update(
        validate_certs=True,
        timeout=5.0,
        retries=3,
        endpoint=emulator.url,
        iam_endpoint=emulator.url,
        project_id=presets.PROJECT_ID,
    )
    params.update(AUTH[mode])
    params.update(overrides)
    settings = ConnectionSettings.from_params(params)
    sleep = sleeps.append if sleeps is not None else (lambda seconds: None)
    return ApigClient(settings, pool_size=20, sleep=sleep)
