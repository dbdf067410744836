# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""status_codes.py: ``expected_status`` in APIG's "200,201" / "200-299" syntax, lists of ints, and mixes.

The syntax is the one APIG's VPC channel health checks use for their HTTP codes, so users can copy it; a piece
that is not a status code must be named in the refusal.
"""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.hwcloud.apig.plugins.module_utils.status_codes import (
    DEFAULT_EXPECTED_STATUS,
    StatusCodes,
    parse_expected_status,
)


@pytest.mark.parametrize(
    "value, inside, outside, text",
    [
        (None, [200, 302, 399], [199, 400, 503], "200-399"),
        ("200", [200], [201, 199], "200"),
        (200, [200], [201], "200"),
        ("200,201", [200, 201], [202], "200-201"),
        ("200-299", [200, 250, 299], [300], "200-299"),
        ("200,300-399", [200, 301, 399], [201, 299, 400], "200,300-399"),
        (" 200 , 204 - 206 ", [200, 205], [201, 207], "200,204-206"),
        ([200, 201, 204], [200, 201, 204], [202, 203], "200-201,204"),
        (["200", "300-302"], [200, 301], [303], "200,300-302"),
        ([200, "400-499"], [200, 404], [500], "200,400-499"),
        (("200-299", "250-350"), [200, 350], [351], "200-350"),
        ("100-599", [100, 599], [], "100-599"),
    ],
)
def test_valid_syntax(value, inside, outside, text):
    codes = parse_expected_status(value)
    for code in inside:
        assert code in codes
    for code in outside:
        assert code not in codes
    assert str(codes) == text


@pytest.mark.parametrize(
    "value, fragment",
    [
        ("", "'' is not a status code"),
        ("abc", "'abc'"),
        ("200,", "''"),
        ("200;201", "'200;201'"),
        ("299-200", "runs backwards"),
        ("99", "'99'"),
        ("600", "outside 100-599"),
        ("200-600", "outside 100-599"),
        (0, "outside 100-599"),
        (1000, "status code 1000 is outside 100-599"),
        ("200,700", "status code 700 is outside 100-599 (in '200,700')"),
        ([], "no status codes"),
        ([200, None], "None"),
        (True, "not a status code"),
        ("2xx", "'2xx'"),
        ("200-", "'200-'"),
        ({"200": 1}, "not a status code"),
    ],
)
def test_bad_syntax_names_the_piece(value, fragment):
    with pytest.raises(ValueError) as caught:
        parse_expected_status(value)
    assert fragment in str(caught.value)


def test_default_is_success_and_redirects():
    assert parse_expected_status(None) == parse_expected_status(DEFAULT_EXPECTED_STATUS)
    assert str(parse_expected_status(None)) == "200-399"


def test_status_codes_value_semantics():
    assert parse_expected_status("200,201") == StatusCodes([(200, 201)])
    assert parse_expected_status("200,201") != parse_expected_status("200")
    assert len({parse_expected_status("200-201"), parse_expected_status([200, 201])}) == 1
    assert parse_expected_status(parse_expected_status("204")) == StatusCodes([(204, 204)])
    assert repr(parse_expected_status("204")) == "StatusCodes('204')"


@given(st.lists(st.tuples(st.integers(100, 599), st.integers(0, 50)), min_size=1, max_size=8))
def test_text_form_round_trips(pieces):
    ranges = [(low, min(low + width, 599)) for low, width in pieces]
    text = ",".join("%d-%d" % pair for pair in ranges)
    codes = parse_expected_status(text)
    assert parse_expected_status(str(codes)) == codes
    for code in range(100, 600):
        assert (code in codes) == any(low <= code <= high for low, high in ranges)
