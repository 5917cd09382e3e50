"""Reports from the event index: cap table, jurisdictions, distributions, audit trail, renderers."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from eth_utils import to_checksum_address

from rwa_token.primitives.errors import ConfigError
from rwa_token.reporting import reports
from rwa_token.reporting.reports import amount, render, share
from rwa_token.store.index import EventIndex

DAY = 86_400


def synced(offering, tx, tmp_path) -> EventIndex:
    index = EventIndex(tmp_path / "index.sqlite", tx)
    index.sync([offering.token.address, offering.registry.address])
    return index


def by_wallet(rows: list[dict]) -> dict[str, dict]:
    return {row["wallet"]: row for row in rows}


def test_captable_at_a_record_date_matches_the_token_snapshot(offering, tx, chain, tmp_path):
    token = offering.token
    a = offering.investor("HK", "professional")
    b = offering.investor("SG", "accredited")
    token.transfer(a.address, "300.123456", sender=offering.hk_pro)
    token.mint(b.address, "42")
    snapshot_id = token.snapshot()
    record_block = chain.block_number()
    token.transfer(b.address, "100", sender=a)  # after the record date: must not show
    token.burn(offering.hk_pro.address, "1")
    index = synced(offering, tx, tmp_path)

    rows = reports.captable(index, token.address, 6, at_block=record_block)
    table = by_wallet(rows)
    for wallet in (offering.hk_pro.address, a.address, b.address):
        assert int(table[wallet]["balance_units"]) == token.balance_at(wallet, snapshot_id)
    assert table[a.address]["balance"] == "300.123456"
    assert table[a.address]["country"] == "HK" and table[b.address]["category"] == "accredited"
    total = sum(int(r["balance_units"]) for r in rows)
    assert total == token.total_supply_at(snapshot_id)
    assert abs(sum(Decimal(r["share_pct"]) for r in rows) - 100) < Decimal("0.001")
    assert [int(r["balance_units"]) for r in rows] == sorted((int(r["balance_units"]) for r in rows), reverse=True)

    current = by_wallet(reports.captable(index, token.address, 6))
    for wallet in (offering.hk_pro.address, a.address, b.address):
        assert int(current[wallet]["balance_units"]) == token.balance_of(wallet)


def test_captable_at_an_iso_date_uses_the_last_block_of_that_day(offering, tx, chain, tmp_path):
    token = offering.token
    buyer = offering.investor("HK", "professional")
    token.transfer(buyer.address, "10", sender=offering.hk_pro)
    day_one = dt.datetime.fromtimestamp(chain.block_timestamp(), dt.timezone.utc).date()
    last_of_day_one = chain.block_number()
    chain.increase_time(2 * DAY)
    token.transfer(buyer.address, "5", sender=offering.hk_pro)
    index = synced(offering, tx, tmp_path)

    assert reports.resolve_block(index, day_one.isoformat()) == last_of_day_one
    assert reports.resolve_block(index, day_one) == last_of_day_one
    rows = by_wallet(reports.captable(index, token.address, 6, at=day_one.isoformat()))
    assert rows[buyer.address]["balance"] == "10"
    later = (day_one + dt.timedelta(days=3)).isoformat()
    assert by_wallet(reports.captable(index, token.address, 6, at=later))[buyer.address]["balance"] == "15"
    with pytest.raises(ConfigError):
        reports.captable(index, token.address, 6, at_block=1, at=later)


def test_jurisdictions_group_holders_and_balances_by_country(offering, tx, chain, tmp_path):
    token = offering.token
    hk_two = offering.investor("HK", "institutional")
    hk_two_second = offering.second_wallet(hk_two)
    sg = offering.investor("SG", "accredited")
    token.transfer(hk_two.address, "100", sender=offering.hk_pro)
    token.transfer(hk_two_second.address, "50", sender=offering.hk_pro)
    token.transfer(sg.address, "250.5", sender=offering.hk_pro)
    index = synced(offering, tx, tmp_path)

    rows = {r["country"]: r for r in reports.jurisdictions(index, token.address, 6)}
    assert set(rows) == {"HK", "SG"}
    assert rows["HK"]["country_name"] == "Hong Kong"
    assert (rows["HK"]["investors"], rows["HK"]["wallets"]) == ("2", "3")  # two investors, one with two wallets
    assert rows["HK"]["balance"] == "749.5" and rows["SG"]["balance"] == "250.5"
    assert (rows["HK"]["share_pct"], rows["SG"]["share_pct"]) == ("74.9500", "25.0500")
    before = {r["country"]: r for r in reports.jurisdictions(index, token.address, 6,
                                                              at_block=index.cursor - 1)}
    assert "SG" not in before and before["HK"]["balance"] == "1000"  # one block earlier: SG not yet bought


def test_renderers_keep_amounts_exact_in_csv_json_and_markdown(offering, tx, chain, tmp_path):
    token = offering.token
    dust = offering.investor("HK", "professional")
    token.transfer(dust.address, "0.000001", sender=offering.hk_pro)
    token.mint(dust.address, "123456789.123456")
    index = synced(offering, tx, tmp_path)
    rows = reports.captable(index, token.address, 6)

    parsed_csv = list(csv.DictReader(io.StringIO(render(rows, "csv"))))
    parsed_json = json.loads(render(rows, "json"))
    markdown = render(rows, "markdown")
    for parsed in (parsed_csv, parsed_json):
        assert by_wallet(parsed)[dust.address]["balance"] == "123456789.123457"
        assert by_wallet(parsed)[offering.hk_pro.address]["balance"] == "999.999999"
    assert by_wallet(parsed_csv)[dust.address]["balance_units"] == "123456789123457"
    assert by_wallet(parsed_json)[dust.address]["balance_units"] == 123456789123457  # JSON: `_units` are integers
    assert f"| {dust.address} |" in markdown and "| 123456789.123457 |" in markdown
    assert markdown.splitlines()[1].count("---:") >= 3  # numbers right-aligned
    with pytest.raises(ConfigError, match="unknown report format"):
        render(rows, "xlsx")


def test_amounts_and_shares_are_exact_for_uint256():
    assert amount(2**256 - 1, 18) == "115792089237316195423570985008687907853269984665640564039457.584007913129639935"
    assert amount(1_500_000, 6) == "1.5" and amount(10**6, 6) == "1" and amount(0, 6) == "0"
    assert amount(-5, 2) == "-0.05" and amount(7, 0) == "7"
    assert share(1, 3) == "33.3333" and share(2, 3) == "66.6667" and share(0, 0) == "0"
    assert share(2**255, 2**256) == "50.0000"


def test_markdown_escapes_pipes_and_handles_no_rows():
    assert render([], "markdown") == "_no rows_\n"
    text = render([{"a": "x|y", "n": "1"}], "md")
    assert "x\\|y" in text


def _event(address: str, name: str, block: int, log_index: int, **args) -> dict:
    return {"event": name, "address": address, "block_number": block, "log_index": log_index,
            "tx_hash": f"0x{block:064x}", "args": args}


def test_distribution_report_reconciles_paid_withheld_and_released(tmp_path):
    """Built from a recorded event sequence (the distributor's own events), so every branch is covered."""
    index = EventIndex(tmp_path / "index.sqlite")
    distributor = to_checksum_address("0x" + "d1" * 20)
    alice, bob, carol = (to_checksum_address("0x" + c * 20) for c in ("a1", "b2", "c3"))
    usd = 10**6
    index.apply_events([
        _event(distributor, "DistributionCreated", 10, 0, distributionId=1, token=alice, paymentToken=bob,
               snapshotId=3, amount=1000 * usd, eligibleSupply=10**9, claimExpiry=2_000_000_000),
        _event(distributor, "Paid", 11, 0, distributionId=1, holder=alice, gross=600 * usd, tax=60 * usd,
               net=540 * usd),
        _event(distributor, "Withheld", 11, 1, distributionId=1, holder=bob, gross=300 * usd, tax=0,
               escrowed=300 * usd, reasonCode=7),
        _event(distributor, "Paid", 11, 2, distributionId=2, holder=carol, gross=1, tax=0, net=1),  # other id
        _event(distributor, "WithheldReleased", 12, 0, distributionId=1, holder=bob, amount=300 * usd),
        _event(distributor, "Paid", 12, 1, distributionId=1, holder=carol, gross=100 * usd + 1, tax=0,
               net=100 * usd + 1),
    ], blocks=[(10, "0x" + "0" * 64, 1_700_000_000), (11, "0x" + "1" * 64, 1_700_000_012),
               (12, "0x" + "2" * 64, 1_700_000_024)], cursor=12)

    rows = reports.distribution_report(index, distributor, 1, 6)
    table = {r["holder"]: r for r in rows}
    assert table[alice]["net"] == "540" and table[alice]["tax"] == "60" and table[alice]["status"] == "paid"
    assert table[bob]["escrowed"] == "300" and table[bob]["released"] == "300" and table[bob]["net"] == "300"
    assert table[bob]["status"] == "withheld (reason 7), released"
    assert table[carol]["gross"] == "100.000001"
    assert table["TOTAL"]["gross"] == "1000.000001" and table["TOTAL"]["net"] == "940.000001"
    assert table["TOTAL"]["status"] == "3 holders"
    summary = reports.distribution_summary(index, distributor, 1, 6)
    assert summary["amount"] == "1000" and summary["snapshot_id"] == "3" and summary["paid_tax"] == "60"

    trail = reports.audit_trail(index, distributor, decimals={distributor: 6})
    assert [r["event"] for r in trail] == ["DistributionCreated", "Paid", "Withheld", "Paid", "WithheldReleased",
                                           "Paid"]
    assert trail[1]["time"] == "2023-11-14T22:13:32Z"
    assert "gross=600, tax=60, net=540" in trail[1]["details"]
    assert "claimExpiry=2033-05-18T03:33:20Z" in trail[0]["details"]


def test_audit_trail_lists_every_event_in_order_readably(offering, tx, chain, tmp_path):
    buyer = offering.investor("SG", "accredited|institutional")
    offering.token.transfer(buyer.address, "2.5", sender=offering.hk_pro)
    offering.token.set_frozen(buyer.address, True)
    index = synced(offering, tx, tmp_path)

    trail = reports.audit_trail(index, decimals={offering.token.address: 6})
    assert len(trail) == index.event_count()
    assert [(int(r["block"]), int(r["log_index"])) for r in trail] == sorted(
        (int(r["block"]), int(r["log_index"])) for r in trail)
    registered = [r for r in trail if r["event"] == "InvestorRegistered" and buyer.address in r["details"]][0]
    assert "country=SG" in registered["details"] and "categories=accredited|institutional" in registered["details"]
    transfer = [r for r in trail if r["event"] == "Transfer" and buyer.address in r["details"]][0]
    assert transfer["details"].endswith("value=2.5")
    assert trail[-1]["event"] == "AddressFrozen" and "isFrozen=true" in trail[-1]["details"]
    assert dt.datetime.strptime(trail[-1]["time"], "%Y-%m-%dT%H:%M:%SZ")
    token_only = reports.audit_trail(index, offering.token.address)
    assert token_only and {r["contract"] for r in token_only} == {offering.token.address}


def test_distribution_report_matches_the_distributors_own_totals_on_chain(offering, tx, chain, accounts, tmp_path):
    """A real coupon: one holder paid, one escrowed while frozen and released later; the report, built from
    events only, must agree with the distributor's on-chain accounting."""
    import os

    from rwa_token.contracts.distributor import Distributor
    from rwa_token.contracts.factory import OfferingFactory, OfferingPlan, TokenPlan, infrastructure
    from rwa_token.contracts.stablecoin import MockStablecoin
    from rwa_token.contracts.token import SecurityToken

    admin = accounts[0]
    factory = OfferingFactory(tx, infrastructure(tx, admin).factory, admin)
    plan = OfferingPlan(admin=admin.address, tokens=[TokenPlan("Coupon Note", "CPN", 6, 0)],
                        registry=offering.registry.address, treasury=admin.address, tax_account=admin.address,
                        with_distributor=True)
    deployed = factory.deploy_offering(plan, os.urandom(32))
    token = SecurityToken(tx, deployed.tokens[0], admin)
    distributor = Distributor(tx, deployed.distributor, admin)
    token.set_country_rule("HK", allowed=True, required_categories="professional|institutional")
    distributor.set_excluded_wallets(token.address, [])  # registers the token with the distributor
    distributor.set_withholding_rate(344, 1_000)  # 10 % withheld at source for Hong Kong holders
    other = offering.investor("HK", "institutional")
    token.mint(offering.hk_pro.address, "300")
    token.mint(other.address, "100")
    usd = MockStablecoin.deploy(tx, admin, "US Dollar Coin", "USDC", 6)
    distributor.send("allowPaymentToken", usd.address, b"USD".ljust(8, b"\0"), False)
    funded = 1_000 * 10**6 + 3  # not divisible: leaves a remainder
    usd.mint(admin.address, funded)
    usd.approve(distributor.address, funded)
    distribution_id, _ = distributor.create(token.address, usd.address, funded, chain.block_timestamp() + 30 * DAY)
    offering.registry.set_frozen(other.address, True)
    distributor.push_batch(distribution_id, [offering.hk_pro.address, other.address])
    offering.registry.set_frozen(other.address, False)
    distributor.release_withheld(distribution_id, other.address)

    index = EventIndex(tmp_path / "index.sqlite", tx)
    index.sync([token.address, offering.registry.address, distributor.address])
    rows = {r["holder"]: r for r in reports.distribution_report(index, distributor.address, distribution_id, 6)}
    totals = distributor.totals(distribution_id)
    assert rows[offering.hk_pro.address]["status"] == "paid"
    assert rows[other.address]["status"].startswith("withheld (reason ") and rows[other.address]["status"].endswith(
        ", released")
    assert rows[other.address]["released"] == amount(totals.withheld_released, 6)
    assert rows["TOTAL"]["tax"] == amount(totals.tax_paid, 6) != "0"
    assert rows["TOTAL"]["net"] == amount(totals.paid_net + totals.withheld_released, 6)
    assert int(rows["TOTAL"]["gross"].replace(".", "")) <= funded
    summary = reports.distribution_summary(index, distributor.address, distribution_id, 6)
    assert summary["amount"] == amount(funded, 6) and summary["payment_token"] == usd.address


def test_audit_trail_counts_each_amount_in_its_own_asset_and_names_roles_purposes_and_currencies(tmp_path):
    """Recorded events of every kind of contract: DvP legs in the traded tokens' units, proceeds and distributor
    amounts in their payment token's, collateral in the security token's; roles, purposes, currencies and the
    "unknown" tax country by name; the wallet and the other party with the issuer's ids."""
    from eth_utils import keccak

    index = EventIndex(tmp_path / "index.sqlite")
    token, usdc, hkdr, dvp, vault, distributor, collateral = (
        to_checksum_address("0x" + c * 20) for c in ("10", "20", "30", "40", "50", "60", "70"))
    alice, bob = (to_checksum_address("0x" + c * 20) for c in ("a1", "b2"))
    role = "0x" + keccak(text="DISTRIBUTION_AGENT_ROLE").hex()
    index.apply_events([
        _event(distributor, "RoleGranted", 5, 0, role=role, account=alice, sender=bob),
        _event(distributor, "WithholdingRateSet", 5, 1, country=0, bps=3000),
        _event(distributor, "PaymentTokenAllowed", 5, 2, paymentToken=hkdr, currency="0x" + b"HKD".ljust(8, b"\0").hex(),
               rmbApproved=False),
        _event(distributor, "DistributionCreated", 6, 0, distributionId=1, token=token, paymentToken=hkdr,
               snapshotId=1, amount=5 * 10**2, eligibleSupply=10**6, claimExpiry=2_000_000_000),
        _event(distributor, "Paid", 6, 1, distributionId=1, holder=alice, gross=300, tax=30, net=270),
        _event(dvp, "TradeSettled", 7, 0, tradeHash="0x" + "ab" * 32, seller=alice, buyer=bob, securityToken=token,
               securityAmount=2_500_000, paymentToken=usdc, paymentAmount=1_000_000_000, fee=1),
        _event(vault, "ProceedsWithdrawn", 8, 0, purpose="0x" + b"toll-road-capex".ljust(32, b"\0").hex(), to=bob,
               amount=10**6, memo="invoice 7", treasurer=alice),
        _event(collateral, "CollateralLocked", 9, 0, holder=alice, lender=bob, amount=1_500_000, lockedTotal=1_500_000),
        _event(token, "Transfer", 9, 1, **{"from": "0x" + "00" * 20, "to": bob, "value": 1}),
    ], blocks=[(n, "0x" + f"{n:064x}", 1_700_000_000 + n) for n in range(5, 10)], cursor=9)
    names = reports.AuditNames(
        contracts={token: "token HSTOLLA", dvp: "dvp", vault: "proceeds", distributor: "distributor",
                   collateral: "collateral HSTOLLA"},
        kinds={token: "token", dvp: "dvp", vault: "proceeds", distributor: "distributor", collateral: "collateral"},
        assets={token: reports.Asset("HSTOLLA", 6), usdc: reports.Asset("USDC", 6), hkdr: reports.Asset("HKDR", 2)},
        security_of={collateral: token}, payment_of={vault: usdc}, ids={alice: "INV-001"})
    rows = reports.audit_trail(index, names=names)
    by_event = {r["event"]: r for r in rows}
    assert by_event["RoleGranted"]["details"].startswith("role=DISTRIBUTION_AGENT_ROLE, account=")
    assert by_event["RoleGranted"]["wallet"] == alice and by_event["RoleGranted"]["investor_id"] == "INV-001"
    assert by_event["WithholdingRateSet"]["details"] == "country=unknown, bps=3000"
    assert "currency=HKD" in by_event["PaymentTokenAllowed"]["details"]
    paid = by_event["Paid"]
    assert (paid["amount"], paid["amount_units"], paid["asset"]) == ("3", "300", "HKDR")
    assert "gross=3, tax=0.3, net=2.7" in paid["details"]
    assert "eligibleSupply=1, " in by_event["DistributionCreated"]["details"]  # the security token's units
    trade = by_event["TradeSettled"]
    assert (trade["amount"], trade["asset"], trade["wallet"], trade["counterparty"]) == ("2.5", "HSTOLLA", alice, bob)
    assert "paymentAmount=1000, fee=0.000001" in trade["details"] and trade["contract"] == "dvp"
    withdrawn = by_event["ProceedsWithdrawn"]
    assert "purpose=toll-road-capex" in withdrawn["details"] and (withdrawn["amount"], withdrawn["asset"]) == ("1",
                                                                                                             "USDC")
    locked = by_event["CollateralLocked"]
    assert (locked["amount"], locked["asset"], locked["counterparty"]) == ("1.5", "HSTOLLA", bob)
    mint = by_event["Transfer"]
    assert (mint["wallet"], mint["counterparty"], mint["amount"]) == (bob, "", "0.000001")
    assert all(r["actor"] == "" for r in rows)  # an index opened without a chain cannot say who sent what
