"""The offering spec: the example deal loads; every mistake is refused with the path of the field at fault."""
from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from rwa_token.inputs.policy import load_yaml
from rwa_token.inputs.spec import load_spec, parse_spec, spec_from_dict
from rwa_token.primitives.errors import ConfigError

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "highway-toll-abs.yaml"


def example() -> dict:
    """The example deal as plain data, ready to be broken one field at a time."""
    return json.loads(json.dumps(load_yaml(EXAMPLE.read_text(), "offering.yaml")))


def refused(doc: dict) -> str:
    with pytest.raises(ConfigError) as err:
        spec_from_dict(doc, "offering.yaml")
    return str(err.value)


# --- the example ---------------------------------------------------------------------------------------
def test_example_highway_toll_abs_loads():
    spec = load_spec(EXAMPLE)
    assert spec.asset.type == "toll-revenue" and spec.asset.structure == "abs"
    assert spec.asset.jurisdiction == 156
    assert spec.filing is not None and spec.filing.regulator == "CSRC"
    assert [t.tranche for t in spec.tokens] == ["senior", "junior"]
    assert spec.tokens[0].cap == Decimal("800000")
    assert spec.coupon_schedule is not None and spec.coupon_schedule.periods_per_year == 4
    assert spec.rule_config.countries[156].blocked
    assert spec.rule_config.require_filing_document
    assert spec.rule_config.allowlist_mode
    assert spec.warnings == []


def test_example_addresses_are_checksummed():
    assert load_spec(EXAMPLE).issuer.treasury == "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"


# --- field errors name their path ----------------------------------------------------------------------
def test_unknown_key_in_spec_names_its_path():
    doc = example()
    doc["tokens"][1]["tranch"] = "junior"
    assert "offering.yaml: tokens[1].tranch: unknown key" in refused(doc)


def test_evm_names_a_build_or_leaves_it_to_detection():
    doc = example()
    assert spec_from_dict(doc).evm is None
    for value, expected in (("shanghai", "shanghai"), ("prague", "prague"), ("auto", None)):
        doc["evm"] = value
        assert spec_from_dict(doc).evm == expected
    doc["evm"] = "cancun"
    assert 'offering.yaml: evm: one of auto, prague, shanghai, got "cancun"' in refused(doc)


def test_unknown_top_level_key_is_refused():
    doc = example()
    doc["coupon_schedul"] = {}
    assert "offering.yaml: coupon_schedul: unknown key" in refused(doc)


def test_unknown_key_reports_its_line_when_read_from_yaml():
    text = EXAMPLE.read_text().replace("  originator:", "  originatr:")
    with pytest.raises(ConfigError, match=r"asset\.originatr: unknown key \(line \d+\)"):
        parse_spec(text)


def test_bad_decimals_names_the_field():
    doc = example()
    doc["tokens"][0]["decimals"] = "x"
    assert 'offering.yaml: tokens[0].decimals: must be an integer 0..18, got "x"' in refused(doc)
    doc["tokens"][0]["decimals"] = 19
    assert "tokens[0].decimals" in refused(doc)


@pytest.mark.parametrize("symbol", ["hstolla", "HS-TOLL", "ABCDEFGHIJKL", ""])
def test_bad_symbol_names_the_field(symbol):
    doc = example()
    doc["tokens"][0]["symbol"] = symbol
    assert "tokens[0].symbol" in refused(doc)


def test_cap_with_more_places_than_decimals_is_refused():
    doc = example()
    doc["tokens"][0]["decimals"] = 0
    doc["tokens"][0]["cap"] = "1000.5"
    assert "tokens[0].cap: 1000.5 has more decimal places" in refused(doc)


def test_missing_required_field_is_named():
    doc = example()
    del doc["asset"]["originator"]
    assert "asset.originator: required" in refused(doc)


def test_bad_document_hash_names_the_field():
    doc = example()
    doc["filing"]["document_hash"] = "0x1234"
    assert "filing.document_hash" in refused(doc)


def test_bad_filing_date_names_the_field():
    doc = example()
    doc["filing"]["date"] = "2026-02-30"
    assert "filing.date: 2026-02-30 is not a calendar date" in refused(doc)


def test_bad_regulator_lists_the_choices():
    doc = example()
    doc["filing"]["regulator"] = "PBOC"
    assert "filing.regulator: must be one of CSRC, NDRC, SFC, SEC, MAS, other" in refused(doc)


def test_unknown_asset_jurisdiction_names_the_field():
    doc = example()
    doc["asset"]["jurisdiction"] = "XX"
    assert "asset.jurisdiction: unknown country 'XX'" in refused(doc)


def test_treasury_with_bad_checksum_is_refused():
    doc = example()
    doc["issuer"]["treasury"] = "0xF39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
    assert "issuer.treasury" in refused(doc) and "checksum" in refused(doc)


def test_lowercase_address_is_accepted_and_checksummed():
    doc = example()
    doc["payment_tokens"][0]["address"] = "0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48"
    spec = spec_from_dict(doc)
    assert spec.payment_tokens[0].address == "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"


def test_duplicate_token_symbol_is_refused():
    doc = example()
    doc["tokens"][1]["symbol"] = "HSTOLLA"
    assert "tokens[1].symbol: HSTOLLA is already used by tokens[0]" in refused(doc)


def test_several_tokens_need_tranches():
    doc = example()
    doc["tokens"][1]["tranche"] = "none"
    assert "tokens[1].tranche" in refused(doc)


def test_unknown_policy_pack_names_its_index():
    doc = example()
    doc["rules"]["policies"].append("hk-vatp-pro")
    assert "rules.policies[4]: unknown policy pack 'hk-vatp-pro'" in refused(doc)


def test_override_typo_names_its_path():
    doc = example()
    doc["rules"]["overrides"]["lockup_day"] = 60
    assert "rules.overrides.lockup_day: unknown key" in refused(doc)


def test_override_country_categories():
    doc = example()
    doc["rules"]["overrides"]["countries"]["HK"] = {"required": ["institutional"]}
    assert spec_from_dict(doc).rule_config.countries[344].required_categories == 8


# --- rules across fields -------------------------------------------------------------------------------
def test_unapproved_rmb_payment_token_is_refused_naming_currency_and_pack():
    doc = example()
    doc["payment_tokens"].append({"symbol": "CNHX", "currency": "CNH", "decimals": 6})
    message = refused(doc)
    assert "payment_tokens[2].currency: CNH" in message and "cn-offshore-abs" in message


def test_approved_rmb_payment_token_is_accepted():
    doc = example()
    doc["payment_tokens"].append({"symbol": "CNHX", "currency": "CNH", "decimals": 6, "approved": True})
    assert spec_from_dict(doc).rule_config.approved_currencies == {"CNH"}


def test_rmb_payment_token_is_fine_without_the_cn_pack():
    doc = example()
    doc["rules"]["policies"] = ["hk-vatp-professional"]
    doc["payment_tokens"].append({"symbol": "CNHX", "currency": "CNH", "decimals": 6})
    assert spec_from_dict(doc).payment_tokens[2].currency == "CNH"


def test_cn_offshore_abs_requires_csrc_for_abs_assets():
    doc = example()
    doc["filing"]["regulator"] = "SFC"
    message = refused(doc)
    assert "filing.regulator: cn-offshore-abs routes an abs structure (asset.type toll-revenue) to CSRC, got SFC" \
        in message


def test_cn_offshore_abs_requires_ndrc_for_foreign_debt():
    doc = example()
    doc["asset"]["type"] = "bond"
    assert "to NDRC, got CSRC" in refused(doc)
    doc["filing"]["regulator"] = "NDRC"
    assert spec_from_dict(doc).asset.structure == "debt"


def test_explicit_structure_overrides_the_type_default():
    doc = example()
    doc["asset"]["structure"] = "debt"
    assert "filing.regulator" in refused(doc)


def test_other_asset_type_needs_a_structure_under_cn_pack():
    doc = example()
    doc["asset"]["type"] = "other"
    assert "asset.structure: required" in refused(doc)


def test_cn_offshore_abs_requires_a_filing():
    doc = example()
    del doc["filing"]
    assert "offering.yaml: filing: required by cn-offshore-abs" in refused(doc)


def test_filing_is_optional_without_a_pack_that_needs_it():
    doc = example()
    del doc["filing"]
    doc["rules"]["policies"] = ["hk-vatp-professional", "us-reg-s"]
    assert spec_from_dict(doc).filing is None


def test_maturity_must_follow_first_coupon():
    doc = example()
    doc["maturity"]["date"] = "2026-06-30"
    assert "maturity.date: 2026-06-30 must be after coupon_schedule.first_date" in refused(doc)


def test_coupons_need_a_payment_token():
    doc = example()
    del doc["payment_tokens"]
    assert "payment_tokens: coupons are scheduled" in refused(doc)


def test_waterfall_needs_two_tranches():
    doc = example()
    doc["tokens"] = doc["tokens"][:1]
    assert "waterfall: a waterfall needs at least two tranche tokens" in refused(doc)


def test_min_balance_finer_than_token_decimals_is_refused():
    doc = example()
    doc["tokens"][0]["decimals"] = 0
    doc["rules"]["overrides"]["min_balance"] = "10.5"
    assert "rules.overrides.min_balance" in refused(doc)


def test_loosening_override_is_refused_with_its_path():
    doc = example()
    doc["rules"]["overrides"]["lockup_days"] = 5
    assert "offering.yaml: rules.overrides.lockup_days: 5 is shorter than the 40 days set by us-reg-s" in refused(doc)


def test_cn_pack_on_a_non_mainland_asset_warns():
    doc = example()
    doc["asset"]["jurisdiction"] = "HK"
    assert any("cn-offshore-abs" in w for w in spec_from_dict(doc).warnings)


# --- files and YAML ------------------------------------------------------------------------------------
def test_withholding_rates_parse_countries_in_any_spelling_and_unknown():
    doc = example()
    doc["withholding"] = {"rates_bps": {"CN": 1000, "HKG": 0, "702": 1500, "unknown": 2000},
                          "tax_account": "0x70997970c51812dc3a010c7d01b50e0d17dc79c8"}
    spec = spec_from_dict(doc)
    assert spec.withholding is not None
    assert spec.withholding.rates_bps == {156: 1000, 344: 0, 702: 1500, 0: 2000}
    assert spec.withholding.tax_account == "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"


@pytest.mark.parametrize("rates, message", [
    ({"XX": 100}, "withholding.rates_bps.XX: unknown country"),
    ({"CN": 10_001}, "withholding.rates_bps.CN: must be an integer 0..10000"),
    ({"CN": "10%"}, "withholding.rates_bps.CN: must be an integer 0..10000"),
    ({"CN": 100, "CHN": 200}, "withholding.rates_bps.CHN: the same country appears twice"),
    ({}, "withholding.rates_bps: must map countries to basis points"),
])
def test_bad_withholding_rates_name_the_field(rates, message):
    doc = example()
    doc["withholding"] = {"rates_bps": rates}
    assert message in refused(doc)


def test_malformed_yaml_reports_the_line():
    with pytest.raises(ConfigError, match=r"offering\.yaml: line 3"):
        parse_spec("issuer:\n  name: x\n asset: [\n")


def test_missing_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_spec(tmp_path / "nope.yaml")


def test_empty_file_is_a_config_error():
    with pytest.raises(ConfigError, match="empty file"):
        parse_spec("")


def test_unquoted_hex_hash_stays_text():
    text = EXAMPLE.read_text().replace('"0x21bc55', "0x21bc55").replace('2370b6"', "2370b6")
    assert parse_spec(text).filing.document_hash.startswith("0x21bc55")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_random_text_only_ever_raises_config_error(text):
    try:
        parse_spec(text)
    except ConfigError:
        pass


_keys = st.sampled_from(["name", "issuer", "asset", "filing", "tokens", "rules", "payment_tokens", "coupon_schedule",
                         "maturity", "waterfall", "type", "symbol", "decimals", "cap", "currency", "policies",
                         "overrides", "date", "regulator", "jurisdiction", "required", "countries", "tranche"])
_scalars = st.one_of(st.none(), st.booleans(), st.integers(-3, 10**20), st.text(max_size=10),
                     st.sampled_from(["CN", "HK", "CSRC", "cn-offshore-abs", "2026-01-01", "toll-revenue", "CNH",
                                      "senior", "1.5", "0x" + "ab" * 32, "quarterly"]))
_values = st.recursive(_scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                         st.dictionaries(_keys, inner, max_size=6)), max_leaves=25)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(_keys, _values, max_size=8))
def test_random_structures_only_ever_raise_config_error(doc):
    try:
        parse_spec(yaml.safe_dump(doc))
    except ConfigError:
        pass


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_mutated_example_only_ever_raises_config_error(data):
    doc = example()
    section = data.draw(st.sampled_from(sorted(doc)))
    target = doc[section]
    if isinstance(target, dict) and target:
        target[data.draw(st.sampled_from(sorted(target)))] = data.draw(_values)
    elif isinstance(target, list) and target and isinstance(target[0], dict):
        item = target[data.draw(st.integers(0, len(target) - 1))]
        item[data.draw(st.sampled_from(sorted(item)))] = data.draw(_values)
    else:
        doc[section] = data.draw(_values)
    try:
        spec_from_dict(doc)
    except ConfigError:
        pass


def test_max_balance_that_overflows_the_rule_engine_is_refused():
    doc = example()
    doc["tokens"][1]["decimals"] = 18
    doc["rules"]["overrides"]["max_balance"] = "99999999999"
    assert "rules.overrides.max_balance" in refused(doc) and "2^96" in refused(doc)


def test_a_coupon_rate_the_waterfall_cannot_pay_per_period_is_refused_when_the_spec_is_read():
    """450 bps a year paid quarterly is 112.5 bps a period: refused at plan/deploy, not later at `waterfall init`."""
    doc = example()
    doc["tokens"][0]["interest_rate_bps"] = 450
    doc["coupon_schedule"]["frequency"] = "quarterly"
    assert ("tokens[0].interest_rate_bps: 450 bps a year is not a whole number of bps per quarterly period: the "
            "waterfall needs a multiple of 4 (e.g. 448 or 452)") in refused(doc)
    doc["tokens"][0]["interest_rate_bps"] = 452
    assert spec_from_dict(doc).tokens[0].interest_rate_bps == 452


# --- modules -------------------------------------------------------------------------------------------
def test_the_examples_modules_are_dvp_senior_collateral_and_the_filings_proceeds():
    modules = load_spec(EXAMPLE).modules
    assert modules.dvp and modules.dvp_fee_recipient is None
    assert modules.collateral == {"HSTOLLA": []}
    assert modules.proceeds.asset == "USDC" and sum(modules.proceeds.purposes.values()) == Decimal("92000000")
    assert not modules.redemption and not modules.waterfall


def test_a_spec_without_modules_has_none():
    doc = example()
    del doc["modules"]
    assert not spec_from_dict(doc).modules


def test_module_shorthands_and_defaults():
    doc = example()
    doc["modules"] = {"dvp": True, "collateral": True, "redemption": ["HSTOLLJ"], "waterfall": True,
                      "proceeds": {"asset": "HKDR", "purposes": {"capex": "1.5"},
                                   "treasurer": "0x70997970c51812dc3a010c7d01b50e0d17dc79c8"}}
    modules = spec_from_dict(doc).modules
    assert set(modules.collateral) == {"HSTOLLA", "HSTOLLJ"}
    # the token's face value, the first payment token and the maturity date
    r = modules.redemption["HSTOLLJ"]
    assert (r.face_value, r.payment, str(r.start)) == (Decimal("100"), "USDC", "2031-03-31")
    assert modules.proceeds.treasurer == "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
    doc["modules"] = {"dvp": {}, "collateral": {"HSTOLLA": {"lenders": ["0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"]}},
                      "redemption": {"HSTOLLA": {"face_value": "101.5", "payment": "HKDR", "start": "2030-01-01"}}}
    modules = spec_from_dict(doc).modules
    assert modules.dvp and modules.collateral["HSTOLLA"] == ["0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"]
    assert modules.redemption["HSTOLLA"].payment == "HKDR" and modules.redemption["HSTOLLA"].face_value == Decimal("101.5")


@pytest.mark.parametrize("modules, message", [
    ({"collateral": ["HSTOLLX"]}, "modules.collateral: HSTOLLX is not a token of this offering (it has HSTOLLA, HSTOLLJ)"),
    ({"collateral": ["HSTOLLA", "HSTOLLA"]}, "modules.collateral: HSTOLLA is listed twice"),
    ({"redemption": {"NOPE": {}}}, "modules.redemption: NOPE is not a token"),
    ({"proceeds": {"asset": "EURC", "purposes": {"a": "1"}}},
     "modules.proceeds.asset: EURC is not a payment token of this offering (USDC, HKDR)"),
    ({"proceeds": {"asset": "USDC"}}, "modules.proceeds.purposes: required"),
    ({"proceeds": {"asset": "USDC", "purposes": {"capex": "0"}}}, "modules.proceeds.purposes.capex: must be greater"),
    ({"proceeds": {"asset": "USDC", "purposes": {"capex": "1e6"}}}, "modules.proceeds.purposes.capex: must be a"),
    ({"proceeds": {"asset": "USDC", "purposes": {"capex": "0.0000001"}}}, "modules.proceeds.purposes.capex"),
    ({"proceeds": {"asset": "USDC", "purposes": {"x" * 33: "1"}}}, "1 to 32 printable ASCII characters"),
    ({"proceeds": {"asset": "USDC", "purposes": {}}}, "modules.proceeds.purposes: must map each purpose"),
    ({"dvp": {"fee_recipient": "0x123"}}, "modules.dvp.fee_recipient: must be an address"),
    ({"dvp": {"fee": 10}}, "modules.dvp.fee: unknown key"),
    ({"collateral": {"HSTOLLA": {"lenders": ["0x3c44cdddb6a900fa2b585dd299e03d12fa4293bC"]}}},
     "modules.collateral.HSTOLLA.lenders[0]: 0x3c44cdddb6a900fa2b585dd299e03d12fa4293bC has a bad checksum"),
    ({"redemption": {"HSTOLLA": {"payment": "EURC"}}}, "modules.redemption.HSTOLLA.payment: EURC is not a payment"),
    ({"waterfall": "yes"}, "modules.waterfall: must be true or false"),
    ({"bridge": True}, "modules.bridge: unknown key"),
])
def test_module_mistakes_name_the_field(modules, message):
    doc = example()
    doc["modules"] = modules
    assert message in refused(doc)


def test_a_redemption_needs_a_face_value_and_a_waterfall_its_section():
    doc = example()
    del doc["tokens"][0]["face_value"]
    doc["modules"] = {"redemption": ["HSTOLLA"]}
    assert "modules.redemption.HSTOLLA.face_value: required (or set tokens[0].face_value)" in refused(doc)
    doc = example()
    del doc["waterfall"]
    doc["modules"] = {"waterfall": True}
    assert "modules.waterfall: needs the waterfall section" in refused(doc)


def test_an_approval_document_belongs_to_an_approved_payment_token():
    doc = example()
    doc["payment_tokens"][1]["approval_document"] = "hkma-approval"
    assert "payment_tokens[1].approval_document: names the approval of a token that is not approved" in refused(doc)
    doc["payment_tokens"][1]["approved"] = True
    assert spec_from_dict(doc).payment_tokens[1].approval_document == "hkma-approval"
