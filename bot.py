#!/usr/bin/env python3
"""Playbot: answers data questions from Slack, the terminal and schedules.

    python bot.py                     run: Slack if tokens are set, else an interactive prompt
    python bot.py ask "invites yesterday" [--json] [--explain] [--chart PATH]
    python bot.py demo [--events 10M] [--rebuild]
    python bot.py playbooks           list what can be asked
    python bot.py audit [--since 7d] [--json]   who asked what, where, and what happened
    python bot.py manifest [--http --url URL]   the Slack app manifest (YAML)
    python bot.py schedules [run ID]  list schedules (next run, last outcome), or run one now

Wiring only: config -> warehouses -> catalog -> playbooks -> (Slack app | terminal) -> scheduler.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import signal
import sys
import threading
import time
from datetime import datetime
from pathlib import Path

from config import Config, ConfigError, load_config, parse_events_count

log = logging.getLogger("playbot")


def _progress(done: int, total: int) -> None:
    width = 30
    filled = min(width, int(width * done / max(total, 1)))
    sys.stderr.write(f"\rBuilding demo warehouse [{'#' * filled}{' ' * (width - filled)}] "
                     f"{min(done, total):,}/{total:,} events")
    sys.stderr.flush()
    if done >= total:
        sys.stderr.write("\n")


def prepare_demo(config: Config, force: bool = False, quiet: bool = False) -> bool:
    """Build the embedded demo warehouse if it is missing or does not reach today."""
    from playbooks.render import to_utc
    from warehouse.demo import ensure_demo

    assert config.demo is not None
    now_local = datetime.now(config.tz).replace(tzinfo=None)
    start_of_today = to_utc(datetime.combine(now_local.date(), datetime.min.time()), config.timezone)
    started = time.perf_counter()
    _, _, rebuilt = ensure_demo(config.demo.data_dir, config.demo.seed, config.demo.events, config.demo.days,
                                start_of_today, force=force, progress=None if quiet else _progress)
    if rebuilt and not quiet:
        sys.stderr.write(f"Demo warehouse ready in {config.demo.data_dir} ({time.perf_counter() - started:.1f} s)\n")
    return rebuilt


def build_answerer(config: Config, quiet: bool = False):
    """config -> warehouses -> playbooks -> Answerer. Raises ConfigError with a one-line fix."""
    from playbooks import PlaybookError, load_library
    from playbooks.answer import Answerer
    from warehouse import CatalogError, Warehouse, WarehouseError

    if config.is_demo:
        prepare_demo(config, quiet=quiet)
    try:
        library = load_library(config.playbook_dirs)
    except PlaybookError as exc:
        raise ConfigError("playbooks.dirs", str(exc), "fix the playbook file") from None
    warehouses = {name: Warehouse(wc) for name, wc in config.warehouses.items()}
    for playbook in library.all():
        if playbook.warehouse and playbook.warehouse not in warehouses:
            raise ConfigError(f"{playbook.path}: warehouse", f"names warehouse {playbook.warehouse!r}, which is not "
                              "configured", f"add it under warehouses: or use one of {', '.join(sorted(warehouses))}")
    segment = warehouses[config.segment.warehouse]
    try:
        segment.ping()
    except WarehouseError as exc:
        raise ConfigError(f"warehouses.{segment.name}.url", exc.message, exc.next_step) from None
    answerer = Answerer(config, warehouses, library)
    try:
        answerer.catalog()
    except CatalogError as exc:
        raise ConfigError("segment.sources", exc.message, exc.next_step) from None
    except WarehouseError as exc:
        raise ConfigError(f"warehouses.{segment.name}", exc.message, exc.next_step) from None
    return answerer


def build_gate(config: Config, library, state=None, mention=None):
    """Policies, rate limits and the audit log (into the state database) for this process."""
    from policy.gate import build_gate as gate_for
    from state.db import open_state

    return gate_for(config, library, state or open_state(config.state_db), mention)


def save_chart(answer, path: str | None, chart_dir: Path) -> str | None:
    from charts import render_png

    if answer.chart is None:
        return None
    png = render_png(answer.chart)
    if path is None:
        chart_dir.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
        target = chart_dir / f"{answer.playbook.id}-{stamp}.png"
    else:
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(png)
    return str(target.resolve())


# ---------------------------------------------------------------------------------------------
# commands
# ---------------------------------------------------------------------------------------------

def cmd_ask(args: argparse.Namespace, config: Config) -> int:
    from handlers.terminal import error_json, explain, format_answer, format_clarification, format_failure
    from playbooks import Answer, Request
    from policy.gate import CLI_SUBJECT

    question = " ".join(args.question).strip()
    answerer = build_answerer(config, quiet=args.json)
    gate = build_gate(config, answerer.library)
    if args.explain and not args.json:
        parsed = answerer.parse(question)
        if isinstance(parsed, Request):
            print(explain(parsed))
            print()
    outcome = gate.ask(answerer, CLI_SUBJECT, question)
    if not isinstance(outcome, Answer):
        if args.json:
            print(json.dumps(error_json(outcome)))
        else:
            print(format_clarification(outcome) if hasattr(outcome, "choices") else format_failure(outcome))
        return 2
    chart = None if args.no_chart else save_chart(outcome, args.chart, config.chart_dir)
    if args.json:
        data = outcome.to_json(chart)
        if args.explain:
            data["explain"] = [{"param": r.name, "value": _safe(r.value), "words": r.words}
                               for r in outcome.request.readings]
        print(json.dumps(data, default=str))
    else:
        print(format_answer(outcome, chart))
    return 0


def _safe(value):
    from playbooks.params import json_safe

    return json_safe(value)


def cmd_repl(config: Config) -> int:
    from handlers.terminal import explain, format_answer, format_clarification, format_failure
    from playbooks import Answer, Clarification
    from policy.gate import CLI_SUBJECT

    answerer = build_answerer(config)
    gate = build_gate(config, answerer.library)
    with contextlib.suppress(ImportError):
        import readline  # noqa: F401 - line editing and history at the prompt
    examples = [pb.examples[0] for pb in answerer.library.all() if pb.examples][:4]
    print("Playbot on the {} warehouse ({}). Ask a question; 'help' lists playbooks, 'new' forgets the "
          "context, 'quit' leaves.".format(config.segment.warehouse, "demo data" if config.is_demo else "configured"))
    print("Try: " + " · ".join(examples))
    previous = None
    while True:
        try:
            question = input("\nplaybot> ").strip()
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        if not question:
            continue
        if question in ("quit", "exit", ":q"):
            return 0
        if question in ("help", "playbooks"):
            print(playbook_list(answerer.library))
            continue
        if question == "new":
            previous = None
            print("(context cleared)")
            continue
        show_explain = question.startswith("explain ")
        if show_explain:
            question = question[len("explain "):]
        outcome = gate.ask(answerer, CLI_SUBJECT, question, previous=previous)
        if isinstance(outcome, Answer):
            previous = outcome.request
            if show_explain:
                print(explain(outcome))
            try:
                chart = save_chart(outcome, None, config.chart_dir)
            except Exception as exc:  # noqa: BLE001 - a chart problem must not lose the answer
                log.warning("chart failed: %s", exc)
                chart = None
            print(format_answer(outcome, chart))
        elif isinstance(outcome, Clarification):
            print(format_clarification(outcome))
        else:
            print(format_failure(outcome))


def playbook_list(library) -> str:
    lines = []
    for pb in library.all():
        lines.append(f"{pb.id:<18} {pb.question}")
        if pb.examples:
            lines.append(f"{'':<18} e.g. " + " · ".join(pb.examples[:3]))
    return "\n".join(lines)


def cmd_demo(args: argparse.Namespace, config: Config) -> int:
    if not config.is_demo:
        print("A warehouse is configured, so the demo is not used. Unset PLAYBOT_WAREHOUSE_URL / warehouses: "
              "to use the demo.", file=sys.stderr)
        return 2
    if args.events:
        from dataclasses import replace

        config = replace(config, demo=replace(config.demo, events=parse_events_count(args.events)))
    prepare_demo(config, force=args.rebuild)
    from warehouse.demo import read_meta

    meta = read_meta(config.demo.data_dir / "segment.duckdb")
    print(json.dumps({"data_dir": str(config.demo.data_dir), **(meta or {}).get("stats", {})}, default=str))
    return 0


def cmd_audit(args: argparse.Namespace, config: Config) -> int:
    from policy.audit import AuditLog, format_entries, parse_since
    from state.db import open_state

    try:
        since = parse_since(args.since)
    except ValueError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    entries = AuditLog(open_state(config.state_db)).entries(since, user=args.user, outcome=args.outcome,
                                                           limit=args.limit)
    if args.json:
        print(json.dumps([e.to_json() for e in entries]))
    else:
        print(format_entries(entries))
    return 0


def cmd_schedules(args: argparse.Namespace, config: Config) -> int:
    from scheduler import list_schedules, open_store

    store, synced = open_store(config)
    changes = [f"{what} {', '.join(names)}" for what, names in synced.items() if names]
    if changes:
        print("playbot.yaml schedules: " + "; ".join(changes), file=sys.stderr)
    if args.action == "run":
        return _run_schedule_now(config, store, args.id)
    rows = [("ID", "NAME", "KIND", "WHEN", "CHANNEL", "NEXT RUN", "LAST RUN", "OUTCOME")]
    for item in list_schedules(store):
        s, last = item.schedule, item.last
        rows.append((s.id, s.name, s.kind, f"{s.when.text} {s.timezone}", s.channel,
                     "paused" if s.paused else (f"{item.next_run:%a %d %b %H:%M %Z}" if item.next_run else "never"),
                     f"{last.slot:%a %d %b %H:%M}" if last else "–",
                     f"{last.status}{': ' + last.detail if last and last.detail else ''}" if last else "–"))
    if len(rows) == 1:
        print("No schedules yet. Add one under `schedules:` in playbot.yaml or with /playbot schedule in Slack.")
        return 0
    from handlers.terminal import format_table

    print(format_table(rows[0], tuple(rows[1:])))
    return 0


def _run_schedule_now(config: Config, store, schedule_id: str | None) -> int:
    from handlers.terminal_poster import TerminalPoster
    from scheduler import ScheduleRunner, policy_from_config, utc_now

    if not schedule_id or store.get(schedule_id) is None:
        print(f"No schedule {schedule_id!r}. `python bot.py schedules` lists the IDs.", file=sys.stderr)
        return 2
    runner = ScheduleRunner(store, build_answerer(config), TerminalPoster(), policy=policy_from_config(config),
                            name="cli")
    outcome = runner.run_slot(schedule_id, utc_now(), trigger="manual")
    print(f"{outcome.status}: {outcome.detail}")
    return 0 if outcome.status in ("ok", "skipped") else 1


def cmd_run(config: Config) -> int:
    env = os.environ
    if env.get("SLACK_BOT_TOKEN") and (env.get("SLACK_APP_TOKEN") or env.get("SLACK_SIGNING_SECRET")):
        return cmd_slack(config, env)
    if env.get("SLACK_BOT_TOKEN"):
        print("SLACK_BOT_TOKEN is set, but neither SLACK_APP_TOKEN (Socket Mode) nor SLACK_SIGNING_SECRET (HTTP mode): "
              "running locally.", file=sys.stderr)
    return cmd_repl(config)


def build_slack(config: Config, env, answerer=None):
    """config + tokens -> (Bolt app, Replier, scheduler service to start). Socket Mode when SLACK_APP_TOKEN
    is set, else HTTP mode."""
    from handlers.redact import install
    from handlers.slack.access import SlackAccess
    from handlers.slack.app import create_app
    from handlers.slack.client import api_url, make_client
    from handlers.slack.schedules import ScheduleCommands, SlackPoster
    from scheduler import SchedulerService, ScheduleRunner, open_store, policy_from_config
    from state.slack import SlackState

    install(secrets=tuple(env.get(k, "") for k in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET")))
    answerer = answerer or build_answerer(config)
    client = make_client(env["SLACK_BOT_TOKEN"], api_url(env))
    socket_mode = bool(env.get("SLACK_APP_TOKEN"))
    store, _ = open_store(config)
    state = SlackState(store.state)
    gate = build_gate(config, answerer.library, store.state)
    access = SlackAccess(gate, client)
    poster = SlackPoster(client, state, config.slack.max_table_rows)
    runner = ScheduleRunner(store, answerer, poster, policy=policy_from_config(config), gate=gate)
    schedules = ScheduleCommands(store, runner, answerer, client, state, admins=config.scheduler.admins,
                                 timezone=config.timezone, command=config.slack.command, gate=gate)
    app, replier = create_app(answerer, state, client, config.slack,
                              signing_secret=None if socket_mode else env["SLACK_SIGNING_SECRET"], schedules=schedules,
                              access=access)
    from charts import warm_up

    threading.Thread(target=warm_up, name="chart-warm-up", daemon=True).start()  # the first chart: ~1 s sooner
    return app, replier, SchedulerService(store, runner)


def cmd_slack(config: Config, env) -> int:
    app, _replier, scheduler = build_slack(config, env)
    scheduler.start()  # every process runs one; the lease in the state DB picks the one that schedules
    try:
        if env.get("SLACK_APP_TOKEN"):
            from slack_bolt.adapter.socket_mode import SocketModeHandler

            log.warning("Playbot connecting to Slack in Socket Mode")
            SocketModeHandler(app, env["SLACK_APP_TOKEN"]).start()
            return 0
        from handlers.slack.server import HttpServer

        HttpServer(app, port=int(env.get("PORT") or 3000)).serve_forever()
        return 0
    finally:
        scheduler.stop()


def cmd_manifest(args: argparse.Namespace, config: Config) -> int:
    from handlers.slack.manifest import manifest_yaml
    from playbooks import load_library

    print(manifest_yaml(config.slack, load_library(config.playbook_dirs), socket_mode=not args.http,
                        request_url=args.url), end="")
    return 0


def main(argv: list[str] | None = None) -> int:
    if hasattr(signal, "SIGPIPE"):  # `bot.py ask ... | head` ends quietly
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    parser = argparse.ArgumentParser(prog="bot.py", description="Playbot: data questions answered in Slack.")
    parser.add_argument("--config", help="path to playbot.yaml (default: $PLAYBOT_CONFIG or ./playbot.yaml)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    sub = parser.add_subparsers(dest="command")
    ask = sub.add_parser("ask", help="answer one question and exit")
    ask.add_argument("question", nargs="+")
    ask.add_argument("--json", action="store_true", help="print one JSON object")
    ask.add_argument("--explain", action="store_true", help="show how the question was read")
    ask.add_argument("--chart", help="where to save the PNG chart")
    ask.add_argument("--no-chart", action="store_true", help="do not draw a chart")
    demo = sub.add_parser("demo", help="build (or rebuild) the embedded demo warehouse")
    demo.add_argument("--events", help="how many events, e.g. 250k or 10M")
    demo.add_argument("--rebuild", action="store_true", help="rebuild even if fresh")
    sub.add_parser("playbooks", help="list the playbooks")
    schedules = sub.add_parser("schedules", help="list schedules, or run one now")
    schedules.add_argument("action", nargs="?", choices=["list", "run"], default="list")
    schedules.add_argument("id", nargs="?", help="the schedule ID (for run)")
    sub.add_parser("run", help="run the bot (the default)")
    audit = sub.add_parser("audit", help="show the audit log: who asked what, where, and the outcome")
    audit.add_argument("--since", default="7d", help="how far back: 7d, 12h, 30m, 2w or a date (default 7d)")
    audit.add_argument("--user", help="only this user (Slack ID, or cli)")
    audit.add_argument("--outcome", choices=["answered", "refused", "failed", "unclear"])
    audit.add_argument("--limit", type=int, default=200, help="at most this many rows, newest first")
    audit.add_argument("--json", action="store_true", help="print a JSON list")
    man = sub.add_parser("manifest", help="print the Slack app manifest (YAML)")
    man.add_argument("--http", action="store_true", help="HTTP mode (request URLs) instead of Socket Mode")
    man.add_argument("--url", help="public base URL of the bot in HTTP mode, e.g. https://playbot.example.com")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s %(message)s")
    try:
        config = load_config(args.config)
        if args.command == "ask":
            return cmd_ask(args, config)
        if args.command == "demo":
            return cmd_demo(args, config)
        if args.command == "audit":
            return cmd_audit(args, config)
        if args.command == "manifest":
            return cmd_manifest(args, config)
        if args.command == "schedules":
            return cmd_schedules(args, config)
        if args.command == "playbooks":
            from playbooks import load_library

            print(playbook_list(load_library(config.playbook_dirs)))
            return 0
        return cmd_run(config)
    except ConfigError as exc:
        if getattr(args, "json", False):
            print(json.dumps({"error": str(exc), "suggestions": [exc.fix] if exc.fix else []}))
        else:
            print(str(exc), file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
