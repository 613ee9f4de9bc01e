"""Mode's own Playbook SQL beside Playbot's answer for the same report, on the same warehouse.

    .venv/bin/python bench/run.py --mode-repo /work/mode-playbook              # 1M and 4M, DuckDB and PostgreSQL
    .venv/bin/python bench/run.py --mode-repo DIR --mode-sizes 1M --repeat 3 --mode-engines duckdb

DIR is a checkout of the public repository https://github.com/mode/playbook (MIT licence). Nothing of
Mode's SQL is kept in this project: every report is read from DIR when the bench runs, then

1. Liquid parameters are rendered with the defaults the report's own `{% form %}` block declares
   (Describing Retention: time_interval = month); `{% elsif %}` is Liquid's `{% elif %}`.
2. The contract CTEs are adapted to the Segment warehouse, as Mode's Playbook asks: only the
   `users` and `events` CTEs (and Interventions' `interventions`) change. Each keeps its own select list
   and filter; the Mode sample table it reads is replaced by a relation with that table's columns:
     tutorial.playbook_users, benn.sample_customer_table -> users from the signup event:
         one row per person, the first `Signed Up` (the `signed_up` table of each source), user_id =
         COALESCE(user_id, anonymous_id), activated_at = its `timestamp`
     tutorial.playbook_events, benn.sample_event_table -> events from the `tracks` table of each source:
         user_id = COALESCE(user_id, anonymous_id), occurred_at = `timestamp`, event_name = `event_text`
         with Mode's sample event names for the events the report counts (SAMPLE_NAMES), event_type =
         'signup_flow' for Signed Up, else 'engagement'; Email Sent is not an event here (Mode keeps
         emails in their own table):
     tutorial.playbook_emails -> the `email_sent` table, action = 'sent_reengagement_email' (the demo's
         emails are its re-engagement emails).
3. Values that belong to Mode's sample data, not to the report's logic: NOW() is the bench's clock
   (the same moment Playbot's clock is set to), and the report's fixed dates are moved by the same
   number of days so that the sample data's last day, 2014-10-31, is the bench data's last day.
4. DuckDB: sqlglot translates the PostgreSQL text (the same `Warehouse.translate` Playbot's SQL goes
   through); no other rewrite is made.

The adapted text runs through the same `Warehouse.run` (same process, connection pool and timeout)
as Playbot's answer to the mapped question, which is timed as in the main bench: `Answerer.answer`
with the result cache off, after one warm-up run each.
"""

from __future__ import annotations

import re
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import jinja2
import sqlglot
import yaml
from sqlglot import exp

MODE_URL = "https://github.com/mode/playbook"
MODE_DATA_END = date(2014, 10, 31)  # the last day of Mode's sample data (Describing Retention's "now")
CONTRACT_CTES = ("users", "events", "interventions")


@dataclass(frozen=True)
class ModeReport:
    name: str
    path: str  # inside the Mode checkout
    question: str  # the Playbot question that answers it over Mode's window ({start}: the data's first day)
    everyday: str  # the same question as people ask it (Playbot's default range)
    names: dict[str, str] = field(default_factory=dict)  # Mode sample event name -> the demo's event_text
    note: str = ""


# Mode's five sample features, as five of the demo's tracked features
FEATURES = {"home_page": "Application Opened", "search_run": "Friend Added", "send_message": "Message Sent",
            "like_message": "Sticker Sent", "view_inbox": "Photo Shared"}
FIVE = "application opened, friend added, message sent, sticker sent, photo shared"
REPORTS = [
    ModeReport("Describing Retention", "retention_playbook/describing_retention/postgres.sql",
               "monthly retention since signup since {start}", "monthly retention since signup"),
    ModeReport("Retention Cohorts", "retention_playbook/retention_cohorts/postgres.sql",
               "n-day retention since {start}", "n-day retention"),
    ModeReport("Metrics That Matter (part 1)", "retention_playbook/metrics_that_matter_p1/postgres.sql",
               f"retention drivers of {FIVE} since {{start}}", "retention drivers", FEATURES),
    ModeReport("Metrics That Matter (part 2)", "retention_playbook/metrics_that_matter_p2/postgres.sql",
               f"retention drivers of {FIVE} since {{start}}", "retention drivers", FEATURES,
               "the same SQL as part 1 in Mode's repository"),
    ModeReport("How Users Move Through Your Product",
               "user_behavior_playbook/how_users_move_through_your_product/postgres.sql",
               "how do users move through the product since {start} session_gap_minutes=10",
               "how do users move through the product"),
    ModeReport("Measuring Feature Use", "user_behavior_playbook/measuring_feature_use/postgres.sql",
               f"daily adoption of {FIVE} since {{start}}", "sticker adoption", FEATURES),
    ModeReport("When Do Users Slip Away", "user_behavior_playbook/when_do_users_slip_away/postgres.sql",
               "when do message senders slip away since {start}", "when do message senders slip away",
               {"send_message": "Message Sent"}),
    ModeReport("How Effective Are Interventions",
               "user_behavior_playbook/how_effective_are_interventions/postgres.sql",
               "intervention impact since {start}", "intervention impact", {"login": "Application Opened"}),
]
# Reports Playbot has that Mode's repository has no SQL for (growth accounting; the User Path report is
# described in Mode's blog post only)
NOT_IN_MODE = {"growth accounting": "growth_accounting", "user paths before message sent": "user_path"}


class ModeRepoError(Exception):
    """The Mode checkout is missing, is not one, or lacks a report: said in one line, no traceback."""


# ---------------------------------------------------------------------------------------- reading
def read_report(repo: Path | str, report_path: str) -> str:
    repo = Path(repo)
    if not repo.is_dir():
        raise ModeRepoError(f"--mode-repo {repo}: no such directory. Check out {MODE_URL} "
                            f"(git clone {MODE_URL}.git) and pass its path.")
    if not (repo / "retention_playbook").is_dir() and not (repo / "user_behavior_playbook").is_dir():
        raise ModeRepoError(f"--mode-repo {repo}: not a checkout of {MODE_URL} "
                            "(no retention_playbook/ or user_behavior_playbook/ folder).")
    file = repo / report_path
    if not file.is_file():
        raise ModeRepoError(f"--mode-repo {repo}: {report_path} is missing (an older or changed checkout?).")
    return file.read_text(encoding="utf-8")


# ---------------------------------------------------------------------------------------- Liquid
FORM = re.compile(r"\{%\s*form\s*%\}(.*?)\{%\s*endform\s*%\}", re.S)


def render_liquid(text: str, overrides: dict[str, str] | None = None) -> tuple[str, dict[str, str]]:
    """Mode's Liquid template -> SQL, each parameter at its `{% form %}` default (or an override)."""
    params: dict[str, str] = {}
    for block in FORM.findall(text):
        for name, spec in (yaml.safe_load(block) or {}).items():
            if isinstance(spec, dict) and "default" in spec:
                params[name] = str(spec["default"])
    params.update(overrides or {})
    body = FORM.sub("", text)
    body = re.sub(r"\{%\s*elsif\b", "{% elif", body)
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False)
    try:
        return env.from_string(body).render(**params), params
    except jinja2.TemplateError as exc:
        raise ModeRepoError(f"cannot render the report's Liquid: {exc}") from None


# ---------------------------------------------------------------------------------------- adapting
def adapt(sql: str, relations: dict[str, str], now: datetime, data_end: date) -> str:
    """The report with its contract CTEs reading `relations` (Mode table -> SELECT), PostgreSQL text.

    Only tables inside the contract CTEs are replaced; a Mode table anywhere else, or an unknown table
    inside a contract CTE, is refused (the report would not be Mode's contract any more)."""
    try:
        tree = sqlglot.parse_one(sql, read="postgres")
    except sqlglot.errors.SqlglotError as exc:
        raise ModeRepoError(f"cannot parse the report's SQL: {str(exc).splitlines()[0]}") from None
    ctes = {cte.alias: cte for cte in tree.find_all(exp.CTE)}
    missing = [name for name in ("events",) if name not in ctes]
    if missing:
        raise ModeRepoError("the report has no `events` CTE: not a Playbook report")
    for name, cte in ctes.items():
        if name not in CONTRACT_CTES:
            continue
        for table in list(cte.find_all(exp.Table)):
            key = f"{table.db}.{table.name}" if table.db else table.name
            if key not in relations:
                raise ModeRepoError(f"the `{name}` CTE reads {key}, which has no Segment relation")
            sub = sqlglot.parse_one(relations[key], read="postgres").subquery(table.alias or table.name)
            table.replace(sub)
    for table in tree.find_all(exp.Table):
        key = f"{table.db}.{table.name}"
        if key in relations:
            raise ModeRepoError(f"{key} is read outside the contract CTEs")
    return _values(tree, now, data_end).sql(dialect="postgres", pretty=True)


def _values(tree: exp.Expression, now: datetime, data_end: date) -> exp.Expression:
    """NOW() -> the bench clock; the sample data's dates -> the same days relative to the data's end."""
    shift = data_end - MODE_DATA_END
    clock = exp.cast(exp.Literal.string(now.strftime("%Y-%m-%d %H:%M:%S")), "TIMESTAMP")

    def swap(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.CurrentTimestamp):
            return clock.copy()
        if isinstance(node, exp.Literal) and node.is_string and re.fullmatch(r"\d{4}-\d{2}-\d{2}", node.this):
            return exp.Literal.string((date.fromisoformat(node.this) + shift).isoformat())
        return node

    return tree.transform(swap)


def _names_case(column: str, names: dict[str, str]) -> str:
    if not names:
        return column
    whens = " ".join(f"WHEN '{text}' THEN '{mode}'" for mode, text in names.items())
    return f"CASE {column} {whens} ELSE {column} END"


def segment_relations(sources: list[str], tables: set[tuple[str, str]], quote: Callable[..., str],
                      names: dict[str, str]) -> dict[str, str]:
    """Mode's sample tables as SELECTs over the Segment sources (see the module docstring)."""
    def union(table: str, cols: str, where: str = "") -> str:
        parts = [f"SELECT {cols} FROM {quote(s, table)}{where}" for s in sources if (s, table) in tables]
        if not parts:
            raise ModeRepoError(f"no source in {', '.join(sources)} has a {table} table")
        return " UNION ALL ".join(parts)

    ts = '"timestamp"'
    signups = union("signed_up", f"user_id, anonymous_id, {ts}")
    tracks = union("tracks", f"user_id, anonymous_id, event_text, {ts}", " WHERE event_text <> 'Email Sent'")
    sent = union("email_sent", f"user_id, anonymous_id, {ts}")
    users = ("SELECT COALESCE(s.user_id, s.anonymous_id) AS user_id, MIN(s.\"timestamp\") AS activated_at "
             f"FROM ({signups}) s GROUP BY COALESCE(s.user_id, s.anonymous_id)")
    events = ("SELECT COALESCE(t.user_id, t.anonymous_id) AS user_id, "
              f"{_names_case('t.event_text', names)} AS event_name, t.\"timestamp\" AS occurred_at, "
              "CASE WHEN t.event_text = 'Signed Up' THEN 'signup_flow' ELSE 'engagement' END AS event_type "
              f"FROM ({tracks}) t")
    emails = ("SELECT COALESCE(m.user_id, m.anonymous_id) AS user_id, m.\"timestamp\" AS occurred_at, "
              f"'sent_reengagement_email' AS action FROM ({sent}) m")
    return {
        "tutorial.playbook_users": users,
        "tutorial.playbook_events": events,
        "tutorial.playbook_emails": emails,
        "benn.sample_customer_table": f"SELECT u.user_id AS customer_id, u.activated_at AS signup_date FROM ({users}) u",
        "benn.sample_event_table": ("SELECT e.user_id AS customer_id, e.event_name, e.occurred_at AS event_date "
                                    f"FROM ({events}) e"),
    }


def mode_sql(repo: Path | str, report: ModeReport, sources: list[str], tables: set[tuple[str, str]],
             quote: Callable[..., str], now: datetime) -> tuple[str, dict[str, str]]:
    """The report read from the checkout, rendered and adapted (PostgreSQL text), and its parameters."""
    text, params = render_liquid(read_report(repo, report.path))
    relations = segment_relations(sources, tables, quote, report.names)
    return adapt(text, relations, now, now.date()), params


def check_repo(repo: Path | str) -> list[str]:
    """Every report's problem with the checkout (empty when all of them can be read)."""
    problems = []
    for report in REPORTS:
        try:
            read_report(repo, report.path)
        except ModeRepoError as exc:
            problems.append(str(exc))
    return list(dict.fromkeys(problems))


# ---------------------------------------------------------------------------------------- timing
def time_mode(warehouse, sql: str, repeat: int, timeout: float) -> dict:
    """Median ms of the adapted report on `warehouse` (one warm-up run first), or the reason it cannot run."""
    try:
        text = warehouse.translate(sql)
        first = warehouse.run(text, row_cap=1_000_000, timeout=timeout)
    except Exception as exc:  # noqa: BLE001 - any engine failure is a table cell, not a crash
        return {"error": _first_line(exc)}
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        warehouse.run(text, row_cap=1_000_000, timeout=timeout)
        times.append((time.perf_counter() - t0) * 1000)
    return {"median": statistics.median(times), "rows": len(first.rows)}


def time_playbot(answerer, text: str, repeat: int) -> dict:
    """Median ms of Playbot's answer (result cache off, after a warm-up), and the part spent in queries."""
    from answer_timing import uncached_answer_times

    from answers import Answer

    request = answerer.parse(text)
    first, total, queries = uncached_answer_times(answerer, request, repeat)
    if not isinstance(first, Answer):
        return {"error": getattr(first, "message", str(first))}
    read = next((d for d in getattr(first, "definitions", ()) if d.startswith("From ")), "")
    return {"median": statistics.median(total), "queries_ms": statistics.median(queries),
            "playbook": request.playbook, "rollup": read.startswith("From the activity rollup")}


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "message", "") or exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:200]


def compare(answerer, repo: Path | str, sources: list[str], repeat: int, timeout: float, now: datetime,
            start: date, engine: str, only: tuple[str, ...] = ()) -> list[dict]:
    """Every Mode report beside Playbot's answer on the answerer's Segment warehouse: one row each.
    `start`: the data's first day (Mode's reports read all of it; Playbot is asked for the same window)."""
    warehouse = answerer.warehouses["segment"]
    tables = set(warehouse.columns(sources))
    rows = []
    for report in selected(only):
        sql, params = mode_sql(repo, report, sources, tables, warehouse.quote, now)
        mode = time_mode(warehouse, sql, repeat, timeout)
        question = report.question.format(start=start.isoformat())
        bot = time_playbot(answerer, question, repeat)
        everyday = time_playbot(answerer, report.everyday, repeat)
        rows.append({"report": report.name, "file": report.path, "question": question, "params": params,
                     "mode": mode, "playbot": bot, "everyday": everyday, "everyday_question": report.everyday,
                     "note": report.note, "n": repeat})
        print(f"  mode {engine:8} {report.name:40} mode {_cell(mode)} ms, playbot {_cell(bot)} ms, "
              f"everyday {_cell(everyday)} ms", flush=True)
    return rows


def selected(only: tuple[str, ...] = ()) -> list[ModeReport]:
    """The reports whose name contains one of `only` (case-insensitive), or all of them."""
    return [r for r in REPORTS if not only or any(o.lower() in r.name.lower() for o in only)]


def merge(old: list[dict], new: list[dict]) -> list[dict]:
    """Rows re-measured (`new`) replace the same reports in `old`; the order is REPORTS'."""
    by_name = {row["report"]: row for row in old} | {row["report"]: row for row in new}
    return [by_name[r.name] for r in REPORTS if r.name in by_name]


def _cell(row: dict) -> str:
    return f"{row['median']:.0f}" if "median" in row else f"error: {row['error']}"


# ---------------------------------------------------------------------------------------- report
START, END_MARK = "<!-- mode-playbook comparison -->", "<!-- /mode-playbook comparison -->"


def section(results: dict[tuple[str, str], list[dict]], repeat: int, loads: tuple, started: datetime,
            repo_commit: str) -> str:
    """The RESULTS.md section: one table per engine."""
    (load_start, load_end) = loads
    lines = [START, f"## Mode's Playbook SQL beside Playbot ({started:%Y-%m-%d %H:%M} UTC)", "",
             f"Mode's own report SQL, read at run time from a checkout of {MODE_URL} (commit {repo_commit}), "
             "its contract CTEs adapted to the Segment warehouse (bench/mode_playbook.py says how), run in the "
             "same process on the same data as Playbot's answer to the question that answers the same report. "
             "Medians of N runs (the N column) after one warm-up each; Mode ms is its one query through "
             "`Warehouse.run`, Playbot ms is question to answer through `Answerer.answer` with the result cache "
             "off (in queries: the part spent in the warehouse). Ratio = Mode / Playbot: above 1, Playbot is "
             "faster. Load average (1/5/15 min, `uptime`) "
             f"{'/'.join(f'{x:.2f}' for x in load_start)} at the start and "
             f"{'/'.join(f'{x:.2f}' for x in load_end)} at the end (the machine is shared).", ""]
    for engine in ("duckdb", "postgres"):
        sizes = [size for (e, size) in results if e == engine]
        if not sizes:
            continue
        lines += [f"### {engine}", "", "| report | Mode file | Playbot question | events | Mode ms | Playbot ms "
                  "| Playbot in queries ms | Mode / Playbot | Playbot ms, default range (question) | N |",
                  "|---|---|---|---|---|---|---|---|---|---|"]
        for size in sizes:
            for row in results[(engine, size)]:
                lines.append(_line(row, size, repeat))
        lines.append("")
    builds = {key: rows[0]["rollup_build_s"] for key, rows in results.items() if rows and rows[0].get("rollup_build_s")}
    if builds:
        lines += ["Playbot ms marked (rollup): answered from the activity rollup in the bot's embedded DuckDB cache "
                  "([docs/rollup.md](../docs/rollup.md)), built once before timing (full build: "
                  + ", ".join(f"{e} {size} {sec:.1f} s" for (e, size), sec in builds.items())
                  + "); unmarked: from raw events.", ""]
    if any(row.get("from_log") for rows in results.values() for row in rows):
        lines += ["Rows without an in-queries figure are from the first run's log (N = 5): that run was stopped "
                  "during the PostgreSQL 4M section to finish in time, and the rest of that section was measured "
                  "again with N = 3 (`--resume --mode-reports`).", ""]
    if any("division by zero" in str(row["mode"].get("error", "")) for rows in results.values() for row in rows):
        lines += ["Division by zero: Interventions divides each user-age column by the people that old at their "
                  "email; nobody is 151 days old or more 30 days before the demo's end (it has 180 days of history), "
                  "and PostgreSQL stops at x / 0 where DuckDB returns NaN (that column is empty there).", ""]
    lines += ["Mode's repository has no SQL for growth accounting or the User Path report (Playbot: "
              + ", ".join(f"`{q}` ({p})" for q, p in NOT_IN_MODE.items()) + "): not compared.", "", END_MARK]
    return "\n".join(lines)


def _line(row: dict, size: str, repeat: int) -> str:
    mode, bot = row["mode"], row["playbot"]
    report = row["report"] + (f" ({row['note']})" if row["note"] else "")
    if row.get("skipped"):
        return "| " + " | ".join([report, f"`{row['file']}`", row["question"], size] + [row["skipped"]]
                                 + ["–"] * 5) + " |"
    mode_ms = f"{mode['median']:.0f}" if "median" in mode else f"cannot run: {mode['error']}"
    bot_ms = f"{bot['median']:.0f}" if "median" in bot else f"error: {bot['error']}"
    bot_ms += " (rollup)" if bot.get("rollup") else ""
    in_q = f"{bot['queries_ms']:.0f}" if bot.get("queries_ms") is not None else "–"
    ratio = f"{mode['median'] / bot['median']:.2f}" if "median" in mode and "median" in bot else "–"
    day = row["everyday"]
    everyday = f"{day['median']:.0f}" if "median" in day else f"error: {day['error']}"
    cells = [report, f"`{row['file']}`", f"{row['question']} ({bot.get('playbook', '?')})", size,
             mode_ms.replace("|", "/"), bot_ms.replace("|", "/"), in_q, ratio,
             f"{everyday} ({row['everyday_question']})".replace("|", "/"), str(row.get("n", repeat))]
    return "| " + " | ".join(cells) + " |"


def write_section(results_md: Path, text: str) -> None:
    """Replace the comparison section in RESULTS.md (or append it); the rest of the file is kept as it is."""
    old = results_md.read_text() if results_md.exists() else ""
    if START in old and END_MARK in old:
        head, rest = old.split(START, 1)
        tail = rest.split(END_MARK, 1)[1]
        new = head + text + tail
    else:
        new = old.rstrip("\n") + "\n\n" + text + "\n"
    results_md.write_text(new)


def when_slower(results: dict[tuple[str, str], list[dict]]) -> list[str]:
    """'engine size report: Playbot x.x times slower' for every row where Mode's SQL was faster."""
    out = []
    for (engine, size), rows in results.items():
        for row in rows:
            mode, bot = row["mode"], row["playbot"]
            if "median" in mode and "median" in bot and mode["median"] < bot["median"]:
                out.append(f"{engine} {size} {row['report']}: Playbot {bot['median'] / mode['median']:.1f}x slower "
                           f"({bot['median']:.0f} vs {mode['median']:.0f} ms)")
    return out

