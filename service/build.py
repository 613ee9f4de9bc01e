"""config -> warehouses -> playbooks -> catalog -> the answer service. Raises ConfigError with a one-line fix."""

from __future__ import annotations

import sys
import time
from datetime import datetime

from answers.answerer import Answerer
from config import Config, ConfigError
from errors import PlaybotError
from playbooks import PlaybookError, load_library
from policy.audit import AuditLog
from rendering.render import to_utc
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
        answerer.catalog()
    except PlaybotError as exc:
        key = "segment.sources" if exc.kind == "config" else f"warehouses.{segment.name}"
        raise ConfigError(key, exc.message, exc.next_step) from None
    return answerer


def build_service(config: Config, answerer: Answerer | None = None, state: StateDB | None = None,
                  progress=None) -> AnswerService:
    """The service for a loaded Config, auditing into the state database (`state`, or the config's)."""
    answerer = answerer or build_answerer(config, progress)
    state = state if state is not None else open_state(config.state_db)
    return AnswerService(answerer, config.policies, AuditLog(state))
