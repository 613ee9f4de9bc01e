"""user_path and session_flows: the most common sequences of events, counted, with their share."""

from __future__ import annotations

from charts.spec import PathChart

from ..formatting import count, fmt_number, range_words
from ..model import KeyNumber, Presentation, PresentEnv, Table
from .common import range_phrase

START, END = "(session start)", "(session end)"


def _session_definition(p: dict) -> str:
    gap = p["session_gap_minutes"]
    return (f"Session: a person's events with no gap over {gap} minutes (session_gap_minutes=N to change; Segment and "
            "dbt use 30, Mode's Playbook 10), across their devices and sources; anonymous visitors count per device; "
            "server-sent events are left out.")


def _ranked(env: PresentEnv, count_col: str, label) -> tuple[list[tuple[str, int, int]], int, int]:
    """[(path label, count, people)] most common first, and the totals (count, people)."""
    steps = int(env.request.params["steps"])
    rows = env.result.as_dicts()
    total = next((r for r in rows if int(r["is_total"]) == 1), {count_col: 0, "users": 0})
    paths = [(label([r[f"step_{k}"] for k in range(1, steps + 1)]), int(r[count_col]), int(r["users"]))
             for r in rows if int(r["is_total"]) == 0]
    paths.sort(key=lambda x: (-x[1], x[0]))
    return paths, int(total[count_col] or 0), int(total["users"] or 0)


def _present(env: PresentEnv, title: str, noun: str, count_col: str, label, definitions: list[str],
             empty: str) -> Presentation:
    shown, total, people = _ranked(env, count_col, label)  # the query keeps the top N, ties at the cut-off too
    if shown:
        best, n, _ = shown[0]
        headline = (f"Most common: {best} — {fmt_number(n / total if total else None, 'pct')} of {fmt_number(total)} "
                    f"{noun} (n={fmt_number(n)})")
    else:
        headline = empty
    covered = sum(n for _, n, _ in shown)
    lines = [f"The top {len(shown)} cover {fmt_number(covered / total, 'pct')} of {fmt_number(total)} {noun} by "
             f"{count(people, 'person')}"] if shown and total else []
    table = Table(("#", "Path", noun.capitalize(), "Share", "People"), tuple(
        (str(i + 1), path, fmt_number(n), fmt_number(n / total if total else None, "pct"), fmt_number(u))
        for i, (path, n, u) in enumerate(shown)), (True, False, True, True, True))
    chart = PathChart(title=title, subtitle=f"{range_phrase(env)} · {fmt_number(total)} {noun}",
                      paths=tuple(tuple(path.split(" → ")) for path, _, _ in shown),
                      values=tuple(float(n) for _, n, _ in shown),
                      annotations=tuple(f"{fmt_number(n)} ({fmt_number(n / total if total else None, 'pct')})"
                                        for _, n, _ in shown))
    return Presentation(title=f"{title} · {range_phrase(env)}", headline=headline,
                        key=KeyNumber(f"{noun} on the most common path", float(shown[0][1]) if shown else None),
                        table=table, chart=chart, lines=lines, definitions=definitions)


def present_user_path(env: PresentEnv) -> Presentation:
    p = env.request.params
    steps, target, after = int(p["steps"]), p["event"], p.get("direction") == "after"
    word = "after" if after else "before"

    def label(cells: list) -> str:
        kept = [c for c in cells if c is not None]
        if after:
            return " → ".join(kept + ([END] if len(kept) < len(cells) else [])) if kept else f"{END} (last event)"
        return " → ".join(([START] if len(kept) < len(cells) else []) + kept) if kept else f"{START} (first event)"

    cut = f"{END} means the session ended" if after else f"{START} means the session began"
    return _present(
        env, f"The {steps} events {word} {target}" if steps > 1 else f"The event {word} {target}", "occurrences",
        "occurrences", label,
        [f"Path: the {steps} events just {word} each {target} in the same session, oldest first; repeats are kept; "
         f"{cut} fewer than {steps} events away. Ties at the cut-off are all shown.",
         _session_definition(p)],
        f"Nobody did {target} {range_words(range_phrase(env))}")


def present_session_flows(env: PresentEnv) -> Presentation:
    p = env.request.params
    steps = int(p["steps"])

    def label(cells: list) -> str:
        kept = [c for c in cells if c is not None]
        return " → ".join(kept + ([END] if len(kept) < len(cells) else []))

    return _present(
        env, f"How sessions start: the first {steps} events", "sessions", "sessions", label,
        [f"Path: the first {steps} events of each session that started in the range; {END} means the session had "
         f"fewer events. Ties at the cut-off are all shown.", _session_definition(p)],
        f"No sessions started {range_words(range_phrase(env))}")
