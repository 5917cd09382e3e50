"""Where the event index keeps its tables: a SQLite file (the default, nothing to install) or a PostgreSQL database
(a shared deployment: several people read reports while one indexer writes, in a server the firm already runs
and backs up).

The index speaks one SQL dialect, the part SQLite (3.24+) and PostgreSQL share: `?` placeholders (rewritten to
`%s` for psycopg), `INSERT ... ON CONFLICT ... DO NOTHING / DO UPDATE`, row values. A store adds only what differs:
how a writer's transaction starts (SQLite's `BEGIN IMMEDIATE`; on PostgreSQL a transaction-scoped advisory lock,
so two indexers of one chain take turns instead of interleaving chunks), column types (block numbers are 64-bit:
BIGINT on PostgreSQL), and where one chain's tables live (a file per chain; a PostgreSQL schema per chain).

psycopg is imported only when a PostgreSQL URL is given, so SQLite users need nothing beyond the standard library.
"""
from __future__ import annotations

import re
import sqlite3
import zlib
from pathlib import Path
from typing import Any, Iterable, Sequence

from ..primitives.errors import ConfigError

POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def is_postgres_url(location: str | Path) -> bool:
    return isinstance(location, str) and location.startswith(POSTGRES_SCHEMES)


def describe(location: str | Path) -> str:
    """A location for messages, without a password."""
    return re.sub(r"://([^:/@]+):[^@]*@", r"://\1:***@", str(location))


class Store:
    """One connection to the index's tables, in autocommit mode: every write opens an explicit transaction
    (`begin` ... `commit`), so what commits together is visible in the index's code, and a reader between two
    writes sees whole chunks only."""

    kind: str
    where: str

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        raise NotImplementedError

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        raise NotImplementedError

    def begin(self) -> None:
        raise NotImplementedError

    def insert_many(self, table: str, columns: Sequence[str], rows: list[Sequence[Any]]) -> None:
        """Insert rows known to be new (the caller checked, inside its transaction)."""
        self.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})", rows)

    def commit(self) -> None:
        self.execute("COMMIT")

    def rollback(self) -> None:
        self.execute("ROLLBACK")

    def close(self) -> None:
        raise NotImplementedError

    def ddl(self, sql: str) -> str:
        """The shared schema text in this store's column types."""
        return sql

    def has_table(self, name: str) -> bool:
        raise NotImplementedError

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        return self.execute(sql, params).fetchall()

    def one(self, sql: str, params: Sequence[Any] = ()) -> tuple | None:
        return self.execute(sql, params).fetchone()


class SqliteStore(Store):
    """A SQLite file in WAL mode: readers in other processes see the last committed chunk while one writer works."""

    kind = "sqlite"

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.where = str(self.path)
        self.db = sqlite3.connect(str(self.path), isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("PRAGMA busy_timeout=30000")  # a reader or a second writer waits instead of failing

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self.db.execute(sql, params)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        self.db.executemany(sql, rows)

    def begin(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")

    def close(self) -> None:
        self.db.close()

    def has_table(self, name: str) -> bool:
        return self.one("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)) is not None


class PostgresStore(Store):
    """A PostgreSQL database through psycopg 3; one chain's tables in their own schema (`rwa_index_<chain id>` by
    default), created on first use."""

    kind = "postgresql"

    def __init__(self, url: str, schema: str):
        try:
            import psycopg
        except ImportError:
            raise ConfigError("an index in PostgreSQL needs psycopg: pip install 'psycopg[binary]'") from None
        if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", schema):
            raise ConfigError(f"index schema {schema!r}: use lower-case letters, digits and _")
        self.where = f"{describe(url)} (schema {schema})"
        try:
            self.db = psycopg.connect(url, autocommit=True)
        except psycopg.OperationalError as exc:
            raise ConfigError(f"cannot open the index at {describe(url)}: {str(exc).strip()}") from None
        self.schema = schema
        # Writers of one schema (one chain) serialise on this key, as SQLite's BEGIN IMMEDIATE does per file.
        self.lock_key = zlib.crc32(schema.encode())
        self.db.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
        self.db.execute(f'SET search_path TO "{schema}"')

    @staticmethod
    def _sql(sql: str) -> str:
        return sql.replace("?", "%s")

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self.db.execute(self._sql(sql), params or None)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        rows = list(rows)
        if rows:
            with self.db.cursor() as cur:
                cur.executemany(self._sql(sql), rows)

    def insert_many(self, table: str, columns: Sequence[str], rows: list[Sequence[Any]]) -> None:
        """COPY: several times faster than INSERTs, even pipelined."""
        if rows:
            with self.db.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)

    def begin(self) -> None:
        self.db.execute("BEGIN")
        self.db.execute("SELECT pg_advisory_xact_lock(%s)", (self.lock_key,))

    def close(self) -> None:
        self.db.close()

    def ddl(self, sql: str) -> str:
        return re.sub(r"\bINTEGER\b", "BIGINT", sql)

    def has_table(self, name: str) -> bool:
        return self.one("SELECT 1 FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
                        (self.schema, name)) is not None


def open_store(location: str | Path, schema: str = "rwa_index") -> Store:
    """A SQLite file path, or a `postgresql://` URL (with the schema that holds this index's tables)."""
    if is_postgres_url(location):
        return PostgresStore(str(location), schema)
    if isinstance(location, str) and "://" in location:
        raise ConfigError(f"index {describe(location)}: give a file path or a postgresql:// URL")
    return SqliteStore(location)
