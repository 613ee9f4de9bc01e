"""Where the text of a chart goes, measured rather than guessed: the header (title, subtitle, legend),
the footer (notes), and the axes fitted between them with their tick labels and axis labels, so no
text is drawn over another. `text_overlaps` checks a drawn figure (the chart tests use it for every
playbook's chart at the bot's sizes).
"""

from __future__ import annotations

import textwrap

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.transforms import Bbox

from . import style

PAD = 12  # px around the figure's edge
GAP = 8  # px between the header, the axes and the footer


class Frame:
    """One figure's header and footer; `fit` then places its axes in the space left between them."""

    def __init__(self, fig: Figure, title: str, subtitle: str):
        self.fig = fig
        self.canvas = FigureCanvasAgg(fig)
        self.renderer = self.canvas.get_renderer()
        self.width, self.height = fig.bbox.width, fig.bbox.height
        self.bottom = self.height - PAD  # px from the figure's bottom: the header's lowest edge so far
        self.footer_top = PAD
        self._line(title, fontsize=13, fontweight="bold", color=style.TEXT)
        if subtitle:
            self._line(subtitle, fontsize=9.5, color=style.MUTED, gap=4)

    def _extent(self, artist) -> Bbox:
        return artist.get_window_extent(self.renderer)

    def _line(self, text: str, gap: float = 0, **kw) -> Text:
        wrapped = self._wrap(text, kw.get("fontsize", 9))
        artist = self.fig.text(PAD / self.width, (self.bottom - gap) / self.height, wrapped, va="top", ha="left", **kw)
        self.bottom = self._extent(artist).y0
        return artist

    def _wrap(self, text: str, fontsize: float) -> str:
        """Long header and footer lines wrap at the figure's width (about 0.55 em per character)."""
        chars = int((self.width - 2 * PAD) / (fontsize * self.fig.dpi / 72 * 0.55))
        return "\n".join(textwrap.wrap(text, max(chars, 20))) if len(text) > chars else text

    def legend(self, handles: list, labels: list[str]) -> None:
        """A legend row (or rows) under the subtitle, never over the title or the plot."""
        for ncol in range(min(len(labels), 6), 0, -1):
            legend = self.fig.legend(handles, labels, loc="upper left", frameon=False, fontsize=8.5, ncol=ncol,
                                     bbox_to_anchor=(PAD / self.width - 0.008, (self.bottom - 2) / self.height),
                                     handlelength=2.2, columnspacing=1.4)
            box = self._extent(legend)
            if box.x1 <= self.width - PAD or ncol == 1:
                self.bottom = box.y0
                return
            legend.remove()

    def footer(self, notes: list[str]) -> None:
        text = " · ".join(n for n in notes if n)
        if not text:
            return
        artist = self.fig.text(PAD / self.width, PAD / self.height, self._wrap(text, 7.5), va="bottom", ha="left",
                               fontsize=7.5, color=style.MUTED)
        self.footer_top = self._extent(artist).y1

    def fit(self, axes: list, top_gap: float = GAP, rounds: int = 3, after=None) -> None:
        """Move and size `axes` (sharing one position: an axes and its twins) so that everything drawn
        with them, tick labels, axis labels and texts included, lies between the header and the footer.
        `after(renderer)` runs after each round (e.g. thinning tick labels that collide at this size)."""
        for _ in range(rounds):
            inner = axes[0].get_window_extent(self.renderer)
            outer = Bbox.union([ax.get_tightbbox(self.renderer) for ax in axes])
            left = PAD + (inner.x0 - outer.x0)
            right = self.width - PAD - (outer.x1 - inner.x1)
            bottom = self.footer_top + GAP + (inner.y0 - outer.y0)
            top = self.bottom - top_gap - (outer.y1 - inner.y1)
            if right - left < 40 or top - bottom < 40:  # nothing sensible fits: keep what there is
                break
            if max(abs(left - inner.x0), abs(right - inner.x1), abs(bottom - inner.y0), abs(top - inner.y1)) < 0.5:
                break  # already in place: another round would measure the same
            for ax in axes:
                ax.set_position((left / self.width, bottom / self.height, (right - left) / self.width,
                                 (top - bottom) / self.height))
            if after is not None:
                after(self.renderer)


def room_for_labels(ax, renderer, pad_px: float = 6) -> None:
    """Widen the x range of horizontal bars until every label written at a bar's end (data coordinates)
    ends inside the axes, so it cannot run into what is drawn beside them."""
    labels = [t for t in ax.texts if t.get_transform() == ax.transData]
    if not labels:
        return
    box = ax.get_window_extent(renderer)
    right = max(t.get_window_extent(renderer).x1 for t in labels)
    if right + pad_px > box.x1:
        lo, hi = ax.get_xlim()
        per_px = (hi - lo) / box.width
        ax.set_xlim(lo, hi + (right + pad_px - box.x1) * per_px * 1.1)


def _texts(fig: Figure) -> list[Text]:
    """Every visible, non-empty text of a figure: its own, the legends', and each axes' (titles, axis
    labels, tick labels, annotations)."""
    found: list[Text] = list(fig.texts)
    for legend in fig.legends:
        found += legend.get_texts()
    for ax in fig.axes:
        found += list(ax.texts)
        if ax.get_legend() is not None:
            found += ax.get_legend().get_texts()
        if not ax.axison:  # axis("off"): no ticks, labels or axis titles are drawn
            continue
        found += [ax.title, ax._left_title, ax._right_title, ax.xaxis.label, ax.yaxis.label]
        for axis in (ax.xaxis, ax.yaxis):
            if not axis.get_visible():
                continue
            for tick in axis._update_ticks():  # the ticks drawn: those inside the view limits
                for label in (tick.label1, tick.label2):
                    if label.get_visible() and tick.get_visible():
                        found.append(label)
    return [t for t in found if t.get_visible() and t.get_text().strip()]


def text_boxes(fig: Figure) -> list[tuple[str, Bbox]]:
    """(text, its extent in pixels) for every text drawn on `fig` (the figure is drawn first)."""
    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    out = []
    for t in _texts(fig):
        if t.axes is not None and t in t.axes.texts and t.get_clip_on():
            box = t.get_window_extent(renderer)
            clip = t.axes.get_window_extent(renderer)
            if not box.overlaps(clip):
                continue  # clipped away entirely: not seen
        out.append((t.get_text(), t.get_window_extent(renderer)))
    return out


def text_overlaps(fig: Figure, tolerance: float = 1.0) -> list[str]:
    """What is wrong with the text of a drawn figure: pairs of texts whose boxes intersect (by more than
    `tolerance` px each way), and texts that run off the image. Empty when the chart reads cleanly."""
    boxes = text_boxes(fig)
    width, height = fig.bbox.width, fig.bbox.height
    problems = []
    for i, (text, box) in enumerate(boxes):
        if box.x0 < -tolerance or box.y0 < -tolerance or box.x1 > width + tolerance or box.y1 > height + tolerance:
            problems.append(f"off the image: {text!r}")
        for other, obox in boxes[i + 1:]:
            ix = min(box.x1, obox.x1) - max(box.x0, obox.x0)
            iy = min(box.y1, obox.y1) - max(box.y0, obox.y0)
            if ix > tolerance and iy > tolerance:
                problems.append(f"{text!r} overlaps {other!r}")
    return problems
