"""Parse latency and corpus accuracy: every question of tests/corpus/questions.yaml, read the way
Answerer.parse reads it (a fresh ParseContext, so the event matcher is built each time), against the
live catalog of the test dataset's DuckDB warehouse.

    .venv/bin/python bench/parse_bench.py [--repeat 20]

Prints the accuracy (entries read as the corpus expects; known misses count as misses) and the
median, p95 and max parse time. Catalog discovery is done once, as the bot caches it.
"""

from __future__ import annotations

import argparse
import random
import statistics
import string
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from questions.parser import MAX_QUESTION  # noqa: E402
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
        worst = _long_inputs(library, catalog, max(3, args.repeat // 4))
        answerer.segment.close()
    times.sort()
    p95 = times[int(0.95 * (len(times) - 1))]
    print(f"corpus: {len(corpus)} questions, {len(catalog.events)} events in the catalog, "
          f"{len(library.ids)} playbooks")
    print(f"accuracy: {right}/{len(corpus)} = {100 * right / len(corpus):.1f}%")
    print(f"parse time over {len(times)} parses: median {statistics.median(times):.2f} ms, "
          f"p95 {p95:.2f} ms, max {times[-1]:.2f} ms")
    print("inputs at the length limit (median / max over 10 texts of each kind):")
    for name, (median, most) in worst.items():
        print(f"  {name}: {median:.1f} / {most:.1f} ms")
    for q, why in misses:
        print(f"  miss: {q!r}: {why}")


def _long_inputs(library, catalog, repeat: int) -> dict[str, tuple[float, float]]:
    """Each kind of long input: 10 seeded texts cut at the length limit, each parsed `repeat` times (after one
    warm-up text of the kind: the first compiles its patterns once per process)."""
    rng = random.Random(2026)
    known = ("invites dau mau retention weekly monthly by platform last week yesterday signups funnel from to "
             "messages photo shared ios web android compare vs month before after").split()

    def word() -> str:
        return "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(2, 10)))

    kinds = {"unknown words": lambda: " ".join(word() for _ in range(400)),
             "known words in any order": lambda: " ".join(rng.choice(known) for _ in range(400)),
             "known and unknown words": lambda: " ".join(rng.choice(known + [word()]) for _ in range(400)),
             "an arrow chain": lambda: "signup -> invite -> " * 100,
             "one long word": lambda: rng.choice(string.ascii_lowercase) * 5000}
    out = {}
    for name, make in kinds.items():
        run_entry({"q": make()[:MAX_QUESTION]}, library, catalog)  # warm: the process's first text of the kind
        runs = []
        for _ in range(10):
            text = make()[:MAX_QUESTION]
            for _ in range(repeat):
                t0 = time.perf_counter()
                run_entry({"q": text}, library, catalog)
                runs.append((time.perf_counter() - t0) * 1000)
        out[name] = (statistics.median(runs), max(runs))
    return out


if __name__ == "__main__":
    main()
