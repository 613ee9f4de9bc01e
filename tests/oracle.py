"""An independent computation of every number Playbot reports, in plain Python over raw rows.

It reads the Segment tables row by row (from DuckDB or PostgreSQL) and applies the documented
definitions directly: no SQL beyond `SELECT columns FROM table`, no code shared with the bot.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Ev:
    user: str
    anonymous: bool
    name: str
    local: datetime
    source: str
    library: str | None = None
    os: str | None = None
    locale: str | None = None


@dataclass(frozen=True)
class Order:
    ev: Ev  # who, when (local), where: the order as an event
    revenue: float | None
    total: float | None
    table: str  # order_completed (spec v2) | completed_order (spec v1)
    order_id: str | None = None


def _number(value) -> float | None:
    return None if value is None else float(value)


# the Segment libraries in the generated data and the platform each stands for
PLATFORMS = {"analytics.js": "Web", "analytics-ios": "iOS", "analytics-node": "Server"}


def _fetch(run, schema: str, table: str, columns: list[str]) -> list[dict]:
    cols = ", ".join(f'"{c}"' for c in columns)
    rows = run(f'SELECT {cols} FROM "{schema}"."{table}"')
    return [dict(zip(columns, r)) for r in rows]


class Oracle:
    def __init__(self, run, sources: list[str], tz: str, week_start: str = "monday",
                 activation_event: str = "Signed Up", exclude_activity: tuple[str, ...] = (),
                 now: datetime | None = None, catalog_days: int = 90):
        """`run(sql) -> list[tuple]` reads rows; everything else happens here in Python. `now` (aware): the
        moment questions are asked; nothing timestamped after it counts (the events, orders and signups
        kept here stop there; `all_events` keeps every row)."""
        self.tz = ZoneInfo(tz)
        self.week_start = week_start
        self.exclude = set(exclude_activity)
        ids: dict[str, tuple[datetime, str]] = {}
        raw: list[tuple] = []
        latest_traits: dict[str, tuple[datetime, str]] = {}
        self.latest_received: dict[str, datetime] = {}  # per source: the latest received_at of its events
        self.first_timestamp: dict[str, datetime] = {}  # per source: its first event's timestamp (UTC)
        self.latest_timestamp: dict[str, datetime] = {}  # per source: the latest timestamp received in the window
        self._now_utc = None if now is None else now.astimezone(UTC).replace(tzinfo=None)
        self._since = None if self._now_utc is None else self._now_utc - timedelta(days=catalog_days)
        for s in sources:
            for r in _fetch(run, s, "identifies", ["anonymous_id", "user_id", "timestamp"]):
                if r["anonymous_id"] is None or r["user_id"] is None:
                    continue
                prev = ids.get(r["anonymous_id"])
                if prev is None or r["timestamp"] > prev[0]:
                    ids[r["anonymous_id"]] = (r["timestamp"], r["user_id"])
            context = ["context_library_name", "context_os_name", "context_locale"]
            for r in _fetch(run, s, "tracks", ["anonymous_id", "user_id", "event_text", "timestamp",
                                                "context_campaign_source", "received_at", *context]):
                self._received(s, r["received_at"], r["timestamp"])
                raw.append((r["anonymous_id"], r["user_id"], r["event_text"], r["timestamp"], s,
                            r["context_library_name"], r["context_os_name"], r["context_campaign_source"],
                            r["context_locale"]))
            for table, suffix in (("pages", "Page"), ("screens", "Screen")):
                try:
                    rows = _fetch(run, s, table, ["anonymous_id", "user_id", "name", "timestamp", "received_at", *context])
                except Exception:  # noqa: BLE001 - the source has no such table
                    continue
                for r in rows:
                    self._received(s, r["received_at"], r["timestamp"])
                    raw.append((r["anonymous_id"], r["user_id"], f"Viewed {r['name']} {suffix}", r["timestamp"], s,
                                r["context_library_name"], r["context_os_name"], None, r["context_locale"]))
            for r in _fetch(run, s, "users", ["id", "received_at", "plan"]):
                prev = latest_traits.get(r["id"])
                if prev is None or r["received_at"] > prev[0]:
                    latest_traits[r["id"]] = (r["received_at"], r["plan"])
        self.identity = {a: u for a, (_, u) in ids.items()}
        self.as_of = self._as_of(now)
        self.all_events: list[Ev] = []
        self.events: list[Ev] = []
        activation: dict[str, datetime] = {}
        channel: dict[str, str | None] = {}
        for anon, uid, name, ts, source, library, os_name, campaign, locale in raw:
            stitched = uid if uid is not None else self.identity.get(anon)
            key = stitched if stitched is not None else anon
            local = self.local(ts)
            ev = Ev(key, stitched is None, name, local, source, library, os_name, locale)
            self.all_events.append(ev)
            if self.as_of is not None and local >= self.as_of:
                continue  # after the moment of the question: never counted
            self.events.append(ev)
            first = activation.get(stitched)
            if name == activation_event and stitched is not None and (first is None or local < first):
                activation[stitched] = local
                channel[stitched] = campaign
        self.activation = activation
        self.person = {u: {"channel": channel.get(u), "plan": latest_traits.get(u, (None, None))[1]}
                       for u in activation}
        # completed orders: Segment's e-commerce spec v2 table or the v1 one, whichever a source has
        self.orders: list[Order] = []
        for s in sources:
            for table in ("order_completed", "completed_order"):
                try:
                    rows = _fetch(run, s, table, ["anonymous_id", "user_id", "timestamp", "revenue", "total",
                                                  "context_library_name", "context_os_name", "order_id"])
                except Exception:  # noqa: BLE001 - the source has no such table
                    continue
                for r in rows:
                    stitched = r["user_id"] if r["user_id"] is not None else self.identity.get(r["anonymous_id"])
                    ev = Ev(stitched if stitched is not None else r["anonymous_id"], stitched is None, table,
                            self.local(r["timestamp"]), s, r["context_library_name"], r["context_os_name"])
                    if self.as_of is not None and ev.local >= self.as_of:
                        continue
                    self.orders.append(Order(ev, _number(r["revenue"]), _number(r["total"]), table, r["order_id"]))
        # an order tracked more than once counts once, at its first event (repeats come seconds apart here)
        self.order_rows = len(self.orders)
        first: dict[str, Order] = {}
        for order in sorted(self.orders, key=lambda x: (x.ev.local, x.ev.source)):
            if order.order_id is not None:
                first.setdefault(order.order_id, order)
        self.orders = [x for x in self.orders if x.order_id is None or first[x.order_id] is x]

    # ---- helpers ----
    def _received(self, source: str, received: datetime | None, ts: datetime | None = None) -> None:
        if received is not None and (source not in self.latest_received or received > self.latest_received[source]):
            self.latest_received[source] = received
        if ts is not None and (source not in self.first_timestamp or ts < self.first_timestamp[source]):
            self.first_timestamp[source] = ts
        if ts is not None and received is not None and (self._since is None or received >= self._since) and (
                source not in self.latest_timestamp or ts > self.latest_timestamp[source]):
            self.latest_timestamp[source] = ts

    def _as_of(self, now: datetime | None) -> datetime | None:
        """The moment of the question in local time, to the minute: now, or the latest data when earlier."""
        if now is None:
            return None
        local_now = now.astimezone(self.tz).replace(tzinfo=None, second=0, microsecond=0)
        if not self.latest_received:
            return local_now
        latest = self.local(max(self.latest_received.values())).replace(second=0, microsecond=0)
        return min(local_now, latest)

    def first_data(self, sources: list[str] | None = None) -> datetime | None:
        """The first event of these sources (all by default), local time."""
        found = [t for s, t in self.first_timestamp.items() if sources is None or s in sources]
        return self.local(min(found)) if found else None

    def local(self, ts: datetime) -> datetime:
        return ts.replace(tzinfo=UTC).astimezone(self.tz).replace(tzinfo=None)

    def trunc(self, dt: datetime | date, unit: str) -> date:
        if unit == "hour":  # (the local hour's start, its fold): the two hours with one wall time when DST ends
            return (dt.replace(minute=0, second=0, microsecond=0), dt.fold)  # type: ignore[return-value]
        d = dt.date() if isinstance(dt, datetime) else dt
        if unit == "day":
            return d
        if unit == "week":
            offset = d.weekday() if self.week_start == "monday" else (d.weekday() + 1) % 7
            return d - timedelta(days=offset)
        if unit == "month":
            return d.replace(day=1)
        if unit == "quarter":
            return d.replace(month=d.month - (d.month - 1) % 3, day=1)
        raise ValueError(unit)

    def periods_between(self, a: date, b: date, unit: str) -> int:
        if unit == "day":
            return (b - a).days
        if unit == "week":
            return (b - a).days // 7
        return (b.year - a.year) * 12 + b.month - a.month

    @staticmethod
    def _dt(d) -> datetime:
        return d if isinstance(d, datetime) else datetime(d.year, d.month, d.day)

    # ---- dimensions ----
    def value(self, e: Ev, dimension: str) -> str | None:
        if dimension == "platform":
            return PLATFORMS.get(e.library, e.library)
        if dimension == "os":
            return e.os
        if dimension == "locale":
            return e.locale
        return self.person.get(e.user, {}).get(dimension)

    def matches(self, e: Ev, filters: dict[str, str]) -> bool:
        return all(self.value(e, d) == v for d, v in filters.items())

    def filtered(self, filters: dict[str, str] | None) -> Oracle:
        """The same warehouse seen through filters that narrow every event ("on iOS", "for pro users"):
        each computation then runs on the matching events only."""
        if not filters:
            return self
        narrowed = copy.copy(self)
        narrowed.events = [e for e in self.events if self.matches(e, filters)]
        return narrowed

    def volume_by(self, event: str, start, end, dimension: str, top: int,
                  filters: dict[str, str] | None = None) -> dict[str, tuple[int, int]]:
        """{segment: (events, users)} over the range: the top N segments by events, the rest as Other."""
        lo, hi = self._dt(start), self._dt(end)
        rows = [e for e in self.events if e.name == event and lo <= e.local < hi and self.matches(e, filters or {})]
        count: dict[str, int] = defaultdict(int)
        for e in rows:
            count[self.value(e, dimension) or "(none)"] += 1
        ranked = sorted(count, key=lambda seg: (-count[seg], seg))
        keep = set(ranked[:top])
        out_events: dict[str, int] = defaultdict(int)
        out_users: dict[str, set] = defaultdict(set)
        for e in rows:
            seg = self.value(e, dimension) or "(none)"
            seg = seg if seg in keep else "Other"
            out_events[seg] += 1
            out_users[seg].add(e.user)
        return {seg: (out_events[seg], len(out_users[seg])) for seg in out_events}

    # ---- event_volume ----
    def volume(self, event: str, start, end, unit: str,
               filters: dict[str, str] | None = None) -> tuple[dict[date, tuple[int, int]], tuple[int, int]]:
        lo, hi = self._dt(start), self._dt(end)
        counts: dict[date, int] = defaultdict(int)
        users: dict[date, set] = defaultdict(set)
        all_users: set = set()
        total = 0
        for e in self.events:
            if e.name == event and lo <= e.local < hi and self.matches(e, filters or {}):
                b = self.trunc(e.local, unit)
                counts[b] += 1
                users[b].add(e.user)
                all_users.add(e.user)
                total += 1
        return {b: (counts[b], len(users[b])) for b in counts}, (total, len(all_users))

    # ---- active users ----
    def _activity(self, lo: datetime, hi: datetime, include_anonymous: bool = False, event: str | None = None,
                  filters: dict[str, str] | None = None):
        for e in self.events:
            if not (lo <= e.local < hi) or e.name in self.exclude or not self.matches(e, filters or {}):
                continue
            if e.anonymous and not include_anonymous:
                continue
            if event is not None and e.name != event:
                continue
            yield e

    def active_daily(self, start: date, end: date, event: str | None = None,
                     filters: dict[str, str] | None = None) -> dict[date, tuple]:
        lo = self._dt(start - timedelta(days=27))
        by_day: dict[date, set] = defaultdict(set)
        for e in self._activity(lo, self._dt(end), event=event, filters=filters):
            by_day[e.local.date()].add(e.user)
        out = {}
        for d in sorted(by_day):
            if d < start:
                continue
            wau = set().union(*(by_day.get(d - timedelta(days=i), set()) for i in range(7)))
            mau = set().union(*(by_day.get(d - timedelta(days=i), set()) for i in range(28)))
            dau = len(by_day[d])
            out[d] = (dau, len(wau), len(mau), dau / len(mau) if mau else None)
        return out

    def active_calendar(self, start: date, end: date, unit: str, filters: dict[str, str] | None = None) -> dict[date, int]:
        by: dict[date, set] = defaultdict(set)
        for e in self._activity(self._dt(start), self._dt(end), filters=filters):
            by[self.trunc(e.local, unit)].add(e.user)
        return {b: len(u) for b, u in by.items()}

    def active_by(self, start: date, end: date, unit: str, dimension: str, top: int) -> dict[tuple[date, str], int]:
        """{(period, segment): people active}; segments ranked by distinct people over the range."""
        cells: dict[tuple[date, str], set] = defaultdict(set)
        for e in self._activity(self._dt(start), self._dt(end)):
            cells[(self.trunc(e.local, unit), self.value(e, dimension) or "(none)")].add(e.user)
        people: dict[str, set] = defaultdict(set)
        for (_, seg), users in cells.items():
            people[seg] |= users  # segments are ranked by the people seen in them over the range
        keep = set(sorted(people, key=lambda seg: (-len(people[seg]), seg))[:top])
        out: dict[tuple[date, str], set] = defaultdict(set)
        for (period, seg), users in cells.items():
            out[(period, seg if seg in keep else "Other")] |= users
        return {k: len(v) for k, v in out.items()}

    # ---- retention ----
    def retention(self, start: date, end: date, unit: str, today: date,
                  event: str | None = None) -> dict[tuple[date, int], tuple[int, int]]:
        """{(cohort, k): (cohort_size, users active in period k)}; only cells with users > 0."""
        lo, hi = self._dt(start), self._dt(end)
        cohort_of = {u: self.trunc(t, unit) for u, t in self.activation.items() if lo <= t < hi}
        sizes: dict[date, int] = defaultdict(int)
        for c in cohort_of.values():
            sizes[c] += 1
        cells: dict[tuple[date, int], set] = defaultdict(set)
        for e in self._activity(lo, self._dt(today + timedelta(days=1)), event=event):
            c = cohort_of.get(e.user)
            if c is None:
                continue
            p = self.trunc(e.local, unit)
            if p >= c:
                cells[(c, self.periods_between(c, p, unit))].add(e.user)
        return {k: (sizes[k[0]], len(v)) for k, v in cells.items()}
