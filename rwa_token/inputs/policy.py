"""Jurisdiction policy packs: regulatory rules shipped as data, composed into one rule configuration.

A pack is a YAML file (built-in ones live in `rwa_token/data/policies/`, users may pass a path to their own)
listing rules, each with the plain-words reason and the source it comes from. Several packs compose into one
`RuleConfig`, which the SDK writes into the on-chain rule engine in one pass. Keeping the rules as data,
with their sources beside them, lets a compliance officer read and review them without reading Python,
and lets `rwa policy explain` say where every restriction of a token comes from.

Merge rule (commutative: the order of the packs never changes the result, only the order of notes):
  * a country blocked by any pack is blocked, and a block beats any allow or requirement from another pack;
  * a country is allowed (for allowlist mode) when some pack allows it or sets categories for it, and
    no pack blocks it; allowlist mode is on when any pack turns it on;
  * required categories mean "the investor holds ANY of these bits" (as the rule engine checks them).
    When two packs both constrain a country, the masks are intersected: an investor passing the
    intersection passes every pack. If the intersection is empty, no investor of that country could
    satisfy both packs, and compiling fails naming both packs (block the country instead, or drop a pack);
  * caps and limits take the strictest value: the smallest non-zero investor cap (global and per
    country), the largest minimum balance, the smallest maximum balance, the longest lockup;
  * a filing-document requirement from any pack applies; refused payment currencies are the union;
  * filing routes (structure -> regulator) are intersected per structure, like categories.

Overrides (from the offering spec's `rules.overrides`) are applied after the merge and may only tighten:
a lower cap, a higher minimum, a lower maximum, a longer lockup, more blocks, an allowlist. For one
country's required categories an override replaces the merged mask, but it may keep only standard
categories the packs admit and may add issuer flags (flag:8..flag:31, e.g. a suitability-assessed flag).
To loosen a pack, write your own pack: that way the looser rule carries its own source.
"""
from __future__ import annotations

import argparse
import functools
import re
import sys
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Iterable

import yaml

from ..primitives.categories import FIRST_CUSTOM_BIT, describe_categories, parse_categories
from ..primitives.constants import SECONDS_PER_DAY
from ..primitives.countries import country_alpha2, country_label, parse_country
from ..primitives.errors import ConfigError
from ..primitives.units import UINT96_MAX

POLICY_DIR = Path(__file__).resolve().parent.parent / "data" / "policies"
UINT32_MAX = 2**32 - 1
MAX_TOKEN_UNITS = Decimal(10) ** 28  # sanity bound on whole units; spec.py checks the uint96 fit per token
STRUCTURES = ("abs", "equity", "debt")
REGULATORS = ("CSRC", "NDRC", "SFC", "SEC", "MAS", "other")
PROCEEDS_REGULATORS = ("SAFE",)
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_PACK_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


# ---------------------------------------------------------------------------------------------------------
# Data model
# ---------------------------------------------------------------------------------------------------------
@dataclass
class CountryRule:
    """What the rule engine stores for one country (ISO 3166-1 numeric)."""

    country: int
    allowed: bool = False
    blocked: bool = False
    required_categories: int = 0  # investor must hold ANY of these bits; 0 = no requirement
    max_investors: int = 0  # 0 = no cap


@dataclass
class RuleConfig:
    """The compiled rule set of one token: what the SDK writes into the rule engine, plus its reasons."""

    allowlist_mode: bool
    countries: dict[int, CountryRule]
    max_investors: int
    min_balance: Decimal
    max_balance: Decimal | None
    lockup_seconds: int
    require_filing_document: bool
    refused_currencies: set[str]
    approved_currencies: set[str]
    notes: list[str]
    packs: list[str] = field(default_factory=list)
    # Structure ("abs", "equity", "debt") -> regulators with which the filing may be made.
    filing_routes: dict[str, set[str]] = field(default_factory=dict)
    # Authorities governing the repatriation of offering proceeds (metadata for reports and explain).
    proceeds_regulators: set[str] = field(default_factory=set)
    # Which pack (and source) set each effective rule, keyed like "country:156:blocked", "lockup".
    sources: dict[str, list[str]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def refusing_packs(self, currency: str) -> list[str]:
        """Names of the packs that refuse payment tokens in `currency` (empty if none does)."""
        return [tag.split(":", 1)[0] for tag in self.sources.get(f"currency:{currency}", [])]


def empty_config() -> RuleConfig:
    """A rule set with no restriction at all: the identity element of the merge."""
    return RuleConfig(
        allowlist_mode=False, countries={}, max_investors=0, min_balance=Decimal(0), max_balance=None,
        lockup_seconds=0, require_filing_document=False, refused_currencies=set(), approved_currencies=set(),
        notes=[],
    )


# ---------------------------------------------------------------------------------------------------------
# YAML reading and field validation (shared with spec.py)
# ---------------------------------------------------------------------------------------------------------
class YamlMap(dict):
    """A mapping read from YAML that remembers the line of each key, so errors can point at it."""

    line: int = 0
    key_lines: dict

    def line_of(self, key: Any) -> str:
        lines = getattr(self, "key_lines", {})
        return f" (line {lines[key]})" if key in lines else ""


class _StrictLoader(yaml.SafeLoader):
    """YAML without the YAML 1.1 surprises that corrupt financial data.

    Unquoted `NO` (Norway) stays a string instead of becoming false, `0x...` hashes and addresses stay
    strings instead of becoming integers, `1:30` is not 90, `2026-03-31` stays a string (dates are parsed
    by the field that wants one, with its name in the error), numbers with a fraction stay strings so they
    become exact Decimals, `016` is sixteen, and a key given twice is an error rather than a silent overwrite.
    """


_StrictLoader.yaml_implicit_resolvers = {}
_StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))
_StrictLoader.add_implicit_resolver("tag:yaml.org,2002:int", re.compile(r"^[-+]?[0-9]+$"), list("-+0123456789"))
_StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""])


def _construct_int(loader: yaml.SafeLoader, node: yaml.Node) -> int:
    text = str(loader.construct_scalar(node)).strip()
    if not re.fullmatch(r"[-+]?[0-9]{1,40}", text):
        raise yaml.constructor.ConstructorError(None, None, f"{text!r} is not a decimal integer", node.start_mark)
    return int(text, 10)


def _construct_map(loader: yaml.SafeLoader, node: yaml.MappingNode):
    data = YamlMap()
    data.line = node.start_mark.line + 1
    data.key_lines = {}
    yield data
    loader.flatten_mapping(node)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(
                "while reading a mapping", node.start_mark, "a key must be a plain value", key_node.start_mark) from None
        if key in data:
            raise yaml.constructor.ConstructorError(
                "while reading a mapping", node.start_mark, f"key {key!r} appears twice", key_node.start_mark)
        data[key] = loader.construct_object(value_node, deep=True)
        data.key_lines[key] = key_node.start_mark.line + 1


_StrictLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)
_StrictLoader.add_constructor("tag:yaml.org,2002:map", _construct_map)
for _tag in ("float", "timestamp", "binary", "set", "omap", "pairs"):
    # Explicit tags for types we never want (`!!float 1.1` would be inexact): read them as plain text.
    _StrictLoader.add_constructor(f"tag:yaml.org,2002:{_tag}", lambda loader, node: str(node.value))


def load_yaml(text: str, name: str) -> Any:
    """Parse YAML text; syntax errors become ConfigError with `name`, line and column."""
    try:
        return yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - _StrictLoader is a restricted SafeLoader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = exc.problem or exc.context or "malformed YAML"
        raise ConfigError(f"{name}: {where}{problem}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{name}: malformed YAML: {exc}") from None
    except (RecursionError, ValueError, TypeError, OverflowError) as exc:
        raise ConfigError(f"{name}: unreadable YAML: {exc}") from None


def read_text(path: str | Path, what: str) -> str:
    """A file's text, with a ConfigError naming the file when it is missing or not UTF-8."""
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{what} {str(path)!r} not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{what} {str(path)!r} cannot be read: {exc}") from None


def expect_map(value: Any, path: str, allowed: Iterable[str], required: Iterable[str] = ()) -> YamlMap | dict:
    """`value` must be a mapping whose keys are among `allowed` and include all of `required`."""
    if not isinstance(value, dict):
        raise ConfigError(f"{path}: must be a mapping (key: value lines), got {_show(value)}")
    allowed = tuple(allowed)
    for key in value:
        if key not in allowed:
            where = value.line_of(key) if isinstance(value, YamlMap) else ""
            raise ConfigError(f"{_join(path, key)}: unknown key{where}; allowed here: {', '.join(allowed)}")
    for key in required:
        if key not in value or value[key] is None:
            raise ConfigError(f"{_join(path, key)}: required")
    return value


def expect_list(value: Any, path: str, *, min_items: int = 0) -> list:
    if not isinstance(value, list):
        raise ConfigError(f"{path}: must be a list, got {_show(value)}")
    if len(value) < min_items:
        raise ConfigError(f"{path}: needs at least {min_items} item{'s' if min_items != 1 else ''}")
    return value


def expect_str(value: Any, path: str, *, pattern: re.Pattern | None = None, hint: str = "") -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ConfigError(f"{path}: must be text, got {_show(value)}")
    text = str(value).strip()
    if not text:
        raise ConfigError(f"{path}: must not be empty")
    if pattern is not None and not pattern.fullmatch(text):
        raise ConfigError(f"{path}: {hint or 'malformed'}, got {_show(value)}")
    return text


def expect_int(value: Any, path: str, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise ConfigError(f"{path}: must be an integer {lo}..{hi}, got {_show(value)}")
    return value


def expect_bool(value: Any, path: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{path}: must be true or false, got {_show(value)}")
    return value


def expect_decimal(value: Any, path: str, *, positive: bool = False, places: int | None = None) -> Decimal:
    """An exact, finite, non-negative decimal (strings or integers; floats are refused as inexact)."""
    if isinstance(value, bool) or isinstance(value, float):
        raise ConfigError(f"{path}: write amounts as decimal strings like \"1000.50\", got {_show(value)}")
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, (int, str)):
        text = str(value).strip().replace("_", "")
        if not re.fullmatch(r"[0-9]+(\.[0-9]+)?", text):
            raise ConfigError(f"{path}: must be a non-negative decimal number like \"1000.50\", got {_show(value)}")
        try:
            number = Decimal(text)
        except InvalidOperation:  # pragma: no cover - the pattern already rules this out
            raise ConfigError(f"{path}: not a number: {_show(value)}") from None
    else:
        raise ConfigError(f"{path}: must be a decimal number, got {_show(value)}")
    if not number.is_finite() or number < 0:
        raise ConfigError(f"{path}: must be a finite non-negative number, got {_show(value)}")
    if number >= MAX_TOKEN_UNITS:
        raise ConfigError(f"{path}: {number} is too large (limit 10^28 whole units)")
    if positive and number == 0:
        raise ConfigError(f"{path}: must be greater than zero")
    if places is not None and -number.normalize().as_tuple().exponent > places:
        raise ConfigError(f"{path}: {number} has more decimal places than the token's {places}")
    return number


def _show(value: Any) -> str:
    if isinstance(value, str):
        return f'"{value}"' if len(value) <= 60 else f'"{value[:57]}..."'
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _join(path: str, key: Any) -> str:
    return f"{path}.{key}" if path else str(key)


# ---------------------------------------------------------------------------------------------------------
# Packs
# ---------------------------------------------------------------------------------------------------------
_RULE_KINDS = (
    "block", "allow", "allowlist_mode", "require", "max_investors", "country_max_investors", "lockup_days",
    "min_balance", "max_balance", "require_filing_document", "refuse_currencies", "route_filings",
    "proceeds_regulator",
)
_PACK_KEYS = ("pack", "title", "summary", "sources", "rules")


@dataclass
class Source:
    key: str
    short: str  # the tag shown after each rule: "[pack: short]"
    cite: str  # full citation: document, section, and the context file where it comes from


@dataclass
class PackRule:
    kind: str
    value: Any  # normalised: country codes as ints, categories as a bitmask, amounts as Decimal
    because: str
    source: Source


@dataclass
class Pack:
    """One parsed, validated policy pack."""

    name: str
    title: str
    summary: str
    sources: dict[str, Source]
    rules: list[PackRule]
    origin: str  # "built-in" or the file path

    def tag(self, rule: PackRule) -> str:
        return f"{self.name}: {rule.source.short}"


def builtin_pack_names() -> list[str]:
    """Names of the packs shipped with the SDK."""
    return sorted(p.stem for p in POLICY_DIR.glob("*.yaml"))


def load_pack(name_or_path: str) -> Pack:
    """A built-in pack by name ("us-reg-s") or a user pack by file path ("./my-pack.yaml")."""
    if not isinstance(name_or_path, str) or not name_or_path.strip():
        raise ConfigError(f"policy pack must be a name or a file path, got {_show(name_or_path)}")
    ref = name_or_path.strip()
    if _PACK_NAME.fullmatch(ref) and not ref.endswith((".yaml", ".yml")):
        path = POLICY_DIR / f"{ref}.yaml"
        if not path.is_file():
            known = ", ".join(builtin_pack_names())
            raise ConfigError(f"unknown policy pack {ref!r}; built-in packs: {known} (or give a path to a YAML file)")
        return _builtin_pack(ref)
    return parse_pack(read_text(ref, "policy pack"), ref, origin=ref)


@functools.lru_cache(maxsize=None)
def _builtin_pack(name: str) -> Pack:
    """Built-in packs are read once per process: they are data files that do not change while it runs."""
    pack = parse_pack((POLICY_DIR / f"{name}.yaml").read_text(encoding="utf-8"), f"{name}.yaml", origin="built-in")
    if pack.name != name:
        raise ConfigError(f"{name}.yaml: pack: must be {name!r} (the file name), got {pack.name!r}")
    return pack


def parse_pack(text: str, name: str, origin: str = "") -> Pack:
    """Parse and validate a pack's YAML text; every error names the file and the field."""
    doc = load_yaml(text, name)
    try:
        return _pack_from_doc(doc, origin or name)
    except ConfigError as exc:
        raise ConfigError(f"{name}: {exc}") from None


_SOURCE_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")


def _pack_from_doc(doc: Any, origin: str) -> Pack:
    if doc is None:
        raise ConfigError("empty policy pack; it needs pack, title, summary, sources and rules")
    if not isinstance(doc, dict):
        raise ConfigError(f"a policy pack must be a mapping with {', '.join(_PACK_KEYS)}, got {_show(doc)}")
    expect_map(doc, "", _PACK_KEYS, required=_PACK_KEYS)
    pack_name = expect_str(doc["pack"], "pack", pattern=_PACK_NAME, hint="must be lowercase letters, digits and dashes")
    title = expect_str(doc["title"], "title")
    summary = expect_str(doc["summary"], "summary")
    if not isinstance(doc["sources"], dict) or not doc["sources"]:
        raise ConfigError(f"sources: must map source ids to {{short, cite}}, got {_show(doc['sources'])}")
    sources: dict[str, Source] = {}
    for key, entry in doc["sources"].items():
        path = f"sources.{key}"
        expect_str(key, path, pattern=_SOURCE_ID, hint="source ids are lowercase-with-dashes")
        expect_map(entry, path, ("short", "cite"), required=("short", "cite"))
        sources[str(key)] = Source(str(key), expect_str(entry["short"], f"{path}.short"),
                                   expect_str(entry["cite"], f"{path}.cite"))
    rules = [_parse_rule(item, f"rules[{i}]", sources)
             for i, item in enumerate(expect_list(doc["rules"], "rules", min_items=1))]
    return Pack(pack_name, title, summary, sources, rules, origin)


def _parse_rule(item: Any, path: str, sources: dict[str, Source]) -> PackRule:
    expect_map(item, path, (*_RULE_KINDS, "because", "source"), required=("because", "source"))
    kinds = [k for k in item if k in _RULE_KINDS]
    if len(kinds) != 1:
        raise ConfigError(f"{path}: each rule needs exactly one of {', '.join(_RULE_KINDS)}; found "
                          f"{', '.join(kinds) or 'none'}")
    kind = kinds[0]
    source_key = expect_str(item["source"], f"{path}.source")
    if source_key not in sources:
        raise ConfigError(f"{path}.source: {source_key!r} is not listed under sources ({', '.join(sources)})")
    because = expect_str(item["because"], f"{path}.because")
    return PackRule(kind, _parse_rule_value(kind, item[kind], f"{path}.{kind}"), because, sources[source_key])


def _countries(value: Any, path: str) -> list[int]:
    items = expect_list(value, path, min_items=1)
    return [parse_country(v, field=f"{path}[{i}]") for i, v in enumerate(items)]


def _category_mask(value: Any, path: str) -> int:
    try:
        mask = parse_categories(expect_list(value, path, min_items=1))
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    if mask == 0:
        raise ConfigError(f"{path}: names no category")
    return mask


def _parse_rule_value(kind: str, value: Any, path: str) -> Any:
    if kind in ("block", "allow"):
        return _countries(value, path)
    if kind in ("allowlist_mode", "require_filing_document"):
        if value is not True:
            raise ConfigError(f"{path}: can only be true (a pack adds restrictions; leave the rule out instead)")
        return True
    if kind == "require":
        expect_map(value, path, ("countries", "categories"), required=("countries", "categories"))
        return (_countries(value["countries"], f"{path}.countries"),
                _category_mask(value["categories"], f"{path}.categories"))
    if kind == "max_investors":
        return expect_int(value, path, 1, UINT32_MAX)
    if kind == "country_max_investors":
        expect_map(value, path, ("countries", "max"), required=("countries", "max"))
        return (_countries(value["countries"], f"{path}.countries"),
                expect_int(value["max"], f"{path}.max", 1, UINT32_MAX))
    if kind == "lockup_days":
        return expect_int(value, path, 1, UINT32_MAX // SECONDS_PER_DAY)
    if kind in ("min_balance", "max_balance"):
        return expect_decimal(value, path, positive=True)
    if kind == "refuse_currencies":
        items = expect_list(value, path, min_items=1)
        return {parse_currency(v, f"{path}[{i}]") for i, v in enumerate(items)}
    if kind == "route_filings":
        expect_map(value, path, STRUCTURES)
        if not value:
            raise ConfigError(f"{path}: route at least one structure ({', '.join(STRUCTURES)})")
        routes: dict[str, set[str]] = {}
        for structure, regs in value.items():
            regs = regs if isinstance(regs, list) else [regs]
            routes[structure] = {_regulator(r, f"{path}.{structure}") for r in regs}
        return routes
    if kind == "proceeds_regulator":
        text = expect_str(value, path)
        if text not in PROCEEDS_REGULATORS:
            raise ConfigError(f"{path}: must be one of {', '.join(PROCEEDS_REGULATORS)}, got {_show(value)}")
        return text
    raise AssertionError(kind)  # pragma: no cover - _RULE_KINDS and this function list the same kinds


def _regulator(value: Any, path: str) -> str:
    text = expect_str(value, path)
    if text not in REGULATORS:
        raise ConfigError(f"{path}: must be one of {', '.join(REGULATORS)}, got {_show(value)}")
    return text


def parse_currency(value: Any, path: str) -> str:
    """ISO 4217 alphabetic code ("USD"), or "CNH" (offshore renminbi, a market code outside ISO 4217)."""
    text = expect_str(value, path)
    if not _CURRENCY.fullmatch(text):
        raise ConfigError(f"{path}: must be a 3-letter ISO 4217 currency code in capitals like \"USD\" or "
                          f"\"CNH\", got {_show(value)}")
    return text


# ---------------------------------------------------------------------------------------------------------
# Compilation
# ---------------------------------------------------------------------------------------------------------
def compile_policies(names_or_paths: list[str], overrides: dict | None = None, *,
                     approved_currencies: Iterable[str] = (), where: str = "overrides") -> RuleConfig:
    """Merge the named packs (see the module docstring for the rule), then apply the issuer's overrides.

    `approved_currencies` are payment currencies the offering records as approved (e.g. a stablecoin
    issued with the regulator's consent); `where` prefixes override errors ("rules.overrides").
    """
    if not isinstance(names_or_paths, (list, tuple)):
        raise ConfigError(f"policies: must be a list of pack names or paths, got {_show(names_or_paths)}")
    packs: list[Pack] = []
    for i, ref in enumerate(names_or_paths):
        pack = load_pack(ref)
        if any(p.name == pack.name for p in packs):
            raise ConfigError(f"policies[{i}]: pack {pack.name!r} is listed twice")
        packs.append(pack)
    return compile_packs(packs, overrides, approved_currencies=approved_currencies, where=where)


def compile_packs(packs: list[Pack], overrides: dict | None = None, *,
                  approved_currencies: Iterable[str] = (), where: str = "overrides") -> RuleConfig:
    """`compile_policies` for packs already parsed (custom packs built in code, tests)."""
    config = empty_config()
    config.packs = [p.name for p in packs]
    category_owner: dict[int, list[str]] = {}  # country -> packs that set its categories (for error messages)
    for pack in packs:
        for rule in pack.rules:
            _apply(config, pack, rule, category_owner)
    for country, rule in config.countries.items():
        if rule.blocked:
            rule.allowed = False
            if rule.required_categories and country in category_owner:
                config.warnings.append(
                    f"{country_label(country)}: blocked, so the categories required by "
                    f"{', '.join(category_owner[country])} have no effect")
    if overrides:
        _apply_overrides(config, overrides, where)
    config.approved_currencies = set()
    for i, currency in enumerate(approved_currencies):
        config.approved_currencies.add(parse_currency(currency, f"approved_currencies[{i}]"))
    _check_consistency(config, where)
    return config


def _country(config: RuleConfig, code: int) -> CountryRule:
    return config.countries.setdefault(code, CountryRule(code))


def _source(config: RuleConfig, key: str, tag: str) -> None:
    tags = config.sources.setdefault(key, [])
    if tag not in tags:
        tags.append(tag)


def _apply(config: RuleConfig, pack: Pack, rule: PackRule, category_owner: dict[int, list[str]]) -> None:
    tag = pack.tag(rule)
    config.notes.append(f"{rule.because} [{tag}]")
    kind, value = rule.kind, rule.value
    if kind == "block":
        for code in value:
            _country(config, code).blocked = True
            _source(config, f"country:{code}:blocked", tag)
    elif kind == "allow":
        for code in value:
            _country(config, code).allowed = True
            _source(config, f"country:{code}:allowed", tag)
    elif kind == "allowlist_mode":
        config.allowlist_mode = True
        _source(config, "allowlist_mode", tag)
    elif kind == "require":
        _apply_required_categories(config, pack, tag, value, category_owner)
    elif kind in _LIMIT_KINDS:
        _apply_limit(config, kind, value, tag)
    elif kind == "require_filing_document":
        config.require_filing_document = True
        _source(config, "filing_document", tag)
    elif kind == "refuse_currencies":
        for currency in sorted(value):
            config.refused_currencies.add(currency)
            _source(config, f"currency:{currency}", tag)
    elif kind == "route_filings":
        _apply_filing_routes(config, pack, tag, value)
    elif kind == "proceeds_regulator":
        config.proceeds_regulators.add(value)
        _source(config, "proceeds", tag)


def _apply_required_categories(config: RuleConfig, pack: Pack, tag: str, value: Any,
                               category_owner: dict[int, list[str]]) -> None:
    """A pack's required investor categories for some countries: allowed, and the categories every pack so far
    accepts (refused when no category satisfies them all)."""
    countries, mask = value
    for code in countries:
        entry = _country(config, code)
        entry.allowed = True
        if entry.required_categories:
            merged = entry.required_categories & mask
            if merged == 0:
                raise ConfigError(
                    f"policies: {pack.name} requires {describe_categories(mask)} for {country_alpha2(code)} but "
                    f"{', '.join(category_owner[code])} requires {describe_categories(entry.required_categories)}; "
                    "no investor category satisfies both (block the country or drop one pack)")
            entry.required_categories = merged
        else:
            entry.required_categories = mask
        category_owner.setdefault(code, []).append(pack.name)
        _source(config, f"country:{code}:required", tag)


_LIMIT_KINDS = ("max_investors", "country_max_investors", "lockup_days", "min_balance", "max_balance")


def _apply_limit(config: RuleConfig, kind: str, value: Any, tag: str) -> None:
    """A pack's numeric limit: the strictest value any pack sets wins, credited to the pack that set it."""
    if kind == "max_investors":
        before = config.max_investors
        config.max_investors = _tighter_cap(before, value)
        _limit_source(config, "max_investors", tag, before, config.max_investors, value)
    elif kind == "country_max_investors":
        countries, cap = value
        for code in countries:
            entry = _country(config, code)
            before = entry.max_investors
            entry.max_investors = _tighter_cap(before, cap)
            _limit_source(config, f"country:{code}:max_investors", tag, before, entry.max_investors, cap)
    elif kind == "lockup_days":
        before, seconds = config.lockup_seconds, value * SECONDS_PER_DAY
        config.lockup_seconds = max(before, seconds)
        _limit_source(config, "lockup", tag, before, config.lockup_seconds, seconds)
    elif kind == "min_balance":
        before = config.min_balance
        config.min_balance = max(before, value)
        _limit_source(config, "min_balance", tag, before, config.min_balance, value)
    elif kind == "max_balance":
        before = config.max_balance
        config.max_balance = value if before is None else min(before, value)
        _limit_source(config, "max_balance", tag, before, config.max_balance, value)


def _apply_filing_routes(config: RuleConfig, pack: Pack, tag: str, value: Any) -> None:
    """Where each structure's filings go: the regulators every pack agrees on (refused when none)."""
    for structure, regulators in value.items():
        current = config.filing_routes.get(structure)
        merged = set(regulators) if current is None else current & regulators
        if not merged:
            raise ConfigError(f"policies: {pack.name} routes {structure} filings to {', '.join(sorted(regulators))} "
                              f"but another pack routes them to {', '.join(sorted(current or ()))}")
        config.filing_routes[structure] = merged
        _source(config, f"route:{structure}", tag)


def _limit_source(config: RuleConfig, key: str, tag: str, before: Any, after: Any, offered: Any) -> None:
    """Credit a limit to the pack whose value won: the strictest value's source replaces looser ones."""
    if after != offered:
        return  # another pack's stricter value stands
    if before != after:
        config.sources[key] = [tag]
    else:
        _source(config, key, tag)


def _tighter_cap(current: int, new: int) -> int:
    return new if current == 0 else min(current, new)


_OVERRIDE_KEYS = ("max_investors", "min_balance", "max_balance", "lockup_days", "allowlist", "countries")
_COUNTRY_OVERRIDE_KEYS = ("required", "allowed", "blocked", "max_investors")


def _apply_overrides(config: RuleConfig, overrides: Any, where: str) -> None:
    expect_map(overrides, where, _OVERRIDE_KEYS)
    tag = "overrides: the offering spec"

    def packs_of(key: str) -> str:
        return ", ".join(t.split(":", 1)[0] for t in config.sources.get(key, [])) or "a pack"

    _override_limits(config, overrides, where, tag, packs_of)
    if overrides.get("allowlist") is not None:
        path = f"{where}.allowlist"
        for i, value in enumerate(expect_list(overrides["allowlist"], path, min_items=1)):
            code = parse_country(value, field=f"{path}[{i}]")
            entry = _country(config, code)
            if entry.blocked:
                raise ConfigError(f"{path}[{i}]: {country_alpha2(code)} is blocked by "
                                  f"{packs_of(f'country:{code}:blocked')}; it cannot be allowed")
            entry.allowed = True
            _source(config, f"country:{code}:allowed", tag)
        config.allowlist_mode = True
        _source(config, "allowlist_mode", tag)
    if overrides.get("countries") is not None:
        countries = overrides["countries"]
        if not isinstance(countries, dict):
            raise ConfigError(f"{where}.countries: must be a mapping of country code to rule, got {_show(countries)}")
        for key, rule in countries.items():
            _override_country(config, key, rule, f"{where}.countries.{key}", tag, packs_of)


def _override_limits(config: RuleConfig, overrides: dict, where: str, tag: str, packs_of) -> None:
    """The spec's own holder cap, lockup and balance limits: only ever tighter than the packs'."""
    if overrides.get("max_investors") is not None:
        cap = expect_int(overrides["max_investors"], f"{where}.max_investors", 1, UINT32_MAX)
        if config.max_investors and cap > config.max_investors:
            raise ConfigError(f"{where}.max_investors: {cap} is looser than {config.max_investors} set by "
                              f"{packs_of('max_investors')}; overrides may only tighten")
        _limit_source(config, "max_investors", tag, config.max_investors, cap, cap)
        config.max_investors = cap
    if overrides.get("lockup_days") is not None:
        seconds = expect_int(overrides["lockup_days"], f"{where}.lockup_days", 0,
                             UINT32_MAX // SECONDS_PER_DAY) * SECONDS_PER_DAY
        if seconds < config.lockup_seconds:
            raise ConfigError(f"{where}.lockup_days: {seconds // SECONDS_PER_DAY} is shorter than the "
                              f"{config.lockup_seconds // SECONDS_PER_DAY} days set by {packs_of('lockup')}; "
                              "overrides may only tighten")
        _limit_source(config, "lockup", tag, config.lockup_seconds, seconds, seconds)
        config.lockup_seconds = seconds
    if overrides.get("min_balance") is not None:
        amount = expect_decimal(overrides["min_balance"], f"{where}.min_balance")
        if amount < config.min_balance:
            raise ConfigError(f"{where}.min_balance: {amount} is below {config.min_balance} set by "
                              f"{packs_of('min_balance')}; overrides may only tighten")
        _limit_source(config, "min_balance", tag, config.min_balance, amount, amount)
        config.min_balance = amount
    if overrides.get("max_balance") is not None:
        amount = expect_decimal(overrides["max_balance"], f"{where}.max_balance", positive=True)
        if config.max_balance is not None and amount > config.max_balance:
            raise ConfigError(f"{where}.max_balance: {amount} is above {config.max_balance} set by "
                              f"{packs_of('max_balance')}; overrides may only tighten")
        _limit_source(config, "max_balance", tag, config.max_balance, amount, amount)
        config.max_balance = amount


def _override_country(config: RuleConfig, key: Any, rule: Any, path: str, tag: str, packs_of) -> None:
    code = parse_country(key, field=path)
    expect_map(rule, path, _COUNTRY_OVERRIDE_KEYS)
    existing = config.countries.get(code)
    entry = _country(config, code)
    if rule.get("blocked") is not None:
        if not expect_bool(rule["blocked"], f"{path}.blocked") and existing is not None and existing.blocked:
            raise ConfigError(f"{path}.blocked: {country_alpha2(code)} is blocked by "
                              f"{packs_of(f'country:{code}:blocked')}; overrides cannot unblock a country")
        if rule["blocked"]:
            entry.blocked, entry.allowed = True, False
            _source(config, f"country:{code}:blocked", tag)
    if rule.get("allowed") is not None:
        if expect_bool(rule["allowed"], f"{path}.allowed"):
            if entry.blocked:
                raise ConfigError(f"{path}.allowed: {country_alpha2(code)} is blocked by "
                                  f"{packs_of(f'country:{code}:blocked')}; it cannot be allowed")
            entry.allowed = True
            _source(config, f"country:{code}:allowed", tag)
        else:
            entry.allowed = False
    if rule.get("max_investors") is not None:
        cap = expect_int(rule["max_investors"], f"{path}.max_investors", 1, UINT32_MAX)
        if entry.max_investors and cap > entry.max_investors:
            raise ConfigError(f"{path}.max_investors: {cap} is looser than {entry.max_investors} set by "
                              f"{packs_of(f'country:{code}:max_investors')}; overrides may only tighten")
        _limit_source(config, f"country:{code}:max_investors", tag, entry.max_investors, cap, cap)
        entry.max_investors = cap
    if rule.get("required") is not None:
        value = rule["required"]
        try:
            mask = parse_categories(value if isinstance(value, list) else [value])
        except ConfigError as exc:
            raise ConfigError(f"{path}.required: {exc}") from None
        if mask == 0:
            raise ConfigError(f"{path}.required: names no category")
        standard_bits = (1 << FIRST_CUSTOM_BIT) - 1
        if entry.required_categories:
            widened = mask & standard_bits & ~entry.required_categories
            if widened:
                raise ConfigError(
                    f"{path}.required: {describe_categories(widened)} is not admitted for {country_alpha2(code)} by "
                    f"{packs_of(f'country:{code}:required')} (which require {describe_categories(entry.required_categories)}); "
                    "overrides may narrow the categories or add issuer flags (flag:8..flag:31), not widen them")
        entry.required_categories = mask
        entry.allowed = entry.allowed or not entry.blocked
        _source(config, f"country:{code}:required", tag)


def _check_consistency(config: RuleConfig, where: str) -> None:
    if config.max_balance is not None and config.min_balance > config.max_balance:
        raise ConfigError(f"{where}: minimum balance {config.min_balance} exceeds maximum balance {config.max_balance} "
                          f"(from {', '.join(config.sources.get('min_balance', []))} and "
                          f"{', '.join(config.sources.get('max_balance', []))})")
    if config.allowlist_mode and not any(r.allowed for r in config.countries.values()):
        raise ConfigError(f"{where}: allowlist mode is on but no country is allowed, so nobody could hold the token")


def eligibility(config: RuleConfig, country: int, categories: int) -> int:
    """The reason code the rule engine gives a receiver of this country and categories (0 = may hold).

    An off-chain preview of the country and category checks, in the rule engine's order (a block first,
    then the allowlist, then categories), so onboarding can show which investors of a CSV a token would
    refuse before anything is sent. Caps, balances and lockups depend on chain state and are not previewed.
    Codes come from the shared reason-code table (`rwa_token.primitives.errors.REASON_CODES`).
    """
    from ..primitives.errors import REASON_CODES

    codes = {entry["name"]: code for code, entry in REASON_CODES.items()}
    rule = config.countries.get(country)
    if rule is not None and rule.blocked:
        return codes["COUNTRY_BLOCKED"]
    if config.allowlist_mode and (rule is None or not rule.allowed):
        return codes["COUNTRY_NOT_ALLOWED"]
    if rule is not None and rule.required_categories and not categories & rule.required_categories:
        return codes["CATEGORY_NOT_ALLOWED"]
    return 0


# ---------------------------------------------------------------------------------------------------------
# Plain words
# ---------------------------------------------------------------------------------------------------------
def _tags(config: RuleConfig, *keys: str) -> str:
    tags: list[str] = []
    for key in keys:
        for tag in config.sources.get(key, []):
            if tag not in tags:
                tags.append(tag)
    return f" [{'; '.join(tags)}]" if tags else ""


def _category_words(mask: int) -> str:
    names = describe_categories(mask).split("|")
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def _amount(value: Decimal) -> str:
    text = f"{value:,f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def explain(config: RuleConfig) -> list[str]:
    """The effective rules of a compiled configuration in plain words, each with the packs that set it."""
    lines: list[str] = []
    if config.packs:
        lines.append(f"Policy packs: {', '.join(config.packs)}.")
    lines += _explain_countries(config)
    lines += _explain_holding(config)
    lines += _explain_currencies_and_filings(config)
    lines.extend(f"Note: {w}" for w in config.warnings)
    return lines


def _explain_countries(config: RuleConfig) -> list[str]:
    """Per-country rules: refusals first (what an investor most needs to know), then categories and caps."""
    lines: list[str] = []
    ordered = [config.countries[c] for c in sorted(config.countries, key=country_alpha2)]
    for rule in ordered:  # refusals first: they are what an investor most needs to know
        if rule.blocked:
            lines.append(f"{country_label(rule.country)} residents cannot hold this token"
                         f"{_tags(config, f'country:{rule.country}:blocked')}")
    for rule in ordered:
        if not rule.blocked and rule.required_categories:
            lines.append(f"{country_label(rule.country)} residents must be "
                         f"{_category_words(rule.required_categories)} investors"
                         f"{_tags(config, f'country:{rule.country}:required')}")
    for rule in ordered:
        if not rule.blocked and rule.max_investors:
            lines.append(f"At most {rule.max_investors:,} investors resident in {country_label(rule.country)} may "
                         f"hold this token{_tags(config, f'country:{rule.country}:max_investors')}")
    return lines


def _explain_holding(config: RuleConfig) -> list[str]:
    """Who else may hold the token, holder cap, lockup, balance limits and the filing gate on minting."""
    lines: list[str] = []
    if config.allowlist_mode:
        allowed = sorted(country_alpha2(c) for c, r in config.countries.items() if r.allowed and not r.blocked)
        lines.append(f"Only residents of these countries may hold this token: {', '.join(allowed)}"
                     f"{_tags(config, 'allowlist_mode')}")
    else:
        lines.append("Residents of countries not named above may hold this token (no allowlist).")
    if config.max_investors:
        lines.append(f"At most {config.max_investors:,} investors may hold this token at any time"
                     f"{_tags(config, 'max_investors')}")
    if config.lockup_seconds:
        days = config.lockup_seconds / SECONDS_PER_DAY
        span = f"{days:g} days" if days != 1 else "1 day"
        lines.append(f"Tokens from every mint are locked for {span} before they can be transferred"
                     f"{_tags(config, 'lockup')}")
    if config.min_balance:
        lines.append(f"An investor holding this token must hold at least {_amount(config.min_balance)} tokens"
                     f"{_tags(config, 'min_balance')}")
    if config.max_balance is not None:
        lines.append(f"No investor may hold more than {_amount(config.max_balance)} tokens"
                     f"{_tags(config, 'max_balance')}")
    if config.require_filing_document:
        lines.append("No token may be minted before a document named \"filing\" (the regulatory filing) is recorded"
                     f"{_tags(config, 'filing_document')}")
    return lines


def _explain_currencies_and_filings(config: RuleConfig) -> list[str]:
    """Refused payment currencies, filing routes and the supervision of proceeds."""
    lines: list[str] = []
    for currency in sorted(config.refused_currencies):
        if currency in config.approved_currencies:
            lines.append(f"Payment tokens in {currency} are accepted because the offering records their approval"
                         f"{_tags(config, f'currency:{currency}')}")
        else:
            lines.append(f"Payment tokens in {currency} are refused unless the offering records their approval"
                         f"{_tags(config, f'currency:{currency}')}")
    for structure in sorted(config.filing_routes):
        names = " or ".join(sorted(config.filing_routes[structure]))
        lines.append(f"An offering with a{'n' if structure[0] in 'aeiou' else ''} {structure} structure must be "
                     f"filed with {names}{_tags(config, f'route:{structure}')}")
    for regulator in sorted(config.proceeds_regulators):
        lines.append(f"Bringing offering proceeds back onshore is supervised by {regulator}; record how proceeds are "
                     f"used{_tags(config, 'proceeds')}")
    return lines


def pack_markdown(pack: Pack) -> str:
    """One pack as a Markdown section: what it encodes, its rules with reasons, and its sources."""
    config = compile_packs([pack])
    out = [f"## `{pack.name}`: {pack.title}", "", pack.summary.strip(), "", "### Effective rules", ""]
    out += [f"- {line}" for line in explain(config)[1:]]
    out += ["", "### Rules and reasons", ""]
    out += [f"{i}. **{rule.kind}** `{_render_value(rule)}`: {rule.because} *({rule.source.short})*"
            for i, rule in enumerate(pack.rules, 1)]
    out += ["", "### Sources", ""]
    out += [f"- **{s.short}**: {s.cite}" for s in pack.sources.values()]
    return "\n".join(out) + "\n"


def _render_value(rule: PackRule) -> str:
    value = rule.value
    if rule.kind in ("block", "allow"):
        return ", ".join(country_alpha2(c) for c in value)
    if rule.kind == "require":
        return f"{', '.join(country_alpha2(c) for c in value[0])}: {describe_categories(value[1])}"
    if rule.kind == "country_max_investors":
        return f"{', '.join(country_alpha2(c) for c in value[0])}: {value[1]}"
    if rule.kind == "refuse_currencies":
        return ", ".join(sorted(value))
    if rule.kind == "route_filings":
        return "; ".join(f"{k} -> {'/'.join(sorted(v))}" for k, v in value.items())
    return str(value)


def packs_markdown() -> str:
    """The reference page of every built-in pack (docs/policy-packs.md is generated from this)."""
    intro = [
        "# Policy packs",
        "",
        "Generated by `python -m rwa_token.inputs.policy --markdown`; edit the pack files in `rwa_token/data/policies/`,",
        "not this page.",
        "",
        "A policy pack is a YAML file of rules, each with its reason and source. An offering lists packs under",
        "`rules.policies` (built-in names or paths to your own files); they merge into one rule set:",
        "",
        "- a country blocked by any pack is blocked; blocks beat allows and category requirements;",
        "- required categories mean \"the investor holds any of these\"; when two packs constrain the same country",
        "  the sets are intersected (an investor passing the intersection passes both packs); an empty",
        "  intersection is an error naming both packs;",
        "- the strictest limit wins: smallest non-zero investor cap (global and per country), largest minimum",
        "  balance, smallest maximum balance, longest lockup;",
        "- a filing-document requirement from any pack applies; refused payment currencies are the union;",
        "  filing routes are intersected per structure;",
        "- allowlist mode is on when any pack (or the `allowlist` override) turns it on.",
        "",
        "`rules.overrides` in the offering spec may only tighten: a lower cap, a longer lockup, a higher minimum,",
        "a lower maximum, more blocks, an allowlist. For one country's `required` categories an override replaces",
        "the merged set, keeping only standard categories the packs admit, optionally adding issuer flags",
        "(`flag:8`..`flag:31`). To loosen a rule, write your own pack so the looser rule carries its own source.",
        "",
        "## Writing a pack",
        "",
        "```yaml",
        "pack: my-pack                 # lowercase-with-dashes",
        "title: One line",
        "summary: What it encodes and when to use it.",
        "sources:",
        "  my-source: {short: \"Tag shown after each rule\", cite: \"Full citation: document, section\"}",
        "rules:                        # each rule: exactly one action, plus because and source",
        "  - block: [KP, IR]",
        "    because: Residents of sanctioned countries cannot hold this token.",
        "    source: my-source",
        "```",
        "",
        "Actions: `block: [countries]`, `allow: [countries]`, `allowlist_mode: true`,",
        "`require: {countries: [..], categories: [..]}`, `max_investors: N`,",
        "`country_max_investors: {countries: [..], max: N}`, `lockup_days: N`, `min_balance: \"amount\"`,",
        "`max_balance: \"amount\"`, `require_filing_document: true`, `refuse_currencies: [CNY, CNH]`,",
        "`route_filings: {abs: CSRC, equity: CSRC, debt: NDRC}`, `proceeds_regulator: SAFE`.",
        "Countries are ISO 3166-1 codes (`HK`, `HKG` or `344`); categories are `retail`, `professional`,",
        "`accredited`, `institutional` or `flag:8`..`flag:31`.",
        "",
    ]
    return "\n".join(intro) + "\n" + "\n".join(pack_markdown(load_pack(n)) for n in builtin_pack_names())


def main(argv: list[str] | None = None) -> int:
    """`python -m rwa_token.inputs.policy --markdown` or `python -m rwa_token.inputs.policy PACK... [--explain]`."""
    parser = argparse.ArgumentParser(prog="python -m rwa_token.inputs.policy", description=main.__doc__)
    parser.add_argument("packs", nargs="*", help="pack names or YAML paths to compile and explain")
    parser.add_argument("--markdown", action="store_true", help="print the reference of every built-in pack")
    args = parser.parse_args(argv)
    try:
        if args.markdown:
            sys.stdout.write(packs_markdown())
        elif args.packs:
            for line in explain(compile_policies(args.packs)):
                print(line)
        else:
            print("\n".join(builtin_pack_names()))
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
