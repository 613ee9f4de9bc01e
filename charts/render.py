"""Chart specs -> PNG bytes with matplotlib's Figure API (no pyplot state: safe in threads).

One look across charts (charts/style.py). Every image is checked before it is returned: a PNG
of the expected size with something drawn on it, never a blank.
"""

from __future__ import annotations

import io
import math
from datetime import date, datetime

import matplotlib

matplotlib.use("Agg")  # headless; harmless if already set

import matplotlib.dates as mdates
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator
from PIL import Image

from . import style
from .spec import BarChart, ChartSpec, FunnelChart, Heatmap, LineChart, PathChart


class ChartError(ValueError):
    pass


def render_png(spec: ChartSpec) -> bytes:
    """Draw `spec`; return PNG bytes. Raises ChartError if the image would be empty."""
    if isinstance(spec, LineChart):
        if not spec.x or not spec.series:
            raise ChartError("nothing to draw")
        fig = _line(spec)
    elif isinstance(spec, Heatmap):
        fig = _heatmap(spec)
    elif isinstance(spec, BarChart):
        fig = _bars(spec)
    elif isinstance(spec, FunnelChart):
        fig = _funnel(spec)
    elif isinstance(spec, PathChart):
        fig = _paths(spec)
    else:
        raise ChartError(f"unknown chart kind {type(spec).__name__}")
    # Draw once and encode those pixels: fig.savefig would lay out and draw the whole figure a
    # second time (half the cost of a chart). The figure's own facecolor and dpi are the image's.
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    pixels = np.asarray(canvas.buffer_rgba())
    if not _has_ink(pixels):
        raise ChartError("the chart came out blank")
    buffer = io.BytesIO()
    # zlib level 1: a third faster than the default 6, files about 5% larger
    Image.fromarray(pixels[..., :3]).save(buffer, format="png", compress_level=1)
    data = buffer.getvalue()
    check_png(data)
    return data


def check_png(data: bytes) -> tuple[int, int]:
    """Width and height of a PNG; raises ChartError if it is not a sane one."""
    if len(data) < 1000 or data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ChartError("not a PNG image")
    width = int.from_bytes(data[16:20], "big")
    height = int.from_bytes(data[20:24], "big")
    if not (200 <= width <= 4000 and 150 <= height <= 4000):
        raise ChartError(f"unexpected image size {width}x{height}")
    return width, height


def _has_ink(pixels: np.ndarray) -> bool:
    rgb = pixels[::2, ::2, :3].astype(np.int16)  # every 4th pixel is plenty to tell a blank image
    background = np.array([int(style.BACKGROUND[i:i + 2], 16) for i in (1, 3, 5)], dtype=np.int16)
    differs = np.abs(rgb - background).sum(axis=-1) > 60
    return differs.mean() > 0.003


# ---- number formats ----
def _formatter(kind: str) -> FuncFormatter:
    def fmt(value: float, _pos: int | None = None) -> str:
        if kind == "pct":
            return f"{value * 100:.0f}%"
        if kind == "money":
            return f"${value:,.0f}" if abs(value) >= 10 else f"${value:,.2f}"
        if abs(value) >= 1_000_000:
            return f"{value / 1_000_000:.1f}M"
        if abs(value) >= 10_000:
            return f"{value / 1000:.0f}k"
        return f"{value:,.0f}" if float(value).is_integer() or abs(value) >= 10 else f"{value:.1f}"

    return FuncFormatter(fmt)


def _new_figure(width: float = style.WIDTH, height: float = style.HEIGHT) -> Figure:
    fig = Figure(figsize=(width, height), dpi=style.DPI, facecolor=style.BACKGROUND)
    return fig


def _titles(fig: Figure, title: str, subtitle: str) -> None:
    fig.text(0.015, 0.965, title, fontsize=13, fontweight="bold", color=style.TEXT, va="top", ha="left")
    if subtitle:
        fig.text(0.015, 0.905, subtitle, fontsize=9.5, color=style.MUTED, va="top", ha="left")


def _style_axes(ax) -> None:
    ax.set_facecolor(style.BACKGROUND)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color(style.GRID)
    ax.tick_params(colors=style.MUTED, labelsize=8.5)
    ax.grid(axis="y", color=style.GRID, linewidth=0.8)
    ax.set_axisbelow(True)


def _to_num(x: date | datetime | int | float) -> float:
    if isinstance(x, (int, float)):  # a numeric x axis (e.g. days from an event)
        return float(x)
    if isinstance(x, datetime):
        return mdates.date2num(x)
    return mdates.date2num(datetime(x.year, x.month, x.day))


# ---- line ----
def _line(spec: LineChart) -> Figure:
    fig = _new_figure()
    _titles(fig, spec.title, spec.subtitle)
    ax = fig.add_axes((0.075, 0.14, 0.83, 0.68))
    _style_axes(ax)
    if not spec.x:
        ax.text(0.5, 0.5, "No data in this range", ha="center", va="center", color=style.MUTED, fontsize=12,
                transform=ax.transAxes)
        ax.set_yticks([])
        ax.set_xticks([])
        return fig
    xs = np.array([_to_num(x) for x in spec.x])
    right = None
    for i, s in enumerate(spec.series):
        target = ax
        if s.axis == "right":
            right = right or ax.twinx()
            target = right
        color = style.PALETTE[i % len(style.PALETTE)]
        ys = np.array([np.nan if v is None else v for v in s.values], dtype=float)
        cut = spec.partial_from if spec.partial_from is not None else len(xs)
        linestyle = "--" if s.style == "dashed" else "-"
        alpha = 0.55 if s.style in ("dashed", "faded") else 1.0
        width = 1.6 if s.style == "dashed" else 2.2
        marker = "o" if len(xs) <= 16 else None
        target.plot(xs[: cut], ys[: cut], linestyle=linestyle, color=color, linewidth=width, alpha=alpha,
                    marker=marker, markersize=4, label=s.name)
        if cut < len(xs):  # incomplete periods: dotted, hollow markers, joined to the last complete one
            start = max(cut - 1, 0)
            target.plot(xs[start:], ys[start:], linestyle=":", color=color, linewidth=width, alpha=alpha * 0.8)
            target.plot(xs[cut:], ys[cut:], linestyle="none", marker="o", markersize=5, markerfacecolor="white",
                        markeredgecolor=color, alpha=alpha)
    if spec.highlight:
        x0, x1 = _to_num(spec.highlight[0]), _to_num(spec.highlight[1])
        if x1 - x0 <= 1.0 and len(xs) > 1:  # a single period: shade around its point
            step = (xs[-1] - xs[0]) / max(len(xs) - 1, 1)
            x0, x1 = x0 - step * 0.45, x0 + step * 0.45
        ax.axvspan(x0, x1, color=style.HIGHLIGHT, alpha=0.35, zorder=0, linewidth=0)
    if spec.marker:
        mx = _to_num(spec.marker[0])
        ax.axvline(mx, color=style.MUTED, linestyle="--", linewidth=1)
        ax.text(mx, 1.0, f" {spec.marker[1]}", transform=ax.get_xaxis_transform(), fontsize=8.5, color=style.TEXT,
                va="top")
    ax.yaxis.set_major_formatter(_formatter(spec.y_format))
    ax.yaxis.set_major_locator(MaxNLocator(nbins=5, min_n_ticks=3))
    ymin, ymax = ax.get_ylim()
    if spec.y_format != "pct" or ymin >= 0:
        ax.set_ylim(bottom=0, top=max(ymax, 1e-9) * 1.05)
    if right is not None:
        _style_axes(right)
        right.grid(False)
        right.spines["right"].set_visible(True)
        right.yaxis.set_major_formatter(_formatter(spec.right_format))
    if isinstance(spec.x[0], (int, float)):
        ax.xaxis.set_major_locator(MaxNLocator(nbins=12, integer=True))
    else:
        _date_axis(ax, spec)
    if len(spec.series) > 1 or right is not None:
        handles, labels = ax.get_legend_handles_labels()
        if right is not None:
            h2, l2 = right.get_legend_handles_labels()
            handles, labels = handles + h2, labels + l2
        fig.legend(handles, labels, loc="upper right", bbox_to_anchor=(0.985, 0.985), frameon=False, fontsize=8.5,
                   ncol=min(len(labels), 4))
    if spec.partial_from is not None and spec.partial_from < len(xs):
        fig.text(0.985, 0.02, "dotted: period not over yet", ha="right", fontsize=7.5, color=style.MUTED)
    return fig


def _date_axis(ax, spec: LineChart) -> None:
    n = len(spec.x)
    if spec.granularity == "month":
        locator = mdates.MonthLocator(interval=max(1, math.ceil(n / 12)))
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%b\n%Y"))
    elif spec.granularity == "hour":
        locator = mdates.AutoDateLocator(minticks=4, maxticks=10)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    else:
        locator = mdates.AutoDateLocator(minticks=4, maxticks=9)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%-d %b"))
    if n == 1:
        x = _to_num(spec.x[0])
        ax.set_xlim(x - 1, x + 1)


# ---- heatmap ----
def _heatmap(spec: Heatmap) -> Figure:
    rows, cols = len(spec.row_labels), len(spec.col_labels)
    height = max(style.HEIGHT, 1.6 + 0.32 * rows)
    fig = _new_figure(width=max(style.WIDTH, 2.6 + 0.62 * cols), height=height)
    _titles(fig, spec.title, spec.subtitle)
    top = 1 - 1.0 / height
    ax = fig.add_axes((0.17, 0.11, 0.72, top - 0.13))
    if rows == 0 or cols == 0:
        ax.text(0.5, 0.5, "No cohorts in this range", ha="center", va="center", color=style.MUTED, fontsize=12)
        ax.axis("off")
        return fig
    data = np.array([[np.nan if v is None else v for v in row] for row in spec.values], dtype=float)
    cmap = LinearSegmentedColormap.from_list("playbot", style.HEAT).with_extremes(bad=style.BACKGROUND)
    finite = data[np.isfinite(data)]
    # column 0 of a triangle is 100%: scale colours on the later periods so they stay readable
    later = data[:, spec.scale_from:][np.isfinite(data[:, spec.scale_from:])] if cols > spec.scale_from else finite
    vmax = float(np.nanmax(later)) if later.size else (float(finite.max()) if finite.size else 1.0)
    ax.imshow(np.ma.masked_invalid(data), cmap=cmap, vmin=0, vmax=max(vmax, 1e-9), aspect="auto")
    for i in range(rows):
        for j in range(cols):
            v = data[i, j]
            if not np.isfinite(v):
                continue
            text = f"{v * 100:.0f}%" if spec.value_format == "pct" else _formatter(spec.value_format)(v)
            if spec.partial and spec.partial[i][j]:
                text += "*"
            dark = v / max(vmax, 1e-9) > 0.6
            ax.text(j, i, text, ha="center", va="center", fontsize=7.5 if cols > 10 else 8.5,
                    color="white" if dark else style.TEXT)
    ax.set_xticks(range(cols), labels=list(spec.col_labels))
    labels = [f"{r}  ({n})" if spec.row_notes else r
              for r, n in zip(spec.row_labels, spec.row_notes or [""] * rows)]
    ax.set_yticks(range(rows), labels=labels)
    ax.tick_params(length=0, labelsize=8.5, colors=style.TEXT)
    ax.xaxis.set_ticks_position("top")
    for side in ax.spines.values():
        side.set_visible(False)
    if spec.x_label:
        ax.set_xlabel(spec.x_label, fontsize=9, color=style.MUTED)
    return fig


# ---- bars ----
def _bars(spec: BarChart) -> Figure:
    n = len(spec.labels)
    height = max(style.HEIGHT, 1.4 + 0.34 * n) if spec.horizontal else style.HEIGHT
    fig = _new_figure(height=height)
    _titles(fig, spec.title, spec.subtitle)
    top = 1 - 1.0 / height
    ax = fig.add_axes((0.3 if spec.horizontal else 0.08, 0.1, 0.62 if spec.horizontal else 0.84, top - 0.13))
    _style_axes(ax)
    if n == 0:
        ax.text(0.5, 0.5, "No data", ha="center", va="center", color=style.MUTED, fontsize=12, transform=ax.transAxes)
        return fig
    positions = np.arange(n)
    up, down = np.zeros(n), np.zeros(n)  # stacks grow up from 0 for positive values, down for negative ones
    count = len(spec.series)
    thickness = 0.7 if spec.stacked or count == 1 else 0.7 / count
    for i, s in enumerate(spec.series):
        vals = np.array([0 if v is None else v for v in s.values], dtype=float)
        color = style.PALETTE[i % len(style.PALETTE)]
        offset = 0 if spec.stacked or count == 1 else (i - (count - 1) / 2) * thickness
        base = np.where(vals >= 0, up, down) if spec.stacked else None
        if spec.horizontal:
            ax.barh(positions + offset, vals, height=thickness, left=base, color=color, label=s.name)
        else:
            ax.bar(positions + offset, vals, width=thickness, bottom=base, color=color, label=s.name)
        if spec.stacked:
            up, down = up + np.clip(vals, 0, None), down + np.clip(vals, None, 0)
    fmt = _formatter(spec.value_format)
    if spec.horizontal:
        ax.set_yticks(positions, labels=list(spec.labels))
        ax.invert_yaxis()
        ax.grid(axis="y", visible=False)
        ax.grid(axis="x", color=style.GRID)
        ax.xaxis.set_major_formatter(fmt)
        totals = up if spec.stacked else np.array([0 if v is None else v for v in spec.series[0].values])
        span = max(float(np.max(totals)), 1e-9)
        for i, total in enumerate(totals):
            note = spec.annotations[i] if i < len(spec.annotations) else fmt(total)
            ax.text(total + span * 0.01, i, note, va="center", fontsize=8, color=style.TEXT)
        ax.set_xlim(right=span * 1.22)
    else:
        ax.set_xticks(positions, labels=list(spec.labels), rotation=0 if n <= 8 else 45, ha="center" if n <= 8 else "right")
        ax.yaxis.set_major_formatter(fmt)
        ax.axhline(0, color=style.MUTED, linewidth=0.8)
        if spec.line is not None:
            right = ax.twinx()
            right.plot(positions, [np.nan if v is None else v for v in spec.line.values], color=style.TEXT,
                       marker="o", linewidth=1.8, label=spec.line.name)
            right.spines["top"].set_visible(False)
            right.tick_params(colors=style.MUTED, labelsize=8.5)
            right.set_ylim(bottom=0, top=max(right.get_ylim()[1], 1e-9) * 1.1)
    if count > 1 or spec.line is not None:
        handles, labels = ax.get_legend_handles_labels()
        if spec.line is not None:
            line_handles, line_labels = right.get_legend_handles_labels()
            handles, labels = handles + line_handles, labels + line_labels
        # one row under the title, beside the (short) subtitle
        fig.legend(handles, labels, loc="upper right", bbox_to_anchor=(0.985, 0.925), frameon=False, fontsize=8.5,
                   ncol=min(len(labels), 6))
    return fig


# ---- funnel ----
def _funnel(spec: FunnelChart) -> Figure:
    """Horizontal bars per step; the first step's width drawn faintly behind each bar shows the drop-off."""
    steps, groups = len(spec.steps), max(len(spec.series), 1)
    height = max(style.HEIGHT, 1.5 + steps * (0.45 + 0.22 * groups))
    fig = _new_figure(height=height)
    _titles(fig, spec.title, spec.subtitle)
    top = 1 - 1.0 / height
    ax = fig.add_axes((0.22, 0.08, 0.5, top - 0.11))
    _style_axes(ax)
    ax.grid(False)
    if steps == 0 or not spec.series:
        ax.text(0.5, 0.5, "Nobody entered this funnel", ha="center", va="center", color=style.MUTED, fontsize=12,
                transform=ax.transAxes)
        ax.set_xticks([])
        ax.set_yticks([])
        return fig
    thickness = 0.72 / groups
    fmt = _formatter("int")
    widest = max(max((v or 0) for v in s.values) for s in spec.series) or 1.0
    for g, s in enumerate(spec.series):
        color = style.PALETTE[g % len(style.PALETTE)]
        values = np.array([0 if v is None else v for v in s.values], dtype=float)
        pos = np.arange(steps) + (g - (groups - 1) / 2) * thickness
        ax.barh(pos, np.full(steps, values[0]), height=thickness * 0.92, color=color, alpha=0.15, linewidth=0)
        ax.barh(pos, values, height=thickness * 0.92, color=color, label=s.name, linewidth=0)
        for y, v in zip(pos, values):
            share = f" ({v / values[0] * 100:.0f}%)" if values[0] else ""
            ax.text(v + widest * 0.01, y, f"{fmt(v)}{share}", va="center", fontsize=8, color=style.TEXT)
    ax.set_yticks(np.arange(steps), labels=list(spec.steps))
    ax.invert_yaxis()
    ax.set_xlim(0, widest * 1.12)
    ax.xaxis.set_major_formatter(fmt)
    ax.tick_params(axis="y", length=0, labelsize=9, colors=style.TEXT)
    for i, note in enumerate(spec.notes[:steps]):
        ax.text(1.02, i, note, transform=ax.get_yaxis_transform(), va="center", ha="left", fontsize=8.5,
                color=style.MUTED)
    if groups > 1:
        ax.legend(loc="upper left", bbox_to_anchor=(1.1, 1.0), frameon=False, fontsize=8.5)
    return fig


# ---- paths ----
def _paths(spec: PathChart) -> Figure:
    """One row per path: the steps written out in full, a bar for its count underneath."""
    n = len(spec.paths)
    row = 0.52
    height = max(style.HEIGHT, 1.3 + row * n)
    fig = _new_figure(height=height)
    _titles(fig, spec.title, spec.subtitle)
    top = 1 - 1.05 / height
    ax = fig.add_axes((0.03, 0.04, 0.94, top - 0.05))
    ax.axis("off")
    if n == 0:
        ax.text(0.5, 0.5, "No paths in this range", ha="center", va="center", color=style.MUTED, fontsize=12)
        return fig
    widest = max(max(spec.values), 1e-9)
    ax.set_xlim(0, widest * 1.16)
    ax.set_ylim(n - 0.35, -0.75)
    for i, (steps, value) in enumerate(zip(spec.paths, spec.values)):
        ax.text(0, i - 0.38, f"{i + 1}.  " + "  →  ".join(steps), fontsize=8.5, color=style.TEXT, va="center",
                ha="left", clip_on=False)
        ax.barh(i, value, height=0.34, color=style.PALETTE[0], linewidth=0)
        note = spec.annotations[i] if i < len(spec.annotations) else _formatter("int")(value)
        ax.text(value + widest * 0.01, i, note, fontsize=8, color=style.MUTED, va="center")
    return fig
