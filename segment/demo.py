"""The embedded demo warehouse: an imaginary messaging app in Segment's warehouse schema.

Deterministic for a (seed, events, days, end) spec. Two Segment sources (a web source with
`pages`, an iOS source with `screens`), each with `tracks`, one table per track event,
`identifies` and `users`; plus a second database, the product's own, with `users.payment_plan`.

How it is built: a Python simulation writes compact columns (timestamp, device, user, event
code) into numpy arrays; DuckDB turns them into Segment's wide tables with SQL. Behaviour that
analyses should find: signups growing with weekday seasonality, retention decaying by cohort
(later cohorts a little better), acquisition channels and platforms that retain differently,
anonymous visits before signup (so identity stitching matters), a second device per some users,
re-engagement emails that lift activity, a feature (stickers) launched mid-period, purchases (Segment's
e-commerce spec v2 event names, or v1 names with `ecommerce_spec="v1"`).
"""

from __future__ import annotations

import json
import math
import os
import random
import shutil
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np

from .naming import ECOMMERCE_V1_NAMES

DEFAULT_SOURCES = {"web": "messenger_web", "ios": "messenger_ios"}
META_TABLE = "playbot_demo_meta"
EPOCH = datetime(1970, 1, 1)


@dataclass(frozen=True)
class DemoSpec:
    end: datetime  # UTC, naive: data runs up to this moment
    seed: int = 7
    events: int = 250_000
    days: int = 180
    sources: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_SOURCES))
    sticker_launch_days_ago: int = 45
    # Segment's e-commerce spec version of the shop events: "v2" (Product Viewed, Order Completed, tables
    # product_viewed, order_completed) or "v1" (Viewed Product, Completed Order, tables viewed_product,
    # completed_order): warehouses that started on the old spec still have the old names
    ecommerce_spec: str = "v2"
    # a server whose clock runs ahead: its events (Email Sent, from analytics-node) are timestamped this many
    # hours late, so the warehouse holds events "from the future" (Segment keeps a server library's timestamp)
    server_clock_ahead_hours: float = 0.0

    @property
    def start(self) -> datetime:
        return datetime.combine((self.end - timedelta(days=self.days)).date(), datetime.min.time())

    def key(self) -> str:
        data = asdict(self)
        data["end"] = self.end.isoformat()
        if data["ecommerce_spec"] == "v2":  # the default: demo files built before the option stay valid
            del data["ecommerce_spec"]
        if not data["server_clock_ahead_hours"]:
            del data["server_clock_ahead_hours"]
        data["generator"] = GENERATOR_VERSION  # a demo file written by an older generator is rebuilt
        return json.dumps(data, sort_keys=True)


# What the generator writes changed (2: orders tracked twice): files from an older one are rebuilt.
GENERATOR_VERSION = 2


# ---- the product's events ----
@dataclass(frozen=True)
class EventDef:
    code: int
    kind: str  # track | page | screen
    name: str  # event_text for tracks, page/screen name otherwise
    platforms: tuple[str, ...]

    @property
    def slug(self) -> str:
        return self.name.lower().replace(" ", "_")


_EVENT_LIST = [
    ("track", "Signed Up", ("web", "ios")),
    ("track", "Application Opened", ("ios",)),
    ("track", "Message Sent", ("web", "ios")),
    ("track", "Invite Sent", ("web", "ios")),
    ("track", "Photo Shared", ("web", "ios")),
    ("track", "Friend Added", ("web", "ios")),
    ("track", "Sticker Sent", ("web", "ios")),
    ("track", "Product Viewed", ("web", "ios")),
    ("track", "Product Added", ("web", "ios")),
    ("track", "Checkout Started", ("web", "ios")),
    ("track", "Order Completed", ("web", "ios")),
    ("track", "Email Sent", ("web",)),  # server-side (analytics-node), lives in the web source
    ("page", "Home", ("web",)),
    ("page", "Pricing", ("web",)),
    ("page", "Sign Up", ("web",)),
    ("page", "Inbox", ("web",)),
    ("page", "Conversation", ("web",)),
    ("page", "Settings", ("web",)),
    ("page", "Store", ("web",)),
    ("page", "Invite Friends", ("web",)),
    ("screen", "Onboarding", ("ios",)),
    ("screen", "Inbox", ("ios",)),
    ("screen", "Conversation", ("ios",)),
    ("screen", "Camera", ("ios",)),
    ("screen", "Settings", ("ios",)),
    ("screen", "Store", ("ios",)),
    ("screen", "Invite Friends", ("ios",)),
]
EVENTS = [EventDef(i, k, n, p) for i, (k, n, p) in enumerate(_EVENT_LIST)]
_BY_KEY = {(e.kind, e.name): e.code for e in EVENTS}
TRACK_EVENTS = [e for e in EVENTS if e.kind == "track"]


# e-commerce spec v2 event names -> the v1 names (Segment's spec before 2016)


def _slug(name: str) -> str:
    return name.lower().replace(" ", "_")


def event_name(name: str, ecommerce_spec: str = "v2") -> str:
    """An event's name in a warehouse on the given e-commerce spec version."""
    return ECOMMERCE_V1_NAMES.get(name, name) if ecommerce_spec == "v1" else name


def _c(kind: str, name: str) -> int:
    return _BY_KEY[(kind, name)]


T_SIGNUP, T_OPEN, T_MESSAGE, T_INVITE, T_PHOTO, T_FRIEND, T_STICKER = (
    _c("track", n) for n in ("Signed Up", "Application Opened", "Message Sent", "Invite Sent", "Photo Shared",
                             "Friend Added", "Sticker Sent"))
T_PVIEW, T_PADD, T_CHECKOUT, T_ORDER, T_EMAIL = (
    _c("track", n) for n in ("Product Viewed", "Product Added", "Checkout Started", "Order Completed", "Email Sent"))


def _view(platform: str, name: str) -> int:
    return _c("page" if platform == "web" else "screen", name)


# ---- who uses it ----
CHANNELS = [("google", "cpc", 0.28, 1.0), ("facebook", "paid_social", 0.20, 0.8), ("twitter", "social", 0.07, 0.85),
            ("newsletter", "email", 0.06, 1.1), ("referral", "invite", 0.14, 1.3), (None, None, 0.25, 1.05)]
TIMEZONES = [("America/New_York", -5, "en-US", "US", 0.34), ("America/Los_Angeles", -8, "en-US", "US", 0.2),
             ("Europe/London", 0, "en-GB", "GB", 0.14), ("Europe/Berlin", 1, "de-DE", "DE", 0.14),
             ("America/Sao_Paulo", -3, "pt-BR", "BR", 0.12), ("Asia/Tokyo", 9, "ja-JP", "JP", 0.06)]
WEB_DEVICES = [("Mac OS X", "14.5", "desktop", "Apple", "Macintosh", "Chrome"),
               ("Windows", "11", "desktop", "Microsoft", "PC", "Chrome"),
               ("Windows", "10", "desktop", "Microsoft", "PC", "Edge"),
               ("Android", "14", "mobile", "Samsung", "SM-S918B", "Chrome")]
IOS_DEVICES = [("iOS", "17.5", "mobile", "Apple", "iPhone15,2"), ("iOS", "18.1", "mobile", "Apple", "iPhone16,1"),
               ("iOS", "17.2", "tablet", "Apple", "iPad13,4")]
PLANS = ["free", "pro", "team"]
# local hour-of-day weights for sessions (messaging peaks at lunch and evening)
HOUR_WEIGHTS = [1, 0.5, 0.3, 0.2, 0.2, 0.4, 1, 2, 3, 3.5, 3.5, 4, 4.5, 4, 3.5, 3.5, 3.8, 4.2, 4.8, 5.5, 6, 5.5, 4, 2]
WEEKDAY_FACTOR = [1.0, 1.03, 1.05, 1.02, 0.95, 0.72, 0.68]  # Monday..Sunday


class _Builder:
    """Accumulates compact event columns; flushes them into DuckDB in chunks."""

    CHUNK = 1_000_000

    def __init__(self, con: duckdb.DuckDBPyConnection, end_us: int, progress: Callable[[int], None] | None):
        self.con, self.end_us, self.progress = con, end_us, progress
        self.ts: list[int] = []
        self.device: list[int] = []
        self.user: list[int] = []
        self.identified: list[int] = []
        self.event: list[int] = []
        self.lag: list[int] = []
        self.landing: list[int] = []
        self.count = 0
        self.flushed = False

    def add(self, ts_us: int, device: int, user: int, identified: int, event: int, lag_ms: int, landing: int) -> None:
        if ts_us + lag_ms * 1000 >= self.end_us:  # not received yet
            return
        self.ts.append(ts_us)
        self.device.append(device)
        self.user.append(user)
        self.identified.append(identified)
        self.event.append(event)
        self.lag.append(lag_ms)
        self.landing.append(landing)
        self.count += 1
        if len(self.ts) >= self.CHUNK:
            self.flush()

    def flush(self) -> None:
        if not self.ts:
            return
        chunk = {
            "ts": np.array(self.ts, dtype=np.int64), "device": np.array(self.device, dtype=np.int32),
            "user_idx": np.array(self.user, dtype=np.int32), "identified": np.array(self.identified, dtype=np.int8),
            "event_code": np.array(self.event, dtype=np.int16), "lag_ms": np.array(self.lag, dtype=np.int32),
            "landing": np.array(self.landing, dtype=np.int8),
        }
        self.con.register("chunk_view", chunk)
        if not self.flushed:
            self.con.execute("CREATE TABLE raw AS SELECT * FROM chunk_view")
            self.flushed = True
        else:
            self.con.execute("INSERT INTO raw SELECT * FROM chunk_view")
        self.con.unregister("chunk_view")
        for lst in (self.ts, self.device, self.user, self.identified, self.event, self.lag, self.landing):
            lst.clear()
        if self.progress:
            self.progress(self.count)


class _Simulation:
    def __init__(self, spec: DemoSpec, builder: _Builder):
        self.spec, self.b = spec, builder
        self.rng = random.Random(spec.seed)
        self.np = np.random.default_rng(spec.seed)
        self.devices: list[dict] = []
        self.users: list[dict] = []
        self.start_us = _us(spec.start)
        # day indexes run from the start date through today (partial, cut at `end`)
        self.days = (spec.end.date() - spec.start.date()).days + 1
        self.launch_day = self.days - 1 - spec.sticker_launch_days_ago

    # ---- helpers ----
    def _device(self, platform: str, tz: tuple, channel: tuple, user: int) -> int:
        r = self.rng
        idx = len(self.devices)
        if platform == "web":
            os_name, os_version, dtype, manu, model, browser = r.choice(WEB_DEVICES)
            ua = f"Mozilla/5.0 ({os_name} {os_version}) {browser}/126.0"
            lib, lib_version, app_version = "analytics.js", "4.1.0", None
        else:
            os_name, os_version, dtype, manu, model = r.choice(IOS_DEVICES)
            ua, lib, lib_version = None, "analytics-ios", "4.1.8"
            app_version = r.choice(["3.2.0", "3.3.1", "3.4.0"])
        self.devices.append({
            "device": idx, "anonymous_id": _uuid(self.spec.seed, 1, idx), "platform": platform,
            "source": self.spec.sources[platform], "os_name": os_name, "os_version": os_version,
            "device_type": dtype, "manufacturer": manu, "model": model, "user_agent": ua,
            "library_name": lib, "library_version": lib_version, "app_version": app_version,
            "ip": f"{r.randint(11, 223)}.{r.randint(0, 255)}.{r.randint(0, 255)}.{r.randint(1, 254)}",
            "locale": tz[2], "timezone": tz[0], "campaign_source": channel[0], "campaign_medium": channel[1],
            "campaign_name": (f"{channel[0]}_{r.choice(['spring', 'launch', 'brand', 'retarget'])}" if channel[0] else None),
            "skew_ms": int(r.gauss(0, 1500)) if platform == "ios" else int(r.gauss(0, 300)), "user_idx": user,
        })
        return idx

    def _day_start_us(self, day: int, tz_offset_h: int) -> int:
        return self.start_us + (day * 24 - tz_offset_h) * 3_600_000_000

    def _session_start(self, day: int, tz_offset_h: int) -> int:
        hour = self.rng.choices(range(24), weights=HOUR_WEIGHTS)[0]
        return self._day_start_us(day, tz_offset_h) + int((hour + self.rng.random()) * 3_600_000_000)

    def _lag(self, platform: str) -> int:
        r = self.rng.random()
        if platform == "web":
            return int(80 + self.rng.random() * 1500)
        if r < 0.9:
            return int(500 + self.rng.random() * 30_000)  # batched every ~30 s
        if r < 0.99:
            return int(60_000 + self.rng.random() * 3_600_000)  # app backgrounded
        return int(3_600_000 + self.rng.random() * 40 * 3_600_000)  # offline for a while

    # ---- sessions ----
    def _emit(self, seq: list[int], t: int, device: int, user: int, identified: int, platform: str, landing: int = 0) -> int:
        for code in seq:
            self.b.add(t, device, user, identified, code, self._lag(platform), landing)
            t += int((4 + self.rng.expovariate(1 / 25)) * 1_000_000)
        return t

    def _session_events(self, platform: str, day: int, u: dict) -> list[int]:
        r = self.rng
        seq = [T_OPEN] if platform == "ios" else []
        seq.append(_view(platform, "Inbox"))
        actions = 1 + min(int(r.expovariate(1 / (1.5 + 3 * u["engagement"]))), 12)
        for _ in range(actions):
            x = r.random()
            if x < 0.55:
                seq.append(_view(platform, "Conversation"))
                for _ in range(1 + int(r.expovariate(1 / 2.2))):
                    seq.append(T_MESSAGE)
                    if day >= self.launch_day and r.random() < u["sticker_affinity"]:
                        seq.append(T_STICKER)
            elif x < 0.66:
                if platform == "ios":
                    seq += [_view("ios", "Camera"), T_PHOTO, T_MESSAGE]
                else:
                    seq += [_view("web", "Conversation"), T_PHOTO]
            elif x < 0.74:
                seq.append(_view(platform, "Invite Friends"))
                seq += [T_INVITE] * (1 + int(r.random() < 0.3))
            elif x < 0.82:
                seq.append(T_FRIEND)
            elif x < 0.90:
                seq.append(_view(platform, "Store"))
                for _ in range(1 + int(r.random() < 0.4)):
                    seq.append(T_PVIEW)
                if r.random() < u["buyer"]:
                    seq.append(T_PADD)
                    if r.random() < 0.6:
                        seq.append(T_CHECKOUT)
                        if r.random() < 0.7:
                            seq.append(T_ORDER)
            else:
                seq.append(_view(platform, "Settings"))
        return seq

    # ---- people ----
    def run(self) -> None:
        days = self.days
        signup_weights = [math.exp(0.006 * d) * WEEKDAY_FACTOR[(self.spec.start + timedelta(days=d)).weekday()]
                          for d in range(days)]
        target = self.spec.events * 0.96
        while self.b.count < target:
            self._person(self.rng.choices(range(days), weights=signup_weights)[0], signup_weights)
        visitors_target = self.spec.events
        while self.b.count < visitors_target:
            self._visitor(self.rng.choices(range(days), weights=signup_weights)[0])

    def _visitor(self, day: int) -> None:
        r = self.rng
        tz = r.choices(TIMEZONES, weights=[t[4] for t in TIMEZONES])[0]
        channel = r.choices(CHANNELS, weights=[c[2] for c in CHANNELS])[0]
        platform = "web" if r.random() < 0.75 else "ios"
        device = self._device(platform, tz, channel, -1)
        t = self._session_start(day, tz[1])
        if platform == "web":
            seq = [_view("web", "Home")] + ([_view("web", "Pricing")] if r.random() < 0.5 else [])
            seq += [_view("web", "Sign Up")] if r.random() < 0.3 else []
        else:
            seq = [_view("ios", "Onboarding")] * (1 + int(r.random() < 0.5))
        self._emit(seq, t, device, -1, 0, platform, landing=1)

    def _person(self, signup_day: int, weights: list[float]) -> None:
        r, days = self.rng, self.days
        idx = len(self.users)
        tz = r.choices(TIMEZONES, weights=[t[4] for t in TIMEZONES])[0]
        channel = r.choices(CHANNELS, weights=[c[2] for c in CHANNELS])[0]
        platform = "web" if r.random() < 0.55 else "ios"
        engagement = min(0.95, max(0.02, r.betavariate(1.4, 2.4) * channel[3]))
        plan = "team" if r.random() < 0.04 + 0.08 * engagement else ("pro" if r.random() < 0.08 + 0.25 * engagement else "free")
        user = {
            "user_idx": idx, "user_id": f"u{_base36(idx * 7919 + 104729)}", "engagement": engagement,
            "plan": plan, "channel": channel[0], "tz": tz, "platform": platform, "signup_day": signup_day,
            "sticker_affinity": 0.1 + 0.4 * r.random(), "buyer": 0.12 + (0.35 if plan != "free" else 0.15) * r.random(),
            "signup_method": r.choice(["email", "google", "apple"] if platform == "ios" else ["email", "google"]),
            "name": f"{r.choice(_FIRST)} {r.choice(_LAST)}", "devices": [], "signed_up_at": None,
        }
        self.users.append(user)
        first_device = self._device(platform, tz, channel, idx)
        user["devices"].append((first_device, platform, signup_day))

        # landing session: anonymous browsing, then signup (identified from Signed Up on)
        t = self._session_start(signup_day, tz[1])
        if platform == "web":
            pre = [_view("web", "Home")] + ([_view("web", "Pricing")] if r.random() < 0.4 else []) + [_view("web", "Sign Up")]
        else:
            pre = [_view("ios", "Onboarding")] * (1 + int(r.random() < 0.6))
        if r.random() < 0.3:  # some looked around on an earlier day first
            earlier = max(0, signup_day - 1 - int(r.expovariate(1 / 3)))
            self._emit(pre[:1], self._session_start(earlier, tz[1]), first_device, idx, 0, platform, landing=1)
        t = self._emit(pre, t, first_device, idx, 0, platform, landing=1)
        user["signed_up_at"] = t
        t = self._emit([T_SIGNUP], t, first_device, idx, 1, platform, landing=1)
        self._emit(self._session_events(platform, signup_day, user)[:4], t, first_device, idx, 1, platform)

        # a second device on the other platform for some
        if r.random() < 0.22:
            other = "ios" if platform == "web" else "web"
            day2 = signup_day + 1 + int(r.expovariate(1 / 10))
            if day2 < days:
                d2 = self._device(other, tz, (None, None), idx)
                user["devices"].append((d2, other, day2))
                t2 = self._session_start(day2, tz[1])
                first_view = _view("web", "Home") if other == "web" else _view("ios", "Onboarding")
                self.b.add(t2, d2, idx, 0, first_view, self._lag(other), 0)
                user.setdefault("logins", []).append((d2, t2 + 20_000_000))

        # daily activity after signup
        cohort_factor = 0.85 + 0.3 * signup_day / days  # the product gets better: later cohorts retain more
        if r.random() < 0.5 - 0.35 * engagement:
            lifetime = r.random() * 5  # tried it and left
        else:
            lifetime = r.expovariate(1 / (20 + 220 * engagement))
        idle, boost_left = 0, 0
        for day in range(signup_day + 1, days):
            k = day - signup_day
            weekday = (self.spec.start + timedelta(days=day)).weekday()
            p = engagement * (0.15 + 0.85 * math.exp(-k / 6)) * cohort_factor * WEEKDAY_FACTOR[weekday]
            if k > lifetime:
                p *= 0.04
            if boost_left > 0:
                p = min(0.95, p + 0.18)
                boost_left -= 1
            if r.random() < min(p, 0.95):
                idle = 0
                n_sessions = 1 + int(r.random() < 0.35 * engagement) + int(r.random() < 0.15 * engagement)
                available = [(d, pf) for d, pf, since in user["devices"] if since <= day]
                for _ in range(n_sessions):
                    device, pf = r.choice(available)
                    self._emit(self._session_events(pf, day, user), self._session_start(day, tz[1]), device, idx, 1, pf)
            else:
                idle += 1
                # re-engagement email, sent 10:00 local by the server; at most three per lapse
                if idle in (7, 21, 49) and r.random() < 0.85:
                    t_email = self._day_start_us(day, tz[1]) + int((10 + r.random()) * 3_600_000_000)
                    self.b.add(t_email, -1, idx, 1, T_EMAIL, int(100 + r.random() * 900), 0)
                    boost_left = 3


_FIRST = ["Ada", "Ben", "Chen", "Dara", "Eli", "Fatima", "Gus", "Hana", "Ivan", "Jo", "Kofi", "Lena", "Mo", "Nia",
          "Omar", "Pia", "Quinn", "Ravi", "Sara", "Tom", "Uma", "Vic", "Wen", "Yara", "Zoe"]
_LAST = ["Adams", "Baker", "Costa", "Dubois", "Evans", "Fischer", "Garcia", "Hughes", "Ito", "Jensen", "Kim",
         "Lopez", "Meyer", "Novak", "Okafor", "Patel", "Rossi", "Silva", "Tanaka", "Weber"]


def _base36(n: int) -> str:
    chars = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while n:
        n, rem = divmod(n, 36)
        out = chars[rem] + out
    return out or "0"


def _uuid(seed: int, kind: int, n: int) -> str:
    x = (n * 0x9E3779B97F4A7C15 + seed * 0xBF58476D1CE4E5B9 + kind) & ((1 << 128) - 1)
    x = (x * 0x94D049BB133111EB + (x >> 31)) & ((1 << 128) - 1)
    h = f"{x:032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:32]}"


def _us(dt: datetime) -> int:
    return int((dt - EPOCH).total_seconds() * 1_000_000)


# ---------------------------------------------------------------------------------------------
# From compact arrays to Segment's tables
# ---------------------------------------------------------------------------------------------

_COMMON = """
    {prefix} || lpad(CAST(r.idx AS VARCHAR), 10, '0') AS id,
    d.anonymous_id AS anonymous_id,
    CASE WHEN r.identified = 1 THEN u.user_id END AS user_id,
    make_timestamp(r.ts + CASE WHEN r.device = -1 THEN {ahead} ELSE 0 END) AS "timestamp",
    make_timestamp(r.ts + CAST(coalesce(d.skew_ms, 0) AS BIGINT) * 1000) AS original_timestamp,
    make_timestamp(r.ts + CAST(coalesce(d.skew_ms, 0) AS BIGINT) * 1000 + CAST(r.lag_ms AS BIGINT) * 900) AS sent_at,
    make_timestamp(r.ts + CAST(r.lag_ms AS BIGINT) * 1000) AS received_at,
    make_timestamp(r.ts + CAST(r.lag_ms AS BIGINT) * 1000 + 120000000) AS uuid_ts,
    coalesce(d.library_name, 'analytics-node') AS context_library_name,
    coalesce(d.library_version, '11.0.0') AS context_library_version,
    d.ip AS context_ip,
    d.user_agent AS context_user_agent,
    d.locale AS context_locale,
    d.timezone AS context_timezone,
    CASE WHEN r.landing = 1 THEN d.campaign_source END AS context_campaign_source,
    CASE WHEN r.landing = 1 THEN d.campaign_medium END AS context_campaign_medium,
    CASE WHEN r.landing = 1 THEN d.campaign_name END AS context_campaign_name,
    CAST(NULL AS VARCHAR) AS context_campaign_term,
    CAST(NULL AS VARCHAR) AS context_campaign_content,
    d.device_type AS context_device_type,
    d.manufacturer AS context_device_manufacturer,
    d.model AS context_device_model,
    d.os_name AS context_os_name,
    d.os_version AS context_os_version,
    d.app_version AS context_app_version"""

_PAGE_CONTEXT = """,
    '/' || lower(replace(ev.name, ' ', '-')) AS context_page_path,
    ev.name || ' | Messenger' AS context_page_title,
    'https://messenger.example.com/' || lower(replace(ev.name, ' ', '-')) AS context_page_url,
    CASE WHEN r.landing = 1 AND d.campaign_source IS NOT NULL
         THEN 'https://' || d.campaign_source || '.com/' END AS context_page_referrer"""

_ORDER_REVENUE = "CAST(round(2.99 + (r.order_idx * 7 % 4000) / 100.0, 2) AS DOUBLE)"
# Event properties: derived from the row index so they are deterministic and cost no Python time.
_PROPERTIES = {
    "signed_up": "CASE r.idx % 3 WHEN 0 THEN 'email' WHEN 1 THEN 'google' ELSE 'apple' END AS signup_method, u.plan AS plan",
    "application_opened": "(r.idx % 4 <> 0) AS from_background, d.app_version AS version",
    "message_sent": "CASE WHEN r.idx % 5 = 0 THEN 'group' ELSE 'direct' END AS conversation_type, "
                    "CAST(5 + (r.idx * 37) % 240 AS INTEGER) AS message_length, (r.idx % 11 = 0) AS has_attachment",
    "invite_sent": "CASE r.idx % 3 WHEN 0 THEN 'email' WHEN 1 THEN 'sms' ELSE 'link' END AS invite_method",
    "photo_shared": "CASE r.idx % 4 WHEN 0 THEN 'none' WHEN 1 THEN 'mono' WHEN 2 THEN 'vivid' ELSE 'retro' END AS filter_name",
    "friend_added": "CASE r.idx % 3 WHEN 0 THEN 'contacts' WHEN 1 THEN 'search' ELSE 'suggestion' END AS friend_source",
    "sticker_sent": "CASE r.idx % 4 WHEN 0 THEN 'Cats' WHEN 1 THEN 'Retro' WHEN 2 THEN 'Space' ELSE 'Party' END AS pack_name",
    "product_viewed": "'sku-' || CAST(r.idx % 12 AS VARCHAR) AS product_id, 'sku-' || CAST(r.idx % 12 AS VARCHAR) AS sku, "
                      "'Sticker pack ' || CAST(r.idx % 12 AS VARCHAR) AS name, 'stickers' AS category, "
                      "CAST(0.99 + (r.idx % 12) AS DOUBLE) AS price",
    "product_added": "'sku-' || CAST(r.idx % 12 AS VARCHAR) AS product_id, 'sku-' || CAST(r.idx % 12 AS VARCHAR) AS sku, "
                     "'Sticker pack ' || CAST(r.idx % 12 AS VARCHAR) AS name, CAST(0.99 + (r.idx % 12) AS DOUBLE) AS price, "
                     "CAST(1 + r.idx % 2 AS INTEGER) AS quantity",
    "checkout_started": "'ord-' || CAST(r.idx AS VARCHAR) AS order_id, "
                        "CAST(round(2.99 + (r.idx * 7 % 4000) / 100.0, 2) AS DOUBLE) AS revenue, 'USD' AS currency",
    "order_completed": "'ord-' || CAST(r.order_idx AS VARCHAR) AS order_id, "
                       "CAST(round(2.99 + (r.order_idx * 7 % 4000) / 100.0, 2) AS DOUBLE) AS revenue, "
                       "CAST(round(0.1 * (2.99 + (r.order_idx * 7 % 4000) / 100.0), 2) AS DOUBLE) AS tax, "
                       "CAST(CASE WHEN r.order_idx % 3 = 0 THEN 0 ELSE 1.5 END AS DOUBLE) AS shipping, "
                       "CAST(CASE WHEN r.order_idx % 10 = 0 THEN 1.0 ELSE 0 END AS DOUBLE) AS discount, "
                       "CASE WHEN r.order_idx % 10 = 0 THEN 'WELCOME' END AS coupon, 'USD' AS currency, "
                       "CAST(round(2.99 + (r.order_idx * 7 % 4000) / 100.0, 2) "
                       "+ round(0.1 * (2.99 + (r.order_idx * 7 % 4000) / 100.0), 2) "
                       "+ CASE WHEN r.order_idx % 3 = 0 THEN 0 ELSE 1.5 END "
                       "- CASE WHEN r.order_idx % 10 = 0 THEN 1.0 ELSE 0 END AS DOUBLE) AS total, "
                       "'[{\"product_id\": \"sku-' || CAST(r.order_idx % 12 AS VARCHAR) || '\", \"quantity\": 1}]' AS products",
    "email_sent": "CASE r.idx % 2 WHEN 0 THEN 'we_miss_you' ELSE 'weekly_digest' END AS campaign_name, "
                  "'Your friends are waiting' AS email_subject",
}


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _build_tables(con: duckdb.DuckDBPyConnection, sim: _Simulation) -> None:
    spec = sim.spec
    dev = sim.devices
    dev_cols = {k: [d[k] for d in dev] for k in dev[0]}
    dev_cols = {k: np.array(v, dtype=object if isinstance(v[0], str) or any(x is None for x in v) else None)
                for k, v in dev_cols.items()}
    con.register("dev_view", dev_cols)
    # the server "device" (-1): emails sent by the backend through analytics-node, no anonymous_id
    con.execute("CREATE TABLE dev AS SELECT * FROM dev_view")
    con.execute(f"""INSERT INTO dev (device, anonymous_id, platform, source, library_name, library_version,
                    skew_ms, user_idx) VALUES (-1, NULL, 'server', '{spec.sources["web"]}', 'analytics-node', '11.0.0', 0, -1)""")
    con.unregister("dev_view")
    users = sim.users
    con.register("usr_view", {
        "user_idx": np.array([u["user_idx"] for u in users], dtype=np.int32),
        "user_id": np.array([u["user_id"] for u in users], dtype=object),
        "plan": np.array([u["plan"] for u in users], dtype=object),
        "name": np.array([u["name"] for u in users], dtype=object),
        "channel": np.array([u["channel"] for u in users], dtype=object),
        "platform": np.array([u["platform"] for u in users], dtype=object),
        "signed_up_us": np.array([u["signed_up_at"] for u in users], dtype=np.int64),
        "country": np.array([u["tz"][3] for u in users], dtype=object),
    })
    con.execute("CREATE TABLE usr AS SELECT * FROM usr_view")
    con.unregister("usr_view")
    con.register("ev_view", {
        "code": np.array([e.code for e in EVENTS], dtype=np.int16),
        "kind": np.array([e.kind for e in EVENTS], dtype=object),
        "name": np.array([event_name(e.name, spec.ecommerce_spec) for e in EVENTS], dtype=object),
        "slug": np.array([_slug(event_name(e.name, spec.ecommerce_spec)) for e in EVENTS], dtype=object),
    })
    con.execute("CREATE TABLE ev AS SELECT * FROM ev_view")
    con.unregister("ev_view")
    # order by time so tables are laid out like Segment's (sorted by received_at, roughly)
    con.execute("CREATE TABLE staged AS SELECT row_number() OVER (ORDER BY ts, device, event_code) AS idx, * FROM raw")
    con.execute("DROP TABLE raw")
    # An order tracked twice (the confirmation page reloaded, a request retried): about one completed
    # order in 25 has a second Order Completed 2-6 s later with the same order_id and amounts (a new
    # message id), as Segment stores it; the bot counts each order_id once. order_idx: the order a
    # row describes (its own idx, or the original's for a repeat).
    con.execute("ALTER TABLE staged ADD COLUMN order_idx BIGINT")
    con.execute("UPDATE staged SET order_idx = idx")
    con.execute(f"""INSERT INTO staged SELECT * REPLACE (
                        (SELECT MAX(idx) FROM staged) + row_number() OVER (ORDER BY idx) AS idx,
                        ts + 2000000 + (idx % 5) * 1000000 AS ts, CAST(0 AS TINYINT) AS landing)
                    FROM staged
                    WHERE event_code = {T_ORDER} AND idx % 25 = 7
                      AND ts + 6000000 + CAST(lag_ms AS BIGINT) * 1000 < {sim.b.end_us}""")

    base_from = ("FROM staged r JOIN dev d ON d.device = r.device JOIN ev ON ev.code = r.event_code "
                 "LEFT JOIN usr u ON u.user_idx = r.user_idx")
    for platform, schema in spec.sources.items():
        s = _q(schema)
        prefix = f"'{platform}-'"
        common = _COMMON.format(prefix=prefix, ahead=int(spec.server_clock_ahead_hours * 3_600_000_000))
        con.execute(f"CREATE SCHEMA {s}")
        where = f"WHERE d.source = '{schema}'"
        con.execute(f"""CREATE TABLE {s}.tracks AS SELECT {common}, ev.slug AS event, ev.name AS event_text
                        {base_from} {where} AND ev.kind = 'track' ORDER BY r.idx""")
        for e in TRACK_EVENTS:
            if platform not in e.platforms:
                continue
            props = _PROPERTIES.get(e.slug)  # the same properties under either spec version
            if e.slug == "order_completed" and spec.ecommerce_spec == "v1":
                # an older implementation: some orders carry only `total` (Segment's GA destination took one)
                props = props.replace(f"{_ORDER_REVENUE} AS revenue",
                                      f"CASE WHEN r.order_idx % 9 = 0 THEN NULL ELSE {_ORDER_REVENUE} END AS revenue", 1)
            table = _slug(event_name(e.name, spec.ecommerce_spec))
            con.execute(f"""CREATE TABLE {s}.{_q(table)} AS SELECT {common}, ev.slug AS event, ev.name AS event_text
                            {', ' + props if props else ''}
                            {base_from} {where} AND ev.code = {e.code} ORDER BY r.idx""")
        if platform == "web":
            con.execute(f"""CREATE TABLE {s}.pages AS SELECT {common}{_PAGE_CONTEXT},
                    ev.name AS name, '/' || lower(replace(ev.name, ' ', '-')) AS path,
                    'https://messenger.example.com/' || lower(replace(ev.name, ' ', '-')) AS url,
                    ev.name || ' | Messenger' AS title,
                    CASE WHEN r.landing = 1 AND d.campaign_source IS NOT NULL
                         THEN 'https://' || d.campaign_source || '.com/' END AS referrer,
                    CASE WHEN r.landing = 1 AND d.campaign_source IS NOT NULL
                         THEN '?utm_source=' || d.campaign_source || '&utm_medium=' || d.campaign_medium END AS search
                    {base_from} {where} AND ev.kind = 'page' ORDER BY r.idx""")
        else:
            con.execute(f"""CREATE TABLE {s}.screens AS SELECT {common}, ev.name AS name
                            {base_from} {where} AND ev.kind = 'screen' ORDER BY r.idx""")
    _build_identities(con, sim)


def _build_identities(con: duckdb.DuckDBPyConnection, sim: _Simulation) -> None:
    """identifies: one call at signup and one at each login on a new device; users: latest traits."""
    spec = sim.spec
    rows = []
    for u in sim.users:
        first_device, platform, _ = u["devices"][0]
        rows.append((first_device, u["user_idx"], u["signed_up_at"] - 500_000))
        for device, t in u.get("logins", []):
            rows.append((device, u["user_idx"], t))
    rows = [r for r in rows if r[2] < sim.b.end_us]
    con.register("ident_view", {
        "device": np.array([r[0] for r in rows], dtype=np.int32),
        "user_idx": np.array([r[1] for r in rows], dtype=np.int32),
        "ts": np.array([r[2] for r in rows], dtype=np.int64),
    })
    con.execute("CREATE TABLE ident AS SELECT row_number() OVER (ORDER BY ts, device) AS idx, * FROM ident_view")
    con.unregister("ident_view")
    for platform, schema in spec.sources.items():
        s = _q(schema)
        con.execute(f"""CREATE TABLE {s}.identifies AS SELECT
                'id-{platform}-' || lpad(CAST(i.idx AS VARCHAR), 9, '0') AS id,
                d.anonymous_id, u.user_id,
                make_timestamp(i.ts) AS "timestamp",
                make_timestamp(i.ts + 800000) AS received_at,
                make_timestamp(i.ts + 900000) AS sent_at,
                make_timestamp(i.ts) AS original_timestamp,
                make_timestamp(i.ts + 120000000) AS uuid_ts,
                d.library_name AS context_library_name, d.ip AS context_ip, d.locale AS context_locale,
                d.os_name AS context_os_name, d.device_type AS context_device_type,
                lower(replace(u.name, ' ', '.')) || '.' || u.user_id || '@example.com' AS email,
                u.name AS name, u.plan AS plan, make_timestamp(u.signed_up_us) AS created_at, u.country AS country
            FROM ident i JOIN dev d ON d.device = i.device JOIN usr u ON u.user_idx = i.user_idx
            WHERE d.source = '{schema}' ORDER BY i.idx""")
        con.execute(f"""CREATE TABLE {s}.users AS SELECT
                user_id AS id, max(received_at) AS received_at, max(uuid_ts) AS uuid_ts,
                arg_max(email, received_at) AS email, arg_max(name, received_at) AS name,
                arg_max(plan, received_at) AS plan, min(created_at) AS created_at,
                arg_max(country, received_at) AS country
            FROM {s}.identifies GROUP BY user_id ORDER BY id""")


def _build_product_db(path: Path, sim: _Simulation) -> None:
    """The product's own database: users with their payment plan (the source of truth for billing)."""
    r = random.Random(sim.spec.seed + 1)
    rows = []
    for u in sim.users:
        plan = {"free": "free", "pro": "pro", "team": "business"}[u["plan"]]
        if r.random() < 0.06:  # plans changed since Segment last saw the user
            plan = r.choice(["free", "starter", "pro", "business"])
        elif plan == "free" and r.random() < 0.1:
            plan = "starter"
        seats = 1 if plan in ("free", "starter", "pro") else 3 + int(r.random() * 20)
        mrr = {"free": 0.0, "starter": 4.0, "pro": 9.0, "business": 7.0 * seats}[plan]
        created = EPOCH + timedelta(microseconds=u["signed_up_at"])
        rows.append((u["user_id"], plan, seats, mrr, created, u["tz"][3]))
    con = duckdb.connect(str(path))
    try:
        con.register("p_view", {
            "id": np.array([x[0] for x in rows], dtype=object),
            "payment_plan": np.array([x[1] for x in rows], dtype=object),
            "seats": np.array([x[2] for x in rows], dtype=np.int32),
            "mrr": np.array([x[3] for x in rows], dtype=np.float64),
            "created_at": np.array([x[4] for x in rows], dtype="datetime64[us]"),
            "country": np.array([x[5] for x in rows], dtype=object),
        })
        con.execute("CREATE TABLE users AS SELECT * FROM p_view ORDER BY id")
        con.execute("CREATE TABLE plans AS SELECT * FROM (VALUES ('free', 0.0), ('starter', 4.0), ('pro', 9.0), "
                    "('business', 7.0)) AS t(payment_plan, price_per_seat)")
    finally:
        con.close()


def build_demo(segment_path: Path, product_path: Path, spec: DemoSpec,
               progress: Callable[[int, int], None] | None = None, memory_limit: str | None = None) -> dict:
    """Generate both demo databases, atomically replacing existing files. Returns summary stats.
    memory_limit: DuckDB's, for the SQL that shapes the tables (the bench's 100M size spills to disk
    beside the file rather than take most of a shared machine's memory)."""
    segment_path, product_path = Path(segment_path), Path(product_path)
    segment_path.parent.mkdir(parents=True, exist_ok=True)
    tmp_seg = segment_path.with_suffix(f".building-{os.getpid()}")
    tmp_prod = product_path.with_suffix(f".building-{os.getpid()}")
    for p in (tmp_seg, tmp_prod):
        _remove_db(p)
    con = duckdb.connect(str(tmp_seg), config={"memory_limit": memory_limit} if memory_limit else {})
    try:
        con.execute("SET TimeZone = 'UTC'")
        builder = _Builder(con, _us(spec.end), (lambda n: progress(n, spec.events)) if progress else None)
        sim = _Simulation(spec, builder)
        sim.run()
        builder.flush()
        _build_tables(con, sim)
        for t in ("staged", "dev", "usr", "ev", "ident"):
            con.execute(f"DROP TABLE {t}")
        stats = {"events": builder.count, "users": len(sim.users), "devices": len(sim.devices),
                 "start": spec.start.isoformat(), "end": spec.end.isoformat()}
        con.execute(f"CREATE TABLE {META_TABLE} (spec VARCHAR, built_end TIMESTAMP, stats VARCHAR)")
        con.execute(f"INSERT INTO {META_TABLE} VALUES (?, ?, ?)", [spec.key(), spec.end, json.dumps(stats)])
        con.execute("CHECKPOINT")
    finally:
        con.close()
    _build_product_db(tmp_prod, sim)
    _remove_db(segment_path)
    _remove_db(product_path)
    shutil.move(tmp_seg, segment_path)
    shutil.move(tmp_prod, product_path)
    return stats


def _remove_db(path: Path) -> None:
    for p in (path, Path(str(path) + ".wal")):
        if p.exists():
            p.unlink()


def read_meta(segment_path: Path) -> dict | None:
    """The spec and build time stored in an existing demo file, or None."""
    if not Path(segment_path).exists():
        return None
    try:
        con = duckdb.connect(str(segment_path), read_only=True)
    except duckdb.Error:
        return None
    try:
        row = con.execute(f"SELECT spec, built_end, stats FROM {META_TABLE}").fetchone()
    except duckdb.Error:
        return None
    finally:
        con.close()
    return {"spec": row[0], "built_end": row[1], "stats": json.loads(row[2])}


def needs_rebuild(segment_path: Path, product_path: Path, spec: DemoSpec, must_cover: datetime) -> bool:
    """Rebuild when missing, built with other settings, or stale: data must reach `must_cover`
    (UTC, naive), the start of today in the configured timezone, so "yesterday" is complete."""
    meta = read_meta(segment_path)
    if meta is None or not Path(product_path).exists():
        return True
    stored = json.loads(meta["spec"])
    wanted = json.loads(spec.key())
    stored.pop("end", None)
    wanted.pop("end", None)
    return stored != wanted or meta["built_end"] < must_cover


def ensure_demo(data_dir: Path, seed: int, events: int, days: int, must_cover_utc: datetime, *,
                force: bool = False, progress: Callable[[int, int], None] | None = None,
                now_utc: datetime | None = None) -> tuple[Path, Path, bool]:
    """Make sure fresh demo databases exist in `data_dir`; build them if missing or stale.
    Returns (segment path, product path, rebuilt). Safe when several processes start at once."""
    import fcntl

    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    segment_path, product_path = data_dir / "segment.duckdb", data_dir / "product.duckdb"
    end = (now_utc or datetime.utcnow()).replace(microsecond=0)
    spec = DemoSpec(end=end, seed=seed, events=events, days=days)
    with open(data_dir / ".build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not force and not needs_rebuild(segment_path, product_path, spec, must_cover_utc):
                return segment_path, product_path, False
            build_demo(segment_path, product_path, spec, progress=progress)
            return segment_path, product_path, True
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
