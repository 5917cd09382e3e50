"""Investor CSV: good rows are accepted, each bad row is refused with its line and reason, the file goes on."""
from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rwa_token.inputs.investors_csv import load_investors_csv, parse_investors_csv, parse_kyc_expiry
from rwa_token.primitives.categories import INSTITUTIONAL, PROFESSIONAL
from rwa_token.primitives.errors import ConfigError

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
HEADER = "wallet,investor_id,country,category,kyc_expiry,name_ref\n"
GOOD = "0x3ad78D8A0A4D19fDae1b8b758044bA97C1541916"
OTHER = "0x861bd5885b40bA732bd36fdb3f93acF9224EFd34"


def only_refusal(body: str) -> tuple[int, str]:
    result = parse_investors_csv(HEADER + body)
    assert not result.rows and len(result.refused) == 1
    return result.refused[0].line, result.refused[0].reason


def test_example_investor_list_is_all_valid():
    result = load_investors_csv(EXAMPLES / "investors.csv")
    assert result.refused == []
    assert 190 <= len(result.by_investor()) <= 210
    countries = {row.country for row in result.rows}
    assert {156, 344, 702, 840, 826, 784, 392, 276, 756, 36} <= countries


def test_example_has_multi_wallet_investors_and_expired_kyc():
    result = load_investors_csv(EXAMPLES / "investors.csv")
    assert any(len(wallets) == 2 for wallets in result.by_investor().values())
    assert result.expired(int(dt.datetime(2027, 1, 1, tzinfo=dt.timezone.utc).timestamp()))


def test_example_hong_kong_has_professional_and_retail_investors():
    rows = [r for r in load_investors_csv(EXAMPLES / "investors.csv").rows if r.country == 344]
    assert {r.categories for r in rows} >= {1, PROFESSIONAL}


def test_generator_is_deterministic():
    generator = EXAMPLES.parent / "tools" / "make_investors.py"
    out = subprocess.run([sys.executable, str(generator)], capture_output=True, text=True, check=True).stdout
    assert out == (EXAMPLES / "investors.csv").read_text()


def test_bad_example_refuses_each_mistake_with_its_line():
    result = load_investors_csv(EXAMPLES / "investors-bad.csv")
    reasons = {r.line: r.reason for r in result.refused}
    assert [r.line for r in result.rows] == [3, 4]
    assert "bad checksum" in reasons[5]
    assert "unknown country 'XX'" in reasons[6]
    assert "duplicate wallet" in reasons[7] and "line 3" in reasons[7]
    assert "bad date" in reasons[8]
    assert "unknown investor category 'qualified'" in reasons[9]
    assert "missing column kyc_expiry" in reasons[10]
    assert "INV-90001" in reasons[11]
    assert "not an address" in reasons[12]


def test_lowercase_address_is_accepted_and_checksummed():
    result = parse_investors_csv(HEADER + f"{GOOD.lower()},INV-1,HK,professional,2029-01-01,\n")
    assert result.rows[0].wallet == GOOD


def test_mixed_case_address_with_wrong_checksum_is_refused():
    bad = GOOD[:3] + GOOD[3].swapcase() + GOOD[4:]
    line, reason = only_refusal(f"{bad},INV-1,HK,professional,2029-01-01,x\n")
    assert line == 2 and "bad checksum" in reason


def test_duplicate_wallet_is_refused_case_insensitively():
    result = parse_investors_csv(HEADER + f"{GOOD},INV-1,HK,professional,2029-01-01,a\n"
                                          f"{GOOD.lower()},INV-2,SG,accredited,2029-01-01,b\n")
    assert len(result.rows) == 1
    assert result.refused[0].line == 3 and "duplicate wallet" in result.refused[0].reason


def test_two_wallets_of_one_investor_are_both_accepted():
    result = parse_investors_csv(HEADER + f"{GOOD},INV-1,HK,professional,2029-01-01,a\n"
                                          f"{OTHER},INV-1,HK,professional,2029-01-01,a\n")
    assert len(result.by_investor()["INV-1"]) == 2


def test_two_wallets_of_one_investor_must_agree_on_country():
    result = parse_investors_csv(HEADER + f"{GOOD},INV-1,HK,professional,2029-01-01,a\n"
                                          f"{OTHER},INV-1,CN,professional,2029-01-01,a\n")
    assert "HK professional on line 2 but CN professional" in result.refused[0].reason


def test_several_categories_and_country_spellings():
    result = parse_investors_csv(HEADER + f"{GOOD},INV-1,hkg,professional|institutional,2029-01-01,a\n")
    assert result.rows[0].country == 344
    assert result.rows[0].categories == PROFESSIONAL | INSTITUTIONAL


def test_kyc_expiry_date_is_valid_through_the_end_of_that_day():
    assert parse_kyc_expiry("2027-06-30") == int(dt.datetime(2027, 6, 30, 23, 59, 59,
                                                             tzinfo=dt.timezone.utc).timestamp())
    assert parse_kyc_expiry("1900000000") == 1_900_000_000
    assert parse_kyc_expiry("2027-06-30T12:00:00Z") == int(dt.datetime(2027, 6, 30, 12,
                                                                       tzinfo=dt.timezone.utc).timestamp())


@pytest.mark.parametrize("value", ["2027-13-01", "30/06/2027", "2027-06-30T12:00:00", "soon", "0"])
def test_bad_kyc_dates_are_refused(value):
    with pytest.raises(ConfigError, match="bad date"):
        parse_kyc_expiry(value)


def test_name_ref_column_is_optional():
    text = "wallet,investor_id,country,category,kyc_expiry\n" + f"{GOOD},INV-1,HK,retail,2029-01-01\n"
    assert parse_investors_csv(text).rows[0].name_ref == ""


def test_missing_required_column_in_header_is_a_config_error():
    with pytest.raises(ConfigError, match=r"investors\.csv: line 1: missing column 'kyc_expiry'"):
        parse_investors_csv("wallet,investor_id,country,category\n")


def test_unknown_column_in_header_is_a_config_error():
    with pytest.raises(ConfigError, match="unknown column 'kyc_expiri'"):
        parse_investors_csv("wallet,investor_id,country,category,kyc_expiri\n")


def test_empty_file_is_a_config_error():
    with pytest.raises(ConfigError, match="empty file"):
        parse_investors_csv("")


def test_blank_and_comment_lines_are_skipped_and_line_numbers_stay_true():
    result = parse_investors_csv("# list of 2026-03\n" + HEADER + "\n" + f"{GOOD},INV-1,HK,retail,2029-01-01,\n")
    assert result.rows[0].line == 4


def test_extra_values_are_refused():
    line, reason = only_refusal(f"{GOOD},INV-1,HK,retail,2029-01-01,a,b\n")
    assert "7 values but 6 columns" in reason


def test_investor_id_must_be_a_reference():
    line, reason = only_refusal(f"{GOOD},Zhang San (passport E123),HK,retail,2029-01-01,a\n")
    assert "investor_id" in reason


def test_missing_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_investors_csv(tmp_path / "none.csv")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_random_text_only_ever_raises_config_error(text):
    try:
        parse_investors_csv(text)
    except ConfigError:
        pass


_cells = st.one_of(st.text(max_size=12), st.sampled_from([GOOD, GOOD.lower(), OTHER, "HK", "XX", "retail", "pro",
                                                          "2029-01-01", "2029-02-30", "INV-1", "", "0x", "1e9"]))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(_cells, max_size=8), max_size=8))
def test_random_rows_are_accepted_or_refused_never_crash(rows):
    import csv
    import io

    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    result = parse_investors_csv(HEADER + buffer.getvalue())
    assert len(result.rows) + len(result.refused) <= len(rows)
    assert len({row.wallet for row in result.rows}) == len(result.rows)


def test_example_rules_refuse_mainland_us_and_hong_kong_retail_investors_of_the_example_list():
    from rwa_token.inputs.policy import eligibility
    from rwa_token.inputs.spec import load_spec

    config = load_spec(EXAMPLES / "highway-toll-abs.yaml").rule_config
    rows = load_investors_csv(EXAMPLES / "investors.csv").rows
    refused = {(r.country, r.categories) for r in rows if eligibility(config, r.country, r.categories)}
    admitted = {(r.country, r.categories) for r in rows if not eligibility(config, r.country, r.categories)}
    assert {c for c, _ in refused} >= {156, 840, 630}  # CN, US, PR
    assert (344, 1) in refused and (344, PROFESSIONAL) in admitted  # HK retail out, HK professional in
    assert admitted and all(country not in (156, 840) for country, _ in admitted)
