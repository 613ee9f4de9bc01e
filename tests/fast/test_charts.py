"""Charts: every kind renders a real PNG that decodes, has the expected size and is not blank."""
import io
from datetime import datetime, timedelta

import matplotlib.image as mpimg
import numpy as np
import pytest

from charts import BarChart, FunnelChart, Heatmap, LineChart, PathChart, Series, render_png
from charts.render import ChartError, check_png

DAYS = tuple(datetime(2026, 11, 1) + timedelta(days=i) for i in range(20))


def decode(png: bytes) -> np.ndarray:
    check_png(png)
    return mpimg.imread(io.BytesIO(png), format="png")


@pytest.mark.parametrize("spec", [
    LineChart("Invites per day", "last 20 days", DAYS, (Series("events", tuple(float(i % 7 + 3) for i in range(20))),
                                                         Series("users", tuple(float(i % 5) for i in range(20)), "dashed")),
              highlight=(DAYS[-1], DAYS[-1] + timedelta(days=1)), partial_from=19),
    LineChart("One point", "", DAYS[:1], (Series("events", (4.0,)),)),
    LineChart("Rate", "", DAYS, (Series("DAU/MAU", tuple(0.1 + i / 100 for i in range(20))),), y_format="pct"),
    Heatmap("Retention", "weekly", ("a", "b", "c"), ("0", "1", "2"),
            ((1.0, 0.5, 0.3), (1.0, 0.4, None), (1.0, None, None)),
            partial=((False, False, True), (False, True, False), (True, False, False)), row_notes=("n=3", "n=4", "n=5")),
    BarChart("Top paths", "", ("a → b", "c → d"), (Series("paths", (10.0, 4.0)),)),
    FunnelChart("Funnel", "7-day window", ("1. a", "2. b", "3. c"), (Series("people", (100.0, 40.0, 10.0)),),
                notes=("", "40% of previous", "25% of previous")),
    FunnelChart("Funnel by platform", "", ("1. a", "2. b"), (Series("Web", (60.0, 20.0)), Series("iOS", (40.0, 0.0)))),
    PathChart("Paths", "", (("a", "b", "c"), ("(session start)", "d")), (12.0, 5.0), ("12 (70%)", "5 (30%)")),
    BarChart("Stacked", "", ("w1", "w2"), (Series("new", (3.0, 4.0)), Series("churned", (-2.0, -1.0))),
             horizontal=False, stacked=True, line=Series("quick ratio", (1.5, 4.0))),
])
def test_each_kind_renders(spec):
    image = decode(render_png(spec))
    assert image.shape[0] >= 300 and image.shape[1] >= 600
    assert (np.abs(image[..., :3] - 1.0).sum(axis=-1) > 0.2).mean() > 0.01  # something is drawn


def test_nothing_to_draw_is_an_error_not_a_blank_image():
    with pytest.raises(ChartError):
        render_png(LineChart("Nothing", "", (), ()))


def test_bad_png_is_caught():
    with pytest.raises(ChartError):
        check_png(b"not a png")
