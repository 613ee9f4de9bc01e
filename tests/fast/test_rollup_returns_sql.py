"""The retention playbooks' branch for the rollup's derived tables (rollup/returns.py): rendered on a layout
that has them, every example of `retention` and `nday_retention` either reads them (no event; since signup
for retention) and no events relation, or reads the person-day rows as before; both translate to DuckDB
and pass the read-only check. The numbers are checked in tests/engines/test_rollup_returns.py."""

from __future__ import annotations

import dataclasses

import pytest

from questions import Request
from rendering.render import RenderContext, render
from rollup.returns import RELATIONS
from segment.rollup import DAYS_TABLE, RollupLayout
from warehouse.dialects import check_read_only, translate

from ..conftest import snapshot_answerer

EXTRA = ["weekly retention since signup by channel top 3", "daily retention last 14 days since signup",
         "monthly retention since signup for pro users", "7 day retention or later since signup by channel",
         "d7 retention by channel top 3", "retention event='Message Sent' interval=week periods=since_signup"]


def _cases():
    answerer = snapshot_answerer("messenger")
    texts = [e for pid in ("retention", "nday_retention") for e in answerer.library.get(pid).examples] + EXTRA
    return answerer, texts


@pytest.mark.parametrize("derived", [True, False])
def test_the_derived_branch_is_read_exactly_when_it_can_serve(derived):
    answerer, texts = _cases()
    layout = RollupLayout(tuple(answerer.config.rollup.dimensions), days=DAYS_TABLE, use_days=True,
                          derived=RELATIONS if derived else ())
    ctx = RenderContext(answerer.config.segment, answerer.catalog(), answerer.segment.quote, answerer.config.timezone,
                        answerer.config.week_start, answerer.today(), answerer.now())
    ctx = dataclasses.replace(ctx, rollup=layout)
    served = 0
    for text in texts:
        request = answerer.parse(text)
        assert isinstance(request, Request), text
        p = request.params
        sql = render(answerer.library.get(request.playbook), p, ctx).sql
        can = derived and not p.get("event") and (request.playbook == "nday_retention" or p["periods"] == "since_signup")
        reads = "person_returns" in sql or "person_last_seen" in sql
        assert reads == can, text
        assert ("FROM events" in sql) != can, text
        served += can
        check_read_only(sql, "postgres")
        check_read_only(translate(sql, "duckdb"), "duckdb")
    assert served >= (8 if derived else 0)
