"""Tick labels that read as one set: the same unit (k, M) and the same decimals on an axis ("$0", "$5",
"$10", never "$0.00 $5.00 $10"), and date labels at the series' own periods, spaced so that they never
collide at the chart's size."""

from __future__ import annotations

import math
from datetime import date, datetime

import matplotlib.dates as mdates
from matplotlib.ticker import Formatter


class AxisFormatter(Formatter):
    """Numbers on one axis: a shared scale and the fewest decimals that tell every tick apart exactly."""

    def __init__(self, kind: str = "int"):
        self.kind = kind

    def __call__(self, value: float, pos: int | None = None) -> str:
        return self.format_ticks([value])[0]

    def format_ticks(self, values) -> list[str]:
        values = [float(v) for v in values]
        if not values:
            return []
        if self.kind == "pct":
            return [f"{v * 100:.{_decimals([v * 100 for v in values])}f}%" for v in values]
        top = max(abs(v) for v in values)
        scale, suffix = (1e6, "M") if top >= 1e6 else (1e3, "k") if top >= 1e4 else (1.0, "")
        scaled = [v / scale for v in values]
        if self.kind == "money":
            decimals = _decimals(scaled)
            if not suffix and 0 < decimals < 2:
                decimals = 2  # cents, or none: $2.50, not $2.5
            return [f"{'-' if v < 0 else ''}${abs(v):,.{decimals}f}{suffix}" for v in scaled]
        decimals = _decimals(scaled)
        return [f"{v:,.{decimals}f}{suffix}" for v in scaled]


def _decimals(values: list[float], most: int = 3) -> int:
    """The fewest decimals (up to `most`) that write each value exactly."""
    for d in range(most + 1):
        if all(abs(round(v, d) - v) <= 1e-9 * max(1.0, abs(v)) for v in values):
            return d
    return most


def date_label(moment: datetime, unit: str, previous: datetime | None) -> str:
    """A period's tick label; the year (or the day, for hours) is said when it changes."""
    if unit == "hour":
        return f"{moment:%H:00}" if previous is not None and previous.date() == moment.date() else (
            f"{moment.day} {moment:%b}\n{moment:%H:00}")
    if unit == "quarter":
        return f"Q{(moment.month - 1) // 3 + 1} {moment.year}"
    if unit == "month":
        return f"{moment:%b}" if previous is not None and previous.year == moment.year else f"{moment:%b}\n{moment.year}"
    new_year = previous is None or previous.year != moment.year
    return f"{moment.day} {moment:%b}" + (f"\n{moment.year}" if new_year and previous is not None else "")


def as_moment(x: date | datetime) -> datetime:
    return x if isinstance(x, datetime) else datetime(x.year, x.month, x.day)


def set_date_ticks(ax, xs: tuple, unit: str, every: int, positions: list[float] | None = None) -> None:
    """Ticks at every `every`-th period of the series, counted back from the last one (the latest period is
    always labelled)."""
    moments = [as_moment(x) for x in xs]
    picked = list(range(len(moments) - 1, -1, -every))[::-1]
    labels, previous = [], None
    for i in picked:
        labels.append(date_label(moments[i], unit, previous))
        previous = moments[i]
    at = positions if positions is not None else [mdates.date2num(m) for m in moments]
    ax.set_xticks([at[i] for i in picked], labels=labels)


def spacing(count: int, width_px: float, label_px: float) -> int:
    """How many periods apart labels must be for `count` of them to fit in `width_px`."""
    fits = max(1, int(width_px // (label_px * 1.35)))
    return max(1, math.ceil(count / fits))
