"""Parse latency and corpus accuracy: every question of tests/corpus/questions.yaml, read the way
Answerer.parse reads it (a fresh ParseContext, so the event matcher is built each time), against the
live catalog of the test dataset's DuckDB warehouse.

    .venv/bin/python bench/parse_bench.py [--repeat 20]

Prints the accuracy (entries read as the corpus expects; known misses count as misses) and the
median, p95 and max parse time. Catalog discovery is done once, as the bot caches it.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from segment.demo import build_demo  # noqa: E402
from tests.conftest import DATASETS, make_answerer  # noqa: E402
from tests.corpus import corpus_library, load_corpus, problems, run_entry  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=20, help="parses per question (default 20)")
    args = ap.parse_args()
    ds = DATASETS["messenger"]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        build_demo(folder / "segment.duckdb", folder / "product.duckdb", ds.spec)
        answerer = make_answerer(f"duckdb:///{folder / 'segment.duckdb'}", ds)
        catalog = answerer.catalog()
        library = corpus_library()
        corpus = load_corpus()
        right, misses, times = 0, [], []
        for entry in corpus:
            found = problems(entry, run_entry(entry, library, catalog))
            if found:
                misses.append((entry["q"], entry.get("xfail") or "; ".join(found)))
            else:
                right += 1
            single = {**entry, "after": []}  # time the question itself, not its thread
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                run_entry(single, library, catalog)
                times.append((time.perf_counter() - t0) * 1000)
        long_inputs = {"2,000 characters of unknown words": " ".join(["lorem", "ipsum", "dolor", "consectetur"] * 140),
                       "a 100-step arrow chain": "signup -> invite -> " * 100, "5,000 x": "x" * 5000}
        worst = {}
        for name, text in long_inputs.items():
            runs = []
            for _ in range(max(3, args.repeat // 4)):
                t0 = time.perf_counter()
                run_entry({"q": text}, library, catalog)
                runs.append((time.perf_counter() - t0) * 1000)
            worst[name] = statistics.median(runs)
        answerer.segment.close()
    times.sort()
    p95 = times[int(0.95 * (len(times) - 1))]
    print(f"corpus: {len(corpus)} questions, {len(catalog.events)} events in the catalog, "
          f"{len(library.ids)} playbooks")
    print(f"accuracy: {right}/{len(corpus)} = {100 * right / len(corpus):.1f}%")
    print(f"parse time over {len(times)} parses: median {statistics.median(times):.2f} ms, "
          f"p95 {p95:.2f} ms, max {times[-1]:.2f} ms")
    print("long inputs (median): " + ", ".join(f"{name} {ms:.0f} ms" for name, ms in worst.items()))
    for q, why in misses:
        print(f"  miss: {q!r}: {why}")


if __name__ == "__main__":
    main()
