"""The event index: incremental, resumable, reorg-safe, exact."""
from __future__ import annotations

import sqlite3
from typing import Any

import pytest

from rwa_token.primitives.errors import TransactionError
from rwa_token.store.index import EventIndex, IndexStateError, investor_key


class RecordingTx:
    """A Transactor stand-in that forwards to the real one and records (or sabotages) log queries."""

    def __init__(self, tx: Any, fail_on_call: int | None = None, max_results: int | None = None):
        self.real = tx
        self.chain = tx.chain
        self.ranges: list[tuple[int, int]] = []
        self.fail_on_call = fail_on_call
        self.max_results = max_results

    def get_logs(self, address: Any, from_block: int, to_block: int, topics: list | None = None) -> list[dict]:
        self.ranges.append((from_block, to_block))
        if self.fail_on_call is not None and len(self.ranges) == self.fail_on_call:
            raise RuntimeError("simulated crash while syncing")
        logs = self.real.get_logs(address, from_block, to_block, topics)
        if self.max_results is not None and len(logs) > self.max_results:
            raise TransactionError(f"eth_getLogs failed: query returned more than {self.max_results} results")
        return logs


def watched(offering) -> list[str]:
    return [offering.token.address, offering.registry.address]


def event_keys(index: EventIndex) -> list[tuple[int, int, str]]:
    return [(e.block, e.log_index, e.event) for e in index.events()]


def test_first_sync_indexes_every_event_and_derives_balances_and_wallets(offering, tx, chain, tmp_path):
    index = EventIndex(tmp_path / "index.sqlite", tx, chunk_size=4, max_chunk=8)
    seen: list[tuple[int, int]] = []
    head = index.sync(watched(offering), progress=lambda done, target: seen.append((done, target)))
    assert head == chain.block_number() == index.cursor
    assert len(seen) > 1 and seen[-1] == (head, head)  # one report per committed chunk
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)
    names = {e.event for e in index.events()}
    assert {"Transfer", "InvestorRegistered", "CountryRuleSet"} <= names
    token = offering.token.address
    assert index.balances(token) == {offering.hk_pro.address: offering.token.balance_of(offering.hk_pro.address)}
    record = index.wallets()[offering.hk_pro.address]
    chain_record = offering.registry.investor(offering.hk_pro.address)
    assert (record.country, record.categories, record.kyc_expiry) == (344, chain_record.categories,
                                                                      chain_record.kyc_expiry)
    assert int(record.investor_key, 16) == chain_record.key


def test_incremental_sync_queries_and_stores_only_new_blocks(offering, tx, chain, tmp_path):
    recorder = RecordingTx(tx)
    index = EventIndex(tmp_path / "index.sqlite", recorder)
    first = index.sync(watched(offering))
    before = event_keys(index)
    buyer = offering.investor("HK", "institutional")
    offering.token.transfer(buyer.address, "12.5", sender=offering.hk_pro)
    recorder.ranges.clear()
    second = index.sync(watched(offering))
    assert second == chain.block_number() > first
    assert recorder.ranges and min(start for start, _ in recorder.ranges) == first + 1
    after = event_keys(index)
    assert after[: len(before)] == before
    assert [name for _, _, name in after[len(before):]] == ["InvestorRegistered", "Transfer"]
    assert index.sync(watched(offering)) == second  # nothing new: nothing changes
    assert event_keys(index) == after
    assert index.balances(offering.token.address)[buyer.address] == 12_500_000


def test_revert_to_a_snapshot_is_detected_as_a_reorg_and_reindexed(offering, tx, chain, tmp_path):
    a = offering.investor("HK", "professional")
    b = offering.investor("SG", "accredited")
    index = EventIndex(tmp_path / "index.sqlite", tx)
    index.sync(watched(offering))
    snap = chain.snapshot()
    offering.token.transfer(a.address, "100", sender=offering.hk_pro)
    offering.token.transfer(a.address, "1", sender=offering.hk_pro)
    index.sync(watched(offering))
    assert index.balances(offering.token.address)[a.address] == 101_000_000
    old_cursor = index.cursor

    chain.revert(snap)
    tx._nonces.clear()
    offering.token.transfer(b.address, "7", sender=offering.hk_pro)  # same heights, different blocks
    assert chain.block_number() < old_cursor
    head = index.sync(watched(offering))

    assert head == chain.block_number()
    balances = index.balances(offering.token.address)
    assert a.address not in balances
    assert balances[b.address] == 7_000_000
    assert balances[offering.hk_pro.address] == offering.token.balance_of(offering.hk_pro.address)
    transfers = [e for e in index.events(offering.token.address, "Transfer")]
    assert [e.args["to"] for e in transfers][-1] == b.address
    assert all(e.args["to"] != a.address for e in transfers)
    stored = dict(index.db.execute("SELECT number, hash FROM blocks"))
    for number, block_hash in stored.items():  # every stored hash is the chain's own
        assert chain.w3.eth.get_block(number)["hash"].to_0x_hex() == block_hash


def test_revert_to_a_shorter_chain_rolls_the_index_back(offering, tx, chain, tmp_path):
    index = EventIndex(tmp_path / "index.sqlite", tx)
    snap = chain.snapshot()
    buyer = offering.investor("HK", "professional")
    offering.token.transfer(buyer.address, "3", sender=offering.hk_pro)
    index.sync(watched(offering))
    assert buyer.address in index.wallets()
    chain.revert(snap)
    tx._nonces.clear()
    assert index.sync(watched(offering)) == chain.block_number()
    assert buyer.address not in index.wallets()
    assert buyer.address not in index.balances(offering.token.address)


def test_interrupted_sync_resumes_without_duplicating_events(offering, tx, chain, tmp_path):
    for n in range(3):
        buyer = offering.investor("HK", "professional")
        offering.token.transfer(buyer.address, str(n + 1), sender=offering.hk_pro)
    reference = EventIndex(tmp_path / "reference.sqlite", tx)
    reference.sync(watched(offering))

    crashing = RecordingTx(tx, fail_on_call=4)
    index = EventIndex(tmp_path / "index.sqlite", crashing, chunk_size=2, max_chunk=2)
    with pytest.raises(RuntimeError, match="simulated crash"):
        index.sync(watched(offering))
    stopped_at = index.cursor
    assert stopped_at is not None and 0 < stopped_at < chain.block_number()
    index.close()

    resumed = EventIndex(tmp_path / "index.sqlite", tx, chunk_size=2, max_chunk=2)
    assert resumed.cursor == stopped_at
    resumed.sync(watched(offering))
    keys = event_keys(resumed)
    assert len(keys) == len(set(keys))
    assert keys == event_keys(reference)
    token = offering.token.address
    assert resumed.balances(token) == reference.balances(token)
    assert resumed.wallets() == reference.wallets()


def test_chunk_size_halves_on_too_many_results_and_grows_back(offering, tx, chain, tmp_path):
    for _ in range(8):
        offering.investor("HK", "professional")
    reference = EventIndex(tmp_path / "reference.sqlite", tx)
    reference.sync(watched(offering))
    per_block: dict[int, int] = {}
    for block, _, _ in event_keys(reference):
        per_block[block] = per_block.get(block, 0) + 1
    limit = max(per_block.values())  # the busiest block must still fit in one query
    limited = RecordingTx(tx, max_results=limit)
    index = EventIndex(tmp_path / "index.sqlite", limited, chunk_size=64, max_chunk=64)
    index.sync(watched(offering))
    sizes = [end - start + 1 for start, end in limited.ranges]
    assert len(event_keys(reference)) > limit
    assert limited.ranges[0] == (0, index.cursor)  # the whole range was asked first, refused,
    assert min(sizes) < sizes[0]  # and shrank
    smallest = sizes.index(min(sizes))
    assert max(sizes[smallest:]) > min(sizes)  # and grew back after successes
    assert event_keys(index) == event_keys(reference)


def test_a_newly_watched_address_is_backfilled(offering, tx, chain, tmp_path):
    index = EventIndex(tmp_path / "index.sqlite", tx)
    index.sync([offering.token.address])
    assert index.wallets() == {}
    index.sync(watched(offering))
    assert offering.hk_pro.address in index.wallets()
    assert index.balances(offering.token.address) == {offering.hk_pro.address: 1_000 * 10**6}
    assert set(index.watched()) == set(watched(offering))


def test_balances_at_an_earlier_block_match_the_chain_at_that_block(offering, tx, chain, tmp_path):
    token = offering.token
    a = offering.investor("HK", "professional")
    b = offering.investor("SG", "institutional")
    token.transfer(a.address, "250.000001", sender=offering.hk_pro)
    early = chain.block_number()
    token.transfer(b.address, "10", sender=a)
    token.mint(b.address, "5")
    token.burn(offering.hk_pro.address, "0.5")
    index = EventIndex(tmp_path / "index.sqlite", tx)
    index.sync(watched(offering))
    for block in (early, chain.block_number()):
        expected = {w: token.balance_of(w, block=block) for w in (offering.hk_pro.address, a.address, b.address)}
        assert index.balances_at(token.address, block) == {w: v for w, v in expected.items() if v}
    assert index.balances_at(token.address, chain.block_number()) == index.balances(token.address)
    with pytest.raises(IndexStateError, match="sync first"):
        index.balances_at(token.address, chain.block_number() + 1)


def test_wallet_records_follow_registry_events_and_history(offering, tx, chain, tmp_path):
    first = offering.investor("HK", "professional")
    second = offering.second_wallet(first)
    before_update = chain.block_number()
    offering.registry.update(first.address, "SG", "accredited", chain.block_timestamp() + 86_400)
    offering.registry.set_frozen(second.address, True)
    offering.registry.remove_wallet(second.address)
    index = EventIndex(tmp_path / "index.sqlite", tx)
    index.sync(watched(offering))
    now = index.wallets()
    assert now[first.address].country == 702 and second.address not in now
    then = index.wallets_at(before_update)
    assert then[first.address].country == 344
    assert then[second.address].investor_key == then[first.address].investor_key
    assert then[second.address].frozen is False


def test_uint256_amounts_are_stored_exactly(tmp_path):
    index = EventIndex(tmp_path / "index.sqlite")
    token = "0x00000000000000000000000000000000000000aa"
    holder = "0x00000000000000000000000000000000000000Bb"
    from eth_utils import to_checksum_address

    token, holder = to_checksum_address(token), to_checksum_address(holder)
    huge = 2**256 - 1
    event = {"event": "Transfer", "address": token, "block_number": 1, "log_index": 0, "tx_hash": "0x01",
             "args": {"from": "0x0000000000000000000000000000000000000000", "to": holder, "value": huge}}
    assert index.apply_events([event], cursor=1) == 1
    assert index.apply_events([event], cursor=1) == 0  # replaying is a no-op
    assert index.balances(token) == {holder: huge}
    assert index.balances_at(token, 1) == {holder: huge}
    stored = index.db.execute("SELECT balance, typeof(balance) FROM balances").fetchone()
    assert stored == (str(huge), "text")


def test_investor_key_is_the_low_128_bits_of_the_id():
    assert investor_key("0x" + "ff" * 16 + "00" * 15 + "01") == "0x" + "00" * 15 + "01"


def test_an_index_refuses_a_different_chain(offering, tx, tmp_path):
    path = tmp_path / "index.sqlite"
    EventIndex(path, tx).close()
    db = sqlite3.connect(path)
    db.execute("UPDATE meta SET value = '1' WHERE key = 'chain_id'")
    db.commit()
    db.close()
    with pytest.raises(IndexStateError, match="chain 1"):
        EventIndex(path, tx)


def test_an_address_asked_for_from_an_earlier_block_is_back_filled_down_to_it(offering, tx, chain, tmp_path):
    """An index built from a later block (an offering's factory call) reaches back to an earlier one (the
    offering's first transaction) once a sync asks for it, without losing or repeating anything."""
    buyer = offering.investor("HK", "institutional")
    offering.token.transfer(buyer.address, "1", sender=offering.hk_pro)
    late = chain.block_number() + 1
    offering.token.transfer(buyer.address, "2", sender=offering.hk_pro)
    index = EventIndex(tmp_path / "index.sqlite", tx)
    index.sync(watched(offering), from_block=late)
    assert min(e.block for e in index.events()) == late
    assert index.balances(offering.token.address).get(buyer.address, 0) == 2_000_000
    index.sync(watched(offering), from_block=0)
    full = EventIndex(tmp_path / "full.sqlite", tx)
    full.sync(watched(offering))
    assert event_keys(index) == event_keys(full)
    assert set(index.watched().values()) == {0}
    assert index.balances(offering.token.address) == full.balances(offering.token.address)
    assert index.wallets() == full.wallets()
