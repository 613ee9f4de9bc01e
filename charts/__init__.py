"""Charts: plain-data specs (spec.py) drawn to PNG with matplotlib (render.py). No SQL, no Slack."""

from .spec import BarChart, ChartSpec, FunnelChart, Heatmap, LineChart, PathChart, Series

__all__ = ["BarChart", "ChartSpec", "FunnelChart", "Heatmap", "LineChart", "PathChart", "Series", "render_png"]


def render_png(spec: ChartSpec) -> bytes:
    from .render import render_png as _render  # matplotlib loads only when a chart is drawn

    return _render(spec)
