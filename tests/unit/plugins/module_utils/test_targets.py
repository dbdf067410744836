# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""targets.py, the one address model: what is accepted, how bad input is named, and when two spellings are one.

Addresses reach the collection as APIG writes them (``host:port``, ``[v6]:port``), as users give probe targets
(also URLs), and as the gateway's ``failures``; a typo must fail before any packet is sent, and two spellings of
one backend must compare equal, or the mismatch hints would invent (or hide) a problem.
"""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.hwcloud.apig.plugins.module_utils.targets import (
    MAX_BACKEND_ADDRESS,
    Address,
    AddressError,
    InvalidTargetError,
    Target,
    address_key,
    format_address,
    host_key,
    parse_address,
    parse_backend_address,
    parse_target,
    parse_targets,
)


@pytest.mark.parametrize(
    "text, protocol, host, port, path, is_ip",
    [
        ("127.0.0.1:8080", "tcp", "127.0.0.1", 8080, None, True),
        ("localhost:1", "tcp", "localhost", 1, None, False),
        ("backend-1.internal.example:65535", "tcp", "backend-1.internal.example", 65535, None, False),
        ("svc_a.local.:443", "tcp", "svc_a.local.", 443, None, False),
        ("[::1]:443", "tcp", "::1", 443, None, True),
        ("[fe80::1%lo]:22", "tcp", "fe80::1%lo", 22, None, True),
        ("http://127.0.0.1:8080/healthz", "http", "127.0.0.1", 8080, "/healthz", True),
        ("http://localhost", "http", "localhost", 80, None, False),
        ("https://localhost", "https", "localhost", 443, None, False),
        ("https://localhost/", "https", "localhost", 443, "/", False),
        ("HTTPS://localhost:9443/a/b?x=1&y=2", "https", "localhost", 9443, "/a/b?x=1&y=2", False),
        ("http://localhost:81?ready", "http", "localhost", 81, "/?ready", False),
        ("http://[::1]:8080/x", "http", "::1", 8080, "/x", True),
        ("http://[::1]/", "http", "::1", 80, "/", True),
    ],
)
def test_valid_targets(text, protocol, host, port, path, is_ip):
    target = parse_target(text, "tcp")
    assert target == Target(text, protocol, host, port, path, is_ip)
    assert target.text == text


def test_default_protocol_applies_to_host_port_only():
    assert parse_target("127.0.0.1:443", "https").protocol == "https"
    assert parse_target("http://127.0.0.1:443/", "tls").protocol == "http"


@pytest.mark.parametrize(
    "text, why",
    [
        ("", "empty"),
        ("127.0.0.1", "no port"),
        ("127.0.0.1:", "no port"),
        ("localhost", "no port"),
        ("127.0.0.1:0", "port 0 is outside 1-65535"),
        ("127.0.0.1:65536", "port 65536 is outside 1-65535"),
        ("127.0.0.1:99999999", "outside 1-65535"),
        ("127.0.0.1:http", "port 'http' is not a number"),
        ("127.0.0.1:-1", "is not a number"),
        ("127.0.0.1:+80", "is not a number"),
        (":80", "no host"),
        ("::1:80", "IPv6 addresses need brackets"),
        ("[::1]", 'no port after "]"'),
        ("[::1]80", "unexpected '80' after \"]\""),
        ("[::1:80", "unclosed"),
        ("[127.0.0.1]:80", "is not an IPv6 address"),
        ("[nonsense]:80", "is not an IPv6 address"),
        ("999.1.1.1:80", "not a valid IPv4 address"),
        ("1.2.3:80", "not a valid IPv4 address"),
        ("bad host:80", "white space"),
        (" 127.0.0.1:80", "white space"),
        ("127.0.0.1:80\n", "white space"),
        ("-leading-dash:80", "not a valid host name"),
        ("a..b:80", "not a valid host name"),
        ("b\u00fccher.example:80", "xn--"),
        ("%s.example:80" % ("a" * 64), "not a valid host name"),
        ("127.0.0.1:80/health", "a path needs a URL"),
        ("ftp://127.0.0.1:21/", "URL scheme 'ftp'"),
        ("tcp://127.0.0.1:21", "URL scheme 'tcp'"),
        ("http://", "no host in URL"),
        ("http://:80/", "no host"),
        ("http://user:pw@127.0.0.1/", "user info"),
        ("http://127.0.0.1:0/", "port 0"),
        ("http://127.0.0.1:70000/", "outside 1-65535"),
        ("http://::1:80/", "IPv6 addresses need brackets"),
        ("http://[::1]x/", "unexpected"),
        ("!!!", "no port"),
        ("@@@:80", "not a valid host name"),
        (None, "must be a string"),
        (8080, "must be a string"),
    ],
)
def test_invalid_targets_are_named(text, why):
    with pytest.raises(InvalidTargetError) as caught:
        parse_target(text, "tcp")
    assert caught.value.target == text
    assert why in str(caught.value)
    assert repr(text) in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_parse_targets_reports_every_bad_target_at_once():
    with pytest.raises(InvalidTargetError) as caught:
        parse_targets(["127.0.0.1:80", "nope", "127.0.0.1:0", "localhost:22"], "tcp")
    assert [target for target, dummy in caught.value.problems] == ["nope", "127.0.0.1:0"]
    assert caught.value.target == "nope"
    assert str(caught.value).startswith("invalid targets ")


def test_parse_targets_caps_the_message_but_keeps_every_problem():
    bad = ["bad%d" % index for index in range(25)]
    with pytest.raises(InvalidTargetError) as caught:
        parse_targets(bad)
    assert len(caught.value.problems) == 25
    assert "and 15 more" in str(caught.value)


def test_parse_targets_rejects_a_bare_string_and_passes_targets_through():
    with pytest.raises(InvalidTargetError):
        parse_targets("127.0.0.1:80")
    parsed = parse_target("127.0.0.1:80")
    assert parse_targets([parsed, "localhost:81"]) == [parsed, parse_target("localhost:81")]


def test_unknown_default_protocol():
    with pytest.raises(ValueError):
        parse_target("127.0.0.1:80", "udp")


@pytest.mark.parametrize(
    "host, port, text", [("127.0.0.1", 80, "127.0.0.1:80"), ("::1", 443, "[::1]:443"), ("localhost", 1, "localhost:1")]
)
def test_format_address(host, port, text):
    assert format_address(host, port) == text
    assert parse_target(text).hostport == text


# ---- addresses ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("127.0.0.1:8080", ("127.0.0.1", 8080)),
        ("api.example.com:443", ("api.example.com", 443)),
        ("[2001:db8::1]:443", ("2001:db8::1", 443)),
        ("[::1]:1", ("::1", 1)),
        ("localhost:65535", ("localhost", 65535)),
    ],
)
def test_addresses_as_apig_writes_them(text, expected):
    address = parse_address(text)
    assert (address.host, address.port) == expected
    assert format_address(*expected) == text


@pytest.mark.parametrize(
    "text",
    [
        "",
        "host",
        "host:",
        ":80",
        "host:0",
        "host:65536",
        "host:-1",
        "host:8o",
        "2001:db8::1:443",
        "[2001:db8::zz]:1",
        "[::1]",
        "[::1]:",
        " host:80",
        "ho st:80",
        "host:80 ",
        "-bad-.com:80",
        "a..b:80",
        "999.1.1.1:80",
        "1.2.3:80",
        "host:٣",
        "x" * 300 + ":80",
        "ünïcode.example:80",
    ],
)
def test_malformed_addresses_are_refused(text):
    with pytest.raises(AddressError):
        parse_address(text)


@pytest.mark.parametrize(
    "text",
    ["http://127.0.0.1:80", "https://my_host.internal:443/", "HTTP://[::1]:8080/x", "tcp://127.0.0.1:1"],
)
def test_a_url_given_as_an_address_is_refused_as_a_url(text):
    with pytest.raises(AddressError) as caught:
        parse_address(text)
    assert str(caught.value) == "is a URL; give the address as host:port"


def test_a_path_without_a_scheme_needs_a_url():
    with pytest.raises(AddressError) as caught:
        parse_address("127.0.0.1:80/health")
    assert str(caught.value).startswith("a path needs a URL")


def test_default_port_applies_only_when_none_is_given():
    assert parse_address("localhost", default_port=80).port == 80
    assert parse_address("localhost:81", default_port=80).port == 81
    assert parse_address("[::1]", default_port=443).key == ("::1", 443)


@pytest.mark.parametrize("value", [None, 80, b"127.0.0.1:80", ["127.0.0.1:80"]])
def test_an_address_must_be_a_string(value):
    with pytest.raises(AddressError) as caught:
        parse_address(value)
    assert str(caught.value).startswith("an address must be a string, not ")


# ---- names with underscores -------------------------------------------------------------------------------------


@pytest.mark.parametrize("host", ["my_host", "my_host.internal", "_service._tcp.example", "svc_a.local."])
def test_underscore_names_are_accepted_everywhere(host):
    assert parse_address("%s:8080" % host).host == host
    assert parse_target("%s:8080" % host).host == host
    assert parse_target("https://%s/ready" % host) == Target("https://%s/ready" % host, "https", host, 443, "/ready")
    assert parse_targets(["%s:1" % host, "http://%s:2/" % host])[1].port == 2
    assert host_key(host.upper()) == host.rstrip(".").lower()


# ---- comparison keys --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "one, other",
    [
        ("[2001:DB8::1]:443", "[2001:db8:0::1]:443"),
        ("[2001:db8::1]:443", "[2001:0db8:0000:0000:0000:0000:0000:0001]:443"),
        ("Host.Example.:80", "host.example:80"),
        ("MY_HOST.internal:80", "my_host.Internal.:80"),
        ("[::ffff:127.0.0.1]:80", "[::FFFF:7f00:1]:80"),
        ("[FE80::1%eth0]:22", "[fe80:0::1%eth0]:22"),
    ],
)
def test_two_spellings_of_one_backend_have_one_key(one, other):
    assert parse_address(one).key == parse_address(other).key
    assert address_key(one) == address_key(other)


@pytest.mark.parametrize(
    "one, other",
    [
        ("[2001:db8::1]:443", "[2001:db8::2]:443"),
        ("[2001:db8::1]:443", "[2001:db8::1]:444"),
        ("host.example:80", "host.example.org:80"),
        ("[fe80::1%eth0]:22", "[fe80::1%eth1]:22"),
        ("127.0.0.1:80", "[::ffff:127.0.0.1]:80"),
    ],
)
def test_different_backends_have_different_keys(one, other):
    assert address_key(one) != address_key(other)


def test_the_key_of_an_address_and_its_text():
    assert parse_address("[2001:DB8::1]:443").key == ("2001:db8::1", 443)
    assert Address("Host.Example.", 80).key == ("host.example", 80)
    assert address_key("not an address") == "not an address", "unparseable text is compared as it is"
    assert host_key("[2001:DB8::1]") == "2001:db8::1"
    assert host_key("fe80::1%ETH0") == "fe80::1%ETH0", "a zone is an interface name: its case is kept"


def test_address_writes_itself_as_apig_does():
    address = parse_address("[2001:db8::1]:443")
    assert (str(address), address.hostport, repr(address)) == (
        "[2001:db8::1]:443",
        "[2001:db8::1]:443",
        "Address('2001:db8::1', 443)",
    )
    assert address.is_ip and not parse_address("localhost:1").is_ip


@given(
    host=st.one_of(
        st.ip_addresses().map(str),
        st.from_regex(r"[a-z_][a-z0-9_]{0,10}(\.[a-z_][a-z0-9_]{0,10}){0,3}", fullmatch=True),
    ),
    port=st.integers(1, 65535),
)
def test_formatting_then_parsing_keeps_the_key(host, port):
    text = format_address(host, port)
    assert parse_address(text).key == (host_key(host), port)
    assert parse_address(text.upper()).key == parse_address(text).key


# ---- backend addresses as APIG takes them -------------------------------------------------------------------------

# A 250-character host name (labels of at most 63 characters): with ":8080", exactly the 255 characters APIG takes.
LONGEST_NAME = ".".join(["a" * 63, "b" * 63, "c" * 63, "d" * 58])


@pytest.mark.parametrize(
    "text, variables",
    [
        ("10.1.2.3:8080", []),
        ("api.example.com", []),
        ("[2001:db8::1]", []),
        ("my_host.internal:8443", []),
        ("#HOST#", ["HOST"]),
        ("#svc#.internal:8443", ["svc"]),
        ("backend.example:#PORT#", ["PORT"]),
        ("[::1]:#PORT#", ["PORT"]),
        ("#A_1#:#port-2#", ["A_1", "port-2"]),
        ("#abc#", ["abc"]),
        ("#%s#" % ("v" * 32), ["v" * 32]),
        (LONGEST_NAME + ":8080", []),
    ],
)
def test_backend_addresses_are_kept_as_written_with_their_variables(text, variables):
    """The gateway is sent the address as written; ``#name#`` variables (3-32 characters) are listed in order."""
    assert len(LONGEST_NAME + ":8080") == MAX_BACKEND_ADDRESS == 255
    backend = parse_backend_address(text)
    assert (backend.text, backend.variables) == (text, variables)


@pytest.mark.parametrize(
    "text, why",
    [
        ("", "empty"),
        (None, "must be a string"),
        (" 10.1.2.3:80", "white space"),
        (LONGEST_NAME + "d:8080", "is longer than the 255 characters APIG accepts"),
        ("#%s#:8080" % ("v" * 250), "is longer than the 255 characters APIG accepts"),
        ("http://10.1.2.3:80", "is a URL"),
        ("#ab#:80", "has a '#' that does not enclose an environment variable name"),
        ("#%s#:80" % ("v" * 33), "has a '#' that does not enclose"),
        ("#1abc#:80", "has a '#' that does not enclose"),
        ("host#:80", "has a '#' that does not enclose"),
        ("#HOST#:0", "port 0 is outside 1-65535"),
        ("#HOST#:65536", "outside 1-65535"),
        ("host:#PORT#x", "is not a number"),
        ("10.1.2.3:80/x", "has a path; give the address as host:port, without scheme or path: 10.1.2.3:80. Local"),
        ("2001:db8::1:443", "IPv6 addresses need brackets"),
    ],
)
def test_backend_addresses_apig_would_refuse_are_refused_saying_why(text, why):
    with pytest.raises(AddressError) as caught:
        parse_backend_address(text)
    assert why in str(caught.value)


@pytest.mark.parametrize(
    "text, protocol, hostport",
    [
        ("api.example.com", "tcp", "api.example.com:80"),
        ("api.example.com", "http", "api.example.com:80"),
        ("api.example.com", "tls", "api.example.com:443"),
        ("api.example.com", "https", "api.example.com:443"),
        ("[2001:db8::1]", "https", "[2001:db8::1]:443"),
        ("10.1.2.3:8080", "https", "10.1.2.3:8080"),
        ("127.0.0.1:1", "tcp", "127.0.0.1:1"),
    ],
)
def test_a_backend_address_without_a_port_is_probed_on_the_protocols_port(text, protocol, hostport):
    address = parse_backend_address(text).local_address(protocol)
    assert address.hostport == hostport
    assert address.is_ip == (text[0] in "[1")


@pytest.mark.parametrize(
    "text, message",
    [
        ("#HOST#", "uses the environment variable #HOST#, which only an APIG environment resolves"),
        ("#HOST#:#PORT#", "uses the environment variables #HOST#, #PORT#, which only an APIG environment resolves"),
        ("backend:#PORT#", "uses the environment variable #PORT#, which"),
    ],
)
def test_a_backend_address_with_variables_cannot_be_probed_locally(text, message):
    with pytest.raises(AddressError) as caught:
        parse_backend_address(text).local_address("tcp")
    assert str(caught.value).startswith(message)
    assert "api_backend_info resolves variables per environment" in str(caught.value)


@pytest.mark.parametrize("count, tail", [(1, "invalid target 'bad0': "), (10, "'bad9': no port"), (11, "and 1 more")])
def test_the_message_names_up_to_ten_bad_targets_and_counts_the_rest(count, tail):
    with pytest.raises(InvalidTargetError) as caught:
        parse_targets(["bad%d" % index for index in range(count)])
    message = str(caught.value)
    assert tail in message and message.count("no port") == min(count, 10)
    assert ("more" in message) == (count > 10)
    assert message.startswith("invalid target " if count == 1 else "invalid targets ")


def test_a_host_name_may_have_253_characters_and_no_more():
    longest = ".".join(["a" * 63, "b" * 63, "c" * 63, "d" * 61])
    assert len(longest) == 253
    assert parse_address(longest + ":80").host == longest
    with pytest.raises(AddressError, match="is not a valid host name"):
        parse_address(longest + "d:80")


def test_a_target_writes_itself_with_every_field():
    assert repr(parse_target("http://[::1]:8080/x?y=1")) == (
        "Target('http://[::1]:8080/x?y=1', protocol='http', host='::1', port=8080, path='/x?y=1')"
    )


def test_targets_are_values_equal_exactly_when_every_field_is():
    one, same = parse_target("localhost:1"), parse_target("localhost:1")
    assert one == same and (one != same) is False and hash(one) == hash(same)
    assert len({one, same, parse_target("localhost:1", "tls")}) == 2
    for other in (parse_target("localhost:2"), parse_target("localhost:1", "tls"), parse_target("http://localhost:1/")):
        assert one != other and other != one
        assert (one == other) is False and (other == one) is False
    assert one != Address("localhost", 1) and one != "localhost:1"


@pytest.mark.parametrize(
    "text, message",
    [
        ("999.1.1.1:80", "invalid target '999.1.1.1:80': '999.1.1.1' is not a valid IPv4 address"),
        ("[nonsense]:80", "invalid target '[nonsense]:80': 'nonsense' is not an IPv6 address"),
        ("-a.example:80", "invalid target '-a.example:80': '-a.example' is not a valid host name (use the xn-- form"),
        ("http://::1:80/", "invalid target 'http://::1:80/': IPv6 addresses need brackets: http://[address]:port/"),
        ("https://::1/", "invalid target 'https://::1/': IPv6 addresses need brackets: https://[address]:port/"),
    ],
)
def test_a_refusal_names_the_offending_part(text, message):
    with pytest.raises(InvalidTargetError) as caught:
        parse_target(text)
    assert str(caught.value).startswith(message)


class _TaggedText(str):
    """A str subclass, as the controller hands some strings around (e.g. Ansible's unsafe text)."""


def test_a_str_subclass_parses_as_its_text():
    assert parse_address(_TaggedText("localhost:80")).key == ("localhost", 80)
    assert parse_target(_TaggedText("http://[::1]/")).port == 80
    assert parse_backend_address(_TaggedText("#HOST#:8080")).variables == ["HOST"]
    with pytest.raises(AddressError, match="white space"):
        parse_address(_TaggedText("localhost:80 "))


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: parse_address(None), "an address must be a string, not NoneType"),
        (lambda: parse_address(80), "an address must be a string, not int"),
        (lambda: parse_target(b"localhost:80"), "invalid target b'localhost:80': a target must be a string, not bytes"),
        (lambda: parse_address("::1", default_port=80), "IPv6 addresses need brackets: [address]:port"),
        (lambda: parse_address("fe80::1", default_port=80), "IPv6 addresses need brackets: [address]:port"),
        (lambda: parse_address("127.0.0.1%eth0:80"), "'127.0.0.1%eth0' is not a valid host name"),
    ],
    ids=["none", "int", "bytes", "bare-loopback-v6", "bare-v6", "zone-on-v4"],
)
def test_common_mistakes_are_refused_saying_what_is_wrong(call, message):
    """The type given, an IPv6 address without brackets, a zone (an IPv6 notion) on an IPv4 address."""
    with pytest.raises(ValueError) as caught:
        call()
    assert str(caught.value) == message or str(caught.value).startswith(message + " ")
