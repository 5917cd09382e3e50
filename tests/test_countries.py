"""ISO 3166-1 country parsing: one spelling-tolerant parser for every input, strict about unknown codes."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rwa_token.primitives.countries import (
    BY_NUMERIC,
    COUNTRIES,
    country_alpha2,
    country_alpha3,
    country_label,
    country_name,
    parse_country,
)
from rwa_token.primitives.errors import ConfigError


def test_table_has_all_249_assigned_codes_without_duplicates():
    assert len(COUNTRIES) == 249
    assert len({c.alpha2 for c in COUNTRIES}) == 249
    assert len({c.alpha3 for c in COUNTRIES}) == 249
    assert len({c.numeric for c in COUNTRIES}) == 249


@pytest.mark.parametrize("value", ["HK", "hk", " Hk ", "HKG", "hkg", 344, "344"])
def test_hong_kong_accepted_in_every_spelling(value):
    assert parse_country(value) == 344


def test_mainland_hong_kong_macao_taiwan_are_separate_codes():
    assert parse_country("CN") == 156
    assert {parse_country(c) for c in ("CN", "HK", "MO", "TW")} == {156, 344, 446, 158}


def test_leading_zero_numeric_codes_parse():
    assert parse_country("016") == 16
    assert country_alpha2(16) == "AS"


@pytest.mark.parametrize("value", ["XX", "ZZZ", 999, "999", "", "Hong Kong", 0, "UK"])
def test_unknown_country_raises_config_error_naming_the_value(value):
    with pytest.raises(ConfigError) as err:
        parse_country(value, field="investors.csv: line 4: country")
    assert repr(value) in str(err.value)
    assert "line 4: country" in str(err.value)


def test_uk_suggests_gb():
    with pytest.raises(ConfigError, match="did you mean GB"):
        parse_country("UK")


def test_yaml_false_from_unquoted_norway_is_explained():
    with pytest.raises(ConfigError, match="quote it"):
        parse_country(False)
    assert parse_country("NO") == 578


def test_lookups_by_numeric_code():
    assert country_alpha2(344) == "HK"
    assert country_alpha3(446) == "MAC"
    assert country_name(158) == "Taiwan"
    assert country_label(156) == "Mainland China (CN)"
    assert country_label(344) == "Hong Kong (HK)"


def test_lookup_of_unknown_numeric_raises_config_error():
    with pytest.raises(ConfigError, match="12345"):
        country_name(12345)


def test_every_code_round_trips_through_all_spellings():
    for c in COUNTRIES:
        assert parse_country(c.alpha2.lower()) == c.numeric
        assert parse_country(c.alpha3) == c.numeric
        assert parse_country(str(c.numeric)) == c.numeric
        assert BY_NUMERIC[c.numeric] is c


@given(st.one_of(st.text(max_size=8), st.integers(), st.none(), st.booleans(), st.floats(), st.binary(max_size=4)))
def test_random_input_returns_a_known_code_or_raises_config_error(value):
    try:
        code = parse_country(value)
    except ConfigError:
        return
    assert code in BY_NUMERIC
