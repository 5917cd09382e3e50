"""The investor lifecycle after onboarding: list every registered wallet, show one investor, update or renew its
terms, remove a wallet, freeze an investor on every token of the offering.

An investor is named by a wallet or by the issuer's own investor id ("INV-00017"): the registry holds only a salted
hash of that id, so ids are found through the offering's investor directory (store/directory.py) and checked
against the chain by hashing them with the record's salt. The set of registered wallets comes from the registry's
events (through the offering's event index, from its first block), so wallets registered by any means show, and
every record shown is then read from the chain itself. An investor's wallets carry their own terms on chain; an
update or renewal applies to all of them in one transaction, so they never disagree."""
from __future__ import annotations

from dataclasses import dataclass, field

from ..chain.tx import Receipt
from ..contracts.registry import Investor, Terms
from ..inputs.investors_csv import format_kyc_expiry, parse_kyc_expiry
from ..primitives.categories import describe_categories, parse_categories
from ..primitives.countries import country_alpha2, parse_country
from ..primitives.errors import ConfigError
from ..primitives.units import address, format_units, investor_id, timestamp
from ..store.directory import InvestorDirectory
from ..store.index import KEY_MASK, EventIndex
from .context import Operator, Track, quiet
from .holders import offering_index
from .onboarding import Change, terms_change

@dataclass(frozen=True)
class WalletView:
    """One registered wallet as the chain has it, with the issuer's id for it and its holdings per token."""

    wallet: str
    issuer_id: str | None  # None: not in the investor directory (registered by other means), or not matching
    investor_key: str  # 0x + 32 hex digits: the registry's key, shared by every wallet of one investor
    country: int
    categories: int
    kyc_expiry: int
    registry_frozen: bool  # the registry's sanction flag: every token refuses the wallet
    multi_wallet: bool
    balances: dict[str, int]  # token symbol -> base units
    frozen_on: tuple[str, ...]  # symbols of the tokens that freeze the wallet
    status: str  # "verified", "expired" or "frozen"

    def row(self, decimals: dict[str, int]) -> dict[str, str]:
        """The wallet as a report row (strings; amounts in token units)."""
        row = {"wallet": self.wallet, "issuer_id": self.issuer_id or "", "investor_key": self.investor_key,
               "country": country_alpha2(self.country), "category": describe_categories(self.categories),
               "kyc_expiry": format_kyc_expiry(self.kyc_expiry), "status": self.status}
        for symbol, units in self.balances.items():
            row[f"balance_{symbol}"] = format_units(units, decimals.get(symbol, 18))
        return row

    def data(self, decimals: dict[str, int]) -> dict:
        """The wallet for --json: amounts as decimal strings and `_units` integers."""
        return {**self.row(decimals), "country_numeric": self.country, "kyc_expiry_unix": self.kyc_expiry,
                "registry_frozen": self.registry_frozen, "frozen_on": list(self.frozen_on),
                "multi_wallet": self.multi_wallet,
                "balances": {s: format_units(u, decimals.get(s, 18)) for s, u in self.balances.items()},
                "balances_units": dict(self.balances)}


@dataclass(frozen=True)
class InvestorView:
    """Everything about one investor: its wallets and, where the issuer's id is known, the on-chain id."""

    issuer_id: str | None
    investor_key: str
    investor_id: str | None  # 0x + 64 hex: the full salted hash, computable only from the issuer's id
    wallets: list[WalletView]


@dataclass
class UpdateResult:
    changes: list[Change]  # one per wallet whose terms change (none: nothing to do, nothing sent)
    receipt: Receipt | None = None  # None when nothing was sent (nothing to do, or a dry run)


@dataclass
class FreezeResult:
    done: list[tuple[str, str]] = field(default_factory=list)  # (wallet, symbol) frozen or unfrozen now
    already: list[tuple[str, str]] = field(default_factory=list)  # (wallet, symbol) already so
    receipts: list[Receipt] = field(default_factory=list)


def _key_hex(key: int) -> str:
    return f"0x{key:032x}"


def _key_of(issuer_id: str, salt: str) -> int:
    return int.from_bytes(investor_id(issuer_id, salt), "big") & KEY_MASK


def _is_address(text: str) -> bool:
    return text.strip().lower().startswith("0x") and len(text.strip()) == 42


def registered_wallets(op: Operator, index: EventIndex | None = None) -> list[Investor]:
    """Every wallet the offering's registry holds now: the wallets its events name (from the offering's event
    index, synced first unless given), each read back from the chain."""
    candidates = list((index or offering_index(op)).wallets(op.record.registry))
    return [i for i in op.registry.investor_many(candidates) if i.registered]


def _views(op: Operator, records: list[Investor], balances: dict[str, dict[str, int]] | None = None
           ) -> list[WalletView]:
    """Records -> views: issuer ids from the directory (where their hash matches the chain), balances (from
    `balances`, else read from each token) and freezes per token, and a status."""
    directory = InvestorDirectory.open(op.state, op.record)
    salt = op.record.investor_salt
    now = op.chain.block_timestamp()
    tokens = {symbol: op.token(symbol) for symbol in op.record.tokens}
    views = []
    for r in records:
        ref = directory.issuer_id(r.wallet)
        if ref is not None and _key_of(ref, salt) != r.key:
            ref = None  # the directory names another investor for this wallet: it is stale, the chain wins
        held = {s: (balances[s].get(r.wallet, 0) if balances is not None else t.balance_of(r.wallet))
                for s, t in tokens.items()}
        frozen_on = tuple(s for s, t in tokens.items() if t.is_frozen(r.wallet))
        status = ("frozen" if r.frozen or frozen_on else "expired" if r.kyc_expiry < now else "verified")
        views.append(WalletView(r.wallet, ref, _key_hex(r.key), r.country, r.categories, r.kyc_expiry, r.frozen,
                                r.multi_wallet, held, frozen_on, status))
    return views


def list_investors(op: Operator, country: str | None = None, category: str | None = None,
                   expiring_before: str | None = None, track: Track = quiet) -> list[WalletView]:
    """Every registered wallet (optionally only those of a country, holding a category, or whose KYC expires
    before a date), with the issuer's id, terms, status and balance per token."""
    wanted_country = parse_country(country, "--country") if country else None
    wanted_category = parse_categories(category) if category else None
    if wanted_category == 0:
        raise ConfigError("--category is empty")
    before = timestamp(expiring_before, "--expiring-before") if expiring_before else None
    index = offering_index(op, track)
    records = [r for r in registered_wallets(op, index)
               if (wanted_country is None or r.country == wanted_country)
               and (wanted_category is None or r.categories & wanted_category)
               and (before is None or r.kyc_expiry < before)]
    balances = {symbol: index.balances(addr) for symbol, addr in op.record.tokens.items()}
    return _views(op, records, balances)


def investor_wallets(op: Operator, who: str) -> tuple[str | None, list[Investor]]:
    """The investor named by a wallet or by the issuer's id: (the issuer's id as given, or None for a wallet),
    and every registered wallet of that investor, the named wallet first. A ConfigError names what is unknown."""
    if _is_address(who):
        wallet = address(who, "wallet")
        first = op.registry.investor(wallet)
        if not first.registered:
            raise ConfigError(f"wallet {wallet} is not registered in offering {op.record.name!r}'s registry "
                              "(`rwa investors list` shows who is)")
        if not first.multi_wallet:
            return None, [first]
        return None, [first] + [r for r in _same_key(op, first.key, []) if r.wallet != wallet]
    key = _key_of(who, op.record.investor_salt)
    found = _same_key(op, key, InvestorDirectory.open(op.state, op.record).wallets(who.strip()))
    if not found:
        raise ConfigError(f"no registered investor with issuer id {who!r} in offering {op.record.name!r} (nor is it "
                          "a wallet address; `rwa investors list` shows who is registered)")
    return who.strip(), found


def _same_key(op: Operator, key: int, hints: list[str]) -> list[Investor]:
    """The registered wallets under `key`: every wallet the registry's events name, and the directory's hints."""
    registered = registered_wallets(op)
    known = {r.wallet for r in registered}
    candidates = [w for w in (address(h) for h in hints) if w not in known]
    return [r for r in registered + op.registry.investor_many(candidates) if r.registered and r.key == key]


def show_investor(op: Operator, who: str) -> InvestorView:
    """Everything about the investor named by `who` (a wallet or the issuer's id)."""
    given, records = investor_wallets(op, who)
    views = _views(op, records)
    ref = given or next((v.issuer_id for v in views if v.issuer_id), None)
    full = "0x" + investor_id(ref, op.record.investor_salt).hex() if ref else None
    return InvestorView(ref, _key_hex(records[0].key), full, views)


def update_investor(op: Operator, who: str, country: str | None = None, category: str | None = None,
                    kyc_expiry: str | None = None, dry_run: bool = False) -> UpdateResult:
    """Change an investor's country, categories or KYC expiry on every one of its wallets, in one transaction
    (simulated only with `dry_run`); nothing is sent when nothing changes."""
    if country is None and category is None and kyc_expiry is None:
        raise ConfigError("nothing to update: give --country, --category or --kyc-expiry")
    new_country = parse_country(country, "--country") if country is not None else None
    new_categories = parse_categories(category) if category is not None else None
    if new_categories == 0:
        raise ConfigError("--category is empty: give at least one category (e.g. professional)")
    new_expiry = parse_kyc_expiry(kyc_expiry) if kyc_expiry is not None else None
    if new_expiry is not None and new_expiry < op.chain.block_timestamp():
        raise ConfigError(f"KYC expiry {kyc_expiry} is already past: give a date to come (to stop an investor "
                          "trading, use `rwa investors freeze`)")
    _, records = investor_wallets(op, who)
    terms, changes = [], []
    for r in records:
        t = Terms(r.wallet, new_country or r.country, new_categories or r.categories, new_expiry or r.kyc_expiry)
        change = terms_change(r.wallet, 0, r, t.country, t.categories, t.kyc_expiry)
        if change is not None:
            terms.append(t)
            changes.append(change)
    if not terms:
        return UpdateResult([])
    return UpdateResult(changes, op.registry.update_batch(terms, dry_run=dry_run))


def renew_kyc(op: Operator, who: str, until: str, dry_run: bool = False) -> UpdateResult:
    """A KYC renewal: the investor's KYC expiry on every wallet becomes `until` (a date: its last valid day)."""
    return update_investor(op, who, kyc_expiry=until, dry_run=dry_run)


def remove_wallet(op: Operator, wallet: str, dry_run: bool = False) -> Receipt | None:
    """Delete a wallet's registry record (and its directory entry). Refused while it holds any of the offering's
    tokens: the tokens would be stranded, since moving them out (recovery) needs the record."""
    _, (record, *_) = investor_wallets(op, address(wallet, "wallet"))
    held = [(s, op.token(s)) for s in op.record.tokens]
    held = [(s, t.balance_of(record.wallet), t) for s, t in held]
    holding = [f"{format_units(units, op.record.decimals.get(s, 18))} {s}" for s, units, _ in held if units]
    if holding:
        raise ConfigError(f"wallet {record.wallet} still holds {', '.join(holding)}: move the tokens first (`rwa "
                          f"recover {record.wallet} NEW_WALLET` to another wallet of the investor, or `rwa "
                          f"force-transfer {record.wallet} RECEIVER AMOUNT`), then remove it")
    receipt = op.registry.remove_wallet(record.wallet, dry_run=dry_run)
    if not dry_run:
        InvestorDirectory.open(op.state, op.record).remove(record.wallet)
    return receipt


REGISTRY = "registry"  # what `freeze_investor(..., registry=True)` reports in place of a token symbol


def freeze_investor(op: Operator, who: str, frozen: bool = True, dry_run: bool = False,
                    registry: bool = False, records: list | None = None) -> FreezeResult:
    """Freeze (or unfreeze) every wallet of an investor on every token of the offering (each token's agent
    freeze), or with `registry` through the registry's sanction flag (one flag per wallet, which every token
    using the registry obeys). Every transaction is simulated before the first is sent; wallets and tokens
    already so are skipped, so a rerun after an interruption finishes the job. `records`: the investor's wallets
    when the caller has just read them (`investor_wallets`)."""
    if records is None:
        _, records = investor_wallets(op, who)
    result = FreezeResult()
    targets = ([(REGISTRY, op.registry, lambda r: r.frozen)] if registry else
               [(symbol, token, lambda r, t=token: t.is_frozen(r.wallet))
                for symbol, token in ((s, op.token(s)) for s in op.record.tokens)])
    todo = []
    for name, contract, is_frozen in targets:
        for r in records:
            if is_frozen(r) == frozen:
                result.already.append((r.wallet, name))
            else:
                contract.set_frozen(r.wallet, frozen, dry_run=True)  # a refusal (a missing role) raises here
                todo.append((r.wallet, name, contract))
    for wallet, name, contract in todo:
        if not dry_run:
            result.receipts.append(contract.set_frozen(wallet, frozen))
        result.done.append((wallet, name))
    return result
