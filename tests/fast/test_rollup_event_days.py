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


def _layout_of(tmp_path, extra: dict):
    """The layout the reader gives a build whose current.json holds `extra` besides the common fields."""
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
    (tmp_path / "current.json").write_text(json.dumps({**meta, **extra}))
    view, _ = reader.view((), datetime(2026, 12, 1))
    assert view is not None
    return view.layout


def test_a_build_from_before_the_table_is_read_without_it(tmp_path):
    """current.json of an older build names no event-days table: its answers read the activity rows (the next
    build or refresh makes the table from every day the file holds)."""
    assert _layout_of(tmp_path, {}).event_days is None
    assert _layout_of(tmp_path, {"tables": ["rollup_early"]}).event_days is None
    assert _layout_of(tmp_path, {"tables": [EVENT_DAYS_TABLE]}).event_days == EVENT_DAYS_TABLE


def test_a_build_with_the_older_two_records_of_derived_tables_is_read_as_before(tmp_path):
    """Builds before the derived tables were recorded in one list kept some in `tables` (the early actions and
    sessions) and others in `derived` ({relation: table}): read the same way as a build of this layout."""
    import dataclasses

    from rollup.derive import DERIVED_TABLES
    from rollup.early import EARLY_TABLES
    from rollup.paths import PATH_TABLES
    from rollup.pieces import PIECE_TABLES
    from rollup.returns import RELATIONS
    from rollup.sessions import SESSION_TABLES

    old = {"tables": [*EARLY_TABLES, *SESSION_TABLES], "derived": {**dict(RELATIONS), EVENT_DAYS_TABLE: EVENT_DAYS_TABLE}}
    before = _layout_of(tmp_path, old)
    now = _layout_of(tmp_path, {"tables": list(DERIVED_TABLES)})
    # those builds had no session pieces (rollup/pieces.py) or paths (rollup/paths.py): their sessions and user
    # paths answers read raw events
    newer = set(PIECE_TABLES) | set(PATH_TABLES)
    assert set(before.tables) == set(now.tables) - newer == set(DERIVED_TABLES) - newer
    assert dataclasses.replace(before, tables=now.tables) == now
    assert now.derived == tuple(sorted(RELATIONS)) and now.event_days == EVENT_DAYS_TABLE
    only_event_days = _layout_of(tmp_path, {"derived": {EVENT_DAYS_TABLE: EVENT_DAYS_TABLE}})  # before the returns
    assert only_event_days.event_days == EVENT_DAYS_TABLE and only_event_days.derived == ()


def test_the_paths_table_keeps_as_many_steps_as_user_path_asks_for_at_most():
    """rollup/paths.py keeps PATH_STEPS neighbours each side and reads READ_AROUND either side of a chunk: the
    playbook's largest `steps` must fit in them, at the widest gap kept (or its answers would be cut short)."""
    from playbooks import load_library
    from rollup.paths import PATH_GAPS, PATH_STEPS, READ_AROUND

    steps = load_library().get("user_path").param("steps")
    assert steps.maximum == PATH_STEPS
    assert READ_AROUND.total_seconds() >= PATH_STEPS * max(PATH_GAPS) * 60
