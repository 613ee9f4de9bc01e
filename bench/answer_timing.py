"""Timing one question's answer the way the benchmarks report it: a warm-up answer, then `repeat`
answers with the result cache storing nothing, each timed question to answer and in its queries."""

from __future__ import annotations

import time

from answers import Answer


def uncached_answer_times(answerer, request, repeat: int) -> tuple[object, list[float], list[float]]:
    """(the warm-up outcome, total ms per run, ms in queries per run); no runs when the warm-up is not
    an answer. The result cache's TTL is 0 while timing and restored afterwards, in every warehouse the
    answer reads (the Segment one, the product one of a cross-database playbook, the embedded rollup)."""
    caches = [w.cache for w in answerer.warehouses.values()]
    kept = [c.ttl for c in caches]
    for cache in caches:
        cache.ttl = 0
    total: list[float] = []
    queries: list[float] = []
    try:
        first = answerer.answer(request)  # warms the engine's own caches (file pages, plans)
        rollup = [w.cache for w in answerer.rollup.open_warehouses() if w.cache not in caches]
        kept += [c.ttl for c in rollup]
        caches += rollup
        for cache in rollup:
            cache.ttl = 0
        if rollup:
            first = answerer.answer(request)  # the rollup's file, warm and uncached
        for _ in range(repeat if isinstance(first, Answer) else 0):
            t0 = time.perf_counter()
            answer = answerer.answer(request)
            total.append((time.perf_counter() - t0) * 1000)
            queries.append(sum(q.result.elapsed_ms for q in answer.queries))
    finally:
        for cache, ttl in zip(caches, kept):
            cache.ttl = ttl
    return first, total, queries
