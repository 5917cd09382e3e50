"""An offering from the SDK: `Offering.load` opens one that `rwa deploy` deployed, with every contract as a typed
wrapper; `deploy_registry`, `deploy_distributor` and `deploy_core` deploy contracts directly (tests, quick starts)."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from eth_account.signers.local import LocalAccount

from ..chain.keys import from_env
from ..chain.node import Chain
from ..chain.tx import Transactor
from ..contracts.collateral import CollateralManager
from ..contracts.distributor import Distributor
from ..contracts.fund import FundVault
from ..contracts.factory import OfferingFactory, OfferingPlan, TokenPlan, infrastructure
from ..contracts.redemption import Redemption
from ..contracts.proceeds import ProceedsVault
from ..contracts.registry import InvestorRegistry
from ..contracts.settlement import DvPSettlement
from ..contracts.stablecoin import ERC20
from ..contracts.token import SecurityToken
from ..contracts.waterfall import Waterfall
from ..primitives.constants import LOCAL_CHAIN_IDS
from ..primitives.errors import ChainError, ConfigError
from ..primitives.units import ZERO_ADDRESS
from ..store.state import DeploymentRecord, StaleRecord, load_record, only_record, record_path

# A deployment record's module keys (`DeploymentRecord.modules`): one per offering, or one per token with its symbol.
REDEMPTION_PREFIX = "redemption:"  # "redemption:<symbol>"
COLLATERAL_PREFIX = "collateral:"  # "collateral:<symbol>": the token's CollateralManager (its compliance hook)
WATERFALL = "waterfall"
DVP = "dvp"  # DvPSettlement
PROCEEDS = "proceeds"  # ProceedsVault
FUND_PREFIX = "fund:"  # "fund:<token symbol>:<entry asset symbol>": the token's FundVault for that asset


def missing_contracts(chain: Chain, record: DeploymentRecord) -> list[tuple[str, str]]:
    """The record's contracts that have no code on `chain`, as (what, address): one batched eth_getCode (one call
    per contract on a node that refuses batches)."""
    contracts = record.contracts()
    calls = [("eth_getCode", [address, "latest"]) for _, address in contracts]
    answers = chain.rpc_batch(calls)
    missing = []
    for (what, address), answer in zip(contracts, answers):
        if "result" not in answer:
            raise ChainError(f"{chain.url} did not answer eth_getCode for the {what} {address}: {answer.get('error')}")
        if answer["result"] in (None, "", "0x", "0x0"):
            missing.append((what, address))
    return missing


def check_record_live(chain: Chain, record: DeploymentRecord, state: Path | str | None = None) -> None:
    """Refuse a record for another chain (WrongChain) or whose contracts are not on this one (StaleRecord, one line
    naming the contract, the chain and what to do), before any command reads an empty answer as data."""
    record.check_chain(chain.chain_id)
    missing = missing_contracts(chain, record)
    if missing:
        path = record_path(record.name, state, create=False)
        raise StaleRecord(record, missing, chain.url, chain.chain_id, path)


@dataclass(frozen=True)
class Offering:
    """A deployed offering with every contract as a typed wrapper, all sending as `sender`.

    `Offering.load("Hengshan Expressway Toll Revenue ABS 2026-1", chain)` opens what `rwa deploy` recorded in the
    state folder (`./.rwa` or $RWA_STATE_DIR; a name, its slug or a `DeploymentRecord`; None = the only one).
    `registry`, `token("HSTOLLA")` (None = the senior token), `tokens`, `distributor`, `payment_token("USDC")`,
    `payment_tokens`, `redemption("HSTOLLA")` and `waterfall` (None when not deployed) are the wrappers."""

    record: DeploymentRecord
    tx: Transactor
    sender: LocalAccount | None = None

    @classmethod
    def load(cls, name_or_record: str | DeploymentRecord | None, chain: Chain | Transactor,
             sender: LocalAccount | None = None, state: str | Path | None = None) -> "Offering":
        """Open a deployed offering on `chain` (checked against the record's chain id, and its contracts for code:
        StaleRecord when the chain was reset since the deployment). Without `sender`:
        $RWA_PRIVATE_KEY, else on a local chain the first dev account, else read-only (sending raises)."""
        tx = chain if isinstance(chain, Transactor) else Transactor(chain)
        record = name_or_record
        if not isinstance(record, DeploymentRecord):
            folder = Path(state) if state is not None else None
            record = load_record(record, folder) if record else only_record(folder)
        check_record_live(tx.chain, record, state)
        return cls(record, tx, sender or _default_sender(tx.chain))

    def using(self, sender: LocalAccount) -> "Offering":
        """The same offering, sending as another account."""
        return Offering(self.record, self.tx, sender)

    @property
    def name(self) -> str:
        return self.record.name

    @property
    def registry(self) -> InvestorRegistry:
        return InvestorRegistry(self.tx, self.record.registry, self.sender)

    def token(self, symbol: str | None = None) -> SecurityToken:
        """The token `symbol` (any case), or the first (senior) one."""
        _, address = self.record.token(symbol)
        return SecurityToken(self.tx, address, self.sender)

    @property
    def tokens(self) -> dict[str, SecurityToken]:
        """Every token by symbol, in tranche order (senior first)."""
        return {symbol: SecurityToken(self.tx, a, self.sender) for symbol, a in self.record.tokens.items()}

    @property
    def distributor(self) -> Distributor | None:
        found = self.record.distributor
        return Distributor(self.tx, found, self.sender) if found else None

    @property
    def payment_tokens(self) -> dict[str, ERC20]:
        return {symbol: ERC20(self.tx, a, self.sender) for symbol, a in self.record.payment_tokens.items()}

    def payment_token(self, symbol: str | None = None) -> ERC20:
        """The payment token `symbol` (any case), or the first one."""
        if not self.record.payment_tokens:
            raise ConfigError(f"offering {self.name!r} has no payment tokens")
        match = self.find_payment_token(symbol)
        if match is None:
            raise ConfigError(f"offering {self.name!r} has no payment token {symbol!r} "
                              f"(it has {', '.join(self.record.payment_tokens)})")
        return match

    def find_payment_token(self, symbol: str | None = None) -> ERC20 | None:
        """The payment token `symbol` (any case), or the first one; None when the offering has no such token."""
        payments = self.payment_tokens
        if not payments:
            return None
        key = (symbol or next(iter(payments))).upper()
        return {s.upper(): wrapper for s, wrapper in payments.items()}.get(key)

    def redemption(self, symbol: str | None = None) -> Redemption | None:
        """The redemption module of token `symbol` (None = the senior token), or None if none was deployed."""
        token_symbol, _ = self.record.token(symbol)
        found = self.record.modules.get(f"{REDEMPTION_PREFIX}{token_symbol}")
        return Redemption(self.tx, found, self.sender) if found else None

    @property
    def waterfall(self) -> Waterfall | None:
        found = self.record.modules.get(WATERFALL)
        return Waterfall(self.tx, found, self.sender) if found else None

    @property
    def dvp(self) -> DvPSettlement | None:
        found = self.record.modules.get(DVP)
        return DvPSettlement(self.tx, found, self.sender) if found else None

    def collateral(self, symbol: str | None = None) -> CollateralManager | None:
        """The collateral manager of token `symbol` (None = the senior token), or None if none was deployed."""
        token_symbol, _ = self.record.token(symbol)
        found = self.record.modules.get(f"{COLLATERAL_PREFIX}{token_symbol}")
        return CollateralManager(self.tx, found, self.sender) if found else None

    def fund_vaults(self, symbol: str | None = None) -> dict[str, FundVault]:
        """The fund dealing vaults of token `symbol` (None = the senior token), by entry-asset symbol."""
        token_symbol, _ = self.record.token(symbol)
        prefix = f"{FUND_PREFIX}{token_symbol}:"
        return {key[len(prefix):]: FundVault(self.tx, a, self.sender) for key, a in self.record.modules.items()
                if key.startswith(prefix)}

    @property
    def proceeds(self) -> ProceedsVault | None:
        found = self.record.modules.get(PROCEEDS)
        return ProceedsVault(self.tx, found, self.sender) if found else None


def _default_sender(chain: Chain) -> LocalAccount | None:
    account = from_env()
    if account is None and chain.chain_id in LOCAL_CHAIN_IDS:
        account = chain.dev_accounts(1)[0]
    return account


def deploy_registry(tx: Transactor, admin: LocalAccount) -> InvestorRegistry:
    """A registry deployed directly (not a clone): shared infrastructure of an issuer or a platform, read on
    every transfer, so the ~2.7k-gas proxy hop a clone would add to each transfer is worth avoiding.
    `admin` also gets REGISTRAR_ROLE, so it can onboard at once."""
    address = tx.deploy("StandaloneInvestorRegistry", (admin.address,), admin).contract_address
    registry = InvestorRegistry(tx, address, admin)
    registry.grant_role("REGISTRAR_ROLE", admin.address)
    return registry


def deploy_distributor(tx: Transactor, admin: LocalAccount, primary_token: str = ZERO_ADDRESS,
                       treasury: str | None = None, tax_account: str | None = None) -> Distributor:
    """A distributor deployed directly (not a clone): one per issuer, serving all its tokens. Every claim and push
    goes through it, so the ~2.7k-gas proxy hop of a clone is worth avoiding, and `primary_token` (registered as
    its first token; may be a factory-predicted address) is kept in code, saving a storage read per payment.
    `admin` is also the paying agent; the treasury and the tax account default to `admin`."""
    treasury = treasury or admin.address
    address = tx.deploy("StandaloneDistributor",
                        (admin.address, admin.address, treasury, tax_account or treasury, primary_token),
                        admin).contract_address
    return Distributor(tx, address, admin)


def deploy_core(tx: Transactor, admin: LocalAccount, name: str, symbol: str, decimals: int, supply_cap: int,
                salt: bytes | None = None,
                registry: InvestorRegistry | None = None) -> tuple[InvestorRegistry, SecurityToken]:
    """A registry (new unless given) and one token, every role held by `admin` (tests, quick starts)."""
    registry = registry or deploy_registry(tx, admin)
    factory = OfferingFactory(tx, infrastructure(tx, admin).factory, admin)
    plan = OfferingPlan(admin=admin.address, registry=registry.address,
                        tokens=[TokenPlan(name, symbol, decimals, supply_cap)])
    deployed = factory.deploy_offering(plan, salt or os.urandom(32))
    return registry, SecurityToken(tx, deployed.tokens[0], admin)
