"""The lean transaction pipeline: one kept-alive connection per node, nonces counted locally, the base fee read once
per few blocks, no estimate where the gas is given, transactions sent back to back with their receipts awaited
together, and journaled batches that survive an out-of-gas batch with nothing sent twice."""
from __future__ import annotations

import http.server
import json
import threading
from collections import Counter

import pytest

from rwa_token.chain import node
from rwa_token.chain.tx import FEE_BLOCKS, Receipt, Transactor, TxCall
from rwa_token.primitives import errors
from rwa_token.store.journal import Journal


def counting(chain, monkeypatch) -> Counter:
    """Every JSON-RPC method the chain is asked, single or batched, counted by name."""
    asked: Counter = Counter()
    single, batch = chain.rpc, chain.rpc_batch

    def rpc(method, params=None):
        asked[method] += 1
        return single(method, params)

    def rpc_batch(calls):
        asked.update(method for method, _ in calls)
        asked["(batch)"] += 1
        return batch(calls)

    monkeypatch.setattr(chain, "rpc", rpc)
    monkeypatch.setattr(chain, "rpc_batch", rpc_batch)
    return asked


class ClosingNode(http.server.BaseHTTPRequestHandler):
    """Answers eth_chainId and then closes the connection without saying so, as a node's idle timeout does."""

    protocol_version = "HTTP/1.1"
    served = 0

    def do_POST(self):
        request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        ClosingNode.served += 1
        body = json.dumps({"jsonrpc": "2.0", "id": request["id"], "result": "0x7a69"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.close_connection = True

    def log_message(self, *args):
        pass


def test_one_kept_alive_connection_per_node_and_a_dropped_one_is_replaced():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), ClosingNode)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        for _ in range(3):  # each request after the first meets a connection the server closed
            assert node.rpc_request(url, "eth_chainId", [])["result"] == "0x7a69"
        assert ClosingNode.served == 3  # sent again on a new connection, once each, never lost or doubled
    finally:
        server.shutdown()
        node.close_connections(url)


def test_requests_share_one_connection_and_an_unreachable_node_says_so(chain):
    chain.rpc("eth_blockNumber")
    connection = node._connections.open[chain.url]
    sock = connection.sock
    for _ in range(5):
        chain.rpc("eth_blockNumber")
    chain.rpc_batch([("eth_chainId", []), ("eth_blockNumber", [])])
    assert node._connections.open[chain.url] is connection and connection.sock is sock
    with pytest.raises(errors.ChainError, match="cannot reach the chain at http://127.0.0.1:"):
        node.rpc_request(f"http://127.0.0.1:{node.free_port()}", "eth_chainId", [], timeout=2)


def test_sends_ask_the_nonce_once_the_fee_once_per_few_blocks_and_no_estimate_when_gas_is_given(
        chain, accounts, monkeypatch):
    tx = Transactor(chain)
    asked = counting(chain, monkeypatch)
    sends = 2 * FEE_BLOCKS
    for _ in range(sends):
        receipt = tx.send(accounts[1], accounts[2].address, b"", value=1, gas=21_000)
        assert receipt.status == 1
    assert asked["eth_getTransactionCount"] == 1 and asked["eth_estimateGas"] == 0
    assert 1 <= asked["eth_getBlockByNumber"] <= sends // FEE_BLOCKS + 1
    assert asked["eth_sendRawTransaction"] == sends
    tx.send(accounts[1], accounts[2].address, b"", value=1)  # no gas given: estimated
    assert asked["eth_estimateGas"] == 1


def test_a_nonce_used_by_another_sender_is_resynced(chain, accounts):
    ours, theirs = Transactor(chain), Transactor(chain)
    ours.send(accounts[3], accounts[4].address, b"", value=1, gas=21_000)
    theirs.send(accounts[3], accounts[4].address, b"", value=1, gas=21_000)  # our local count is now stale
    receipt = ours.send(accounts[3], accounts[4].address, b"", value=1, gas=21_000)
    assert receipt.status == 1
    assert ours._nonces[accounts[3].address] == int(chain.rpc("eth_getTransactionCount",
                                                              [accounts[3].address, "latest"])["result"], 16)


def test_send_many_sends_back_to_back_and_decodes_each_failure(offering, chain, monkeypatch):
    token, holder, tx = offering.token, offering.hk_pro, offering.tx
    other = offering.investor("HK", "professional")
    ok = TxCall(token.address, token.encode("transfer", other.address, 10**6), gas=200_000)
    too_much = TxCall(token.address, token.encode("transfer", other.address, 10**15), gas=200_000)
    asked = counting(chain, monkeypatch)
    results = tx.send_many(holder, [ok, too_much, ok])
    assert [type(r) for r in results][0::2] == [Receipt, Receipt]
    assert isinstance(results[1], errors.ContractRevert) and results[1].receipt.status == 0
    assert asked["eth_estimateGas"] == 0 and asked["eth_getTransactionCount"] <= 1
    assert asked["eth_getTransactionReceipt"] <= 3 * 3  # polled together, a few rounds at most
    assert token.balance_of(other.address) == 2 * 10**6


def test_an_out_of_gas_batch_is_estimated_and_sent_again_and_journaled(offering, tmp_path, monkeypatch):
    """A later batch that costs more than the gas reused from the first of its size reverts whole; it is
    estimated and sent again, and the journal shows the failed transaction and the confirmed one."""
    from rwa_token.services import pipeline

    token, tx = offering.token, offering.tx
    wallets = [offering.investor("HK", "professional").address for _ in range(4)]
    calls = [(2, TxCall(token.address, token.encode("batchMint", wallets[i:i + 2], [10**6, 10**6])),
              {"wallets": wallets[i:i + 2]}) for i in (0, 2)]
    monkeypatch.setattr(pipeline.GasBySize, "gas", lambda self, size, call: 60_000)  # too little for two mints
    journal = Journal(tmp_path / "mint.jsonl")
    receipts = pipeline.send_batches(tx, offering.admin, journal, "mint", calls)
    assert [r.status for r in receipts] == [1, 1]
    assert all(token.balance_of(w) == 10**6 for w in wallets)  # each minted once
    statuses = Counter(e["status"] for e in journal.entries())
    assert statuses == {"sent": 4, "failed": 2, "confirmed": 2} and journal.in_flight() == []


def test_in_safe_mode_send_many_collects_and_a_journaled_pipeline_is_refused(offering, tmp_path):
    """Under --safe nothing is broadcast: each call is simulated from the Safe and collected for its proposal; a
    journaled run of batches needs mined transactions, so it is refused before anything is collected."""
    from rwa_token.chain.tx import Proposed
    from rwa_token.services import pipeline

    token, admin = offering.token, offering.admin
    tx = Transactor(offering.chain)
    call = TxCall(token.address, token.encode("mint", offering.hk_pro.address, 1))
    tx.propose_to(admin.address, admin.address)  # the admin stands in for a Safe: simulated as the Safe would act
    results = tx.send_many(admin, [call, call])
    assert all(isinstance(r, Proposed) for r in results) and [c.data for c in tx.proposed] == [call.data] * 2
    with pytest.raises(errors.ConfigError, match="records each transaction as it is mined"):
        pipeline.send_batches(tx, admin, Journal(tmp_path / "j.jsonl"), "mint", [(1, call, {})])
    assert len(tx.proposed) == 2 and not (tmp_path / "j.jsonl").exists()
    assert len(pipeline.send_batches(tx, admin, None, "mint", [(1, call, {})])) == 1 and len(tx.proposed) == 3


def test_reused_gas_stays_within_the_block_gas_limit():
    """A later batch reuses its size's estimate with headroom, but never asks for more than a block holds (the
    node would refuse it) nor less than the estimate."""
    from types import SimpleNamespace

    from rwa_token.services.pipeline import REUSE_HEADROOM, GasBySize

    estimates = iter([90_000, 50_000])
    tx = SimpleNamespace(estimate_call=lambda sender, call: next(estimates), block_gas_limit=lambda: 100_000)
    gas = GasBySize(tx, sender=None)
    call = TxCall("0x" + "11" * 20, b"")
    assert gas.gas(2, call) == 100_000 and gas.gas(2, call) == 100_000  # estimated once for the size
    assert gas.gas(1, call) == int(50_000 * REUSE_HEADROOM)
    gas.raise_to(1, 120_000)  # an estimate above the block limit is kept: the node names the problem
    assert gas.limits[1] == 120_000


def test_static_results_are_read_word_by_word_as_the_abi_decoder_reads_them():
    """Bulk reads decode one-word outputs (and structs of them) by slicing words; the values equal the ABI
    decoder's, and a word it would refuse (dirty padding, out of range) goes to it and is refused as before."""
    import random

    from eth_abi import decode, encode

    from rwa_token.chain.tx import _decode_static, _typed

    types = ["uint256", "int16", "bool", "address", "bytes4", "(uint8,int256,address)"]
    outputs = [{"type": "uint256"}, {"type": "int16"}, {"type": "bool"}, {"type": "address"}, {"type": "bytes4"},
               {"type": "tuple", "components": [{"type": "uint8"}, {"type": "int256"}, {"type": "address"}]}]
    fn = {"name": "f", "inputs": [], "outputs": outputs}
    rng = random.Random(16)
    for _ in range(200):
        values = [rng.getrandbits(256), rng.randint(-2**15, 2**15 - 1), rng.random() < 0.5,
                  "0x" + rng.getrandbits(160).to_bytes(20, "big").hex(), rng.getrandbits(32).to_bytes(4, "big"),
                  (rng.getrandbits(8), rng.randint(-2**255, 2**255 - 1), "0x" + rng.getrandbits(160).to_bytes(
                      20, "big").hex())]
        data = encode(types, values)
        generic = tuple(_typed(v, o) for v, o in zip(decode(types, data), outputs))
        assert _decode_static(fn, data) == generic == Transactor.decode_result(fn, data)

    def one(kind: str) -> dict:
        return {"name": "g", "inputs": [], "outputs": [{"type": kind}]}

    dirty = bytearray(encode(["bool"], [True]))
    dirty[0] = 1
    assert _decode_static(one("bool"), bytes(dirty)) is None
    with pytest.raises(Exception):
        Transactor.decode_result(one("bool"), bytes(dirty))  # refused by the ABI decoder, as before
    assert _decode_static(one("uint8"), (1 << 8).to_bytes(32, "big")) is None
    assert _decode_static(one("int8"), (-129).to_bytes(32, "big", signed=True)) is None
    assert _decode_static(one("int8"), (-128).to_bytes(32, "big", signed=True)) == (-128,)
    assert _decode_static(one("string"), encode(["string"], ["x"])) is None
