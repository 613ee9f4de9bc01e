"""The signed-in event-days table of the rollup (segment/rollup_event_days.py): which rendered bodies may read
it, and the events relation over it (the numbers both ways: tests/engines/test_rollup.py)."""

from segment.dimensions import DIMENSIONS
from segment.relations import RelationPlan
from segment.rollup import RollupLayout, rollup_ctes
from segment.rollup_event_days import EVENT_DAYS_TABLE, reads_only_signed_in_activity
from tests.helpers import builtin_library

GUARD = "WHERE occurred_at >= :start AND NOT is_anonymous\n    AND counts_as_activity"


def test_only_bodies_that_read_signed_in_activity_alone_may_read_it():
    assert reads_only_signed_in_activity(f"SELECT user_id, event_name FROM events {GUARD}")
    assert not reads_only_signed_in_activity("SELECT user_id FROM events WHERE counts_as_activity")  # visitors too
    assert not reads_only_signed_in_activity(f"SELECT source FROM events {GUARD}")  # a column it leaves out
    assert not reads_only_signed_in_activity(f"SELECT SUM(n) FROM events {GUARD}")
    assert not reads_only_signed_in_activity(  # a second read without the guard
        f"SELECT user_id FROM events {GUARD} UNION ALL SELECT user_id FROM events WHERE is_anonymous")
    assert not reads_only_signed_in_activity("SELECT 1 AS x")


def test_feature_adoption_opts_in_and_reads_it_only_without_a_dimension():
    pb = builtin_library().get("feature_adoption")
    assert pb.rollup_option("event_days") and not pb.rollup_option("times")
    layout = RollupLayout(("platform",), event_days=EVENT_DAYS_TABLE, use_event_days=True)
    plain = "\n".join(rollup_ctes(RelationPlan(need_events=True), layout))
    assert f"FROM {EVENT_DAYS_TABLE}" in plain and "rollup_activity" not in plain
    for plan in (RelationPlan(need_events=True, dimensions=(DIMENSIONS["platform"],)),
                 RelationPlan(need_events=True, dimensions=(DIMENSIONS["platform"],),
                              event_filters=((DIMENSIONS["platform"], "_filters0"),))):
        carried = "\n".join(rollup_ctes(plan, layout))
        assert EVENT_DAYS_TABLE not in carried and "rollup_activity" in carried
    older = RollupLayout(("platform",), use_event_days=True)  # a file built before the table existed
    assert EVENT_DAYS_TABLE not in "\n".join(rollup_ctes(RelationPlan(need_events=True), older))


def test_a_build_from_before_the_table_is_read_without_it(tmp_path):
    """current.json of an older build has no `derived`: its answers read the activity rows (the next build or
    refresh makes the table from every day the file holds)."""
    import json
    from datetime import datetime

    from config import Config, RollupConfig
    from rollup import RollupReader, RollupStore

    store = RollupStore(tmp_path)
    (tmp_path / "activity-old.duckdb").write_bytes(b"")
    meta = {"file": "activity-old.duckdb", "built_at": "2026-12-01T00:00:00", "as_of": "2026-12-01T00:00:00",
            "version": [], "first_day": "2026-06-01", "days_read": 1, "activity_rows": 1, "people_rows": 1,
            "seconds": 0.1, "kind": "full"}
    reader = RollupReader(Config(warehouses={}, rollup=RollupConfig(dir=tmp_path)), store)
    reader._warehouse = lambda meta: None  # the layout is what is checked here, no file is opened
    for derived, expected in (None, None), ({EVENT_DAYS_TABLE: EVENT_DAYS_TABLE}, EVENT_DAYS_TABLE):
        (tmp_path / "current.json").write_text(json.dumps({**meta, **({"derived": derived} if derived else {})}))
        store._cached = None
        view, _ = reader.view((), datetime(2026, 12, 1))
        assert view is not None and view.layout.event_days == expected
