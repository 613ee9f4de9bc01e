"""Time expressions in questions -> a date range [start, end) in the configured timezone.

Conventions (said in every answer's footer):
  - "last N days" is the N complete days before today; "last N weeks/months" are complete
    calendar weeks/months; "this week/month" runs from its first day through today (partial).
  - "between A and B" and "from A to B" include B.
  - weeks start on the configured day (Monday by default).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, replace
from datetime import date, timedelta

from . import rx

MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
MONTHS["sept"] = 9
WEEKDAYS = {name.lower(): i for i, name in enumerate(calendar.day_name)}
WEEKDAYS.update({name.lower(): i for i, name in enumerate(calendar.day_abbr)})
NUMBER_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fourteen": 14, "thirty": 30,
                "ninety": 90, "couple": 2, "few": 3}
UNIT_RE = r"(hour|day|week|month|quarter|year|yr|wk|mo|hr)s?"
NUM_RE = r"(\d{1,6}|" + "|".join(NUMBER_WORDS) + r")"
FULL = r"(?:\s+(?:full|complete|completed|whole|entire))?"
_MONTH_NAMES = "|".join(sorted(MONTHS, key=len, reverse=True))
_WEEKDAY_NAMES = "|".join(sorted(WEEKDAYS, key=len, reverse=True))
_MONTH_NAMES_RE = f"({_MONTH_NAMES})"  # a month name captured
MONTH_NAMES = _MONTH_NAMES  # the alternation of every month name and abbreviation, longest first
# "2026-11-03", "nov 3", "november 3rd", "3 nov", "3rd of november 2026", "nov 3, 2026"
DATE_RE = (r"(?:\d{4}-\d{2}-\d{2}|(?<![\d/])\d{1,2}/\d{1,2}(?:/\d{2,4})?(?![\d/])"  # not "1/7/14/28 day"
           rf"|(?:{_MONTH_NAMES})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?"
           rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{_MONTH_NAMES})\.?(?:,?\s+\d{{4}})?"
           rf"|mid[-\s]?(?:{_MONTH_NAMES})\.?(?:,?\s+\d{{4}})?)")  # "mid sept": the 15th


@dataclass(frozen=True)
class DateRange:
    start: date
    end: date  # exclusive
    label: str
    words: str = ""
    grain: str | None = None  # the natural interval of the phrase: "yesterday" -> day, "last month" -> month

    @property
    def days(self) -> int:
        return (self.end - self.start).days


def week_start_of(d: date, week_start: str = "monday") -> date:
    offset = d.weekday() if week_start == "monday" else (d.weekday() + 1) % 7
    return d - timedelta(days=offset)


def month_start(d: date) -> date:
    return d.replace(day=1)


def add_months(d: date, n: int) -> date:
    month = d.month - 1 + n
    year = d.year + month // 12
    month = month % 12 + 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def quarter_start(d: date) -> date:
    return date(d.year, 3 * ((d.month - 1) // 3) + 1, 1)


def period_start(d: date, unit: str, week_start: str = "monday") -> date:
    if unit in ("day", "hour"):
        return d
    if unit == "week":
        return week_start_of(d, week_start)
    if unit == "month":
        return month_start(d)
    if unit == "quarter":
        return quarter_start(d)
    if unit == "year":
        return date(d.year, 1, 1)
    raise ValueError(unit)


def shift(d: date, unit: str, n: int) -> date:
    if unit in ("day", "hour"):
        return d + timedelta(days=n)
    if unit == "week":
        return d + timedelta(weeks=n)
    if unit == "month":
        return add_months(d, n)
    if unit == "quarter":
        return add_months(d, 3 * n)
    if unit == "year":
        return add_months(d, 12 * n)
    raise ValueError(unit)


def last_complete_periods(today: date, unit: str, n: int, week_start: str = "monday") -> tuple[date, date]:
    """The n complete periods of `unit` before the current one."""
    end = period_start(today, unit, week_start)
    return shift(end, unit, -n), end


def parse_date(text: str, today: date) -> date | None:
    """One written date. A date without a year is the most recent one not after today."""
    text = text.strip().lower().replace(",", " ")
    text = rx.sub(r"\s+", " ", text)
    m = rx.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text)
    if m:
        try:
            return date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            return None
    m = rx.fullmatch(r"(\d{1,2})/(\d{1,2})(?:/(\d{2,4}))?", text)
    if m:  # "10/20": month/day (US), or day/month when the first number cannot be a month
        a, b = int(m[1]), int(m[2])
        month, day = (b, a) if a > 12 else (a, b)
        year = int(m[3]) + (2000 if m[3] and len(m[3]) == 2 else 0) if m[3] else None
        try:
            if year:
                return date(year, month, day)
            candidate = date(today.year, month, day)
            return candidate if candidate <= today else date(today.year - 1, month, day)
        except ValueError:
            return None
    text = rx.sub(r"^mid[- ]?(\S+)", r"\1 15", text)  # "mid sept" -> "sept 15"
    m = rx.fullmatch(rf"({_MONTH_NAMES})\.? (\d{{1,2}})(?:st|nd|rd|th)?(?: (\d{{4}}))?", text)
    if m:
        month, day, year = MONTHS[m[1]], int(m[2]), m[3]
    else:
        m = rx.fullmatch(rf"(\d{{1,2}})(?:st|nd|rd|th)? (?:of )?({_MONTH_NAMES})\.?(?: (\d{{4}}))?", text)
        if not m:
            return None
        month, day, year = MONTHS[m[2]], int(m[1]), m[3]
    try:
        if year:
            return date(int(year), month, day)
        candidate = date(today.year, month, day)
        return candidate if candidate <= today else date(today.year - 1, month, day)
    except ValueError:
        return None


def _num(text: str) -> int:
    return int(text) if text.isdigit() else NUMBER_WORDS[text]


def _fmt(d: date) -> str:
    return f"{d:%a} {d.day} {d:%b %Y}"


def describe(start: date, end: date) -> str:
    """A human label for [start, end)."""
    last = end - timedelta(days=1)
    if start == last:
        return _fmt(start)
    if start.day == 1 and end.day == 1 and add_months(start, 1) == end:
        return f"{start:%B %Y}"
    return f"{start.day} {start:%b %Y} – {last.day} {last:%b %Y}" if start.year != last.year else (
        f"{start.day} {start:%b} – {last.day} {last:%b %Y}")


def find_range(text: str, today: date, week_start: str = "monday") -> tuple[DateRange | None, str]:
    """Find the time expression in `text` (lowercased): the first by the patterns' order, except that a
    weekday ("for the board deck on monday") gives way to another expression ("for q3"). Returns the range
    and the text without it."""
    weekday: tuple[DateRange, str] | None = None
    for pattern, handler in _PATTERNS:
        m = rx.search(pattern, text)
        if not m:
            continue
        try:
            result = handler(m, today, week_start)
        except (OverflowError, ValueError):  # a date next to year 1 or 9999: no range there
            result = None
        if result is None:
            continue
        start, end, label, grain = result
        if end <= start:
            continue
        rest = rx.sub(r"\s+", " ", rx.sub(r"\(\s*\)", " ", text[: m.start()] + " " + text[m.end():]).strip())
        if handler is _cohort_months:  # "the oct cohorts vs the sept ones": the cohorts are still what is asked about
            rest = " ".join([rest, *_cohort_words(m.group(0))])
        found = (DateRange(start, end, label, m.group(0).strip(), grain), rest)
        if handler is not _weekday:
            return found
        weekday = weekday or found
    return weekday if weekday is not None else (None, text)


# ---- handlers: (match, today, week_start) -> (start, end, label, grain) | None ----

def _today(m, today, ws):
    return today, today + timedelta(days=1), f"today ({_fmt(today)}, so far)", "day"


def _yesterday(m, today, ws):
    y = today - timedelta(days=1)
    return y, today, f"yesterday ({_fmt(y)})", "day"


def _day_before_yesterday(m, today, ws):
    d = today - timedelta(days=2)
    return d, d + timedelta(days=1), _fmt(d), "day"


def _last_n(m, today, ws):
    n, unit = _num(m.group(2)), _unit(m.group(3))
    if n < 1:
        return None
    n = min(n, 200 * {"hour": 8760, "day": 365, "week": 52, "month": 12, "quarter": 4, "year": 1}[unit])
    if unit == "hour":
        return today - timedelta(days=max(1, (n + 23) // 24)), today + timedelta(days=1), f"last {n} hours", "hour"
    if unit == "day":
        return today - timedelta(days=n), today, f"last {n} complete days", "day"
    start, end = last_complete_periods(today, unit, n, ws)
    plural = unit + ("s" if n > 1 else "")
    return start, end, f"last {n} complete {plural}" if n > 1 else f"last {unit}", unit


def _unit(text: str) -> str:
    """'d' -> day, 'wk' -> week, 'days' -> day."""
    text = text.lower().rstrip("s") if len(text) > 2 else text.lower()
    return {"d": "day", "w": "week", "wk": "week", "m": "month", "mo": "month", "h": "hour", "hr": "hour",
            "q": "quarter", "y": "year", "yr": "year"}.get(text, text)


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    """The n-th (1-based; -1: last) given weekday of a month."""
    if n > 0:
        first = date(year, month, 1)
        return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    last = add_months(date(year, month, 1), 1) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - weekday) % 7)


HOLIDAYS = {  # name -> the day in a year (US calendar where it differs)
    "new year's day": lambda y: date(y, 1, 1), "new years day": lambda y: date(y, 1, 1),
    "new year's eve": lambda y: date(y, 12, 31), "new years eve": lambda y: date(y, 12, 31),
    "valentine's day": lambda y: date(y, 2, 14), "valentines day": lambda y: date(y, 2, 14),
    "memorial day": lambda y: _nth_weekday(y, 5, 0, -1), "independence day": lambda y: date(y, 7, 4),
    "july 4th": lambda y: date(y, 7, 4), "fourth of july": lambda y: date(y, 7, 4),
    "labor day": lambda y: _nth_weekday(y, 9, 0, 1), "halloween": lambda y: date(y, 10, 31),
    "thanksgiving": lambda y: _nth_weekday(y, 11, 3, 4),
    "black friday": lambda y: _nth_weekday(y, 11, 3, 4) + timedelta(days=1),
    "cyber monday": lambda y: _nth_weekday(y, 11, 3, 4) + timedelta(days=4),
    "christmas eve": lambda y: date(y, 12, 24), "christmas": lambda y: date(y, 12, 25),
    "christmas day": lambda y: date(y, 12, 25), "boxing day": lambda y: date(y, 12, 26),
    "veterans day": lambda y: date(y, 11, 11), "veterans' day": lambda y: date(y, 11, 11),
    "columbus day": lambda y: _nth_weekday(y, 10, 0, 2), "indigenous peoples day": lambda y: _nth_weekday(y, 10, 0, 2),
    "mlk day": lambda y: _nth_weekday(y, 1, 0, 3), "presidents day": lambda y: _nth_weekday(y, 2, 0, 3),
    "juneteenth": lambda y: date(y, 6, 19), "st patrick's day": lambda y: date(y, 3, 17),
    "st patricks day": lambda y: date(y, 3, 17), "mother's day": lambda y: _nth_weekday(y, 5, 6, 2),
    "mothers day": lambda y: _nth_weekday(y, 5, 6, 2), "father's day": lambda y: _nth_weekday(y, 6, 6, 3),
    "fathers day": lambda y: _nth_weekday(y, 6, 6, 3),
    # Europe (the acme dataset's Berlin team): German Unity Day, All Saints', Reformation Day, May Day
    "german unity day": lambda y: date(y, 10, 3), "tag der deutschen einheit": lambda y: date(y, 10, 3),
    "day of german unity": lambda y: date(y, 10, 3), "all saints day": lambda y: date(y, 11, 1),
    "all saints' day": lambda y: date(y, 11, 1), "allerheiligen": lambda y: date(y, 11, 1),
    "reformation day": lambda y: date(y, 10, 31), "may day": lambda y: date(y, 5, 1),
    "boxing day uk": lambda y: date(y, 12, 26), "singles day": lambda y: date(y, 11, 11),
    # the US general election: the Tuesday after the first Monday of November
    "election day": lambda y: _nth_weekday(y, 11, 0, 1) + timedelta(days=1),
}
_HOLIDAY_NAMES = "|".join(re.escape(h) for h in sorted(HOLIDAYS, key=len, reverse=True))


def _holiday_day(name: str, year: str | None, today: date) -> date:
    """The holiday in the year said, else this year's: still to come, it is asked about (the range step
    offers last year's), never silently replaced."""
    return HOLIDAYS[name](int(year) if year else today.year)


def _holiday(m, today, ws):
    day = _holiday_day(m.group(1), m.group(2), today)
    return day, day + timedelta(days=1), f"{m.group(1).title()} {day.year} ({_fmt(day)})", "day"


def _holiday_weekend(m, today, ws):
    """"halloween weekend", "memorial day weekend", "thanksgiving weekend": the long weekend it falls in or
    next to (a Monday holiday from the Saturday before, a Thursday or Friday one through Sunday)."""
    day = _holiday_day(m.group(1), m.group(2) or m.group(3), today)
    wd = day.weekday()
    if m.group(4):  # "halloween weekend (fri-sun)": the days said, around the holiday
        start, end = _days_said(day, m.group(4), m.group(5))
    elif wd == 0:
        start, end = day - timedelta(days=2), day + timedelta(days=1)
    elif wd in (3, 4, 5):
        start, end = day, day + timedelta(days=7 - wd)
    elif wd == 6:
        start, end = day - timedelta(days=1), day + timedelta(days=1)
    else:  # a Tuesday or Wednesday holiday: the weekend after it
        start = day + timedelta(days=5 - wd)
        end = start + timedelta(days=2)
    return start, end, f"{m.group(1).title()} weekend {day.year} ({describe(start, end)})", "day"


def _since_holiday(m, today, ws):
    day = _holiday_day(m.group(1), m.group(2), today)
    if day > today:
        day = HOLIDAYS[m.group(1)](day.year - 1)  # "since labor day" in spring: last year's
    return day, today + timedelta(days=1), f"since {m.group(1).title()} ({_fmt(day)})", None


def _month_said(word: str, year: str | None, today: date):
    """The month named by `word` (and `year`), as `_month_name` reads it from a match of its own."""
    return _month_name(type("M", (), {"group": lambda self, i: (None, word, year)[i]})(), today, "monday")


def _half_month(m, today, ws):
    found = _month_said(m.group(2), m.group(3), today)
    if found is None:
        return None
    start, end = found[0], found[1]
    middle = start + timedelta(days=15)
    first = m.group(1) == "first"
    a, b = (start, middle) if first else (middle, end)
    return a, b, f"the {m.group(1)} half of {start:%B %Y} ({describe(a, b)})", "day"


def _and_the_day_before(m, today, ws):
    d = parse_date(m.group(1), today)
    if d is None or d > today:
        return None
    return d - timedelta(days=1), d + timedelta(days=1), describe(d - timedelta(days=1), d + timedelta(days=1)), "day"


def _fortnight(m, today, ws):
    return today - timedelta(days=14), today, "last 14 complete days (the past fortnight)", "day"


def _week_before_last(m, today, ws):
    start, _ = last_complete_periods(today, "week", 2, ws)
    end = start + timedelta(days=7)
    return start, end, f"the week before last ({describe(start, end)})", "week"


def _weekend(m, today, ws):
    """The last complete Saturday and Sunday before today (or the days said around it: "(fri-sun)")."""
    saturday = today - timedelta(days=(today.weekday() - 5) % 7 or 7)
    if saturday + timedelta(days=2) > today:
        saturday -= timedelta(days=7)
    start, end = _days_said(saturday, m.group(1), m.group(2)) if m.group(1) else (saturday, saturday + timedelta(days=2))
    return start, end, f"last weekend ({describe(start, end)})", "day"


def _days_said(day: date, first: str, last: str) -> tuple[date, date]:
    """The weekdays said around `day` ("fri-sun" around a Saturday): from the `first` on or before it through
    the next `last`."""
    start = day - timedelta(days=(day.weekday() - WEEKDAYS[first]) % 7)
    return start, start + timedelta(days=(WEEKDAYS[last] - WEEKDAYS[first]) % 7 + 1)


def _so_far_this(m, today, ws):
    unit = m.group(1)
    start = period_start(today, unit, ws)
    return start, today + timedelta(days=1), f"this {unit} so far ({describe(start, today + timedelta(days=1))})", unit


def _this(m, today, ws):
    unit = _unit(m.group(2))
    start = period_start(today, unit, ws)
    return start, today + timedelta(days=1), f"this {unit} so far ({describe(start, today + timedelta(days=1))})", unit


def _last_unit(m, today, ws):
    unit = _unit(m.group(2))
    start, end = last_complete_periods(today, unit, 1, ws)
    return start, end, f"last {unit} ({describe(start, end)})", unit


def _to_date(m, today, ws):
    unit = {"ytd": "year", "mtd": "month", "wtd": "week", "qtd": "quarter"}.get(m.group(0).strip(), m.group(1))
    start = period_start(today, unit, ws)
    return start, today + timedelta(days=1), f"{unit} to date ({describe(start, today + timedelta(days=1))})", None


def _start_of_this(m, today, ws):
    """"since the start of the month", "from the beginning of this week": this one so far."""
    unit = m.group(1)
    start = period_start(today, unit, ws)
    return start, today + timedelta(days=1), f"this {unit} so far ({describe(start, today + timedelta(days=1))})", None


def _latest_year(month: int, day: int, today: date) -> int:
    return today.year if date(today.year, month, day) <= today else today.year - 1


def _day_range(m, today, ws):
    """"oct 1-15", "1-15 oct": days of one month (the most recent such month, not after today)."""
    month_word, first, last = (m.group(1), m.group(2), m.group(3)) if m.group(1) else (m.group(6), m.group(4), m.group(5))
    month, a, b = MONTHS[month_word], int(first), int(last)
    if not 1 <= a <= b <= 31:
        return None
    year = _latest_year(month, a, today)
    start, end = date(year, month, a), date(year, month, b) + timedelta(days=1)
    return start, end, describe(start, end), None


def _month_range(m, today, ws):
    """"aug-oct", "aug through oct", "from august to october 2026": whole months, the last the most
    recent such month not after today (so far, if it is this one), the first before it."""
    return _two_months(m, today, in_order=bool(rx.search(r"\b(?:vs|versus|compared|or)\b", m.group(0))))


def _two_months(m, today, in_order: bool):
    """Months m.group(1) to m.group(3) (years 2 and 4, if said); `in_order`: two months compared, not a span
    across the new year ("october vs september": september and october)."""
    first, last = MONTHS[m.group(1)], MONTHS[m.group(3)]
    if in_order and last < first and not (m.group(2) or m.group(4)):
        first, last = last, first
    return _months_span(first, last, m.group(2), m.group(4), today)


_COMPARING = frozenset("the those of from in vs vs. versus compared to with against and than ones get got do did doing "
                       "perform performed look looked up any better worse".split())


def _cohort_words(said: str) -> list[str]:
    """What "the oct signups stick around better than the sept ones" says besides its two months."""
    words = [w.rstrip(".") for w in said.split()]
    return list(dict.fromkeys(w for w in words if w not in _COMPARING and w.removesuffix("'s") not in MONTHS
                              and not w.isdigit()))


def _cohort_months(m, today, ws):
    """"the sept cohorts vs the aug ones", "the oct cohort and the sept cohort": both months, in order (the words of
    the cohorts are kept in the question)."""
    return _two_months(m, today, in_order=True)


def _months_span(first: int, last: int, first_year: str | None, last_year: str | None, today: date):
    """From the first day of month `first` to the end of month `last` (the most recent one not after today)."""
    last_y = int(last_year) if last_year else _latest_year(last, 1, today)
    first_y = int(first_year) if first_year else (last_y if first <= last else last_y - 1)
    start, last_start = date(first_y, first, 1), date(last_y, last, 1)
    if last_start < start or start > today:
        return None
    end = add_months(last_start, 1)
    return start, end, describe(start, end) + (" so far" if end > today + timedelta(days=1) else ""), "month"


def _month_list(m, today, ws):
    """"aug, sep and oct", "jul, aug, sep": the months listed, from the first's start to the last's end."""
    names = rx.findall(_MONTH_NAMES_RE, m.group(0))
    return _months_span(MONTHS[names[0]], MONTHS[names[-1]], None, m.group(1), today)


def _quarter_span(m, today, ws):
    """"q3 and q4", "q3 vs q4 (to date)", "q2-q4 2026": from the first quarter's start to the last's end
    (today, when it is still running)."""
    first, last = int(m.group(1)), int(m.group(2))
    if first >= last:
        return None
    year = int(m.group(3)) if m.group(3) else today.year
    start, end = date(year, 3 * first - 2, 1), add_months(date(year, 3 * last - 2, 1), 3)
    if start > today:
        return None
    end = min(end, today + timedelta(days=1))
    return start, end, f"Q{first} – Q{last} {year} ({describe(start, end)})", "quarter"


def _part_of_month(m, today, ws):
    """"the first two weeks of november", "the last 10 days of october", "the first week of sept": days counted
    from the month's first (or back from its last) day, not calendar weeks."""
    found = _month_said(m.group(4), m.group(5), today)
    if found is None:
        return None
    days = (_num(m.group(2)) if m.group(2) else 1) * (7 if m.group(3) == "week" else 1)
    month_first, month_end = found[0], found[1]
    if days > (month_end - month_first).days:
        return None
    start, end = (month_first, month_first + timedelta(days=days)) if m.group(1) == "first" else (
        month_end - timedelta(days=days), month_end)
    return start, end, f"the {m.group(0).split('the ', 1)[-1]} ({describe(start, end)})", "day"


def _days_of_month(m, today, ws):
    """"sat 19th / sun 20th sept", "the 19th and 20th of september": days of one month said one by one."""
    month, a, b = MONTHS[m.group(3)], int(m.group(1)), int(m.group(2))
    if not 1 <= a < b <= 31:
        return None
    year = _latest_year(month, a, today)
    start, end = date(year, month, a), date(year, month, b) + timedelta(days=1)
    return start, end, describe(start, end), "day"


def _leading_up_to(m, today, ws):
    """"the 2 weeks leading up to halloween", "the 10 days before black friday": the days just before it."""
    if m.group(3):
        anchor = _holiday_day(m.group(3), m.group(4), today)
    else:
        anchor = parse_date(m.group(5), today)
    if anchor is None:
        return None
    days = (_num(m.group(1)) if m.group(1) else 1) * (7 if m.group(2) == "week" else 1)
    start = anchor - timedelta(days=days)
    return start, anchor, f"the {days} days before {_fmt(anchor)} ({describe(start, anchor)})", "day"


def _dotted(m, today, ws):
    """"20.10.", "20.10.2026": day.month, as written in much of Europe."""
    day, month = (int(m.group(1)), int(m.group(2))) if m.group(1) else (int(m.group(4)), int(m.group(5)))
    try:
        d = date(int(m.group(3)), month, day) if m.group(3) else date(_latest_year(month, day, today), month, day)
    except ValueError:
        return None
    return (d, d + timedelta(days=1), _fmt(d), "day") if d <= today else None


def _since(m, today, ws):
    d = parse_date(m.group(2), today)
    if d is None or d > today:
        return None
    return d, today + timedelta(days=1), f"since {_fmt(d)}", None


def _between(m, today, ws):
    a, b = parse_date(m.group(2), today), parse_date(m.group(3), today)
    if a is None or b is None:
        return None
    if b < a:
        a, b = b, a
    return a, b + timedelta(days=1), describe(a, b + timedelta(days=1)), None


def _to_end_of(m, today, ws):
    """"sept 1 through end of october", "from oct 3 until the end of the month": to that month's last day."""
    a = parse_date(m.group(1), today)
    if a is None:
        return None
    if m.group(2):
        month = MONTHS[m.group(2)]
        year = int(m.group(3)) if m.group(3) else a.year + (1 if month < a.month else 0)
    else:
        month, year = a.month, a.year
    end = add_months(date(year, month, 1), 1)
    if end <= a:
        return None
    end = min(end, today + timedelta(days=1))
    return a, end, describe(a, end), None


def _week_of(m, today, ws):
    d = parse_date(m.group(1), today)
    if d is None:
        return None
    start = week_start_of(d, ws)
    return start, start + timedelta(days=7), f"the week of {_fmt(start)}", "week"


def _since_week_of(m, today, ws):
    found = _week_of(m, today, ws)
    if found is None or found[0] > today:
        return None
    return found[0], today + timedelta(days=1), f"since the week of {_fmt(found[0])}", None


def _on_date(m, today, ws):
    if m.group(1).startswith("mid"):
        return None  # "mid sept" alone is no one day: the month is read instead
    d = parse_date(m.group(1), today)
    if d is None or d > today:
        return None
    return d, d + timedelta(days=1), _fmt(d), "day"


def _month_so_far(m, today, ws):
    """"november to date": that month up to today (when it is this month; a past month is the whole month)."""
    found = _month_name(m, today, ws)
    if found is None:
        return None
    start, end, _, grain = found
    end = min(end, today + timedelta(days=1))
    return start, end, f"{start:%B %Y}" + (" so far" if end == today + timedelta(days=1) else ""), grain


def _month_name(m, today, ws):
    month = MONTHS[m.group(1)]
    year = int(m.group(2)) if m.group(2) else (today.year if month <= today.month else today.year - 1)
    start = date(year, month, 1)
    if start > today and not m.group(2):
        return None  # (a month named with a future year is kept: the range step says it is after today)
    end = add_months(start, 1)
    return start, end, f"{start:%B %Y}" + (" so far" if end > today else ""), "month"


def _quarter(m, today, ws):
    q = int(m.group(1))
    if not 1 <= q <= 4:
        return None
    year = int(m.group(2)) if m.group(2) else today.year
    start = date(year, 3 * (q - 1) + 1, 1)
    if start > today and not m.group(2):
        start = date(year - 1, 3 * (q - 1) + 1, 1)
    end = add_months(start, 3)
    return start, end, f"Q{q} {start.year}" + (" so far" if end > today else ""), "quarter"


def _year(m, today, ws):
    year = int(m.group(1))
    if not 2000 <= year <= today.year + 10:
        return None
    start, end = date(year, 1, 1), date(year + 1, 1, 1)
    return start, end, f"{year}" + (" so far" if end > today else ""), "year"


def _ago(m, today, ws):
    n, unit = _num(m.group(1)), _unit(m.group(2))
    if unit == "hour" or not 1 <= n <= 520:
        return None
    start = shift(period_start(today, unit, ws), unit, -n)
    end = shift(start, unit, 1)
    return start, end, f"{n} {unit}{'s' if n > 1 else ''} ago ({describe(start, end)})", unit


def _since_month(m, today, ws):
    found = _month_name(m, today, ws)
    return None if found is None else (found[0], today + timedelta(days=1), f"since {found[0]:%B %Y}", None)


def _since_weekday(m, today, ws):
    d = _weekday(m, today, ws)[0]
    return d, today + timedelta(days=1), f"since {_fmt(d)}", None


def _since_quarter(m, today, ws):
    """"since the start of Q3", "since q3": from the quarter's first day (last year's, if it is still ahead)."""
    q = int(m.group(1))
    year = int(m.group(2)) if m.group(2) else today.year
    start = date(year, 3 * q - 2, 1)
    if start > today and not m.group(2):
        start = date(year - 1, 3 * q - 2, 1)
    return start, today + timedelta(days=1), f"since the start of Q{q} {start.year}", None


def _week_of_holiday(m, today, ws):
    """"the week of veterans day": the calendar week the holiday falls in."""
    day = _holiday_day(m.group(1), m.group(2), today)
    start = week_start_of(day, ws)
    end = start + timedelta(days=7)
    return start, end, f"the week of {m.group(1).title()} {day.year} ({describe(start, end)})", "week"


ALL_TIME = "since the data begins"


def _all_time(m, today, ws):
    """"since we started tracking", "all time": from the first data (the range step knows when that is)."""
    return date(2000, 1, 1), today + timedelta(days=1), ALL_TIME, None


def _the_day_of_month(m, today, ws):
    """"on the 3rd": that day of this month, or of last month when it is still ahead."""
    found = _since_day_of_month(m, today, ws)
    if found is None:
        return None
    d = found[0]
    return d, d + timedelta(days=1), _fmt(d), "day"


def _since_day_of_month(m, today, ws):
    """"since the 1st", "since the 15th": that day of this month, or of last month when it is still ahead."""
    day = int(m.group(1))
    month_start = today.replace(day=1)
    if day > today.day:
        month_start = (month_start - timedelta(days=1)).replace(day=1)
    last = calendar.monthrange(month_start.year, month_start.month)[1]
    if day > last:
        return None
    d = month_start.replace(day=day)
    return d, today + timedelta(days=1), f"since {_fmt(d)}", None


def _since_period(m, today, ws):
    start, _ = last_complete_periods(today, m.group(1), 1, ws)
    return start, today + timedelta(days=1), f"since the start of last {m.group(1)} ({_fmt(start)})", None


def _weekday(m, today, ws):
    wd = WEEKDAYS[m.group(2)]
    back = (today.weekday() - wd) % 7 or 7
    d = today - timedelta(days=back)
    return d, d + timedelta(days=1), _fmt(d), "day"


_B = r"(?<![\w-])"
_E = r"(?![\w-])"
# "(fri-sun)", ", sat to mon": the days of a weekend, said
_DAYS_SAID = rf"(?:\s*[(,]?\s*({_WEEKDAY_NAMES})\s*(?:-|–|to|through|thru)\s*({_WEEKDAY_NAMES})\b\)?)?"
_PATTERNS = [
    (rf"{_B}since\s+({_HOLIDAY_NAMES})(?:\s+(\d{{4}}))?{_E}", _since_holiday),
    (rf"{_B}(?:over\s+|on\s+|during\s+)?(?:the\s+)?({_HOLIDAY_NAMES})(?:\s+(\d{{4}}))?\s+(?:long\s+)?weekend(?:\s+(\d{{4}}))?"
     rf"{_DAYS_SAID}{_E}", _holiday_weekend),
    (rf"{_B}(?:in\s+|over\s+|during\s+|for\s+)?the\s+(?:{NUM_RE}\s+)?(day|week)s?\s+(?:leading\s+up\s+to|running\s+up\s+to"
     rf"|before|prior\s+to)\s+(?:({_HOLIDAY_NAMES})(?:\s+(\d{{4}}))?|({DATE_RE})){_E}", _leading_up_to),
    (rf"{_B}(?:in\s+|during\s+)?(?:the\s+)?week\s+of\s+({_HOLIDAY_NAMES})(?:\s+(\d{{4}}))?{_E}", _week_of_holiday),
    (rf"{_B}(?:on\s+)?({_HOLIDAY_NAMES})(?:\s+(\d{{4}}))?{_E}", _holiday),
    (rf"{_B}(?:in\s+|during\s+|for\s+|over\s+)?the\s+(first|last|final)\s+(?:{NUM_RE}\s+)?(day|week)s?\s+of\s+"
     rf"({_MONTH_NAMES})\.?(?:\s+(\d{{4}}))?{_E}", _part_of_month),
    (rf"{_B}(?:(?:from|between|for|in)\s+)?q([1-4])\s*(?:and|&|plus|\+|then|vs\.?|versus|to|through|thru|-|–)\s*q([1-4])"
     rf"(?:\s+(\d{{4}}))?(?:\s+(?:to\s+date|so\s+far))?{_E}", _quarter_span),
    (rf"{_B}(?:on\s+)?(?:the\s+)?(?:(?:{_WEEKDAY_NAMES})\s+)?(\d{{1,2}})(?:st|nd|rd|th)?\s*(?:/|&|and|,)\s*(?:the\s+)?"
     rf"(?:(?:{_WEEKDAY_NAMES})\s+)?"
     rf"(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({_MONTH_NAMES})\.?{_E}", _days_of_month),
    (rf"{_B}(?:in\s+|for\s+)?(?:{_MONTH_NAMES})\.?(?:\s*,\s*(?:{_MONTH_NAMES})\.?)+\s*,?\s*(?:and|&)\s*"
     rf"(?:{_MONTH_NAMES})\.?(?:\s+(\d{{4}}))?{_E}", _month_list),
    (rf"{_B}(?:in\s+|during\s+)?the\s+(first|second)\s+half\s+of\s+({_MONTH_NAMES})(?:\s+(\d{{4}}))?{_E}", _half_month),
    (rf"{_B}(?:on\s+)?({DATE_RE})\b(?:\s+\S+){{0,30}}?\s+(?:that day )?and the day before{_E}", _and_the_day_before),
    (rf"{_B}(?:since|from)\s+the\s+(?:start|beginning)\s+of\s+(?:the|this)\s+(week|month|quarter|year){_E}",
     _start_of_this),
    # "the sept cohorts vs the aug ones", "october signups compared to september's": both months
    (rf"{_B}(?:the\s+)?({_MONTH_NAMES})\.?(?:\s+(\d{{4}}))?(?:\s+|-)(?:cohorts?|signups|sign-?ups|joiners|users|ones)\s+"
     rf"(?:(?:(?:get|got|do|did|doing|perform|performed|look|looked|retain|retained|hold|held|up|any|better|worse)\s+)*and"
     rf"|(?:[\w']+\s+){{0,5}}?(?:than|vs\.?|versus|compared\s+(?:to|with)|against))\s+(?:the\s+|those\s+(?:of|from|in)\s+)?({_MONTH_NAMES})"
     rf"(?:'s)?\.?(?:\s+(\d{{4}}))?(?:\s+(?:ones|cohorts?|signups|sign-?ups|joiners|users))?{_E}", _cohort_months),
    (rf"{_B}(?:(?:from|between)\s+)?({_MONTH_NAMES})\.?(?:\s+(\d{{4}}))?\s*(?:-|–|to|through|thru|until|and"
     rf"|vs\.?|versus|compared\s+to|or)\s*({_MONTH_NAMES})\.?(?:\s+(\d{{4}}))?{_E}", _month_range),
    (rf"{_B}(?:(?:{_MONTH_NAMES_RE})\.?\s+(\d{{1,2}})\s*(?:-|–|to|through|thru)\s*(\d{{1,2}})"
     rf"|(\d{{1,2}})\s*(?:-|–)\s*(\d{{1,2}})\s+({_MONTH_NAMES}))(?![\w-]|/)", _day_range),
    (r"(?<![\w.-])(?:on\s+)?(\d{1,2})\.(\d{1,2})\.(\d{4})?(?!\d)|(?<![\w.-])on\s+(\d{1,2})\.(\d{1,2})(?![\d.])",
     _dotted),
    (rf"{_B}(?:from\s+)?({DATE_RE})\s*(?:to|until|till|through|thru|-|–)\s*(?:the\s+)?end\s+of\s+"
     rf"(?:({_MONTH_NAMES})\.?(?:\s+(\d{{4}}))?|the\s+month){_E}", _to_end_of),
    (rf"{_B}(between|from)\s+({DATE_RE})\s+(?:and|to|until|through|-|–)\s+({DATE_RE}){_E}", _between),
    (rf"{_B}()({DATE_RE})\s*(?:to|until|through|-|–)\s*({DATE_RE}){_E}", _between),
    (rf"{_B}since\s+(?:the\s+)?week\s+of\s+({DATE_RE}){_E}", _since_week_of),
    (rf"{_B}(?:the\s+)?week\s+of\s+({DATE_RE}){_E}", _week_of),
    (rf"{_B}(since|after|starting|from)\s+({DATE_RE}){_E}", _since),
    (rf"{_B}(?:since|starting(?:\s+(?:in|from|with))?|beginning(?:\s+(?:in|with))?)\s+(?:the\s+(?:start|beginning)\s+of\s+)?"
     rf"({'|'.join(n for n in MONTHS if len(n) > 2)})(?:\s+(\d{{4}}))?{_E}",
     _since_month),
    (rf"{_B}since\s+(last\s+)?({_WEEKDAY_NAMES}){_E}", _since_weekday),
    (rf"{_B}since\s+the\s+(\d{{1,2}})(?:st|nd|rd|th){_E}", _since_day_of_month),
    (rf"{_B}since\s+(?:the\s+(?:start|beginning)\s+of\s+)?q([1-4])(?:\s+(\d{{4}}))?{_E}", _since_quarter),
    (rf"{_B}(?:since\s+(?:we|you|they)\s+(?:started|began)\s+(?:tracking|collecting|recording)(?:\s+(?:data|events|it))?"
     rf"|since\s+(?:the\s+)?(?:very\s+)?(?:beginning|start)(?:\s+of\s+(?:time|tracking|the\s+data)|(?!\s+of\b))"
     rf"|since\s+day\s+(?:one|1)|since\s+(?:the\s+|our\s+)?launch(?:\s+day)?"
     rf"|since\s+(?:we|you|they)\s+(?:launched|opened|went\s+live)(?:\s+(?:the|our)\s+(?:store|shop|app|site|product))?"
     rf"|since\s+(?:the|our)\s+(?:store|shop|app|site|product)\s+(?:launched|opened|went\s+live)"
     rf"|(?:of|for|over|in)\s+all[\s-]+time|all[\s-]+time|since\s+forever){_E}", _all_time),
    (rf"{_B}(?:on|say|like)\s+the\s+(\d{{1,2}})(?:st|nd|rd|th){_E}(?!\s+(?:day|week|month|step|event|page|time))",
     _the_day_of_month),
    (rf"{_B}since\s+(?:the\s+start\s+of\s+)?last\s+(week|month|quarter|year){_E}", _since_period),
    (rf"{_B}{NUM_RE}\s+{UNIT_RE}\s+ago{_E}", _ago),
    (rf"{_B}day before yesterday{_E}", _day_before_yesterday),
    (rf"{_B}today{_E}", _today),
    (rf"{_B}(?:yesterday|yday|yesterdays?)(?:'s)?{_E}", _yesterday),
    (rf"{_B}(?:in\s+|over\s+|for\s+|during\s+)?(?:the\s+)?(?:last|past|previous|prior)\s+fortnight{_E}", _fortnight),
    (rf"{_B}(?:the\s+)?week\s+before\s+last{_E}", _week_before_last),
    (rf"{_B}(?:over\s+|on\s+|during\s+)?(?:the\s+|last\s+|this\s+past\s+)weekend{_DAYS_SAID}{_E}", _weekend),
    (rf"{_B}so\s+far\s+this\s+(week|month|quarter|year){_E}", _so_far_this),
    (rf"{_B}(?:in\s+|over\s+|for\s+|during\s+)?(?:the\s+)?(last|past|previous|prior|trailing)\s+{NUM_RE}{FULL}\s+{UNIT_RE}{_E}",
     _last_n),
    # "can you extend that to 60 days", "make it 90 days", "stretch it out to the last 6 months": the last N of them
    (rf"{_B}(?:extend|expand|widen|stretch|lengthen|make|change|bump|push|open)()(?:\s+(?:it|that|this|the\s+(?:range|window"
     rf"|period|time\s+frame|timeframe|chart|lookback)))?(?:\s+(?:out|up|back))?(?:\s+(?:out\s+)?to)?\s+(?:the\s+)?"
     rf"(?:(?:last|past|previous)\s+)?{NUM_RE}\s+{UNIT_RE}{_E}", _last_n),
    (rf"{_B}(?:in\s+|over\s+|for\s+)?(?:the\s+)?(last|past|previous|prior|trailing)\s+(\d{{1,4}})\s*(d|w|wk|mo|h|hr)"
     rf"{_E}", _last_n),
    (rf"{_B}(?:in\s+|over\s+|for\s+|during\s+)?(?:the\s+)?(last|past|previous|prior){FULL}\s+{UNIT_RE}{_E}", _last_unit),
    (rf"{_B}(this|current)\s+{UNIT_RE}(?:\s+so\s+far)?{_E}", _this),
    (rf"{_B}(?:(week|month|quarter|year)[\s-]+to[\s-]+date|ytd|mtd|wtd|qtd){_E}", _to_date),
    (rf"{_B}(?:on\s+)?(last\s+|on\s+)({_WEEKDAY_NAMES}){_E}", _weekday),
    (rf"{_B}()({'|'.join(n.lower() for n in calendar.day_name)}){_E}", _weekday),
    (rf"{_B}(?:on\s+)?({DATE_RE}){_E}", _on_date),
    (rf"{_B}(?:in\s+)?q([1-4])(?:\s+(\d{{4}}))?{_E}", _quarter),
    (rf"{_B}({_MONTH_NAMES})(?:\s+(\d{{4}}))?\s+(?:to date|so far|till now|until now|up to now){_E}", _month_so_far),
    (rf"{_B}(?:in|during)\s+({_MONTH_NAMES})(?:\s+(\d{{4}}))?{_E}", _month_name),
    (rf"{_B}({'|'.join(n for n in MONTHS if len(n) > 3)})(?:\s+(\d{{4}}))?{_E}", _month_name),
    (rf"{_B}({'|'.join(n for n in MONTHS if len(n) == 3 and n != 'may')})(?:\s+(\d{{4}}))?"
     rf"(?=\s*[,.;)]|\s*$|\s+(?:only|signups|cohort)){_E}", _month_name),
    (rf"{_B}(?:in|during)\s+(\d{{4}}){_E}", _year),
]

# ---- a thread's follow-up: time said relative to the question before ----

SAME_AGO = re.compile(rf"{_B}(?:(?:on|for|over|in)\s+)?(?:the\s+)?same\s+(?:day|days|date|dates|period|time|stretch|window)"
                       rf"\s+(?:(?:last|a|one|the)\s+(week|month|year)(?:\s+(?:ago|before|earlier))?"
                       rf"|(?:in|of)\s+({_MONTH_NAMES})\.?(?:\s+(\d{{4}}))?){_E}")
_DAY_OF_THREAD = re.compile(rf"{_B}(?:(?:on|say|like)\s+)?the\s+(\d{{1,2}})(?:st|nd|rd|th){_E}"
                            rf"(?!\s+(?:day|week|month|step|event|page|time|of)\b)")


LAST_N_BARE = re.compile(rf"{_B}(?:the\s+)?(?:last|past|previous|prior)\s+(\d{{1,4}})(?![\w.:/-]|\s*(?:%|pct|percent))"
                          rf"(?!\s+(?:{UNIT_RE}|d|w|wk|mo|h|hr)\b)")


def _thread_unit(start: date, end: date, week_start: str) -> str:
    """The unit the thread's range was counted in: whole months, whole weeks, or days."""
    if start.day == 1 and end.day == 1:
        return "month"
    if (end - start).days % 7 == 0 and start.weekday() == WEEKDAYS[week_start] == end.weekday():
        return "week"
    return "day"


def _last_n_of_thread(text: str, start: date, end: date, today: date, ws: str) -> tuple[DateRange, str] | None:
    """"make that the last 30" after "dau last 7 days": the last 30 of the thread's unit (days)."""
    m = LAST_N_BARE.search(text)
    if m is None or find_range(text, today, ws)[0] is not None:  # "last 8 full weeks" says its unit
        return None
    unit = _thread_unit(start, end, ws)
    found = find_range(f"last {m.group(1)} {unit}s", today, ws)[0]
    if found is None:
        return None
    rest = rx.sub(r"\s+", " ", text[: m.start()] + " " + text[m.end():]).strip()
    return replace(found, words=m.group(0).strip()), rest


def thread_range(text: str, start: date, end: date, today: date, ws: str = "monday") -> tuple[DateRange, str] | None:
    """A range said against the thread's range [start, end): "the same day last week" (it, a week earlier),
    "the same days in october" (its days, in that month), "say the 24th" (that day of its month), "make that
    the last 30" (its unit)."""
    m = SAME_AGO.search(text)
    if m is None and not _DAY_OF_THREAD.search(text):
        return _last_n_of_thread(text, start, end, today, ws)
    if m and m.group(1):
        a, b = shift(start, m.group(1), -1), shift(end, m.group(1), -1)
    elif m:
        month = MONTHS[m.group(2)]
        year = int(m.group(3)) if m.group(3) else _latest_year(month, 1, today)
        a = date(year, month, min(start.day, calendar.monthrange(year, month)[1]))
        b = a + (end - start)
    else:
        m = _DAY_OF_THREAD.search(text)
        last = end - timedelta(days=1)
        if m is None or int(m.group(1)) > calendar.monthrange(last.year, last.month)[1] or int(m.group(1)) < 1:
            return None
        a = last.replace(day=int(m.group(1)))
        b = a + timedelta(days=1)
    if a > today or b <= a:
        return None
    rest = rx.sub(r"\s+", " ", text[: m.start()] + " " + text[m.end():]).strip()
    return DateRange(a, min(b, today + timedelta(days=1)), describe(a, min(b, today + timedelta(days=1))),
                     m.group(0).strip(), "day" if (b - a).days == 1 else None), rest
