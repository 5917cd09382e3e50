"""Bulk investor onboarding from a CSV: validated rows registered in batches, second wallets linked to their
investor, progress reported, and a journal so an interrupted import resumes without doing anything twice.

The chain is the source of truth for what is done: before sending, every pending wallet is checked on the
registry in batched RPC calls; the journal adds what the chain cannot tell yet, transactions sent but not
mined when the previous run died, which are awaited before anything is resent.
"""
from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..chain.tx import Transactor
from ..contracts.registry import Investor, InvestorRegistry, Registration
from ..inputs.investors_csv import InvestorFile, InvestorRow, RefusedRow
from ..primitives.units import investor_id
from ..store.journal import Journal, Progress, journaled, settle_in_flight
from .context import Operator


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


def journal_path(state: Path, offering_slug: str, file: InvestorFile) -> Path:
    digest = hashlib.sha256("\n".join(f"{r.line}:{r.wallet}:{r.investor_ref}" for r in file.rows).encode())
    return state / "journals" / f"{offering_slug}-import-{digest.hexdigest()[:12]}.jsonl"


def import_investors(tx: Transactor, registry: InvestorRegistry, file: InvestorFile, salt: str, journal: Journal,
                     batch_size: int = 200, progress: Progress | None = None, now: int | None = None) -> ImportReport:
    started = time.monotonic()
    report = ImportReport(refused=list(file.refused))
    now = now if now is not None else tx.chain.block_timestamp()
    report.resumed_transactions = settle_in_flight(tx, journal)

    firsts, links = _plan(file, now, report)
    total = len(firsts) + len(links)
    # What the registry already knows (an earlier, interrupted run; or another offering sharing the registry).
    everyone = [r.wallet for r in firsts] + [other.wallet for _, other in links]
    known = dict(zip(everyone, registry.investor_many(everyone)))
    key_of = {r.investor_ref: int.from_bytes(investor_id(r.investor_ref, salt)[16:], "big") for r in firsts}
    pending_first = _pending_firsts(registry, firsts, known, key_of, salt, report)
    done = report.already_done
    if progress:
        progress(done, total)
    done = _register(tx, registry, journal, pending_first, salt, batch_size, report, progress, done, total)
    _link(tx, registry, journal, links, known, key_of, report, progress, done, total)
    report.refused.sort(key=lambda r: r.line)
    report.seconds = time.monotonic() - started
    return report


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
                    key_of: dict[str, int], salt: str, report: ImportReport) -> list[InvestorRow]:
    """The first wallets still to register; those already done are counted, conflicting ones refused."""
    # An investor id the registry already holds under another wallet (an earlier import): a plain registration
    # would be refused on chain (one wallet per id unless linked), so it is refused here, before sending.
    fresh = [r for r in firsts if not known[r.wallet].registered]
    counts = dict(zip((r.wallet for r in fresh), registry.wallet_count_many([investor_id(r.investor_ref, salt)
                                                                             for r in fresh])))
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
        elif state.key == key_of[r.investor_ref]:
            report.already_done += 1
        else:
            report.refused.append(RefusedRow(r.line, "wallet is already registered to another investor", (r.wallet,)))
    return pending_first


def _register(tx: Transactor, registry: InvestorRegistry, journal: Journal, pending: list[InvestorRow], salt: str,
              batch_size: int, report: ImportReport, progress: Progress | None, done: int, total: int) -> int:
    """Register the pending first wallets in journaled batches; returns the progress count after them."""
    for start in range(0, len(pending), batch_size):
        batch = pending[start:start + batch_size]
        rows = [Registration(r.wallet, investor_id(r.investor_ref, salt), r.country, r.categories, r.kyc_expiry)
                for r in batch]
        receipt = journaled(tx, journal, "register", lambda: registry.register_batch(rows),
                            sent={"lines": [r.line for r in batch]})
        report.registered += len(batch)
        report.batches += 1
        report.gas_used += receipt.gas_used
        done += len(batch)
        if progress:
            progress(done, total)
    return done


def _link(tx: Transactor, registry: InvestorRegistry, journal: Journal, links: list[tuple[InvestorRow, InvestorRow]],
          known: dict[str, Investor], key_of: dict[str, int], report: ImportReport, progress: Progress | None, done: int,
          total: int) -> None:
    """Link each investor's further wallets to its first one, unless that one was refused or they are done."""
    refused_lines = {r.line for r in report.refused}
    for first, other in links:
        if first.line in refused_lines:
            report.refused.append(RefusedRow(other.line, f"its investor's first wallet (line {first.line}) was refused",
                                             (other.wallet,)))
            continue
        state = known[other.wallet]
        if state.registered:
            if state.key == key_of[first.investor_ref]:
                report.already_done += 1
            else:
                report.refused.append(RefusedRow(other.line, "wallet is already registered to another investor",
                                                 (other.wallet,)))
        else:
            receipt = journaled(tx, journal, "link", lambda: registry.add_wallet(first.wallet, other.wallet),
                                sent={"lines": [other.line]})
            report.linked += 1
            report.gas_used += receipt.gas_used
        done += 1
        if progress:
            progress(done, total)


def import_investor_file(op: Operator, file: InvestorFile, batch_size: int = 200,
                         progress: Progress | None = None) -> ImportReport:
    """Import `file` into the offering's registry, resumable through the offering's journal for that file."""
    journal = Journal(journal_path(op.state, op.record.slug, file))
    return import_investors(op.tx, op.registry, file, op.record.investor_salt, journal, batch_size, progress=progress)


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
