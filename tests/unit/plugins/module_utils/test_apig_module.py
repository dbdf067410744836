# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""apig_module.py: the one place where errors become task results, and where secrets are scrubbed from them.

Each test runs a tiny ApigModule subclass, defined here, in-process as Ansible would (``patch_module_args``),
against the emulator when it needs a real HTTP answer. What is checked is what a user sees: bad input fails naming
the option before anything is sent; a check that could not be made fails with Huawei's own error fields; anything
unexpected fails as ``unexpected <Type>: ...``, never as a traceback; no secret - given as an option, read from
the environment, or issued by IAM during the run, nor its JSON- or repr()-escaped form - reaches the output.

AnsibleModule itself masks the values of ``no_log`` options, but only as they were given: the escaped forms, the
environment's credentials and IAM's tokens are masked by ``ApigModule.scrub`` alone, which is what these tests
would catch going missing.
"""

import json

import pytest
from ansible.module_utils._internal import _traceback

from ansible_collections.hwcloud.apig.plugins.module_utils import apig_calls
from ansible_collections.hwcloud.apig.plugins.module_utils.apig_module import MASK, ApigModule
from ansible_collections.hwcloud.apig.plugins.module_utils.errors import InputError
from tests.emulator import presets
from tests.module_runner import run_module, warning_texts

UNKNOWN_CHANNEL = "f" * 32
# A password whose JSON and repr() forms differ from itself: a quote, a backslash and non-ASCII characters.
ODD_PASSWORD = 'pa"ss\\w\u00f6rd-\u20ac-1'
ODD_USER = "dora"
# A token (printable ASCII, no spaces: it travels in a header) with a quote and a backslash.
ODD_TOKEN = 'env"tok\\en-0001'


def escaped_forms(secret):
    """The secret as given, as it appears inside a JSON string, and as it appears inside a repr()."""
    return {secret, json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1], repr(secret)[1:-1]}


def strings_in(value):
    """Every string in a decoded result, keys included."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from strings_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings_in(item)
    elif isinstance(value, str):
        yield value


def assert_no_secret(run, secret):
    """No form of ``secret`` in any string of the result, nor in the raw output."""
    forms = escaped_forms(secret)
    leaked = [(form, text) for text in strings_in(run.result) for form in forms if form in text]
    assert not leaked, leaked
    assert not [form for form in forms | {json.dumps(secret)[1:-1]} if form in run.output]


def scripted(run=None, validate=None, uses_api=True, **options):
    """The ``main`` of a throw-away ApigModule whose ``validate`` and ``run`` are these functions."""
    attrs = {
        "argument_spec": dict({"note": dict(type="str"), "fact_name": dict(type="str", default="scripted")}, **options),
        "uses_api": uses_api,
        "run": run or (lambda module, client: {}),  # functions as class attributes: called as module.run(client)
    }
    if validate is not None:
        attrs["validate"] = validate
    module_class = type("ScriptedModule", (ApigModule,), attrs)

    def main():
        module_class()()

    return main


@pytest.fixture
def emulator(emulator_factory, backend_servers):
    config = presets.default_config(members=[{"host": "127.0.0.1", "port": backend_servers.open().port}])
    config["users"].append({"name": ODD_USER, "password": ODD_PASSWORD, "domain": presets.USER_DOMAIN})
    return emulator_factory(config)


def token_args(emulator, **extra):
    return dict(presets.module_auth("token", emulator.url, retries=0), **extra)


def password_args(emulator, **extra):
    return dict(presets.module_auth("password", emulator.url, retries=0), **extra)


def list_members(client, channel=presets.CHANNEL_ID):
    return apig_calls.list_backend_instances_v2(client, presets.INSTANCE_ID, channel)


# ---- results -----------------------------------------------------------------------------------------------------


def test_a_run_returns_its_result_unchanged_and_never_changed(emulator):
    main = scripted(run=lambda module, client: {"members": list_members(client), "changed": True})
    code, result, _output = run_module(main, token_args(emulator))
    assert code == 0 and result["changed"] is False
    assert len(result["members"]) == 1 and "failed" not in result


def test_a_run_in_check_mode_reads_as_in_a_normal_run(emulator):
    """The modules only read, so --check runs them for real instead of skipping them."""
    main = scripted(
        run=lambda module, client: {"members": list_members(client), "check_mode": module.ansible.check_mode}
    )
    code, result, _output = run_module(main, token_args(emulator, _ansible_check_mode=True))
    assert code == 0, result
    assert "skipped" not in result and result["check_mode"] is True
    assert len(result["members"]) == 1 and result["changed"] is False


def test_input_error_fails_naming_the_option_with_its_details_and_sends_nothing(emulator):
    ran = []

    def validate(module):
        raise InputError("note", "note must not be %r" % module.params["note"], invalid_targets=["x", "y"])

    main = scripted(run=lambda module, client: ran.append(client) or {}, validate=validate)
    code, result, _output = run_module(main, token_args(emulator, note="wrong"))
    assert code == 1 and result["failed"] is True
    assert result["msg"] == "note must not be 'wrong'"
    assert result["option"] == "note" and result["invalid_targets"] == ["x", "y"]
    assert "exception" not in result
    assert ran == [] and emulator.requests == []


def test_bad_connection_options_fail_naming_the_option_before_anything_is_sent(emulator):
    args = token_args(emulator)
    del args["auth_token"]
    code, result, _output = run_module(scripted(), args)
    assert code == 1 and result["option"] == "auth_token"
    assert result["msg"].startswith("no credentials: ")
    assert emulator.requests == []


def test_an_apig_error_fails_with_huaweis_fields_and_no_traceback(emulator):
    main = scripted(run=lambda module, client: {"members": list_members(client, UNKNOWN_CHANNEL)})
    code, result, output = run_module(main, token_args(emulator))
    (request,) = emulator.requests
    assert code == 1 and result["failed"] is True
    assert (result["status"], result["error_code"]) == (404, "APIG.3023")
    assert result["error_msg"] and result["error_msg"] in result["msg"]
    assert result["request_id"] == request["request_id"]
    assert result["msg"].startswith("APIG refused the request: HTTP 404 APIG.3023: ")
    assert "exception" not in result and "Traceback" not in output


@pytest.mark.parametrize(
    "error, msg",
    [
        (RuntimeError("boom"), "unexpected RuntimeError: boom"),
        (KeyError("members"), "unexpected KeyError: 'members'"),
        (ZeroDivisionError("division by zero"), "unexpected ZeroDivisionError: division by zero"),
    ],
)
def test_an_unexpected_exception_fails_with_its_type_and_message_only(emulator, error, msg):
    def run(module, client):
        raise error

    code, result, output = run_module(scripted(run=run), token_args(emulator))
    assert code == 1 and result["failed"] is True
    assert result["msg"] == msg
    assert "exception" not in result and "Traceback" not in output


@pytest.fixture
def tracebacks_asked_for(monkeypatch):
    """The argument ansible-core 2.19 sends when tracebacks are asked for (``ANSIBLE_DISPLAY_TRACEBACK=error``).

    AnsibleModule reads it once per process and keeps it; forgetting what it kept makes this run read it again.
    """
    monkeypatch.setattr(_traceback, "_module_tracebacks_enabled_events", None)
    return {"_ansible_tracebacks_for": ["error"]}


def test_an_unexpected_exception_keeps_its_traceback_scrubbed_of_secrets(emulator, tracebacks_asked_for):
    """As amazon.aws's fail_json_aws: the bug nobody foresaw keeps its traceback, masked like every other field."""

    def run(module, client):
        raise RuntimeError("boom near %s" % json.dumps({"password": ODD_PASSWORD}))

    args = password_args(emulator, user_name=ODD_USER, password=ODD_PASSWORD, **tracebacks_asked_for)
    run = run_module(scripted(run=run), args, exception_field=True)
    assert run.code == 1
    assert run.result["msg"] == 'unexpected RuntimeError: boom near {"password": "%s"}' % MASK
    trace = run.result["exception"]
    assert trace.startswith("Traceback (most recent call last):") and "in run" in trace, trace
    assert trace.rstrip().endswith('RuntimeError: boom near {"password": "%s"}' % MASK), trace
    assert_no_secret(run, ODD_PASSWORD)


def test_an_expected_error_leaves_no_traceback_of_itself_even_when_tracebacks_are_asked_for(
    emulator, tracebacks_asked_for
):
    """Bad input is the user's to fix, not a bug: its message (which may quote a secret) is not repeated unscrubbed
    in a traceback of the InputError."""

    def validate(module):
        raise InputError("note", "note looks like the password: %r" % ODD_PASSWORD)

    args = password_args(emulator, user_name=ODD_USER, password=ODD_PASSWORD, **tracebacks_asked_for)
    run = run_module(scripted(validate=validate), args, exception_field=True)
    assert run.code == 1 and run.result["option"] == "note"
    assert run.result["msg"] == "note looks like the password: '%s'" % MASK
    assert "InputError" not in run.result.get("exception", "")
    assert_no_secret(run, ODD_PASSWORD)


# ---- secrets -----------------------------------------------------------------------------------------------------


def test_a_given_password_is_scrubbed_in_every_form_from_nested_results(emulator):
    def run(module, client):
        list_members(client)  # signs in with the odd password for real
        return {
            "nested": {"as_given": [ODD_PASSWORD], "in_json": json.dumps({"password": ODD_PASSWORD})},
            "deep": [{"repr": "password=%r" % ODD_PASSWORD}, {"ascii_json": json.dumps(ODD_PASSWORD)}],
        }

    args = password_args(emulator, user_name=ODD_USER, password=ODD_PASSWORD)
    run = run_module(scripted(run=run), args)
    assert run.code == 0, run.result
    assert_no_secret(run, ODD_PASSWORD)
    assert run.result["deep"][0]["repr"] == "password='%s'" % MASK
    assert run.result["nested"]["in_json"] == json.dumps({"password": MASK})


def test_a_given_password_is_scrubbed_from_an_error_message(emulator):
    def run(module, client):
        raise ValueError("IAM refused %s" % json.dumps({"password": ODD_PASSWORD}))

    run = run_module(scripted(run=run), password_args(emulator, user_name=ODD_USER, password=ODD_PASSWORD))
    assert run.code == 1
    assert run.result["msg"] == 'unexpected ValueError: IAM refused {"password": "%s"}' % MASK
    assert_no_secret(run, ODD_PASSWORD)


@pytest.mark.parametrize(
    "password",
    [
        pytest.param('p"w!', id="four-characters"),
        pytest.param("pass-word\\", id="ends-in-a-backslash"),
    ],
)
def test_a_secret_inside_a_json_body_is_replaced_whole(emulator, password):
    """The JSON form of a secret is masked as one piece: the body stays valid JSON and keeps nothing of the secret.

    Four characters is the shortest secret scrubbed in every form; a secret whose only escaped character is a final
    backslash has its plain form inside its JSON form, so masking the shorter form first would leave that backslash
    dangling (and break the JSON).
    """
    body = json.dumps({"password": password})
    assert json.dumps(password)[1:-1] != password, "the JSON form differs from the secret: only scrub() masks it"
    run = run_module(scripted(run=lambda module, client: {"body": body}), password_args(emulator, password=password))
    assert run.code == 0, run.result
    assert json.loads(run.result["body"]) == {"password": MASK}
    assert emulator.requests == []


def test_a_token_from_the_environment_is_scrubbed(emulator, monkeypatch):
    monkeypatch.setenv("HW_AUTH_TOKEN", ODD_TOKEN)
    args = token_args(emulator)
    del args["auth_token"]

    def run(module, client):
        return {"raw": ODD_TOKEN, "deep": [{"json": json.dumps({"X-Auth-Token": ODD_TOKEN})}], "repr": repr(ODD_TOKEN)}

    run = run_module(scripted(run=run), args)
    assert run.code == 0, run.result
    assert_no_secret(run, ODD_TOKEN)
    assert run.result["repr"] == "'%s'" % MASK


def test_a_token_from_the_environment_is_scrubbed_from_an_error_message(emulator, monkeypatch):
    monkeypatch.setenv("HW_AUTH_TOKEN", ODD_TOKEN)
    args = token_args(emulator)
    del args["auth_token"]

    def run(module, client):
        raise RuntimeError("sent %s" % json.dumps({"X-Auth-Token": ODD_TOKEN}))

    run = run_module(scripted(run=run), args)
    assert run.result["msg"] == 'unexpected RuntimeError: sent {"X-Auth-Token": "%s"}' % MASK
    assert_no_secret(run, ODD_TOKEN)


def test_a_secret_from_the_environment_is_scrubbed_from_a_refusal_of_bad_input(emulator, monkeypatch):
    """A refusal can come before the sign-in is known (here: the secret pasted into project_id by mistake)."""
    monkeypatch.setenv("HW_AUTH_TOKEN", ODD_TOKEN)
    args = token_args(emulator, project_id=ODD_TOKEN)
    del args["auth_token"]
    run = run_module(scripted(), args)
    assert run.code == 1 and run.result["option"] == "project_id"
    assert run.result["msg"].startswith("project_id must be 32 lowercase hexadecimal characters")
    assert_no_secret(run, ODD_TOKEN)
    assert emulator.requests == []


@pytest.mark.parametrize("proxy", ["http://user:%s@127.0.0.1:3128" % ODD_TOKEN, "user:%s@127.0.0.1:3128" % ODD_TOKEN])
def test_a_proxy_password_is_masked_when_ansible_refuses_the_arguments(emulator, proxy):
    """Ansible refuses an unknown option before the module runs, and echoes every option it was given."""
    run = run_module(scripted(), token_args(emulator, proxy=proxy, vpc_channel="x"))
    assert run.code == 1 and "vpc_channel" in run.result["msg"]
    assert_no_secret(run, ODD_TOKEN)
    assert emulator.requests == []


@pytest.mark.parametrize("proxy", ["http://user:%s@127.0.0.1:3128" % ODD_TOKEN, "user:%s@127.0.0.1:3128" % ODD_TOKEN])
def test_a_proxy_password_is_masked_when_the_module_refuses_bad_input(emulator, proxy):
    run = run_module(scripted(), token_args(emulator, proxy=proxy, project_id="not-an-id"))
    assert run.code == 1 and run.result["option"] == "project_id"
    assert_no_secret(run, ODD_TOKEN)
    assert emulator.requests == []


def test_a_secret_in_the_environment_that_the_run_does_not_use_is_scrubbed_too(emulator, monkeypatch):
    """auth_token is given, so HW_SECRET_KEY is not used: it is still in reach of the run, and masked in every form."""
    monkeypatch.setenv("HW_SECRET_KEY", ODD_TOKEN)
    run = run_module(scripted(run=lambda module, client: {"body": json.dumps({"sk": ODD_TOKEN})}), token_args(emulator))
    assert run.code == 0, run.result
    assert run.result["body"] == json.dumps({"sk": MASK})
    assert_no_secret(run, ODD_TOKEN)


def test_a_token_iam_issued_during_the_run_is_scrubbed_from_nested_results(emulator):
    issued = []

    def run(module, client):
        list_members(client)
        issued.extend(client.issued_tokens)
        return {"deep": [{"header": "X-Auth-Token: %s" % issued[0]}], "token": issued[0]}

    run = run_module(scripted(run=run), password_args(emulator))
    assert run.code == 0, run.result
    assert len(issued) == 1 and len(issued[0]) > 20
    assert_no_secret(run, issued[0])
    assert run.result["deep"][0]["header"] == "X-Auth-Token: %s" % MASK


def test_a_token_iam_issued_during_the_run_is_scrubbed_from_an_error(emulator):
    issued = []

    def run(module, client):
        list_members(client)
        issued.extend(client.issued_tokens)
        raise RuntimeError("the token %s was refused" % issued[0])

    run = run_module(scripted(run=run), password_args(emulator))
    assert run.result["msg"] == "unexpected RuntimeError: the token %s was refused" % MASK
    assert_no_secret(run, issued[0])


def test_fail_task_scrubs_msg_and_fields(emulator):
    def run(module, client):
        list_members(client)
        token = client.issued_tokens[0]
        module.fail_task(msg="gate failed with %s" % token, checks=[{"why": [token]}], status=None)

    run = run_module(scripted(run=run), password_args(emulator))
    assert run.code == 1 and run.result["msg"] == "gate failed with %s" % MASK
    assert run.result["checks"] == [{"why": [MASK]}] and run.result["status"] is None


# ---- modules that do not talk to APIG ------------------------------------------------------------------------------


def test_a_module_talks_to_apig_unless_it_says_otherwise(emulator):
    """A subclass that does not set ``uses_api`` (every module but backend_probe) gets the options and a client."""
    module_class = type(
        "DefaultModule",
        (ApigModule,),
        {"run": lambda self, client: {"members": len(list_members(client)), "endpoint": self.params["endpoint"]}},
    )

    def main():
        module_class()()

    code, result, _output = run_module(main, token_args(emulator))
    assert code == 0, result
    assert result["members"] == 1 and result["endpoint"] == emulator.url


def test_a_module_without_the_api_gets_no_connection_options():
    code, result, _output = run_module(scripted(uses_api=False), {"note": "x", "auth_token": "t"})
    assert code == 1 and "auth_token" in result["msg"] and result["msg"].startswith("Unsupported parameters")


def test_a_module_without_the_api_runs_without_a_client():
    clients = []
    main = scripted(
        run=lambda module, client: clients.append(client) or {"note": module.params["note"]}, uses_api=False
    )
    code, result, _output = run_module(main, {"note": "hello"})
    assert code == 0 and result == {"note": "hello", "changed": False, "invocation": result.get("invocation")}
    assert clients == [None]


def test_a_module_without_the_api_turns_errors_into_results_the_same_way():
    def run(module, client):
        raise OSError("disk full")

    code, result, _output = run_module(scripted(run=run, uses_api=False), {})
    assert code == 1 and result["msg"] == "unexpected OSError: disk full" and "exception" not in result


# ---- fact names ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["gate", "_private", "gate_probe_2", "Ansible_is_not_ansible_"])
def test_plain_variable_names_are_good_fact_names(name):
    main = scripted(run=lambda module, client: {"fact": module.check_fact_name()}, uses_api=False)
    code, result, _output = run_module(main, {"fact_name": name})
    assert code == 0 and result["fact"] == name


@pytest.mark.parametrize("name", ["", "1st", "with space", "dash-ed", "ansible_facts", "ansible_x", "x.y", "ünï"])
def test_other_fact_names_are_refused_naming_the_option(name):
    main = scripted(validate=lambda module: module.check_fact_name(), uses_api=False)
    code, result, _output = run_module(main, {"fact_name": name})
    assert code == 1 and result["option"] == "fact_name"
    assert result["msg"] == "fact_name must be a valid variable name not starting with ansible_, got %r" % name


# ---- transport warnings --------------------------------------------------------------------------------------------


def test_no_warning_for_verified_or_loopback_transport(emulator):
    code, result, _output = run_module(scripted(), token_args(emulator))
    assert code == 0 and warning_texts(result) == []


def test_validate_certs_false_warns(emulator):
    _code, result, _output = run_module(scripted(), token_args(emulator, validate_certs=False))
    (warning,) = warning_texts(result)
    assert warning.startswith("validate_certs is false: the identity of APIG and IAM is not verified")


def test_plain_http_to_another_host_warns_for_each_endpoint():
    # The run sends nothing, so the names (reserved, .invalid) are never resolved.
    args = {
        "endpoint": "http://apig.example.invalid",
        "iam_endpoint": "http://iam.example.invalid:8080/v3",
        "region": presets.PROJECT_NAME,
        "user_name": "u",
        "password": "p-secret",
        "domain_name": "d",
    }
    _code, result, _output = run_module(scripted(), args)
    assert warning_texts(result) == [
        "apig.example.invalid is plain HTTP: credentials and answers travel unencrypted.",
        "iam.example.invalid:8080 is plain HTTP: credentials and answers travel unencrypted.",
    ]


@pytest.mark.parametrize("host", ["127.0.0.2", "[::1]", "localhost"])
def test_plain_http_to_any_loopback_address_does_not_warn(host):
    args = {"endpoint": "http://%s:1" % host, "project_id": presets.PROJECT_ID, "auth_token": "tok-1234"}
    _code, result, _output = run_module(scripted(), args)
    assert warning_texts(result) == []


def test_https_to_another_host_does_not_warn():
    args = {"endpoint": "https://apig.example.invalid", "project_id": presets.PROJECT_ID, "auth_token": "tok-1234"}
    code, result, _output = run_module(scripted(), args)
    assert code == 0 and warning_texts(result) == []
