"""Names of the contract events that the event index, the reconciliation and the reports interpret.

The wrapper layer is the only code that names a contract function or event; the layers above read events
through these constants. tests/test_events.py checks every name against the shipped ABIs.
"""
from __future__ import annotations


class TokenEvents:
    """SecurityToken."""

    ARTIFACT = "SecurityToken"
    TRANSFER = "Transfer"
    APPROVAL = "Approval"
    TOKENS_FROZEN = "TokensFrozen"
    TOKENS_UNFROZEN = "TokensUnfrozen"
    TOKENS_LOCKED = "TokensLocked"
    SUPPLY_CAP_SET = "SupplyCapSet"
    LIMITS_SET = "LimitsSet"
    COUNTRY_RULE_SET = "CountryRuleSet"
    SNAPSHOT = "Snapshot"  # a record date: `Snapshot(id)`, emitted where the balances are fixed


class RegistryEvents:
    """InvestorRegistry: the events that change a wallet's record."""

    ARTIFACT = "InvestorRegistry"
    INVESTOR_REGISTERED = "InvestorRegistered"
    INVESTOR_UPDATED = "InvestorUpdated"
    WALLET_ADDED = "WalletAdded"
    WALLET_REMOVED = "WalletRemoved"
    INVESTOR_FROZEN = "InvestorFrozen"
    RECORD_CHANGES = (INVESTOR_REGISTERED, INVESTOR_UPDATED, WALLET_ADDED, WALLET_REMOVED, INVESTOR_FROZEN)


class DistributorEvents:
    """Distributor."""

    ARTIFACT = "Distributor"
    DISTRIBUTION_CREATED = "DistributionCreated"
    PAID = "Paid"
    WITHHELD = "Withheld"
    WITHHELD_RELEASED = "WithheldReleased"
    DISTRIBUTION_RECLAIMED = "DistributionReclaimed"
    WITHHOLDING_RATE_SET = "WithholdingRateSet"


class FundEvents:
    """FundVault: requests, cancellations, fulfilments, closes, NAVs and claims."""

    ARTIFACT = "FundVault"
    DEPOSIT_REQUEST = "DepositRequest"
    REDEEM_REQUEST = "RedeemRequest"
    DEPOSIT_CANCELLED = "DepositRequestCancelled"
    REDEEM_CANCELLED = "RedeemRequestCancelled"
    DEPOSIT_FULFILLED = "DepositFulfilled"
    REDEEM_FULFILLED = "RedeemFulfilled"
    CYCLE_CLOSED = "CycleClosed"
    NAV_PUBLISHED = "NavPublished"
    NAV_CORRECTED = "NavCorrected"
    DEPOSIT = "Deposit"
    WITHDRAW = "Withdraw"


ALL = (TokenEvents, RegistryEvents, DistributorEvents, FundEvents)
