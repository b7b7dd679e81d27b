"""resilience/numbers.py: every form of a number a page prints is read back, and every
ambiguous or malformed one is refused with its reason. Pure: no database."""

from __future__ import annotations

import pytest
from flask_babel import force_locale
from hypothesis import given
from hypothesis import strategies as st

from resilience.numbers import NumberError, parse_number
from resilience.web.formatting import format_number
from tests.helpers.numbers import ACCEPTED, REFUSED


@pytest.mark.parametrize(("text", "decimal_comma", "value"), ACCEPTED)
def test_numbers_as_pages_print_them_are_read(text: str, decimal_comma: bool, value: float) -> None:
    assert parse_number(text, decimal_comma=decimal_comma) == pytest.approx(value)


@pytest.mark.parametrize(("text", "decimal_comma", "reason"), REFUSED)
def test_ambiguous_and_malformed_numbers_are_refused(
    text: str, decimal_comma: bool, reason: str
) -> None:
    with pytest.raises(NumberError) as info:
        parse_number(text, decimal_comma=decimal_comma)
    assert info.value.reason == reason and info.value.text == text


@given(st.floats(min_value=-1e9, max_value=1e9, allow_nan=False).map(lambda v: round(v, 2)))
def test_format_number_and_parse_number_are_inverse(value: float) -> None:
    """What a page prints, in Swedish and in English, reads back as the number."""
    from flask import Flask
    from flask_babel import Babel

    app = Flask(__name__)
    Babel(app)
    with app.test_request_context():
        for lang, decimal_comma in (("sv_SE", True), ("en_GB", False)):
            with force_locale(lang):
                printed = format_number(value, 2)
            assert parse_number(printed, decimal_comma=decimal_comma) == pytest.approx(value)
