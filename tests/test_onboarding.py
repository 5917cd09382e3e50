"""Bulk onboarding from a CSV: batches, second wallets, refused rows, and resuming without repeating work."""
from __future__ import annotations

from contextlib import contextmanager

import datetime as dt

import pytest

from rwa_token.inputs.investors_csv import parse_investors_csv
from rwa_token.primitives import errors
from rwa_token.services.onboarding import import_investors
from rwa_token.store.journal import Journal

HEADER = "wallet,investor_id,country,category,kyc_expiry,name_ref\n"


def _csv(offering, n, expired=(), second_wallet_of=()):
    future = (dt.date.today() + dt.timedelta(days=400)).isoformat()
    lines, accounts = [], []
    for i in range(n):
        acct = offering.new_account()
        accounts.append(acct)
        expiry = "2020-01-01" if i in expired else future
        lines.append(f"{acct.address},INV-{i:05d},HK,professional,{expiry},ref{i}")
    for i in second_wallet_of:
        acct = offering.new_account()
        accounts.append(acct)
        lines.append(f"{acct.address},INV-{i:05d},HK,professional,{future},ref{i}b")
    return parse_investors_csv(HEADER + "\n".join(lines) + "\n"), accounts


def test_import_registers_in_batches_and_links_second_wallets(offering, tmp_path):
    file, accounts = _csv(offering, 25, second_wallet_of=[3])
    seen = []
    report = import_investors(offering.tx, offering.registry, file, "salt", Journal(tmp_path / "j.jsonl"),
                              batch_size=10, progress=lambda d, t: seen.append((d, t)))
    assert report.registered == 25 and report.linked == 1 and report.batches == 3
    assert seen[-1] == (26, 26)
    first, second = offering.registry.investor(accounts[3].address), offering.registry.investor(accounts[-1].address)
    assert first.key == second.key and second.multi_wallet


def test_expired_kyc_rows_are_refused_with_a_reason(offering, tmp_path):
    file, accounts = _csv(offering, 5, expired=[1])
    report = import_investors(offering.tx, offering.registry, file, "salt", Journal(tmp_path / "j.jsonl"))
    assert report.registered == 4
    [refused] = report.refused
    assert refused.line == 3 and "KYC expired" in refused.reason
    assert not offering.registry.contains(accounts[1].address)


@contextmanager
def crash_on_second_call(monkeypatch, target, method: str):
    """`target`'s `method` (a registry's batch, or the transactor's broadcast) fails on its second call as a dropped
    connection would (the first batch went through); the block must raise it, and the real method is back
    afterwards."""
    real = getattr(target, method)
    calls = {"n": 0}

    def flaky(*args, **options):
        calls["n"] += 1
        if calls["n"] == 2:
            raise errors.ChainError("connection reset (simulated crash)")
        return real(*args, **options)

    monkeypatch.setattr(target, method, flaky)
    with pytest.raises(errors.ChainError):
        yield
    monkeypatch.setattr(target, method, real)


def test_rerun_after_an_interruption_does_nothing_twice(offering, tmp_path, monkeypatch):
    file, _ = _csv(offering, 30)
    journal = Journal(tmp_path / "j.jsonl")
    with crash_on_second_call(monkeypatch, offering.tx, "_broadcast"):  # registration batches go out back to back
        import_investors(offering.tx, offering.registry, file, "salt", journal, batch_size=10)
    report = import_investors(offering.tx, offering.registry, file, "salt", journal, batch_size=10)
    assert report.already_done == 10 and report.registered == 20
    confirmed = [e for e in journal.entries() if e["status"] == "confirmed"]
    assert len(confirmed) == 3  # one batch before the crash, two after: none repeated


def test_wallet_registered_to_another_investor_is_refused_not_overwritten(offering, tmp_path):
    file, accounts = _csv(offering, 3)
    report = import_investors(offering.tx, offering.registry, file, "salt", Journal(tmp_path / "a.jsonl"))
    assert report.registered == 3
    again = import_investors(offering.tx, offering.registry, file, "other-salt", Journal(tmp_path / "b.jsonl"))
    assert again.registered == 0 and len(again.refused) == 3
    assert "another investor" in again.refused[0].reason


def test_changed_rows_are_updated_in_batches_and_a_rerun_after_a_crash_finishes_them(offering, tmp_path,
                                                                                     monkeypatch):
    file, accounts = _csv(offering, 12)
    journal = Journal(tmp_path / "j.jsonl")
    import_investors(offering.tx, offering.registry, file, "salt", journal)
    renewed = (dt.date.today() + dt.timedelta(days=800)).isoformat()
    text = HEADER + "".join(f"{a.address},INV-{i:05d},HK,professional,{renewed},ref{i}\n"
                            for i, a in enumerate(accounts))
    changed = parse_investors_csv(text)
    with crash_on_second_call(monkeypatch, offering.registry, "update_batch"):
        import_investors(offering.tx, offering.registry, changed, "salt", journal, batch_size=5)
    report = import_investors(offering.tx, offering.registry, changed, "salt", journal, batch_size=5)
    assert report.already_done == 5 and len(report.updated) == 7 and report.registered == 0
    assert report.updated[0].fields["kyc"][1] == renewed
    assert all(offering.registry.investor(a.address).kyc_expiry == changed.rows[0].kyc_expiry for a in accounts)
    again = import_investors(offering.tx, offering.registry, changed, "salt", journal, batch_size=5)
    assert again.already_done == 12 and not again.updated
