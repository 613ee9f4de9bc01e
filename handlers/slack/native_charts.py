"""Slack's own `data_visualization` block for the charts it can draw (`slack.native_charts`, off by default).

Within the documented limits (docs.slack.dev, block-kit/blocks/data-visualization-block): title <= 50
characters; a `line`, `bar` or `area` chart has 1-6 series, each named (<= 20 characters, unique) with one
data point per category (1-20 categories, labels <= 20 characters); a `pie` has 1-6 segments with values
> 0; axis labels <= 50 characters; at most two such blocks in a message. Anything else (heatmaps,
funnels, paths, a second axis, gaps, too many points or series) returns None: the PNG draws it.
"""

from __future__ import annotations

from datetime import date, datetime

from charts.spec import BarChart, ChartSpec, LineChart, Series

from .text import cut

TITLE_CHARS = 50
LABEL_CHARS = 20
AXIS_CHARS = 50
MAX_SERIES = 6
MAX_POINTS = 20
MAX_SEGMENTS = 6
MAX_PER_MESSAGE = 2
SHARE_TOLERANCE = 0.02  # a single percentage series summing to 100% (+- 2 points) is a share: a pie


def native_chart(spec: ChartSpec | None, title: str) -> dict | None:
    """The data_visualization block for `spec`, or None when Slack's chart cannot draw it faithfully."""
    if isinstance(spec, LineChart):
        return _line(spec, title)
    if isinstance(spec, BarChart):
        return _bar(spec, title)
    return None


def _x_label(x, granularity: str) -> str:
    if isinstance(x, datetime) and granularity == "hour":
        return f"{x:%a %d %b %H:%M}"
    if isinstance(x, date):
        return {"month": f"{x:%b %Y}", "quarter": f"Q{(x.month - 1) // 3 + 1} {x:%Y}",
                "week": f"w/c {x:%d %b}"}.get(granularity, f"{x:%a %d %b}")
    return str(x)


def _labels(raw: list[str]) -> list[str] | None:
    """Labels within 20 characters; None when cutting would make two the same."""
    labels = [cut(str(label), LABEL_CHARS) for label in raw]
    return labels if len(set(labels)) == len(labels) and all(labels) else None


def _scaled(values: tuple[float | None, ...], fmt: str) -> list[float] | None:
    if any(v is None for v in values):
        return None  # Slack needs a value for every category: a gap is not zero
    return [round(float(v) * 100, 2) if fmt == "pct" else float(v) for v in values]


def _series(series: tuple[Series, ...], categories: list[str], fmt: str) -> list[dict] | None:
    names = _labels([s.name for s in series])
    if names is None or not 1 <= len(series) <= MAX_SERIES:
        return None
    out = []
    for name, s in zip(names, series, strict=True):
        values = _scaled(s.values, fmt)
        if values is None or len(values) != len(categories):
            return None
        out.append({"name": name, "data": [{"label": c, "value": v} for c, v in zip(categories, values, strict=True)]})
    return out


def _axis(categories: list[str], fmt: str, x_label: str = "") -> dict:
    axis: dict = {"categories": categories}
    if x_label:
        axis["x_label"] = cut(x_label, AXIS_CHARS)
    y = {"pct": "%", "money": "Amount"}.get(fmt, "")
    if y:
        axis["y_label"] = y
    return axis


def _block(title: str, chart: dict) -> dict:
    return {"type": "data_visualization", "title": cut(title, TITLE_CHARS), "chart": chart}


def _line(spec: LineChart, title: str) -> dict | None:
    if any(s.axis == "right" for s in spec.series) or not 1 <= len(spec.x) <= MAX_POINTS:
        return None  # a second axis does not fit one y axis
    categories = _labels([_x_label(x, spec.granularity) for x in spec.x])
    series = _series(spec.series, categories, spec.y_format) if categories else None
    if series is None:
        return None
    return _block(title, {"type": "line", "series": series, "axis_config": _axis(categories, spec.y_format)})


def _bar(spec: BarChart, title: str) -> dict | None:
    if spec.line is not None or not 1 <= len(spec.labels) <= MAX_POINTS:
        return None
    categories = _labels(list(spec.labels))
    if categories is None:
        return None
    pie = _pie(spec, categories)
    if pie is not None:
        return _block(title, pie)
    series = _series(spec.series, categories, spec.value_format)
    if series is None:
        return None
    return _block(title, {"type": "bar", "series": series, "axis_config": _axis(categories, spec.value_format)})


def _pie(spec: BarChart, categories: list[str]) -> dict | None:
    """One series of shares that add up to the whole, every one above zero, at most six: a pie."""
    if spec.value_format != "pct" or len(spec.series) != 1 or len(categories) > MAX_SEGMENTS:
        return None
    values = spec.series[0].values
    if any(v is None or v <= 0 for v in values) or abs(sum(values) - 1) > SHARE_TOLERANCE:
        return None
    return {"type": "pie", "segments": [{"label": c, "value": round(float(v) * 100, 2)}
                                        for c, v in zip(categories, values, strict=True)]}
