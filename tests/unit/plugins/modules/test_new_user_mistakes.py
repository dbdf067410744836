# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The mistakes a new user makes, run through the modules as Ansible runs them: each is refused before any
request, by a message that names what is wrong; and every result says how the run signed in, never with what.

(tests/integration/test_new_user_messages.py makes the same mistakes through real ansible-playbook runs.)
"""

import pytest

from ansible_collections.hwcloud.apig.plugins.modules import (
    api_backend_info,
    backend_connectivity,
    backend_probe,
    vpc_channel_member_info,
)
from tests.emulator import presets
from tests.module_runner import run_module

CHANNEL_CHECK = {
    "instance_id": presets.INSTANCE_ID,
    "backend_type": "vpc_channel",
    "vpc_channel_id": presets.CHANNEL_ID,
}


def refused(emulator, main, args):
    """The failed result of a run that sent nothing."""
    emulator.clear_requests()
    run = run_module(main, args)
    assert run.code == 1 and run.result["failed"] is True, run.result
    assert emulator.requests == [], emulator.requests
    return run.result


def token(emulator, **extra):
    return dict(presets.module_auth("token", emulator.url, retries=0), **extra)


# ---- options Ansible refuses: the one the user got wrong is named first -----------------------------------------------


def test_a_misspelled_option_is_named_with_the_option_it_resembles(emulator):
    """Ansible checks required_if before unknown options: ``vpc_channel`` would read as "vpc_channel_id is missing"."""
    args = token(emulator, instance_id=presets.INSTANCE_ID, backend_type="vpc_channel", vpc_channel=presets.CHANNEL_ID)
    result = refused(emulator, backend_connectivity.main, args)
    assert result["msg"].startswith("Unsupported parameters for (")
    assert ") module: vpc_channel. Supported parameters include: " in result["msg"]
    assert result["msg"].endswith("vpc_channel: did you mean vpc_channel_id?")
    assert "missing" not in result["msg"]


def test_a_misspelled_option_inside_checks_is_named_with_its_place(emulator):
    entry = {"name": "orders", "instance_id": presets.INSTANCE_ID, "backend_type": "vpc_channel", "vpc_chanel_id": "x"}
    result = refused(emulator, backend_connectivity.main, token(emulator, checks=[entry]))
    assert "module: checks.vpc_chanel_id. Supported parameters include: " in result["msg"]
    assert result["msg"].endswith("checks.vpc_chanel_id: did you mean vpc_channel_id?")


def test_an_option_unlike_any_other_gets_no_guess(emulator):
    result = refused(emulator, backend_connectivity.main, token(emulator, **CHANNEL_CHECK, zzz=1))
    assert ") module: zzz. Supported parameters include: " in result["msg"] and "did you mean" not in result["msg"]


@pytest.mark.parametrize("value", ["notalist", 42])
def test_checks_that_is_not_a_list_of_checks_names_checks(emulator, value):
    """Ansible's own message ("dictionary requested, could not parse JSON or key=value") names no option."""
    result = refused(emulator, backend_connectivity.main, token(emulator, checks=value))
    assert result["msg"].startswith("Elements value for option 'checks' is of type "), result["msg"]


def test_a_misspelled_key_of_discover_is_named_with_the_key_it_resembles(emulator):
    """discover is one raw option (a dictionary or a list of them): its keys are checked as a module's options are."""
    discover = {"instance_id": presets.INSTANCE_ID, "gruop": "orders"}
    result = refused(emulator, backend_connectivity.main, token(emulator, discover=discover))
    assert result["option"] == "discover"
    assert result["msg"].startswith("Unsupported parameters in discover: gruop. Supported parameters include: ")
    assert result["msg"].endswith("discover.gruop: did you mean group?")


def test_an_empty_discover_list_is_not_called_not_a_list(emulator):
    result = refused(emulator, backend_connectivity.main, token(emulator, discover=[]))
    assert result["msg"].startswith("discover must list at least one discovery"), result["msg"]


def test_a_module_without_the_api_names_a_misspelled_option_too():
    run = run_module(backend_probe.main, {"targets": ["127.0.0.1:1"], "protocl": "http"})
    assert run.code == 1 and run.result["msg"].endswith("protocl: did you mean protocol?")


# ---- IDs and endpoints -------------------------------------------------------------------------------------------------


def test_an_uppercase_instance_id_is_refused_saying_lowercase(emulator):
    upper = presets.INSTANCE_ID.upper()
    args = token(emulator, **CHANNEL_CHECK)
    args["instance_id"] = upper
    result = refused(emulator, backend_connectivity.main, args)
    assert result["option"] == "instance_id"
    assert result["msg"] == (
        "instance_id %r has uppercase letters: Huawei Cloud IDs are 32 lowercase hexadecimal characters, and APIG "
        "does not find an ID in another case; write %s" % (upper, presets.INSTANCE_ID)
    )


def test_an_uppercase_channel_id_is_refused_by_the_member_listing_too(emulator):
    args = token(emulator, instance_id=presets.INSTANCE_ID, vpc_channel_id=presets.CHANNEL_ID.upper())
    result = refused(emulator, vpc_channel_member_info.main, args)
    assert result["option"] == "vpc_channel_id" and "lowercase" in result["msg"]


@pytest.mark.parametrize(
    "project_id", ["ap-southeast-1", "my-project", "0123456789abcdef", presets.PROJECT_ID + "0", "g" * 32]
)
def test_a_project_id_that_is_not_a_project_id_is_refused_saying_what_one_is(emulator, project_id):
    """A project name where the ID belongs would reach APIG and come back as a 403 "no permissions"."""
    result = refused(emulator, backend_connectivity.main, token(emulator, project_id=project_id, **CHANNEL_CHECK))
    assert result["option"] == "project_id"
    assert result["msg"] == (
        "project_id must be 32 lowercase hexadecimal characters (the project's ID, as the console's My Credentials > "
        "API Credentials lists it per region, not its name), got %r" % project_id
    )


def test_an_uppercase_project_id_is_refused_saying_lowercase(emulator):
    args = token(emulator, project_id=presets.PROJECT_ID.upper(), **CHANNEL_CHECK)
    result = refused(emulator, backend_connectivity.main, args)
    assert result["msg"].endswith("write %s" % presets.PROJECT_ID)


@pytest.mark.parametrize("path", ["/v2", "/v2/", "/apig", "/v2/" + presets.PROJECT_ID])
def test_an_endpoint_with_a_path_is_refused_naming_the_base_url(emulator, path):
    """The module adds /v2/...: a path in the endpoint was a 404 that looked like a gateway without the check."""
    result = refused(
        emulator, backend_connectivity.main, token(emulator, endpoint=emulator.url + path, **CHANNEL_CHECK)
    )
    assert result["option"] == "endpoint"
    assert result["msg"] == (
        "endpoint must be a base URL without a path, got %r: the module adds the API path (/v2/{project_id}/apigw/..., "
        "/v3/auth/tokens) itself; give %s" % (emulator.url + path, emulator.url)
    )


@pytest.mark.parametrize("iam_path", ["", "/", "/v3", "/v3/"])
def test_iam_endpoint_may_end_in_v3_as_terraform_writes_it(emulator, iam_path):
    args = dict(presets.module_auth("password", emulator.url, retries=0), iam_endpoint=emulator.url + iam_path)
    run = run_module(backend_connectivity.main, dict(args, **CHANNEL_CHECK))
    assert run.code == 0, run.result


def test_an_iam_endpoint_with_another_path_is_refused(emulator):
    args = dict(presets.module_auth("password", emulator.url), iam_endpoint=emulator.url + "/v3/auth/tokens")
    result = refused(emulator, backend_connectivity.main, dict(args, **CHANNEL_CHECK))
    assert result["option"] == "iam_endpoint" and "without a path" in result["msg"]


def test_a_url_as_backend_address_suggests_the_address_it_holds(emulator):
    args = token(emulator, instance_id=presets.INSTANCE_ID, backend_type="backend_address")
    result = refused(emulator, backend_connectivity.main, dict(args, backend_address="http://127.0.0.1:45715/"))
    assert result["option"] == "backend_address"
    assert result["msg"] == (
        "backend_address 'http://127.0.0.1:45715/': is a URL; give the address as host:port, without scheme or path: "
        "127.0.0.1:45715. Local probes take the protocol from local_probe.protocol (http)"
    )
    assert "IPv6" not in result["msg"]


@pytest.mark.parametrize("address", ["127.0.0.1:18500/health", "http://127.0.0.1:18500/health"])
def test_a_path_with_the_address_is_refused_saying_where_the_path_goes(emulator, address):
    """Not a circle: "a path needs a URL" for the one, "give the address as host:port" for the other."""
    args = token(emulator, instance_id=presets.INSTANCE_ID, backend_type="backend_address", backend_address=address)
    result = refused(emulator, backend_connectivity.main, args)
    assert result["option"] == "backend_address"
    assert result["msg"].startswith("backend_address %r: " % address)
    assert "give the address as host:port, without scheme or path: 127.0.0.1:18500. " in result["msg"]
    assert "Local HTTP(S) probes take the path from local_probe.path (/health)" in result["msg"]


# ---- numbers out of range: one rule per option, in the words ansible-doc uses ----------------------------------------


@pytest.mark.parametrize(
    "main, args, option, said",
    [
        (
            backend_connectivity.main,
            dict(CHANNEL_CHECK, concurrency=500),
            "concurrency",
            "a whole number from 1 to 200",
        ),
        (
            api_backend_info.main,
            {"instance_id": presets.INSTANCE_ID, "concurrency": 0},
            "concurrency",
            "a whole number from 1 to 200",
        ),
        (backend_connectivity.main, dict(CHANNEL_CHECK, wait_timeout=7200), "wait_timeout", "from 0 to 3600 seconds"),
        (
            backend_connectivity.main,
            dict(CHANNEL_CHECK, wait_interval=0),
            "wait_interval",
            "more than 0 and at most 600 seconds",
        ),
        (backend_connectivity.main, dict(CHANNEL_CHECK, retries=11), "retries", "a whole number from 0 to 10"),
        (
            vpc_channel_member_info.main,
            {"instance_id": presets.INSTANCE_ID, "vpc_channel_id": presets.CHANNEL_ID, "timeout": 601},
            "timeout",
            "more than 0 and at most 600 seconds",
        ),
    ],
)
def test_a_number_out_of_range_is_refused_saying_the_range(emulator, main, args, option, said):
    result = refused(emulator, main, token(emulator, **args))
    assert result["option"] == option
    assert result["msg"] == "%s must be %s, got %r" % (option, said, args[option])


def test_backend_probe_waits_by_the_same_rule_as_backend_connectivity():
    """wait_timeout was capped at 3600 seconds in backend_connectivity only; one rule now bounds both modules."""
    run = run_module(backend_probe.main, {"targets": ["127.0.0.1:1"], "wait_timeout": 7200})
    assert run.code == 1 and run.result["option"] == "wait_timeout", run.result
    assert run.result["msg"] == "wait_timeout must be from 0 to 3600 seconds, got 7200"


# ---- how the run signed in -------------------------------------------------------------------------------------------

SECRETS = {
    "token": [presets.TOKEN_VALID],
    "password": [presets.USER_PASSWORD],
    "aksk": [presets.AK, presets.SK],
    "temporary_aksk": [presets.TEMP_AK, presets.TEMP_SK, presets.SECURITY_TOKEN],
}
MODES = {"token": "token", "password": "password", "aksk": "aksk", "temporary_aksk": "aksk"}
ENVIRONMENT = {
    "token": {"HW_AUTH_TOKEN": presets.TOKEN_VALID},
    "password": {
        "HW_USER_NAME": presets.USER_NAME,
        "HW_USER_PASSWORD": presets.USER_PASSWORD,
        "HW_DOMAIN_NAME": presets.USER_DOMAIN,
    },
    "aksk": {"HW_ACCESS_KEY": presets.AK, "HW_SECRET_KEY": presets.SK},
    "temporary_aksk": {
        "HUAWEICLOUD_SDK_AK": presets.TEMP_AK,
        "HUAWEICLOUD_SDK_SK": presets.TEMP_SK,
        "HUAWEICLOUD_SDK_SECURITY_TOKEN": presets.SECURITY_TOKEN,
    },
}


def assert_names_the_sign_in_and_no_secret(run, mode, source):
    assert (run.result["auth_mode"], run.result["credentials_source"]) == (MODES[mode], source), run.result
    for secret in SECRETS[mode]:
        assert secret not in run.output


@pytest.mark.parametrize("mode", sorted(MODES))
def test_a_result_names_the_sign_in_given_as_options(emulator, mode):
    run = run_module(backend_connectivity.main, dict(presets.module_auth(mode, emulator.url), **CHANNEL_CHECK))
    assert run.code == 0, run.result
    assert_names_the_sign_in_and_no_secret(run, mode, "options")


@pytest.mark.parametrize("mode", sorted(MODES))
def test_a_result_names_the_sign_in_taken_from_the_environment(emulator, monkeypatch, mode):
    for variable, value in ENVIRONMENT[mode].items():
        monkeypatch.setenv(variable, value)
    args = {key: value for key, value in presets.module_auth(mode, emulator.url).items() if key not in SECRET_OPTIONS}
    run = run_module(
        vpc_channel_member_info.main, dict(args, instance_id=presets.INSTANCE_ID, vpc_channel_id=presets.CHANNEL_ID)
    )
    assert run.code == 0, run.result
    assert_names_the_sign_in_and_no_secret(run, mode, "environment")


SECRET_OPTIONS = ("auth_token", "access_key", "secret_key", "security_token", "user_name", "password", "domain_name")


def test_a_failed_sign_in_names_the_sign_in_too(emulator):
    args = dict(presets.module_auth("token", emulator.url), auth_token=presets.TOKEN_EXPIRED, **CHANNEL_CHECK)
    run = run_module(backend_connectivity.main, args)
    assert run.code == 1 and run.result["error_code"] == "APIG.1001"
    assert (run.result["auth_mode"], run.result["credentials_source"]) == ("token", "options")


def test_a_refusal_before_the_sign_in_is_known_names_none(emulator):
    result = refused(emulator, backend_connectivity.main, token(emulator, project_id="x", **CHANNEL_CHECK))
    assert "auth_mode" not in result and "credentials_source" not in result


def test_local_probes_sign_in_to_nothing_and_say_nothing_about_it():
    run = run_module(backend_probe.main, {"targets": ["127.0.0.1:1"], "timeout": 1})
    assert "auth_mode" not in run.result and "credentials_source" not in run.result


# ---- variables that are set but empty --------------------------------------------------------------------------------

# Every variable the sign-in reads; the tests set some of them, each test starts with none.
HW_VARIABLES = (
    "HW_REGION_NAME",
    "HW_PROJECT_ID",
    "HUAWEICLOUD_SDK_PROJECT_ID",
    "HW_APIG_ENDPOINT",
    "HW_AUTH_URL",
    "HW_AUTH_TOKEN",
    "HW_ACCESS_KEY",
    "HUAWEICLOUD_SDK_AK",
    "HW_SECRET_KEY",
    "HUAWEICLOUD_SDK_SK",
    "HW_SECURITY_TOKEN",
    "HUAWEICLOUD_SDK_SECURITY_TOKEN",
    "HW_USER_NAME",
    "HW_USER_PASSWORD",
    "HW_DOMAIN_NAME",
)


@pytest.fixture
def environment(monkeypatch):
    """Sets the variables it is called with, after clearing every HW_* variable the sign-in reads."""
    for name in HW_VARIABLES:
        monkeypatch.delenv(name, raising=False)

    def set_variables(**values):
        for name, value in values.items():
            monkeypatch.setenv(name, value)

    return set_variables


def channel_members(emulator, **args):
    emulator.clear_requests()
    return run_module(
        vpc_channel_member_info.main, dict(args, instance_id=presets.INSTANCE_ID, vpc_channel_id=presets.CHANNEL_ID)
    )


@pytest.mark.parametrize("empty", ["", "  "])
def test_an_empty_region_variable_is_unset_when_the_endpoint_is_given(emulator, environment, empty):
    """CI exports HW_REGION_NAME= for an undefined variable: with an endpoint, no region is needed at all."""
    environment(
        HW_REGION_NAME=empty,
        HW_APIG_ENDPOINT=emulator.url,
        HW_PROJECT_ID=presets.PROJECT_ID,
        HW_AUTH_TOKEN=presets.TOKEN_VALID,
    )
    run = channel_members(emulator)
    assert run.code == 0, run.result
    assert run.result["total"] == 2 and run.result["credentials_source"] == "environment"


def test_no_endpoint_and_no_region_names_the_empty_variables(emulator, environment):
    environment(
        HW_REGION_NAME="", HW_APIG_ENDPOINT="", HW_PROJECT_ID=presets.PROJECT_ID, HW_AUTH_TOKEN=presets.TOKEN_VALID
    )
    run = channel_members(emulator)
    assert run.code == 1 and run.result["option"] == "endpoint"
    assert run.result["msg"] == (
        "either endpoint (HW_APIG_ENDPOINT) or region (HW_REGION_NAME) is required; HW_APIG_ENDPOINT and "
        "HW_REGION_NAME are set but empty, which counts as unset"
    )
    assert emulator.requests == []


def test_an_empty_project_variable_is_named_when_the_project_is_needed(emulator, environment):
    environment(HW_PROJECT_ID="", HW_APIG_ENDPOINT=emulator.url, HW_AUTH_TOKEN=presets.TOKEN_VALID)
    run = channel_members(emulator)
    assert run.code == 1 and run.result["option"] == "project_id"
    assert run.result["msg"] == (
        "project_id (HW_PROJECT_ID) is required with token sign-in; HW_PROJECT_ID is set but empty, which counts as "
        "unset"
    )


def test_an_empty_project_variable_is_unset_when_password_sign_in_takes_the_region(emulator, environment):
    environment(
        HW_PROJECT_ID="",
        HUAWEICLOUD_SDK_PROJECT_ID="",
        HW_REGION_NAME=presets.PROJECT_NAME,
        HW_APIG_ENDPOINT=emulator.url,
        HW_AUTH_URL=emulator.url + "/v3",
        HW_USER_NAME=presets.USER_NAME,
        HW_USER_PASSWORD=presets.USER_PASSWORD,
        HW_DOMAIN_NAME=presets.USER_DOMAIN,
    )
    run = channel_members(emulator)
    assert run.code == 0, run.result
    assert run.result["auth_mode"] == "password"


def test_an_empty_token_variable_is_named_when_there_are_no_credentials(emulator, environment):
    """An empty HW_AUTH_TOKEN counts as unset: "no credentials" must say why the environment's token was not used."""
    environment(HW_AUTH_TOKEN="", HW_APIG_ENDPOINT=emulator.url, HW_PROJECT_ID=presets.PROJECT_ID)
    run = channel_members(emulator)
    assert run.code == 1 and run.result["option"] == "auth_token"
    assert run.result["msg"].startswith("no credentials: set auth_token (HW_AUTH_TOKEN), ")
    assert run.result["msg"].endswith("; HW_AUTH_TOKEN is set but empty, which counts as unset")


def test_an_empty_secret_key_variable_is_named_as_the_missing_half(emulator, environment):
    environment(
        HW_ACCESS_KEY=presets.AK,
        HW_SECRET_KEY="",
        HUAWEICLOUD_SDK_SK="",
        HW_APIG_ENDPOINT=emulator.url,
        HW_PROJECT_ID=presets.PROJECT_ID,
    )
    run = channel_members(emulator)
    assert run.code == 1 and run.result["option"] == "secret_key"
    assert run.result["msg"] == (
        "AK/SK sign-in needs both access_key and secret_key; secret_key is missing; HW_SECRET_KEY and "
        "HUAWEICLOUD_SDK_SK are set but empty, which counts as unset"
    )


def test_an_empty_iam_endpoint_variable_is_named_when_password_sign_in_needs_it(emulator, environment):
    environment(
        HW_AUTH_URL="",
        HW_APIG_ENDPOINT=emulator.url,
        HW_PROJECT_ID=presets.PROJECT_ID,
        HW_USER_NAME=presets.USER_NAME,
        HW_USER_PASSWORD=presets.USER_PASSWORD,
        HW_DOMAIN_NAME=presets.USER_DOMAIN,
    )
    run = channel_members(emulator)
    assert run.code == 1 and run.result["option"] == "iam_endpoint"
    assert run.result["msg"] == (
        "password sign-in needs iam_endpoint (HW_AUTH_URL) or region (HW_REGION_NAME); HW_AUTH_URL is set but "
        "empty, which counts as unset"
    )


def test_credentials_given_as_options_do_not_name_the_environments_empty_variables(emulator, environment):
    environment(HW_SECRET_KEY="")
    run = channel_members(emulator, endpoint=emulator.url, project_id=presets.PROJECT_ID, access_key=presets.AK)
    assert run.code == 1
    assert run.result["msg"] == "AK/SK sign-in needs both access_key and secret_key; secret_key is missing"


@pytest.mark.parametrize("option", ["region", "endpoint", "project_id"])
def test_an_option_given_empty_is_refused_by_its_name(emulator, environment, option):
    """An empty option is written in the play (a template that rendered empty): it is named, not guessed around."""
    args = dict(presets.module_auth("token", emulator.url, region="ap-southeast-1"), **{option: ""})
    run = channel_members(emulator, **args)
    assert run.code == 1 and run.result["option"] == option
    assert run.result["msg"] == "%s must not be empty: give a value, or leave the option out" % option
    assert emulator.requests == []
