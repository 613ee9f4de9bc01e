"""Chart specs -> PNG bytes with matplotlib's Figure API (no pyplot state: safe in threads).

One look across charts (charts/style.py); the text of every chart is placed by measuring it
(charts/layout.py: header, legend row, footer, axes fitted between), so titles, legends, tick labels
and notes never sit on one another. Every image is checked before it is returned: a PNG of the
expected size with something drawn on it, never a blank.
"""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta

import matplotlib

matplotlib.use("Agg")  # headless; harmless if already set

import matplotlib.dates as mdates
import numpy as np
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from PIL import Image

from . import style
from .layout import Frame, room_for_labels
from .spec import BarChart, ChartSpec, FunnelChart, Heatmap, LineChart, PathChart
from .ticks import AxisFormatter, set_date_ticks, spacing

MARKERS = ("o", "s", "^", "D", "v", "P", "X")  # one shape per series: lines on top of each other stay told apart


class ChartError(ValueError):
    pass


def draw(spec: ChartSpec) -> Figure:
    """The laid-out figure for `spec` (not yet rasterised)."""
    if isinstance(spec, LineChart):
        if not spec.x or not spec.series:
            raise ChartError("nothing to draw")
        return _line(spec)
    if isinstance(spec, Heatmap):
        return _heatmap(spec)
    if isinstance(spec, BarChart):
        return _bars(spec)
    if isinstance(spec, FunnelChart):
        return _funnel(spec)
    if isinstance(spec, PathChart):
        return _paths(spec)
    raise ChartError(f"unknown chart kind {type(spec).__name__}")


def render_png(spec: ChartSpec) -> bytes:
    """Draw `spec`; return PNG bytes. Raises ChartError if the image would be empty."""
    fig = draw(spec)
    # Draw once and encode those pixels: fig.savefig would lay out and draw the whole figure a
    # second time. The figure's own facecolor and dpi are the image's.
    canvas = fig.canvas
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


def _new_figure(width: float = style.WIDTH, height: float = style.HEIGHT) -> Figure:
    return Figure(figsize=(width, height), dpi=style.DPI, facecolor=style.BACKGROUND)


def _style_axes(ax) -> None:
    ax.set_facecolor(style.BACKGROUND)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color(style.GRID)
    ax.tick_params(colors=style.MUTED, labelsize=8.5)
    ax.grid(axis="y", color=style.GRID, linewidth=0.8)
    ax.set_axisbelow(True)


def _axis_label(setter, text: str) -> None:
    if text:
        setter(text, fontsize=8.5, color=style.MUTED)


def _to_num(x: date | datetime | int | float) -> float:
    if isinstance(x, (int, float)):  # a numeric x axis (e.g. days from an event)
        return float(x)
    if isinstance(x, datetime):
        return mdates.date2num(x)
    return mdates.date2num(datetime(x.year, x.month, x.day))


def _positions(spec: LineChart) -> np.ndarray:
    """Where each point sits. Consecutive real hours (local wall times 0, 1 or 2 hours apart: the day DST ends
    repeats an hour, the day it starts skips one) are drawn an hour apart each, so the repeated hour is not
    drawn on top of the first."""
    xs = np.array([_to_num(x) for x in spec.x])
    if spec.granularity == "hour" and len(xs) > 1 and all(
            isinstance(x, datetime) for x in spec.x) and all(
            timedelta(0) <= b - a <= timedelta(hours=2) for a, b in zip(spec.x, spec.x[1:])):
        return xs[0] + np.arange(len(xs)) / 24.0
    return xs


# ---- line ----
def _line(spec: LineChart) -> Figure:
    fig = _new_figure()
    frame = Frame(fig, spec.title, spec.subtitle)
    ax = fig.add_axes((0.08, 0.14, 0.82, 0.68))
    _style_axes(ax)
    xs = _positions(spec)
    right = ax.twinx() if any(s.axis == "right" for s in spec.series) else None
    # larger series first, so a small one drawn later is not hidden under it
    order = sorted(range(len(spec.series)), key=lambda i: -np.nanmean(
        [np.nan] + [v for v in spec.series[i].values if v is not None]))
    for rank, i in enumerate(order):
        _plot_series(ax if spec.series[i].axis != "right" else right, spec, i, xs, zorder=2 + rank)
    _highlight(ax, spec, xs)
    if spec.marker:
        mx = _to_num(spec.marker[0])
        ax.axvline(mx, color=style.MUTED, linestyle="--", linewidth=1)
        ax.text(mx, 0.98, f" {spec.marker[1]}", transform=ax.get_xaxis_transform(), fontsize=8.5, color=style.TEXT,
                va="top", ha="left", bbox={"facecolor": style.BACKGROUND, "edgecolor": "none", "pad": 1})
    _value_axis(ax, spec.y_format, spec.y_label)
    if right is not None:
        _style_axes(right)
        right.grid(False)
        right.spines["right"].set_visible(True)
        _value_axis(right, spec.right_format, spec.right_label, side="right")
    if isinstance(spec.x[0], (int, float)):
        ax.xaxis.set_major_locator(MaxNLocator(nbins=12, integer=True))
    elif len(xs) == 1:
        ax.set_xlim(xs[0] - 1, xs[0] + 1)
    _axis_label(ax.set_xlabel, spec.x_label)
    if len(spec.series) > 1 or right is not None:
        handles, labels = ax.get_legend_handles_labels()
        if right is not None:
            h2, l2 = right.get_legend_handles_labels()
            handles, labels = handles + h2, labels + l2
        by_name = dict(zip(labels, handles))
        frame.legend([by_name[s.name] for s in spec.series if s.name in by_name],
                     [s.name for s in spec.series if s.name in by_name])
    frame.footer(_line_notes(spec, len(xs)))
    axes = [ax] + ([right] if right is not None else [])
    after = None
    if not isinstance(spec.x[0], (int, float)):
        def after(renderer) -> None:
            _fit_date_ticks(ax, spec, renderer, xs)
        after(frame.renderer)
    frame.fit(axes, after=after)
    return fig


def _plot_series(target, spec: LineChart, i: int, xs: np.ndarray, zorder: int) -> None:
    s = spec.series[i]
    color = style.PALETTE[i % len(style.PALETTE)]
    ys = np.array([np.nan if v is None else v for v in s.values], dtype=float)
    cut = spec.partial_from if spec.partial_from is not None else len(xs)
    linestyle = "--" if s.style == "dashed" else "-"
    alpha = 0.6 if s.style in ("dashed", "faded") else 1.0
    width = 1.6 if s.style == "dashed" else 2.0
    marker = MARKERS[i % len(MARKERS)] if len(xs) <= 31 else None
    size = 4 if len(xs) <= 16 else 3
    target.plot(xs[:cut], ys[:cut], linestyle=linestyle, color=color, linewidth=width, alpha=alpha, marker=marker,
                markersize=size, label=s.name, zorder=zorder)
    hollow = [j for j in spec.cut if j < cut]
    if hollow:  # periods the range cuts or the data starts in: a hollow marker, the line stays solid
        target.plot(xs[hollow], ys[hollow], linestyle="none", marker=MARKERS[i % len(MARKERS)], markersize=size + 1.5,
                    markerfacecolor="white", markeredgecolor=color, alpha=alpha, zorder=zorder + 0.5)
    if cut < len(xs):  # periods not over yet: dotted, hollow markers, joined to the last complete one
        start = max(cut - 1, 0)
        target.plot(xs[start:], ys[start:], linestyle=":", color=color, linewidth=width, alpha=alpha * 0.85,
                    zorder=zorder)
        target.plot(xs[cut:], ys[cut:], linestyle="none", marker=MARKERS[i % len(MARKERS)], markersize=size + 1.5,
                    markerfacecolor="white", markeredgecolor=color, alpha=alpha, zorder=zorder + 0.5)


def _highlight(ax, spec: LineChart, xs: np.ndarray) -> None:
    if not spec.highlight:
        return
    x0, x1 = _to_num(spec.highlight[0]), _to_num(spec.highlight[1])
    if len(xs) > 1:  # the asked period's point sits at its start: shade around it
        step = (xs[-1] - xs[0]) / max(len(xs) - 1, 1)
        x0, x1 = x0 - step * 0.45, max(x1 - step, x0) + step * 0.45
    ax.axvspan(x0, x1, color=style.HIGHLIGHT, alpha=0.35, zorder=0, linewidth=0)


def _value_axis(ax, kind: str, label: str, side: str = "left") -> None:
    ax.yaxis.set_major_formatter(AxisFormatter(kind))
    ax.yaxis.set_major_locator(MaxNLocator(nbins=5, min_n_ticks=3))
    ymin, ymax = ax.get_ylim()
    if kind != "pct" or ymin >= 0:
        ax.set_ylim(bottom=0, top=max(ymax, 1e-9) * 1.05)
    _axis_label(ax.set_ylabel, label)


def _line_notes(spec: LineChart, n: int) -> list[str]:
    notes = []
    if spec.partial_from is not None and spec.partial_from < n:
        notes.append("dotted: not over yet")
    if any(j < (spec.partial_from if spec.partial_from is not None else n) for j in spec.cut):
        notes.append("hollow: cut by the range or by the start of the data")
    return notes + ([spec.note] if spec.note else [])


def _fit_date_ticks(ax, spec: LineChart, renderer, xs: np.ndarray) -> None:
    """One label per period, or per every k-th period, so that labels never collide at this width."""
    width = ax.get_window_extent(renderer).width
    sample = {"hour": "30 Sep", "quarter": "Q4 2026", "month": "Sep"}.get(spec.granularity, "30 Sep")
    every = spacing(len(spec.x), width, _text_width(ax.figure, sample, renderer))
    set_date_ticks(ax, spec.x, spec.granularity, every, positions=list(xs))
    ax.tick_params(axis="x", labelsize=8.5, colors=style.MUTED)
    if len(spec.x) > 1:
        step = (xs[-1] - xs[0]) / (len(spec.x) - 1)
        ax.set_xlim(xs[0] - step * 0.5, xs[-1] + step * 0.5)


# ---- heatmap ----
def _heatmap(spec: Heatmap) -> Figure:
    rows, cols = len(spec.row_labels), len(spec.col_labels)
    height = max(style.HEIGHT, 2.0 + 0.32 * rows)
    fig = _new_figure(width=max(style.WIDTH, 3.0 + 0.62 * cols), height=height)
    frame = Frame(fig, spec.title, spec.subtitle)
    ax = fig.add_axes((0.2, 0.1, 0.7, 0.7))
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
    fmt = AxisFormatter(spec.value_format)
    for i in range(rows):
        for j in range(cols):
            v = data[i, j]
            if not np.isfinite(v):
                continue
            text = f"{v * 100:.0f}%" if spec.value_format == "pct" else fmt(v)
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
    ax.xaxis.set_label_position("top")
    for side in ax.spines.values():
        side.set_visible(False)
    _axis_label(ax.set_xlabel, spec.x_label)
    _axis_label(ax.set_ylabel, spec.y_label)
    frame.fit([ax])
    return fig


# ---- bars ----
def _bars(spec: BarChart) -> Figure:
    n = len(spec.labels)
    height = max(style.HEIGHT, 1.6 + 0.34 * n) if spec.horizontal else style.HEIGHT
    fig = _new_figure(height=height)
    frame = Frame(fig, spec.title, spec.subtitle)
    ax = fig.add_axes((0.3 if spec.horizontal else 0.08, 0.12, 0.6, 0.65))
    _style_axes(ax)
    if n == 0:
        ax.text(0.5, 0.5, "No data", ha="center", va="center", color=style.MUTED, fontsize=12, transform=ax.transAxes)
        return fig
    up = _draw_bars(ax, spec)
    fmt = AxisFormatter(spec.value_format)
    axes = [ax]
    if spec.horizontal:
        ax.set_yticks(np.arange(n), labels=list(spec.labels))
        ax.invert_yaxis()
        ax.grid(axis="y", visible=False)
        ax.grid(axis="x", color=style.GRID)
        ax.xaxis.set_major_formatter(fmt)
        ax.xaxis.set_major_locator(MaxNLocator(nbins=5))
        totals = up if spec.stacked else np.array([0 if v is None else v for v in spec.series[0].values])
        span = max(float(np.max(totals)), 1e-9)
        for i, total in enumerate(totals):
            note = spec.annotations[i] if i < len(spec.annotations) else fmt(total)
            ax.text(total + span * 0.01, i, note, va="center", fontsize=8, color=style.TEXT)
        ax.set_xlim(right=span * 1.05)
        _axis_label(ax.set_xlabel, spec.value_label)
    else:
        axes += _vertical_axis(ax, spec, fmt, n)
    if len(spec.series) > 1 or spec.line is not None:
        handles, labels = [], []
        for a in axes:
            h, lab = a.get_legend_handles_labels()
            handles, labels = handles + h, labels + lab
        frame.legend(handles, labels)
    frame.footer([spec.note])
    frame.fit(axes, after=(lambda renderer: _thin_bar_labels(ax, spec, renderer)) if not spec.horizontal else (
        lambda renderer: room_for_labels(ax, renderer)))
    return fig


def _draw_bars(ax, spec: BarChart) -> np.ndarray:
    n = len(spec.labels)
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
    return up


def _vertical_axis(ax, spec: BarChart, fmt, n: int) -> list:
    ax.set_xticks(np.arange(n), labels=list(spec.labels))
    ax.yaxis.set_major_formatter(fmt)
    ax.yaxis.set_major_locator(MaxNLocator(nbins=6))
    ax.axhline(0, color=style.MUTED, linewidth=0.8)
    _axis_label(ax.set_ylabel, spec.value_label)
    if spec.line is None:
        return []
    right = ax.twinx()
    right.plot(np.arange(n), [np.nan if v is None else v for v in spec.line.values], color=style.TEXT,
               marker="o", linewidth=1.8, label=spec.line.name)
    right.spines["top"].set_visible(False)
    right.tick_params(colors=style.MUTED, labelsize=8.5)
    right.yaxis.set_major_formatter(AxisFormatter("float"))
    right.set_ylim(bottom=0, top=max(right.get_ylim()[1], 1e-9) * 1.1)
    _axis_label(right.set_ylabel, spec.line.name.removesuffix(" (right)").lower())
    return [right]


def _thin_bar_labels(ax, spec: BarChart, renderer) -> None:
    """Category labels under vertical bars: every k-th one (the last always) when they would collide."""
    width = ax.get_window_extent(renderer).width
    label_px = max(_text_width(ax.figure, label, renderer) for label in spec.labels)
    every = spacing(len(spec.labels), width, label_px)
    n = len(spec.labels)
    shown = [i for i in range(n) if (n - 1 - i) % every == 0]
    ax.set_xticks(shown, labels=[spec.labels[i] for i in shown])


def _text_width(fig: Figure, text: str, renderer, fontsize: float = 8.5) -> float:
    """The width in pixels `text` takes at `fontsize` (its widest line)."""
    probe = fig.text(0, 0, text, fontsize=fontsize)
    width = probe.get_window_extent(renderer).width
    probe.remove()
    return width


# ---- funnel ----
def _funnel(spec: FunnelChart) -> Figure:
    """Horizontal bars per step; the first step's width drawn faintly behind each bar shows the drop-off."""
    steps, groups = len(spec.steps), max(len(spec.series), 1)
    height = max(style.HEIGHT, 1.7 + steps * (0.45 + 0.22 * groups))
    fig = _new_figure(height=height)
    frame = Frame(fig, spec.title, spec.subtitle)
    ax = fig.add_axes((0.22, 0.08, 0.5, 0.7))
    _style_axes(ax)
    ax.grid(False)
    if steps == 0 or not spec.series:
        ax.text(0.5, 0.5, "Nobody entered this funnel", ha="center", va="center", color=style.MUTED, fontsize=12,
                transform=ax.transAxes)
        ax.set_xticks([])
        ax.set_yticks([])
        return fig
    thickness = 0.72 / groups
    fmt = AxisFormatter("int")
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
    ax.xaxis.set_major_locator(MaxNLocator(nbins=5))
    ax.tick_params(axis="y", length=0, labelsize=9, colors=style.TEXT)
    _axis_label(ax.set_xlabel, "people")
    for i, note in enumerate(spec.notes[:steps]):
        ax.text(1.02, i, note, transform=ax.get_yaxis_transform(), va="center", ha="left", fontsize=8.5,
                color=style.MUTED)
    if groups > 1:
        handles, labels = ax.get_legend_handles_labels()
        frame.legend(handles, labels)
    frame.fit([ax], after=lambda renderer: room_for_labels(ax, renderer))
    return fig


# ---- paths ----
def _paths(spec: PathChart) -> Figure:
    """One row per path: the steps written out in full, a bar for its count underneath."""
    n = len(spec.paths)
    row = 0.52
    height = max(style.HEIGHT, 1.5 + row * n)
    fig = _new_figure(height=height)
    frame = Frame(fig, spec.title, spec.subtitle)
    ax = fig.add_axes((0.03, 0.04, 0.94, 0.8))
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
        note = spec.annotations[i] if i < len(spec.annotations) else AxisFormatter("int")(value)
        ax.text(value + widest * 0.01, i, note, fontsize=8, color=style.MUTED, va="center")
    frame.fit([ax])
    return fig
