#!/usr/bin/env python3
"""Playbot: answers data questions from Slack, the terminal and schedules.

    python bot.py                     run: Slack if tokens are set, else an interactive prompt
    python bot.py ask "invites yesterday" [--json] [--explain] [--chart PATH]
    python bot.py demo [--events 10M] [--rebuild]
    python bot.py playbooks           list what can be asked
    python bot.py audit [--since 7d] [--json]   who asked what, where, and what happened
    python bot.py manifest [--http --url URL]   the Slack app manifest (YAML)
    python bot.py schedules [run ID]  list schedules (next run, last outcome), or run one now
    python bot.py rollup build|refresh|status|sql   the activity rollup (docs/rollup.md)

Wiring only: config -> the answer service -> (Slack app | terminal) -> scheduler. Every question
from every surface goes through service.AnswerService.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
from dataclasses import replace

from config import Config, ConfigError, load_config, parse_events_count
from handlers import terminal
from handlers.terminal_poster import TerminalPoster
from playbooks import load_library
from policy.audit import OUTCOMES, AuditLog, format_entries, parse_since
from scheduler import SchedulerService, ScheduleRunner, list_schedules, open_store, policy_from_config, utc_now
from segment.demo import read_meta
from service.build import build_service, prepare_demo
from state.db import open_state

log = logging.getLogger("playbot")


def _progress(done: int, total: int) -> None:
    width = 30
    filled = min(width, int(width * done / max(total, 1)))
    sys.stderr.write(f"\rBuilding demo warehouse [{'#' * filled}{' ' * (width - filled)}] "
                     f"{min(done, total):,}/{total:,} events")
    sys.stderr.flush()
    if done >= total:
        sys.stderr.write("\n")


# ---------------------------------------------------------------------------------------------
# commands
# ---------------------------------------------------------------------------------------------

def cmd_ask(args: argparse.Namespace, config: Config) -> int:
    service = build_service(config, progress=None if args.json else _progress)
    stop_queries_on_signal(service)
    return terminal.ask_once(service, " ".join(args.question).strip(), as_json=args.json, show_explain=args.explain,
                             chart=args.chart, draw=not args.no_chart)


def cmd_repl(config: Config) -> int:
    service = build_service(config, progress=_progress)
    stop_queries_on_signal(service)
    label = f"the {config.segment.warehouse} warehouse ({'demo data' if config.is_demo else 'configured'})"
    return terminal.run_prompt(service, label)


def cmd_demo(args: argparse.Namespace, config: Config) -> int:
    if not config.is_demo:
        print("A warehouse is configured, so the demo is not used. Unset PLAYBOT_WAREHOUSE_URL / warehouses: "
              "to use the demo.", file=sys.stderr)
        return 2
    if args.events:
        config = replace(config, demo=replace(config.demo, events=parse_events_count(args.events)))
    prepare_demo(config, force=args.rebuild, progress=_progress)
    meta = read_meta(config.demo.data_dir / "segment.duckdb")
    print(json.dumps({"data_dir": str(config.demo.data_dir), **(meta or {}).get("stats", {})}, default=str))
    return 0


def cmd_audit(args: argparse.Namespace, config: Config) -> int:
    try:
        since = parse_since(args.since)
    except ValueError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    entries = AuditLog(open_state(config.state_db)).entries(since, user=args.user, outcome=args.outcome,
                                                           limit=args.limit)
    print(json.dumps([e.to_json() for e in entries]) if args.json else format_entries(entries))
    return 0


def cmd_schedules(args: argparse.Namespace, config: Config) -> int:
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
    print(terminal.format_table(rows[0], tuple(rows[1:])))
    return 0


def _run_schedule_now(config: Config, store, schedule_id: str | None) -> int:
    if not schedule_id or store.get(schedule_id) is None:
        print(f"No schedule {schedule_id!r}. `python bot.py schedules` lists the IDs.", file=sys.stderr)
        return 2
    service = build_service(config, state=store.state)
    runner = ScheduleRunner(store, service, TerminalPoster(), policy=policy_from_config(config), name="cli")
    outcome = runner.run_slot(schedule_id, utc_now(), trigger="manual")
    print(f"{outcome.status}: {outcome.detail}")
    return 0 if outcome.status in ("ok", "skipped") else 1


def cmd_rollup(args: argparse.Namespace, config: Config) -> int:
    """The activity rollup in the bot's cache: build, refresh, status (docs/rollup.md)."""
    from errors import PlaybotError
    from service import CLI_SUBJECT

    service = build_service(config, progress=_progress)
    try:
        if args.action == "sql":
            print(service.rollup_sql(CLI_SUBJECT, args.engine, args.table), end="")
            return 0
        status = service.rollup(CLI_SUBJECT, args.action)
    except PlaybotError as exc:
        print(f"{exc.message} {exc.next_step}".strip(), file=sys.stderr)
        return 1
    print(json.dumps(status, default=str, indent=1))
    return 0


def cmd_run(config: Config) -> int:
    env = os.environ
    if env.get("SLACK_BOT_TOKEN") and (env.get("SLACK_APP_TOKEN") or env.get("SLACK_SIGNING_SECRET")):
        return cmd_slack(config, env)
    if env.get("SLACK_BOT_TOKEN"):
        print("SLACK_BOT_TOKEN is set, but neither SLACK_APP_TOKEN (Socket Mode) nor SLACK_SIGNING_SECRET (HTTP mode): "
              "running locally.", file=sys.stderr)
    return cmd_repl(config)


def build_slack(config: Config, env, service=None):
    """config + tokens -> (Bolt app, Replier, scheduler service to start). Socket Mode when SLACK_APP_TOKEN
    is set, else HTTP mode. Slack's libraries load only here: the terminal never pays for them."""
    from charts import warm_up
    from handlers.redact import install
    from handlers.slack.app import create_app
    from handlers.slack.client import api_url, make_client
    from handlers.slack.schedules import ScheduleCommands, SlackPoster
    from state.slack import SlackState

    install(secrets=tuple(env.get(k, "") for k in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET")))
    client = make_client(env["SLACK_BOT_TOKEN"], api_url(env))
    check_slack_api(client, api_url(env))  # before anything else is opened: one line if Slack cannot be reached
    socket_mode = bool(env.get("SLACK_APP_TOKEN"))
    store, _ = open_store(config)
    state = SlackState(store.state)
    service = service or build_service(config, state=store.state)
    poster = SlackPoster(client, state, config.slack.max_table_rows, native=config.slack.native_charts)
    runner = ScheduleRunner(store, service, poster, policy=policy_from_config(config))
    schedules = ScheduleCommands(store, runner, service, client, state, admins=config.scheduler.admins,
                                 timezone=config.timezone, command=config.slack.command)
    app, replier = create_app(service, state, client, config.slack,
                              signing_secret=None if socket_mode else env["SLACK_SIGNING_SECRET"], schedules=schedules)
    threading.Thread(target=warm_up, name="chart-warm-up", daemon=True).start()  # the first chart: ~1 s sooner
    return app, replier, SchedulerService(store, runner)


def check_slack_api(client, url: str) -> None:
    """auth.test: a ConfigError in one line when the Slack API cannot be reached or refuses the token
    (Bolt's own check at start ended in a traceback)."""
    from slack_sdk import WebClient
    from slack_sdk.errors import SlackApiError

    quiet = logging.getLogger("slack_sdk.web.base_client")
    level, quiet.level = quiet.level, logging.CRITICAL  # its retries would each log an ERROR line
    try:
        WebClient(token=client.token, base_url=client.base_url, timeout=10).auth_test()
    except SlackApiError as exc:
        error = exc.response.get("error") if exc.response is not None else str(exc)
        raise ConfigError("SLACK_BOT_TOKEN", f"the Slack API at {url} refused the bot token ({error})",
                          "copy the Bot User OAuth Token (xoxb-...) from the app's OAuth & Permissions page") from None
    except Exception as exc:  # noqa: BLE001 - URLError, timeouts, DNS: the network, said in one line
        reason = getattr(exc, "reason", None) or exc
        raise ConfigError("SLACK_API_URL", f"cannot reach the Slack API at {url}: {reason}",
                          "check the network (and SLACK_API_URL if set), then start again") from None
    finally:
        quiet.setLevel(level)


def stop_queries_on_signal(service) -> None:
    """SIGTERM / SIGHUP: cancel the warehouse queries still running (nobody will read their answers; the
    server would otherwise run them to their statement timeout), then exit."""
    if threading.current_thread() is not threading.main_thread():
        return

    def stop(signum, _frame):
        for warehouse in service.answerer.warehouses.values():
            warehouse.close()
        raise SystemExit(128 + signum)

    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, stop)


def cmd_slack(config: Config, env) -> int:
    app, replier, scheduler = build_slack(config, env)
    stop_queries_on_signal(replier.service)
    scheduler.start()  # every process runs one; the lease in the state DB picks the one that schedules
    try:
        if env.get("SLACK_APP_TOKEN"):
            from slack_bolt.adapter.socket_mode import SocketModeHandler

            log.warning("Playbot connecting to Slack in Socket Mode")
            SocketModeHandler(app, env["SLACK_APP_TOKEN"]).start()
            return 0
        from handlers.slack.server import HttpServer

        # a replayed trigger_id is answered once across every replica sharing the state database
        HttpServer(app, port=int(env.get("PORT") or 3000), claim=replier.state.claim_event).serve_forever()
        return 0
    finally:
        scheduler.stop()


def cmd_manifest(args: argparse.Namespace, config: Config) -> int:
    from handlers.slack.manifest import manifest_yaml

    print(manifest_yaml(config.slack, load_library(config.playbook_dirs), socket_mode=not args.http,
                        request_url=args.url), end="")
    return 0


class _Parser(argparse.ArgumentParser):
    """argparse, except that with --json on the command line a mistake is one JSON object on stdout too."""

    json_errors = False

    def error(self, message: str):
        if _Parser.json_errors:
            print(json.dumps({"error": f"{self.prog}: {message}", "suggestions": [self.format_usage().strip()]}))
            self.exit(2)
        super().error(message)


def argument_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="bot.py", description="Playbot: data questions answered in Slack.")
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
    audit.add_argument("--outcome", choices=list(OUTCOMES))
    audit.add_argument("--limit", type=int, default=200, help="at most this many rows, newest first")
    audit.add_argument("--json", action="store_true", help="print a JSON list")
    rollup = sub.add_parser("rollup", help="the activity rollup in the bot's cache (docs/rollup.md)")
    rollup.add_argument("action", choices=["build", "refresh", "status", "sql"],
                        help="build: all days; refresh: the days since the last build minus rollup.late_days; "
                             "sql: print the SQL that builds it as tables in your warehouse")
    rollup.add_argument("--engine", choices=["duckdb", "postgres", "redshift"],
                        help="with sql: the warehouse's engine (default: the Segment warehouse's)")
    rollup.add_argument("--table", help="with sql: schema.table (default: rollup.warehouse_table or playbot.activity_rollup)")
    man = sub.add_parser("manifest", help="print the Slack app manifest (YAML)")
    man.add_argument("--http", action="store_true", help="HTTP mode (request URLs) instead of Socket Mode")
    man.add_argument("--url", help="public base URL of the bot in HTTP mode, e.g. https://playbot.example.com")
    return parser


COMMANDS = {"ask": cmd_ask, "demo": cmd_demo, "audit": cmd_audit, "manifest": cmd_manifest, "schedules": cmd_schedules,
            "rollup": cmd_rollup}


def main(argv: list[str] | None = None) -> int:
    if hasattr(signal, "SIGPIPE"):  # `bot.py ask ... | head` ends quietly
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    _Parser.json_errors = "--json" in (sys.argv[1:] if argv is None else argv)
    args = argument_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s %(message)s")
    try:
        config = load_config(args.config)
        if args.command in COMMANDS:
            return COMMANDS[args.command](args, config)
        if args.command == "playbooks":
            print(terminal.playbook_list(load_library(config.playbook_dirs)))
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
