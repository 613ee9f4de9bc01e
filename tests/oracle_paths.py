"""Independent Python computations for the path playbooks (funnel, sessions, paths, e-commerce),
over the raw rows the base oracle (tests/oracle.py) read. No SQL, no code shared with the bot."""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import datetime, timedelta

from .oracle import Oracle
from .oracle_cohorts import signups


def funnel(o: Oracle, steps: list[str], start, end, window_days: int, dimension: str | None = None, top: int = 5,
           filters: dict[str, str] | None = None) -> dict[tuple[str | None, int], tuple[int, float | None]]:
    """{(segment or None for everyone, step): (people, median seconds from the previous step)}."""
    lo, hi = o._dt(start), o._dt(end)
    window = timedelta(days=window_days)
    by_user: dict[str, list] = defaultdict(list)
    for e in o.events:
        if e.name in steps:
            by_user[e.user].append(e)
    journeys = []  # (segment, [t1, t2, ...] with None after the last step reached)
    for evs in by_user.values():
        entries = [e for e in evs if e.name == steps[0] and lo <= e.local < hi and o.matches(e, filters or {})]
        if not entries:
            continue
        t1 = min(e.local for e in entries)
        segment = None
        if dimension:
            values = [o.value(e, dimension) for e in evs if e.name == steps[0] and e.local == t1]
            present = [v for v in values if v is not None]
            segment = min(present) if present else "(none)"
        times = [t1]
        for step in steps[1:]:
            later = [e.local for e in evs if e.name == step and times[-1] is not None
                     and times[-1] <= e.local < t1 + window]
            times.append(min(later) if later else None)
            if times[-1] is None:
                break
        times += [None] * (len(steps) - len(times))
        journeys.append((segment, times))
    if dimension:
        size: dict[str, int] = defaultdict(int)
        for seg, _ in journeys:
            size[seg] += 1
        keep = set(sorted(size, key=lambda s: (-size[s], s))[:top])
        journeys = [(seg if seg in keep else "Other", t) for seg, t in journeys]
    out = {}
    groups = {None: journeys} if not dimension else {
        **{seg: [j for j in journeys if j[0] == seg] for seg in {j[0] for j in journeys}}, None: journeys}
    for seg, js in groups.items():
        for k in range(len(steps)):
            reached = [t for _, t in js if t[k] is not None]
            gaps = [(t[k] - t[k - 1]).total_seconds() for t in reached] if k else []
            out[(seg, k + 1)] = (len(reached), statistics.median(gaps) if gaps else None)
    return out


def as_datetime(value) -> datetime:
    return value if isinstance(value, datetime) else datetime(value.year, value.month, value.day)


def sessions(o: Oracle, start, end, gap_minutes: int, lookback_days: int = 1) -> list[tuple[str, list]]:
    """[(person, [events of one session, in order])]: activity from `lookback_days` before start to end,
    split where a person's consecutive events are more than the gap apart."""
    lo, hi = o._dt(start) - timedelta(days=lookback_days), o._dt(end)
    gap = timedelta(minutes=gap_minutes)
    by_user: dict[str, list] = defaultdict(list)
    for e in o.events:
        if lo <= e.local < hi and e.name not in o.exclude:
            by_user[e.user].append(e)
    out = []
    for user, evs in by_user.items():
        evs.sort(key=lambda e: (e.local, e.name))
        current = [evs[0]]
        for prev, e in zip(evs, evs[1:]):
            if e.local > prev.local + gap:
                out.append((user, current))
                current = []
            current.append(e)
        out.append((user, current))
    return out


def _top(counts: dict, users: dict, top: int) -> dict:
    """The paths ranked within the top N by count (ties at the cut-off included)."""
    return {path: (n, len(users[path])) for path, n in counts.items()
            if 1 + sum(1 for m in counts.values() if m > n) <= top}


def user_paths(o: Oracle, target: str, start, end, steps: int, gap_minutes: int, top: int, after: bool = False):
    """({(step_1..step_N): (occurrences, people)} for the top paths, (occurrences, people) in all)."""
    lo, hi = o._dt(start), o._dt(end)
    counts: dict[tuple, int] = defaultdict(int)
    users: dict[tuple, set] = defaultdict(set)
    everyone: set = set()
    total = 0
    for user, session in sessions(o, start, end, gap_minutes):
        names = [e.name for e in session]
        for i, e in enumerate(session):
            if e.name == target and lo <= e.local < hi:
                if after:
                    later = names[i + 1:i + 1 + steps]
                    path = tuple(later + [None] * (steps - len(later)))
                else:
                    before = names[max(0, i - steps):i]
                    path = tuple([None] * (steps - len(before)) + before)
                counts[path] += 1
                users[path].add(user)
                everyone.add(user)
                total += 1
    return _top(counts, users, top), (total, len(everyone))


def session_flows(o: Oracle, start, end, steps: int, gap_minutes: int, top: int):
    """({(first N events, None-padded): (sessions, people)} for the top sequences, (sessions, people) in all)."""
    lo, hi = o._dt(start), o._dt(end)
    counts: dict[tuple, int] = defaultdict(int)
    users: dict[tuple, set] = defaultdict(set)
    everyone: set = set()
    total = 0
    for user, session in sessions(o, start, end, gap_minutes):
        if not lo <= session[0].local < hi:
            continue
        names = [e.name for e in session[:steps]]
        path = tuple(names + [None] * (steps - len(names)))
        counts[path] += 1
        users[path].add(user)
        everyone.add(user)
        total += 1
    return _top(counts, users, top), (total, len(everyone))


def session_stats(o: Oracle, start, end, unit: str, gap_minutes: int, dimension: str | None = None, top: int = 5):
    """{(period or None, segment or None): (sessions, people, median s, mean s, events, page landings, bounces)}."""
    lo, hi = o._dt(start), o._dt(end)
    groups: dict[tuple, list] = defaultdict(list)
    in_range = [(u, s) for u, s in sessions(o, start, end, gap_minutes) if lo <= s[0].local < hi]
    label = {}
    if dimension:
        first = {id(s): o.value(s[0], dimension) or "(none)" for _, s in in_range}
        size: dict[str, int] = defaultdict(int)
        for seg in first.values():
            size[seg] += 1
        keep = set(sorted(size, key=lambda seg: (-size[seg], seg))[:top])
        label = {k: (v if v in keep else "Other") for k, v in first.items()}
    for user, s in in_range:
        groups[(o.trunc(s[0].local, unit), None)].append((user, s))
        groups[(None, None)].append((user, s))
        if dimension:
            groups[(None, label[id(s)])].append((user, s))
    out = {}
    for key, members in groups.items():
        lengths = [(s[-1].local - s[0].local).total_seconds() for _, s in members]
        landed = [s for _, s in members if s[0].name.startswith("Viewed ") and s[0].name.endswith(" Page")]
        out[key] = (len(members), len({u for u, _ in members}), statistics.median(lengths),
                    sum(lengths) / len(lengths), sum(len(s) for _, s in members), len(landed),
                    sum(1 for s in landed if len(s) == 1))
    return out


def top_events(o: Oracle, start, end) -> tuple[dict[str, tuple[int, int, datetime, datetime]], tuple[int, int]]:
    """{event name: (occurrences, distinct people, first seen, last seen)} in [start, end), local time, every
    event (server-sent ones too), and the totals (occurrences, distinct people)."""
    lo, hi = o._dt(start), o._dt(end)
    count: dict[str, int] = defaultdict(int)
    people: dict[str, set] = defaultdict(set)
    first: dict[str, datetime] = {}
    last: dict[str, datetime] = {}
    everyone = set()
    for e in o.events:
        if not lo <= e.local < hi:
            continue
        count[e.name] += 1
        people[e.name].add(e.user)
        everyone.add(e.user)
        first[e.name] = min(first.get(e.name, e.local), e.local)
        last[e.name] = max(last.get(e.name, e.local), e.local)
    return ({name: (count[name], len(people[name]), first[name], last[name]) for name in count},
            (sum(count.values()), len(everyone)))


# ---- e-commerce ----
def _amount(order, measure: str) -> tuple[float | None, bool]:
    """(the order's value, whether the other property stood in): revenue, else total (measure=total: the reverse)."""
    first, second = (order.revenue, order.total) if measure == "revenue" else (order.total, order.revenue)
    if first is not None:
        return first, False
    return second, second is not None


def _order_measures(orders: list, measure: str) -> tuple[int, int, float, int, int]:
    """(orders, buyers, revenue, orders with a value, orders valued by the other property)."""
    values = [_amount(o, measure) for o in orders]
    return (len(orders), len({o.ev.user for o in orders}), sum(v for v, _ in values if v is not None),
            sum(1 for v, _ in values if v is not None), sum(1 for _, fell_back in values if fell_back))


def ecommerce(o: Oracle, start, end, unit: str, measure: str = "revenue", dimension: str | None = None, top: int = 5,
              filters: dict[str, str] | None = None) -> dict[tuple, tuple]:
    """{(period or None, segment or None): (orders, buyers, revenue, valued orders, fallback orders)}; with a
    dimension, segments are ranked by revenue (then orders, then name): the top N, the rest Other."""
    lo, hi = o._dt(start), o._dt(end)
    rows = [x for x in o.orders if lo <= x.ev.local < hi and o.matches(x.ev, filters or {})]
    label = {}
    if dimension:
        by_segment: dict[str, list] = defaultdict(list)
        for x in rows:
            by_segment[o.value(x.ev, dimension) or "(none)"].append(x)
        ranked = sorted(by_segment, key=lambda seg: (-_order_measures(by_segment[seg], measure)[2],
                                                     -len(by_segment[seg]), seg))
        keep = set(ranked[:top])
        label = {id(x): seg if seg in keep else "Other" for seg, xs in by_segment.items() for x in xs}
    groups: dict[tuple, list] = defaultdict(list)
    for x in rows:
        seg = label.get(id(x))
        groups[(o.trunc(x.ev.local, unit), seg)].append(x)
        groups[(None, None)].append(x)
        if dimension:
            groups[(None, seg)].append(x)
    out = {key: _order_measures(xs, measure) for key, xs in groups.items()}
    out.setdefault((None, None), (0, 0, 0.0, 0, 0))
    return out


def ltv(o: Oracle, start, end, first_days: int, today, measure: str = "revenue", dimension: str = "channel",
        top: int = 10, filters: dict[str, str] | None = None) -> tuple[dict, int]:
    """({segment or None: (people, customers, orders, revenue, fallback orders)}, people still waiting): people
    who signed up in [start, end) and whose first `first_days` days ended by today, with their orders in those days.
    With filters, only the people whose signup event matches them (their orders count from any platform)."""
    lo, hi = o._dt(start), o._dt(end)
    window = timedelta(days=first_days)
    allowed = signups(o, start, end, None, 5, filters) if filters else o.activation
    acquired = {u: t for u, t in o.activation.items() if lo <= t < hi and u in allowed}
    over = {u: t for u, t in acquired.items() if t + window <= o._dt(today)}
    orders: dict[str, list] = defaultdict(list)
    for x in o.orders:
        t = over.get(x.ev.user)
        if t is not None and t <= x.ev.local < t + window:
            orders[x.ev.user].append(x)
    segment = {u: o.person[u].get(dimension) or "(none)" for u in over}
    size: dict[str, int] = defaultdict(int)
    for seg in segment.values():
        size[seg] += 1
    keep = set(sorted(size, key=lambda seg: (-size[seg], seg))[:top])
    members: dict = defaultdict(list)
    for u, seg in segment.items():
        members[seg if seg in keep else "Other"].append(u)
        members[None].append(u)
    out = {}
    for seg, people in members.items():
        mine = [x for u in people for x in orders[u]]
        values = [_amount(x, measure) for x in mine]
        out[seg] = (len(people), sum(1 for u in people if orders[u]), len(mine),
                    sum(v for v, _ in values if v is not None), sum(1 for _, fell_back in values if fell_back))
    out.setdefault(None, (0, 0, 0, 0.0, 0))
    return out, len(acquired) - len(over)
