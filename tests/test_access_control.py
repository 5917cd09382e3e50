"""Every privileged function refuses an unauthorised caller; the matrix in docs/SECURITY.md is the real one."""
from __future__ import annotations

from pathlib import Path

import pytest

from rwa_token.reporting import access_matrix

SECURITY_MD = Path(__file__).resolve().parent.parent / "docs" / "SECURITY.md"

# Functions anyone may call, by design (everything else must refuse a stranger).
PUBLIC = {
    "InvestorRegistry": {"registerWithAttestation", "renounceRole"},
    # permit: consent is the owner's signature.
    "SecurityToken": {"approve", "permit", "transfer", "transferFrom", "batchTransfer", "syncInvestorWallet",
                      "renounceRole"},
    # claimTo/releaseWithheldTo: the holder itself (or a paying agent) moves its own entitlement to another wallet of
    # the same investor; a stranger is refused by the contract (tests/foundry/lifecycle). Sweeps pay the treasury.
    "Distributor": {"claim", "releaseWithheld", "reclaimExpired", "claimTo", "releaseWithheldTo", "sweepWithheld",
                    "renounceRole"},
    "OfferingFactory": {"deployOffering", "deployModule"},
    # Settlement is permissionless by design: consent is the parties' signatures, checked per trade.
    "DvPSettlement": {"settle", "settleBatch", "cancel", "invalidateNonce", "renounceRole"},
    # A holder pledges its own tokens (or voids its own signed pledge): consent is the caller being the holder.
    "CollateralManager": {"pledge", "invalidateNonce", "renounceRole"},
    "ProceedsVault": {"deposit", "renounceRole"},
    # An investor requests, cancels and claims for itself (or as an operator a controller approved); the outcome of
    # a fulfilment is fixed by the closed cycle, and fees can only go to the fee recipient.
    "FundVault": {"requestDeposit", "requestRedeem", "cancelDepositRequest", "cancelRedeemRequest", "setOperator",
                  "deposit", "mint", "redeem", "withdraw", "fulfil", "withdrawFees", "renounceRole"},
}


@pytest.fixture(scope="module")
def table(chain):
    snap = chain.snapshot()
    try:
        yield access_matrix.build(chain)
    finally:
        chain.revert(snap)


def test_strangers_are_refused_by_every_privileged_function(table):
    for contract, rows in table.items():
        for signature, who in rows.items():
            name = signature.split("(")[0]
            if name in PUBLIC[contract]:
                assert who == access_matrix.ANYONE, f"{contract}.{signature} should be public"
            else:
                assert who != access_matrix.ANYONE, f"{contract}.{signature} lets a stranger in"


def test_initializers_cannot_be_called_again(table):
    for contract in ("InvestorRegistry", "SecurityToken", "Distributor"):
        [init] = [who for sig, who in table[contract].items() if sig.startswith("initialize(")]
        assert init == access_matrix.NOBODY


def test_agent_powers_belong_to_the_agent_and_rules_to_compliance(table):
    token = table["SecurityToken"]
    for fn in ("mint(address,uint256)", "forcedTransfer(address,address,uint256)", "pause()",
               "setAddressFrozen(address,bool)", "recoveryAddress(address,address,address)"):
        assert token[fn] == "agent"
    for fn in ("setCountryRule(uint16,bool,bool,uint32,uint32)", "setLimits(uint32,uint256,uint256)",
               "setTradingHalt(bool)"):
        assert token[fn] == "compliance"
    assert table["InvestorRegistry"]["registerInvestor(address,bytes32,uint16,uint32,uint40)"] == "registrar"
    assert table["CollateralManager"]["seize(address,uint256,address)"] == "lender"
    assert table["ProceedsVault"]["withdraw(bytes32,uint256,address,string)"] == "treasurer"
    fund = table["FundVault"]
    for fn in ("closeCycle(uint64)", "setCutoff(uint64)", "fundRedemptions(uint256)", "withdrawCash(uint256)",
               "claimForInvestor(address,address)"):
        assert fund[fn] == "fund_agent"
    assert fund["publishNav(uint256,uint64)"] == fund["correctNav(uint256)"] == "nav_agent"
    assert fund["setDealingTerms(uint16,uint16,uint16,uint256,uint64)"] == "admin"
    assert fund["setAccounts(address,address)"] == "admin"


def test_security_doc_carries_the_current_matrix(table):
    text = SECURITY_MD.read_text()
    assert access_matrix.markdown(table) in text, (
        "docs/SECURITY.md is out of date: run `python -m rwa_token.reporting.access_matrix --write docs/SECURITY.md`"
    )
