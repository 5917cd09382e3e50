"""Bulk investor onboarding from a CSV: validated rows registered in batches, second wallets linked to their
investor, rows that differ from the chain (a KYC renewal, a category or country change) applied as updates,
progress reported, and a journal so an interrupted import resumes without doing anything twice.

The chain is the source of truth for what is done: before sending, every pending wallet is checked on the
registry in batched RPC calls (a row the registry already holds with the same terms is "already done"); the
journal adds what the chain cannot tell yet, transactions sent but not mined when the previous run died, which
are awaited before anything is resent.
"""
from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ..chain.tx import Receipt, Transactor
from ..contracts.registry import Investor, InvestorRegistry, Registration, Terms
from ..inputs.investors_csv import InvestorFile, InvestorRow, RefusedRow, format_kyc_expiry
from ..primitives.categories import describe_categories
from ..primitives.countries import country_alpha2
from ..primitives.errors import ConfigError
from ..primitives.units import investor_id
from ..store.directory import InvestorDirectory
from ..store.journal import Journal, Progress, journaled, settle_in_flight
from .context import Operator
from .pipeline import send_batches


@dataclass(frozen=True)
class Change:
    """A registered wallet whose terms differ from its row: what changes, field by field, as (before, after)."""

    wallet: str
    line: int
    fields: dict[str, tuple[str, str]]

    def describe(self) -> str:
        """"kyc 2026-12-31 -> 2027-12-31, category professional -> institutional"."""
        return ", ".join(f"{name} {old} -> {new}" for name, (old, new) in self.fields.items())


def terms_change(wallet: str, line: int, old: Investor, country: int, categories: int, kyc_expiry: int) -> Change | None:
    """What moves from `old` (the chain) to the new terms; None when nothing does."""
    fields: dict[str, tuple[str, str]] = {}
    if old.country != country:
        fields["country"] = (country_alpha2(old.country), country_alpha2(country))
    if old.categories != categories:
        fields["category"] = (describe_categories(old.categories), describe_categories(categories))
    if old.kyc_expiry != kyc_expiry:
        fields["kyc"] = (format_kyc_expiry(old.kyc_expiry), format_kyc_expiry(kyc_expiry))
    return Change(wallet, line, fields) if fields else None


@dataclass
class ImportReport:
    registered: int = 0
    linked: int = 0
    already_done: int = 0
    batches: int = 0
    gas_used: int = 0
    seconds: float = 0.0
    refused: list[RefusedRow] = field(default_factory=list)
    resumed_transactions: int = 0
    updated: list[Change] = field(default_factory=list)
    dry_run: bool = False
    # wallet -> the issuer's investor id, for every wallet the registry holds (or would hold) under its row's id
    issuer_ids: dict[str, str] = field(default_factory=dict)


def journal_path(state: Path, offering_slug: str, file: InvestorFile) -> Path:
    digest = hashlib.sha256("\n".join(f"{r.line}:{r.wallet}:{r.investor_ref}" for r in file.rows).encode())
    return state / "journals" / f"{offering_slug}-import-{digest.hexdigest()[:12]}.jsonl"


def import_investors(tx: Transactor, registry: InvestorRegistry, file: InvestorFile, salt: str, journal: Journal,
                     batch_size: int = 200, progress: Progress | None = None, now: int | None = None,
                     dry_run: bool = False) -> ImportReport:
    """Register new wallets, link further wallets to their investor and update registered wallets whose row
    differs from the chain. With `dry_run` every transaction is simulated (a refusal raises as sending would) and
    nothing is sent or journaled; the report counts what would be done."""
    started = time.monotonic()
    report = ImportReport(refused=list(file.refused), dry_run=dry_run)
    now = now if now is not None else tx.chain.block_timestamp()
    if not dry_run:
        report.resumed_transactions = settle_in_flight(tx, journal)

    firsts, links = _plan(file, now, report)
    total = len(firsts) + len(links)
    # What the registry already knows (an earlier, interrupted run; or another offering sharing the registry).
    everyone = [r.wallet for r in firsts] + [other.wallet for _, other in links]
    known = dict(zip(everyone, registry.investor_many(everyone)))
    ids = {r.investor_ref: investor_id(r.investor_ref, salt) for r in firsts}  # hashed once per investor
    key_of = {ref: int.from_bytes(value[16:], "big") for ref, value in ids.items()}
    updates: list[_Update] = []
    pending_first = _pending_firsts(registry, firsts, known, key_of, ids, report, updates)
    done = report.already_done + len(updates)
    if progress:
        progress(done, total)
    sending = _Sending(tx, journal, report, progress, total, dry_run)
    done = _register(sending, registry, pending_first, ids, batch_size, done)
    _link(sending, registry, links, known, key_of, done, updates)
    _update(sending, registry, updates, batch_size)
    report.refused.sort(key=lambda r: r.line)
    report.seconds = time.monotonic() - started
    return report


@dataclass(frozen=True)
class _Update:
    row: InvestorRow
    change: Change
    linked_now: bool = False  # linked by this run, so the chain holds its first wallet's terms until updated


@dataclass
class _Sending:
    """What every sending step of an import shares: where transactions are journaled, what is counted, and
    whether anything is sent at all."""

    tx: Transactor
    journal: Journal
    report: ImportReport
    progress: Progress | None
    total: int
    dry_run: bool

    def send(self, kind: str, send: Callable[[bool], Receipt | None], lines: list[int]) -> None:
        """`send(dry_run)` one transaction, journaled; in a dry run only simulated (a refusal raises as sending
        would)."""
        if self.dry_run:
            send(True)
            return
        receipt = journaled(self.tx, self.journal, kind, lambda: send(False), sent={"lines": lines})
        self.report.gas_used += receipt.gas_used

    def advance(self, done: int) -> None:
        if self.progress:
            self.progress(done, self.total)


def _plan(file: InvestorFile, now: int, report: ImportReport) -> tuple[list[InvestorRow],
                                                                       list[tuple[InvestorRow, InvestorRow]]]:
    """Each investor's first live wallet (to register) and its other live wallets (to link to it); rows whose
    KYC has expired are refused."""
    firsts: list[InvestorRow] = []
    links: list[tuple[InvestorRow, InvestorRow]] = []
    for ref, rows in file.by_investor().items():
        live = [r for r in rows if not r.kyc_expired(now)]
        for r in rows:
            if r.kyc_expired(now):
                report.refused.append(RefusedRow(r.line, f"KYC expired on {time.strftime('%Y-%m-%d', time.gmtime(r.kyc_expiry))}: "
                                                 "renew it before onboarding", (r.wallet, r.investor_ref)))
        if live:
            firsts.append(live[0])
            links += [(live[0], other) for other in live[1:]]
    return firsts, links


def _pending_firsts(registry: InvestorRegistry, firsts: list[InvestorRow], known: dict[str, Investor],
                    key_of: dict[str, int], ids: dict[str, bytes], report: ImportReport,
                    updates: list[_Update]) -> list[InvestorRow]:
    """The first wallets still to register; those already done are counted (or, where their terms differ from
    the row, added to `updates`), conflicting ones refused."""
    # An investor id the registry already holds under another wallet (an earlier import): a plain registration
    # would be refused on chain (one wallet per id unless linked), so it is refused here, before sending.
    fresh = [r for r in firsts if not known[r.wallet].registered]
    counts = dict(zip((r.wallet for r in fresh), registry.wallet_count_many([ids[r.investor_ref] for r in fresh])))
    pending_first = []
    for r in firsts:
        state = known[r.wallet]
        if not state.registered and counts[r.wallet]:
            report.refused.append(RefusedRow(
                r.line, "the investor already has a registered wallet: list it first under the same investor in the "
                "file (later wallets are linked to it), or link this one with the registry's addWallet",
                (r.wallet, r.investor_ref)))
        elif not state.registered:
            pending_first.append(r)
            report.issuer_ids[r.wallet] = r.investor_ref
        elif state.key == key_of[r.investor_ref]:
            _registered(r, state, report, updates)
        else:
            report.refused.append(RefusedRow(r.line, "wallet is already registered to another investor", (r.wallet,)))
    return pending_first


def _registered(row: InvestorRow, state: Investor, report: ImportReport,
                updates: list[_Update]) -> None:
    """A wallet the registry holds under the row's investor: already done, or an update if its terms differ."""
    report.issuer_ids[row.wallet] = row.investor_ref
    change = terms_change(row.wallet, row.line, state, row.country, row.categories, row.kyc_expiry)
    if change is None:
        report.already_done += 1
    else:
        updates.append(_Update(row, change))


def _register(s: _Sending, registry: InvestorRegistry, pending: list[InvestorRow], ids: dict[str, bytes],
              batch_size: int, done: int) -> int:
    """Register the pending first wallets in journaled batches, sent back to back (the first batch of each size is
    estimated, the others reuse its gas: `pipeline.send_batches`); returns the progress count after them."""
    batches = [pending[start:start + batch_size] for start in range(0, len(pending), batch_size)]
    rows = [[Registration(r.wallet, ids[r.investor_ref], r.country, r.categories, r.kyc_expiry)
             for r in batch] for batch in batches]
    if s.dry_run:
        for batch, registrations in zip(batches, rows):
            registry.register_batch(registrations, dry_run=True)
            done = _registered_batch(s, batch, done)
        return done
    if registry.sender is None:
        raise ConfigError("registering investors sends transactions: give the registry a sender (a registrar)")

    def mined(index: int, receipt: Receipt) -> None:
        nonlocal done
        s.report.gas_used += receipt.gas_used
        done = _registered_batch(s, batches[index], done)

    send_batches(s.tx, registry.sender, s.journal, "register",
                 [(len(batch), registry.register_batch_call(registrations), {"lines": [r.line for r in batch]})
                  for batch, registrations in zip(batches, rows)], on_mined=mined)
    return done


def _registered_batch(s: _Sending, batch: list[InvestorRow], done: int) -> int:
    s.report.registered += len(batch)
    s.report.batches += 1
    s.advance(done + len(batch))
    return done + len(batch)


def _update(s: _Sending, registry: InvestorRegistry, updates: list[_Update], batch_size: int) -> None:
    """Apply the changed rows in journaled batches (one transaction updates every wallet of its batch or none).
    In a dry run a wallet linked in this same run is not registered yet, so its update cannot be simulated."""
    sending = [u for u in updates if not (s.dry_run and u.linked_now)]
    for start in range(0, len(sending), batch_size):
        batch = [u.row for u in sending[start:start + batch_size]]
        terms = [Terms(r.wallet, r.country, r.categories, r.kyc_expiry) for r in batch]
        s.send("update", lambda dry: registry.update_batch(terms, dry_run=dry), [r.line for r in batch])
        s.report.batches += 1
    s.report.updated += sorted((u.change for u in updates), key=lambda c: c.line)


def _link(s: _Sending, registry: InvestorRegistry, links: list[tuple[InvestorRow, InvestorRow]],
          known: dict[str, Investor], key_of: dict[str, int], done: int,
          updates: list[_Update]) -> None:
    """Link each investor's further wallets to its first one, unless that one was refused or they are done. A
    linked wallet takes its first wallet's terms: where its own row says otherwise (another KYC expiry), it is
    updated after linking."""
    report = s.report
    refused_lines = {r.line for r in report.refused}
    for first, other in links:
        if first.line in refused_lines:
            report.refused.append(RefusedRow(other.line, f"its investor's first wallet (line {first.line}) was refused",
                                             (other.wallet,)))
            continue
        state = known[other.wallet]
        if state.registered:
            if state.key == key_of[first.investor_ref]:
                _registered(other, state, report, updates)
            else:
                report.refused.append(RefusedRow(other.line, "wallet is already registered to another investor",
                                                 (other.wallet,)))
        else:
            # (a dry run cannot simulate linking to a first wallet that is itself only about to be registered)
            if not (s.dry_run and not known[first.wallet].registered):
                s.send("link", lambda dry: registry.add_wallet(first.wallet, other.wallet, dry_run=dry), [other.line])
            report.linked += 1
            report.issuer_ids[other.wallet] = other.investor_ref
            copied = Investor(other.wallet, 0, first.country, first.categories, first.kyc_expiry, False, True, True)
            change = terms_change(other.wallet, other.line, copied, other.country, other.categories,
                                  other.kyc_expiry)
            if change is not None:
                updates.append(_Update(other, change, linked_now=True))
        done += 1
        s.advance(done)


def import_investor_file(op: Operator, file: InvestorFile, batch_size: int = 200,
                         progress: Progress | None = None, dry_run: bool = False) -> ImportReport:
    """Import `file` into the offering's registry, resumable through the offering's journal for that file; the
    issuer's investor ids of the imported wallets go into the offering's investor directory."""
    journal = Journal(journal_path(op.state, op.record.slug, file))
    report = import_investors(op.tx, op.registry, file, op.record.investor_salt, journal, batch_size,
                              progress=progress, dry_run=dry_run)
    if not dry_run:
        InvestorDirectory.open(op.state, op.record).set_many(report.issuer_ids)
    return report


def refused_path(op: Operator, csv_file: Path) -> Path:
    """Where refused rows go by default: <state>/refused/<csv>.refused.csv."""
    return op.state / "refused" / f"{csv_file.stem}.refused.csv"


def write_refused(report: ImportReport, out: Path) -> Path | None:
    """Write the refused rows with their reasons to `out` (CSV: line, reason, row); None if nothing was refused."""
    out.parent.mkdir(parents=True, exist_ok=True)
    if not report.refused:
        return None
    lines = ["line,reason,row"] + [f"{r.line},\"{r.reason}\",\"{' '.join(r.raw)}\"" for r in report.refused]
    out.write_text("\n".join(lines) + "\n")
    return out
