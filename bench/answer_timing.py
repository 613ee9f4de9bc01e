"""Timing one question's answer the way the benchmarks report it: a warm-up answer, then `repeat`
answers with the result cache storing nothing, each timed question to answer and in its queries."""

from __future__ import annotations

import time

from answers import Answer


def uncached_answer_times(answerer, request, repeat: int) -> tuple[object, list[float], list[float]]:
    """(the warm-up outcome, total ms per run, ms in queries per run); no runs when the warm-up is not
    an answer. The result cache's TTL is 0 while timing and restored afterwards."""
    cache = answerer.segment.cache
    ttl, cache.ttl = cache.ttl, 0
    total: list[float] = []
    queries: list[float] = []
    try:
        first = answerer.answer(request)  # warms the engine's own caches (file pages, plans)
        for _ in range(repeat if isinstance(first, Answer) else 0):
            t0 = time.perf_counter()
            answer = answerer.answer(request)
            total.append((time.perf_counter() - t0) * 1000)
            queries.append(sum(q.result.elapsed_ms for q in answer.queries))
    finally:
        cache.ttl = ttl
    return first, total, queries
