"""The event index on each of its stores: SQLite (a file) and PostgreSQL (a real server, `postgres_url`).

The same sync gives the same events, derived tables and reports on both; readers see whole chunks while an
indexer writes; an indexer stopped mid-batch (an exception, or a killed process) resumes with nothing lost or
doubled; a file made by the first version of the index is migrated in place; logs are decoded by slicing exactly
as the generic decoder decodes them; log requests shrink when an answer holds too many logs.
"""
from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from typing import Any, Callable

import pytest

from rwa_token.chain.tx import decode_log
from rwa_token.reporting import reports
from rwa_token.store.decode import fast_decode
from rwa_token.store.index import SCHEMA_VERSION, EventIndex, IndexStateError

from test_index import RecordingTx, event_keys, watched

STORES = ("sqlite", "postgresql")
_schemas = itertools.count()
ROOT = Path(__file__).resolve().parent.parent

OpenIndex = Callable[..., EventIndex]


def _location(store: str, tmp_path: Path, request: pytest.FixtureRequest, names: dict[str, dict]) -> Callable:
    def location(name: str) -> dict[str, Any]:
        if name not in names:
            if store == "sqlite":
                names[name] = {"location": tmp_path / f"{name}.sqlite"}
            else:  # a schema of its own per test and name, in the session's server
                names[name] = {"location": request.getfixturevalue("postgres_url"),
                               "schema": f"t{os.getpid()}_{next(_schemas)}_{name}"}
        return names[name]
    return location


@pytest.fixture(params=STORES)
def store(request) -> str:
    return request.param


@pytest.fixture
def where(store, tmp_path, request) -> Callable[[str], dict[str, Any]]:
    """name -> the EventIndex location (and schema) of that index in the store under test."""
    return _location(store, tmp_path, request, {})


@pytest.fixture
def open_index(where) -> OpenIndex:
    opened: list[EventIndex] = []

    def open_(name: str, tx: Any = None, **options: Any) -> EventIndex:
        spot = where(name)
        index = EventIndex(spot["location"], tx, **({"schema": spot["schema"]} if "schema" in spot else {}),
                           **options)
        opened.append(index)
        return index

    yield open_
    for index in opened:
        try:
            index.close()
        except Exception:
            pass


def busy_offering(offering, chain) -> int:
    """Transfers, mints, a burn, a second wallet, an update and a freeze; returns a block in the middle."""
    token = offering.token
    a = offering.investor("HK", "professional")
    b = offering.investor("SG", "institutional")
    token.transfer(a.address, "250.000001", sender=offering.hk_pro)
    middle = chain.block_number()
    token.transfer(b.address, "10", sender=a)
    token.mint(b.address, "5")
    token.burn(offering.hk_pro.address, "0.5")
    second = offering.second_wallet(a)
    offering.registry.update(b.address, "SG", "accredited", chain.block_timestamp() + 86_400)
    offering.registry.set_frozen(second.address, True)
    return middle


def snapshot_of(index: EventIndex, offering, middle: int) -> dict[str, Any]:
    token, decimals = offering.token.address, 6
    return {
        "events": [(e.block, e.log_index, e.tx_hash, e.address, e.event, e.args) for e in index.events()],
        "cursor": index.cursor,
        "watched": index.watched(),
        "balances": index.balances(token),
        "wallets": index.wallets(),
        "balances_at": index.balances_at(token, middle),
        "wallets_at": index.wallets_at(middle),
        "captable": reports.captable(index, token, decimals),
        "captable_at": reports.captable(index, token, decimals, at_block=middle),
        "jurisdictions": reports.jurisdictions(index, token, decimals),
        "audit": reports.audit_trail(index, decimals=decimals),
        "senders": index.tx_senders(e.tx_hash for e in index.events()),
    }


def test_the_same_sync_gives_the_same_events_tables_and_reports_on_both_stores(offering, tx, chain, tmp_path,
                                                                              request):
    middle = busy_offering(offering, chain)
    results = {}
    for store in STORES:
        index = _open(store, "same", tx, tmp_path, request, chunk_size=4, max_chunk=8)
        index.sync(watched(offering))
        results[store] = snapshot_of(index, offering, middle)
        index.close()
    assert results["sqlite"]["captable"] and results["sqlite"]["audit"]
    for key in results["sqlite"]:
        assert results["postgresql"][key] == results["sqlite"][key], key


def _open(store: str, name: str, tx: Any, tmp_path: Path, request, **options: Any) -> EventIndex:
    spot = _location(store, tmp_path, request, {})(name)
    return EventIndex(spot["location"], tx, **({"schema": spot["schema"]} if "schema" in spot else {}), **options)


def test_a_crash_between_chunks_or_inside_one_resumes_with_nothing_lost_or_doubled(offering, tx, chain, open_index,
                                                                                  monkeypatch):
    busy_offering(offering, chain)
    reference = open_index("reference", tx)
    reference.sync(watched(offering))

    between = open_index("index", RecordingTx(tx, fail_on_call=4), chunk_size=2, max_chunk=2)
    with pytest.raises(RuntimeError, match="simulated crash"):
        between.sync(watched(offering))
    stopped_at = between.cursor
    assert stopped_at is not None and 0 < stopped_at < chain.block_number()
    between.close()

    inside = open_index("index", tx, chunk_size=10_000)
    assert inside.cursor == stopped_at
    stored = inside.event_count()
    calls = {"n": 0}
    real = inside._derive

    def failing(*args: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("simulated crash mid-chunk")
        real(*args)

    monkeypatch.setattr(inside, "_derive", failing)
    with pytest.raises(RuntimeError, match="mid-chunk"):
        inside.sync(watched(offering))
    assert (inside.cursor, inside.event_count()) == (stopped_at, stored)  # the whole chunk rolled back
    monkeypatch.setattr(inside, "_derive", real)
    inside.sync(watched(offering))
    keys = event_keys(inside)
    assert len(keys) == len(set(keys)) and keys == event_keys(reference)
    token = offering.token.address
    assert inside.balances(token) == reference.balances(token)
    assert inside.wallets() == reference.wallets()


def test_a_reorg_and_a_late_address_are_handled_alike(offering, tx, chain, open_index):
    a = offering.investor("HK", "professional")
    b = offering.investor("SG", "accredited")
    index = open_index("index", tx)
    index.sync([offering.token.address])
    assert index.wallets() == {}
    index.sync(watched(offering))  # the registry is back-filled
    snap = chain.snapshot()
    offering.token.transfer(a.address, "100", sender=offering.hk_pro)
    index.sync(watched(offering))
    chain.revert(snap)
    tx._nonces.clear()
    offering.token.transfer(b.address, "7", sender=offering.hk_pro)
    assert index.sync(watched(offering)) == chain.block_number()
    balances = index.balances(offering.token.address)
    assert a.address not in balances and balances[b.address] == 7_000_000
    full = open_index("full", tx)
    full.sync(watched(offering))
    assert event_keys(index) == event_keys(full)
    assert index.balances(offering.token.address) == full.balances(offering.token.address)
    assert index.wallets() == full.wallets()


def test_reports_read_while_the_indexer_writes_see_whole_chunks(offering, tx, chain, open_index):
    for _ in range(4):
        buyer = offering.investor("HK", "professional")
        offering.token.transfer(buyer.address, "3", sender=offering.hk_pro)
    reference = open_index("reference", tx)
    reference.sync(watched(offering))
    # A chunk is one block here: whatever a reader counts must be the count at the end of some block.
    per_block: dict[int, int] = {}
    for block, _, _ in event_keys(reference):
        per_block[block] = per_block.get(block, 0) + 1
    boundaries, total = {0}, 0
    for block in sorted(per_block):
        total += per_block[block]
        boundaries.add(total)
    supply = sum(reference.balances(offering.token.address).values())

    writer = open_index("index", tx, chunk_size=1, max_chunk=1)
    reader = open_index("index")
    failures: list[BaseException] = []

    def index_it() -> None:
        try:
            writer.sync(watched(offering), progress=lambda done, target: time.sleep(0.002))
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)

    thread = threading.Thread(target=index_it)
    thread.start()
    seen: list[int] = []
    while thread.is_alive() or not seen:
        seen.append(reader.event_count())
        rows = reports.captable(reader, offering.token.address, 6)
        assert all(int(r["balance_units"]) > 0 for r in rows)
        assert sum(int(r["balance_units"]) for r in rows) <= supply
    thread.join()
    assert not failures
    assert set(seen) <= boundaries and len(set(seen)) > 1  # several chunks were seen, each whole
    assert event_keys(reader) == event_keys(reference)
    assert reports.captable(reader, offering.token.address, 6) == reports.captable(reference,
                                                                                  offering.token.address, 6)


def test_two_indexers_of_one_chain_take_turns_and_store_each_event_once(offering, tx, chain, open_index):
    for _ in range(3):
        buyer = offering.investor("SG", "institutional")
        offering.token.transfer(buyer.address, "5", sender=offering.hk_pro)
    reference = open_index("reference", tx)
    reference.sync(watched(offering))
    indexers = [open_index("index", tx, chunk_size=1, max_chunk=2) for _ in range(2)]
    failures: list[BaseException] = []

    def index_it(index: EventIndex) -> None:
        try:
            index.sync(watched(offering))
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)

    threads = [threading.Thread(target=index_it, args=(index,)) for index in indexers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures
    keys = event_keys(indexers[0])
    assert len(keys) == len(set(keys)) and keys == event_keys(reference)
    assert indexers[0].balances(offering.token.address) == reference.balances(offering.token.address)
    assert indexers[1].wallets() == reference.wallets()
    assert indexers[0].cursor == reference.cursor


_KILLED_INDEXER = textwrap.dedent("""
    import sys, time
    from rwa_token.chain.node import Chain
    from rwa_token.chain.tx import Transactor
    from rwa_token.store.index import EventIndex

    url, location, schema, *addresses = sys.argv[1:]
    index = EventIndex(location, Transactor(Chain.connect(url)), chunk_size=1, max_chunk=1,
                       **({"schema": schema} if schema else {}))
    real = index._derive
    def slow(*args):  # most of the time inside a chunk's transaction: the kill lands mid-batch
        time.sleep(0.02)
        real(*args)
    index._derive = slow
    index.sync(addresses, progress=lambda done, target: print(done, flush=True))
""")


def test_an_indexer_killed_mid_batch_resumes_with_nothing_lost_or_doubled(offering, tx, chain, open_index, where):
    for _ in range(4):
        buyer = offering.investor("HK", "professional")
        offering.token.transfer(buyer.address, "2", sender=offering.hk_pro)
    reference = open_index("reference", tx)
    reference.sync(watched(offering))
    open_index("index", tx).close()  # made (and its chain recorded) before the indexer starts
    spot = where("index")
    child = subprocess.Popen(
        [sys.executable, "-c", _KILLED_INDEXER, chain.url, str(spot["location"]), spot.get("schema", ""),
         *watched(offering)], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        for _ in range(3):  # let it commit a few chunks, then kill it without warning
            assert child.stdout is not None and child.stdout.readline()
        child.send_signal(signal.SIGKILL)
    finally:
        child.wait(timeout=30)
        assert child.stdout is not None
        child.stdout.close()
    resumed = open_index("index", tx)
    stopped_at = resumed.cursor
    assert stopped_at is not None and stopped_at < chain.block_number()
    assert {e.block for e in resumed.events()} <= set(range(stopped_at + 1))  # nothing beyond the cursor
    resumed.sync(watched(offering))
    keys = event_keys(resumed)
    assert len(keys) == len(set(keys)) and keys == event_keys(reference)
    assert resumed.balances(offering.token.address) == reference.balances(offering.token.address)
    assert resumed.wallets() == reference.wallets()


def test_a_file_of_the_first_version_is_migrated_in_place(offering, tx, chain, tmp_path):
    path = tmp_path / "index.sqlite"
    index = EventIndex(path, tx)
    index.sync(watched(offering))
    before = (event_keys(index), index.balances(offering.token.address), index.wallets(), index.cursor)
    assert index.schema_versions() == [SCHEMA_VERSION]
    # As the first version left it: the same tables, its version in meta, no version table.
    index.store.execute("DROP TABLE schema_version")
    index.store.execute("UPDATE meta SET value = '1' WHERE key = 'schema'")
    index.close()

    buyer = offering.investor("HK", "institutional")
    offering.token.transfer(buyer.address, "4", sender=offering.hk_pro)
    migrated = EventIndex(path, tx)
    assert migrated.schema_versions() == [1, 2]
    assert (event_keys(migrated), migrated.balances(offering.token.address), migrated.wallets(),
            migrated.cursor) == before
    migrated.sync(watched(offering))  # and it goes on from its cursor
    assert migrated.balances(offering.token.address)[buyer.address] == 4_000_000
    migrated.store.execute("INSERT INTO schema_version (version, applied_at) VALUES (99, 0)")
    migrated.close()
    with pytest.raises(IndexStateError, match="newer version"):
        EventIndex(path, tx)


def test_logs_are_decoded_by_slicing_exactly_as_the_generic_decoder_does(offering, tx, chain):
    busy_offering(offering, chain)
    logs = tx.get_logs(None, 0, chain.block_number())
    assert len(logs) > 20
    names = set()
    for log in logs:
        fast = fast_decode(log)
        assert fast == decode_log(log)
        if fast is not None:
            names.add(fast["event"])
    assert {"Transfer", "InvestorRegistered", "InvestorUpdated", "WalletAdded", "InvestorFrozen"} <= names


def test_log_requests_shrink_when_an_answer_holds_too_many_logs(offering, tx, chain, open_index):
    for _ in range(6):
        offering.investor("HK", "professional")
    recorder = RecordingTx(tx)
    index = open_index("index", recorder, chunk_size=8, max_chunk=8, max_logs=3)
    index.sync(watched(offering))
    sizes = [end - start + 1 for start, end in recorder.ranges]
    assert min(sizes) < sizes[0]  # (growing back after small answers: test_index.py)
    reference = open_index("reference", tx)
    reference.sync(watched(offering))
    assert event_keys(index) == event_keys(reference)


def test_the_command_reads_its_reports_from_the_index_its_index_option_names(deployed, chain, capsys, monkeypatch,
                                                                             postgres_url):
    import psycopg
    from cli_run import last, rwa

    code, out, err = rwa(capsys, monkeypatch, "--json", "report", "audit")
    assert code == 0, err
    on_sqlite = last(out)
    assert len(on_sqlite["rows"]) > 10  # the deployment's events
    code, out, err = rwa(capsys, monkeypatch, "--index", postgres_url, "--json", "report", "audit")
    assert code == 0, err
    assert last(out) == on_sqlite
    schema = f"rwa_index_{chain.chain_id}"  # a schema per chain in the named database
    with psycopg.connect(postgres_url, autocommit=True) as db:
        assert db.execute(f'SELECT COUNT(*) FROM "{schema}".events').fetchone()[0] > 0
        db.execute(f'DROP SCHEMA "{schema}" CASCADE')
    monkeypatch.setenv("RWA_INDEX_URL", postgres_url)  # the same through the environment
    code, out, err = rwa(capsys, monkeypatch, "--json", "report", "audit")
    assert code == 0 and last(out) == on_sqlite, err
    monkeypatch.delenv("RWA_INDEX_URL")
    with psycopg.connect(postgres_url) as db:
        assert db.execute(f'SELECT COUNT(*) FROM "{schema}".events').fetchone()[0] > 0
    code, _, err = rwa(capsys, monkeypatch, "--index", "mysql://somewhere/db", "report", "audit")
    assert code == 2 and "postgresql://" in err
