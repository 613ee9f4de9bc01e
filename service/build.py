"""config -> warehouses -> playbooks -> catalog -> the answer service. Raises ConfigError with a one-line fix."""

from __future__ import annotations

import difflib
import sys
import time
from datetime import datetime

from answers.answerer import Answerer
from config import Config, ConfigError
from errors import PlaybotError
from playbooks import PlaybookError, load_library
from policy.audit import AuditLog
from rendering.render import to_utc
from segment import Catalog
from segment.demo import ensure_demo
from state.db import StateDB, open_state
from warehouse import Warehouse

from .service import AnswerService


def prepare_demo(config: Config, force: bool = False, progress=None) -> bool:
    """Build the embedded demo warehouse if it is missing or does not reach today."""
    assert config.demo is not None
    now_local = datetime.now(config.tz).replace(tzinfo=None)
    start_of_today = to_utc(datetime.combine(now_local.date(), datetime.min.time()), config.timezone)
    started = time.perf_counter()
    _, _, rebuilt = ensure_demo(config.demo.data_dir, config.demo.seed, config.demo.events, config.demo.days,
                                start_of_today, force=force, progress=progress)
    if rebuilt and progress is not None:
        sys.stderr.write(f"Demo warehouse ready in {config.demo.data_dir} ({time.perf_counter() - started:.1f} s)\n")
    return rebuilt


def build_answerer(config: Config, progress=None) -> Answerer:
    """config -> warehouses -> playbooks -> Answerer, with the warehouse reached and the catalog read."""
    if config.is_demo:
        prepare_demo(config, progress=progress)
    try:
        library = load_library(config.playbook_dirs)
    except PlaybookError as exc:
        raise ConfigError("playbooks.dirs", exc.message, exc.next_step) from None
    warehouses = {name: Warehouse(wc) for name, wc in config.warehouses.items()}
    for playbook in library.all():
        if playbook.warehouse and playbook.warehouse not in warehouses:
            raise ConfigError(f"{playbook.path}: warehouse", f"names warehouse {playbook.warehouse!r}, which is not "
                              "configured", f"add it under warehouses: or use one of {', '.join(sorted(warehouses))}")
    segment = warehouses[config.segment.warehouse]
    try:
        segment.ping()
    except PlaybotError as exc:
        raise ConfigError(f"warehouses.{segment.name}.url", exc.message, exc.next_step) from None
    answerer = Answerer(config, warehouses, library)
    try:
        catalog = answerer.catalog()
    except PlaybotError as exc:
        key = "segment.sources" if exc.kind == "config" else f"warehouses.{segment.name}"
        raise ConfigError(key, exc.message, exc.next_step) from None
    check_events_named(config, catalog)
    return answerer


def check_events_named(config: Config, catalog: Catalog) -> None:
    """Every event the config names is one the warehouse has: a misspelled activation event would make
    every retention answer count each person's first event instead, and say nothing."""
    if config.segment.events_sql:
        return  # custom relations: their event names are the admin's SQL's
    named = []
    if config.segment.activation_event:
        named.append(("segment.activation_event", config.segment.activation_event))
    named += [(f"segment.activity_exclude_events[{i}]", e) for i, e in enumerate(config.segment.activity_exclude_events)]
    named += [(f"synonyms.{word}", event) for word, event in config.event_synonyms.items()]
    for key, event in named:
        if catalog.event(event) is None:
            close = difflib.get_close_matches(event, list(catalog.events), n=3, cutoff=0.5)
            hint = (f"did you mean {' or '.join(repr(c) for c in close)}?" if close
                    else f"the events here include {', '.join(catalog.event_names()[:5])}")
            raise ConfigError(key, f"names the event {event!r}, which the warehouse has not seen in the last "
                                   f"{catalog.window_days} days", f"{hint} Fix it in playbot.yaml.")


def build_service(config: Config, answerer: Answerer | None = None, state: StateDB | None = None,
                  progress=None) -> AnswerService:
    """The service for a loaded Config, auditing into the state database (`state`, or the config's)."""
    answerer = answerer or build_answerer(config, progress)
    state = state if state is not None else open_state(config.state_db)
    return AnswerService(answerer, config.policies, AuditLog(state))
