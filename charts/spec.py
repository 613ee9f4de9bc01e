"""What to draw, as plain data. Presenters (answers/presenters/) build these; charts/render.py draws them.

No matplotlib import here, so `playbooks/` can build a chart without knowing how it is drawn.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[float | None, ...]
    style: str = "solid"  # solid | dashed | faded
    axis: str = "left"  # left | right


@dataclass(frozen=True)
class LineChart:
    title: str
    subtitle: str
    x: tuple[date | datetime | int, ...]  # dates, or numbers (days from an event)
    series: tuple[Series, ...]
    granularity: str = "day"  # hour | day | week | month | quarter
    y_format: str = "int"  # int | pct | money | float
    right_format: str = "pct"
    highlight: tuple[date | datetime, date | datetime] | None = None  # [from, to) shaded: the asked range
    partial_from: int | None = None  # index of the first period not over yet: dotted from there
    marker: tuple[date | datetime | int, str] | None = None  # a labelled vertical line (e.g. a launch)
    cut: tuple[int, ...] = ()  # points of periods the range cuts (or the data starts in): hollow markers
    y_label: str = ""  # what the left axis counts ("people", "events")
    x_label: str = ""  # said for a numeric x axis ("days from the email")
    right_label: str = ""
    note: str = ""  # a footnote (e.g. "no data before 3 Jun 2026")
    kind: str = field(default="line", init=False)


@dataclass(frozen=True)
class Heatmap:
    title: str
    subtitle: str
    row_labels: tuple[str, ...]
    col_labels: tuple[str, ...]
    values: tuple[tuple[float | None, ...], ...]  # None: not yet observable
    partial: tuple[tuple[bool, ...], ...] = ()
    row_notes: tuple[str, ...] = ()  # e.g. cohort sizes, drawn at the right
    value_format: str = "pct"
    x_label: str = ""
    y_label: str = ""
    scale_from: int = 1  # colours scale on columns from this one (column 0 of a triangle is always 100%)
    kind: str = field(default="heatmap", init=False)


@dataclass(frozen=True)
class BarChart:
    title: str
    subtitle: str
    labels: tuple[str, ...]
    series: tuple[Series, ...]
    horizontal: bool = True
    stacked: bool = False
    value_format: str = "int"
    annotations: tuple[str, ...] = ()  # one per label, drawn at the bar's end
    line: Series | None = None  # a second measure drawn as a line on a right axis (vertical bars)
    value_label: str = ""  # what the value axis measures
    note: str = ""  # a footnote
    kind: str = field(default="bar", init=False)


@dataclass(frozen=True)
class FunnelChart:
    """Horizontal funnel bars: one group of bars per step, one bar per segment (or just one)."""

    title: str
    subtitle: str
    steps: tuple[str, ...]  # step labels, top to bottom
    series: tuple[Series, ...]  # people per step, one series per segment
    notes: tuple[str, ...] = ()  # one per step, written beside the step's bar(s): conversion, median time
    kind: str = field(default="funnel", init=False)


@dataclass(frozen=True)
class PathChart:
    """Ranked sequences of events: each path written in full above its bar (paths are too long for an axis)."""

    title: str
    subtitle: str
    paths: tuple[tuple[str, ...], ...]  # the steps of each path, most common first
    values: tuple[float, ...]
    annotations: tuple[str, ...] = ()  # one per path, at the bar's end
    kind: str = field(default="paths", init=False)


ChartSpec = LineChart | Heatmap | BarChart | FunnelChart | PathChart
