"""A tokenized money-market fund dealing at NAV (ERC-7540) through the `rwa fund` commands and the SDK, on a real
local chain with the real SecurityToken: subscriptions checked by the token's rules, forward pricing, the gate,
cancellation, freezes and lockups on redemption, claims, reports, and a close that resumes after a crash."""
from __future__ import annotations

import datetime as dt

import pytest
import yaml

from cli_run import EXAMPLES, last, rwa
from rwa_token.inputs.spec import parse_spec
from rwa_token.primitives.errors import ConfigError
from rwa_token.primitives.units import decimal_text

SPEC = EXAMPLES / "hk-money-market-fund.yaml"
DAY = 86_400
# Dev accounts of the local chain, as examples/fund-investors.csv registers them.
HK_RETAIL, HK_PRO, SG_ACCREDITED, CN_PRO, US_RETAIL = 2, 3, 4, 5, 6


def spec_with(**fund) -> str:
    doc = yaml.safe_load(SPEC.read_text())
    doc["fund"] = {**doc["fund"], **fund}
    return yaml.safe_dump(doc, sort_keys=False)


# ------------------------------------------------------------------------------------------------ the spec
@pytest.mark.parametrize("fund, message", [
    ({"token": "NOPE"}, "fund.token: NOPE is not a token of this offering"),
    ({"entry_assets": ["EURX"]}, "fund.entry_assets[0]: EURX is not a payment token"),
    ({"entry_assets": ["USDC", "USDC"]}, "fund.entry_assets: an asset is listed twice"),
    ({"gate_percent": "120"}, "fund.gate_percent: at most 100"),
    ({"fees": {"subscription_bps": 1500}}, "fund.fees.subscription_bps: must be an integer 0..1000"),
    ({"dealing": {"cutoff": 960}}, "fund.dealing.cutoff: a UTC time of day like \"16:00\""),
    ({"dealing": {"weekday": "friday"}}, "fund.dealing.weekday: only for weekly dealing"),
    ({"initial_nav": {"EURX": "1"}}, "fund.initial_nav.EURX: not an entry asset"),
    ({"min_subscription": "0.0000001"}, "fund.min_subscription"),
])
def test_a_bad_fund_section_is_refused_naming_the_field(fund, message):
    with pytest.raises(ConfigError) as refused:
        parse_spec(spec_with(**fund))
    assert message in str(refused.value)


def test_cutoffs_follow_the_daily_or_weekly_schedule_in_utc():
    fund = parse_spec(spec_with()).fund
    at = int(dt.datetime(2026, 12, 4, 7, 59, tzinfo=dt.timezone.utc).timestamp())  # a Friday
    assert fund.next_cutoff(at) == at + 60
    assert fund.next_cutoff(at + 60) == at + 60 + DAY  # strictly later than `after`
    weekly = parse_spec(spec_with(dealing={"frequency": "weekly", "cutoff": "16:00", "weekday": "monday"})).fund
    monday = dt.datetime.fromtimestamp(weekly.next_cutoff(at), dt.timezone.utc)
    assert (monday.weekday(), monday.hour, monday.date().isoformat()) == (0, 16, "2026-12-07")


# ------------------------------------------------------------------------------------------------ on chain
@pytest.fixture
def fund(chain, state, capsys, monkeypatch):
    """The example fund deployed with `rwa deploy`, its investors imported, USDC given to each investor."""
    code, out, err = rwa(capsys, monkeypatch, "--rpc-url", chain.url, "--json", "deploy", str(SPEC))
    assert code == 0, err
    code, _, err = rwa(capsys, monkeypatch, "investors", "import", str(EXAMPLES / "fund-investors.csv"))
    assert code == 0, err
    from rwa_token.services.context import Operator

    op = Operator.open(chain.url, None)
    accounts = chain.dev_accounts(8)
    usdc = op.payment_token("USDC")
    for n in (0, HK_RETAIL, HK_PRO, SG_ACCREDITED, CN_PRO, US_RETAIL):
        usdc.send("mint", accounts[n].address, 1_000_000 * 10**6)
    return op, accounts


def as_investor(monkeypatch, accounts, n):
    monkeypatch.setenv("RWA_PRIVATE_KEY", accounts[n].key.hex())


def as_agent(monkeypatch):
    monkeypatch.delenv("RWA_PRIVATE_KEY", raising=False)


def run(capsys, monkeypatch, *args):
    return rwa(capsys, monkeypatch, "--json", *args)


def test_deploy_makes_one_vault_per_entry_asset_wired_as_the_spec_says(fund, chain, capsys, monkeypatch):
    op, _ = fund
    vaults = op.offering.fund_vaults("HUSDMMF")
    assert list(vaults) == ["USDC", "HKDR"]
    token = op.token("HUSDMMF")
    for symbol, vault in vaults.items():
        assert vault.share() == token.address
        assert vault.asset() == op.record.payment_tokens[symbol]
        assert token.has_role("AGENT_ROLE", vault.address)
        terms = vault.dealing_terms()
        assert (terms.subscription_fee_bps, terms.redemption_fee_bps, terms.gate_bps) == (10, 0, 1000)
        assert terms.min_subscription == 100 * 10**6
        assert vault.dealing().max_nav_age == 24 * 3600
        assert all(vault.supports_interface(bytes.fromhex(i)) for i in ("2f0a18c5", "e3bc4e65", "ce3bbe50", "620ee8e4"))
    assert vaults["USDC"].nav().per_share == 1_000_000 and vaults["HKDR"].nav().per_share == 7_800_000
    code, out, err = rwa(capsys, monkeypatch, "--json", "plan", str(SPEC))
    assert code == 0, err
    assert [c for c in last(out)["changes"] if c["subject"].startswith("fund:")] == []


def test_a_dealing_day_from_the_command_line(fund, chain, capsys, monkeypatch):
    op, accounts = fund
    as_investor(monkeypatch, accounts, HK_RETAIL)
    code, out, _ = run(capsys, monkeypatch, "fund", "subscribe", "1000", "--dry-run")
    assert code == 0 and last(out)["dry_run"] and last(out)["estimate"] == "999"  # 10 bps fee at NAV 1.00
    code, out, err = run(capsys, monkeypatch, "fund", "subscribe", "1000")
    assert code == 0, err
    as_investor(monkeypatch, accounts, SG_ACCREDITED)
    assert run(capsys, monkeypatch, "fund", "subscribe", "2500")[0] == 0
    as_investor(monkeypatch, accounts, CN_PRO)  # mainland China is not on the fund's allow list
    code, out, _ = run(capsys, monkeypatch, "fund", "subscribe", "1000")
    assert (code, last(out)["name"]) == (3, "COUNTRY_NOT_ALLOWED")
    as_investor(monkeypatch, accounts, US_RETAIL)
    assert run(capsys, monkeypatch, "fund", "subscribe", "1000")[0] == 3
    as_investor(monkeypatch, accounts, HK_PRO)
    code, out, _ = run(capsys, monkeypatch, "fund", "subscribe", "50")
    assert code == 2 and "minimum subscription is 100 USDC" in last(out)["error"]

    as_agent(monkeypatch)
    code, out, _ = run(capsys, monkeypatch, "fund", "close", "--yes")
    assert code == 2 and "cannot close before" in last(out)["error"]
    chain.increase_time(DAY)
    code, out, _ = run(capsys, monkeypatch, "fund", "close", "--yes")
    assert code == 2 and "dealing is at the next NAV" in last(out)["error"]  # forward pricing
    assert run(capsys, monkeypatch, "fund", "nav", "set", "1.0002")[0] == 0
    before = chain.w3.eth.block_number
    code, out, _ = run(capsys, monkeypatch, "fund", "close", "--dry-run")
    assert code == 0 and last(out)["deposits"] == 2 and chain.w3.eth.block_number == before
    code, out, err = run(capsys, monkeypatch, "fund", "close", "--yes")
    assert code == 0, err
    closed = last(out)
    assert (closed["cycle"], closed["deposits"], closed["batches"]) == (1, 2, 1)
    assert closed["fees"] == 1_000_000 + 2_500_000  # 0.10 % of 3,500 USDC, rounded up per request
    assert closed["swept"] == 3_500 * 10**6 - closed["fees"]

    as_investor(monkeypatch, accounts, HK_RETAIL)
    code, out, err = run(capsys, monkeypatch, "fund", "claim")
    assert code == 0, err
    assert last(out)["shares_units"] == (1000 * 10**6 - 1_000_000) * 10**6 // 1_000_200  # rounded down
    token = op.token("HUSDMMF")
    assert token.balance_of(accounts[HK_RETAIL].address) == last(out)["shares_units"]
    code, out, _ = run(capsys, monkeypatch, "fund", "claim")
    assert code == 2 and "nothing is claimable" in last(out)["error"]

    as_agent(monkeypatch)
    code, out, _ = run(capsys, monkeypatch, "fund", "requests", "--format", "json")
    rows = {(r["controller"], r["status"]) for r in last(out)["rows"]}
    assert rows == {(accounts[HK_RETAIL].address, "fulfilled"), (accounts[SG_ACCREDITED].address, "fulfilled")}
    code, out, _ = run(capsys, monkeypatch, "fund", "flows")
    flows = {r["country"]: r for r in last(out)["rows"]}
    assert flows["HK"]["subscribed"] == "1000" and flows["SG"]["subscribed"] == "2500"
    code, out, _ = run(capsys, monkeypatch, "fund", "nav", "show")
    history = last(out)["rows"]
    assert [(r["nav"], r["dealt_cycle"]) for r in history] == [("1", ""), ("1.0002", "1")]
    code, out, _ = run(capsys, monkeypatch, "fund", "status")
    assert last(out)["cycle"] == 2 and last(out)["nav"]["used"]


def test_redemptions_respect_freezes_and_the_gate_carries_the_rest(fund, chain, capsys, monkeypatch):
    op, accounts = fund
    vault = op.offering.fund_vaults("HUSDMMF")["USDC"]
    for n, amount in ((HK_RETAIL, "90000"), (HK_PRO, "10000")):
        as_investor(monkeypatch, accounts, n)
        assert run(capsys, monkeypatch, "fund", "subscribe", amount)[0] == 0
    as_agent(monkeypatch)
    chain.increase_time(DAY)
    run(capsys, monkeypatch, "fund", "nav", "set", "1")
    assert run(capsys, monkeypatch, "fund", "close", "--yes")[0] == 0
    for n in (HK_RETAIL, HK_PRO):
        as_investor(monkeypatch, accounts, n)
        assert run(capsys, monkeypatch, "fund", "claim")[0] == 0
    token = op.token("HUSDMMF")
    retail = accounts[HK_RETAIL].address
    token.freeze_partial(retail, 1_000 * 10**6)
    as_investor(monkeypatch, accounts, HK_RETAIL)
    held = token.balance_of(retail)
    code, out, _ = run(capsys, monkeypatch, "fund", "redeem", decimal_text(held, 6))
    assert code == 3 and last(out)["refused"]  # the frozen part cannot be redeemed
    assert token.balance_of(retail) == held
    assert run(capsys, monkeypatch, "fund", "redeem", decimal_text(held - 1_000 * 10**6, 6))[0] == 0
    assert token.balance_of(retail) == 1_000 * 10**6 and token.frozen_tokens(retail) == 1_000 * 10**6
    requested = held - 1_000 * 10**6
    supply_before = token.total_supply() + requested

    as_agent(monkeypatch)
    chain.increase_time(DAY)
    run(capsys, monkeypatch, "fund", "nav", "set", "1.001")
    code, out, err = run(capsys, monkeypatch, "fund", "close", "--yes")
    assert code == 0, err
    closed = last(out)
    allowed = supply_before * 1000 // 10_000  # 10 % of the fund before this cycle's redemptions
    assert closed["redeem_allowed"] == allowed and closed["redeem_requested"] == requested
    assert closed["funded"] == allowed * 1_001_000 // 10**6  # the only redemption: the manager funds it all
    assert vault.pending_redeem(retail) == requested - allowed  # carried to cycle 3
    assert vault.position(retail).redeem_cycle == 3
    as_investor(monkeypatch, accounts, HK_RETAIL)
    usdc = op.payment_token("USDC")
    cash_before = usdc.balance_of(retail)
    code, out, err = run(capsys, monkeypatch, "fund", "claim")
    assert code == 0, err
    assert usdc.balance_of(retail) - cash_before == allowed * 1_001_000 // 10**6

    as_agent(monkeypatch)
    code, out, _ = run(capsys, monkeypatch, "fund", "requests", "--cycle", "3")
    carried = last(out)["rows"]
    assert [(r["kind"], r["status"], r["requested_units"]) for r in carried] == [
        ("redemption", "pending", requested - allowed)]


def test_a_cancelled_request_is_refunded_exactly(fund, chain, capsys, monkeypatch):
    op, accounts = fund
    usdc = op.payment_token("USDC")
    who = accounts[HK_PRO].address
    before = usdc.balance_of(who)
    as_investor(monkeypatch, accounts, HK_PRO)
    assert run(capsys, monkeypatch, "fund", "subscribe", "1234.567891")[0] == 0
    assert usdc.balance_of(who) == before - 1_234_567_891
    code, out, _ = run(capsys, monkeypatch, "fund", "cancel", "subscription", "--dry-run")
    assert code == 0 and usdc.balance_of(who) == before - 1_234_567_891
    assert run(capsys, monkeypatch, "fund", "cancel", "subscription")[0] == 0
    assert usdc.balance_of(who) == before
    code, out, _ = run(capsys, monkeypatch, "fund", "cancel", "subscription")
    assert code == 2 and "no subscription pending" in last(out)["error"]
    chain.increase_time(DAY)
    code, out, _ = run(capsys, monkeypatch, "fund", "subscribe", "500")
    assert code == 2 and "cut off" in last(out)["error"]


def test_a_close_interrupted_mid_fulfilment_resumes_without_doing_anything_twice(fund, chain, capsys, monkeypatch):
    from rwa_token.contracts.fund import FundVault
    from rwa_token.services import funds

    op, accounts = fund
    for n in (HK_RETAIL, HK_PRO, SG_ACCREDITED):
        as_investor(monkeypatch, accounts, n)
        assert run(capsys, monkeypatch, "fund", "subscribe", "300")[0] == 0
    as_agent(monkeypatch)
    chain.increase_time(DAY)
    run(capsys, monkeypatch, "fund", "nav", "set", "1")
    real = FundVault.fulfil
    sent = []

    def crash_after_first(self, controllers, **kw):
        if sent:
            raise ConnectionError("node went away")
        sent.append(list(controllers))
        return real(self, controllers, **kw)

    monkeypatch.setattr(FundVault, "fulfil", crash_after_first)
    with pytest.raises(ConnectionError):
        funds.close_cycle(op, batch_size=1)
    monkeypatch.setattr(FundVault, "fulfil", real)
    vault = op.offering.fund_vaults("HUSDMMF")["USDC"]
    pending = [vault.position(accounts[n].address).pending_assets for n in (HK_RETAIL, HK_PRO, SG_ACCREDITED)]
    assert sorted(pending) == [0, 300 * 10**6, 300 * 10**6] and vault.dealing().cycle == 2
    resumed = funds.close_cycle(op, batch_size=1)
    assert (resumed.closed_now, resumed.cycle, resumed.deposits, resumed.batches) == (False, 1, 2, 2)
    fulfilled = vault.events("DepositFulfilled")
    assert sorted(e["args"]["controller"] for e in fulfilled) == sorted(
        accounts[n].address for n in (HK_RETAIL, HK_PRO, SG_ACCREDITED))
    assert all(vault.position(accounts[n].address).pending_assets == 0 for n in (HK_RETAIL, HK_PRO, SG_ACCREDITED))


def test_rwa_recover_moves_a_lost_wallets_fund_claims_to_the_investors_new_wallet(fund, chain, capsys, monkeypatch):
    op, accounts = fund
    lost, new = accounts[HK_RETAIL].address, accounts[7].address
    as_investor(monkeypatch, accounts, HK_RETAIL)
    assert run(capsys, monkeypatch, "fund", "subscribe", "1000")[0] == 0
    as_agent(monkeypatch)
    chain.increase_time(DAY)
    run(capsys, monkeypatch, "fund", "nav", "set", "1")
    assert run(capsys, monkeypatch, "fund", "close", "--yes")[0] == 0
    op.registry.add_wallet(lost, new)
    code, out, _ = run(capsys, monkeypatch, "recover", lost, new, "--dry-run")
    assert code == 0 and op.token("HUSDMMF").balance_of(new) == 0  # the plan only
    code, out, err = run(capsys, monkeypatch, "recover", lost, new, "--yes")
    assert code == 0, err
    units = (1000 * 10**6 - 1_000_000) * 10**6 // 1_000_000  # 10 bps fee at NAV 1
    assert op.token("HUSDMMF").balance_of(new) == units
    vault = op.offering.fund_vaults("HUSDMMF")["USDC"]
    assert vault.max_deposit(lost) == 0 and vault.events("ClaimsRedirected")[0]["args"]["to"] == new
    code, out, _ = run(capsys, monkeypatch, "recover", lost, new, "--yes")
    assert code == 0 and op.token("HUSDMMF").balance_of(new) == units  # a rerun sends nothing twice
