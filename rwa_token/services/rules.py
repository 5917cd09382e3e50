"""A token's rule set as it is on chain, read back into the same `RuleConfig` the policy packs compile to, so
`rwa policy explain` describes what the contract enforces, not what a file intended."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ..chain.tx import Receipt
from ..contracts.token import SecurityToken
from ..inputs.policy import (CountryRule, Pack, RuleConfig, builtin_pack_names, compile_policies, empty_config,
                             load_pack)
from ..inputs.spec import load_spec
from ..primitives.categories import describe_categories
from ..primitives.countries import COUNTRIES, country_alpha2
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


@dataclass(frozen=True)
class RuleChange:
    """One difference between a spec's rules and a token's, and the call that removes it (`send(dry_run)`)."""

    token: str  # symbol
    what: str  # "country CN (156): allowed -> blocked"
    send: Callable[[bool], Receipt | None]


def _country_terms(rule: CountryRule) -> str:
    parts = [name for name, on in (("allowed", rule.allowed), ("blocked", rule.blocked)) if on]
    if rule.required_categories:
        parts.append(f"categories {describe_categories(rule.required_categories)}")
    if rule.max_investors:
        parts.append(f"at most {rule.max_investors} investors")
    return ", ".join(parts) or "no rule"


def rule_changes(token: SecurityToken, symbol: str, desired: RuleConfig) -> list[RuleChange]:
    """What differs between `desired` (a spec's compiled rules) and the rules `token` enforces, in the order they
    are best sent; empty when the chain matches."""
    current = read_rules(token)
    changes: list[RuleChange] = []
    if desired.allowlist_mode != current.allowlist_mode:
        changes.append(RuleChange(symbol, f"allowlist mode: {current.allowlist_mode} -> {desired.allowlist_mode}",
                                  lambda dry, on=desired.allowlist_mode: token.set_allowlist_mode(on, dry_run=dry)))
    for code in sorted(set(desired.countries) | set(current.countries)):
        want, have = desired.countries.get(code, CountryRule(code)), current.countries.get(code, CountryRule(code))
        terms = (want.allowed, want.blocked, want.required_categories, want.max_investors)
        if terms != (have.allowed, have.blocked, have.required_categories, have.max_investors):
            changes.append(RuleChange(
                symbol, f"country {country_alpha2(code)} ({code}): {_country_terms(have)} -> {_country_terms(want)}",
                lambda dry, c=code, t=terms: token.set_country_rule(c, *t, dry_run=dry)))
    want_limits = (desired.max_investors, desired.min_balance, desired.max_balance or 0)
    have_limits = (current.max_investors, current.min_balance, current.max_balance or 0)
    if want_limits != have_limits:
        changes.append(RuleChange(
            symbol, "limits (investors, minimum, maximum holding): "
                    f"{', '.join(map(str, have_limits))} -> {', '.join(map(str, want_limits))}",
            lambda dry, lim=want_limits: token.set_limits(lim[0], lim[1], lim[2], dry_run=dry)))
    if desired.lockup_seconds != current.lockup_seconds:
        changes.append(RuleChange(
            symbol, f"lockup of new mints: {current.lockup_seconds} s -> {desired.lockup_seconds} s",
            lambda dry, sec=desired.lockup_seconds: token.set_default_lockup(sec, dry_run=dry)))
    if desired.require_filing_document != current.require_filing_document:
        changes.append(RuleChange(
            symbol, f"mints wait for the filing document: {current.require_filing_document} -> "
                    f"{desired.require_filing_document}",
            lambda dry, on=desired.require_filing_document: token.set_require_filing_document(on, dry_run=dry)))
    return changes


def plan_rules(tokens: dict[str, SecurityToken], desired: RuleConfig) -> list[RuleChange]:
    """Every token's differences from the spec's rules (each tranche token carries the offering's rule set)."""
    return [change for symbol, token in tokens.items() for change in rule_changes(token, symbol, desired)]
