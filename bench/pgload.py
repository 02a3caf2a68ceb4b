"""Bulk-loading helpers for PostgreSQL: set indexes aside, COPY, rebuild.

Loading a table with its indexes and foreign keys in place costs an index insertion and
a lookup per row; building them afterwards is one sort each. `set_aside()` reads the
definitions from the catalog (so new indexes added by migrations are covered without
touching this file), drops them, and `rebuild()` recreates them: primary keys and unique
constraints first, then plain indexes on two connections at once, then foreign keys,
added NOT VALID and validated (one anti-join per key instead of a lookup per row).
"""

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

# Session settings for the loading connections: bulk work, nothing here is precious
# until the load is marked complete (an interrupted load is dropped and redone).
LOAD_OPTIONS = (
    "-c synchronous_commit=off -c maintenance_work_mem=512MB -c work_mem=64MB "
    "-c default_toast_compression=lz4 -c max_parallel_maintenance_workers=0"
)


@dataclass
class Saved:
    kind: str  # "key" (primary/unique), "index", "fk"
    table: str
    name: str
    definition: str


def connect(url, **kwargs):
    return psycopg.connect(url, options=LOAD_OPTIONS, autocommit=True, **kwargs)


def with_database(url, name):
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def database_name(url):
    return urlsplit(url).path.lstrip("/")


def recreate_database(url):
    """Drop and create the database `url` names (connecting to the `postgres` database)."""
    name = database_name(url)
    with psycopg.connect(with_database(url, "postgres"), autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def database_exists(url):
    name = database_name(url)
    with psycopg.connect(with_database(url, "postgres"), autocommit=True) as conn:
        row = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
    return row is not None


def saved_definitions(conn, tables):
    """Keys, indexes and foreign keys on `tables`, and foreign keys pointing at them."""
    saved = []
    rows = conn.execute(
        """
        SELECT c.contype, t.relname, c.conname, pg_get_constraintdef(c.oid)
        FROM pg_constraint c
        JOIN pg_class t ON t.oid = c.conrelid
        LEFT JOIN pg_class r ON r.oid = c.confrelid
        WHERE c.contype IN ('p', 'u', 'f')
          AND (t.relname = ANY(%(tables)s) OR (c.contype = 'f' AND r.relname = ANY(%(tables)s)))
          AND t.relnamespace = 'public'::regnamespace
        ORDER BY t.relname, c.conname
        """,
        {"tables": list(tables)},
    ).fetchall()
    for contype, table, name, definition in rows:
        saved.append(Saved("fk" if contype == "f" else "key", table, name, definition))
    rows = conn.execute(
        """
        SELECT t.relname, i.relname, pg_get_indexdef(i.oid)
        FROM pg_index x
        JOIN pg_class i ON i.oid = x.indexrelid
        JOIN pg_class t ON t.oid = x.indrelid
        WHERE t.relname = ANY(%(tables)s) AND t.relnamespace = 'public'::regnamespace
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid)
        ORDER BY t.relname, i.relname
        """,
        {"tables": list(tables)},
    ).fetchall()
    saved += [Saved("index", table, name, definition) for table, name, definition in rows]
    present = {item.name for item in saved}
    return saved + [item for item in remembered(conn, tables) if item.name not in present]


SAVED_TABLE = "bench_saved_ddl"


def remembered(conn, tables):
    """Definitions set aside by an earlier run that never rebuilt them (it was stopped)."""
    if not conn.execute("SELECT to_regclass(%s) IS NOT NULL", [SAVED_TABLE]).fetchone()[0]:
        return []
    rows = conn.execute(
        f"SELECT kind, table_name, name, definition FROM {SAVED_TABLE} "
        "WHERE table_name = ANY(%s) ORDER BY id",
        [list(tables)],
    ).fetchall()
    return [Saved(*row) for row in rows]


def set_aside(conn, saved):
    """Drop what `saved` lists: foreign keys first, since they depend on the keys.

    The definitions are also written to a table, so a run that is stopped before
    `rebuild()` leaves them for the next one instead of losing them.
    """
    conn.execute(
        f"CREATE TABLE IF NOT EXISTS {SAVED_TABLE} (id serial PRIMARY KEY, kind text, "
        "table_name text, name text UNIQUE, definition text)"
    )
    for item in saved:
        conn.execute(
            f"INSERT INTO {SAVED_TABLE} (kind, table_name, name, definition) "
            "VALUES (%s, %s, %s, %s) ON CONFLICT (name) DO NOTHING",
            [item.kind, item.table, item.name, item.definition],
        )
    for item in sorted(saved, key=lambda s: s.kind != "fk"):
        if item.kind == "index":
            conn.execute(sql.SQL("DROP INDEX IF EXISTS {}").format(sql.Identifier(item.name)))
        else:
            conn.execute(
                sql.SQL("ALTER TABLE {} DROP CONSTRAINT IF EXISTS {}").format(
                    sql.Identifier(item.table), sql.Identifier(item.name)
                )
            )


def _add_constraint(url, item, valid=True):
    with connect(url) as conn:
        suffix = "" if valid else " NOT VALID"
        conn.execute(
            sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} {}").format(
                sql.Identifier(item.table),
                sql.Identifier(item.name),
                sql.SQL(item.definition + suffix),
            )
        )
        if not valid:
            conn.execute(
                sql.SQL("ALTER TABLE {} VALIDATE CONSTRAINT {}").format(
                    sql.Identifier(item.table), sql.Identifier(item.name)
                )
            )
    return item.name


def _create_index(url, item):
    with connect(url) as conn:
        conn.execute(sql.SQL(item.definition))
    return item.name


def rebuild(url, saved, workers=2, progress=None, largest_first=()):
    """Recreate what `set_aside` dropped, `workers` statements at a time.

    Tables named in `largest_first` go first, so the connections finish together.
    """
    rank = {table: n for n, table in enumerate(largest_first)}
    saved = sorted(saved, key=lambda item: rank.get(item.table, len(rank)))
    steps = [
        [(_add_constraint, item) for item in saved if item.kind == "key"],
        [(_create_index, item) for item in saved if item.kind == "index"],
        [
            (lambda u, it: _add_constraint(u, it, valid=False), it)
            for it in saved
            if it.kind == "fk"
        ],
    ]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for step in steps:
            for name in pool.map(lambda job: job[0](url, job[1]), step):
                if progress:
                    progress(name)
    with connect(url) as conn:
        names = [item.name for item in saved]
        if conn.execute("SELECT to_regclass(%s) IS NOT NULL", [SAVED_TABLE]).fetchone()[0]:
            conn.execute(f"DELETE FROM {SAVED_TABLE} WHERE name = ANY(%s)", [names])


def copy_lines(conn, table, columns, lines):
    """COPY pre-formatted text lines (tab-separated, \\N for NULL) into `table`."""
    if not lines:
        return
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    data = ("\n".join(lines) + "\n").encode()
    with conn.cursor().copy(statement) as copy:
        view = memoryview(data)
        for offset in range(0, len(data), 1 << 20):
            copy.write(view[offset : offset + (1 << 20)])


def reset_sequences(conn, tables):
    """Move identity sequences past the explicit ids the load wrote."""
    for table in tables:
        conn.execute(
            sql.SQL(
                "SELECT setval(pg_get_serial_sequence({t}, 'id'), "
                "COALESCE((SELECT max(id) FROM {i}), 0) + 1, false)"
            ).format(t=sql.Literal(table), i=sql.Identifier(table))
        )
