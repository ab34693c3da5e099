"""viz.style: numbers with significant digits (never a small non-zero as 0) and escaping."""

import math

import pytest

from viz.style import html_text, number


@pytest.mark.parametrize(
    ("x", "precision", "expected"),
    [
        (0.0, 4, "0"),
        (-0.0, 4, "0"),
        (1.0, 4, "1"),
        (-3.0, 4, "-3"),
        (0.7071067811865476, 4, "0.7071"),
        (6.881373587019543, 4, "6.881"),
        (123456.789, 4, "1.235e5"),
        (1e-10, 4, "1e-10"),
        (-2.5e-7, 4, "-2.5e-7"),
        (0.00012345, 3, "0.000123"),
        (0.000012345, 3, "1.23e-5"),
        (math.pi, 1, "3"),
        (math.pi, 8, "3.1415927"),
        (math.inf, 4, "inf"),
        (-math.inf, 4, "-inf"),
        (math.nan, 4, "nan"),
    ],
)
def test_number(x, precision, expected):
    assert number(x, precision) == expected


@pytest.mark.parametrize("x", [1e-300, 5e-324, -1e-17, 3e-9])
def test_small_nonzero_is_never_zero(x):
    text = number(x, 4)
    assert float(text) != 0.0
    assert "e" in text


def test_html_text_escapes_what_html_labels_need():
    assert html_text('a<b>&"c"') == "a&lt;b&gt;&amp;&quot;c&quot;"
    # record-label specials mean nothing in an HTML-like label: kept as they are
    assert html_text("| { }") == "| { }"
    # Graphviz expands \N (the node's name) even in HTML-like labels: backslashes are doubled
    assert html_text("a\\N") == "a\\\\N"
