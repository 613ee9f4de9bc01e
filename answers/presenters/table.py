"""table: the generic presenter for custom playbooks; charts what it recognises (a first column of dates
and numbers -> lines, labels and numbers -> bars), or what the header's `chart:` asks for."""

from __future__ import annotations

from datetime import date, datetime

from charts.spec import BarChart, LineChart, Series

from ..formatting import as_datetime
from ..model import Presentation, PresentEnv, Table
from .common import as_float, cell_text, range_phrase


def present_table(env: PresentEnv) -> Presentation:
    result = env.result
    cols = result.columns
    rows = result.rows
    numeric = tuple(all(isinstance(r[i], (int, float)) or r[i] is None for r in rows) and rows != []
                    and not isinstance(rows[0][i], bool) for i in range(len(cols)))
    table_rows = tuple(tuple(cell_text(v) for v in r) for r in rows)
    chart = None
    wanted = env.playbook.chart  # auto (by what the columns hold), line, bar, or none
    if rows and len(cols) >= 2 and any(numeric[1:]) and wanted in ("auto", "line", "bar"):
        first = [r[0] for r in rows]
        measures = [i for i in range(1, len(cols)) if numeric[i]][:3]
        if all(isinstance(v, (date, datetime)) for v in first) and wanted != "bar":
            chart = LineChart(title=env.playbook.title, subtitle=range_phrase(env) if "start" in env.request.params else "",
                              x=tuple(as_datetime(v) for v in first),
                              series=tuple(Series(cols[i], tuple(as_float(r[i]) for r in rows)) for i in measures),
                              granularity=env.request.params.get("interval", "day"))
        elif not numeric[0]:
            chart = BarChart(title=env.playbook.title, subtitle="", labels=tuple(str(v) for v in first[:25]),
                             series=(Series(cols[measures[0]], tuple(as_float(r[measures[0]]) for r in rows[:25])),))
    headline = f"{env.playbook.title}: {len(rows):,} {'row' if len(rows) == 1 else 'rows'}"
    if len(rows) == 1 and len(cols) <= 3:
        headline = f"{env.playbook.title}: " + ", ".join(f"{c} {cell_text(v)}" for c, v in zip(cols, rows[0]))
    return Presentation(title=env.playbook.title, headline=headline, key=None,
                        table=Table(tuple(cols), table_rows, numeric), chart=chart)
