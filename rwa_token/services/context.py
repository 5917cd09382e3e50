"""Everything a command needs to act on a deployed offering: the chain, the signing account, the deployment
record and typed wrappers, resolved once from the command's options."""
from __future__ import annotations

import os
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Callable, ContextManager, Iterator, Optional

from eth_account.signers.local import LocalAccount

from ..chain.keys import from_env, from_keystore
from ..chain.node import Chain
from ..chain.tx import Transactor
from ..contracts.distributor import Distributor
from ..contracts.redemption import Redemption
from ..contracts.registry import InvestorRegistry
from ..contracts.stablecoin import ERC20
from ..contracts.token import SecurityToken
from ..inputs.spec import OfferingSpec, load_spec
from ..primitives.constants import LOCAL_CHAIN_IDS
from ..primitives.errors import ConfigError
from ..store.journal import Journal
from ..store.state import DeploymentRecord, load_record, only_record, state_dir
from .offering import Offering, check_record_live

# How a long operation reports progress: `track("paying holders")` opens a context that yields a callback
# `(done, total)`; the CLI shows it as a progress bar, SDK users pass their own or nothing.
Advance = Callable[[int, Optional[int]], None]
Track = Callable[[str], ContextManager[Advance]]


@contextmanager
def quiet(description: str) -> Iterator[Advance]:
    """The default `Track`: progress goes nowhere."""
    yield lambda done, total=None: None


def connect(rpc_url: str | None, record: DeploymentRecord | None = None, evm: str | None = None) -> Chain:
    url = rpc_url or (record.rpc_url if record else None)
    if not url:
        raise ConfigError("no chain: pass --rpc-url (or set RWA_RPC_URL); `rwa chain` starts a local one")
    chain = Chain.connect(url, evm=evm)
    if record:
        record.check_chain(chain.chain_id)
    return chain


def signer(chain: Chain, keystore: str | None = None) -> LocalAccount:
    """$RWA_PRIVATE_KEY, else --keystore, else (local chains only) the first dev account."""
    account = from_env()
    if account is None and keystore:
        account = from_keystore(keystore)
    if account is None:
        if chain.chain_id not in LOCAL_CHAIN_IDS:
            raise ConfigError("no signing key: set $RWA_PRIVATE_KEY or pass --keystore (keys are never taken "
                              "from the command line)")
        account = chain.dev_accounts(1)[0]
    return account


@dataclass
class Operator:
    chain: Chain
    account: LocalAccount
    record: DeploymentRecord | None
    state: Path
    # Where the event index lives: a postgresql:// URL (--index, $RWA_INDEX_URL), or None for the SQLite file
    # per chain in the state folder.
    index_url: str | None = None

    @classmethod
    def open(cls, rpc_url: str | None, offering: str | None, keystore: str | None = None,
             state: str | None = None, need_record: bool = True, evm: str | None = None,
             index: str | None = None) -> "Operator":
        folder = state_dir(state)
        record = None
        if need_record:
            record = load_record(offering, folder) if offering else only_record(folder)
        elif rpc_url is None:
            try:  # commands that need no offering still default to the deployed offering's chain
                record = load_record(offering, folder) if offering else only_record(folder)
            except ConfigError:
                record = None
        chain = connect(rpc_url, record, evm)
        if need_record:  # (a record only read for its chain's URL is not the command's subject)
            check_record_live(chain, record, folder)
        return cls(chain, signer(chain, keystore), record, folder, index or os.environ.get("RWA_INDEX_URL") or None)

    @cached_property
    def tx(self) -> Transactor:
        return Transactor(self.chain)

    def _record(self) -> DeploymentRecord:
        if self.record is None:
            raise ConfigError("this command needs a deployed offering (--offering NAME)")
        return self.record

    @cached_property
    def offering(self) -> Offering:
        """The deployed offering's contracts as typed wrappers, sending as the operator's account: every contract
        lookup below delegates to it, adding the command's errors for what the offering lacks."""
        return Offering(self._record(), self.tx, self.account)

    def token(self, symbol: str | None = None) -> SecurityToken:
        return self.offering.token(symbol)

    @property
    def registry(self) -> InvestorRegistry:
        return self.offering.registry

    def payment_token(self, symbol: str | None = None) -> ERC20:
        payments = self._record().payment_tokens
        if not payments:
            raise ConfigError("the offering has no payment tokens")
        match = self.offering.find_payment_token(symbol)
        if match is None:
            raise ConfigError(f"no payment token {symbol!r} (the offering has {', '.join(payments)})")
        return match

    def distributor(self) -> Distributor:
        found = self.offering.distributor
        if found is None:
            raise ConfigError("this offering has no distributor")
        return found

    def redemption(self, symbol: str | None = None) -> tuple[str, Redemption]:
        """The token's redemption module (symbol, wrapper), set up by `rwa redeem init`."""
        symbol, _ = self._record().token(symbol)
        found = self.offering.redemption(symbol)
        if found is None:
            raise ConfigError(f"no redemption module for {symbol}: run `rwa redeem init --face-value ...` first")
        return symbol, found

    def spec(self) -> OfferingSpec:
        """The offering spec the deployment was made from (it must still be readable)."""
        path = self._record().spec_path
        if not path or not Path(path).exists():
            raise ConfigError(f"the offering's spec {path!r} is not readable from here")
        return load_spec(path)

    def journal(self, name: str) -> Journal:
        """One of the offering's journals in the state folder, e.g. "distribution-3"."""
        return Journal(self.state / "journals" / f"{self._record().slug}-{name}.jsonl")

    def override_journal(self) -> Journal:
        """The journal of rule overrides (forced transfers to a receiver the rules refuse), which `rwa report
        audit` shows beside each transaction."""
        return self.journal("overrides")

    def decimals_by_address(self) -> dict[str, int]:
        record = self._record()
        return {addr: record.decimals.get(sym, 18) for sym, addr in record.tokens.items()}
