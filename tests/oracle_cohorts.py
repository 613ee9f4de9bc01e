"""The independent computation for the cohort playbooks (retention breakdowns, N-day retention,
growth accounting, ...), in plain Python over the raw rows the base Oracle reads.

Nothing here shares code with the bot: each function applies the definition in the playbook's
footer directly to the oracle's list of events.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

from .oracle import Ev, Oracle

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _dt(d) -> datetime:
    return d if isinstance(d, datetime) else datetime(d.year, d.month, d.day)


def value(o: Oracle, e: Ev, dimension: str) -> str | None:
    if dimension == "signup_weekday":
        when = o.activation.get(e.user)
        return None if when is None else WEEKDAYS[when.weekday()]
    return o.value(e, dimension)


def signups(o: Oracle, start, end, dimension: str | None = None, top: int = 5,
            filters: dict[str, str] | None = None) -> dict[str, tuple[datetime, str | None]]:
    """{person: (activated_at, segment)} for people who activated in [start, end).

    The segment (and the filters) read the person's signup event: their events at the moment of
    activation. The top N segments by people keep their name, the rest become Other."""
    lo, hi = _dt(start), _dt(end)
    activated = {u: t for u, t in o.activation.items() if lo <= t < hi}
    if dimension is None and not filters:
        return {u: (t, None) for u, t in activated.items()}
    seg: dict[str, str] = {}
    for e in o.events:
        t = activated.get(e.user)
        if t is None or e.local != t or not all(value(o, e, d) == v for d, v in (filters or {}).items()):
            continue
        v = (value(o, e, dimension) or "(none)") if dimension else ""
        seg[e.user] = max(seg.get(e.user, v), v)
    if dimension is None:
        return {u: (activated[u], None) for u in seg}
    people: dict[str, int] = defaultdict(int)
    for v in seg.values():
        people[v] += 1
    keep = set(sorted(people, key=lambda s: (-people[s], s))[:top])
    return {u: (activated[u], v if v in keep else "Other") for u, v in seg.items()}


def activity_days(o: Oracle, lo: datetime, hi: datetime, event: str | None = None) -> dict[str, list[datetime]]:
    """Each signed-in person's qualifying events (local time) in [lo, hi)."""
    out: dict[str, list[datetime]] = defaultdict(list)
    for e in o.events:
        if e.anonymous or e.name in o.exclude or not (lo <= e.local < hi):
            continue
        if event is not None and e.name != event:
            continue
        out[e.user].append(e.local)
    return out


def retention_by(o: Oracle, start, end, unit: str, today: date, dimension: str | None, top: int = 5,
                 filters: dict[str, str] | None = None) -> dict[tuple, tuple[int, int]]:
    """{(segment, cohort, k): (cohort size, people active in period k)}; cells with people only."""
    members = signups(o, start, end, dimension, top, filters)
    sizes: dict[tuple, int] = defaultdict(int)
    for t, s in members.values():
        sizes[(s, o.trunc(t, unit))] += 1
    cells: dict[tuple, set] = defaultdict(set)
    for user, times in activity_days(o, _dt(start), _dt(today + timedelta(days=1))).items():
        if user not in members:
            continue
        t, s = members[user]
        cohort = o.trunc(t, unit)
        for when in times:
            period = o.trunc(when, unit)
            if period >= cohort:
                cells[(s, cohort, o.periods_between(cohort, period, unit))].add(user)
    return {k: (sizes[k[:2]], len(v)) for k, v in cells.items()}


def nday_retention(o: Oracle, start, end, today: date, dimension: str, top: int,
                   filters: dict[str, str] | None = None, on_or_after: bool = False,
                   days: tuple[int, ...] = (1, 7, 14, 28)) -> dict[tuple[str, int], tuple[int, int]]:
    """{(segment, N): (people whose day N is over, of them active on day N [or any day after])}."""
    members = signups(o, start, end, dimension, top, filters)
    active: dict[str, set[date]] = {u: {t.date() for t in times}
                                    for u, times in activity_days(o, _dt(start), _dt(today + timedelta(days=1))).items()}
    out: dict[tuple[str, int], list[int]] = defaultdict(lambda: [0, 0])
    for user, (t, segment) in members.items():
        signup_day = t.date()
        for n in days:
            if signup_day + timedelta(days=n + 1) > today:
                continue
            cell = out[(segment, n)]
            cell[0] += 1
            target = signup_day + timedelta(days=n)
            seen = active.get(user, set())
            if target in seen or (on_or_after and any(d >= target for d in seen)):
                cell[1] += 1
    return {k: (v[0], v[1]) for k, v in out.items()}


def growth_accounting(o: Oracle, start: date, end: date, unit: str,
                      event: str | None = None) -> dict[tuple[date, str], int]:
    """{(period, status): people} with status new | retained | resurrected | churned."""
    first = o.trunc(start, unit)
    before_first = o.trunc(first - timedelta(days=1), unit)
    active: dict[date, set[str]] = defaultdict(set)
    for e in o.events:
        if e.anonymous or e.name in o.exclude or not (_dt(before_first) <= e.local < _dt(end)):
            continue
        if (event is not None and e.name != event) or e.local < o.activation.get(e.user, datetime.min):
            continue
        active[o.trunc(e.local, unit)].add(e.user)
    out: dict[tuple[date, str], int] = defaultdict(int)
    period = first
    while period < end:
        previous = o.trunc(period - timedelta(days=1), unit)
        for user in active[period]:
            signup = o.activation.get(user)
            if signup is not None and o.trunc(signup, unit) == period:
                out[(period, "new")] += 1
            else:
                out[(period, "retained" if user in active[previous] else "resurrected")] += 1
        out[(period, "churned")] += len(active[previous] - active[period])
        period = o.trunc(period + timedelta(days=32 if unit == "month" else 7 if unit == "week" else 1), unit)
    return {k: v for k, v in out.items() if v}


def active_by_plan(o: Oracle, plan_of: dict[str, str], start: date, end: date, unit: str) -> dict[tuple, int]:
    """{(period, plan): active people} with plans from the product database; (period, None): everyone."""
    people: dict[tuple, set] = defaultdict(set)
    for e in o.events:
        if e.anonymous or e.name in o.exclude or not (_dt(start) <= e.local < _dt(end)):
            continue
        period = o.trunc(e.local, unit)
        people[(period, plan_of.get(e.user, "(not in product db)"))].add(e.user)
        people[(period, None)].add(e.user)
    return {k: len(v) for k, v in people.items()}


def feature_adoption(o: Oracle, events: list[str], start: date, end: date,
                     unit: str) -> dict[date, tuple[int, dict[str | None, int]]]:
    """{period: (active people, {event: people who did it, None: people who did any of them})}."""
    active: dict[date, set] = defaultdict(set)
    used: dict[tuple[date, str | None], set] = defaultdict(set)
    for e in o.events:
        if e.anonymous or e.name in o.exclude or not (_dt(start) <= e.local < _dt(end)):
            continue
        period = o.trunc(e.local, unit)
        active[period].add(e.user)
        if e.name in events:
            used[(period, e.name)].add(e.user)
            used[(period, None)].add(e.user)
    return {d: (len(people), {f: len(u) for (p, f), u in used.items() if p == d}) for d, people in active.items()}


def feature_adoption_by(o: Oracle, events: list[str], start: date, end: date, unit: str, dimension: str,
                        top: int = 5) -> dict[tuple[date, str], tuple[int, int]]:
    """{(period, value): (people who did any of the events with that value, active people with that value)}.

    The value of each event (event-level dimensions) or of its person; values ranked by the distinct
    active people seen with them over the range, the top N keep their name, the rest are Other."""
    active: dict[tuple[date, str], set] = defaultdict(set)
    used: dict[tuple[date, str], set] = defaultdict(set)
    for e in o.events:
        if e.anonymous or e.name in o.exclude or not (_dt(start) <= e.local < _dt(end)):
            continue
        cell = (o.trunc(e.local, unit), value(o, e, dimension) or "(none)")
        active[cell].add(e.user)
        if e.name in events:
            used[cell].add(e.user)
    people: dict[str, set] = defaultdict(set)
    for (_, seg), users in active.items():
        people[seg] |= users
    keep = set(sorted(people, key=lambda seg: (-len(people[seg]), seg))[:top])
    out_active: dict[tuple[date, str], set] = defaultdict(set)
    out_used: dict[tuple[date, str], set] = defaultdict(set)
    for (period, seg), users in active.items():
        label = seg if seg in keep else "Other"
        out_active[(period, label)] |= users
        out_used[(period, label)] |= used.get((period, seg), set())
    return {k: (len(out_used[k]), len(v)) for k, v in out_active.items()}


def retention_drivers(o: Oracle, start: date, end: date, now: datetime, first_days: int,
                      events: list[str] | None = None, thresholds: tuple[int, ...] = (1, 2, 3, 5, 10),
                      candidates: int = 12, filters: dict[str, str] | None = None
                      ) -> dict[tuple[str, int], tuple[int, int, int, int]]:
    """{(event, N): (signups, did it >= N times in the first days, of them retained, retained overall)}.

    Signups in [start, end) whose day 35 is over; retained = active in days [28, 35) after signup. With
    filters, the signups whose signup event matches them; their events count wherever they happened."""
    allowed = signups(o, start, end, None, 5, filters) if filters else o.activation
    cohort = {u: t for u, t in o.activation.items()
              if _dt(start) <= t < _dt(end) and t + timedelta(days=35) <= now and u in allowed}
    times: dict[tuple[str, str], int] = defaultdict(int)
    retained: set[str] = set()
    for e in o.events:
        t = cohort.get(e.user)
        if t is None or e.anonymous or e.name in o.exclude:
            continue
        if t <= e.local < t + timedelta(days=first_days) and (events is None or e.name in events):
            times[(e.user, e.name)] += 1
        if t + timedelta(days=28) <= e.local < t + timedelta(days=35):
            retained.add(e.user)
    doers: dict[str, int] = defaultdict(int)
    for (_, name) in times:
        doers[name] += 1
    picked = sorted(doers, key=lambda n: (-doers[n], n))[:candidates]
    out = {}
    for name in picked:
        for n in thresholds:
            did = {u for u in cohort if times.get((u, name), 0) >= n}
            out[(name, n)] = (len(cohort), len(did), len(did & retained), len(retained))
    return out


def slipping_away(o: Oracle, event: str, start: date, end: date, today: date,
                  idle_days: tuple[int, ...] = (1, 2, 3, 5, 7, 14, 21)) -> dict[tuple[str, int], tuple[int, int]]:
    """{(how often before, d): (idle spells whose return window is over, of them came back within 28 days)}."""
    days: dict[str, set[date]] = defaultdict(set)
    for e in o.events:
        if e.name == event and not e.anonymous and e.local >= _dt(start):
            days[e.user].add(e.local.date())
    out: dict[tuple[str, int], list[int]] = defaultdict(lambda: [0, 0])
    for user_days in days.values():
        ordered = sorted(user_days)
        for i, day in enumerate(ordered):
            if day >= end:
                continue
            times = i + 1
            bucket = ("1" if times == 1 else "2-3" if times <= 3 else "4-7" if times <= 7 else
                      "8-15" if times <= 15 else "16+")
            nxt = ordered[i + 1] if i + 1 < len(ordered) else None
            for d in idle_days:
                gap = (nxt - day).days if nxt else None
                if (gap is not None and gap <= d) or day + timedelta(days=d + 29) > today:
                    continue
                cell = out[(bucket, d)]
                cell[0] += 1
                cell[1] += int(gap is not None and gap <= d + 28)
    return {k: (v[0], v[1]) for k, v in out.items()}


def intervention_impact(o: Oracle, event: str, start: date, end: date, today: date,
                        filters: dict[str, str] | None = None) -> tuple[dict[str, int], dict[tuple[str, int], int]]:
    """({user age group: people}, {(group, day offset): people active that day}) around each person's
    first intervention in [start, end) whose 30 days after are over; with filters, of the people whose
    signup matches them."""
    allowed = set(signups(o, date(1970, 1, 1), date(2200, 1, 1), None, 5, filters)) if filters else None
    first: dict[str, date] = {}
    for e in o.events:
        if e.name == event and not e.anonymous and _dt(start) <= e.local < _dt(end):
            d = e.local.date()
            first[e.user] = min(first.get(e.user, d), d)
    group: dict[str, str] = {}
    for user, day in first.items():
        signup = o.activation.get(user)
        if signup is None or day + timedelta(days=31) > today or (allowed is not None and user not in allowed):
            continue
        age = (day - signup.date()).days
        group[user] = "0-29 days" if age < 30 else "30-59 days" if age < 60 else "60+ days"
    people: dict[str, int] = defaultdict(int)
    for g in group.values():
        people[g] += 1
    seen: dict[tuple[str, int], set] = defaultdict(set)
    for e in o.events:
        if e.user not in group or e.anonymous or e.name in o.exclude or e.name == event:
            continue
        offset = (e.local.date() - first[e.user]).days
        if -30 <= offset <= 30 and e.local >= _dt(start) - timedelta(days=30):
            seen[(group[e.user], offset)].add(e.user)
    return dict(people), {k: len(v) for k, v in seen.items()}


STEP_DAYS = {"day": 1, "week": 7, "month": 30}


def retention_since_signup(o: Oracle, start, end, unit: str, now: datetime, dimension: str | None = None,
                           top: int = 5, filters: dict[str, str] | None = None,
                           max_period: int = 12) -> dict[tuple, tuple[int, int, int]]:
    """Periods since each person's own signup (Mode's SQL, Amplitude): period k of a person is
    [signup + k·w, signup + (k+1)·w), w = 1, 7 or 30 days, and counts once it is over (by `now`, local).
    {(segment, cohort, k): (cohort size, people whose period k is over, of them active in it)}."""
    step = timedelta(days=STEP_DAYS[unit])
    members = signups(o, start, end, dimension, top, filters)
    sizes: dict[tuple, int] = defaultdict(int)
    for t, s in members.values():
        sizes[(s, o.trunc(t, unit))] += 1
    active: dict[str, set[int]] = defaultdict(set)
    for user, times in activity_days(o, _dt(start), now).items():
        if user in members:
            signed = members[user][0]
            active[user] = {int((when - signed) / step) for when in times if when >= signed}
    out: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    for user, (t, s) in members.items():
        for k in range(max_period + 1):
            if t + (k + 1) * step > now:
                break
            cell = out[(s, o.trunc(t, unit), k)]
            cell[0] += 1
            cell[1] += int(k in active.get(user, set()))
    return {key: (sizes[key[:2]], v[0], v[1]) for key, v in out.items()}


def nday_since_signup(o: Oracle, start, end, now: datetime, dimension: str, top: int,
                      filters: dict[str, str] | None = None, on_or_after: bool = False,
                      days: tuple[int, ...] = (1, 7, 14, 28)) -> dict[tuple[str, int], tuple[int, int]]:
    """Day N as the N-th 24 hours after each person's signup moment: {(segment, N): (people whose day N is
    over by `now`, of them active in it [or any time after])}."""
    members = signups(o, start, end, dimension, top, filters)
    times = activity_days(o, _dt(start), now)
    out: dict[tuple[str, int], list[int]] = defaultdict(lambda: [0, 0])
    for user, (t, segment) in members.items():
        for n in days:
            if t + timedelta(days=n + 1) > now:
                continue
            cell = out[(segment, n)]
            cell[0] += 1
            lo, hi = t + timedelta(days=n), t + timedelta(days=n + 1)
            if any((lo <= w < hi) or (on_or_after and w >= lo) for w in times.get(user, [])):
                cell[1] += 1
    return {k: (v[0], v[1]) for k, v in out.items()}
