"""The 81 kinds of hostile custom playbook (finding 5: each passed the read-only check), for the fast tier
(the check alone) and the engine tier (as custom playbooks, refused before the warehouse).

Each is (kind, SQL fragment, where): `select` puts the fragment in the select list, `from` joins it as a
table (a table function or a relation), `query` replaces the whole body."""

from __future__ import annotations

HOSTILE: list[tuple[str, str, str]] = [
    # PostgreSQL: the server's files and large objects
    ("read a server file", "pg_read_file('/etc/passwd')", "select"),
    ("read a server file as bytes", "pg_read_binary_file('/etc/passwd')", "select"),
    ("stat a server file", "pg_stat_file('/etc/passwd')", "select"),
    ("list a server directory", "pg_ls_dir('/')", "from"),
    ("list the log directory", "pg_ls_logdir()", "from"),
    ("list the WAL directory", "pg_ls_waldir()", "from"),
    ("list the temp directory", "pg_ls_tmpdir()", "from"),
    ("list the archive status directory", "pg_ls_archive_statusdir()", "from"),
    ("name the current log file", "pg_current_logfile()", "select"),
    ("import a file as a large object", "lo_import('/etc/passwd')", "select"),
    ("export a large object to a file", "lo_export(1, '/tmp/playbot-probe')", "select"),
    ("read a large object", "lo_get(1)", "select"),
    ("create a large object", "lo_from_bytea(0, 'x')", "select"),
    ("delete a large object", "lo_unlink(1)", "select"),
    ("write into a large object", "lowrite(0, 'x')", "select"),
    ("write a server file (adminpack)", "pg_file_write('/tmp/playbot-probe', 'x', false)", "select"),
    # PostgreSQL: administering the server
    ("terminate a backend", "pg_terminate_backend(pg_backend_pid())", "select"),
    ("cancel a backend", "pg_cancel_backend(1)", "select"),
    ("reload the configuration", "pg_reload_conf()", "select"),
    ("rotate the log file", "pg_rotate_logfile()", "select"),
    ("dump backend memory to the log", "pg_log_backend_memory_contexts(1)", "select"),
    ("create a restore point", "pg_create_restore_point('playbot')", "select"),
    ("switch the WAL file", "pg_switch_wal()", "select"),
    ("start a backup", "pg_backup_start('playbot')", "select"),
    ("promote a standby", "pg_promote()", "select"),
    ("create a replication slot", "pg_create_logical_replication_slot('playbot', 'test_decoding')", "from"),
    ("drop a replication slot", "pg_drop_replication_slot('playbot')", "select"),
    ("read a replication slot's changes", "pg_logical_slot_get_changes('playbot', NULL, NULL)", "from"),
    ("create a replication origin", "pg_replication_origin_create('playbot')", "select"),
    ("pause WAL replay", "pg_wal_replay_pause()", "select"),
    ("reset the statistics", "pg_stat_reset()", "select"),
    ("reset pg_stat_statements", "pg_stat_statements_reset()", "select"),
    ("import system collations", "pg_import_system_collations('pg_catalog')", "select"),
    # PostgreSQL: session state that outlives the query on a pooled connection
    ("take an advisory lock and keep it", "pg_advisory_lock(42)", "select"),
    ("take a transaction advisory lock", "pg_advisory_xact_lock(42)", "select"),
    ("try an advisory lock", "pg_try_advisory_lock(42)", "select"),
    ("release every advisory lock", "pg_advisory_unlock_all()", "select"),
    ("switch the statement timeout off", "set_config('statement_timeout', '0', false)", "select"),
    ("switch read-only off", "set_config('default_transaction_read_only', 'off', false)", "select"),
    ("export a snapshot", "pg_export_snapshot()", "select"),
    # PostgreSQL: SQL from a string (unseen by the read-only check)
    ("run SQL given as text", "query_to_xml('DELETE FROM events', true, false, '')", "select"),
    ("run SQL for its schema", "query_to_xmlschema('SELECT 1', true, false, '')", "select"),
    ("read a cursor as XML", "cursor_to_xml('c', 1, true, false, '')", "select"),
    ("dump a table as XML", "table_to_xml('pg_authid', true, false, '')", "select"),
    ("dump a schema as XML", "schema_to_xml('public', true, false, '')", "select"),
    # PostgreSQL: other databases
    ("query another server", "dblink('host=198.51.100.1', 'SELECT 1') AS remote(a int)", "from"),
    ("write on another server", "dblink_exec('host=198.51.100.1', 'DROP TABLE x')", "select"),
    ("connect to another server", "dblink_connect('c', 'host=198.51.100.1')", "select"),
    # PostgreSQL: writes a read-only session may not stop
    ("advance a sequence", "nextval('playbot_probe_seq')", "select"),
    ("set a sequence", "setval('playbot_probe_seq', 1)", "select"),
    ("send a notification", "pg_notify('playbot', 'x')", "select"),
    # PostgreSQL: relations with credentials or server configuration
    ("read password hashes (pg_authid)", "pg_authid", "from"),
    ("read password hashes (pg_shadow)", "pg_shadow", "from"),
    ("read foreign-server passwords", "pg_user_mappings", "from"),
    ("read pg_hba.conf", "pg_hba_file_rules", "from"),
    ("read postgresql.conf", "pg_file_settings", "from"),
    ("read large objects' bytes", "pg_largeobject", "from"),
    # the same, written to slip past a simple check
    ("schema-qualified file read", "pg_catalog.pg_read_file('/etc/passwd')", "select"),
    ("upper-case file read", "PG_READ_FILE('/etc/passwd')", "select"),
    ("quoted function name", '"pg_read_file"(\'/etc/passwd\')', "select"),
    ("schema-qualified relation", "pg_catalog.pg_shadow", "from"),
    ("inside a CTE", "WITH leak AS (SELECT pg_read_file('/etc/passwd') AS secret) SELECT secret, 1 AS signups FROM leak",
     "query"),
    ("inside a WHERE subquery", "SELECT source, COUNT(*) AS signups FROM events WHERE occurred_at >= :start "
     "AND occurred_at < :end AND EXISTS (SELECT pg_ls_dir('/')) GROUP BY source", "query"),
    ("inside a CASE", "CASE WHEN 1 = 1 THEN pg_read_file('/etc/passwd') END", "select"),
    ("inside an aggregate", "MAX(lo_import('/etc/passwd'))", "select"),
    ("in a UNION branch", "SELECT source, COUNT(*) AS signups FROM events WHERE occurred_at >= :start AND "
     "occurred_at < :end GROUP BY source UNION ALL SELECT pg_read_file('/etc/passwd'), 0", "query"),
    # DuckDB: files, other databases, SQL from a string, secrets
    ("DuckDB: read a CSV file", "read_csv('/etc/passwd')", "from"),
    ("DuckDB: read a CSV file (auto)", "read_csv_auto('/etc/passwd')", "from"),
    ("DuckDB: read a text file", "read_text('/etc/passwd')", "from"),
    ("DuckDB: read a file's bytes", "read_blob('/etc/passwd')", "from"),
    ("DuckDB: read a JSON file", "read_json('/etc/passwd')", "from"),
    ("DuckDB: read a Parquet file", "read_parquet('/tmp/playbot-probe.parquet')", "from"),
    ("DuckDB: scan a Parquet file", "parquet_scan('/tmp/playbot-probe.parquet')", "from"),
    ("DuckDB: list files", "glob('/*')", "from"),
    ("DuckDB: read a SQLite file (downloads an extension)", "sqlite_scan('/tmp/playbot-probe.db', 't')", "from"),
    ("DuckDB: read another PostgreSQL", "postgres_scan('host=198.51.100.1', 'public', 't')", "from"),
    ("DuckDB: run SQL given as text", "query('SELECT 1')", "from"),
    ("DuckDB: list stored secrets", "duckdb_secrets()", "from"),
    ("DuckDB: read a file named as a table", '"/etc/passwd"', "from"),
    ("DuckDB: read a CSV named as a table", '"exports.csv"', "from"),
    ("DuckDB: read an environment variable", "getenv('HOME')", "select"),
]
assert len(HOSTILE) == 81, len(HOSTILE)

PLAYBOOK_HEADER = """/* playbook
id: {id}
title: Probe {n}
question: A hostile probe
params:
  start: {{type: date}}
  end: {{type: date}}
examples: [hostile probe {n} last 30 days]
words: [hostile probe {n}]
*/
"""


def body(fragment: str, where: str) -> str:
    """The SQL of a custom playbook that does this, on the events relation so it renders like any other."""
    if where == "query":
        return fragment
    select = fragment if where == "select" else "1"
    join = f"CROSS JOIN {fragment}" if where == "from" and " AS " in fragment else (
        f"CROSS JOIN {fragment} AS probe" if where == "from" else "")
    return (f"SELECT source, COUNT(*) AS signups, {select} AS probe_value\nFROM events {join}\n"
            "WHERE occurred_at >= :start AND occurred_at < :end\nGROUP BY source")


def playbook(n: int, fragment: str, where: str) -> tuple[str, str]:
    """(id, file text) of custom playbook number n."""
    playbook_id = f"hostile_probe_{n}"
    return playbook_id, PLAYBOOK_HEADER.format(id=playbook_id, n=n) + body(fragment, where) + "\n"
