"""A local SQLite index of the events of an offering's contracts, the source every report reads.

Reading history through `eth_call` at past blocks needs an archive node and one call per holder; an index
built from `eth_getLogs` needs neither, works offline once built, and answers "who held what at block N"
exactly for any N. The index is built incrementally:

* **Chunked log queries.** `eth_getLogs` is asked for a range of blocks at a time. Providers cap the
  number of results or the range; when a query fails the range is halved and retried, and after each
  success it grows back (doubling up to `max_chunk`), so one busy stretch does not slow the whole sync.
* **One SQLite transaction per chunk.** A chunk's events, its block hashes and the cursor (the last fully
  indexed block) commit together, so a crash or a Ctrl-C loses at most the chunk in flight and the next
  `sync` resumes from the cursor. Events are keyed by (block, log index): applying a chunk twice is a
  no-op, and derived tables are only touched when an event is new.
* **Reorg safety.** The hashes of the last `keep_blocks` indexed blocks (plus every block that holds an
  event, which also gives each event its timestamp) are kept. Each sync first compares the stored hash of
  the cursor block with the chain's; on a mismatch it finds the fork point by binary search over the
  stored blocks (a block whose hash still matches fixes all its ancestors), deletes everything from
  there and indexes again. If nothing stored matches, the index starts over.
* **Every contract, from its start.** An address first asked for after the cursor passed it (a module deployed
  later), or asked for from an earlier block than it is watched from (an offering's first transaction, before
  its factory call), is back-filled from that block before the index moves on. `sync_offering` watches every
  contract of an offering from its first block.

Numbers are exact: every integer inside an event's arguments is stored as a decimal string in the JSON,
and balances are TEXT summed with Python integers, so uint256 values never pass through a float or a
64-bit SQLite integer.

Derived tables, maintained as events are applied:
    balances(token, wallet, balance)                      current balance per token and wallet
    wallets(registry, wallet, investor_key, country, categories, kyc_expiry, frozen)
    senders(tx_hash, sender)                             who sent each transaction (read once, on demand)
Historical views (`balances_at`, `wallets_at`) are computed from the events table.
"""
from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping, Sequence

from eth_utils import to_checksum_address

from ..chain.tx import Transactor, decode_log
from ..contracts.events import RegistryEvents as R
from ..contracts.events import TokenEvents as T
from ..primitives.errors import ChainError, ConfigError, RwaError, TransactionError
from ..primitives.units import ZERO_ADDRESS
from .journal import Progress
from .state import DeploymentRecord

SCHEMA_VERSION = "1"
KEY_MASK = (1 << 128) - 1

"""progress(indexed_up_to_block, target_block), called after every committed chunk."""

REGISTRY_EVENTS = R.RECORD_CHANGES

_SCHEMA = """
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
    """The event index of one chain, in one SQLite file.

    `tx` is needed to sync and to look blocks up by date; a built index can be read without it.
    """

    def __init__(self, path: str | Path, tx: Transactor | None = None, *, chunk_size: int = 2_000,
                 max_chunk: int = 10_000, keep_blocks: int = 64):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.tx = tx
        self.chunk_size = max(1, chunk_size)
        self.max_chunk = max(self.chunk_size, max_chunk)
        self.keep_blocks = max(1, keep_blocks)
        # Autocommit mode: every write below opens its own explicit transaction, so what commits together
        # is visible in the code rather than left to the driver.
        self.db = sqlite3.connect(str(self.path), isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(_SCHEMA)
        self._check_chain()

    @classmethod
    def for_chain(cls, state_dir: str | Path, tx: Transactor, **options: Any) -> "EventIndex":
        """The conventional location: `<state_dir>/index-<chainid>.sqlite`."""
        return cls(Path(state_dir) / f"index-{tx.chain.chain_id}.sqlite", tx, **options)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "EventIndex":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- metadata -------------------------------------------------------------------------------
    def _meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def _set_meta(self, key: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    def _check_chain(self) -> None:
        """An index belongs to one chain: refuse to mix two chains' events in one file."""
        version = self._meta("schema")
        if version is not None and version != SCHEMA_VERSION:
            raise IndexStateError(f"{self.path} was built by another version of the index (schema {version}); "
                              "delete it and sync again")
        stored = self._meta("chain_id")
        if self.tx is None:
            return
        chain_id = str(self.tx.chain.chain_id)
        if stored is None:
            self._set_meta("chain_id", chain_id)
            self._set_meta("schema", SCHEMA_VERSION)
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
        return dict(self.db.execute("SELECT address, start_block FROM watched ORDER BY address").fetchall())

    def _need_tx(self) -> Transactor:
        if self.tx is None:
            raise IndexStateError("this index was opened without a chain connection: pass a Transactor to sync")
        return self.tx

    # --- chain access ---------------------------------------------------------------------------
    def _header(self, number: int) -> tuple[str, int] | None:
        """(hash, timestamp) of block `number` on the chain now, or None if the chain is shorter."""
        response = self._need_tx().chain.rpc("eth_getBlockByNumber", [hex(number), False])
        if "error" in response:
            raise TransactionError(f"eth_getBlockByNumber({number}) failed: {response['error']}")
        block = response.get("result")
        if not block:
            return None
        return block["hash"], int(block["timestamp"], 16)

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
                    self.db.execute("COMMIT")
                # The cursor is shared, so every watched address moves with it, named in this call or not.
                self._index_range(sorted(self.watched()), start, head, progress)
                return self.cursor if self.cursor is not None else from_block - 1
            except ReorgDuringSync:
                continue
        raise IndexStateError("the chain kept reorganising during the sync; try again, or sync with confirmations=N")

    def _begin(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")

    def _watch(self, wanted: Sequence[str], from_block: int, progress: Progress | None) -> None:
        """Record new addresses, and addresses now asked for from an earlier block than they are watched from;
        back-fill their history up to the cursor, then rebuild derived tables (back-filled events arrive out of
        order, and the wallets table depends on order).

        So a contract deployed after the index passed it (a module added later) is indexed from the first block
        asked for, and an index built from a later block (an offering's factory call) reaches back to the
        offering's first transaction once asked to."""
        known = self.watched()
        gaps = {a: known.get(a, self.cursor + 1 if self.cursor is not None else from_block) - 1 for a in wanted
                if a not in known or known[a] > from_block}
        if not gaps:
            return
        cursor = self.cursor
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
            self.db.executemany("INSERT OR REPLACE INTO watched (address, start_block) VALUES (?, ?)",
                                [(a, from_block) for a in gaps])
            if backfill:
                self._rebuild_derived()
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
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
                # Too many results, range too wide, or a timeout on a heavy range: ask for less.
                if size == 1:
                    raise
                self.chunk_size = max(1, size // 2)
                continue
            self._commit_chunk(logs, block, last, end, move_cursor)
            if progress is not None:
                progress(last, end)
            self.chunk_size = min(self.max_chunk, size * 2)
            block = last + 1

    def _commit_chunk(self, logs: list[dict], first: int, last: int, target: int, move_cursor: bool) -> None:
        """Apply one chunk's logs and record its block hashes and the cursor, atomically."""
        decoded = [e for e in (decode_log(log) for log in logs if not log.get("removed")) if e is not None]
        log_hashes = {_int(log["blockNumber"]): log["blockHash"] for log in logs if not log.get("removed")}
        # Hashes are recorded for blocks holding events (their timestamps date the events), for the last
        # `keep_blocks` before the sync target (the reorg window) and for the chunk's last block (the
        # cursor, checked first on the next sync).
        numbers = set(log_hashes) | {last} | set(range(max(first, target - self.keep_blocks + 1), last + 1))
        headers: list[tuple[int, str, int]] = []
        for number in sorted(numbers):
            header = self._header(number)
            if header is None or (number in log_hashes and log_hashes[number] != header[0]):
                raise ReorgDuringSync(f"block {number} changed while it was being indexed")
            headers.append((number, header[0], header[1]))
        self._begin()
        try:
            self.db.executemany("INSERT OR REPLACE INTO blocks (number, hash, timestamp) VALUES (?, ?, ?)", headers)
            self._apply_all(decoded)
            if move_cursor:
                self._set_meta("cursor", str(last))
                self._prune_blocks(last)
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    def _prune_blocks(self, cursor: int) -> None:
        self.db.execute(
            "DELETE FROM blocks WHERE number <= ? AND number NOT IN (SELECT DISTINCT block FROM events)",
            (cursor - self.keep_blocks,),
        )

    # --- reorgs ---------------------------------------------------------------------------------
    def _handle_reorg(self) -> int | None:
        """Compare stored hashes with the chain; on a mismatch roll back to the fork point.

        Returns the fork point (first block re-indexed) or None if the stored blocks still match.
        """
        cursor = self.cursor
        if cursor is None:
            return None
        stored = self.db.execute("SELECT number, hash FROM blocks WHERE number <= ? ORDER BY number",
                                 (cursor,)).fetchall()
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
            removed = self.db.execute(
                "SELECT address, args FROM events WHERE block >= ? AND event = 'Transfer'", (fork,)
            ).fetchall()
            for token, args in removed:  # undo their balance changes (order does not matter for sums)
                a = json.loads(args)
                self._move(token, a["to"], a["from"], int(a["value"]))
            touched_registry = self.db.execute(
                f"SELECT 1 FROM events WHERE block >= ? AND event IN ({_placeholders(REGISTRY_EVENTS)}) LIMIT 1",
                (fork, *REGISTRY_EVENTS),
            ).fetchone()
            self.db.execute("DELETE FROM events WHERE block >= ?", (fork,))
            self.db.execute("DELETE FROM blocks WHERE number >= ?", (fork,))
            if touched_registry:
                self._rebuild_wallets()
            cursor = self.cursor
            if cursor is not None and cursor >= fork:
                self._set_meta("cursor", str(fork - 1))
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
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
            self.db.executemany("INSERT OR REPLACE INTO blocks (number, hash, timestamp) VALUES (?, ?, ?)",
                                list(blocks))
            count = self._apply_all(events)
            if cursor is not None:
                self._set_meta("cursor", str(cursor))
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        return count

    def _apply_all(self, events: Iterable[Mapping[str, Any]]) -> int:
        ordered = sorted(events, key=lambda e: (e["block_number"], e["log_index"]))
        count = 0
        insert = "INSERT OR IGNORE INTO events (block, log_index, tx_hash, address, event, args) VALUES (?,?,?,?,?,?)"
        for event in ordered:
            args = _jsonable(dict(event["args"]))
            cur = self.db.execute(insert, (event["block_number"], event["log_index"], event["tx_hash"],
                                           event["address"], event["event"], json.dumps(args)))
            if cur.rowcount == 1:  # new: derived tables change once per event, however often it is replayed
                self._derive(event["address"], event["event"], args)
                count += 1
        return count

    def _derive(self, address: str, name: str, args: dict[str, Any]) -> None:
        if name == T.TRANSFER and "value" in args:
            self._move(address, args["from"], args["to"], int(args["value"]))
        elif name in REGISTRY_EVENTS:
            self._derive_wallet(address, name, args)

    def _move(self, token: str, sender: str, receiver: str, value: int) -> None:
        if value == 0:
            return
        if sender != ZERO_ADDRESS:
            self._add_balance(token, sender, -value)
        if receiver != ZERO_ADDRESS:
            self._add_balance(token, receiver, value)

    def _add_balance(self, token: str, wallet: str, delta: int) -> None:
        row = self.db.execute("SELECT balance FROM balances WHERE token = ? AND wallet = ?",
                              (token, wallet)).fetchone()
        balance = (int(row[0]) if row else 0) + delta
        if balance == 0:
            self.db.execute("DELETE FROM balances WHERE token = ? AND wallet = ?", (token, wallet))
        else:
            self.db.execute("INSERT OR REPLACE INTO balances (token, wallet, balance) VALUES (?, ?, ?)",
                            (token, wallet, str(balance)))

    def _derive_wallet(self, registry: str, name: str, args: dict[str, Any]) -> None:
        _apply_registry_event(_SqlWallets(self.db), registry, name, args)

    def _rebuild_wallets(self) -> None:
        self.db.execute("DELETE FROM wallets")
        rows = self.db.execute(
            f"SELECT address, event, args FROM events WHERE event IN ({_placeholders(REGISTRY_EVENTS)}) "
            "ORDER BY block, log_index", REGISTRY_EVENTS).fetchall()
        for address, name, args in rows:
            self._derive_wallet(address, name, json.loads(args))

    def _rebuild_derived(self) -> None:
        """Recompute balances and wallets from the events table (inside the caller's transaction)."""
        self.db.execute("DELETE FROM balances")
        totals: dict[tuple[str, str], int] = {}
        for token, args in self.db.execute("SELECT address, args FROM events WHERE event = 'Transfer'"):
            a = json.loads(args)
            if "value" not in a:
                continue
            value = int(a["value"])
            if a["from"] != ZERO_ADDRESS:
                totals[(token, a["from"])] = totals.get((token, a["from"]), 0) - value
            if a["to"] != ZERO_ADDRESS:
                totals[(token, a["to"])] = totals.get((token, a["to"]), 0) + value
        self.db.executemany("INSERT INTO balances (token, wallet, balance) VALUES (?, ?, ?)",
                            [(t, w, str(b)) for (t, w), b in totals.items() if b != 0])
        self._rebuild_wallets()

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
        sql = "SELECT block, log_index, tx_hash, address, event, args FROM events"
        if where:
            sql += " WHERE " + " AND ".join(where)
        for row in self.db.execute(sql + " ORDER BY block, log_index", params):
            yield IndexedEvent(row[0], row[1], row[2], row[3], row[4], json.loads(row[5]))

    def recipients(self, token: str) -> set[str]:
        """Every wallet that ever received `token` (minted or transferred to it), from its indexed Transfer events:
        the candidates a paying agent checks against a record date."""
        return {e.args["to"] for e in self.events(token, T.TRANSFER)} - {ZERO_ADDRESS}

    def event_count(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM events").fetchone()[0]

    def balances(self, token: str) -> dict[str, int]:
        """Current non-zero balances of `token` (as of the cursor), from the derived table."""
        rows = self.db.execute("SELECT wallet, balance FROM balances WHERE token = ?", (_checksum(token),))
        return {wallet: int(balance) for wallet, balance in rows}

    def balances_at(self, token: str, block: int, before_log: int | None = None) -> dict[str, int]:
        """Non-zero balances of `token` at the end of `block`, summed from the Transfer events; with `before_log`,
        just before that log of `block` (a snapshot taken inside a block, e.g. by a distribution's creation)."""
        self._require_indexed(block)
        totals: dict[str, int] = {}
        rows = self.db.execute(
            "SELECT args FROM events WHERE address = ? AND event = 'Transfer' AND (block < ? OR (block = ? AND "
            "log_index < ?))", (_checksum(token), block, block, _last_log(before_log)),
        )
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
        for row in self.db.execute(sql + " ORDER BY registry", params):
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
        for e in self.events(None, [*names, *REGISTRY_EVENTS]):
            if e.event in REGISTRY_EVENTS and (registry is None or e.address == _checksum(registry)):
                _apply_registry_event(store, e.address, e.event, e.args)
            if e.event in names and (address is None or e.address == _checksum(address)):
                yield e, view

    def tx_senders(self, hashes: Iterable[str]) -> dict[str, str]:
        """The account that sent each transaction (the actor behind its events), by hash: read from the chain once
        (batched) and kept, since a transaction's sender never changes."""
        wanted = sorted({h.lower() for h in hashes})
        known: dict[str, str] = {}
        for start in range(0, len(wanted), 500):
            part = wanted[start:start + 500]
            known.update(self.db.execute(f"SELECT tx_hash, sender FROM senders WHERE tx_hash IN "
                                         f"({_placeholders(part)})", part).fetchall())
        missing = [h for h in wanted if h not in known]
        for start in range(0, len(missing), 500):  # one HTTP request per 500 transactions
            part = missing[start:start + 500]
            chain = self._need_tx().chain
            calls = [("eth_getTransactionByHash", [h]) for h in part]
            try:
                answers = chain.rpc_batch(calls)
            except ChainError:
                answers = [chain.rpc(method, params) for method, params in calls]
            found = {h: to_checksum_address(a["result"]["from"]) for h, a in zip(part, answers)
                     if isinstance(a.get("result"), dict)}
            self._begin()
            self.db.executemany("INSERT OR REPLACE INTO senders (tx_hash, sender) VALUES (?, ?)", found.items())
            self.db.execute("COMMIT")
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
        row = self.db.execute("SELECT timestamp FROM blocks WHERE number = ?", (number,)).fetchone()
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

    def __init__(self, db: sqlite3.Connection):
        self.db = db

    def get(self, registry: str, wallet: str) -> dict[str, Any] | None:
        row = self.db.execute(
            "SELECT investor_key, country, categories, kyc_expiry, frozen FROM wallets WHERE registry = ? AND wallet = ?",
            (registry, wallet)).fetchone()
        if row is None:
            return None
        return dict(zip(("investor_key", "country", "categories", "kyc_expiry", "frozen"), row))

    def put(self, registry: str, wallet: str, record: dict[str, Any]) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO wallets (registry, wallet, investor_key, country, categories, kyc_expiry, frozen)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (registry, wallet, record["investor_key"], record["country"], record["categories"],
             record["kyc_expiry"], int(record["frozen"])))

    def delete(self, registry: str, wallet: str) -> None:
        self.db.execute("DELETE FROM wallets WHERE registry = ? AND wallet = ?", (registry, wallet))


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


def _placeholders(items: Sequence[Any]) -> str:
    return ",".join("?" * len(items))


def _last_log(before_log: int | None) -> int:
    """The log index bound of a "before this log" filter; None means the whole block."""
    return (1 << 62) if before_log is None else before_log


def _int(value: int | str) -> int:
    return int(value, 16) if isinstance(value, str) else int(value)
