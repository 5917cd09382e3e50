"""A token's rule set as it is on chain, read back into the same `RuleConfig` the policy packs compile to, so
`rwa policy explain` describes what the contract enforces, not what a file intended."""
from __future__ import annotations

from ..contracts.token import SecurityToken
from ..inputs.policy import CountryRule, RuleConfig, empty_config
from ..primitives.countries import COUNTRIES
from ..primitives.units import from_units


def read_rules(token: SecurityToken) -> RuleConfig:
    config = empty_config()
    for rule in token.country_rule_many([c.numeric for c in COUNTRIES]):
        if rule.allowed or rule.blocked or rule.required_categories or rule.max_investors:
            config.countries[rule.country] = CountryRule(rule.country, rule.allowed, rule.blocked,
                                                         rule.required_categories, rule.max_investors)
    limits = token.limits()
    config.allowlist_mode = token.allowlist_mode()
    config.max_investors = limits.max_investors
    config.min_balance = from_units(limits.min_balance, token.decimals)
    config.max_balance = from_units(limits.max_balance, token.decimals) if limits.max_balance else None
    config.lockup_seconds = limits.default_lockup
    config.require_filing_document = token.requires_filing_document()
    if token.trading_halted():
        config.warnings.append("trading is halted: transfers are refused until the compliance officer lifts the halt")
    hook = token.compliance_hook()
    if int(hook, 16):
        config.warnings.append(f"an external compliance hook at {hook} is consulted on every transfer")
    return config
