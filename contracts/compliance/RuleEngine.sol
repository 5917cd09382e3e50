// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Bits} from "../libraries/Bits.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ReasonCodes} from "./ReasonCodes.sol";
import {IRuleEngine} from "../interfaces/IRuleEngine.sol";
import {IComplianceHook} from "../interfaces/IComplianceHook.sol";
import {InvestorRecord} from "../identity/InvestorRecord.sol";
import {WalletState} from "../token/WalletState.sol";

/// @title RuleEngine
/// @notice The token's built-in compliance rules, kept in the token's own storage and evaluated in one pass.
/// @dev Inherited by SecurityToken. All rule configuration a transfer needs lives in three packed words: the
/// token state word (flags, counts, snapshot id, registry), the limits word and the receiver's country rule.
/// T-REX calls a module contract per rule; here a transfer reads at most three configuration slots.
abstract contract RuleEngine is IRuleEngine, AccessControl {
    using InvestorRecord for uint256;
    using WalletState for uint256;

    /// @notice May edit the rule set and halt trading.
    bytes32 public constant COMPLIANCE_ROLE = keccak256("COMPLIANCE_ROLE");

    // ---- token state word `_state` ----
    // [0..159] registry | [160..183] currentSnapshotId | [184..215] investorCount | [216..223] flags
    // [224..231] decimals | [232..255] numberedHolders (holder numbers handed out so far)
    uint256 internal constant SNAPSHOT_ID_SHIFT = 160;
    uint256 internal constant INVESTOR_COUNT_SHIFT = 184;
    uint256 internal constant DECIMALS_SHIFT = 224;
    uint256 internal constant NUMBERED_HOLDERS_SHIFT = 232;
    uint256 internal constant PAUSED = uint256(1) << 216;
    uint256 internal constant HALTED = uint256(2) << 216;
    uint256 internal constant ALLOWLIST = uint256(4) << 216;
    uint256 internal constant HAS_HOOK = uint256(8) << 216;
    uint256 internal constant REQUIRE_FILING = uint256(16) << 216;
    uint256 internal constant FILING_RECORDED = uint256(32) << 216;
    /// @dev Set while `_limits` is non-zero, so a token without limits skips reading that slot.
    uint256 internal constant HAS_LIMITS = uint256(64) << 216;
    uint256 internal constant ADDRESS_MASK = (uint256(1) << 160) - 1;

    // ---- limits word `_limits` ----
    // [0..31] maxInvestors | [32..127] minBalance | [128..223] maxBalance | [224..255] defaultLockup seconds
    uint256 internal constant MIN_BALANCE_SHIFT = 32;
    uint256 internal constant MAX_BALANCE_SHIFT = 128;
    uint256 internal constant DEFAULT_LOCKUP_SHIFT = 224;

    // ---- country rule word ----
    // bit0 allowed | bit1 blocked | [8..39] requiredCategories | [40..71] maxInvestors | [72..103] investorCount
    uint256 internal constant RULE_ALLOWED = 1;
    uint256 internal constant RULE_BLOCKED = 2;
    uint256 internal constant RULE_CATEGORIES_SHIFT = 8;
    uint256 internal constant RULE_MAX_INVESTORS_SHIFT = 40;
    uint256 internal constant RULE_COUNT_SHIFT = 72;
    uint256 internal constant RULE_COUNT_ONE = uint256(1) << RULE_COUNT_SHIFT;
    uint256 internal constant RULE_CONFIG_MASK = (uint256(1) << RULE_COUNT_SHIFT) - 1;

    uint256 internal constant MASK24 = Bits.MASK24;
    uint256 internal constant MASK32 = Bits.MASK32;
    uint256 internal constant MASK40 = Bits.MASK40;
    uint256 internal constant MASK96 = Bits.MASK96;

    uint8 internal constant KIND_TRANSFER = 0;
    uint8 internal constant KIND_MINT = 1;
    uint8 internal constant KIND_FORCED = 2;
    /// @dev A holder's tokens burned for a redemption: the sender-side rules of a transfer, no receiver.
    uint8 internal constant KIND_REDEEM = 3;

    /// @dev One side of a move, as read from storage and the registry before any rule runs.
    struct Party {
        address account;
        uint256 wallet; // packed WalletState word
        uint256 record; // packed InvestorRecord word from the registry
        uint256 restrictions; // restriction word, loaded for senders with HAS_RESTRICTIONS
        uint128 aggregateKey; // investor key when the holding is tracked per investor, else 0
        uint256 holding; // the investor's holding before the move (aggregate or wallet balance)
    }

    /// @dev Everything a rule evaluation needs, read once.
    struct Move {
        uint8 kind;
        uint256 state;
        uint256 limits;
        uint256 toRule;
        uint256 amount;
        uint256 mintRoom; // mints only: supply cap minus total supply
        Party from;
        Party to;
        address spender; // transferFrom only, else zero
        uint256 spenderWallet;
        uint256 spenderRecord;
    }

    uint256 internal _state;
    uint256 internal _limits;
    mapping(uint16 country => uint256 rule) internal _countryRules;
    address internal _hook;

    /// @dev Out-of-line role check (keeps the token under the EIP-170 size limit).
    modifier onlyCompliance() {
        _checkCompliance();
        _;
    }

    // ------------------------------------------------------------------ rule administration

    /// @notice Sets the rule for investors resident in `country` (ISO-3166 numeric).
    /// @param allowed Whether the country is on the allow list (only consulted in allowlist mode).
    /// @param blocked Refuse receivers from this country whatever the mode.
    /// @param requiredCategories Receiver must hold ANY of these category bits; 0 = no requirement.
    /// @param maxInvestors Cap on investors from this country; 0 = no cap. The running count is kept.
    function setCountryRule(uint16 country, bool allowed, bool blocked, uint32 requiredCategories, uint32 maxInvestors)
        external
        onlyCompliance
    {
        _setCountryRule(country, allowed, blocked, requiredCategories, maxInvestors);
    }

    /// @notice Batch form of {setCountryRule}; arrays are matched by index.
    function batchSetCountryRules(
        uint16[] calldata countries,
        bool[] calldata allowed,
        bool[] calldata blocked,
        uint32[] calldata requiredCategories,
        uint32[] calldata maxInvestors
    ) external onlyCompliance {
        uint256 n = countries.length;
        if (
            allowed.length != n || blocked.length != n || requiredCategories.length != n || maxInvestors.length != n
        ) revert LengthMismatch();
        for (uint256 i; i < n; ++i) {
            _setCountryRuleAt(i << 5);
        }
    }

    /// @dev Applies entry `o / 32` of the {batchSetCountryRules} call being executed, read straight from calldata
    /// (less code than five bounds-checked array reads): argument k's offset is the head word at 4 + 32k, its
    /// elements start one word after it. Every array has the batch length (checked) and the ABI decoder has
    /// checked that those words lie inside the calldata. A value that does not fit its ABI type reverts (empty
    /// data) as the decoder would.
    function _setCountryRuleAt(uint256 o) private {
        uint256 country;
        uint256 allowed;
        uint256 blocked;
        uint256 categories;
        uint256 maxInvestors;
        assembly ("memory-safe") {
            country := calldataload(add(add(calldataload(0x04), 0x24), o))
            allowed := calldataload(add(add(calldataload(0x24), 0x24), o))
            blocked := calldataload(add(add(calldataload(0x44), 0x24), o))
            categories := calldataload(add(add(calldataload(0x64), 0x24), o))
            maxInvestors := calldataload(add(add(calldataload(0x84), 0x24), o))
            if or(or(shr(16, country), or(shr(1, allowed), shr(1, blocked))), or(shr(32, categories), shr(32, maxInvestors))) {
                revert(0, 0)
            }
        }
        _setCountryRule(uint16(country), allowed != 0, blocked != 0, uint32(categories), uint32(maxInvestors));
    }

    /// @notice In allowlist mode only receivers from countries marked `allowed` may receive tokens.
    function setAllowlistMode(bool enabled) external onlyCompliance {
        _setStateFlag(ALLOWLIST, enabled);
        emit AllowlistModeSet(enabled);
    }

    /// @notice Sets the global investor cap and the per-investor holding bounds (0 = no limit).
    /// @param maxInvestors Maximum number of investors with a non-zero holding.
    /// @param minBalance Minimum holding of an investor who holds anything (no dust positions).
    /// @param maxBalance Maximum holding of one investor across all of their wallets.
    function setLimits(uint32 maxInvestors, uint256 minBalance, uint256 maxBalance)
        external
        onlyCompliance
    {
        if (minBalance > MASK96 || maxBalance > MASK96 || (maxBalance != 0 && minBalance > maxBalance)) {
            revert InvalidLimits(minBalance, maxBalance);
        }
        uint256 l = _limits;
        l = (l & (MASK32 << DEFAULT_LOCKUP_SHIFT)) | uint256(maxInvestors) | (minBalance << MIN_BALANCE_SHIFT)
            | (maxBalance << MAX_BALANCE_SHIFT);
        _writeLimits(l);
        emit LimitsSet(maxInvestors, minBalance, maxBalance);
    }

    /// @notice Lockup applied to every subsequent mint (e.g. 40 days for Reg S, 365 days for Reg D); 0 = none.
    /// @dev Minted lots share one unlock time per wallet: a new lot extends the unlock of earlier locked lots.
    function setDefaultLockup(uint40 lockupSeconds) external onlyCompliance {
        if (lockupSeconds > MASK32) revert LockupTooLong(lockupSeconds);
        uint256 l = _limits;
        l = (l & ~(MASK32 << DEFAULT_LOCKUP_SHIFT)) | (uint256(lockupSeconds) << DEFAULT_LOCKUP_SHIFT);
        _writeLimits(l);
        emit DefaultLockupSet(lockupSeconds);
    }

    /// @notice Halts (or resumes) investor transfers; agent actions (mint, burn, forced transfer) still work.
    function setTradingHalt(bool halted) external onlyCompliance {
        _setStateFlag(HALTED, halted);
        emit TradingHaltSet(halted);
    }

    /// @notice Sets the optional external rule contract (zero address removes it).
    function setComplianceHook(address hook) external onlyCompliance {
        _hook = hook;
        _setStateFlag(HAS_HOOK, hook != address(0));
        emit ComplianceHookSet(hook);
    }

    /// @notice When set, no mint succeeds until a document named "filing" is recorded (CSRC/NDRC filing).
    function setRequireFilingDocument(bool required) external onlyCompliance {
        _setStateFlag(REQUIRE_FILING, required);
        emit RequireFilingDocumentSet(required);
    }

    // ------------------------------------------------------------------ rule views

    /// @notice The rule and running investor count for `country`.
    function countryRule(uint16 country)
        external
        view
        returns (bool allowed, bool blocked, uint32 requiredCategories, uint32 maxInvestors, uint32 investorCount_)
    {
        uint256 r = _countryRules[country];
        allowed = r & RULE_ALLOWED != 0;
        blocked = r & RULE_BLOCKED != 0;
        requiredCategories = uint32(r >> RULE_CATEGORIES_SHIFT);
        maxInvestors = uint32(r >> RULE_MAX_INVESTORS_SHIFT);
        investorCount_ = uint32(r >> RULE_COUNT_SHIFT);
    }

    /// @notice Global investor cap, holding bounds and default mint lockup.
    function limits()
        external
        view
        returns (uint32 maxInvestors, uint256 minBalance, uint256 maxBalance, uint40 defaultLockup)
    {
        uint256 l = _limits;
        maxInvestors = uint32(l);
        minBalance = (l >> MIN_BALANCE_SHIFT) & MASK96;
        maxBalance = (l >> MAX_BALANCE_SHIFT) & MASK96;
        defaultLockup = uint40(l >> DEFAULT_LOCKUP_SHIFT);
    }

    /// @notice Number of investors (not wallets) with a non-zero holding.
    function investorCount() external view returns (uint256) {
        return (_state >> INVESTOR_COUNT_SHIFT) & MASK32;
    }

    /// @notice Number of investors from `country` with a non-zero holding.
    function countryInvestorCount(uint16 country) external view returns (uint256) {
        return (_countryRules[country] >> RULE_COUNT_SHIFT) & MASK32;
    }

    /// @notice Whether only countries marked allowed may receive.
    function allowlistMode() external view returns (bool) {
        return _state & ALLOWLIST != 0;
    }

    /// @notice Whether investor transfers are halted.
    function tradingHalted() external view returns (bool) {
        return _state & HALTED != 0;
    }

    /// @notice The external rule contract, or zero.
    function complianceHook() external view returns (address) {
        return _hook;
    }

    /// @notice Whether mints wait for a recorded "filing" document.
    function requireFilingDocument() external view returns (bool) {
        return _state & REQUIRE_FILING != 0;
    }

    // ------------------------------------------------------------------ evaluation

    /// @dev Returns the first failing reason code for `m`, or SUCCESS. Rule order: pause, halt, filing,
    /// receiver address, sender, receiver, spender, country blocked, country not allowed, category, caps,
    /// max/min holding, supply cap, balance, sender's remainder, frozen amount, lockup, external hook.
    /// A redemption (KIND_REDEEM) runs exactly the sender-side rules of a transfer: nothing is received.
    function _evaluate(Move memory m) internal view returns (uint8 code) {
        uint256 s = m.state;
        uint8 kind = m.kind;
        bool redeem = kind == KIND_REDEEM;
        if (kind == KIND_TRANSFER || redeem) {
            if (s & PAUSED != 0) return ReasonCodes.TOKEN_PAUSED;
            if (s & HALTED != 0) return ReasonCodes.TRADING_HALTED;
        } else if (kind == KIND_MINT) {
            if (s & REQUIRE_FILING != 0 && s & FILING_RECORDED == 0) return ReasonCodes.FILING_NOT_RECORDED;
        }
        if (!redeem) {
            address to = m.to.account;
            if (to == address(0) || to == address(this)) return ReasonCodes.INVALID_RECEIVER;
        }
        if (kind == KIND_TRANSFER || redeem) {
            code = _senderCode(m.from);
            if (code != 0) return code;
        }
        if (!redeem) {
            code = _receiverCode(m.to.record, kind != KIND_FORCED ? m.to.wallet : 0);
            if (code != 0) return code;
            if (kind == KIND_FORCED) {
                // Agent action: only the receiver's identity and the sender's balance matter (ERC-3643).
                return m.amount > m.from.wallet.balance() ? ReasonCodes.INSUFFICIENT_BALANCE : ReasonCodes.SUCCESS;
            }
            if (m.spender != address(0)) {
                if (m.spenderWallet & WalletState.FROZEN != 0 || m.spenderRecord.isFrozen()) {
                    return ReasonCodes.SPENDER_NOT_ALLOWED;
                }
            }
            code = _eligibilityCode(m);
            if (code != 0) return code;
        }
        if (kind == KIND_MINT) {
            if (m.amount > m.mintRoom) return ReasonCodes.SUPPLY_CAP_EXCEEDED;
        } else {
            code = _senderBalanceCode(m);
            if (code != 0) return code;
        }
        if (s & HAS_HOOK != 0) return _hookCode(m);
        return ReasonCodes.SUCCESS;
    }

    /// @dev Sender must be registered, KYC-valid, not frozen on the token and not sanctioned in the registry.
    function _senderCode(Party memory p) private view returns (uint8) {
        uint256 r = p.record;
        if (!r.isRegistered()) return ReasonCodes.SENDER_NOT_VERIFIED;
        if (!r.kycValid(block.timestamp)) return ReasonCodes.SENDER_KYC_EXPIRED;
        if (p.wallet & WalletState.FROZEN != 0) return ReasonCodes.SENDER_FROZEN;
        if (r.isFrozen()) return ReasonCodes.SENDER_SANCTIONED;
        return ReasonCodes.SUCCESS;
    }

    /// @dev Receiver (registry record `r`) must be registered, KYC-valid and not sanctioned, and its wallet word
    /// must not be frozen on the token (a forced transfer passes 0: it may credit a frozen wallet).
    function _receiverCode(uint256 r, uint256 wallet) internal view returns (uint8) {
        if (!r.isRegistered()) return ReasonCodes.RECEIVER_NOT_VERIFIED;
        if (!r.kycValid(block.timestamp)) return ReasonCodes.RECEIVER_KYC_EXPIRED;
        if (wallet & WalletState.FROZEN != 0) return ReasonCodes.RECEIVER_FROZEN;
        if (r.isFrozen()) return ReasonCodes.RECEIVER_SANCTIONED;
        return ReasonCodes.SUCCESS;
    }

    /// @dev Receiver-side rules: country, category, investor caps, holding bounds.
    function _eligibilityCode(Move memory m) private pure returns (uint8) {
        uint256 rule = m.toRule;
        uint256 toRecord = m.to.record;
        // A block is the more specific reason, so it is reported even in allowlist mode.
        if (rule & RULE_BLOCKED != 0) return ReasonCodes.COUNTRY_BLOCKED;
        if (m.state & ALLOWLIST != 0 && rule & RULE_ALLOWED == 0) return ReasonCodes.COUNTRY_NOT_ALLOWED;
        uint256 required = (rule >> RULE_CATEGORIES_SHIFT) & MASK32;
        if (required != 0 && uint256(toRecord.categories()) & required == 0) {
            return ReasonCodes.CATEGORY_NOT_ALLOWED;
        }
        uint256 amount = m.amount;
        if (amount == 0) return ReasonCodes.SUCCESS;
        uint256 fromRecord = m.from.record;
        bool transfer = m.kind == KIND_TRANSFER;
        // Moving between two wallets of one investor changes neither the investor's holding nor the counts.
        if (transfer && fromRecord.investorKey() == toRecord.investorKey()) return ReasonCodes.SUCCESS;
        uint256 l = m.limits;
        uint256 holding = m.to.holding;
        if (holding == 0) {
            // A sender handing over its whole holding frees its place: the count does not grow.
            bool senderLeaves = transfer && m.from.holding == amount;
            uint256 maxInvestors = l & MASK32;
            if (
                maxInvestors != 0 && !senderLeaves
                    && ((m.state >> INVESTOR_COUNT_SHIFT) & MASK32) >= maxInvestors
            ) return ReasonCodes.MAX_INVESTORS;
            uint256 countryMax = (rule >> RULE_MAX_INVESTORS_SHIFT) & MASK32;
            if (
                countryMax != 0 && !(senderLeaves && fromRecord.country() == toRecord.country())
                    && ((rule >> RULE_COUNT_SHIFT) & MASK32) >= countryMax
            ) return ReasonCodes.MAX_INVESTORS_COUNTRY;
        }
        if (l != 0) {
            uint256 maxBalance = (l >> MAX_BALANCE_SHIFT) & MASK96;
            if (maxBalance != 0 && holding + amount > maxBalance) return ReasonCodes.MAX_BALANCE;
            if (holding + amount < ((l >> MIN_BALANCE_SHIFT) & MASK96)) return ReasonCodes.MIN_BALANCE;
        }
        return ReasonCodes.SUCCESS;
    }

    /// @dev Sender-side amounts: balance, minimum remainder, partial freeze, lockups.
    function _senderBalanceCode(Move memory m) private view returns (uint8) {
        uint256 amount = m.amount;
        uint256 w = m.from.wallet;
        uint256 bal = w.balance();
        if (amount > bal) return ReasonCodes.INSUFFICIENT_BALANCE;
        if (amount == 0) return ReasonCodes.SUCCESS;
        // A redemption shrinks a position towards zero and leaves only what rules hold back (frozen, locked,
        // pledged): the minimum-holding rule, which keeps transfers from splitting off dust, does not apply.
        uint256 minBalance = m.kind == KIND_REDEEM ? 0 : (m.limits >> MIN_BALANCE_SHIFT) & MASK96;
        if (minBalance != 0 && m.from.record.investorKey() != m.to.record.investorKey()) {
            // holding >= bal >= amount, checked above.
            uint256 remainder = m.from.holding - amount;
            if (remainder != 0 && remainder < minBalance) return ReasonCodes.MIN_BALANCE;
        }
        uint256 r = m.from.restrictions;
        uint256 frozen = r.frozen();
        // frozen <= balance is an invariant kept by freeze, burn, forced transfer and recovery.
        uint256 free = bal > frozen ? bal - frozen : 0;
        if (amount > free) return ReasonCodes.TOKENS_FROZEN;
        uint256 locked = w.lockedAmount(r, block.timestamp);
        if (amount > (free > locked ? free - locked : 0)) return ReasonCodes.TOKENS_LOCKED;
        return ReasonCodes.SUCCESS;
    }

    function _hookCode(Move memory m) internal view returns (uint8) {
        try IComplianceHook(_hook).check(address(this), m.from.account, m.to.account, m.amount) returns (uint8 c) {
            return c;
        } catch {
            return ReasonCodes.HOOK_REJECTED;
        }
    }

    // ------------------------------------------------------------------ helpers

    function _setCountryRule(uint16 country, bool allowed, bool blocked, uint32 requiredCategories, uint32 maxInvestors)
        private
    {
        uint256 rule = _countryRules[country] & ~RULE_CONFIG_MASK;
        if (allowed) rule |= RULE_ALLOWED;
        if (blocked) rule |= RULE_BLOCKED;
        rule |= (uint256(requiredCategories) << RULE_CATEGORIES_SHIFT)
            | (uint256(maxInvestors) << RULE_MAX_INVESTORS_SHIFT);
        _countryRules[country] = rule;
        emit CountryRuleSet(country, allowed, blocked, requiredCategories, maxInvestors);
    }

    function _checkCompliance() internal view {
        _checkRole(COMPLIANCE_ROLE);
    }

    function _writeLimits(uint256 l) private {
        _limits = l;
        _setStateFlag(HAS_LIMITS, l != 0);
    }

    function _setStateFlag(uint256 flag, bool on) internal {
        uint256 s = _state;
        _state = on ? s | flag : s & ~flag;
    }
}
