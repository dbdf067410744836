# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Bad input: every generated bad argument is refused with a message naming the option, and nothing is sent.

The module runs in-process (``patch_module_args``, ansible-core 2.19), so
hundreds of argument sets take seconds; its JSON answer is read from stdout.
A real emulator listens at the endpoint the whole time: its request log must
stay empty, so "refused before any request" is a fact, not an assumption.
test_bad_input_through_ansible_playbook repeats a handful through a real
ansible-playbook run.
"""

import json
import re

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ansible_collections.hwcloud.apig.plugins.modules import backend_connectivity
from tests.emulator import presets
from tests.emulator.server import Emulator
from tests.integration.test_load import run_hosts
from tests.module_runner import run_module as run_in_process

HEX32 = re.compile(r"[0-9a-fA-F]{32}")
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def emulator():
    emu = Emulator(presets.default_config()).start()
    yield emu
    emu.stop()


def valid_args(emu):
    return {
        "endpoint": emu.url,
        "project_id": presets.PROJECT_ID,
        "auth_token": presets.TOKEN_VALID,
        "timeout": 2,
        "retries": 0,
        "instance_id": presets.INSTANCE_ID,
        "backend_type": "backend_address",
        "backend_address": "127.0.0.1:1",
    }


def run_module(args):
    """The module's JSON answer for these arguments (it always exits, and prints no traceback)."""
    return run_in_process(backend_connectivity.main, args).result


def echoes(value):
    """Every form in which a refusal may quote ``value`` (and the parts of a list or a mapping)."""
    forms = {
        str(value),
        repr(value),
        json.dumps(value, default=str),
        json.dumps(value, default=str, ensure_ascii=False),
    }
    if isinstance(value, dict):
        for key, item in value.items():
            forms |= echoes(key) | echoes(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            forms |= echoes(item)
    return {form for form in forms if form}


def names_outside_the_echo(msg, word, value):
    """True when ``word`` occurs in ``msg`` somewhere other than inside a quotation of ``value``.

    A refusal quotes the value it refuses; a value that happens to contain the option's name (or the word
    "unexpected") must not make a wrong refusal look right.
    """
    quoted = [(match.start(), match.end()) for form in echoes(value) for match in re.finditer(re.escape(form), msg)]
    return any(
        not any(start <= match.start() and match.end() <= end for start, end in quoted)
        for match in re.finditer(re.escape(word), msg)
    )


def is_within(named, option):
    """The ``option`` field names ``option`` itself or one of its suboptions (``local_probe.timeout``)."""
    return named == option or named.startswith((option + ".", option + "["))


def assert_refused(emu, args, option, value):
    """Refused before any request, naming ``option`` - by the ``option`` field or outside the quoted ``value``."""
    emu.clear_requests()
    result = run_module(args)
    assert result.get("failed") is True, (args, result)
    assert is_within(result.get("option", option), option), (option, result)
    assert names_outside_the_echo(result["msg"], option, value), (option, result["msg"])
    assert not result["msg"].startswith("unexpected "), result["msg"]
    assert "exception" not in result, result
    assert "check_result" not in result
    assert emu.requests == [], "bad input sent a request: %r" % emu.requests


# ---- strategies of bad values -------------------------------------------------------------------------------------

bad_ports = st.one_of(st.just(0), st.integers(65536, 10**7), st.integers(-(10**5), -1))
hostnames = st.from_regex(r"[a-z][a-z0-9]{0,10}(\.[a-z][a-z0-9]{0,10}){0,2}", fullmatch=True)
ipv6 = st.sampled_from(["::1", "2001:db8::1", "fe80::1", "::ffff:127.0.0.1", "2001:db8:0:0:0:0:2:1"])
non_ascii = st.characters(min_codepoint=0x80, max_codepoint=0x10FFFF, exclude_categories=("Cs",))

bad_addresses = st.one_of(
    st.builds(lambda host, port: "%s:%d" % (host, port), hostnames, bad_ports),  # port 0, 65536+, negative
    st.builds(lambda host, port: "[%s]:%d" % (host, port), ipv6, bad_ports),  # IPv6 with a bad port
    st.builds(lambda host, port: "%s:%d" % (host, port), ipv6, st.integers(1, 65535)),  # IPv6 without brackets
    st.builds(lambda host: "#%s:80" % host, hostnames),  # a '#' that encloses no variable
    st.builds(lambda host: "#%s#:80" % host[:2], hostnames),  # a variable name shorter than 3 characters
    st.builds(lambda host, port: "http://%s:%d/" % (host, port), hostnames, st.integers(1, 65535)),  # a URL
    st.builds(lambda host, char, port: "%s%s:%d" % (host, char, port), hostnames, non_ascii, st.integers(1, 65535)),
    st.builds(
        lambda host, port: "%s:%s" % (host, port),
        hostnames,  # not a number
        st.text(alphabet="abc+-_ x\u0663\uff18", min_size=1, max_size=5),
    ),
    st.builds(lambda label, port: "%s.example:%d" % (label * 70, port), st.sampled_from("ab"), st.integers(1, 65535)),
    st.builds(
        lambda host, port, pad: "%s%s:%d" % (pad, host, port),
        hostnames,
        st.integers(1, 65535),
        st.sampled_from([" ", "\t", "\n"]),
    ),
    st.builds(lambda n: "256.%d.0.1:80" % n, st.integers(0, 255)),
    st.sampled_from(["-bad.example:80", "a..b:80", "[zz::1]:80", "[::1]:", ":80", "", "   "]),
)


def not_hex32(text):
    return not HEX32.fullmatch(text)


bad_ids = st.one_of(
    st.text(max_size=40).filter(not_hex32),
    st.text(alphabet="0123456789abcdef", min_size=31, max_size=33).filter(not_hex32),
    st.builds(
        lambda prefix, char: prefix + char,
        st.text(alphabet="0123456789abcdef", min_size=31, max_size=31),
        st.sampled_from(["g", "/", "%", "\u00e9", " ", "\x00"]),
    ),
    st.just("0" * 10000),
)

secretish = st.text(min_size=1, max_size=30).filter(lambda text: text.strip() == text and text.strip())


# ---- properties ---------------------------------------------------------------------------------------------------


@SETTINGS
@given(address=bad_addresses)
def test_odd_backend_addresses_are_refused(emulator, address):
    assert_refused(emulator, dict(valid_args(emulator), backend_address=address), "backend_address", address)


@SETTINGS
@given(key=st.sampled_from(["instance_id", "vpc_channel_id"]), value=bad_ids)
def test_ids_that_are_not_32_hex_characters_are_refused(emulator, key, value):
    args = dict(valid_args(emulator), instance_id=presets.INSTANCE_ID)
    if key == "vpc_channel_id":
        args.update(backend_type="vpc_channel", vpc_channel_id=value)
        del args["backend_address"]
    else:
        args["instance_id"] = value
    assert_refused(emulator, args, key, value)


LOCAL_PROBE_KEYS = (
    "protocol",
    "path",
    "method",
    "expected_status",
    "body_regex",
    "headers",
    "validate_certs",
    "timeout",
    "concurrency",
)


def bad(option, *values):
    return st.tuples(st.just(option), st.one_of(*values))


bad_options = st.one_of(
    bad(
        "timeout",
        st.floats(max_value=0),
        st.floats(min_value=600.001),
        st.just(float("nan")),
        st.text(alphabet="abc", min_size=1),
        st.lists(st.integers(), min_size=1, max_size=2),
    ),
    bad(
        "retries",
        st.integers(max_value=-1),
        st.integers(min_value=11),
        st.text(alphabet="xyz", min_size=1),
        st.just(1.5),
    ),
    bad("concurrency", st.integers(max_value=0), st.integers(min_value=201), st.just("many")),
    bad("wait_timeout", st.floats(max_value=-0.001), st.floats(min_value=3600.001), st.just(float("nan"))),
    bad("wait_interval", st.floats(max_value=0), st.floats(min_value=600.001)),
    bad(
        "fact_name",
        st.text(min_size=1, max_size=10).filter(lambda t: not t.isidentifier()),
        st.builds(lambda t: "ansible_" + t, st.from_regex(r"[a-z]{1,8}", fullmatch=True)),
    ),
    bad("probe", st.text(min_size=1, max_size=10).filter(lambda t: t not in ("remote", "local", "both"))),
    bad("backend_type", st.text(min_size=1, max_size=20).filter(lambda t: t not in ("backend_address", "vpc_channel"))),
    bad(
        "local_probe",
        st.dictionaries(
            st.from_regex(r"[a-z_]{1,12}", fullmatch=True).filter(lambda k: k not in LOCAL_PROBE_KEYS),
            st.integers(),
            min_size=1,
            max_size=2,
        ),
        st.builds(lambda t: {"timeout": t}, st.one_of(st.floats(max_value=0), st.just("soon"))),
        st.builds(
            lambda p: {"protocol": p}, st.text(max_size=6).filter(lambda t: t not in ("tcp", "tls", "http", "https"))
        ),
    ),
)


@SETTINGS
@given(case=bad_options)
def test_wrong_types_and_out_of_range_values_are_refused(emulator, case):
    option, value = case
    assert_refused(emulator, dict(valid_args(emulator), **{option: value}), option, value)


@SETTINGS
@given(
    endpoint=st.one_of(
        st.builds(lambda port: "http://127.0.0.1:%d" % port, st.one_of(st.just(0), st.integers(65536, 10**6))),
        st.builds(lambda scheme: "%s://127.0.0.1:80" % scheme, st.sampled_from(["ftp", "file", "ws", "gopher", ""])),
        st.builds(lambda extra: "http://127.0.0.1:80/%s" % extra, st.sampled_from(["?x=1", "#frag"])),
        st.just("http://user:pw@127.0.0.1:80"),
        st.just("127.0.0.1:80"),
        st.just("http://"),
        st.just("http://[::1"),
        st.builds(lambda pad: pad + "http://127.0.0.1:80", st.sampled_from([" ", "\t"])),
    )
)
def test_bad_endpoints_are_refused(emulator, endpoint):
    assert_refused(emulator, dict(valid_args(emulator), endpoint=endpoint), "endpoint", endpoint)


@SETTINGS
@given(
    option=st.sampled_from(["auth_token", "access_key", "security_token"]),
    char=non_ascii | st.sampled_from(" \t\x7f"),
    prefix=st.from_regex(r"[A-Za-z0-9]{1,10}", fullmatch=True),
)
def test_credentials_that_cannot_travel_in_a_header_are_refused_without_quoting_them(emulator, option, char, prefix):
    value = prefix + char + prefix
    args = dict(valid_args(emulator))
    if option != "auth_token":
        del args["auth_token"]
        args.update(access_key=presets.AK, secret_key=presets.SK)
    args[option] = value
    emulator.clear_requests()
    result = run_module(args)
    assert result.get("failed") is True, result
    assert is_within(result.get("option", option), option), result
    assert names_outside_the_echo(result["msg"], option, value), result
    assert not result["msg"].startswith("unexpected "), result["msg"]
    assert value not in json.dumps(result, ensure_ascii=False), "the refusal quotes the secret"
    assert emulator.requests == []


AUTH_GROUPS = {
    "token": {"auth_token": presets.TOKEN_VALID},
    "aksk": {"access_key": presets.AK, "secret_key": presets.SK},
    "password": {"user_name": presets.USER_NAME, "password": presets.USER_PASSWORD, "domain_name": presets.USER_DOMAIN},
}


@SETTINGS
@given(
    groups=st.lists(st.sampled_from(sorted(AUTH_GROUPS)), min_size=2, max_size=3, unique=True), partial=st.booleans()
)
def test_conflicting_or_incomplete_sign_in_is_refused(emulator, groups, partial):
    args = valid_args(emulator)
    del args["auth_token"]
    given_options = []
    for group in groups:
        items = sorted(AUTH_GROUPS[group].items())
        if partial:
            items = items[:1]
        args.update(items)
        given_options.extend(name for name, _value in items)
    result_msg_must_name = given_options  # the refusal names at least one of the options involved
    emulator.clear_requests()
    result = run_module(args)
    assert result.get("failed") is True, result
    assert any(name in result["msg"] for name in result_msg_must_name), result["msg"]
    assert "cannot be used together" in result["msg"] or "needs" in result["msg"], result["msg"]
    assert not result["msg"].startswith("unexpected "), result["msg"]
    assert emulator.requests == []


@SETTINGS
@given(
    value=st.one_of(
        st.text(min_size=129, max_size=300, alphabet="abc"),
        st.text(max_size=20).filter(
            lambda t: (
                t.strip()
                and not re.fullmatch(r"[A-Za-z0-9_-]+", t)
                and t == t.strip()
                and not any(ord(c) < 32 for c in t)
            )
        ),
    )
)
@example(value="unexpected:")  # its echo once matched a check for the word "unexpected"
@example(value="project_id/..")
@example(value="ap-southeast-1")  # a project name where the ID belongs
@example(value="0123456789ABCDEF0123456789ABCDEF")  # an ID in the wrong case
def test_project_ids_that_are_not_huawei_ids_are_refused(emulator, value):
    assert_refused(emulator, dict(valid_args(emulator), project_id=value), "project_id", value)


@SETTINGS
@given(
    name=st.one_of(
        st.text(min_size=129, max_size=200, alphabet="xy"),
        st.builds(
            lambda a, c, b: a + c + b,
            st.text(alphabet="ab", min_size=0, max_size=5),
            st.characters(max_codepoint=31) | st.just("\x7f"),
            st.text(alphabet="ab", max_size=3),
        ),
    )
)
def test_batch_check_names_are_refused_when_unprintable_or_too_long(emulator, name):
    args = valid_args(emulator)
    check = {
        "name": name,
        "instance_id": args.pop("instance_id"),
        "backend_type": args.pop("backend_type"),
        "backend_address": args.pop("backend_address"),
    }
    assert_refused(emulator, dict(args, checks=[check]), "checks[0].name", name)


@pytest.mark.parametrize("key", ["instance_id", "vpc_channel_id", "checks[0].name"])
def test_id_or_name_with_trailing_newline_is_refused(emulator, key):
    args = dict(valid_args(emulator), backend_type="vpc_channel", vpc_channel_id=presets.CHANNEL_ID)
    del args["backend_address"]
    if key == "checks[0].name":
        check = {name: args.pop(name) for name in ("instance_id", "backend_type", "vpc_channel_id")}
        args["checks"] = [dict(check, name="orders\n")]
    else:
        args[key] = args[key] + "\n"
    assert_refused(emulator, args, key, args.get(key) or "orders\n")


# ---- the same through ansible-playbook ----------------------------------------------------------------------------

PLAYBOOK_CASES = {
    # host: (check args, auth overrides, option the message must name)
    "port_zero": ({"backend_address": "127.0.0.1:0"}, {}, "backend_address"),
    "port_65536": ({"backend_address": "[::1]:65536"}, {}, "backend_address"),
    "bare_ipv6": ({"backend_address": "2001:db8::1:443"}, {}, "backend_address"),
    "unicode_token": ({}, {"auth_token": "t\u00f6ken-\u20ac"}, "auth_token"),
    "long_address": ({"backend_address": "a" * 5000 + ":80"}, {}, "backend_address"),
    "wrong_type": ({}, {"retries": "three"}, "retries"),
    "conflicting_sign_in": ({}, {"access_key": presets.AK, "secret_key": presets.SK}, "access_key"),
    "endpoint_port_zero": ({}, {"endpoint": "http://127.0.0.1:0"}, "endpoint"),
}


@pytest.mark.integration
def test_bad_input_through_ansible_playbook(emulator, tmp_path):
    hosts = {}
    for name, (check_overrides, auth_overrides, _option) in PLAYBOOK_CASES.items():
        args = valid_args(emulator)
        auth = {key: args.pop(key) for key in ("endpoint", "project_id", "auth_token", "timeout", "retries")}
        auth.update(auth_overrides)
        args.update(check_overrides)
        hosts[name] = {"apig_auth": auth, "check_args": args}
    emulator.clear_requests()
    run = run_hosts(tmp_path, hosts)
    assert "Traceback" not in run.output, run
    for name, (_check, _auth, option) in PLAYBOOK_CASES.items():
        result = run.results[name]
        assert result is not None and result.get("failed") is True, (name, result, run)
        assert option in result["msg"], (name, result["msg"])
        assert "check_result" not in result
    assert "t\u00f6ken-\u20ac" not in run.output
    assert emulator.requests == [], "bad input sent a request"
