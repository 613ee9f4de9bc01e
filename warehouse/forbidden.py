"""Functions, table functions and relations no playbook may use, per engine: the ones that read or write
the server's files, administer the server, change or hold session state, run SQL from a string (whose
text would escape the read-only check), reach other databases or the network, or reveal secrets.

A playbook is written once for every engine (PostgreSQL SQL, translated), so a name denied on one engine
is refused on all. This is the first of three fences: DuckDB also runs with external access disabled and
no extension loading (warehouse/engines/duckdb.py), and PostgreSQL and Redshift should be reached as the
read-only, non-superuser role docs/reliability.md gives the GRANTs for.
"""

from __future__ import annotations

import re

FILES = "reads or writes files on the database server"
ADMIN = "administers the server (signals, configuration, backups, replication)"
SESSION = "changes or holds session state that outlives the query (settings, locks)"
DYNAMIC = "runs SQL given as a string, which the read-only check cannot see"
REMOTE = "reaches other databases, files or the network"
WRITES = "writes (sequences, large objects, notifications)"
SECRETS = "reveals credentials"

# name patterns (full match, lower case) -> why
POSTGRES: dict[str, str] = {
    r"pg_read_file|pg_read_binary_file|pg_stat_file|pg_ls_\w+|pg_file_\w+|pg_logdir_ls": FILES,
    r"pg_current_logfile": FILES,
    r"lo_\w+|loread|lowrite": FILES,  # large objects: lo_import / lo_export read and write server files
    r"pg_terminate_backend|pg_cancel_backend|pg_reload_conf|pg_rotate_logfile|pg_log_backend_memory_contexts": ADMIN,
    r"pg_(create|drop|copy)_\w*replication_slot|pg_replication_\w+|pg_logical_\w+|pg_replication_origin_\w+": ADMIN,
    r"pg_(start|stop)_backup|pg_backup_(start|stop)|pg_create_restore_point|pg_switch_wal|pg_promote": ADMIN,
    r"pg_wal_replay_\w+|pg_stat_reset\w*|pg_stat_statements_reset|pg_import_system_collations": ADMIN,
    r"pg_(try_)?advisory_\w+": SESSION,
    r"set_config|pg_export_snapshot": SESSION,
    r"(query|cursor|table|schema|database)_to_xml\w*|query_to_xmlschema": DYNAMIC,
    r"dblink\w*": REMOTE,
    r"nextval|setval|pg_notify": WRITES,
}
REDSHIFT: dict[str, str] = {**POSTGRES}
DUCKDB: dict[str, str] = {
    r"read_\w+|parquet_\w+|sniff_csv|glob|st_read\w*|iceberg_\w+|delta_scan|read_xlsx": FILES,
    r"sqlite_\w+|postgres_\w+|mysql_\w+|odbc_\w+": REMOTE,
    r"query|query_table|json_execute_serialized_sql": DYNAMIC,
    r"duckdb_secrets|which_secret|load_aws_credentials|getenv": SECRETS,
}
ENGINES = {"postgres": POSTGRES, "redshift": REDSHIFT, "duckdb": DUCKDB}

# relations that hold credentials or server configuration
RELATIONS: dict[str, str] = {
    r"pg_authid|pg_shadow|pg_user_mappings?|pg_hba_file_rules|pg_ident_file_mappings|pg_file_settings": SECRETS,
    r"pg_largeobject\w*": FILES,
}
# a table named like a file or URL: DuckDB reads `FROM 'data.csv'` (and `FROM "/etc/passwd"`) as the file
FILE_LIKE_TABLE = re.compile(r"[/\\:~]|\.(csv|tsv|txt|json|jsonl|ndjson|parquet|gz|zst|db|sqlite|duckdb|xlsx|arrow)$",
                             re.IGNORECASE)

_FUNCTIONS = [(re.compile(pattern), reason) for table in ENGINES.values() for pattern, reason in table.items()]
_RELATIONS = [(re.compile(pattern), reason) for pattern, reason in RELATIONS.items()]


def forbidden_function(name: str) -> str | None:
    """Why a function of this name may not run, or None."""
    lowered = name.lower()
    return next((reason for pattern, reason in _FUNCTIONS if pattern.fullmatch(lowered)), None)


def forbidden_relation(name: str) -> str | None:
    lowered = name.lower()
    if FILE_LIKE_TABLE.search(lowered):
        return "names a file or URL, which DuckDB would read"
    return next((reason for pattern, reason in _RELATIONS if pattern.fullmatch(lowered)), None)
