"""The investor list a transfer agent hands over as CSV, checked row by row before onboarding.

A bad row must not stop the other 199 investors from being onboarded, nor be onboarded wrongly, so
`parse_investors_csv` returns the good rows and, separately, each refused row with its line number and the
reason, for the issuer to fix and resubmit. Only problems that make the whole file unreadable (no header,
a required column missing from the header, an unknown column) raise ConfigError.

Columns: `wallet,investor_id,country,category,kyc_expiry[,name_ref]`
  wallet       an address; all-lowercase hex is accepted, mixed case must carry a valid EIP-55 checksum
               (a wrong checksum is the usual sign of a mistyped address, so it is refused, not repaired)
  investor_id  the transfer agent's stable reference ("INV-00017"); never personal data. The SDK salts and
               hashes it before it goes on chain. Two rows with one investor_id are two wallets of one
               investor and must agree on country and category
  country      ISO 3166-1 ("HK", "HKG" or 344)
  category     retail, professional, accredited, institutional or flag:8..flag:31, several joined with "|"
  kyc_expiry   the last day the KYC check is valid, "2027-06-30" (valid through 23:59:59 UTC that day),
               an ISO date-time with a zone, or unix seconds
  name_ref     optional pointer to the off-chain KYC file; never sent on chain
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from eth_utils import is_checksum_address, to_checksum_address

from ..primitives.categories import describe_categories, parse_categories
from ..primitives.countries import country_alpha2, parse_country
from ..primitives.errors import ConfigError

REQUIRED_COLUMNS = ("wallet", "investor_id", "country", "category", "kyc_expiry")
OPTIONAL_COLUMNS = ("name_ref",)
MAX_KYC_EXPIRY = 2**40 - 1  # the registry stores the expiry as uint40
_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")
_INVESTOR_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@dataclass(frozen=True)
class InvestorRow:
    """One accepted row: what the registry needs for one wallet (the investor ref is hashed later)."""

    wallet: str  # checksummed
    investor_ref: str
    country: int  # ISO 3166-1 numeric
    categories: int  # bitmask, see rwa_token.primitives.categories
    kyc_expiry: int  # unix seconds; the KYC check is valid up to and including this second
    line: int
    name_ref: str = ""

    def kyc_expired(self, now: int) -> bool:
        return self.kyc_expiry < now


@dataclass(frozen=True)
class RefusedRow:
    line: int
    reason: str
    raw: tuple[str, ...]  # the row as read, to show next to the reason


@dataclass
class InvestorFile:
    rows: list[InvestorRow]
    refused: list[RefusedRow]
    source: str = ""
    columns: tuple[str, ...] = field(default_factory=tuple)

    def by_investor(self) -> dict[str, list[InvestorRow]]:
        """Accepted rows grouped by investor reference (an investor may have several wallets)."""
        groups: dict[str, list[InvestorRow]] = {}
        for row in self.rows:
            groups.setdefault(row.investor_ref, []).append(row)
        return groups

    def expired(self, now: int) -> list[InvestorRow]:
        """Rows whose KYC has lapsed at `now` (unix seconds): valid data, but the registry will refuse them."""
        return [row for row in self.rows if row.kyc_expired(now)]


def load_investors_csv(path: str | Path) -> InvestorFile:
    """Read and check an investor CSV file; see the module docstring for the columns."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(f"investor file {str(path)!r} not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"investor file {str(path)!r} cannot be read: {exc}") from None
    return parse_investors_csv(text, Path(path).name, source=str(path))


def parse_investors_csv(text: str, name: str = "investors.csv", source: str = "") -> InvestorFile:
    """Check CSV text: accepted rows plus refused rows with line numbers and reasons."""
    if not isinstance(text, str):
        raise ConfigError(f"{name}: expected CSV text, got {type(text).__name__}")
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    try:
        header, header_line = _header(reader)
    except csv.Error as exc:
        raise ConfigError(f"{name}: line {reader.line_num}: unreadable CSV: {exc}") from None
    if header is None:
        raise ConfigError(f"{name}: empty file; the first line must name the columns: "
                          f"{','.join(REQUIRED_COLUMNS + OPTIONAL_COLUMNS)}")
    _check_header(header, name, header_line)
    result = InvestorFile([], [], source or name, tuple(header))
    wallets: dict[str, int] = {}
    investors: dict[str, InvestorRow] = {}
    while True:
        try:
            raw = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise ConfigError(f"{name}: line {reader.line_num}: unreadable CSV: {exc}") from None
        line = reader.line_num
        if not raw or all(not cell.strip() for cell in raw) or raw[0].lstrip().startswith("#"):
            continue
        try:
            row = _row(raw, header, line)
            first = wallets.get(row.wallet.lower())
            if first is not None:
                raise _Refused(f"duplicate wallet {row.wallet}, already on line {first}")
            earlier = investors.get(row.investor_ref)
            if earlier is not None and (earlier.country, earlier.categories) != (row.country, row.categories):
                raise _Refused(
                    f"investor {row.investor_ref} is {_who(earlier)} on line {earlier.line} but {_who(row)} here; "
                    "all wallets of one investor share country and category")
        except _Refused as refusal:
            result.refused.append(RefusedRow(line, str(refusal), tuple(raw)))
            continue
        wallets[row.wallet.lower()] = line
        investors.setdefault(row.investor_ref, row)
        result.rows.append(row)
    return result


def _who(row: InvestorRow) -> str:
    return f"{country_alpha2(row.country)} {describe_categories(row.categories)}"


class _Refused(Exception):
    """A row-level problem: the row is reported and skipped, the file goes on."""


def _header(reader) -> tuple[list[str] | None, int]:
    for raw in reader:
        if not raw or all(not cell.strip() for cell in raw) or raw[0].lstrip().startswith("#"):
            continue
        return [cell.strip().lower() for cell in raw], reader.line_num
    return None, 0


def _check_header(header: list[str], name: str, line: int) -> None:
    known = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
    for column in header:
        if column not in known:
            raise ConfigError(f"{name}: line {line}: unknown column {column!r}; columns are {', '.join(known)}")
    for column in REQUIRED_COLUMNS:
        if column not in header:
            raise ConfigError(f"{name}: line {line}: missing column {column!r}; required columns are "
                              f"{', '.join(REQUIRED_COLUMNS)}")
    seen = set()
    for column in header:
        if column in seen:
            raise ConfigError(f"{name}: line {line}: column {column!r} appears twice")
        seen.add(column)


def _row(raw: list[str], header: list[str], line: int) -> InvestorRow:
    if len(raw) < len(header):
        missing = [column for column in header[len(raw):] if column in REQUIRED_COLUMNS]
        if missing:
            raise _Refused(f"missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)}")
        raw = raw + [""] * (len(header) - len(raw))  # only optional trailing columns were left out
    if len(raw) > len(header):
        raise _Refused(f"{len(raw)} values but {len(header)} columns (an unquoted comma?)")
    cells = {column: value.strip() for column, value in zip(header, raw)}
    for column in REQUIRED_COLUMNS:
        if not cells[column]:
            raise _Refused(f"{column} is empty")
    return InvestorRow(
        wallet=_wallet(cells["wallet"]),
        investor_ref=_investor_ref(cells["investor_id"]),
        country=_country(cells["country"]),
        categories=_categories(cells["category"]),
        kyc_expiry=_expiry(cells["kyc_expiry"]),
        line=line,
        name_ref=cells.get("name_ref", ""),
    )


def _wallet(value: str) -> str:
    if not _ADDRESS.fullmatch(value):
        raise _Refused(f"wallet {value!r} is not an address (0x + 40 hex digits)")
    body = value[2:]
    # All-lowercase (or all-uppercase) hex carries no checksum and is accepted; mixed case is a checksum claim.
    if body != body.lower() and body != body.upper() and not is_checksum_address(value):
        raise _Refused(f"wallet {value} has a bad checksum (a mistyped address?)")
    return to_checksum_address(value.lower())


def _investor_ref(value: str) -> str:
    if not _INVESTOR_ID.fullmatch(value):
        raise _Refused(f"investor_id {value!r} must be 1-64 letters, digits or . _ : / - (a reference, not a name)")
    return value


def _country(value: str) -> int:
    try:
        return parse_country(value)
    except ConfigError:
        raise _Refused(f"unknown country {value!r}") from None


def _categories(value: str) -> int:
    try:
        mask = parse_categories(value)
    except ConfigError as exc:
        raise _Refused(str(exc)) from None
    if mask == 0:
        raise _Refused("category is empty")
    return mask


def _expiry(value: str) -> int:
    try:
        return parse_kyc_expiry(value)
    except ConfigError as exc:
        raise _Refused(str(exc)) from None


def parse_kyc_expiry(value: str) -> int:
    """"2027-06-30" -> the last second of that day (UTC); ISO date-times need a zone; digits are unix seconds."""
    text = str(value).strip()
    try:
        if text.isascii() and text.isdigit():
            seconds = int(text)
        elif _DATE.fullmatch(text):
            day = dt.date.fromisoformat(text)
            end = dt.datetime(day.year, day.month, day.day, 23, 59, 59, tzinfo=dt.timezone.utc)
            seconds = int(end.timestamp())
        elif "T" in text:
            moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
            if moment.tzinfo is None:
                raise ConfigError(f"bad date {value!r}: a date-time needs a zone, e.g. 2027-06-30T12:00:00Z")
            seconds = int(moment.timestamp())
        else:
            raise ValueError(text)
    except (ValueError, OverflowError, OSError):
        raise ConfigError(f"bad date {value!r}: use YYYY-MM-DD (the last valid day) or unix seconds") from None
    if not 0 < seconds <= MAX_KYC_EXPIRY:
        raise ConfigError(f"bad date {value!r}: outside the range the registry can store")
    return seconds


def format_kyc_expiry(seconds: int) -> str:
    """The inverse of `parse_kyc_expiry`: "2027-06-30" for the last second of a UTC day (how the CSV gives dates),
    otherwise the exact moment, "2027-06-30T12:00:00Z"."""
    moment = dt.datetime.fromtimestamp(int(seconds), dt.timezone.utc)
    if (moment.hour, moment.minute, moment.second) == (23, 59, 59):
        return moment.date().isoformat()
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
