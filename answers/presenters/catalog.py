"""top_events: the events people can ask about, ranked, with how fresh each Segment source is and,
for "what can I ask?", a short guide to the other playbooks."""

from __future__ import annotations

from charts.spec import BarChart, Series

from ..formatting import as_datetime, behind, count, fmt_number, range_words
from ..model import KeyNumber, Presentation, PresentEnv, Table
from .common import range_phrase

GUIDE_PLAYBOOKS = 20  # "what can I ask?" lists this many playbooks with one example each; `help` lists all


def _seen(value) -> str:
    moment = as_datetime(value)
    return f"{moment:%Y-%m-%d %H:%M}" if moment else "—"


def freshness_lines(env: PresentEnv) -> list[str]:
    """'messenger_web: last event received 2026-11-20 16:29 UTC (31 min ago)', one per source."""
    out = []
    for source, received in sorted(env.freshness.items()):
        if received is None:
            out.append(f"Source {source}: nothing received in the last {env.catalog.window_days} days")
        else:
            ago = (env.now_utc - received) if env.now_utc else None
            when = "" if ago is None else f" ({behind(ago)} ago)" if ago.total_seconds() >= 0 else (
                f" ({behind(-ago)} after now: a clock is off)")
            out.append(f"Source {source}: last event received {received:%Y-%m-%d %H:%M} UTC{when}")
    return out


def guide_lines(env: PresentEnv) -> list[str]:
    if env.library is None:
        return []
    others = [pb for pb in env.library.all() if pb.id != env.playbook.id and pb.examples]
    lines = ["You can ask, for example:"]
    lines += [f"• {pb.title}: “{pb.examples[0]}”" for pb in others[:GUIDE_PLAYBOOKS]]
    more = f" ({len(others) - GUIDE_PLAYBOOKS} more playbooks there)" if len(others) > GUIDE_PLAYBOOKS else ""
    lines.append(f"Ask “help” for every playbook with more examples{more}; name any event above in a question.")
    return lines


def present_top_events(env: PresentEnv) -> Presentation:
    p = env.request.params
    top = int(p["top"])
    rows = env.result.as_dicts()
    total = next((r for r in rows if int(r["is_total"]) == 1), None) or {"occurrences": 0, "people": 0}
    events = sorted((r for r in rows if int(r["is_total"]) == 0), key=lambda r: (-int(r["occurrences"]),
                                                                                 str(r["event_name"])))
    occurrences = int(total["occurrences"] or 0)
    phrase = range_phrase(env)

    def share(n) -> str:
        return fmt_number(int(n) / occurrences if occurrences else None, "pct")

    if events:
        headline = (f"{count(len(events), 'event')} tracked {range_words(phrase)}: {count(occurrences, 'occurrence')} by "
                    f"{count(total['people'], 'person')}")
        best = events[0]
        lines = [f"Most common: {best['event_name']} ({fmt_number(best['occurrences'])}, {share(best['occurrences'])})"]
    else:
        headline, lines = f"No events {range_words(phrase)}", []
    lines += freshness_lines(env)
    if p.get("guide"):
        lines += guide_lines(env)
    shown = events[:top]
    if len(events) > len(shown):
        lines.append(f"Showing the top {len(shown)} of {len(events)} events (top=N for more).")

    def kind(name: str) -> str:
        info = env.catalog.event(name)
        return info.kind if info else "—"

    def sources(name: str) -> str:
        info = env.catalog.event(name)
        return ", ".join(info.sources) if info else "—"

    table = Table(
        ("#", "Event", "Type", "Occurrences", "Share", "People", "First seen", "Last seen", "Sources"),
        tuple((str(i + 1), str(r["event_name"]), kind(r["event_name"]), fmt_number(r["occurrences"]),
               share(r["occurrences"]), fmt_number(r["people"]), _seen(r["first_seen"]), _seen(r["last_seen"]),
               sources(r["event_name"])) for i, r in enumerate(shown)),
        (True, False, False, True, True, True, False, False, False))
    chart = BarChart(
        title=f"Top {len(shown)} events" if len(events) > len(shown) else "Events tracked",
        subtitle=f"{phrase} · {fmt_number(occurrences)} occurrences · {fmt_number(len(events))} events",
        labels=tuple(str(r["event_name"]) for r in shown),
        series=(Series("occurrences", tuple(float(r["occurrences"]) for r in shown)),),
        annotations=tuple(f"{fmt_number(r['occurrences'])} ({share(r['occurrences'])})" for r in shown)) if shown else None
    return Presentation(
        title=f"Events tracked · {phrase}", headline=headline, key=KeyNumber("events tracked", float(len(events))),
        table=table, chart=chart, lines=lines,
        definitions=[
            "Events: track calls by name, page views as 'Viewed <name> Page', screen views as 'Viewed <name> Screen', "
            "across the configured sources, server-sent events included. People: distinct people (stitched across "
            "devices; an anonymous visitor counts once per device). First/last seen: the first and last occurrence in "
            f"the range, {env.timezone}. Type and Sources: from the catalog (last {env.catalog.window_days} days).",
            "Freshness: a source's latest received_at (when Segment loaded the event), in UTC."])
