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
                                       (dvp, "TRADE_TYPEHASH", "Trade"), (manager, "PLEDGE_TYPEHASH", "Pledge")):
        assert bytes(contract.call(constant)) == keccak(text=eip712.type_string(struct)), struct


def test_each_eip712_domain_is_the_contracts_own(offering, tx):
    dvp = DvPSettlement.deploy_new(tx, offering.admin, offering.admin.address)
    manager = CollateralManager.deploy_for(tx, offering.admin, offering.token, wire=False)
    for contract, domain in ((offering.registry, eip712.ATTESTATION_DOMAIN), (dvp, eip712.TRADE_DOMAIN),
                             (manager, eip712.PLEDGE_DOMAIN)):
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
