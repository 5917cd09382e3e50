"""Delivery versus payment: both legs or neither, signed orders, compliance at settlement, batches."""
from __future__ import annotations

import pytest

from rwa_token.contracts.settlement import DvPSettlement
from rwa_token.contracts.stablecoin import MockStablecoin
from rwa_token.primitives.errors import ContractCustomError, CountryBlocked, Unauthorized
from rwa_token.services.trading import SignedTrade, Trade, check_trade, settle_batch, sign_trade, trade_digest

DAY = 86_400
UNIT = 10**6


@pytest.fixture
def venue(offering, tx, accounts):
    usd = MockStablecoin.deploy(tx, offering.admin, "Test USD", "TUSD", 6)
    fees = offering.new_account()
    dvp = DvPSettlement.deploy_new(tx, offering.admin, offering.admin.address, fees.address)
    seller = offering.hk_pro
    buyer = offering.investor("HK", "institutional")
    offering.token.approve(dvp.address, 2**256 - 1, sender=seller)
    usd.mint(buyer.address, 1_000_000 * UNIT)
    usd.approve(dvp.address, 2**256 - 1, sender=buyer)

    class Venue:
        pass

    v = Venue()
    v.usd, v.dvp, v.fees, v.seller, v.buyer = usd, dvp, fees, seller, buyer
    v.token, v.offering, v.chain = offering.token, offering, offering.chain
    v.nonce = 0

    def trade(seller=seller, buyer=buyer, amount=100 * UNIT, price=10_000 * UNIT, expiry=None, fee_bps=0,
              nonce=None):
        if nonce is None:
            nonce = v.nonce
            v.nonce += 1
        return Trade(seller.address, buyer.address, offering.token.address, amount, usd.address, price, nonce,
                     expiry or offering.chain.block_timestamp() + DAY, fee_bps)

    def sign(t, seller=seller, buyer=buyer):
        return SignedTrade(t, sign_trade(t, seller, offering.chain.chain_id, dvp.address),
                           sign_trade(t, buyer, offering.chain.chain_id, dvp.address))

    v.trade, v.sign = trade, sign
    return v


def _settle(v, signed, sender=None):
    return v.dvp.settle(signed.trade, signed.seller_signature, signed.buyer_signature,
                        sender=sender or v.offering.admin)


def test_a_platform_settles_a_signed_trade_both_legs_at_once(venue):
    v = venue
    s = v.sign(v.trade(fee_bps=25))
    receipt = _settle(v, s)  # the platform (admin) relays both signatures
    assert v.token.balance_of(v.buyer.address) == 100 * UNIT
    assert v.token.balance_of(v.seller.address) == 900 * UNIT
    fee = 10_000 * UNIT * 25 // 10_000
    assert v.usd.balance_of(v.fees.address) == fee
    assert v.usd.balance_of(v.seller.address) == 10_000 * UNIT - fee
    event = receipt.events("TradeSettled")[0]["args"]
    assert bytes(event["tradeHash"]) == v.dvp.hash_trade(s.trade)
    assert bytes(event["tradeHash"]) == trade_digest(s.trade, v.chain.chain_id, v.dvp.address)
    assert v.dvp.nonce_used(v.seller.address, s.trade.nonce)


def test_a_party_calling_itself_needs_no_signature_of_its_own(venue):
    v = venue
    t = v.trade()
    s = v.sign(t)
    v.dvp.settle(t, s.seller_signature, b"", sender=v.buyer)
    assert v.token.balance_of(v.buyer.address) == 100 * UNIT


def test_a_failing_payment_leg_rolls_back_the_security_leg(venue):
    v = venue
    poor = v.offering.investor("HK", "professional")  # eligible, but holds no stablecoin
    v.usd.approve(v.dvp.address, 2**256 - 1, sender=poor)
    s = v.sign(v.trade(buyer=poor), buyer=poor)
    with pytest.raises(ContractCustomError) as err:
        _settle(v, s)
    assert err.value.name == "ERC20InsufficientBalance"
    assert v.token.balance_of(poor.address) == 0
    assert v.token.balance_of(v.seller.address) == 1000 * UNIT
    assert not v.dvp.nonce_used(v.seller.address, s.trade.nonce)


def test_an_expired_order_is_refused(venue):
    v = venue
    s = v.sign(v.trade(expiry=v.chain.block_timestamp() + 60))
    v.chain.increase_time(120)
    with pytest.raises(ContractCustomError) as err:
        _settle(v, s)
    assert err.value.name == "TradeExpired"


def test_a_replayed_signature_is_refused(venue):
    v = venue
    s = v.sign(v.trade())
    _settle(v, s)
    with pytest.raises(ContractCustomError) as err:
        _settle(v, s)
    assert err.value.name == "NonceAlreadyUsed"
    assert v.token.balance_of(v.buyer.address) == 100 * UNIT


def test_an_altered_order_is_refused(venue):
    v = venue
    s = v.sign(v.trade())
    cheaper = SignedTrade(Trade(**{**s.trade.__dict__, "payment_amount": 1 * UNIT}),
                          s.seller_signature, s.buyer_signature)
    with pytest.raises(ContractCustomError) as err:
        _settle(v, cheaper)
    assert err.value.name == "InvalidSignature"
    assert err.value.args_by_name["signer"] == v.seller.address


def test_a_signature_for_another_trade_is_refused(venue):
    v = venue
    other = v.sign(v.trade())
    t = v.trade()
    with pytest.raises(ContractCustomError) as err:
        _settle(v, SignedTrade(t, other.seller_signature, other.buyer_signature))
    assert err.value.name == "InvalidSignature"


def test_a_cn_buyer_is_refused_with_country_blocked(venue):
    v = venue
    cn = v.offering.investor("CN", "professional")
    v.usd.mint(cn.address, 100_000 * UNIT)
    v.usd.approve(v.dvp.address, 2**256 - 1, sender=cn)
    s = v.sign(v.trade(buyer=cn), buyer=cn)
    assert check_trade(v.dvp, s).compliance_code == 11
    with pytest.raises(CountryBlocked) as err:
        _settle(v, s)
    assert err.value.code == 11
    assert v.usd.balance_of(cn.address) == 100_000 * UNIT


def test_the_seller_cancels_by_nonce_and_the_buyer_cancels_the_trade(venue):
    v = venue
    by_seller = v.sign(v.trade())
    v.dvp.cancel(by_seller.trade, sender=v.seller)
    with pytest.raises(ContractCustomError) as err:
        _settle(v, by_seller)
    assert err.value.name == "NonceAlreadyUsed"

    by_buyer = v.sign(v.trade())
    v.dvp.cancel(by_buyer.trade, sender=v.buyer)
    with pytest.raises(ContractCustomError) as err:
        _settle(v, by_buyer)
    assert err.value.name == "TradeCancelledByBuyer"
    assert not v.dvp.nonce_used(v.seller.address, by_buyer.trade.nonce)  # a buyer cannot burn a seller's nonce


def test_only_a_party_may_cancel(venue):
    v = venue
    s = v.sign(v.trade())
    outsider = v.offering.new_account()
    v.offering.fund(outsider)
    with pytest.raises(ContractCustomError) as err:
        v.dvp.cancel(s.trade, sender=outsider)
    assert err.value.name == "NotTradeParty"


def test_check_trade_lists_every_problem(venue):
    v = venue
    s = v.sign(v.trade())
    assert check_trade(v.dvp, s).ok
    bad = SignedTrade(s.trade, b"", s.buyer_signature)
    problems = check_trade(v.dvp, bad).problems
    assert any("seller signature" in p for p in problems)


def test_a_batch_skips_a_bad_trade_and_settles_the_rest(venue):
    v = venue
    cn = v.offering.investor("CN", "professional")
    v.usd.mint(cn.address, 100_000 * UNIT)
    v.usd.approve(v.dvp.address, 2**256 - 1, sender=cn)
    good1 = v.sign(v.trade())
    bad = v.sign(v.trade(buyer=cn), buyer=cn)
    good2 = v.sign(v.trade())
    outcome = settle_batch(v.dvp, [good1, bad, good2], sender=v.offering.admin)
    assert len(outcome.settled) == 2
    bad_hash = "0x" + v.dvp.hash_trade(bad.trade).hex()
    assert list(outcome.failed) == [bad_hash]
    assert isinstance(outcome.failed[bad_hash], CountryBlocked)
    assert v.token.balance_of(v.buyer.address) == 200 * UNIT
    assert v.usd.balance_of(cn.address) == 100_000 * UNIT  # the bad trade moved nothing
    assert not v.dvp.nonce_used(v.seller.address, bad.trade.nonce)  # may be fixed and resubmitted


def test_a_batch_trade_whose_payment_leg_fails_is_rolled_back_alone(venue):
    v = venue
    poor = v.offering.investor("HK", "professional")
    v.usd.approve(v.dvp.address, 2**256 - 1, sender=poor)
    bad = v.sign(v.trade(buyer=poor), buyer=poor)
    good = v.sign(v.trade())
    outcome = settle_batch(v.dvp, [bad, good], sender=v.offering.admin)
    assert len(outcome.settled) == 1 and len(outcome.failed) == 1
    assert v.token.balance_of(poor.address) == 0
    assert v.token.balance_of(v.seller.address) == 900 * UNIT


def test_the_batch_entry_point_refuses_outside_callers(venue):
    v = venue
    s = v.sign(v.trade())
    with pytest.raises(ContractCustomError) as err:
        v.dvp.send("settleFromBatch", s.trade.as_tuple(), s.seller_signature, s.buyer_signature,
                   v.seller.address, sender=v.seller)
    assert err.value.name == "OnlySelf"


def test_a_fee_needs_a_fee_recipient_and_stays_under_the_cap(venue):
    v = venue
    v.dvp.set_fee_recipient("0x" + "00" * 20, sender=v.offering.admin)
    with pytest.raises(ContractCustomError) as err:
        _settle(v, v.sign(v.trade(fee_bps=10)))
    assert err.value.name == "NoFeeRecipient"
    _settle(v, v.sign(v.trade(fee_bps=0)))  # fee-free trades still settle


def test_only_the_admin_sets_the_fee_recipient(venue):
    v = venue
    with pytest.raises(Unauthorized):
        v.dvp.set_fee_recipient(v.seller.address, sender=v.seller)


# ------------------------------------------------------------------ trade files (offline)

def _file_trade() -> Trade:
    return Trade("0x" + "11" * 20, "0x" + "22" * 20, "0x" + "33" * 20, 100 * UNIT, "0x" + "44" * 20,
                 10_150 * UNIT, 2**63 + 5, 1_790_000_000, 10)


def test_a_trade_file_round_trips_with_uint256_fields_as_strings():
    from rwa_token.services.trading import TradeFile

    terms = {"security": "HSTOLLA", "security_amount": "100", "security_decimals": 6, "payment": "USDC",
             "payment_amount": "10150", "payment_decimals": 6}
    made = TradeFile(SignedTrade(_file_trade(), b"\x01" * 65), "0x" + "55" * 20, 31337, terms)
    data = made.to_dict()
    assert data["trade"]["nonce"] == str(2**63 + 5) and data["trade"]["securityAmount"] == "100000000"
    assert data["seller_signature"] == "0x" + "01" * 65 and data["buyer_signature"] == ""
    again = TradeFile.from_dict(data)
    assert again.trade == made.trade and again.signed.seller_signature == b"\x01" * 65
    assert again.signed.buyer_signature == b"" and again.chain_id == 31337


@pytest.mark.parametrize("data, message", [
    ([], "not a trade file"),
    ({"trade": "x"}, "not a trade file"),
    ({"format": "rwa-trade/9", "trade": {}}, "rwa-trade/9"),
    ({"trade": {"seller": "0x" + "11" * 20}}, "missing buyer, nonce, expiry, securityToken"),
    ("seller", "not an Ethereum address"),
    ({"trade": {"colour": "red"}}, "unknown field"),
    ("signature", "not hex"),
    ("terms", "disagrees with the signed trade"),
])
def test_a_bad_trade_file_is_one_config_error(data, message):
    from rwa_token.primitives.errors import ConfigError
    from rwa_token.services.trading import TradeFile

    good = TradeFile(SignedTrade(_file_trade()), None, None, {
        "security_amount": "100", "security_decimals": 6, "payment_amount": "10150", "payment_decimals": 6})
    if data == "seller":
        data = good.to_dict()
        data["trade"]["seller"] = "0x1"
    elif data == "signature":
        data = good.to_dict() | {"seller_signature": "0xzz"}
    elif data == "terms":
        data = good.to_dict()
        data["terms"]["payment_amount"] = "1015"
    with pytest.raises(ConfigError, match=message):
        TradeFile.from_dict(data, "t.json")
