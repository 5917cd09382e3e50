"""The SDK's shared tables have one source each, and where a value mirrors the contracts, it matches them: the
EIP-712 structs hash to the contracts' type hashes, the numeric constants equal the contracts' public constants,
the investor categories equal the registry record's bits. Every wrapper explains itself and takes the same input
forms (countries by alpha-2, alpha-3 or number; amounts as decimal strings or base units)."""
from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest
from eth_utils import keccak

from rwa_token.contracts.collateral import CollateralManager
from rwa_token.contracts.settlement import DvPSettlement
from rwa_token.contracts.waterfall import Waterfall
from rwa_token.contracts.factory import infrastructure
from rwa_token.primitives import categories, constants, eip712
from rwa_token.services.offering import deploy_distributor

ROOT = Path(__file__).resolve().parent.parent


# ------------------------------------------------------------------------------------------ one source per table
def test_each_eip712_struct_hashes_to_the_contracts_typehash(offering, tx):
    dvp = DvPSettlement.deploy_new(tx, offering.admin, offering.admin.address)
    manager = CollateralManager.deploy_for(tx, offering.admin, offering.token, wire=False)
    for contract, constant, struct in ((offering.registry, "ATTESTATION_TYPEHASH", "Attestation"),
                                       (dvp, "TRADE_TYPEHASH", "Trade"), (manager, "PLEDGE_TYPEHASH", "Pledge"),
                                       (offering.token, "PERMIT_TYPEHASH", "Permit")):
        assert bytes(contract.call(constant)) == keccak(text=eip712.type_string(struct)), struct


def test_each_eip712_domain_is_the_contracts_own(offering, tx):
    dvp = DvPSettlement.deploy_new(tx, offering.admin, offering.admin.address)
    manager = CollateralManager.deploy_for(tx, offering.admin, offering.token, wire=False)
    for contract, domain in ((offering.registry, eip712.ATTESTATION_DOMAIN), (dvp, eip712.TRADE_DOMAIN),
                             (manager, eip712.PLEDGE_DOMAIN),
                             (offering.token, (offering.token.name(), eip712.PERMIT_VERSION))):
        _, name, version, chain_id, verifying, *_ = contract.call("eip712Domain")
        assert (name, version, chain_id, verifying) == (*domain, tx.chain.chain_id, contract.address)


def test_numeric_constants_equal_the_contracts_public_constants(offering, tx):
    distributor = deploy_distributor(tx, offering.admin)
    waterfall = Waterfall(tx, infrastructure(tx, offering.admin).waterfall_implementation)
    assert distributor.call("MAX_BPS") == constants.MAX_BPS
    assert distributor.call("PAYMENT_TRANSFER_FAILED") == constants.PAYMENT_TRANSFER_FAILED
    assert waterfall.call("NO_TRANCHE") == constants.NO_TRANCHE
    assert tx.chain.chain_id == constants.ANVIL_CHAIN_ID and tx.chain.chain_id in constants.LOCAL_CHAIN_IDS


def test_investor_categories_are_the_registry_records_bits():
    source = (ROOT / "contracts" / "identity" / "InvestorRecord.sol").read_text()
    solidity = {name.lower(): int(value) for name, value in
                re.findall(r"uint32 internal constant (RETAIL|PROFESSIONAL|ACCREDITED|INSTITUTIONAL) = (\d+);", source)}
    assert solidity == categories.STANDARD


def test_seconds_per_day_is_soliditys_day():
    assert constants.SECONDS_PER_DAY == 24 * 60 * 60


@pytest.mark.parametrize("module, name, source", [
    ("rwa_token.services.distributions", "MAX_BPS", "MAX_BPS"),
    ("rwa_token.services.distributions", "PAYMENT_TRANSFER_FAILED", "PAYMENT_TRANSFER_FAILED"),
    ("rwa_token.services.cashflow_calc", "MAX_BPS", "MAX_BPS"),
    ("rwa_token.services.context", "LOCAL_CHAIN_IDS", "LOCAL_CHAIN_IDS"),
    ("rwa_token.services.deployment", "LOCAL_CHAIN_IDS", "LOCAL_CHAIN_IDS"),
    ("rwa_token.services.servicing", "DAY", "SECONDS_PER_DAY"),
    ("rwa_token.services.trading", "TRADE_FIELDS", None),
])
def test_every_other_name_for_a_shared_value_agrees_with_its_source(module, name, source):
    """Names modules keep for a shared value must equal the one in `rwa_token.primitives` (best: import it)."""
    value = getattr(__import__(module, fromlist=[name]), name, None)
    if value is None:
        return  # the module imports the source itself now, or no longer needs the value
    expected = eip712.TRADE_FIELDS if source is None else getattr(constants, source)
    assert value == expected


# ---------------------------------------------------------------------------------- every wrapper explains itself
def _wrappers():
    import importlib
    import pkgutil

    import rwa_token.contracts as package
    from rwa_token.contracts.base import ContractWrapper

    for info in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"rwa_token.contracts.{info.name}")
    found, todo = [], [ContractWrapper]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub.__module__.startswith("rwa_token.contracts."):
                found.append(sub)
                todo.append(sub)
    return found


@pytest.mark.parametrize("wrapper", _wrappers(), ids=lambda w: w.__name__)
def test_every_wrapper_has_its_own_docstring(wrapper):
    """`help(SecurityToken)` once showed the AccessControl base's text: a class without a docstring inherits it."""
    own = wrapper.__dict__.get("__doc__") or ""
    assert own.strip() and not own.startswith("Typed wrapper of"), f"{wrapper.__name__} needs a class docstring"
    assert inspect.getdoc(wrapper) == inspect.cleandoc(own)


# ----------------------------------------------------------------------------- every wrapper takes the same inputs
@pytest.mark.parametrize("country", ["SG", "sgp", 702])
def test_a_withholding_rate_takes_a_country_in_every_form(offering, tx, country):
    distributor = deploy_distributor(tx, offering.admin)
    distributor.set_withholding_rate(country, 1_000)
    assert distributor.withholding_rate("SGP") == distributor.withholding_rate(702) == 1_000
    assert distributor.withholding_rate_many(["SG", "HK"]) == [1_000, 0]
    distributor.set_withholding_rate("unknown", 3_000)  # wallets the registry has no country for
    assert distributor.withholding_rate(0) == 3_000


def test_a_bad_country_or_rate_is_one_line_before_anything_is_sent(offering, tx):
    from rwa_token.primitives.errors import ConfigError

    distributor = deploy_distributor(tx, offering.admin)
    with pytest.raises(ConfigError, match="XX"):
        distributor.set_withholding_rate("XX", 1_000)
    with pytest.raises(ConfigError, match="basis points"):
        distributor.set_withholding_rate("SG", 10_001)


def test_payment_token_amounts_take_decimal_strings_or_base_units(offering, tx):
    from rwa_token.contracts.stablecoin import MockStablecoin
    from rwa_token.primitives.errors import ConfigError

    usd = MockStablecoin.deploy(tx, offering.admin, "USD Coin", "USDC", 6)
    usd.mint(offering.hk_pro.address, "1250.5")
    usd.mint(offering.hk_pro.address, 500_000)
    assert usd.balance_of(offering.hk_pro.address) == 1_251_000_000
    with pytest.raises(ConfigError, match="decimal places"):
        usd.transfer(offering.admin.address, "0.0000001", sender=offering.hk_pro)
