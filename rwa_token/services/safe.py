"""Safe multisig proposals: a command run with `--safe ADDRESS` collects its calls (simulated from the Safe) instead
of sending them; `propose` turns them into one Safe transaction (a MultiSendCallOnly batch when there are several),
signs it with the operator's key (an owner) and saves it as `<state>/safe/<safe-tx-hash>.json`. Other owners add
their signatures (`sign_proposal`), anyone executes it once the Safe's threshold is met (`execute_proposal`).

Proposals of one Safe take consecutive nonces in the order they are made; the Safe executes them in that order."""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Optional

from ..chain.safe import CALL, CANONICAL, DELEGATECALL, MULTISEND_CALL_ONLY, SafeTransaction, multisend_calls
from ..chain.tx import Receipt, SafeCall, Transactor
from ..contracts.safe import (CompatibilityFallbackHandler, MultiSendCallOnly, Safe, SafeProxyFactory, describe_call,
                              safe_error)
from ..primitives.constants import LOCAL_CHAIN_IDS
from ..primitives.errors import ChainError, ConfigError, ContractRevert, RevertWithReason
from ..primitives.units import address, format_units
from ..store.state import write_json
from .context import Operator

MIN_VERSION = (1, 3, 0)  # the Safe transaction hash covers the chain id from v1.3.0


@dataclass(frozen=True)
class Proposal:
    """A Safe transaction saved in the state folder, with what it does and what became of it."""

    transaction: SafeTransaction
    command: str = ""
    proposer: str = ""
    created: str = ""
    executed: Optional[dict[str, Any]] = None  # {"tx": hash, "block": n} once executed through this state folder
    path: Optional[Path] = field(default=None, compare=False)

    @property
    def hash(self) -> str:
        return self.transaction.hash

    @property
    def calls(self) -> list[SafeCall]:
        """The calls the Safe transaction makes, read from the transaction the owners sign (never from a list
        beside it that could say something else)."""
        t = self.transaction
        payload = MultiSendCallOnly.payload(t.data) if t.operation == DELEGATECALL else None
        return multisend_calls(payload) if payload is not None else [SafeCall(t.to, t.data, t.value)]

    def to_json(self) -> dict[str, Any]:
        return {"safe_tx_hash": self.hash, "transaction": self.transaction.to_json(),
                "calls": [{"to": c.to, "value": str(c.value), "data": "0x" + c.data.hex()} for c in self.calls],
                "command": self.command, "proposer": self.proposer, "created": self.created,
                "executed": self.executed}

    @classmethod
    def from_json(cls, data: dict[str, Any], path: Path | None = None) -> "Proposal":
        return cls(SafeTransaction.from_json(data["transaction"]), data.get("command", ""),
                   data.get("proposer", ""), data.get("created", ""), data.get("executed"), path)


def folder(state: Path) -> Path:
    return state / "safe"


def open_safe(tx: Transactor, safe: str) -> Safe:
    """The Safe at `safe` (v1.3.0 or later), or a ConfigError saying what is there instead."""
    where = address(safe, "--safe")
    if not tx.code(where):
        raise ConfigError(f"no contract at {where} on chain {tx.chain.chain_id}: give the Safe's address")
    wrapper = Safe(tx, where)
    try:
        version = wrapper.version()
    except (ContractRevert, ChainError, ValueError):
        raise ConfigError(f"{where} is not a Safe (it has no VERSION())") from None
    if tuple(int(p) for p in version.split("+")[0].split(".")[:3]) < MIN_VERSION:
        raise ConfigError(f"Safe {where} is version {version}: proposals need v1.3.0 or later")
    return wrapper


def attach(op: Operator, safe: str, collected: list[SafeCall]) -> Safe:
    """Put the operator's transactor in Safe mode for `safe`, after checking the operator's key is an owner."""
    wrapper = open_safe(op.tx, safe)
    owners = wrapper.owners()
    if op.account.address not in owners:
        raise ConfigError(f"the signing key {op.account.address} is not an owner of Safe {wrapper.address} (owners: "
                          f"{', '.join(owners)}): set $RWA_PRIVATE_KEY to an owner's key")
    op.tx.propose_to(wrapper.address, op.account.address, collected)
    return wrapper


def proposals(state: Path) -> list[Proposal]:
    """Every proposal saved in the state folder, oldest nonce first."""
    found = [Proposal.from_json(json.loads(p.read_text()), p) for p in sorted(folder(state).glob("0x*.json"))]
    return sorted(found, key=lambda p: (p.transaction.safe, p.transaction.nonce, p.created))


def _next_nonce(state: Path, safe: Safe, chain_id: int) -> int:
    nonce = safe.nonce()
    pending = [p.transaction.nonce for p in proposals(state) if p.transaction.safe == safe.address
               and p.transaction.chain_id == chain_id and p.executed is None and p.transaction.nonce >= nonce]
    return max(pending) + 1 if pending else nonce


def _contracts_path(state: Path, chain_id: int) -> Path:
    return folder(state) / f"contracts-{chain_id}.json"


def safe_contracts(op: Operator, deploy: bool = False) -> Optional[dict[str, str]]:
    """Safe v1.4.1's singleton, proxy factory, fallback handler and MultiSendCallOnly on this chain: the canonical
    deployment, else those deployed on this local chain before (recorded in the state folder), else, with `deploy` on
    a local chain, deployed now from safe-eth-py's bytecode. None when there are none (and `deploy` is off)."""
    if all(op.tx.code(a) for a in CANONICAL.values()):
        return dict(CANONICAL)
    path = _contracts_path(op.state, op.chain.chain_id)
    if path.exists():
        recorded = json.loads(path.read_text())
        if all(op.tx.code(a) for a in recorded.values()):
            return recorded
    if not deploy:
        return None
    if op.chain.chain_id not in LOCAL_CHAIN_IDS:
        raise ConfigError(f"Safe v1.4.1 is not deployed on chain {op.chain.chain_id} (no code at its canonical "
                          f"addresses, e.g. the proxy factory {CANONICAL['factory']})")
    deployed = {name: cls.deploy_code(op.tx, op.account).address for name, cls in (
        ("singleton", Safe), ("factory", SafeProxyFactory), ("handler", CompatibilityFallbackHandler),
        ("multisend", MultiSendCallOnly))}
    write_json(path, deployed)
    return deployed


def _multisend_address(op: Operator) -> Optional[str]:
    if op.tx.code(MULTISEND_CALL_ONLY):
        return MULTISEND_CALL_ONLY
    return (safe_contracts(op) or {}).get("multisend")


def multisend(op: Operator) -> MultiSendCallOnly:
    found = _multisend_address(op)
    if found is None:
        raise ConfigError(f"this command makes several calls, batched through MultiSendCallOnly v1.4.1, which is not "
                          f"deployed on chain {op.chain.chain_id} (at {MULTISEND_CALL_ONLY}; `rwa safe create` "
                          "deploys it on a local chain)")
    return MultiSendCallOnly(op.tx, found)


@dataclass(frozen=True)
class NewSafe:
    address: Optional[str]  # None in a dry run on a local chain whose Safe contracts are not deployed yet
    owners: list[str]
    threshold: int
    created: bool  # False when it existed already (the same owners, threshold and salt) or in a dry run


def create_safe(op: Operator, owners: list[str], threshold: int, salt: int = 0, dry_run: bool = False) -> NewSafe:
    """A Safe of `owners` needing `threshold` signatures, created through Safe's proxy factory (on a local chain
    without Safe's contracts, they are deployed first). Creating the same Safe again finds it."""
    checked = [address(o, "owner") for o in owners]
    if not checked or len(set(checked)) != len(checked):
        raise ConfigError("owners: give one or more distinct addresses")
    if not 1 <= threshold <= len(checked):
        raise ConfigError(f"--threshold {threshold}: between 1 and the number of owners ({len(checked)})")
    if salt < 0:
        raise ConfigError(f"--salt {salt}: a whole number, 0 or more")
    contracts = safe_contracts(op, deploy=not dry_run)
    if contracts is None:  # a dry run on a local chain without them: they and the Safe would be deployed
        return NewSafe(None, checked, threshold, False)
    factory = SafeProxyFactory(op.tx, contracts["factory"], op.account)
    setup = Safe(op.tx, contracts["singleton"]).setup_data(checked, threshold, contracts["handler"])
    where = factory.predict(contracts["singleton"], setup, salt)
    if op.tx.code(where):
        return NewSafe(where, checked, threshold, False)
    factory.create(contracts["singleton"], setup, salt, dry_run=dry_run)
    return NewSafe(where, checked, threshold, not dry_run)


def propose(op: Operator, safe: str, calls: list[SafeCall], command: str = "") -> Proposal:
    """One Safe transaction for `calls`, signed by the operator (an owner) and saved in the state folder. Several
    calls are simulated together, in order, from the Safe first; a failure raises the first refusal a call met when
    simulated alone (`Transactor.deferred`), or says the batch fails."""
    if not calls:
        raise ConfigError("nothing to propose: the command made no call")
    wrapper = open_safe(op.tx, safe)
    if len(calls) == 1:
        to, data, value, operation = calls[0].to, calls[0].data, calls[0].value, CALL
    else:
        batch = multisend(op)
        to, data, value, operation = batch.address, batch.calldata(calls), 0, DELEGATECALL
        if not wrapper.simulate_delegatecall(to, data):
            if op.tx.deferred:
                raise op.tx.deferred[0]
            raise ContractRevert(f"the {len(calls)} calls pass one by one but fail together, in order, from Safe "
                                 f"{wrapper.address}: not proposed")
    unsigned = SafeTransaction(wrapper.address, op.chain.chain_id, wrapper.version(),
                               _next_nonce(op.state, wrapper, op.chain.chain_id), to, data, value, operation)
    if wrapper.transaction_hash(unsigned) != unsigned.hash:  # the offline EIP-712 hash must be the Safe's own
        raise ChainError(f"Safe {wrapper.address} computes another transaction hash than safe-eth-py: not proposed")
    proposal = Proposal(unsigned.signed_by(op.account), command, op.account.address,
                        dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"))
    return save(op.state, proposal)


def save(state: Path, proposal: Proposal) -> Proposal:
    path = write_json(folder(state) / f"{proposal.hash}.json", proposal.to_json())
    return replace(proposal, path=path)


def load(state: Path, ref: str) -> Proposal:
    """A proposal by its file or its Safe transaction hash (a unique prefix of at least 6 hex digits will do)."""
    path = Path(ref)
    if path.suffix == ".json" and path.exists():
        return Proposal.from_json(json.loads(path.read_text()), path)
    text = ref.strip().lower()
    text = text if text.startswith("0x") else "0x" + text
    if len(text) < 8:
        raise ConfigError(f"proposal {ref!r}: give its file or at least 6 hex digits of its Safe transaction hash")
    matches = [p for p in sorted(folder(state).glob("0x*.json")) if p.stem.lower().startswith(text)]
    if len(matches) != 1:
        known = ", ".join(p.stem[:10] for p in sorted(folder(state).glob("0x*.json"))) or "none"
        what = "no proposal" if not matches else "more than one proposal"
        raise ConfigError(f"{what} {ref!r} in {folder(state)} (proposals: {known})")
    return Proposal.from_json(json.loads(matches[0].read_text()), matches[0])


@dataclass(frozen=True)
class SafeState:
    """A proposal against its Safe as it stands now."""

    owners: list[str]
    threshold: int
    nonce: int  # the Safe's next nonce
    valid: list[str]  # signers who are owners now

    def status(self, proposal: Proposal) -> str:
        if proposal.executed:
            return "executed"
        if proposal.transaction.nonce < self.nonce:
            return "stale (its nonce was used by another transaction)"
        if len(self.valid) < self.threshold:
            return "waiting for signatures"
        return "ready" if proposal.transaction.nonce == self.nonce else "queued (earlier nonces first)"


def safe_state(op: Operator, proposal: Proposal) -> SafeState:
    t = proposal.transaction
    if t.chain_id != op.chain.chain_id:
        raise ConfigError(f"proposal {proposal.hash[:10]} is for chain {t.chain_id}; this node is chain "
                          f"{op.chain.chain_id}")
    wrapper = Safe(op.tx, t.safe)
    owners = wrapper.owners()
    return SafeState(owners, wrapper.threshold(), wrapper.nonce(), [s for s in t.signers if s in owners])


AMOUNT_ARGS = ("amount", "amounts")  # the token functions' amounts (mint, burn, forcedTransfer, batchMint, ...)


def describe(op: Operator, proposal: Proposal) -> list[dict[str, Any]]:
    """Each call of the proposal: the contract (by the offering's name for it when it has one), the function and
    its arguments, a token's amounts in token units (with `<name>_units` in base units)."""
    rows = []
    delegated = (proposal.transaction.operation == DELEGATECALL
                 and proposal.transaction.to != _multisend_address(op))
    decimals = op.decimals_by_address() if op.record is not None else {}
    for call in proposal.calls:
        function, args = describe_call(call.data)
        function = f"delegatecall {function}" if delegated else function
        contract = call.to
        if op.record is not None:
            try:
                contract = op.record.contract_named(call.to)
            except ConfigError:
                pass
        if call.to in decimals:
            args = _in_token_units(args, decimals[call.to])
        rows.append({"to": call.to, "contract": contract, "function": function, "args": args,
                     "value": str(call.value)})
    return rows


def _in_token_units(args: dict[str, Any], decimals: int) -> dict[str, Any]:
    shown: dict[str, Any] = {}
    for name, value in args.items():
        if name in AMOUNT_ARGS and isinstance(value, (int, list)):
            values = value if isinstance(value, list) else [value]
            plain = [format_units(v, decimals).replace(",", "") for v in values]  # plain decimals, as commands take
            shown[name] = plain if isinstance(value, list) else plain[0]
            shown[f"{name}_units"] = value
        else:
            shown[name] = value
    return shown


def sign_proposal(op: Operator, ref: str) -> tuple[Proposal, SafeState]:
    """Add the operator's signature (an owner's); signing twice changes nothing."""
    proposal = load(op.state, ref)
    now = safe_state(op, proposal)
    if proposal.executed:
        raise ConfigError(f"proposal {proposal.hash[:10]} was executed in {proposal.executed['tx']}")
    if op.account.address not in now.owners:
        raise ConfigError(f"{op.account.address} is not an owner of Safe {proposal.transaction.safe} (owners: "
                          f"{', '.join(now.owners)}): set $RWA_PRIVATE_KEY to an owner's key")
    if op.account.address not in proposal.transaction.signers:
        proposal = save(op.state, replace(proposal, transaction=proposal.transaction.signed_by(op.account)))
    # a signature changes none of the Safe's state: only which of its owners have signed
    return proposal, replace(now, valid=[s for s in proposal.transaction.signers if s in now.owners])


def execute_proposal(op: Operator, ref: str, dry_run: bool = False) -> tuple[Proposal, Optional[Receipt]]:
    """Send execTransaction once the threshold is met and the proposal's nonce is the Safe's next; a failure is
    named from the inner call that fails. With `dry_run`, check and simulate only."""
    proposal = load(op.state, ref)
    now = safe_state(op, proposal)
    t = proposal.transaction
    if proposal.executed:
        raise ConfigError(f"proposal {proposal.hash[:10]} was executed in {proposal.executed['tx']}")
    if len(now.valid) < now.threshold:
        raise ConfigError(f"proposal {proposal.hash[:10]} has {len(now.valid)} of {now.threshold} signatures: another "
                          f"owner signs it with `rwa safe sign {proposal.hash[:10]}` first")
    if t.nonce != now.nonce:
        raise ConfigError(f"proposal {proposal.hash[:10]} has nonce {t.nonce}, the Safe's next is {now.nonce}: "
                          + ("it can no longer execute" if t.nonce < now.nonce else "execute the earlier ones first"))
    signed = replace(t, signatures=b"".join(_only_valid(t, now.valid)))
    wrapper = Safe(op.tx, t.safe, op.account)
    try:
        wrapper.execute(signed, dry_run=True)
    except RevertWithReason as exc:
        if exc.reason == "GS013":
            _replay_calls(op.tx, proposal)  # raises the inner call's own refusal
        meaning = safe_error(exc)
        raise ContractRevert(f"Safe {t.safe} refused the execution: {exc.reason}"
                             + (f" ({meaning})" if meaning else ""), exc.data) from None
    if dry_run:
        return proposal, None
    receipt = wrapper.execute(signed)
    proposal = save(op.state, replace(proposal, executed={"tx": receipt.tx_hash, "block": receipt.block_number}))
    return proposal, receipt


def _only_valid(t: SafeTransaction, valid: list[str]) -> list[bytes]:
    """The signatures (65 bytes each, sorted by owner) of signers who are still owners."""
    return [t.signatures[65 * i:65 * (i + 1)] for i, signer in enumerate(t.signers) if signer in valid]


def _replay_calls(tx: Transactor, proposal: Proposal) -> None:
    """Each inner call simulated from the Safe, in order: the first that reverts raises its named refusal."""
    for call in proposal.calls:
        tx.simulate(proposal.transaction.safe, call.to, call.data, call.value)



def proposal_rows(op: Operator) -> list[dict[str, Any]]:
    """Every saved proposal with its signatures and status on this chain (proposals for other chains are listed as
    such, unread)."""
    rows = []
    for proposal in proposals(op.state):
        t = proposal.transaction
        row = {"safe_tx_hash": proposal.hash, "safe": t.safe, "chain_id": t.chain_id, "nonce": t.nonce,
               "command": proposal.command, "file": str(proposal.path)}
        if t.chain_id != op.chain.chain_id:
            rows.append({**row, "signatures": len(t.signers), "threshold": None, "status": f"chain {t.chain_id}"})
            continue
        now = safe_state(op, proposal)
        rows.append({**row, "signatures": len(now.valid), "threshold": now.threshold, "status": now.status(proposal)})
    return rows
