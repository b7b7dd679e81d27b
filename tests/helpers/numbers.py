"""The table of numbers as pages print them, accepted and refused: read by the parser's
unit tests (tests/test_numbers.py) and by the browser test of its JavaScript copy."""

from __future__ import annotations

NBSP, NNBSP, THIN = "\u00a0", "\u202f", "\u2009"

# (text, decimal_comma, value): accepted with that rule.
ACCEPTED = [
    ("250000", True, 250000.0),
    ("250000", False, 250000.0),
    ("-1.8", True, -1.8),
    ("-1.8", False, -1.8),
    ("+3", True, 3.0),
    (".5", True, 0.5),
    ("1e3", True, 1000.0),
    ("  42 ", True, 42.0),
    ("250 000", True, 250000.0),
    (f"250{NBSP}000", True, 250000.0),
    (f"250{NNBSP}000", False, 250000.0),
    (f"1{THIN}234{THIN}567", True, 1234567.0),
    ("\u22121,8", True, -1.8),
    ("\u22121.8", False, -1.8),
    ("1 234,5", True, 1234.5),
    (f"\u2212250{NBSP}000,25", True, -250000.25),
    (",5", True, 0.5),
    ("1,234", True, 1.234),  # a Swedish page's 1,234 is one point two three four
    ("1,234", False, 1234.0),  # an English page's 1,234 is a thousand and more
    ("1,234,567.5", False, 1234567.5),
    ("1 234.5", False, 1234.5),
    ("0", True, 0.0),
]

# (text, decimal_comma, reason): refused.
REFUSED = [
    ("1,234,5", True, "number_marks"),
    ("1,234,5", False, "number_grouping"),
    ("12 34", True, "number_grouping"),  # 1234, or 12 and 34? Groups are of three.
    ("1234 567", True, "number_grouping"),
    ("1 2345", False, "number_grouping"),
    ("1,5", False, "number_grouping"),  # 1.5 or 15 on an English page?
    ("1.234,5", True, "number_marks"),
    ("1.234,5", False, "number_marks"),
    ("1,2.5", True, "number_marks"),
    ("5,", True, "not_a_number"),
    ("", True, "not_a_number"),
    ("+", True, "not_a_number"),
    ("--5", True, "not_a_number"),
    ("\u2212-5", True, "not_a_number"),
    ("abc", True, "not_a_number"),
    ("12 kW", True, "not_a_number"),
    ("\u0661\u0662", True, "not_a_number"),  # Arabic-Indic digits: float() reads them, we do not
    ("1 000e3", True, "not_a_number"),
    ("nan", True, "not_finite"),
    ("-inf", False, "not_finite"),
    ("1e999", True, "not_finite"),
]
