"""Charts: plain-data specs (spec.py) drawn to PNG with matplotlib (render.py). No SQL, no Slack."""

from .spec import BarChart, ChartSpec, FunnelChart, Heatmap, LineChart, PathChart, Series

__all__ = ["BarChart", "ChartSpec", "FunnelChart", "Heatmap", "LineChart", "PathChart", "Series", "render_png",
           "warm_up"]


def render_png(spec: ChartSpec) -> bytes:
    from .render import render_png as _render  # matplotlib loads only when a chart is drawn

    return _render(spec)


def warm_up() -> None:
    """Import matplotlib and draw one small chart (font cache, glyphs): about a second the first
    answer after a start would otherwise wait for. Call it in a background thread at start."""
    from datetime import date, timedelta

    days = tuple(date(2026, 1, 1) + timedelta(days=i) for i in range(7))
    render_png(LineChart("Warm-up", "", days, (Series("events", tuple(float(i % 3 + 1) for i in range(7))),)))
