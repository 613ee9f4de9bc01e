"""Funnels, paths, sessions, e-commerce and the catalog: every number against tests/oracle_paths.py,
on DuckDB and PostgreSQL, for both datasets."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, timedelta

import pytest

from charts import render_png
from charts.render import check_png
from playbooks import Answer
from playbooks.parser import Clarification

from . import oracle_paths
from .conftest import DATASETS, ENGINES, make_answerer, make_config

CASES = [(e, d) for e in ENGINES for d in DATASETS]
CHECKOUT = ["Product Viewed", "Product Added", "Checkout Started", "Order Completed"]


def ask(answerers, engine, dataset, question) -> Answer:
    outcome = answerers[(engine, dataset)].ask(question)
    assert isinstance(outcome, Answer), f"{question!r} -> {outcome}"
    return outcome


def funnel_rows(answer: Answer) -> dict:
    return {(r[0], int(r[1])): (int(r[2]), None if r[3] is None else float(r[3])) for r in answer.rows}


def assert_same(got: dict, expected: dict) -> None:
    assert set(got) == set(expected)
    for key, (people, median) in expected.items():
        assert got[key][0] == people, key
        assert got[key][1] == pytest.approx(median), key


@pytest.mark.parametrize("engine,dataset", CASES)
@pytest.mark.parametrize("question,steps,window,dimension", [
    ("funnel product viewed -> product added -> checkout started -> order completed", CHECKOUT, 7, None),
    ("funnel events='Product Viewed,Order Completed' window_days=1 by platform", ["Product Viewed", "Order Completed"],
     1, "platform"),
    ("checkout funnel product added then order completed by channel top 2 last 60 days",
     ["Product Added", "Order Completed"], 7, "channel"),
])
def test_funnel_matches_oracle(answerers, oracles, engine, dataset, question, steps, window, dimension):
    answer = ask(answerers, engine, dataset, question)
    p = answer.request.params
    assert answer.playbook.id == "funnel" and list(p["events"]) == steps and p["window_days"] == window
    expected = oracle_paths.funnel(oracles[(engine, dataset)], steps, p["start"], p["end"], window, dimension,
                                   p["top"])
    assert expected[(None, 1)][0] > 20, "the demo data should have people entering this funnel"
    assert_same(funnel_rows(answer), expected)
    entered, finished = expected[(None, 1)][0], expected[(None, len(steps))][0]
    assert answer.key.value == pytest.approx(finished / entered)
    assert f"{100 * finished / entered:.1f}%" in answer.headline
    check_png(render_png(answer.chart))


@pytest.mark.parametrize("engine", ENGINES)
def test_funnel_filter_applies_to_entering_event(answerers, oracles, engine):
    answer = ask(answerers, engine, "messenger", "funnel product viewed -> order completed on ios")
    p = answer.request.params
    expected = oracle_paths.funnel(oracles[(engine, "messenger")], ["Product Viewed", "Order Completed"], p["start"],
                                   p["end"], 7, filters={"platform": "iOS"})
    assert_same(funnel_rows(answer), expected)


@pytest.mark.parametrize("question,needle", [
    ("funnel product viewed", "at least 2"),
    ("funnel product viewed -> product viewed", "once"),
    ("funnel product viewed -> teleported", "Teleported"),
    ("funnel events='a,b,c,d,e,f,g'", "at most 6"),
])
def test_funnel_bad_steps_get_a_clear_message(answerers, question, needle):
    outcome = answerers[("duckdb", "messenger")].ask(question)
    assert isinstance(outcome, Clarification), outcome
    assert needle.lower() in outcome.message.lower()


def path_rows(answer: Answer, steps: int):
    rows = [dict(zip(answer.columns, r)) for r in answer.rows]
    [total] = [r for r in rows if int(r["is_total"]) == 1]
    count = answer.columns[steps + 1]
    got = {tuple(r[f"step_{k}"] for k in range(1, steps + 1)): (int(r[count]), int(r["users"]))
           for r in rows if int(r["is_total"]) == 0}
    return got, (int(total[count]), int(total["users"]))


@pytest.mark.parametrize("engine,dataset", CASES)
@pytest.mark.parametrize("question,target,steps,gap,top,after", [
    ("user paths before message sent", "Message Sent", 3, 30, 10, False),
    ("what leads to order completed last 30 days steps=2 session_gap_minutes=10 top=5", "Order Completed", 2, 10, 5,
     False),
    ("what do people do after signing up steps=4", "Signed Up", 4, 30, 10, True),
])
def test_user_path_matches_oracle(answerers, oracles, engine, dataset, question, target, steps, gap, top, after):
    answer = ask(answerers, engine, dataset, question)
    p = answer.request.params
    assert answer.playbook.id == "user_path" and p["event"] == target
    assert (p["steps"], p["session_gap_minutes"], p["top"], p["direction"]) == (steps, gap, top,
                                                                               "after" if after else "before")
    expected, total = oracle_paths.user_paths(oracles[(engine, dataset)], target, p["start"], p["end"], steps, gap, top,
                                              after)
    got, got_total = path_rows(answer, steps)
    assert got_total == total and total[0] > 10
    assert got == expected
    best = max(expected.values())[0]
    assert f"{100 * best / total[0]:.1f}%" in answer.headline
    check_png(render_png(answer.chart))


@pytest.mark.parametrize("engine,dataset", CASES)
@pytest.mark.parametrize("question,steps,gap", [
    ("how do users move through the product", 5, 30),
    ("session flows last 7 days steps=3 session_gap_minutes=10", 3, 10),
])
def test_session_flows_match_oracle(answerers, oracles, engine, dataset, question, steps, gap):
    answer = ask(answerers, engine, dataset, question)
    p = answer.request.params
    assert answer.playbook.id == "session_flows" and (p["steps"], p["session_gap_minutes"]) == (steps, gap)
    expected, total = oracle_paths.session_flows(oracles[(engine, dataset)], p["start"], p["end"], steps, gap, p["top"])
    got, got_total = path_rows(answer, steps)
    assert got_total == total and total[0] > 100
    assert got == expected
    check_png(render_png(answer.chart))


@pytest.mark.parametrize("engine,dataset", CASES)
@pytest.mark.parametrize("question,unit,gap,dimension", [
    ("sessions last 30 days", "day", 30, None),
    ("session length weekly session_gap_minutes=10 by channel", "week", 10, "channel"),
    ("bounce rate by platform last 14 days", "day", 30, "platform"),
])
def test_sessions_match_oracle(answerers, oracles, engine, dataset, question, unit, gap, dimension):
    answer = ask(answerers, engine, dataset, question)
    p = answer.request.params
    assert answer.playbook.id == "sessions" and p["interval"] == unit and p["session_gap_minutes"] == gap
    assert p.get("group_by") == dimension
    expected = oracle_paths.session_stats(oracles[(engine, dataset)], p["start"], p["end"], unit, gap, dimension,
                                          p["top"])
    got = {}
    for r in answer.rows:
        d = dict(zip(answer.columns, r))
        period = None if d["period"] is None else oracle_paths.as_datetime(d["period"]).date()
        got[(period, d["segment"])] = tuple(d[c] for c in ("sessions", "users", "median_seconds", "mean_seconds",
                                                           "events", "page_landings", "bounces"))
    assert set(got) == set(expected)
    for key, want in expected.items():
        have = got[key]
        assert tuple(int(x) for x in (have[0], have[1], have[4], have[5], have[6])) == (
            want[0], want[1], want[4], want[5], want[6]), key
        assert float(have[2]) == pytest.approx(want[2]) and float(have[3]) == pytest.approx(want[3]), key
    total = expected[(None, None)]
    assert total[0] > 100 and total[5] > 10
    assert answer.key.value == total[0]
    check_png(render_png(answer.chart))


@pytest.mark.parametrize("engine,dataset", CASES)
@pytest.mark.parametrize("question,guide", [("top events last 7 days", False), ("what can I ask?", True)])
def test_top_events_match_oracle(answerers, oracles, engine, dataset, question, guide):
    answer = ask(answerers, engine, dataset, question)
    p = answer.request.params
    assert answer.playbook.id == "top_events" and bool(p["guide"]) == guide
    oracle = oracles[(engine, dataset)]
    expected, (total, people) = oracle_paths.top_events(oracle, p["start"], p["end"])
    rows = [dict(zip(answer.columns, r)) for r in answer.rows]
    got = {r["event_name"]: (int(r["occurrences"]), int(r["people"]), oracle_paths.as_datetime(r["first_seen"]),
                             oracle_paths.as_datetime(r["last_seen"])) for r in rows if int(r["is_total"]) == 0}
    assert got == expected and len(expected) > 15
    [totals] = [r for r in rows if int(r["is_total"]) == 1]
    assert (int(totals["occurrences"]), int(totals["people"])) == (total, people)
    assert answer.key.value == len(expected)
    assert f"{len(expected)} events tracked" in answer.headline
    # how fresh each source is: its latest received_at, against the raw rows
    sources = DATASETS[dataset].sources
    assert answer.freshness == {s: oracle.latest_received[s] for s in sources}
    for s in sources:
        assert f"Source {s}: last event received {oracle.latest_received[s]:%Y-%m-%d %H:%M} UTC" in answer.summary
    assert not answer.warnings  # both datasets end after their clocks: fresh, no stale-data warning
    assert ("You can ask, for example:" in answer.summary) == guide
    if guide:
        assert "“invites yesterday”" in answer.summary
    check_png(render_png(answer.chart))


@pytest.mark.parametrize("engine", ENGINES)
def test_stale_sources_are_warned_about(built, pg_url, oracles, engine):
    """A day and a half after the data ends (an injected clock), every answer says which sources it read
    are behind, by how much; an answer that read only the iOS source names only that one."""
    ds = DATASETS["messenger"]
    late = replace(ds, clock=ds.clock + timedelta(hours=36))
    url = f"duckdb:///{built['messenger']}" if engine == "duckdb" else pg_url.replace("postgresql://",
                                                                                       "postgresql+psycopg://")
    latest = oracles[(engine, "messenger")].latest_received
    now_utc = late.clock.astimezone(UTC).replace(tzinfo=None)

    def line(source: str) -> str:
        hours = (now_utc - latest[source]).total_seconds() / 3600
        return f"Data from source `{source}` is {hours:.0f} h behind (last event received {latest[source]:%Y-%m-%d %H:%M} UTC)."

    answerer = make_answerer(url, late)
    try:
        answer = answerer.ask("invites yesterday")
        assert isinstance(answer, Answer) and answer.freshness == {s: latest[s] for s in ds.sources}
        assert answer.warnings[:2] == [line(s) for s in ds.sources]
        from handlers.slack.blocks import answer_blocks
        from handlers.terminal import format_answer

        _, blocks = answer_blocks(answer, None)
        shown = [e["text"] for b in blocks if b["type"] == "context" for e in b["elements"]]
        assert f":warning: {line('messenger_web')}" in shown
        assert f"! {line('messenger_ios')}" in format_answer(answer, None)
        ios = answerer.ask("viewed inbox screen yesterday")
        assert isinstance(ios, Answer) and set(ios.freshness) == {"messenger_ios"}
        assert line("messenger_ios") in ios.warnings and not any("messenger_web" in w for w in ios.warnings)
    finally:
        answerer.segment.close()
    # the same lag under a longer `stale_after` is no warning
    config = make_config(url, late)
    config = replace(config, warehouses={"segment": replace(config.warehouses["segment"], stale_after_hours=48)})
    from playbooks import load_library
    from playbooks.answer import Answerer
    from warehouse import Warehouse

    patient = Answerer(config, {"segment": Warehouse(config.warehouses["segment"])}, load_library(),
                       clock=lambda: late.clock)
    try:
        answer = patient.ask("invites yesterday")
        assert isinstance(answer, Answer) and not any("behind" in w for w in answer.warnings)
    finally:
        patient.segment.close()


MINE = ["funnel", "user_path", "session_flows", "sessions", "top_events"]


@pytest.mark.parametrize("playbook", MINE)
def test_every_example_phrasing_maps_to_its_playbook(answerers, playbook):
    answerer = answerers[("duckdb", "messenger")]
    examples = answerer.library[playbook].examples
    assert len(examples) >= 5
    for example in examples:
        parsed = answerer.parse(example)
        assert getattr(parsed, "playbook", None) == playbook, f"{example!r} -> {parsed}"
