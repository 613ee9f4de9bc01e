"""ecommerce: orders, buyers, revenue and average order value per period, compared with the period before;
ltv_by_channel: revenue per customer in their first N days, by acquisition channel."""

from __future__ import annotations

from datetime import timedelta

from charts.spec import BarChart, LineChart, Series
from questions.timerange import describe, shift
from segment.dimensions import DIMENSIONS
from segment.relations import describe_order_tables, order_tables

from ..formatting import as_datetime, count, fmt_day, fmt_number, period_label, range_words
from ..model import KeyNumber, Presentation, PresentEnv, Table
from ..periods import NO_DATA, midnight
from .common import (
    bar_note,
    changes_line,
    chart_marks,
    cut_words,
    filter_phrase,
    is_single_period,
    no_data_note,
    period_text,
    range_phrase,
    series,
    total_changes,
)

MEASURES = ["orders", "buyers", "revenue", "valued_orders", "fallback_orders"]
METRICS = {"revenue": ("revenue", "money"), "orders": ("orders", "int"), "buyers": ("buyers", "int"),
           "aov": ("average order value", "money")}
SMALL_N = 30  # fewer customers than this: a per-customer average worth reading with care


def _ratio(part, whole) -> float | None:
    return float(part) / float(whole) if whole else None


def metric_value(row: dict, metric: str) -> float | None:
    """One of the four measures of a result row (AOV = revenue ÷ orders that had a value)."""
    if metric == "aov":
        return _ratio(row["revenue"] or 0, row["valued_orders"])
    return float(row[metric] or 0)


def _whole_range(rows: list[dict]) -> dict:
    return next((r for r in rows if r["period"] is None and r["segment"] is None), {m: 0 for m in MEASURES})


def _amount_definition(measure: str) -> str:
    if measure == "total":
        return ("Revenue (measure=total): each order's `total` property (Segment spec: with shipping and tax), or its "
                "`revenue` where total was not sent.")
    return ("Revenue: each order's `revenue` property (Segment spec: without shipping and tax), or its `total` where "
            "revenue was not sent (measure=total to count totals with shipping and tax).")


def _order_notes(env: PresentEnv, total: dict, measure: str) -> tuple[list[str], list[str]]:
    """Definitions (which spec, which property) and warnings (orders with no value) shared by both playbooks."""
    definitions = [_amount_definition(measure) + " Amounts are summed as sent (currencies are not converted)."]
    described = describe_order_tables(order_tables(env.catalog.schemas, env.catalog))
    if described:
        definitions.append(described)
    other = "revenue" if measure == "total" else "total"
    if total.get("fallback_orders"):
        definitions.append(f"{fmt_number(total['fallback_orders'])} of {count(total['orders'], 'order')} had no "
                           f"`{measure}`: their `{other}` was used.")
    warnings = []
    valued = total.get("valued_orders")
    if valued is not None and total["orders"] and valued < total["orders"]:
        warnings.append(f"{count(total['orders'] - valued, 'order')} had neither revenue nor total: counted as "
                        "orders, left out of revenue and the average order value.")
    return definitions, warnings


def present_ecommerce(env: PresentEnv) -> Presentation:
    p = env.request.params
    unit, metric = p["interval"], p["metric"]
    label, fmt = METRICS[metric]
    rows = env.result.as_dicts()
    total = _whole_range(rows)
    current = metric_value(total, metric)
    phrase = range_phrase(env)
    dim = DIMENSIONS[p["group_by"]] if p.get("group_by") else None

    changes = total_changes(env, current, lambda result: metric_value(_whole_range(result.as_dicts()), metric), fmt)

    aov = metric_value(total, "aov")
    money = fmt_number(total["revenue"] or 0, "money")
    orders, buyers = count(total["orders"], "order"), count(total["buyers"], "buyer")
    where = f"{range_words(phrase)}{filter_phrase(p)}"
    headline = {
        "revenue": f"{money} revenue {where} from {orders} by {buyers}; average order value {fmt_number(aov, 'money')}",
        "orders": f"{orders} {where} by {buyers}: {money} revenue, average order value {fmt_number(aov, 'money')}",
        "buyers": f"{buyers} {where} placed {orders}: {money} revenue, average order value {fmt_number(aov, 'money')}",
        "aov": f"Average order value {fmt_number(aov, 'money')} {where} ({money} over {orders} by {buyers})",
    }[metric] if total["orders"] else f"No completed orders {where}"
    lines = [changes_line(changes, fmt)] if changes else []

    def cells(r: dict) -> tuple[str, ...]:
        if r.get("state") == NO_DATA:
            return ("no data",) * 4
        return (fmt_number(r["orders"]), fmt_number(r["buyers"]), fmt_number(r["revenue"] or 0, "money"),
                fmt_number(metric_value(r, "aov"), "money"))

    head = ("Orders", "Buyers", "Revenue", "Avg order value")
    shown = series([r for r in rows if r["period"] is not None], env, unit, MEASURES)
    if dim is None:
        table = Table((unit.capitalize(),) + head, tuple((period_text(r, unit, env),) + cells(r) for r in shown)
                      + (("Total",) + cells(total),), (False,) + (True,) * 4)
        chart = _trend_chart(env, shown, metric, where)
    else:
        per_segment = sorted((r for r in rows if r["period"] is None and r["segment"] is not None),
                             key=lambda r: (r["segment"] == "Other", -float(r["revenue"] or 0), str(r["segment"])))
        revenue_all = float(total["revenue"] or 0)
        lines.append(f"By {dim.label.lower()}: " + " · ".join(
            f"{r['segment']} {fmt_number(metric_value(r, metric), fmt)}"
            + (f" ({fmt_number(_ratio(r['revenue'] or 0, revenue_all), 'pct')} of revenue)" if metric == "revenue" else "")
            for r in per_segment))
        table = Table((dim.label,) + head + ("Share of revenue",), tuple(
            (str(r["segment"]),) + cells(r) + (fmt_number(_ratio(r["revenue"] or 0, revenue_all), "pct"),)
            for r in per_segment) + (("Total",) + cells(total) + ("100.0%",),), (False,) + (True,) * 5)
        chart = _segment_chart(env, rows, per_segment, dim.label.lower(), metric, where)

    definitions = [
        "Orders: completed orders, each order_id once (an order tracked again within a day counts at its first "
        "event), counted per "
        f"{unit} by the order's timestamp in {env.timezone}{cut_words(env)}. Buyers: distinct people with an order "
        "(stitched across devices; a guest checkout counts per device). Average order value = revenue ÷ orders with "
        "a value.",
    ] + no_data_note(env, shown)
    notes, warnings = _order_notes(env, total, p["measure"])
    definitions += notes
    if dim is not None:
        who = "the value on the order" if dim.level == "event" else "the person's"
        definitions.append(f"{dim.label}: {who}; the top {p['top']} by revenue are shown, the rest as Other; a buyer "
                           "seen under two values counts in both.")
    return Presentation(
        title=f"E-commerce · {where}", headline=headline,
        key=KeyNumber(label[0].upper() + label[1:], current, fmt, tuple(changes)),
        table=table, chart=chart, lines=lines, definitions=definitions, warnings=warnings)


def _trend_chart(env: PresentEnv, rows: list[dict], metric: str, where: str) -> LineChart:
    """The metric per period (left axis) with orders, or revenue when orders are the metric, on the right."""
    p = env.request.params
    unit, start, end = p["interval"], p["start"], p["end"]
    highlight = None
    if is_single_period(start, end, unit, env.week_start) and midnight(end) <= env.now and unit != "quarter":
        # one whole day/week/month: a point means nothing alone, so draw the periods before it too
        n = {"day": 14, "week": 12, "month": 13}[unit]
        ctx_start = shift(start, unit, -(n - 1))
        context = env.run({"start": ctx_start, "end": end}, "context").as_dicts()
        rows = series([r for r in context if r["period"] is not None], env, unit, MEASURES, ctx_start, end)
        highlight = (midnight(start), midnight(end))
    label, fmt = METRICS[metric]
    second, second_fmt = ("revenue", "money") if metric == "orders" else ("orders", "int")

    def values(measure: str) -> tuple[float | None, ...]:
        return tuple(None if r["state"] == NO_DATA else metric_value(r, measure) for r in rows)

    return LineChart(
        title=f"{label[0].upper() + label[1:]} per {unit}{filter_phrase(p)}", subtitle=where,
        x=tuple(r["period"] for r in rows),
        series=(Series(label, values(metric)), Series(f"{second} (right)", values(second), style="dashed", axis="right")),
        granularity=unit, y_format=fmt, right_format=second_fmt, highlight=highlight, y_label=label,
        right_label=second, **chart_marks(rows))


def _segment_chart(env: PresentEnv, rows: list[dict], per_segment: list[dict], dim_label: str, metric: str,
                   where: str) -> LineChart | BarChart:
    """A few periods: revenue or orders stacked by segment per period (they add up), buyers and AOV as lines
    (they do not); many periods (daily over weeks): one ranked bar per segment, a daily tangle says nothing."""
    unit = env.request.params["interval"]
    label, fmt = METRICS[metric]
    title = f"{label[0].upper() + label[1:]} by {dim_label}"
    periods = series([], env, unit, [])
    grid = {(as_datetime(r["period"]), r["segment"]): r for r in rows if r["period"] is not None}
    empty = {m: 0 for m in MEASURES}

    def values(segment) -> tuple[float | None, ...]:
        return tuple(None if b["state"] == NO_DATA else metric_value(grid.get((b["period"], segment), empty), metric)
                     for b in periods)

    if 1 < len(periods) <= 16 and metric in ("revenue", "orders"):
        return BarChart(
            title=f"{title} per {unit}", subtitle=where, horizontal=False, stacked=True, value_format=fmt,
            labels=tuple(period_label(b["period"], unit).replace("wk of ", "") for b in periods),
            series=tuple(Series(str(r["segment"]), values(r["segment"])) for r in per_segment), value_label=label,
            note=bar_note(env, periods, unit))
    if 1 < len(periods) <= 16:
        return LineChart(
            title=f"{title} per {unit}", subtitle=where, x=tuple(b["period"] for b in periods),
            series=tuple(Series(str(r["segment"]), values(r["segment"])) for r in per_segment),
            granularity=unit, y_format=fmt, y_label=label, **chart_marks(periods))
    return BarChart(title=title, subtitle=where, labels=tuple(str(r["segment"]) for r in per_segment),
                    series=(Series(label, tuple(metric_value(r, metric) for r in per_segment)),), value_format=fmt,
                    annotations=tuple(f"{fmt_number(metric_value(r, metric), fmt)} · {count(r['orders'], 'order')}"
                                      for r in per_segment))


def present_ltv(env: PresentEnv) -> Presentation:
    p = env.request.params
    days, measure = int(p["first_days"]), p["measure"]
    dim = DIMENSIONS[p["group_by"]]
    rows = env.result.as_dicts()
    total = next((r for r in rows if r["segment"] is None), None) or {
        "people": 0, "customers": 0, "orders": 0, "revenue": None, "fallback_orders": 0, "waiting": 0}
    groups = [r for r in rows if r["segment"] is not None]

    def per_customer(r: dict) -> float | None:
        return _ratio(r["revenue"] or 0, r["customers"])

    ranked = sorted(groups, key=lambda r: (r["segment"] == "Other", -(per_customer(r) or 0), str(r["segment"])))
    phrase = range_phrase(env)
    dim_name, only = dim.label.lower(), filter_phrase(p)  # "(plan: pro)": the people whose signup matches
    last_counted = env.today - timedelta(days=days)  # signed up before this day: the window is over
    waiting = int(total["waiting"] or 0)
    overall = per_customer(total)
    named = [r for r in ranked if r["segment"] != "Other" and r["customers"]]
    best = next((r for r in named if r["customers"] >= SMALL_N), named[0] if named else None)
    if not total["people"]:
        headline = (f"Nobody who signed up {range_words(phrase)}{only} has had {days} days yet: people count once their "
                    f"first {days} days are over (signed up before {fmt_day(last_counted, year=True)})")
    elif best is None:
        headline = (f"None of the {count(total['people'], 'person')} who signed up {range_words(phrase)}{only} ordered in "
                    f"their first {days} days")
    else:
        few = "" if best["customers"] >= SMALL_N else ", too few to be sure"
        # groups ranked above it on fewer than SMALL_N customers are named, not crowned
        above = [str(r["segment"]) for r in named[:named.index(best)]]
        among = f" among {dim_name}s with {SMALL_N}+ customers" if above else ""
        headline = (f"Highest revenue per customer in their first {days} days{among}: {best['segment']}, "
                    f"{fmt_number(per_customer(best), 'money')} (n={count(best['customers'], 'customer')}{few}), vs "
                    f"{fmt_number(overall, 'money')} across all {count(total['customers'], 'customer')}{only}"
                    + (f" ({', '.join(above)} higher on fewer customers)" if above else ""))
    lines = []
    if ranked:
        lines.append(f"Revenue per customer by {dim_name}: " + " · ".join(
            f"{r['segment']} {fmt_number(per_customer(r), 'money')} (n={fmt_number(r['customers'])})" for r in ranked))
        lines.append("Revenue per person acquired (customers or not): " + " · ".join(
            f"{r['segment']} {fmt_number(_ratio(r['revenue'] or 0, r['people']), 'money')}" for r in ranked))
    if waiting:
        lines.append(f"Not counted yet: {count(waiting, 'person')} who signed up from {fmt_day(last_counted, year=True)} "
                     f"on (their {days} days are not over)")

    def cells(r: dict) -> tuple[str, ...]:
        return (fmt_number(r["people"]), fmt_number(r["customers"]),
                fmt_number(_ratio(r["customers"], r["people"]), "pct"), fmt_number(_ratio(r["orders"], r["customers"]),
                                                                                   "float"),
                fmt_number(r["revenue"] or 0, "money"), fmt_number(per_customer(r), "money"),
                fmt_number(_ratio(r["revenue"] or 0, r["people"]), "money"))

    table = Table((dim.label, "People", "Customers", "Became customers", "Orders / customer", "Revenue",
                   "Revenue / customer", "Revenue / person"),
                  tuple((str(r["segment"]),) + cells(r) for r in ranked) + (("All",) + cells(total),),
                  (False,) + (True,) * 7)
    shown = [r for r in ranked if r["customers"]]
    chart = BarChart(
        title=f"Revenue per customer in their first {days} days, by {dim_name}{only}",
        subtitle=(f"people who signed up {describe(p['start'], min(p['end'], last_counted))}, whose {days} days are over"
                  if p["start"] < last_counted else f"nobody who signed up {range_words(phrase)} has had {days} days yet"),
        labels=tuple(str(r["segment"]) for r in shown),
        series=(Series("revenue per customer", tuple(per_customer(r) for r in shown)),), value_format="money",
        annotations=tuple(f"{fmt_number(per_customer(r), 'money')} · n={fmt_number(r['customers'])}"
                          + (" (small n)" if r["customers"] < SMALL_N else "") for r in shown))
    who = ("the UTM source (context_campaign_source) on the person's first signup event; none = (none)"
           if dim.name == "channel" else
           "the value on the person's first signup event" if dim.level == "event" else "the person's")
    definitions = [
        f"Lifetime value: revenue of the completed orders a person placed in their first {days} days from signup "
        f"(first_days=N to change). People count only once those days are over by today: signed up before "
        f"{fmt_day(last_counted, year=True)}.",
        f"Customers: people with at least one order in their window. Revenue per customer = revenue ÷ customers; "
        f"per person = revenue ÷ everyone acquired. {dim.label}: {who}; the top {p['top']} by people, the rest as "
        f"Other. Fewer than {SMALL_N} customers is marked (small n).",
    ]
    notes, warnings = _order_notes(env, {**total, "valued_orders": None, "orders": total["orders"] or 0}, measure)
    definitions += notes
    return Presentation(
        title=f"Lifetime value by {dim_name}{only} · signed up {phrase}", headline=headline,
        key=KeyNumber(f"Revenue per customer, first {days} days", overall, "money"),
        table=table, chart=chart, lines=lines, definitions=definitions, warnings=warnings)
