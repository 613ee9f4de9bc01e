"""Funnels, paths, sessions, e-commerce and the catalog: every number against tests/oracle_paths.py,
on DuckDB and PostgreSQL, for both datasets."""

from __future__ import annotations

from dataclasses import replace

import pytest

from answers import Answer
from charts import render_png
from charts.render import check_png
from questions.parser import Clarification
from segment.dimensions import DIMENSIONS

from .. import helpers, oracle_paths
from ..conftest import DATASETS, ENGINES, late_clock, make_answerer, make_config

CASES = [(e, d) for e in ENGINES for d in DATASETS]
CHECKOUT = ["Product Viewed", "Product Added", "Checkout Started", "Order Completed"]


FILTER_WORDS = {"on web": ("platform", "Web"), "on ios": ("platform", "iOS"), "ios users": ("platform", "iOS"),
                "for pro users": ("plan", "pro")}


def seen(oracles, engine, dataset, answer: Answer):
    """The oracle through the answer's filters ("on ios": the iOS events only), computed in Python; the
    filter the question says must be the one read (else the comparison would prove nothing)."""
    said = [pair for words, pair in FILTER_WORDS.items() if words in answer.request.question]
    filters = answer.request.params.get("filters") or ()
    assert list(filters) == said, (answer.request.question, filters)
    return oracles[(engine, dataset)].filtered(dict(filters))


def ask(answerers, engine, dataset, question) -> Answer:
    outcome = helpers.ask(answerers[(engine, dataset)], question)
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
    steps = [DATASETS[dataset].event(s) for s in steps]  # spec v1 names on the v1 dataset
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
    outcome = helpers.ask(answerers[("duckdb", "messenger")], question)
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
    ("user paths before message sent on web", "Message Sent", 3, 30, 10, False),
])
def test_user_path_matches_oracle(answerers, oracles, engine, dataset, question, target, steps, gap, top, after):
    target = DATASETS[dataset].event(target)
    answer = ask(answerers, engine, dataset, question)
    check_user_paths(answer, seen(oracles, engine, dataset, answer), target, steps, gap, top, after)
    check_png(render_png(answer.chart))


def check_user_paths(answer: Answer, oracle, target: str, steps: int, gap: int, top: int, after: bool) -> None:
    """The question read as asked (event, steps, gap, top, direction), then the answer's paths and total against
    the oracle's over the raw rows, and its headline's share."""
    p = answer.request.params
    assert answer.playbook.id == "user_path" and p["event"] == target
    assert (p["steps"], p["session_gap_minutes"], p["top"], p["direction"]) == (steps, gap, top,
                                                                               "after" if after else "before")
    expected, total = oracle_paths.user_paths(oracle, target, p["start"], p["end"], steps, gap, top, after)
    got, got_total = path_rows(answer, steps)
    assert got_total == total and total[0] > 10
    assert got == expected
    best = max(expected.values())[0]
    assert f"{100 * best / total[0]:.1f}%" in answer.headline


@pytest.mark.parametrize("engine,dataset", CASES)
@pytest.mark.parametrize("question,steps,gap", [
    ("how do users move through the product", 5, 30),
    ("session flows last 7 days steps=3 session_gap_minutes=10", 3, 10),
    ("how do ios users move through the product", 5, 30),
])
def test_session_flows_match_oracle(answerers, oracles, engine, dataset, question, steps, gap):
    answer = ask(answerers, engine, dataset, question)
    p = answer.request.params
    assert answer.playbook.id == "session_flows" and (p["steps"], p["session_gap_minutes"]) == (steps, gap)
    expected, total = oracle_paths.session_flows(seen(oracles, engine, dataset, answer), p["start"], p["end"], steps, gap,
                                                 p["top"])
    got, got_total = path_rows(answer, steps)
    assert got_total == total and total[0] > 100
    assert got == expected
    check_png(render_png(answer.chart))


@pytest.mark.parametrize("engine,dataset", CASES)
@pytest.mark.parametrize("question,unit,gap,dimension", [
    ("sessions last 30 days", "day", 30, None),
    ("session length weekly session_gap_minutes=10 by channel", "week", 10, "channel"),
    ("bounce rate by platform last 14 days", "day", 30, "platform"),
    ("sessions last 30 days for pro users", "day", 30, None),
])
def test_sessions_match_oracle(answerers, oracles, engine, dataset, question, unit, gap, dimension):
    answer = ask(answerers, engine, dataset, question)
    check_sessions(answer, seen(oracles, engine, dataset, answer), unit, gap, dimension)


def check_sessions(answer: Answer, oracle, unit: str, gap: int, dimension: str | None) -> None:
    """Sessions, people, median and mean length, events, page landings and bounces per period, per segment and
    in all, against sessions cut in Python from the raw rows (the oracle already narrowed to the filters)."""
    p = answer.request.params
    assert answer.playbook.id == "sessions" and p["interval"] == unit and p["session_gap_minutes"] == gap
    assert p.get("group_by") == dimension
    expected = oracle_paths.session_stats(oracle, p["start"], p["end"], unit, gap, dimension, p["top"])
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
@pytest.mark.parametrize("question,guide", [("top events last 7 days", False), ("what can I ask?", True),
                                            ("top events on ios last 7 days", False)])
def test_top_events_match_oracle(answerers, oracles, engine, dataset, question, guide):
    answer = ask(answerers, engine, dataset, question)
    check_top_events(answer, seen(oracles, engine, dataset, answer), dataset, guide,
                     answerers[(engine, dataset)].library)


def check_top_events(answer: Answer, oracle, dataset: str, guide: bool, library) -> None:
    """Every event's occurrences, people, first and last moment and the totals, against Python over the rows
    (the oracle already narrowed to the question's filters); each source's freshness; the guide when asked."""
    p = answer.request.params
    assert answer.playbook.id == "top_events" and bool(p["guide"]) == guide
    expected, (total, people) = oracle_paths.top_events(oracle, p["start"], p["end"])
    rows = [dict(zip(answer.columns, r)) for r in answer.rows]
    got = {r["event_name"]: (int(r["occurrences"]), int(r["people"]), oracle_paths.as_datetime(r["first_seen"]),
                             oracle_paths.as_datetime(r["last_seen"])) for r in rows if int(r["is_total"]) == 0}
    assert got == expected and len(expected) > (8 if p.get("filters") else 15)
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
        others = [pb for pb in library.all() if pb.id != "top_events" and pb.examples]
        assert [pb.id for pb in others if f"• {pb.title}: “{pb.examples[0]}”" not in answer.summary] == []
    check_png(render_png(answer.chart))


@pytest.mark.parametrize("engine", ENGINES)
def test_stale_sources_are_warned_about(built, pg_url, oracles, engine):
    """A day and a half after the data ends (an injected clock), every answer says which sources it read
    are behind, by how much; an answer that read only the iOS source names only that one."""
    ds = DATASETS["messenger"]
    clock = late_clock(engine, built, pg_url, oracles)
    late, url, latest, line = clock.dataset, clock.url, clock.latest, clock.warning

    answerer = make_answerer(url, late)
    try:
        answer = helpers.ask(answerer, "invites yesterday")
        assert isinstance(answer, Answer) and answer.freshness == {s: latest[s] for s in ds.sources}
        assert answer.warnings[:2] == [line(s) for s in ds.sources]
        from handlers.slack.blocks import answer_blocks
        from handlers.terminal import format_answer

        _, blocks = answer_blocks(answer, None)
        shown = [e["text"] for b in blocks if b["type"] == "context" for e in b["elements"]]
        assert f":warning: {line('messenger_web')}" in shown
        assert f"! {line('messenger_ios')}" in format_answer(answer, None)
        ios = helpers.ask(answerer, "viewed inbox screen yesterday")
        assert isinstance(ios, Answer) and set(ios.freshness) == {"messenger_ios"}
        assert line("messenger_ios") in ios.warnings and not any("messenger_web" in w for w in ios.warnings)
    finally:
        answerer.segment.close()
    # the same lag under a longer `stale_after` is no warning
    config = make_config(url, late)
    config = replace(config, warehouses={"segment": replace(config.warehouses["segment"], stale_after_hours=48)})
    from answers.answerer import Answerer
    from warehouse import Warehouse

    patient = Answerer(config, {"segment": Warehouse(config.warehouses["segment"])}, helpers.builtin_library(),
                       clock=lambda: late.clock)
    try:
        answer = helpers.ask(patient, "invites yesterday")
        assert isinstance(answer, Answer) and not any("behind" in w for w in answer.warnings)
    finally:
        patient.segment.close()


MINE = ["funnel", "user_path", "session_flows", "sessions", "top_events", "ecommerce", "ltv_by_channel"]


@pytest.mark.parametrize("playbook", MINE)
def test_every_example_phrasing_maps_to_its_playbook(answerers, playbook):
    answerer = answerers[("duckdb", "messenger")]
    examples = answerer.library[playbook].examples
    assert len(examples) >= 5
    for example in examples:
        parsed = answerer.parse(example)
        assert getattr(parsed, "playbook", None) == playbook, f"{example!r} -> {parsed}"


# ---- e-commerce: orders, buyers, revenue, AOV; lifetime value by channel; the checkout funnel ----
SPEC_TABLE = {"v2": "spec v2 (table order_completed)", "v1": "spec v1 (table completed_order)"}


def money_rows(answer: Answer) -> dict:
    """{(period date or None, segment or None): (orders, buyers, revenue, valued orders, fallback orders)}."""
    got = {}
    for r in answer.rows:
        d = dict(zip(answer.columns, r))
        period = None if d["period"] is None else oracle_paths.as_datetime(d["period"]).date()
        got[(period, d["segment"])] = (int(d["orders"]), int(d["buyers"]), float(d["revenue"] or 0),
                                       int(d["valued_orders"]), int(d["fallback_orders"]))
    return got


def assert_same_money(got: dict, expected: dict) -> None:
    assert set(got) == set(expected)
    for key, want in expected.items():
        have = got[key]
        assert (have[0], have[1], have[3], have[4]) == (want[0], want[1], want[3], want[4]), key
        assert have[2] == pytest.approx(want[2]), key


def spec_of(dataset: str) -> str:
    return DATASETS[dataset].spec.ecommerce_spec


@pytest.mark.parametrize("engine,dataset", CASES)
@pytest.mark.parametrize("question,unit,metric,measure,dimension,filters", [
    ("revenue last 30 days", "day", "revenue", "revenue", None, None),
    ("weekly revenue by channel top 3 last 8 weeks", "week", "revenue", "revenue", "channel", None),
    ("average order value by platform last 60 days", "day", "aov", "revenue", "platform", None),
    ("monthly buyers including tax on web since 2026-08-01", "month", "buyers", "total", None, {"platform": "Web"}),
    ("orders from google last 60 days", "day", "orders", "revenue", None, {"channel": "google"}),  # each order_id once
])
def test_ecommerce_matches_oracle(answerers, oracles, engine, dataset, question, unit, metric, measure, dimension,
                                  filters):
    answer = ask(answerers, engine, dataset, question)
    p = answer.request.params
    assert answer.playbook.id == "ecommerce" and (p["interval"], p["metric"], p["measure"]) == (unit, metric, measure)
    assert p.get("group_by") == dimension and dict(p.get("filters") or ()) == (filters or {})
    oracle = oracles[(engine, dataset)]
    expected = oracle_paths.ecommerce(oracle, p["start"], p["end"], unit, measure, dimension, p["top"], filters)
    assert_same_money(money_rows(answer), expected)
    orders, buyers, revenue, valued, fallback = expected[(None, None)]
    assert orders > 10 and revenue > 0, "the demo data should have orders in this range"
    value = {"revenue": revenue, "orders": orders, "buyers": buyers, "aov": revenue / valued}[metric]
    assert answer.key.value == pytest.approx(value)
    # each comparison is the same measure over its own window; one reaching before the data is said, not made
    assert answer.key.changes
    for change in answer.key.changes:
        if not change.compared:
            assert change.window[0] < oracle.first_data() and "data starts" in change.note
            continue
        o, b, r, v, _ = oracle_paths.ecommerce(oracle, change.window[0], change.window[1], unit, measure,
                                               None, 5, filters)[(None, None)]
        assert change.other == pytest.approx({"revenue": r, "orders": o, "buyers": b, "aov": r / v if v else None}[metric])
    footer = " ".join(answer.definitions)
    assert SPEC_TABLE[spec_of(dataset)] in footer
    if fallback:  # the spec v1 dataset has orders that carry only `total`
        assert f"{fallback:,} of {orders:,} orders had no `{measure}`" in footer
    if spec_of(dataset) == "v2" or measure == "total":  # only the v1 dataset has orders without `revenue`
        assert fallback == 0
    check_png(render_png(answer.chart))


@pytest.mark.parametrize("engine,dataset", CASES)
def test_an_order_tracked_twice_counts_once(answerers, oracles, engine, dataset):
    """The demo tracks about one order in 25 a second time (same order_id, seconds later): the raw
    rows have the repeats, the answer counts each order_id once, as the oracle does."""
    oracle = oracles[(engine, dataset)]
    answer = ask(answerers, engine, dataset, "monthly revenue since 2026-01-01")
    p = answer.request.params
    assert answer.playbook.id == "ecommerce"
    in_range = [x for x in oracle.orders if oracle._dt(p["start"]) <= x.ev.local < oracle._dt(p["end"])]
    ids = [x.order_id for x in in_range]
    assert len(ids) == len(set(ids)) and oracle.order_rows > len(oracle.orders), "the data should repeat orders"
    assert money_rows(answer)[(None, None)][0] == len(in_range)
    assert_same_money(money_rows(answer), oracle_paths.ecommerce(oracle, p["start"], p["end"], p["interval"]))
    # the same orders counted as events (every Order Completed call) include the repeats
    calls = ask(answerers, engine, dataset, f"{'completed order' if spec_of(dataset) == 'v1' else 'order completed'}"
                " events since 2026-01-01")
    assert calls.playbook.id == "event_volume"
    assert calls.key.value > len(in_range)


def assert_same_ltv(answer: Answer, expected: dict, waiting: int) -> None:
    """The answer's rows ({segment or None: people, customers, orders, revenue, fallback orders}) against the oracle's."""
    got = {}
    for r in answer.rows:
        d = dict(zip(answer.columns, r))
        got[d["segment"]] = (int(d["people"]), int(d["customers"] or 0), int(d["orders"] or 0),
                             float(d["revenue"] or 0), int(d["fallback_orders"] or 0))
        if d["segment"] is None:
            assert int(d["waiting"]) == waiting
    assert set(got) == set(expected)
    for key, want in expected.items():
        assert got[key][:3] + got[key][4:] == want[:3] + want[4:], key
        assert got[key][3] == pytest.approx(want[3]), key


@pytest.mark.parametrize("engine,dataset", CASES)
@pytest.mark.parametrize("question,first_days,measure,dimension,top", [
    ("which marketing channels bring the highest lifetime value customers", 90, "revenue", "channel", 10),
    ("ltv by acquisition channel in their first 30 days", 30, "revenue", "channel", 10),
    ("customer lifetime value by plan including tax first_days=45 top 2", 45, "total", "plan", 2),
])
def test_ltv_by_channel_matches_oracle(answerers, oracles, engine, dataset, question, first_days, measure, dimension,
                                       top):
    answerer = answerers[(engine, dataset)]
    answer = ask(answerers, engine, dataset, question)
    p = answer.request.params
    assert answer.playbook.id == "ltv_by_channel"
    assert (p["first_days"], p["measure"], p["group_by"], p["top"]) == (first_days, measure, dimension, top)
    expected, waiting = oracle_paths.ltv(oracles[(engine, dataset)], p["start"], p["end"], first_days,
                                         answerer.today(), measure, dimension, top)
    assert_same_ltv(answer, expected, waiting)
    people, customers, _, revenue, _ = expected[None]
    assert people > 50 and customers > 5 and waiting > 0, "the demo data should have customers with a full window"
    assert answer.key.value == pytest.approx(revenue / customers)
    assert f"first {first_days} days" in answer.headline and SPEC_TABLE[spec_of(dataset)] in " ".join(answer.definitions)
    check_png(render_png(answer.chart))


@pytest.mark.parametrize("engine,dataset", CASES)
@pytest.mark.parametrize("thread,filters,dimension", [
    (["ltv by channel for ios users"], {"platform": "iOS"}, "channel"),
    (["which marketing channels bring us the highest ltv customers", "just for pro"], {"plan": "pro"}, "channel"),
    (["customer lifetime value by plan for users from google"], {"channel": "google"}, "plan"),
    (["ltv by channel on android in their first 60 days"], {"os": "Android"}, "channel"),
])
def test_ltv_for_some_people_matches_oracle(answerers, oracles, engine, dataset, thread, filters, dimension):
    """Issue 18: the people whose signup matches (the cohort playbooks' reading), their orders from anywhere; a
    follow-up in the thread keeps the rest of the question. The filter is said back in the headline."""
    answerer, previous = answerers[(engine, dataset)], None
    for question in thread:
        previous = helpers.ask(answerer, question, previous=previous and previous.request)
    answer = previous
    assert isinstance(answer, Answer), answer
    p = answer.request.params
    assert answer.playbook.id == "ltv_by_channel" and dict(p["filters"]) == filters and p["group_by"] == dimension
    o = oracles[(engine, dataset)]
    expected, waiting = oracle_paths.ltv(o, p["start"], p["end"], p["first_days"], answerer.today(), p["measure"],
                                         dimension, p["top"], filters)
    everyone, _ = oracle_paths.ltv(o, p["start"], p["end"], p["first_days"], answerer.today(), p["measure"],
                                   dimension, p["top"])
    assert 0 < expected[None][0] < everyone[None][0], "the filter keeps some people, not all"
    assert_same_ltv(answer, expected, waiting)
    if expected[None][1]:
        assert answer.key.value == pytest.approx(expected[None][3] / expected[None][1])
    (dim, value), = filters.items()
    assert f"({DIMENSIONS[dim].label.lower()}: {value})" in answer.title


@pytest.mark.parametrize("engine,dataset", CASES)
@pytest.mark.parametrize("question", ["checkout funnel", "ecommerce funnel by platform last 60 days"])
def test_checkout_funnel_uses_the_warehouses_spec_names(answerers, oracles, engine, dataset, question):
    answer = ask(answerers, engine, dataset, question)
    p = answer.request.params
    steps = [DATASETS[dataset].event(s) for s in CHECKOUT]  # Viewed Product ... Completed Order on spec v1
    assert answer.playbook.id == "funnel" and list(p["events"]) == steps
    expected = oracle_paths.funnel(oracles[(engine, dataset)], steps, p["start"], p["end"], p["window_days"],
                                   p.get("group_by"), p["top"])
    assert expected[(None, 1)][0] > 20
    assert_same(funnel_rows(answer), expected)


def test_no_order_table_is_a_clear_message(answerers):
    import dataclasses

    from rendering.render import RenderContext, render
    from segment.relations import RelationError

    answerer = answerers[("duckdb", "messenger")]
    catalog = answerer.catalog()
    bare = dataclasses.replace(catalog, tables={k: v for k, v in catalog.tables.items()
                                                if k[1] not in ("order_completed", "completed_order")})
    ctx = RenderContext(answerer.config.segment, bare, answerer.segment.quote, answerer.config.timezone,
                        answerer.config.week_start, answerer.today(), answerer.now())
    request = answerer.parse("revenue last 7 days")
    with pytest.raises(RelationError) as err:
        render(answerer.library["ecommerce"], request.params, ctx)
    assert "order_completed" in err.value.message and "completed_order" in err.value.message
    assert err.value.next_step
