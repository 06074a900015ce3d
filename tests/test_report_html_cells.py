"""The HTML report's cells: number formats, intervals and tables (fraudsim/report_html).

Money is shown in yuan, shares in percent and minutes with their unit; an
undefined value is a dash; an interval is shown only with both ends. The
sections and the whole document: tests/test_report_html.py.
"""

from __future__ import annotations

import math

import pytest

from fraudsim.report_html import NONE, esc, fmt, measure_name, shown_measures, table, with_ci
from tests.test_report_html import ci, rows

# --- formats -------------------------------------------------------------------------------------


def test_esc_escapes_markup_and_both_quotes() -> None:
    """Text from scenarios ends up in element content and in attributes."""
    assert esc("<a href='x'>\"&\"</a>") == (
        "&lt;a href=&#x27;x&#x27;&gt;&quot;&amp;&quot;&lt;/a&gt;")
    assert esc(12) == "12"


@pytest.mark.parametrize(("value", "unit", "text"), [
    (150_000_000, "fen", "¥1,500,000"),
    (12_345, "fen", "¥123"),
    (9_950, "fen", "¥99.50"),
    (-9_950, "fen", "\u2212¥99.50"),
    (-250_000, "fen", "\u2212¥2,500"),
    (99.5, "yuan", "¥99.50"),
    (100, "yuan", "¥100"),
    (1_234_567.89, "yuan", "¥1,234,568"),
    (0.1234, "share of exposed", "12.3%"),
    (1, "share", "100.0%"),
    (3.26, "minutes", "3.3 min"),
    (1234.5, "minutes", "1,234.5 min"),
    (1234, "cases", "1,234"),
    (2.0, "hops", "2"),
    (0.5, "cases", "0.5"),
    (84.333, "cases", "84.3"),
    (1234.33, "cases", "1,234.3"),  # a mean of counts over replications, not 1.23e+03
    (-0.001, "yuan", "¥0"),  # no minus on a rounded zero, no cents on a whole yuan
    (-0.4, "fen", "¥0"),
    (0, "fen", "¥0"),
    (5_000, "fen", "¥50"),
    (-0.5, "minutes", "\u22120.5 min"),  # one minus sign for every unit
    (-0.041, "share", "\u22124.1%"),
    (-0.0001, "share", "0.0%"),
    (-2, "cases", "\u22122"),
])
def test_fmt_shows_money_in_yuan_shares_in_percent_and_minutes_with_a_unit(
    value: float, unit: str, text: str
) -> None:
    """Fen become yuan (cents only below ¥100), with a true minus sign for losses."""
    assert fmt(value, unit) == text


@pytest.mark.parametrize("value", [None, math.nan])
@pytest.mark.parametrize("unit", ["fen", "share", "minutes", "cases"])
def test_an_undefined_value_is_a_dash(value: float | None, unit: str) -> None:
    """A median of no cases is shown as a dash, never as 'nan' or '¥nan'."""
    assert fmt(value, unit) == NONE


def test_with_ci_adds_the_interval_only_when_both_ends_are_defined() -> None:
    """A single replication has no interval: the mean stands alone."""
    assert with_ci(0.5, 0.4, 0.6, "share") == ci("50.0%", "40.0%", "60.0%")
    assert with_ci(9_950, None, 13_000, "fen") == "¥99.50"
    assert with_ci(9_950, 9_000, math.nan, "fen") == "¥99.50"


# --- tables --------------------------------------------------------------------------------------


def test_table_escapes_the_header_and_aligns_numeric_columns() -> None:
    """Headers are text (escaped); cells are HTML already; columns from numeric_from align right."""
    html = table(("a<b", "n"), [("<code>x</code>", "1"), ("y", "2")])
    assert "<thead><tr><th>a&lt;b</th><th>n</th></tr></thead>" in html
    assert "<tr><td><code>x</code></td><td class='num'>1</td></tr>" in html
    assert rows(html) == [["<code>x</code>", "1"], ["y", "2"]]
    assert html.startswith("<div class='wide'><table>") and html.endswith("</table></div>")


def test_table_without_a_header_and_without_numeric_columns() -> None:
    """An all-empty header is left out; numeric_from past the last column keeps all left."""
    html = table(("", ""), [("k", "v")], numeric_from=99)
    assert "<thead>" not in html and "class='num'" not in html
    assert rows(html) == [["k", "v"]]


def test_shown_measures_hide_fen_totals_that_have_a_yuan_twin() -> None:
    """saved_fen goes when saved_yuan is there; lost_fen alone stays; order and no repeats."""
    assert shown_measures(["saved_fen", "cases", "saved_yuan", "lost_fen", "cases",
                           "saved_fen"]) == ["cases", "saved_yuan", "lost_fen"]
    assert shown_measures([]) == []


def test_measure_name_gives_the_label_over_the_column_name() -> None:
    """Known measures read as words with their unit; unknown ones lose their underscores."""
    assert measure_name("saved_share") == (
        "share of exposed money saved<br><code class='note'>saved_share</code>")
    assert measure_name("odd_<thing>") == (
        "odd &lt;thing&gt;<br><code class='note'>odd_&lt;thing&gt;</code>")
