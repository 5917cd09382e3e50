"""A token's rule set as it is on chain, read back into the same `RuleConfig` the policy packs compile to, so
`rwa policy explain` describes what the contract enforces, not what a file intended."""
from __future__ import annotations

from typing import Callable

from ..contracts.token import SecurityToken
from ..inputs.policy import (CountryRule, Pack, RuleConfig, builtin_pack_names, compile_policies, empty_config,
                             load_pack)
from ..inputs.spec import load_spec
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


def builtin_packs() -> list[Pack]:
    return [load_pack(n) for n in builtin_pack_names()]


def rules_of(target: str | None, deployed: Callable[[], SecurityToken]) -> RuleConfig:
    """The rules `target` names: an offering spec (.yaml/.yml), comma-separated pack names, or (None) the deployed
    token's rules read from the chain (`deployed()` opens it only then)."""
    if target and target.endswith((".yaml", ".yml")):
        return load_spec(target).rule_config
    if target:
        return compile_policies([p.strip() for p in target.split(",")])
    return read_rules(deployed())
