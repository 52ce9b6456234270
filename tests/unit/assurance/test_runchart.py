"""Run charts: the median, the run rules on constructed series, and the SVG (well-formed, accessible, escaped)."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import pytest
from flask import Flask
from flask_babel import Babel
from hypothesis import given
from hypothesis import strategies as st

from safetyplan.assurance.measures import month_range
from safetyplan.assurance.runchart import describe, median, shifts, svg, trends

SVG = "{http://www.w3.org/2000/svg}"


@dataclass(frozen=True)
class ChartPoint:
    month: date
    value: float | None


def chart_points(values: list[float | None]) -> list[ChartPoint]:
    return [
        ChartPoint(month, value)
        for month, value in zip(month_range(date(2026, 1, 1), len(values)), values, strict=True)
    ]


@pytest.fixture
def babel_context() -> Iterator[None]:
    """Month names and messages need Flask-Babel; these tests need nothing else of the app."""
    app = Flask(__name__)
    Babel(app)
    with app.test_request_context():
        yield


# The median ----------------------------------------------------------------------------------------------------


def test_median_of_an_odd_number_of_values_is_the_middle_one():
    assert median([3.0, 1.0, 2.0]) == 2.0


def test_median_of_an_even_number_of_values_is_halfway_between_the_middle_two():
    assert median([4.0, 1.0, 2.0, 3.0]) == 2.5


def test_median_leaves_out_months_with_no_data():
    assert median([None, 1.0, None, 3.0, 5.0]) == 3.0


def test_median_when_there_is_no_data_is_none():
    assert median([]) is None
    assert median([None, None]) is None


# Shifts --------------------------------------------------------------------------------------------------------


def test_shifts_finds_six_points_in_a_row_above_the_median():
    values = [1.0, 1.0, 5.0, 6.0, 5.0, 7.0, 6.0, 5.0, 1.0]
    assert shifts(values, 3.0) == [(2, 7)]


def test_shifts_finds_six_points_in_a_row_below_the_median():
    assert shifts([0.1, 0.2, 0.1, 0.3, 0.2, 0.1, 0.9], 0.5) == [(0, 5)]


def test_shifts_ignores_five_points_in_a_row():
    assert shifts([5.0, 6.0, 5.0, 7.0, 6.0, 1.0, 5.0], 3.0) == []


def test_shifts_neither_counts_nor_breaks_a_run_at_a_point_on_the_median():
    # Five above, one on the median, then one more above: six above in a row.
    assert shifts([5.0, 5.0, 5.0, 3.0, 5.0, 5.0, 5.0], 3.0) == [(0, 6)]
    # Five above with a point on the median among them is still only five.
    assert shifts([5.0, 5.0, 3.0, 5.0, 5.0, 5.0, 1.0], 3.0) == []


def test_shifts_skips_months_with_no_data():
    assert shifts([5.0, None, 5.0, 5.0, None, 5.0, 5.0, 5.0], 3.0) == [(0, 7)]


def test_shifts_finds_each_run_when_the_side_changes():
    values = [5.0] * 6 + [1.0] * 6
    assert shifts(values, 3.0) == [(0, 5), (6, 11)]


def test_shifts_with_no_median_finds_nothing():
    assert shifts([None, None], None) == []


# Trends --------------------------------------------------------------------------------------------------------


def test_trends_finds_five_points_going_up():
    assert trends([1.0, 2.0, 3.0, 4.0, 5.0]) == [(0, 4)]


def test_trends_finds_five_points_going_down():
    assert trends([9.0, 5.0, 4.0, 3.0, 2.0, 1.0]) == [(0, 5)]


def test_trends_ignores_four_points_going_up():
    assert trends([1.0, 2.0, 3.0, 4.0, 1.0]) == []


def test_trends_neither_counts_nor_breaks_a_run_at_a_repeated_value():
    # 1, 2, 2, 3, 4: only four different steps' worth of points, so no trend ...
    assert trends([1.0, 2.0, 2.0, 3.0, 4.0]) == []
    # ... and a tie inside a run of five rising values does not break it.
    assert trends([1.0, 2.0, 2.0, 3.0, 4.0, 5.0]) == [(0, 5)]


def test_trends_share_their_turning_point():
    assert trends([1.0, 2.0, 3.0, 4.0, 5.0, 4.0, 3.0, 2.0, 1.0]) == [(0, 4), (4, 8)]


def test_trends_skip_months_with_no_data():
    assert trends([1.0, None, 2.0, 3.0, None, 4.0, 5.0]) == [(0, 6)]


def test_trends_across_shares_that_differ_only_by_rounding_count_them_as_equal():
    assert trends([0.1, 0.2, 0.30000000000000004, 0.3, 0.4, 0.5]) == [(0, 5)]


rule_values = st.lists(st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True)), max_size=60)


@given(rule_values)
def test_the_rules_never_fail_on_any_values(values):
    middle = median(values)
    for start, end in shifts(values, middle) + trends(values):
        assert 0 <= start < end < len(values)
    assert middle is None or math.isfinite(middle)


@given(rule_values, st.floats(allow_nan=True, allow_infinity=True))
def test_shifts_never_fail_on_any_median(values, middle):
    for start, end in shifts(values, middle):
        assert 0 <= start < end < len(values)


# The chart -----------------------------------------------------------------------------------------------------


def parse(markup) -> ET.Element:
    return ET.fromstring(str(markup))


def test_svg_is_well_formed_and_labelled_for_assistive_technology(babel_context):
    chart = svg(
        chart_points([0.2, 0.4, None, 0.5, 0.6]), title="Plans made with the person", value_label="People", percent=True
    )
    root = parse(chart)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("viewBox") and root.get("width") == "100%"
    title = root.find(f"{SVG}title")
    assert title is not None and title.text == "Plans made with the person"
    assert root.get("aria-labelledby") == title.get("id")
    description = root.find(f"{SVG}desc")
    assert description is not None and description.text == "Median: 45%. No shifts or trends."
    assert root.get("aria-describedby") == description.get("id")


def test_svg_has_no_inline_styles_and_no_script(babel_context):
    chart = str(svg(chart_points([0.1, 0.9, 0.5]), title="T", value_label="V", percent=True))
    assert "style=" not in chart
    assert "<script" not in chart.lower()
    assert "<style" not in chart.lower()


def test_svg_escapes_every_piece_of_text(babel_context):
    chart = svg(chart_points([0.5, 0.6]), title='<script>alert("t")</script>', value_label="<b>&", percent=True)
    text = str(chart)
    assert "<script" not in text
    assert "&lt;script&gt;" in text
    root = parse(chart)
    assert root.find(f"{SVG}title").text == '<script>alert("t")</script>'


def test_svg_draws_the_median_dashed_and_labelled(babel_context):
    root = parse(svg(chart_points([0.25, 0.5, 0.75]), title="T", value_label="V", percent=True))
    median_line = root.find(f"{SVG}line[@class='app-run-chart__median']")
    assert median_line is not None and median_line.get("stroke-dasharray")
    label = root.find(f"{SVG}text[@class='app-run-chart__median-label']")
    assert label.text == "Median 50%"


def test_svg_marks_the_points_of_a_shift_or_a_trend(babel_context):
    values = [0.1, 0.1, 0.1, 0.1, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.5, 0.1]
    root = parse(svg(chart_points(values), title="T", value_label="V", percent=True))
    points = root.findall(f"{SVG}circle[@cx]")
    drawn = [point for point in points if "app-run-chart__point" in (point.get("class") or "")]
    marked = [point for point in drawn if "app-run-chart__point--signal" in point.get("class")]
    assert len(drawn) == 12
    assert len(marked) == 6  # the six at 90% (the median is 50%)
    assert all(float(point.get("r")) > 4 for point in marked)


def test_svg_labels_each_month_on_the_x_axis(babel_context):
    root = parse(svg(chart_points([0.5, None, 0.6]), title="T", value_label="V", percent=True))
    months = ["".join(label.itertext()) for label in root.findall(f"{SVG}text[@class='app-run-chart__month']")]
    assert months == ["Nov 25", "Dec 25", "Jan 26"]


def test_svg_puts_shares_on_an_axis_from_0_to_100_percent(babel_context):
    root = parse(svg(chart_points([0.5]), title="T", value_label="V", percent=True))
    labels = [label.text for label in root.findall(f"{SVG}text") if label.text and label.text.endswith("%")]
    assert labels[:5] == ["0%", "25%", "50%", "75%", "100%"]


def test_svg_puts_counts_on_an_axis_from_0_to_a_round_number(babel_context):
    root = parse(svg(chart_points([3.0, 7.0, 2.0]), title="T", value_label="V", percent=False))
    labels = [label.text for label in root.findall(f"{SVG}text[@text-anchor='end']")]
    assert labels == ["0", "2", "4", "6", "8"]


def test_svg_with_no_data_says_so_instead_of_drawing_zero(babel_context):
    chart = svg(chart_points([None, None]), title="T", value_label="V", percent=True)
    assert str(chart) == '<p class="nhsuk-body app-run-chart__empty">No data yet.</p>'
    assert str(svg([], title="T", value_label="V", percent=True)).endswith("No data yet.</p>")


def test_svg_ids_are_the_ones_asked_for(babel_context):
    root = parse(svg(chart_points([0.5]), title="T", value_label="V", percent=True, chart_id="chart-reviews"))
    assert root.find(f"{SVG}title").get("id") == "chart-reviews-title"


def test_describe_names_each_shift_and_trend_with_its_months(babel_context):
    values = [0.1, 0.2, 0.3, 0.4, 0.5, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9]
    sentences = describe(chart_points(values), percent=True)
    assert sentences == ["Median: 90%.", "A trend going up from Mar 25 to Aug 25."]


def test_describe_says_when_there_are_no_shifts_or_trends(babel_context):
    assert describe(chart_points([0.5, 0.4, 0.6]), percent=True) == ["Median: 50%.", "No shifts or trends."]
