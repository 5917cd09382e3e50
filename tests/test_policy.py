"""Policy packs: what each built-in pack encodes, how packs merge, what overrides may do, and pack validation."""
from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rwa_token.inputs.policy import (
    builtin_pack_names,
    compile_packs,
    compile_policies,
    eligibility,
    explain,
    load_pack,
    load_yaml,
    packs_markdown,
    parse_pack,
)
from rwa_token.primitives.categories import ACCREDITED, INSTITUTIONAL, PROFESSIONAL, RETAIL
from rwa_token.primitives.errors import ConfigError

CN, HK, SG, US, GB = 156, 344, 702, 840, 826
US_TERRITORIES = {630, 316, 850, 16, 580, 581}
DAY = 86_400

CUSTOM_PACK = """
pack: test-pack
title: A pack written by a user
summary: Blocks North Korea and caps holders.
sources:
  own: {short: "Issuer policy", cite: "Issuer's compliance manual, section 3"}
rules:
  - block: [KP]
    because: North Korean residents cannot hold this token.
    source: own
  - max_investors: 50
    because: At most 50 holders.
    source: own
"""


def pack_text(rules: str, name: str = "p") -> str:
    return (f"pack: {name}\ntitle: t\nsummary: s\nsources:\n  src: {{short: S, cite: C}}\nrules:\n{rules}")


# --- what the built-in packs encode ---------------------------------------------------------------------
def test_all_six_packs_ship_and_parse():
    assert set(builtin_pack_names()) >= {"cn-offshore-abs", "hk-vatp-professional", "hk-vatp-retail",
                                         "us-reg-s", "us-reg-d", "sg-accredited"}
    for name in builtin_pack_names():
        assert load_pack(name).name == name


def test_cn_offshore_abs_refuses_mainland_residents():
    config = compile_policies(["cn-offshore-abs"])
    assert config.countries[CN].blocked
    assert not config.countries[CN].allowed


def test_cn_offshore_abs_leaves_hong_kong_macao_taiwan_alone():
    config = compile_policies(["cn-offshore-abs"])
    assert not {344, 446, 158} & set(config.countries)


def test_cn_offshore_abs_requires_filing_document_before_mint():
    assert compile_policies(["cn-offshore-abs"]).require_filing_document


def test_cn_offshore_abs_refuses_rmb_pegged_payment_tokens():
    config = compile_policies(["cn-offshore-abs"])
    assert config.refused_currencies == {"CNY", "CNH"}
    assert config.refusing_packs("CNH") == ["cn-offshore-abs"]


def test_cn_offshore_abs_routes_filings_csrc_for_abs_and_ndrc_for_debt():
    config = compile_policies(["cn-offshore-abs"])
    assert config.filing_routes == {"abs": {"CSRC"}, "equity": {"CSRC"}, "debt": {"NDRC"}}
    assert config.proceeds_regulators == {"SAFE"}


def test_cn_offshore_abs_cites_the_source_articles():
    pack = load_pack("cn-offshore-abs")
    cites = " ".join(s.cite for s in pack.sources.values())
    assert "Liang Yu" in cites and "February 2026" in cites
    assert "Permissive RWA/Tokenization Hub in 2026" in cites


def test_hk_vatp_professional_requires_professional_or_institutional():
    rule = compile_policies(["hk-vatp-professional"]).countries[HK]
    assert rule.required_categories == PROFESSIONAL | INSTITUTIONAL
    assert rule.allowed and not rule.blocked


def test_hk_vatp_retail_admits_retail_investors():
    rule = compile_policies(["hk-vatp-retail"]).countries[HK]
    assert rule.required_categories & RETAIL


def test_hk_vatp_retail_suitability_flag_through_override():
    config = compile_policies(["hk-vatp-retail"], {"countries": {"HK": {"required": ["professional", "institutional",
                                                                                     "flag:8"]}}})
    assert config.countries[HK].required_categories == PROFESSIONAL | INSTITUTIONAL | (1 << 8)


def test_us_reg_s_refuses_us_persons_including_territories():
    config = compile_policies(["us-reg-s"])
    blocked = {code for code, rule in config.countries.items() if rule.blocked}
    assert blocked == {US} | US_TERRITORIES


def test_us_reg_s_locks_every_mint_for_40_days():
    assert compile_policies(["us-reg-s"]).lockup_seconds == 40 * DAY


def test_us_reg_d_requires_accredited_us_investors_one_year_lockup_and_holder_cap():
    config = compile_policies(["us-reg-d"])
    assert config.countries[US].required_categories == ACCREDITED
    assert config.lockup_seconds == 365 * DAY
    assert config.max_investors == 1999


def test_us_reg_d_holder_cap_is_configurable_downwards():
    assert compile_policies(["us-reg-d"], {"max_investors": 300}).max_investors == 300
    config = compile_policies(["us-reg-d"], {"countries": {"US": {"max_investors": 299}}})
    assert config.countries[US].max_investors == 299


def test_sg_accredited_requires_accredited_or_institutional():
    assert compile_policies(["sg-accredited"]).countries[SG].required_categories == ACCREDITED | INSTITUTIONAL


# --- merging --------------------------------------------------------------------------------------------
def test_block_wins_over_another_packs_requirement():
    config = compile_policies(["us-reg-d", "us-reg-s"])
    assert config.countries[US].blocked and not config.countries[US].allowed
    assert any("us-reg-d" in w for w in config.warnings)


def test_required_categories_of_two_packs_are_intersected():
    config = compile_policies(["hk-vatp-retail", "hk-vatp-professional"])
    assert config.countries[HK].required_categories == PROFESSIONAL | INSTITUTIONAL


def test_disjoint_category_requirements_are_an_error_naming_both_packs():
    a = parse_pack(pack_text("  - require: {countries: [HK], categories: [retail]}\n    because: b\n    source: src\n",
                             "pack-a"), "a.yaml")
    b = parse_pack(pack_text("  - require: {countries: [HK], categories: [institutional]}\n    because: b\n"
                             "    source: src\n", "pack-b"), "b.yaml")
    with pytest.raises(ConfigError) as err:
        compile_packs([a, b])
    assert "pack-a" in str(err.value) and "pack-b" in str(err.value) and "HK" in str(err.value)


def test_strictest_limits_win():
    config = compile_policies(["us-reg-s", "us-reg-d"])
    assert config.lockup_seconds == 365 * DAY
    assert "us-reg-d" in " ".join(explain(config))
    lockup_line = next(line for line in explain(config) if "locked" in line)
    assert "us-reg-s" not in lockup_line  # the looser 40 days is not credited


def test_pack_order_does_not_change_the_rules():
    names = ["cn-offshore-abs", "hk-vatp-professional", "us-reg-s", "sg-accredited"]
    a, b = compile_policies(names), compile_policies(list(reversed(names)))
    for attr in ("allowlist_mode", "countries", "max_investors", "min_balance", "max_balance", "lockup_seconds",
                 "require_filing_document", "refused_currencies", "filing_routes"):
        assert getattr(a, attr) == getattr(b, attr)


def test_same_pack_twice_is_an_error():
    with pytest.raises(ConfigError, match="listed twice"):
        compile_policies(["us-reg-s", "us-reg-s"])


def test_unknown_pack_name_lists_the_built_in_ones():
    with pytest.raises(ConfigError, match="us-reg-s"):
        compile_policies(["us-reg-x"])


def test_user_pack_from_a_file_path(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text(CUSTOM_PACK)
    config = compile_policies(["cn-offshore-abs", str(path)])
    assert config.countries[408].blocked
    assert config.max_investors == 50
    assert any("[test-pack: Issuer policy]" in line for line in explain(config))


# --- overrides ------------------------------------------------------------------------------------------
def test_overrides_may_not_loosen_a_pack():
    with pytest.raises(ConfigError, match="lockup_days.*us-reg-s"):
        compile_policies(["us-reg-s"], {"lockup_days": 10}, where="rules.overrides")
    with pytest.raises(ConfigError, match="rules.overrides.max_investors"):
        compile_policies(["us-reg-d"], {"max_investors": 5000}, where="rules.overrides")


def test_overrides_cannot_unblock_a_country():
    with pytest.raises(ConfigError, match=r"countries\.CN\.blocked.*cn-offshore-abs"):
        compile_policies(["cn-offshore-abs"], {"countries": {"CN": {"blocked": False}}})
    with pytest.raises(ConfigError, match=r"allowlist\[0\].*cn-offshore-abs"):
        compile_policies(["cn-offshore-abs"], {"allowlist": ["CN"]})


def test_override_cannot_widen_required_categories():
    with pytest.raises(ConfigError, match="retail.*hk-vatp-professional"):
        compile_policies(["hk-vatp-professional"], {"countries": {"HK": {"required": ["retail"]}}})


def test_allowlist_override_turns_on_allowlist_mode():
    config = compile_policies(["hk-vatp-professional"], {"allowlist": ["HK", "SG", "GB"]})
    assert config.allowlist_mode
    assert {c for c, r in config.countries.items() if r.allowed} == {HK, SG, GB}


def test_balance_overrides_and_min_above_max_is_an_error():
    config = compile_policies([], {"min_balance": "100", "max_balance": "1000000"})
    assert config.min_balance == Decimal(100) and config.max_balance == Decimal(1000000)
    with pytest.raises(ConfigError, match="minimum balance"):
        compile_policies([], {"min_balance": "100", "max_balance": "10"})


def test_unknown_override_key_names_its_path():
    with pytest.raises(ConfigError, match=r"rules\.overrides\.lockup: unknown key"):
        compile_policies([], {"lockup": 3}, where="rules.overrides")
    with pytest.raises(ConfigError, match=r"rules\.overrides\.countries\.HK\.require: unknown key"):
        compile_policies([], {"countries": {"HK": {"require": ["retail"]}}}, where="rules.overrides")


# --- explain --------------------------------------------------------------------------------------------
def test_explain_names_mainland_china_and_the_source():
    lines = explain(compile_policies(["cn-offshore-abs"]))
    assert any(line.startswith("Mainland China (CN) residents cannot hold this token [cn-offshore-abs: CSRC")
               or line.startswith("Mainland China (CN) residents cannot hold this token [cn-offshore-abs:")
               for line in lines)


def test_explain_reports_approved_currency():
    config = compile_policies(["cn-offshore-abs"], approved_currencies=["CNH"])
    assert any("CNH are accepted" in line for line in explain(config))


def test_every_note_carries_its_pack_and_source():
    config = compile_policies(builtin_pack_names()[:1] + ["us-reg-s"])
    assert config.notes and all(note.endswith("]") and "[" in note for note in config.notes)


def test_markdown_reference_covers_every_pack():
    text = packs_markdown()
    for name in builtin_pack_names():
        assert f"`{name}`" in text


# --- pack schema ----------------------------------------------------------------------------------------
def test_pack_with_unknown_rule_key_names_the_field():
    text = pack_text("  - blok: [CN]\n    because: b\n    source: src\n")
    with pytest.raises(ConfigError, match=r"my\.yaml: rules\[0\]\.blok: unknown key \(line 7\)"):
        parse_pack(text, "my.yaml")


def test_pack_rule_needs_exactly_one_action():
    text = pack_text("  - block: [CN]\n    allow: [HK]\n    because: b\n    source: src\n")
    with pytest.raises(ConfigError, match=r"rules\[0\]: each rule needs exactly one"):
        parse_pack(text, "my.yaml")


def test_pack_rule_source_must_be_declared():
    with pytest.raises(ConfigError, match=r"rules\[0\]\.source: 'nope'"):
        parse_pack(pack_text("  - block: [CN]\n    because: b\n    source: nope\n"), "my.yaml")


def test_pack_unknown_country_names_the_field():
    with pytest.raises(ConfigError, match=r"rules\[0\]\.block\[1\]: unknown country 'XX'"):
        parse_pack(pack_text("  - block: [CN, XX]\n    because: b\n    source: src\n"), "my.yaml")


def test_pack_bad_currency_names_the_field():
    with pytest.raises(ConfigError, match=r"rules\[0\]\.refuse_currencies\[0\]"):
        parse_pack(pack_text("  - refuse_currencies: [rmb]\n    because: b\n    source: src\n"), "my.yaml")


def test_malformed_pack_yaml_reports_the_line():
    with pytest.raises(ConfigError, match=r"bad\.yaml: line 2"):
        parse_pack("pack: x\n  title: [\n", "bad.yaml")


def test_duplicate_key_is_an_error():
    with pytest.raises(ConfigError, match="appears twice"):
        load_yaml("a: 1\na: 2\n", "dup.yaml")


def test_yaml_keeps_norway_hex_and_dates_as_text():
    doc = load_yaml("c: NO\nh: 0xdeadbeef\nd: 2026-02-06\nn: 016\nx: 1.10\n", "t.yaml")
    assert doc == {"c": "NO", "h": "0xdeadbeef", "d": "2026-02-06", "n": 16, "x": "1.10"}


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_random_pack_text_only_ever_raises_config_error(text):
    try:
        parse_pack(text, "junk.yaml")
    except ConfigError:
        pass


_yaml_scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 10**6), st.text(max_size=12),
                          st.sampled_from(["CN", "HK", "retail", "flag:8", "CNH", "src", "true", "0x12"]))
_yaml_values = st.recursive(_yaml_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(
        ["pack", "title", "summary", "sources", "rules", "block", "require", "countries", "categories", "because",
         "source", "short", "cite", "max", "lockup_days", "route_filings", "abs", "min_balance"]), inner, max_size=5)),
    max_leaves=20)


@settings(max_examples=300, deadline=None)
@given(_yaml_values)
def test_random_pack_structures_only_ever_raise_config_error(doc):
    import yaml

    try:
        parse_pack(yaml.safe_dump(doc), "junk.yaml")
    except ConfigError:
        pass


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(["max_investors", "min_balance", "max_balance", "lockup_days", "allowlist",
                                        "countries", "other"]), _yaml_values, max_size=4))
def test_random_overrides_only_ever_raise_config_error(overrides):
    try:
        compile_policies(["hk-vatp-professional", "us-reg-s"], overrides)
    except ConfigError:
        pass


def test_policy_packs_reference_page_is_up_to_date():
    from pathlib import Path

    page = Path(__file__).resolve().parent.parent / "docs" / "policy-packs.md"
    assert page.read_text() == packs_markdown(), "regenerate: python -m rwa_token.inputs.policy --markdown > docs/policy-packs.md"


# --- eligibility preview --------------------------------------------------------------------------------
def test_eligibility_preview_follows_rule_engine_order():
    from rwa_token.primitives.errors import REASON_CODES

    name = lambda code: REASON_CODES[code]["name"] if code else "SUCCESS"  # noqa: E731
    config = compile_policies(["cn-offshore-abs", "hk-vatp-professional", "us-reg-s"], {"allowlist": ["HK", "GB"]})
    assert name(eligibility(config, CN, PROFESSIONAL)) == "COUNTRY_BLOCKED"
    assert name(eligibility(config, US, ACCREDITED)) == "COUNTRY_BLOCKED"
    assert name(eligibility(config, SG, ACCREDITED)) == "COUNTRY_NOT_ALLOWED"
    assert name(eligibility(config, HK, RETAIL)) == "CATEGORY_NOT_ALLOWED"
    assert eligibility(config, HK, PROFESSIONAL) == 0
    assert eligibility(config, GB, RETAIL) == 0
