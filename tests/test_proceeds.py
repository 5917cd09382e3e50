"""Use of proceeds: money out only for purposes in the filing, within their caps, on the record."""
from __future__ import annotations

import pytest

from rwa_token.contracts.proceeds import ProceedsVault
from rwa_token.contracts.stablecoin import MockStablecoin
from rwa_token.primitives.errors import ContractCustomError, Unauthorized
from rwa_token.services.trading import proceeds_report

UNIT = 10**6


@pytest.fixture
def vault(tx, accounts):
    admin, treasurer, auditor, subscriber, contractor = accounts[0], accounts[1], accounts[2], accounts[3], accounts[4]
    usd = MockStablecoin.deploy(tx, admin, "Test USD", "TUSD", 6)
    v = ProceedsVault.deploy(tx, admin, usd.address, admin.address)
    v.grant_role("TREASURER_ROLE", treasurer.address, sender=admin)
    v.grant_role("AUDITOR_ROLE", auditor.address, sender=admin)
    v.register_purpose("toll-road-capex", 700_000 * UNIT, sender=admin)
    v.register_purpose("working-capital", 300_000 * UNIT, sender=admin)
    usd.mint(subscriber.address, 1_000_000 * UNIT)
    usd.approve(v.address, 2**256 - 1, sender=subscriber)
    v.deposit(1_000_000 * UNIT, "subscription round 1", sender=subscriber)
    return v, usd, admin, treasurer, auditor, contractor


def test_a_withdrawal_for_a_registered_purpose_within_its_cap_is_paid_and_recorded(vault):
    v, usd, _, treasurer, _, contractor = vault
    receipt = v.withdraw("toll-road-capex", 250_000 * UNIT, contractor.address, "INV-2026-001", sender=treasurer)
    assert usd.balance_of(contractor.address) == 250_000 * UNIT
    args = receipt.events("ProceedsWithdrawn")[0]["args"]
    assert args["memo"] == "INV-2026-001" and args["amount"] == 250_000 * UNIT
    assert v.purpose_of("toll-road-capex") == (700_000 * UNIT, 250_000 * UNIT)
    assert v.totals() == (1_000_000 * UNIT, 250_000 * UNIT, 750_000 * UNIT)


def test_a_withdrawal_for_an_unregistered_purpose_is_refused(vault):
    v, _, _, treasurer, _, contractor = vault
    with pytest.raises(ContractCustomError) as err:
        v.withdraw("marketing", 1 * UNIT, contractor.address, "INV-X", sender=treasurer)
    assert err.value.name == "UnknownPurpose"


def test_a_withdrawal_beyond_the_filed_cap_is_refused(vault):
    v, _, _, treasurer, _, contractor = vault
    v.withdraw("working-capital", 300_000 * UNIT, contractor.address, "PO-1", sender=treasurer)
    with pytest.raises(ContractCustomError) as err:
        v.withdraw("working-capital", 1, contractor.address, "PO-2", sender=treasurer)
    assert err.value.name == "CapExceeded"


def test_an_auditor_hold_stops_withdrawals(vault):
    v, _, _, treasurer, auditor, contractor = vault
    v.set_hold(True, sender=auditor)
    with pytest.raises(ContractCustomError) as err:
        v.withdraw("toll-road-capex", 1, contractor.address, "INV", sender=treasurer)
    assert err.value.name == "VaultOnHold"
    v.set_hold(False, sender=auditor)
    v.withdraw("toll-road-capex", 1, contractor.address, "INV", sender=treasurer)


def test_the_report_reads_proceeds_by_purpose_against_the_filing(vault):
    v, _, _, treasurer, _, contractor = vault
    v.withdraw("toll-road-capex", 100_000 * UNIT, contractor.address, "INV-1", sender=treasurer)
    filing = {"toll-road-capex": 700_000 * UNIT, "working-capital": 250_000 * UNIT, "land": 50_000 * UNIT}
    report = proceeds_report(v, filing)
    by = {line.purpose: line for line in report.lines}
    assert by["toll-road-capex"].status == "ok" and by["toll-road-capex"].remaining == 600_000 * UNIT
    assert by["working-capital"].status == "cap differs from filing"
    assert by["land"].status == "not registered"
    assert not report.ok
    assert report.withdrawals[0]["memo"] == "INV-1"


def test_every_privileged_function_refuses_an_unauthorised_caller(vault):
    v, _, _, treasurer, auditor, contractor = vault
    with pytest.raises(Unauthorized):
        v.withdraw("toll-road-capex", 1, contractor.address, "x", sender=contractor)
    with pytest.raises(Unauthorized):
        v.withdraw("toll-road-capex", 1, contractor.address, "x", sender=auditor)
    with pytest.raises(Unauthorized):
        v.register_purpose("land", 1, sender=treasurer)
    with pytest.raises(Unauthorized):
        v.set_purpose_cap("toll-road-capex", 1, sender=treasurer)
    with pytest.raises(Unauthorized):
        v.set_hold(True, sender=treasurer)
