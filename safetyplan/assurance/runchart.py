"""Run charts: the median, the run rules, and an accessible SVG drawn on the server.

The rules are those for run charts in IHI's guidance and NHS Improvement's "Making data count" (Perla RJ,
Provost LP, Murray SK. The run chart: a simple analytical tool for learning from variation in healthcare
processes. BMJ Qual Saf 2011;20:46-51):

- a **shift** is six or more consecutive points all above, or all below, the median. A point exactly on the
  median neither adds to a shift nor breaks it.
- a **trend** is five or more consecutive points each going up (or each going down) from the one before; the
  first point of the run counts, so five points make four steps. A point with the same value as the one before
  it neither adds to a trend nor breaks it.

Months with no data (None, or a value that is not a finite number) are left out: they neither count nor break a
run. Runs are reported as (start index, end index) into the list given, both included.

The chart is an SVG with role="img", a title and a text description (the median and every shift and trend in
words); the page puts a data table beside it. It uses presentation attributes and classes only: the content
security policy forbids inline styles, and it has no script.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from datetime import date
from typing import Protocol

from babel.dates import format_date
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup, escape

SHIFT_LENGTH = 6
TREND_LENGTH = 5


class ChartPoint(Protocol):
    """What a chart needs of a point (measures.Point is one): its month, and its value or None."""

    @property
    def month(self) -> date: ...

    @property
    def value(self) -> float | None: ...


def _present(values: Sequence[float | None]) -> list[float | None]:
    """The values, with anything that is not a finite number as None (no data)."""
    return [value if value is not None and math.isfinite(value) else None for value in values]


def _same(a: float, b: float) -> bool:
    # Shares are computed as fractions: two equal shares may differ in the last bit.
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def median(values: Sequence[float | None]) -> float | None:
    """The median of the values that are there (None when there are none)."""
    present = sorted(value for value in _present(values) if value is not None)
    if not present:
        return None
    middle = len(present) // 2
    if len(present) % 2:
        return float(present[middle])
    # Halves first, so that two very large values cannot overflow.
    return present[middle - 1] / 2 + present[middle] / 2


def shifts(values: Sequence[float | None], median: float | None, length: int = SHIFT_LENGTH) -> list[tuple[int, int]]:
    """Runs of ``length`` or more consecutive points on one side of ``median``, as (start, end) indices."""
    if median is None or not math.isfinite(median):
        return []
    runs: list[tuple[int, int]] = []
    side: bool | None = None
    start = end = count = 0
    for index, value in enumerate(_present(values)):
        if value is None or _same(value, median):
            continue
        above = value > median
        if above == side:
            count, end = count + 1, index
            continue
        if count >= length:
            runs.append((start, end))
        side, start, end, count = above, index, index, 1
    if count >= length:
        runs.append((start, end))
    return runs


def trends(values: Sequence[float | None], length: int = TREND_LENGTH) -> list[tuple[int, int]]:
    """Runs of ``length`` or more consecutive points each higher (or each lower) than the one before, as
    (start, end) indices. A run that turns shares its turning point with the next one."""
    kept: list[tuple[int, float]] = []
    for index, value in enumerate(_present(values)):
        if value is None:
            continue
        if kept and _same(value, kept[-1][1]):
            continue  # a repeated value: only the first of them counts
        kept.append((index, value))
    runs: list[tuple[int, int]] = []
    start, direction = 0, 0
    for position in range(1, len(kept)):
        step = 1 if kept[position][1] > kept[position - 1][1] else -1
        if step != direction:
            if direction and position - start >= length:
                runs.append((kept[start][0], kept[position - 1][0]))
            start, direction = position - 1, step
    if direction and len(kept) - start >= length:
        runs.append((kept[start][0], kept[-1][0]))
    return runs


# Words ---------------------------------------------------------------------------------------------------------


def month_label(month: date) -> str:
    return format_date(month, "MMM yy", locale=get_locale() or "en")


def _number(value: float, percent: bool) -> str:
    shown = value * 100 if percent else value
    text = f"{shown:.1f}".rstrip("0").rstrip(".")
    return f"{text}%" if percent else text


def describe(points: Sequence[ChartPoint], *, percent: bool) -> list[str]:
    """The chart in sentences: its median, then each shift and trend (for the chart's description, and for the
    page to show beside it). Empty when there is no data yet."""
    values = _present([point.value for point in points])
    middle = median(values)
    if middle is None:
        return []
    sentences = [_("Median: %(median)s.", median=_number(middle, percent))]
    found: list[tuple[int, str]] = []
    for start, end in shifts(values, middle):
        first = values[start]
        above = first is not None and first > middle
        words = (
            _("A shift above the median from %(start)s to %(end)s.")
            if above
            else _("A shift below the median from %(start)s to %(end)s.")
        )
        found.append(
            (start, words % {"start": month_label(points[start].month), "end": month_label(points[end].month)})
        )
    for start, end in trends(values):
        first, last = values[start], values[end]
        rising = first is not None and last is not None and last > first
        words = (
            _("A trend going up from %(start)s to %(end)s.")
            if rising
            else _("A trend going down from %(start)s to %(end)s.")
        )
        found.append(
            (start, words % {"start": month_label(points[start].month), "end": month_label(points[end].month)})
        )
    if not found:
        sentences.append(_("No shifts or trends."))
    sentences.extend(words for _start, words in sorted(found, key=lambda item: item[0]))
    return sentences


# The chart -----------------------------------------------------------------------------------------------------

WIDTH, HEIGHT = 640, 320
LEFT, RIGHT, TOP, BOTTOM = 64, 104, 40, 52
PLOT_WIDTH, PLOT_HEIGHT = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
# NHS identity colours: blue for the data, dark grey for the median, purple for points in a shift or trend
# (not red: a run is a signal to look into, not an alarm). Each has at least 3:1 contrast against white.
DATA, MEDIAN, SIGNAL, AXIS, GRID, TEXT = "#005eb8", "#4c6272", "#330072", "#4c6272", "#d8dde0", "#212b32"


def _scale_top(largest: float) -> tuple[float, float]:
    """The top of a count axis and its step: a round number, with no more than five steps."""
    if largest <= 0:
        return 1.0, 1.0
    magnitude = 10 ** math.floor(math.log10(largest))
    step = 10.0 * magnitude
    for factor in (0.1, 0.2, 0.5, 1, 2, 5):
        if largest / max(1.0, magnitude * factor) <= 5:
            step = max(1.0, magnitude * factor)
            break
    return math.ceil(largest / step) * step, step


def _f(number: float) -> str:
    return f"{number:.1f}"


def svg(
    points: Sequence[ChartPoint], *, title: str, value_label: str, percent: bool, chart_id: str | None = None
) -> Markup:
    """A run chart of ``points`` (values are shares from 0 to 1 when ``percent``, drawn on a 0-100% axis;
    otherwise counts): the line, the median dashed, and points in a shift or trend drawn larger and filled.

    ``chart_id`` makes the element ids unique on a page with several charts (by default, from the content).
    With no values at all it is a paragraph saying there is no data yet."""
    values = _present([point.value for point in points])
    middle = median(values)
    if middle is None:
        return Markup('<p class="nhsuk-body app-run-chart__empty">{}</p>').format(_("No data yet."))

    if chart_id is None:
        digest = hashlib.sha256(
            repr((str(title), str(value_label), [(p.month, p.value) for p in points])).encode()
        ).hexdigest()
        chart_id = f"run-chart-{digest[:12]}"
    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"

    present = [value for value in values if value is not None]
    if percent:
        top, step, scale = 100.0, 25.0, 100.0
    else:
        top, step = _scale_top(max(present))
        scale = 1.0

    def x(index: int) -> float:
        return LEFT + (index + 0.5) * PLOT_WIDTH / len(points)

    def y(value: float) -> float:
        shown = min(max(value * scale, 0.0), top)
        return TOP + PLOT_HEIGHT * (1 - shown / top)

    signal: set[int] = set()
    for start, end in shifts(values, middle):
        signal.update(i for i in range(start, end + 1) if (value := values[i]) is not None and not _same(value, middle))
    for start, end in trends(values):
        signal.update(i for i in range(start, end + 1) if values[i] is not None)

    parts: list[str] = [
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" class="app-run-chart" viewBox="0 0 {WIDTH} {HEIGHT}" '
            'width="100%" '
            f'preserveAspectRatio="xMidYMid meet" role="img" aria-labelledby="{title_id}" aria-describedby="{desc_id}" '
            f'font-family="Frutiger W01, Arial, sans-serif" font-size="13" fill="{TEXT}">'
        ),
        f'<title id="{title_id}">{escape(title)}</title>',
        f'<desc id="{desc_id}">{escape(" ".join(describe(points, percent=percent)))}</desc>',
    ]

    # Grid and the value axis.
    tick = 0.0
    while tick <= top + 1e-9:
        level = TOP + PLOT_HEIGHT * (1 - tick / top)
        label = f"{tick:.0f}%" if percent else f"{tick:g}"
        parts.append(
            f'<line class="app-run-chart__grid" x1="{LEFT}" x2="{LEFT + PLOT_WIDTH}" y1="{_f(level)}" y2="{_f(level)}" '
            f'stroke="{GRID}" stroke-width="1"/>'
        )
        parts.append(f'<text x="{LEFT - 8}" y="{_f(level + 4)}" text-anchor="end">{escape(label)}</text>')
        tick += step
    parts.append(
        f'<line class="app-run-chart__axis" x1="{LEFT}" x2="{LEFT}" y1="{TOP}" y2="{TOP + PLOT_HEIGHT}" '
        f'stroke="{AXIS}" stroke-width="1"/>'
    )
    parts.append(
        f'<line class="app-run-chart__axis" x1="{LEFT}" x2="{LEFT + PLOT_WIDTH}" '
        f'y1="{TOP + PLOT_HEIGHT}" y2="{TOP + PLOT_HEIGHT}" '
        f'stroke="{AXIS}" stroke-width="1"/>'
    )
    parts.append(
        f'<text class="app-run-chart__value-label" x="14" y="{_f(TOP + PLOT_HEIGHT / 2)}" text-anchor="middle" '
        f'transform="rotate(-90 14 {_f(TOP + PLOT_HEIGHT / 2)})">{escape(value_label)}</text>'
    )

    # Months: the month above its year ("Jan" over "26"), so that Welsh names fit; every one while they fit,
    # otherwise every second or third.
    every = max(1, math.ceil(len(points) / 12))
    for index, point in enumerate(points):
        if index % every == 0:
            name, year = month_label(point.month).rsplit(" ", 1)
            across = _f(x(index))
            parts.append(
                f'<text class="app-run-chart__month" y="{TOP + PLOT_HEIGHT + 20}" text-anchor="middle" font-size="12">'
                f'<tspan x="{across}">{escape(name)}</tspan><tspan x="{across}" dy="14"> {escape(year)}</tspan></text>'
            )

    # The median, dashed, labelled at its right-hand end.
    level = y(middle)
    parts.append(
        f'<line class="app-run-chart__median" x1="{LEFT}" x2="{LEFT + PLOT_WIDTH}" y1="{_f(level)}" y2="{_f(level)}" '
        f'stroke="{MEDIAN}" stroke-width="2" stroke-dasharray="6 4"/>'
    )
    parts.append(
        f'<text class="app-run-chart__median-label" x="{LEFT + PLOT_WIDTH + 6}" y="{_f(level + 4)}">'
        f"{escape(_('Median %(median)s', median=_number(middle, percent)))}</text>"
    )

    # The data, broken where a month has none.
    path: list[str] = []
    pen_down = False
    for index, value in enumerate(values):
        if value is None:
            pen_down = False
            continue
        path.append(f"{'L' if pen_down else 'M'}{_f(x(index))} {_f(y(value))}")
        pen_down = True
    parts.append(
        f'<path class="app-run-chart__line" d="{" ".join(path)}" fill="none" stroke="{DATA}" stroke-width="2"/>'
    )
    for index, value in enumerate(values):
        if value is None:
            continue
        tip = f"{month_label(points[index].month)}: {_number(value, percent)}"
        if index in signal:
            parts.append(
                f'<circle class="app-run-chart__point app-run-chart__point--signal" '
                f'cx="{_f(x(index))}" cy="{_f(y(value))}" r="6" '
                f'fill="{SIGNAL}" stroke="{SIGNAL}" stroke-width="2"><title>{escape(tip)}</title></circle>'
            )
        else:
            parts.append(
                f'<circle class="app-run-chart__point" cx="{_f(x(index))}" cy="{_f(y(value))}" r="4" fill="#ffffff" '
                f'stroke="{DATA}" stroke-width="2"><title>{escape(tip)}</title></circle>'
            )

    # The key, above the plot.
    parts.append(
        f'<line x1="{LEFT}" x2="{LEFT + 24}" y1="16" y2="16" stroke="{MEDIAN}" stroke-width="2" '
        'stroke-dasharray="6 4"/>'
    )
    parts.append(f'<text x="{LEFT + 30}" y="20">{escape(_("Median"))}</text>')
    parts.append(f'<circle cx="{LEFT + 150}" cy="16" r="6" fill="{SIGNAL}" stroke="{SIGNAL}" stroke-width="2"/>')
    parts.append(f'<text x="{LEFT + 162}" y="20">{escape(_("Part of a shift or trend"))}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
