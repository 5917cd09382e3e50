"""The event index of an offering's contracts, the source every report reads: a SQLite file per chain (the
default) or a PostgreSQL database shared by a team (`rwa --index postgresql://...` or `$RWA_INDEX_URL`; the same
tables in a schema per chain; `rwa_token.store.backends`).

Reading history through `eth_call` at past blocks needs an archive node and one call per holder; an index
built from `eth_getLogs` needs neither, works offline once built, and answers "who held what at block N"
exactly for any N. The index is built incrementally:

* **Chunked log queries.** `eth_getLogs` is asked for a range of blocks at a time. Providers cap the
  number of results or the range; when a query fails the range is halved and retried, and after each
  success it grows back (doubling up to `max_chunk`), so one busy stretch does not slow the whole sync. The
  range also shrinks when an answer holds more than `max_logs` logs, so one chunk's logs, decoded and applied
  as one batch, take bounded memory however many events the chain holds.
* **One transaction per chunk.** A chunk's events, its block hashes and the cursor (the last fully
  indexed block) commit together, so a crash or a Ctrl-C loses at most the chunk in flight and the next
  `sync` resumes from the cursor. Events are keyed by (block, log index): applying a chunk twice is a
  no-op, and derived tables are only touched when an event is new. Readers (reports, in other processes too)
  see whole chunks only; two indexers of one chain take turns chunk by chunk.
* **Reorg safety.** The hashes of the last `keep_blocks` indexed blocks (plus every block that holds an
  event, which also gives each event its timestamp) are kept. Each sync first compares the stored hash of
  the cursor block with the chain's; on a mismatch it finds the fork point by binary search over the
  stored blocks (a block whose hash still matches fixes all its ancestors), deletes everything from
  there and indexes again. If nothing stored matches, the index starts over.
* **Every contract, from its start.** An address first asked for after the cursor passed it (a module deployed
  later), or asked for from an earlier block than it is watched from (an offering's first transaction, before
  its factory call), is back-filled from that block before the index moves on. `sync_offering` watches every
  contract of an offering from its first block.
* **Fast decoding.** Logs are decoded by slicing their topics and data (`rwa_token.store.decode`), each address
  checksummed once.

Numbers are exact: every integer inside an event's arguments is stored as a decimal string in the JSON,
and balances are TEXT summed with Python integers, so uint256 values never pass through a float or a
64-bit integer column.

Derived tables, maintained as events are applied:
    balances(token, wallet, balance)                      current balance per token and wallet
    wallets(registry, wallet, investor_key, country, categories, kyc_expiry, frozen)
    senders(tx_hash, sender)                             who sent each transaction (read once, on demand)
Historical views (`balances_at`, `wallets_at`) are computed from the events table. `schema_version` records the
tables' version; an index made by an earlier version is migrated in place when opened.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping, Sequence

from eth_utils import to_checksum_address

from ..chain.tx import Transactor
from ..contracts.events import RegistryEvents as R
from ..contracts.events import TokenEvents as T
from ..primitives.errors import ChainError, ConfigError, RwaError, TransactionError
from ..primitives.units import ZERO_ADDRESS
from .backends import Store, is_postgres_url, open_store
from .decode import fast_decode, hex_int
from .journal import Progress
from .state import DeploymentRecord

SCHEMA_VERSION = 2
KEY_MASK = (1 << 128) - 1
PAGE = 5_000  # rows read per query by the streaming reads (memory flat in the number of events)
KEYS_PER_QUERY = 500  # wallets per balance lookup

REGISTRY_EVENTS = R.RECORD_CHANGES

# Version 1: the tables of the first index (a SQLite file with its version in meta).
_SCHEMA_V1 = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS watched (address TEXT PRIMARY KEY, start_block INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS events (
    block INTEGER NOT NULL,
    log_index INTEGER NOT NULL,
    tx_hash TEXT NOT NULL,
    address TEXT NOT NULL,
    event TEXT NOT NULL,
    args TEXT NOT NULL,
    PRIMARY KEY (block, log_index)
);
CREATE INDEX IF NOT EXISTS events_by_contract ON events (address, event, block);
CREATE INDEX IF NOT EXISTS events_by_name ON events (event, block);
CREATE TABLE IF NOT EXISTS blocks (number INTEGER PRIMARY KEY, hash TEXT NOT NULL, timestamp INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS senders (tx_hash TEXT PRIMARY KEY, sender TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS balances (
    token TEXT NOT NULL, wallet TEXT NOT NULL, balance TEXT NOT NULL, PRIMARY KEY (token, wallet)
);
CREATE TABLE IF NOT EXISTS wallets (
    registry TEXT NOT NULL,
    wallet TEXT NOT NULL,
    investor_key TEXT NOT NULL,
    country INTEGER NOT NULL,
    categories INTEGER NOT NULL,
    kyc_expiry INTEGER NOT NULL,
    frozen INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (registry, wallet)
);
"""

# Each later version: the statements that migrate the one before it, run in one transaction.
_MIGRATIONS: dict[int, str] = {
    # The version gets a table of its own, with when each version was applied (meta keeps a copy, which is what
    # an index of version 1 reads to refuse a newer file).
    2: "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL);",
}


class IndexStateError(RwaError):
    """The index cannot be used as asked (wrong chain, not synced far enough, no chain connection)."""


class ReorgDuringSync(RwaError):
    """The chain changed under a chunk being indexed; the sync loop starts over from a reorg check."""


@dataclass(frozen=True)
class IndexedEvent:
    """One stored event. `args` keeps integers as decimal strings: use `int(e.args[name])`."""

    block: int
    log_index: int
    tx_hash: str
    address: str
    event: str
    args: dict[str, Any]


@dataclass(frozen=True)
class WalletRecord:
    """A wallet's registry record as the events describe it."""

    registry: str
    wallet: str
    investor_key: str  # 0x + 32 hex digits: equal for every wallet of one investor
    country: int
    categories: int
    kyc_expiry: int
    frozen: bool


def _jsonable(value: Any) -> Any:
    """Decoded ABI values -> JSON that loses nothing: ints as decimal strings, bytes as 0x hex."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, (bytes, bytearray)):
        return "0x" + bytes(value).hex()
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return str(value)


def _checksum(value: str, field: str = "address") -> str:
    try:
        return to_checksum_address(value)
    except (ValueError, TypeError):
        raise ConfigError(f"{field}: {value!r} is not an Ethereum address") from None


def investor_key(investor_id: str | bytes) -> str:
    """The registry's investor key: the low 128 bits of the investor id, as 0x + 32 hex digits."""
    raw = bytes.fromhex(investor_id[2:]) if isinstance(investor_id, str) else bytes(investor_id)
    return f"0x{int.from_bytes(raw, 'big') & KEY_MASK:032x}"


class EventIndex:
    """The event index of one chain: a SQLite file, or (`location` a `postgresql://` URL) a schema of a
    PostgreSQL database.

    `tx` is needed to sync and to look blocks up by date; a built index can be read without it. `chunk_size` is
    the first block range asked for: small, so the first answer is small however dense the chain is; it doubles
    while answers hold under half of `max_logs` logs, up to `max_chunk` blocks.
    """

    def __init__(self, location: str | Path, tx: Transactor | None = None, *, chunk_size: int = 16,
                 max_chunk: int = 10_000, keep_blocks: int = 64, max_logs: int = 10_000,
                 schema: str = "rwa_index"):
        self.store: Store = open_store(location, schema)
        self.db = self.store.db  # the driver's connection (sqlite3 or psycopg), for inspection
        self.path = self.store.where
        self.tx = tx
        self.chunk_size = max(1, chunk_size)
        self.max_chunk = max(self.chunk_size, max_chunk)
        self.keep_blocks = max(1, keep_blocks)
        self.max_logs = max(1, max_logs)
        try:
            self._install()
            self._check_chain()
        except BaseException:
            self.store.close()
            raise

    @classmethod
    def for_chain(cls, state_dir: str | Path, tx: Transactor, url: str | None = None,
                  **options: Any) -> "EventIndex":
        """The conventional location: `<state_dir>/index-<chainid>.sqlite`, or with a PostgreSQL `url` the schema
        `rwa_index_<chainid>` of that database."""
        chain_id = tx.chain.chain_id
        if url:
            if not is_postgres_url(url):
                raise ConfigError(f"--index {url!r}: give a postgresql:// URL (the default is a SQLite file in "
                                  "the state folder)")
            return cls(url, tx, schema=f"rwa_index_{chain_id}", **options)
        return cls(Path(state_dir) / f"index-{chain_id}.sqlite", tx, **options)

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> "EventIndex":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- schema ---------------------------------------------------------------------------------
    def _version(self) -> int | None:
        """The tables' version: None for an empty store; 1 for an index made before versions had a table."""
        if self.store.has_table("schema_version"):
            row = self.store.one("SELECT MAX(version) FROM schema_version")
            return int(row[0]) if row and row[0] is not None else 1
        if self.store.has_table("meta"):
            stored = self._meta("schema")
            return int(stored) if stored is not None and stored.isdigit() else 1
        return None

    def _install(self) -> None:
        """Create the tables, or migrate an earlier version's in place (one transaction: a crash leaves the old
        version, and the next open migrates again)."""
        version = self._version()
        if version == SCHEMA_VERSION:
            return
        if version is not None and version > SCHEMA_VERSION:
            raise IndexStateError(f"{self.path} was built by a newer version of the index (schema {version}); "
                                  "upgrade rwa-token to read it")
        self.store.begin()
        try:
            version = self._version()  # another process may have migrated it while this one waited
            if version is None or version < SCHEMA_VERSION:
                steps = [_SCHEMA_V1, *(_MIGRATIONS[v] for v in range((version or 1) + 1, SCHEMA_VERSION + 1))]
                for script in steps:
                    for statement in self.store.ddl(script).split(";"):
                        if statement.strip():
                            self.store.execute(statement)
                now = int(time.time())
                self.store.executemany("INSERT INTO schema_version (version, applied_at) VALUES (?, ?) "
                                       "ON CONFLICT (version) DO NOTHING",
                                       [(v, now) for v in range(version or SCHEMA_VERSION, SCHEMA_VERSION + 1)])
                self._set_meta("schema", str(SCHEMA_VERSION))
            self.store.commit()
        except BaseException:
            self.store.rollback()
            raise

    def schema_versions(self) -> list[int]:
        """The versions this index's tables went through (the first one it was made with, then each migration)."""
        return [int(v) for (v,) in self.store.query("SELECT version FROM schema_version ORDER BY version")]

    # --- metadata -------------------------------------------------------------------------------
    def _meta(self, key: str) -> str | None:
        row = self.store.one("SELECT value FROM meta WHERE key = ?", (key,))
        return row[0] if row else None

    def _set_meta(self, key: str, value: str) -> None:
        self.store.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET "
                           "value = excluded.value", (key, value))

    def _check_chain(self) -> None:
        """An index belongs to one chain: refuse to mix two chains' events in one file or schema."""
        stored = self._meta("chain_id")
        if self.tx is None:
            return
        chain_id = str(self.tx.chain.chain_id)
        if stored is None:
            self._set_meta("chain_id", chain_id)
        elif stored != chain_id:
            raise IndexStateError(f"{self.path} indexes chain {stored}, but the connection is to chain {chain_id}: "
                              "use a separate index file per chain")

    @property
    def cursor(self) -> int | None:
        """The last block whose events are all indexed (None before the first sync)."""
        value = self._meta("cursor")
        return int(value) if value is not None else None

    def watched(self) -> dict[str, int]:
        """Watched contract addresses and the block each one is indexed from."""
        return dict(self.store.query("SELECT address, start_block FROM watched ORDER BY address"))

    def _need_tx(self) -> Transactor:
        if self.tx is None:
            raise IndexStateError("this index was opened without a chain connection: pass a Transactor to sync")
        return self.tx

    # --- chain access ---------------------------------------------------------------------------
    def _header(self, number: int) -> tuple[str, int] | None:
        """(hash, timestamp) of block `number` on the chain now, or None if the chain is shorter."""
        return self._headers([number])[number]

    def _headers(self, numbers: Sequence[int]) -> dict[int, tuple[str, int] | None]:
        """(hash, timestamp) of several blocks, 500 per HTTP request (one request each on a node that does not
        batch)."""
        chain = self._need_tx().chain
        found: dict[int, tuple[str, int] | None] = {}
        for start in range(0, len(numbers), 500):
            part = list(numbers[start:start + 500])
            calls = [("eth_getBlockByNumber", [hex(n), False]) for n in part]
            answers = chain.rpc_batch(calls)
            for number, response in zip(part, answers):
                if "error" in response:
                    raise TransactionError(f"eth_getBlockByNumber({number}) failed: {response['error']}")
                block = response.get("result")
                found[number] = (block["hash"], int(block["timestamp"], 16)) if block else None
        return found

    # --- sync -----------------------------------------------------------------------------------
    def sync(self, addresses: Iterable[str], from_block: int = 0, to_block: int | None = None,
             progress: Progress | None = None, confirmations: int = 0) -> int:
        """Index the events of `addresses` up to `to_block` (default: the chain head minus `confirmations`).

        Returns the new cursor. Resumes where the last sync stopped; re-indexes from the fork point if the
        chain reorganised below the cursor; an address seen for the first time is back-filled from
        `from_block` up to the cursor before the index moves on.
        """
        tx = self._need_tx()
        wanted = sorted({_checksum(a) for a in addresses})
        if not wanted:
            raise ConfigError("sync: give at least one contract address to index")
        if from_block < 0:
            raise ConfigError(f"sync: from_block {from_block} is negative")
        for attempt in range(5):
            try:
                head = to_block if to_block is not None else tx.chain.block_number() - confirmations
                self._handle_reorg()
                self._watch(wanted, from_block, progress)
                cursor = self.cursor
                start = from_block if cursor is None else cursor + 1
                if cursor is None:
                    self._begin()
                    self._set_meta("cursor", str(from_block - 1))
                    self.store.commit()
                # The cursor is shared, so every watched address moves with it, named in this call or not.
                self._index_range(sorted(self.watched()), start, head, progress)
                return self.cursor if self.cursor is not None else from_block - 1
            except ReorgDuringSync:
                continue
        raise IndexStateError("the chain kept reorganising during the sync; try again, or sync with confirmations=N")

    def _begin(self) -> None:
        self.store.begin()

    def _watch(self, wanted: Sequence[str], from_block: int, progress: Progress | None) -> None:
        """Record new addresses, and addresses now asked for from an earlier block than they are watched from;
        back-fill their history up to the cursor, then rebuild derived tables (back-filled events arrive out of
        order, and the wallets table depends on order).

        So a contract deployed after the index passed it (a module added later) is indexed from the first block
        asked for, and an index built from a later block (an offering's factory call) reaches back to the
        offering's first transaction once asked to."""
        known = self.watched()
        cursor = self.cursor
        gaps = {a: known.get(a, cursor + 1 if cursor is not None else from_block) - 1 for a in wanted
                if a not in known or known[a] > from_block}
        if not gaps:
            return
        backfill = cursor is not None and cursor >= from_block
        if backfill:
            # Interrupted here, the address is still "new" (or still watched from its later block) next time and
            # the back-fill simply runs again: events already stored are ignored, and the rebuild fixes the
            # derived tables.
            for end in sorted(set(gaps.values())):
                self._index_range([a for a, e in gaps.items() if e == end], from_block, min(end, cursor), progress,
                                  move_cursor=False)
        self._begin()
        try:
            self.store.executemany("INSERT INTO watched (address, start_block) VALUES (?, ?) ON CONFLICT (address) "
                                   "DO UPDATE SET start_block = excluded.start_block",
                                   [(a, from_block) for a in gaps])
            if backfill:
                self._rebuild_derived()
            self.store.commit()
        except BaseException:
            self.store.rollback()
            raise

    def _index_range(self, addresses: Sequence[str], start: int, end: int, progress: Progress | None,
                     move_cursor: bool = True) -> None:
        tx = self._need_tx()
        block = start
        while block <= end:
            size = self.chunk_size
            last = min(end, block + size - 1)
            try:
                logs = tx.get_logs(list(addresses), block, last)
            except (TransactionError, ChainError):
                # Too many results, range too wide, too large an answer or a timeout on a heavy range: ask for less.
                if size == 1:
                    raise
                self.chunk_size = max(1, size // 2)
                continue
            count = len(logs)
            self._commit_chunk(logs, block, last, end, move_cursor)
            del logs
            if progress is not None:
                progress(last, end)
            # Split by count as well as by range: a chunk that brought more than `max_logs` logs halves the next
            # range; one well under it lets the range grow back.
            if count > self.max_logs:  # aim the next range at half the limit, the events being as dense
                self.chunk_size = max(1, min(size // 2, size * self.max_logs // (2 * count)))
            elif count <= self.max_logs // 2:
                self.chunk_size = min(self.max_chunk, size * 2)
            block = last + 1

    def _commit_chunk(self, logs: list[dict], first: int, last: int, target: int, move_cursor: bool) -> None:
        """Apply one chunk's logs and record its block hashes and the cursor, atomically."""
        live = [log for log in logs if not log.get("removed")]
        decoded = [e for e in map(fast_decode, live) if e is not None]
        log_hashes = {hex_int(log["blockNumber"]): log["blockHash"] for log in live}
        del live
        # Hashes are recorded for blocks holding events (their timestamps date the events), for the last
        # `keep_blocks` before the sync target (the reorg window) and for the chunk's last block (the
        # cursor, checked first on the next sync).
        numbers = sorted(set(log_hashes) | {last} | set(range(max(first, target - self.keep_blocks + 1), last + 1)))
        found = self._headers(numbers)
        headers: list[tuple[int, str, int]] = []
        for number in numbers:
            header = found[number]
            if header is None or (number in log_hashes and log_hashes[number] != header[0]):
                raise ReorgDuringSync(f"block {number} changed while it was being indexed")
            headers.append((number, header[0], header[1]))
        self._begin()
        try:
            self._put_blocks(headers)
            self._apply_all(decoded)
            if move_cursor:
                self._set_meta("cursor", str(last))
                self._prune_blocks(last)
            self.store.commit()
        except BaseException:
            self.store.rollback()
            raise

    def _put_blocks(self, headers: Iterable[tuple[int, str, int]]) -> None:
        self.store.executemany("INSERT INTO blocks (number, hash, timestamp) VALUES (?, ?, ?) ON CONFLICT (number) "
                               "DO UPDATE SET hash = excluded.hash, timestamp = excluded.timestamp", list(headers))

    def _prune_blocks(self, cursor: int) -> None:
        self.store.execute(
            "DELETE FROM blocks WHERE number <= ? AND NOT EXISTS (SELECT 1 FROM events WHERE events.block = "
            "blocks.number)", (cursor - self.keep_blocks,),
        )

    # --- reorgs ---------------------------------------------------------------------------------
    def _handle_reorg(self) -> int | None:
        """Compare stored hashes with the chain; on a mismatch roll back to the fork point.

        Returns the fork point (first block re-indexed) or None if the stored blocks still match.
        """
        cursor = self.cursor
        if cursor is None:
            return None
        stored = self.store.query("SELECT number, hash FROM blocks WHERE number <= ? ORDER BY number", (cursor,))
        if stored and self._matches(stored[-1]):
            return None
        # Hashes chain each block to its parent, so "still matches" is true up to the fork and false after:
        # binary-search the highest stored block that matches.
        low, high, best = 0, len(stored) - 1, -1
        while low <= high:
            mid = (low + high) // 2
            if self._matches(stored[mid]):
                best, low = mid, mid + 1
            else:
                high = mid - 1
        if best >= 0:
            fork = stored[best][0] + 1
        else:
            starts = self.watched().values()
            fork = min(starts) if starts else 0
        self.rollback(fork)
        return fork

    def _matches(self, row: tuple[int, str]) -> bool:
        header = self._header(row[0])
        return header is not None and header[0] == row[1]

    def rollback(self, fork: int) -> None:
        """Forget every event and block from `fork` on and set the cursor just below it."""
        self._begin()
        try:
            deltas: dict[tuple[str, str], int] = {}
            for token, args in self._paged("address, args", "block >= ? AND event = 'Transfer'", (fork,)):
                a = json.loads(args)  # undo their balance changes (order does not matter for sums)
                if "value" in a:
                    _add_move(deltas, token, a["to"], a["from"], int(a["value"]))
            self._flush_balances(deltas)
            touched_registry = self.store.one(
                f"SELECT 1 FROM events WHERE block >= ? AND event IN ({_placeholders(REGISTRY_EVENTS)}) LIMIT 1",
                (fork, *REGISTRY_EVENTS),
            )
            self.store.execute("DELETE FROM events WHERE block >= ?", (fork,))
            self.store.execute("DELETE FROM blocks WHERE number >= ?", (fork,))
            if touched_registry:
                self._rebuild_wallets()
            cursor = self.cursor
            if cursor is not None and cursor >= fork:
                self._set_meta("cursor", str(fork - 1))
            self.store.commit()
        except BaseException:
            self.store.rollback()
            raise

    # --- the apply path -------------------------------------------------------------------------
    def apply_events(self, events: Iterable[Mapping[str, Any]], blocks: Iterable[tuple[int, str, int]] = (),
                     cursor: int | None = None) -> int:
        """Apply decoded events (as `rwa_token.chain.tx.decode_log` returns them) in one transaction.

        The same path `sync` uses, exposed for imports from another source and for benchmarks. `blocks`
        are (number, hash, timestamp) rows; `cursor`, if given, becomes the last indexed block.
        Returns how many events were new.
        """
        self._begin()
        try:
            self._put_blocks(blocks)
            count = self._apply_all(events)
            if cursor is not None:
                self._set_meta("cursor", str(cursor))
            self.store.commit()
        except BaseException:
            self.store.rollback()
            raise
        return count

    def _apply_all(self, events: Iterable[Mapping[str, Any]]) -> int:
        """Insert the events not stored yet (keyed by block and log index) and derive from those only, inside the
        caller's transaction: rows go in by batch, balance changes are summed per wallet and written once."""
        ordered = sorted(events, key=lambda e: (e["block_number"], e["log_index"]))
        stored = self._stored_keys(ordered)
        rows: list[tuple] = []
        fresh: list[tuple[str, str, dict[str, Any]]] = []
        for event in ordered:
            key = (event["block_number"], event["log_index"])
            if key in stored:
                continue
            stored.add(key)  # the same event twice in one batch counts once
            args = _jsonable(dict(event["args"]))
            rows.append((key[0], key[1], event["tx_hash"], event["address"], event["event"], json.dumps(args)))
            fresh.append((event["address"], event["event"], args))
        self.store.insert_many("events", ("block", "log_index", "tx_hash", "address", "event", "args"), rows)
        self._deltas: dict[tuple[str, str], int] = {}
        try:
            for address, name, args in fresh:  # new: derived tables change once per event, however often replayed
                self._derive(address, name, args)
            self._flush_balances(self._deltas)
        finally:
            self._deltas = {}
        return len(rows)

    def _stored_keys(self, ordered: Sequence[Mapping[str, Any]]) -> set[tuple[int, int]]:
        """The (block, log_index) keys the events table already holds in the blocks and contracts of these events
        (a log is one contract's, so no other key can collide): as many rows as the batch has at most."""
        if not ordered:
            return set()
        addresses = sorted({e["address"] for e in ordered})
        return {(int(b), int(i)) for b, i in self.store.query(
            f"SELECT block, log_index FROM events WHERE block BETWEEN ? AND ? AND address IN "
            f"({_placeholders(addresses)})", (ordered[0]["block_number"], ordered[-1]["block_number"], *addresses))}

    def _derive(self, address: str, name: str, args: dict[str, Any]) -> None:
        if name == T.TRANSFER and "value" in args:
            _add_move(self._deltas, address, args["from"], args["to"], int(args["value"]))
        elif name in REGISTRY_EVENTS:
            self._derive_wallet(address, name, args)

    def _flush_balances(self, deltas: Mapping[tuple[str, str], int]) -> None:
        """Add summed balance changes to the balances table (a zero balance is no row)."""
        keys = sorted(k for k, v in deltas.items() if v)
        current: dict[tuple[str, str], int] = {}
        for start in range(0, len(keys), KEYS_PER_QUERY):  # sorted: a slice names few tokens
            part = keys[start:start + KEYS_PER_QUERY]
            for token in sorted({t for t, _ in part}):
                wallets = [w for t, w in part if t == token]
                # A join with the list, not `wallet IN (...)`: PostgreSQL's plan for a list of parameters compares
                # every row with every item (seconds per chunk at a few thousand holders); a join hashes or seeks.
                current.update(((token, w), int(b)) for w, b in self.store.query(
                    "SELECT b.wallet, b.balance FROM balances AS b JOIN (VALUES "
                    f"{','.join(['(?)'] * len(wallets))}) AS v ON b.wallet = v.column1 WHERE b.token = ?",
                    (*wallets, token)))
        updated = {k: current.get(k, 0) + deltas[k] for k in keys}
        self.store.executemany("DELETE FROM balances WHERE token = ? AND wallet = ?",
                               [k for k, b in updated.items() if b == 0 and k in current])
        self.store.executemany("INSERT INTO balances (token, wallet, balance) VALUES (?, ?, ?) ON CONFLICT "
                               "(token, wallet) DO UPDATE SET balance = excluded.balance",
                               [(t, w, str(b)) for (t, w), b in updated.items() if b != 0])

    def _derive_wallet(self, registry: str, name: str, args: dict[str, Any]) -> None:
        _apply_registry_event(_SqlWallets(self.store), registry, name, args)

    def _rebuild_wallets(self) -> None:
        self.store.execute("DELETE FROM wallets")
        rows = self._paged("address, event, args", f"event IN ({_placeholders(REGISTRY_EVENTS)})", REGISTRY_EVENTS)
        for address, name, args in rows:
            self._derive_wallet(address, name, json.loads(args))

    def _rebuild_derived(self) -> None:
        """Recompute balances and wallets from the events table (inside the caller's transaction)."""
        self.store.execute("DELETE FROM balances")
        totals: dict[tuple[str, str], int] = {}
        for token, args in self._paged("address, args", "event = 'Transfer'"):
            a = json.loads(args)
            if "value" in a:
                _add_move(totals, token, a["from"], a["to"], int(a["value"]))
        self.store.executemany("INSERT INTO balances (token, wallet, balance) VALUES (?, ?, ?)",
                               [(t, w, str(b)) for (t, w), b in totals.items() if b != 0])
        self._rebuild_wallets()

    def _paged(self, columns: str, where: str = "", params: Sequence[Any] = ()) -> Iterator[tuple]:
        """Rows of the events table in chain order, `PAGE` at a time (keyset pagination on the primary key): memory
        stays flat however many events match, on either store, without holding a cursor open between pages."""
        condition = f"({where}) AND " if where else ""
        after = (-1, -1)
        while True:
            rows = self.store.query(
                f"SELECT block, log_index, {columns} FROM events WHERE {condition}(block > ? OR (block = ? AND "
                f"log_index > ?)) "
                f"ORDER BY block, log_index LIMIT {PAGE}", [*params, after[0], after[0], after[1]])
            for row in rows:
                yield row[2:]
            if len(rows) < PAGE:
                return
            after = (rows[-1][0], rows[-1][1])

    # --- reads ----------------------------------------------------------------------------------
    def events(self, address: str | None = None, event: str | Sequence[str] | None = None,
               from_block: int | None = None, to_block: int | None = None) -> Iterator[IndexedEvent]:
        """Stored events in chain order, optionally filtered by contract, name(s) and block range."""
        where, params = [], []
        if address is not None:
            where.append("address = ?")
            params.append(_checksum(address))
        if event is not None:
            names = [event] if isinstance(event, str) else list(event)
            where.append(f"event IN ({_placeholders(names)})")
            params.extend(names)
        if from_block is not None:
            where.append("block >= ?")
            params.append(from_block)
        if to_block is not None:
            where.append("block <= ?")
            params.append(to_block)
        for row in self._paged("tx_hash, address, event, args, block, log_index", " AND ".join(where), params):
            yield IndexedEvent(row[4], row[5], row[0], row[1], row[2], json.loads(row[3]))

    def recipients(self, token: str) -> set[str]:
        """Every wallet that ever received `token` (minted or transferred to it), from its indexed Transfer events:
        the candidates a paying agent checks against a record date."""
        return {e.args["to"] for e in self.events(token, T.TRANSFER)} - {ZERO_ADDRESS}

    def event_count(self) -> int:
        return int(self.store.one("SELECT COUNT(*) FROM events")[0])

    def balances(self, token: str) -> dict[str, int]:
        """Current non-zero balances of `token` (as of the cursor), from the derived table."""
        rows = self.store.query("SELECT wallet, balance FROM balances WHERE token = ? ORDER BY wallet",
                                (_checksum(token),))
        return {wallet: int(balance) for wallet, balance in rows}

    def balances_at(self, token: str, block: int, before_log: int | None = None) -> dict[str, int]:
        """Non-zero balances of `token` at the end of `block`, summed from the Transfer events; with `before_log`,
        just before that log of `block` (a snapshot taken inside a block, e.g. by a distribution's creation)."""
        self._require_indexed(block)
        totals: dict[str, int] = {}
        rows = self._paged("args", "address = ? AND event = 'Transfer' AND (block < ? OR (block = ? AND "
                           "log_index < ?))", (_checksum(token), block, block, _last_log(before_log)))
        loads = json.loads
        for (raw,) in rows:
            a = loads(raw)
            value = int(a["value"])
            sender, receiver = a["from"], a["to"]
            if sender != ZERO_ADDRESS:
                totals[sender] = totals.get(sender, 0) - value
            if receiver != ZERO_ADDRESS:
                totals[receiver] = totals.get(receiver, 0) + value
        return {w: b for w, b in totals.items() if b != 0}

    def wallets(self, registry: str | None = None) -> dict[str, WalletRecord]:
        """Current registry records by wallet (of one registry, or of all: the first registry wins)."""
        sql = "SELECT registry, wallet, investor_key, country, categories, kyc_expiry, frozen FROM wallets"
        params: tuple = ()
        if registry is not None:
            sql += " WHERE registry = ?"
            params = (_checksum(registry),)
        records: dict[str, WalletRecord] = {}
        for row in self.store.query(sql + " ORDER BY registry, wallet", params):
            records.setdefault(row[1], WalletRecord(row[0], row[1], row[2], row[3], row[4], row[5], bool(row[6])))
        return records

    def wallets_at(self, block: int, registry: str | None = None, before_log: int | None = None
                   ) -> dict[str, WalletRecord]:
        """Registry records as they stood at the end of `block` (with `before_log`, just before that log of it),
        replayed from the registry events."""
        self._require_indexed(block)
        store = _MemoryWallets()
        for e in self.events(registry, REGISTRY_EVENTS, to_block=block):
            if e.block == block and e.log_index >= _last_log(before_log):
                break
            _apply_registry_event(store, e.address, e.event, e.args)
        records: dict[str, WalletRecord] = {}
        for (reg, wallet), r in sorted(store.rows.items()):
            records.setdefault(wallet, WalletRecord(reg, wallet, r["investor_key"], r["country"],
                                                    r["categories"], r["kyc_expiry"], bool(r["frozen"])))
        return records

    def with_records(self, address: str | None, event: str | Sequence[str], registry: str | None = None
                     ) -> Iterator[tuple[IndexedEvent, Mapping[str, WalletRecord]]]:
        """The events asked for in chain order, each with the registry records as they stood when it was emitted
        (one replay of the registry events alongside): e.g. each payment with its holder's country then."""
        names = [event] if isinstance(event, str) else list(event)
        store = _MemoryWallets()
        view = _RecordView(store)
        registry = _checksum(registry) if registry is not None else None
        address = _checksum(address) if address is not None else None
        for e in self.events(None, [*names, *REGISTRY_EVENTS]):
            if e.event in REGISTRY_EVENTS and (registry is None or e.address == registry):
                _apply_registry_event(store, e.address, e.event, e.args)
            if e.event in names and (address is None or e.address == address):
                yield e, view

    def tx_senders(self, hashes: Iterable[str]) -> dict[str, str]:
        """The account that sent each transaction (the actor behind its events), by hash: read from the chain once
        (batched) and kept, since a transaction's sender never changes."""
        wanted = sorted({h.lower() for h in hashes})
        known: dict[str, str] = {}
        for start in range(0, len(wanted), 500):
            part = wanted[start:start + 500]
            known.update(self.store.query(f"SELECT tx_hash, sender FROM senders WHERE tx_hash IN "
                                          f"({_placeholders(part)})", part))
        missing = [h for h in wanted if h not in known]
        for start in range(0, len(missing), 500):  # one HTTP request per 500 transactions
            part = missing[start:start + 500]
            chain = self._need_tx().chain
            calls = [("eth_getTransactionByHash", [h]) for h in part]
            answers = chain.rpc_batch(calls)
            found = {h: to_checksum_address(a["result"]["from"]) for h, a in zip(part, answers)
                     if isinstance(a.get("result"), dict)}
            self._begin()
            try:
                self.store.executemany("INSERT INTO senders (tx_hash, sender) VALUES (?, ?) ON CONFLICT (tx_hash) "
                                       "DO NOTHING", list(found.items()))
                self.store.commit()
            except BaseException:
                self.store.rollback()
                raise
            known.update(found)
        return known

    def first_event(self, address: str, event: str, **args: str) -> IndexedEvent | None:
        """The first stored `event` of `address` whose arguments include `args` (values as stored: decimal strings
        for integers), e.g. the Snapshot that fixed a record date."""
        for e in self.events(address, event):
            if all(e.args.get(k) == v for k, v in args.items()):
                return e
        return None

    def _require_indexed(self, block: int) -> None:
        cursor = self.cursor
        if cursor is None or block > cursor:
            raise IndexStateError(f"block {block} is beyond the index (indexed up to {cursor}): sync first")
        if block < 0:
            raise ConfigError(f"block {block} is negative")

    # --- blocks and dates -----------------------------------------------------------------------
    def block_timestamp(self, number: int) -> int:
        """A block's timestamp: from the stored blocks, else from the chain."""
        row = self.store.one("SELECT timestamp FROM blocks WHERE number = ?", (number,))
        if row:
            return row[0]
        header = self._header(number)
        if header is None:
            raise IndexStateError(f"block {number} does not exist on the chain")
        return header[1]

    def block_at(self, when: int) -> int:
        """The last block with a timestamp at or before unix time `when`, within the indexed range.

        Binary search on block timestamps (which never decrease), from block 0 to the cursor.
        """
        cursor = self.cursor
        if cursor is None:
            raise IndexStateError("the index is empty: sync first")
        if self.block_timestamp(0) > when:
            raise ConfigError(f"{when} is before the chain's first block")
        low, high = 0, cursor
        while low < high:
            mid = (low + high + 1) // 2
            if self.block_timestamp(mid) <= when:
                low = mid
            else:
                high = mid - 1
        return low


def offering_contracts(record: DeploymentRecord) -> list[str]:
    """What the index watches of an offering: its registry, tokens, distributor and every module the record names
    (DvP, proceeds, collateral, redemption, waterfall); not the chain's factory, nor the payment tokens, which are
    not the offering's (a real stablecoin's every transfer would flood the index)."""
    found = [record.registry, *record.tokens.values(), *([record.distributor] if record.distributor else []),
             *record.modules.values()]
    return list(dict.fromkeys(_checksum(a) for a in found))


def offering_start(record: DeploymentRecord) -> int:
    """The offering's first block: its first transaction (payment tokens, registry and distributor come before the
    factory call), or the factory call's block in a record written before the first block was kept."""
    return record.first_block or record.block


def sync_offering(index: EventIndex, record: DeploymentRecord, progress: Progress | None = None) -> int:
    """Bring the index up to date with every contract of the offering, from its first block; a contract added
    since the last sync (a module deployed later) is back-filled from there too."""
    return index.sync(offering_contracts(record), from_block=offering_start(record), progress=progress)


class _RecordView(Mapping[str, WalletRecord]):
    """A read-only view of a replay's wallet records, by wallet (the first registry wins, as in `wallets`)."""

    def __init__(self, store: "_MemoryWallets"):
        self.store = store

    def __getitem__(self, wallet: str) -> WalletRecord:
        found = [(registry, r) for (registry, w), r in self.store.rows.items() if w == wallet]
        if not found:
            raise KeyError(wallet)
        registry, r = min(found, key=lambda item: item[0])
        return WalletRecord(registry, wallet, r["investor_key"], r["country"], r["categories"], r["kyc_expiry"],
                            bool(r["frozen"]))

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys(w for _, w in sorted(self.store.rows)))

    def __len__(self) -> int:
        return len(set(w for _, w in self.store.rows))


class _SqlWallets:
    """The wallets table, behind the small interface the registry-event rules need."""

    def __init__(self, store: Store):
        self.store = store

    def get(self, registry: str, wallet: str) -> dict[str, Any] | None:
        row = self.store.execute(
            "SELECT investor_key, country, categories, kyc_expiry, frozen FROM wallets WHERE registry = ? AND wallet = ?",
            (registry, wallet)).fetchone()
        if row is None:
            return None
        return dict(zip(("investor_key", "country", "categories", "kyc_expiry", "frozen"), row))

    def put(self, registry: str, wallet: str, record: dict[str, Any]) -> None:
        self.store.execute(
            "INSERT INTO wallets (registry, wallet, investor_key, country, categories, kyc_expiry, frozen)"
            " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (registry, wallet) DO UPDATE SET investor_key = "
            "excluded.investor_key, country = excluded.country, categories = excluded.categories, "
            "kyc_expiry = excluded.kyc_expiry, frozen = excluded.frozen",
            (registry, wallet, record["investor_key"], record["country"], record["categories"],
             record["kyc_expiry"], int(record["frozen"])))

    def delete(self, registry: str, wallet: str) -> None:
        self.store.execute("DELETE FROM wallets WHERE registry = ? AND wallet = ?", (registry, wallet))


class _MemoryWallets:
    """The same interface over a dict, for replays at a past block."""

    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], dict[str, Any]] = {}

    def get(self, registry: str, wallet: str) -> dict[str, Any] | None:
        row = self.rows.get((registry, wallet))
        return dict(row) if row else None

    def put(self, registry: str, wallet: str, record: dict[str, Any]) -> None:
        self.rows[(registry, wallet)] = dict(record)

    def delete(self, registry: str, wallet: str) -> None:
        self.rows.pop((registry, wallet), None)


def _apply_registry_event(store: _SqlWallets | _MemoryWallets, registry: str, name: str,
                          args: Mapping[str, Any]) -> None:
    """One registry event's effect on wallet records, mirroring InvestorRegistry's storage rules."""
    if name == R.INVESTOR_REGISTERED:
        store.put(registry, args["wallet"], {
            "investor_key": investor_key(args["investorId"]), "country": int(args["country"]),
            "categories": int(args["categories"]), "kyc_expiry": int(args["kycExpiry"]), "frozen": False})
    elif name == R.INVESTOR_UPDATED:
        record = store.get(registry, args["wallet"])
        if record is not None:
            record.update(country=int(args["country"]), categories=int(args["categories"]),
                          kyc_expiry=int(args["kycExpiry"]))
            store.put(registry, args["wallet"], record)
    elif name == R.WALLET_ADDED:
        record = store.get(registry, args["existingWallet"])  # the registry copies the whole record
        if record is not None:
            store.put(registry, args["newWallet"], record)
    elif name == R.WALLET_REMOVED:
        store.delete(registry, args["wallet"])
    elif name == R.INVESTOR_FROZEN:
        record = store.get(registry, args["wallet"])
        if record is not None:
            record["frozen"] = bool(args["frozen"])
            store.put(registry, args["wallet"], record)


def _add_move(deltas: dict[tuple[str, str], int], token: str, sender: str, receiver: str, value: int) -> None:
    """A transfer's effect on summed balance changes (mints come from and burns go to the zero address)."""
    if value == 0:
        return
    if sender != ZERO_ADDRESS:
        deltas[(token, sender)] = deltas.get((token, sender), 0) - value
    if receiver != ZERO_ADDRESS:
        deltas[(token, receiver)] = deltas.get((token, receiver), 0) + value


def _placeholders(items: Sequence[Any]) -> str:
    return ",".join("?" * len(items))


def _last_log(before_log: int | None) -> int:
    """The log index bound of a "before this log" filter; None means the whole block."""
    return (1 << 62) if before_log is None else before_log
