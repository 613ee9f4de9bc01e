"""Finding 1, with faults injected between the bot and a real PostgreSQL (tests/chaos_proxy.py): a warehouse
that goes silent mid-session gives each asker a clear message within its timeout and a few seconds, never
holds the questions that need no warehouse (a cached answer, help), and once the network is back the next
questions are answered. Before: after 150 s `ask()` was still waiting in the pool's pre-ping (timeout
10 s, connect timeout 3 s), a cached question and a third one waited behind the freshness lock, and all
three were still stuck 45 s after the network came back."""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from urllib.parse import urlsplit

import pytest

from answers import Answer, Failure
from answers.answerer import Answerer
from questions import Clarification
from service.service import CLI_SUBJECT, AnswerService
from warehouse import Warehouse

from ..chaos_proxy import ChaosProxy
from ..conftest import DATASETS, make_config
from ..helpers import builtin_library

TIMEOUT, CONNECT_TIMEOUT = 3.0, 2.0
GRACE = 3.0  # PostgreSQL's deadline: the statement timeout plus this (warehouse/engines/base.py)
FEW = 3.0  # what "a few seconds" may add: the freshness wait (2 s) and scheduling on a busy machine


@pytest.fixture
def chaos(pg_url):
    parts = urlsplit(pg_url)
    proxy = ChaosProxy((parts.hostname, parts.port or 5432))
    url = f"postgresql+psycopg://{parts.username}@127.0.0.1:{proxy.port}{parts.path}"
    ds = DATASETS["messenger"]
    config = make_config(url, ds)
    settings = replace(config.warehouses["segment"], timeout_seconds=TIMEOUT, connect_timeout_seconds=CONNECT_TIMEOUT)
    config = replace(config, warehouses={"segment": settings})
    answerer = Answerer(config, {"segment": Warehouse(settings)}, builtin_library(), clock=lambda: ds.clock)
    answerer.freshness_check_seconds = 0.5  # the freshness token is read again during the stall
    yield proxy, AnswerService(answerer), answerer
    proxy.resume()
    answerer.wait_for_freshness()
    answerer.segment.close()
    proxy.close()


def _ask_at_once(service: AnswerService, questions: list[str]) -> dict[str, tuple[object, float]]:
    """Every question in a thread of its own, at the same moment: {question: (outcome, seconds)}."""
    out: dict[str, tuple[object, float]] = {}
    start = threading.Barrier(len(questions))

    def one(question: str) -> None:
        start.wait()
        began = time.perf_counter()
        outcome = service.ask(CLI_SUBJECT, question)
        out[question] = (outcome, time.perf_counter() - began)

    threads = [threading.Thread(target=one, args=(q,), daemon=True) for q in questions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(out) == len(questions), f"still waiting after 60 s: {set(questions) - set(out)}"
    return out


def test_a_silent_warehouse_holds_no_asker_and_the_bot_recovers(chaos):
    proxy, service, answerer = chaos
    warm = _ask_at_once(service, ["invites yesterday", "messages last week", "signups yesterday"])
    assert all(isinstance(outcome, Answer) for outcome, _ in warm.values()), warm  # and three connections pooled
    time.sleep(0.6)  # past freshness_check_seconds: the next questions want a new freshness reading

    # 1. the network goes silent with connections in the pool (the health check used to hang here)
    proxy.stall()
    got = _ask_at_once(service, ["signups last week", "invites yesterday", "help"])
    (uncached, slow), (cached, quick), (helped, helping) = (got[q] for q in ("signups last week", "invites yesterday",
                                                                               "help"))
    assert isinstance(cached, Answer) and all(q.result.cached for q in cached.queries), cached
    assert quick < 2.0 + FEW  # the freshness wait, then the cached answer: the warehouse is not needed
    assert isinstance(helped, Clarification) and helping < 1.0
    assert isinstance(uncached, Failure) and uncached.kind == "unavailable", uncached
    assert "did not answer within" in uncached.message and uncached.next_step  # its pooled connection was cut
    assert slow < TIMEOUT + GRACE + FEW

    # 2. still silent, no connection left to reuse: connecting is bounded too
    answerer.segment.engine.dispose()
    began = time.perf_counter()
    fresh = service.ask(CLI_SUBJECT, "messages yesterday")
    assert isinstance(fresh, Failure) and fresh.kind == "unavailable" and "not reachable" in fresh.message, fresh
    assert time.perf_counter() - began < TIMEOUT + GRACE + FEW

    # 3. the network is back: answered at once, the connections cut during the stall replaced
    proxy.resume()
    began = time.perf_counter()
    back = service.ask(CLI_SUBJECT, "signups last week")
    assert isinstance(back, Answer), back
    assert time.perf_counter() - began < TIMEOUT

    # 4. every connection is dropped (a failover): the next question is retried on a new one and answered
    proxy.drop()
    again = service.ask(CLI_SUBJECT, "invites last week")
    assert isinstance(again, Answer), again
