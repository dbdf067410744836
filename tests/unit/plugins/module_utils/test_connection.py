# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""ConnectionSettings: the sign-in mode is chosen by what is given, and bad input names its option."""

import pytest

from ansible_collections.hwcloud.apig.plugins.module_utils.connection import (
    AUTH_AKSK,
    AUTH_PASSWORD,
    AUTH_TOKEN,
    ConnectionSettings,
    connection_argument_spec,
    default_apig_endpoint,
)
from ansible_collections.hwcloud.apig.plugins.module_utils.environment import CREDENTIAL_ENV
from ansible_collections.hwcloud.apig.plugins.module_utils.errors import InputError

PROJECT = "0123456789abcdef0123456789abcdef"


def params(**overrides):
    """Module parameters as AnsibleModule passes them (every option present)."""
    base = dict.fromkeys(connection_argument_spec())
    base.update(validate_certs=True, timeout=30.0, retries=3)
    base.update(overrides)
    return base


def test_token_mode():
    settings = ConnectionSettings.from_params(params(auth_token="tok", project_id=PROJECT, region="ap-southeast-1"))
    assert settings.auth_mode == AUTH_TOKEN
    assert settings.endpoint == "https://apig.ap-southeast-1.myhuaweicloud.com"
    assert settings.iam_endpoint is None


def test_aksk_mode_with_temporary_credentials():
    settings = ConnectionSettings.from_params(
        params(
            access_key="AK", secret_key="SK", security_token="ST", project_id=PROJECT, endpoint="http://127.0.0.1:9/"
        )
    )
    assert settings.auth_mode == AUTH_AKSK
    assert settings.endpoint == "http://127.0.0.1:9"
    assert settings.credentials["security_token"] == "ST"
    assert sorted(settings.secrets) == ["AK", "SK", "ST"]


def test_password_mode_scoped_by_region_needs_no_project():
    settings = ConnectionSettings.from_params(
        params(user_name="u", password="p", domain_name="d", region="eu-west-101")
    )
    assert settings.auth_mode == AUTH_PASSWORD
    assert settings.project_id is None
    assert settings.endpoint == "https://apig.eu-west-101.myhuaweicloud.eu"
    assert settings.iam_endpoint == "https://iam.eu-west-101.myhuaweicloud.eu"


@pytest.mark.parametrize(
    "url", ["https://iam.example.com/v3", "https://iam.example.com/v3/", "https://iam.example.com"]
)
def test_iam_endpoint_accepts_terraform_form(url):
    settings = ConnectionSettings.from_params(
        params(
            user_name="u",
            password="p",
            domain_name="d",
            project_id=PROJECT,
            endpoint="https://apig.example.com",
            iam_endpoint=url,
        )
    )
    assert settings.iam_endpoint == "https://iam.example.com"


@pytest.mark.parametrize(
    "overrides, option",
    [
        (dict(), "auth_token"),
        (dict(auth_token="t", access_key="a", secret_key="s"), "access_key"),
        (dict(auth_token="t", user_name="u", password="p", domain_name="d"), "user_name"),
        (dict(access_key="a", secret_key="s", password="p"), "password"),
        (dict(access_key="a"), "secret_key"),
        (dict(secret_key="s"), "access_key"),
        (dict(security_token="st"), "access_key"),
        (dict(user_name="u", password="p"), "domain_name"),
        (dict(auth_token=""), "auth_token"),
        (dict(auth_token="  "), "auth_token"),
        (dict(auth_token=" tok"), "auth_token"),
        (dict(auth_token="to\nk"), "auth_token"),
        (dict(auth_token="t", project_id=None), "project_id"),
        (dict(auth_token="t", project_id="../x"), "project_id"),
        (dict(auth_token="t", project_id="a/b"), "project_id"),
        (dict(auth_token="t", endpoint="ftp://x"), "endpoint"),
        (dict(auth_token="t", endpoint="https://"), "endpoint"),
        (dict(auth_token="t", endpoint="https://u:p@host"), "endpoint"),
        (dict(auth_token="t", endpoint="https://host:99999"), "endpoint"),
        (dict(auth_token="t", endpoint=None, region=None), "endpoint"),
        (dict(user_name="u", password="p", domain_name="d", region=None, endpoint="https://a.b"), "iam_endpoint"),
        (dict(auth_token="t", timeout=0), "timeout"),
        (dict(auth_token="t", timeout=-1), "timeout"),
        (dict(auth_token="t", retries=-1), "retries"),
        (dict(auth_token="t", retries=11), "retries"),
    ],
)
def test_bad_input_names_the_option(overrides, option):
    values = dict(project_id=PROJECT, region="ap-southeast-1")
    values.update(overrides)
    with pytest.raises(InputError) as caught:
        ConnectionSettings.from_params(params(**values))
    assert caught.value.option == option
    assert option in caught.value.msg


def test_secrets_are_no_log_and_repr_hides_them():
    spec = connection_argument_spec()
    for name in ("auth_token", "access_key", "secret_key", "security_token", "password"):
        assert spec[name]["no_log"] is True
    settings = ConnectionSettings.from_params(
        params(access_key="AKVALUE", secret_key="SKVALUE", project_id=PROJECT, region="r1")
    )
    assert "SKVALUE" not in repr(settings) and "AKVALUE" not in repr(settings)


def test_env_fallbacks_are_terraforms_and_the_sdks_names():
    spec = connection_argument_spec()
    assert spec["project_id"]["fallback"][1] == ["HW_PROJECT_ID", "HUAWEICLOUD_SDK_PROJECT_ID"]
    assert spec["iam_endpoint"]["fallback"][1] == ["HW_AUTH_URL"]
    assert spec["endpoint"]["fallback"][1] == ["HW_APIG_ENDPOINT"]
    assert dict(CREDENTIAL_ENV) == {
        "auth_token": ("HW_AUTH_TOKEN",),
        "access_key": ("HW_ACCESS_KEY", "HUAWEICLOUD_SDK_AK"),
        "secret_key": ("HW_SECRET_KEY", "HUAWEICLOUD_SDK_SK"),
        "security_token": ("HW_SECURITY_TOKEN", "HUAWEICLOUD_SDK_SECURITY_TOKEN"),
        "user_name": ("HW_USER_NAME",),
        "password": ("HW_USER_PASSWORD",),
        "domain_name": ("HW_DOMAIN_NAME",),
    }


PASSWORD_ENV = {"HW_USER_NAME": "u", "HW_USER_PASSWORD": "p", "HW_DOMAIN_NAME": "d"}


def test_credentials_come_from_the_environment_when_no_option_gives_any():
    settings = ConnectionSettings.from_params(
        params(project_id=PROJECT, region="r1"),
        environ={"HUAWEICLOUD_SDK_AK": "sdk-ak", "HUAWEICLOUD_SDK_SK": "sdk-sk"},
    )
    assert settings.auth_mode == AUTH_AKSK and settings.credentials["access_key"] == "sdk-ak"
    settings = ConnectionSettings.from_params(
        params(project_id=PROJECT, region="r1"), environ=dict(PASSWORD_ENV, HW_ACCESS_KEY="", HW_AUTH_TOKEN="")
    )
    assert settings.auth_mode == AUTH_PASSWORD, "an empty variable is an unset one"


def test_terraform_names_win_over_sdk_names():
    settings = ConnectionSettings.from_params(
        params(project_id=PROJECT, region="r1"),
        environ={
            "HW_ACCESS_KEY": "hw-ak",
            "HW_SECRET_KEY": "hw-sk",
            "HUAWEICLOUD_SDK_AK": "sdk-ak",
            "HUAWEICLOUD_SDK_SK": "sdk-sk",
        },
    )
    assert settings.credentials["access_key"] == "hw-ak" and settings.credentials["secret_key"] == "hw-sk"


def test_credential_options_are_never_mixed_with_the_environment():
    settings = ConnectionSettings.from_params(
        params(project_id=PROJECT, region="r1", access_key="AK", secret_key="SK"),
        environ=dict(PASSWORD_ENV, HW_SECURITY_TOKEN="from-env"),
    )
    assert settings.auth_mode == AUTH_AKSK
    assert settings.credentials == {"access_key": "AK", "secret_key": "SK", "security_token": None}


def test_two_ways_to_sign_in_in_the_environment_is_an_error():
    with pytest.raises(InputError) as caught:
        ConnectionSettings.from_params(
            params(project_id=PROJECT, region="r1"), environ=dict(PASSWORD_ENV, HW_AUTH_TOKEN="tok")
        )
    assert caught.value.option == "user_name" and "environment variables" in caught.value.msg


def test_default_endpoints():
    assert default_apig_endpoint("cn-north-4") == "https://apig.cn-north-4.myhuaweicloud.com"


# ---- VPC and ECS endpoints (read only by the diagnosis) ----------------------------------------------------------


def test_vpc_and_ecs_endpoints_come_from_the_region():
    settings = ConnectionSettings.from_params(params(auth_token="t", project_id=PROJECT, region="ap-southeast-1"))
    assert settings.vpc_endpoint == "https://vpc.ap-southeast-1.myhuaweicloud.com"
    assert settings.ecs_endpoint == "https://ecs.ap-southeast-1.myhuaweicloud.com"
    assert settings.vpc_endpoint_from_region and settings.ecs_endpoint_from_region
    eu = ConnectionSettings.from_params(params(auth_token="t", project_id=PROJECT, region="eu-west-101"))
    assert (eu.vpc_endpoint, eu.ecs_endpoint) == (
        "https://vpc.eu-west-101.myhuaweicloud.eu",
        "https://ecs.eu-west-101.myhuaweicloud.eu",
    )


def test_given_vpc_and_ecs_endpoints_win_over_the_region():
    settings = ConnectionSettings.from_params(
        params(
            auth_token="t",
            project_id=PROJECT,
            region="ap-southeast-1",
            vpc_endpoint="http://127.0.0.1:9/",
            ecs_endpoint="https://ecs.example.com",
        )
    )
    assert (settings.vpc_endpoint, settings.ecs_endpoint) == ("http://127.0.0.1:9", "https://ecs.example.com")
    assert not settings.vpc_endpoint_from_region and not settings.ecs_endpoint_from_region


@pytest.mark.parametrize("region", [None, "ap-southeast-1"])
def test_an_explicit_apig_endpoint_leaves_vpc_and_ecs_unset_and_the_run_goes_on(region):
    """Only the diagnosis needs them. APIG pointed elsewhere (an emulator, a private endpoint) is no sign that the
    region's public VPC is the right one: it is not guessed, and never contacted."""
    settings = ConnectionSettings.from_params(
        params(auth_token="t", project_id=PROJECT, endpoint="http://127.0.0.1:9", region=region)
    )
    assert (settings.vpc_endpoint, settings.ecs_endpoint) == (None, None)


@pytest.mark.parametrize("option", ["vpc_endpoint", "ecs_endpoint"])
@pytest.mark.parametrize("value", ["vpc.example.com", "https://vpc.example.com/v1", "ftp://x", "https://h:0", " "])
def test_a_bad_vpc_or_ecs_endpoint_is_refused_naming_it(option, value):
    with pytest.raises(InputError) as caught:
        ConnectionSettings.from_params(params(auth_token="t", project_id=PROJECT, region="r1", **{option: value}))
    assert caught.value.option == option
    assert option in caught.value.msg


def test_vpc_and_ecs_endpoints_fall_back_to_their_variables():
    spec = connection_argument_spec()
    assert spec["vpc_endpoint"]["fallback"][1] == ["HW_VPC_ENDPOINT"]
    assert spec["ecs_endpoint"]["fallback"][1] == ["HW_ECS_ENDPOINT"]
