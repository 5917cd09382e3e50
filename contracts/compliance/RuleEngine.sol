// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Bits} from "../libraries/Bits.sol";
import {OwnedRoles} from "../access/OwnedRoles.sol";
import {ReasonCodes} from "./ReasonCodes.sol";
import {IRuleEngineEvents} from "../interfaces/IRuleEngine.sol";
import {IComplianceHook} from "../interfaces/IComplianceHook.sol";
import {InvestorRecord} from "../identity/InvestorRecord.sol";
import {WalletState} from "../token/WalletState.sol";

/// @title RuleEngine
/// @notice The token's built-in compliance rules, kept in the token's own storage and evaluated in one pass.
/// @dev Inherited by the token (through TokenBase); the rule administration functions are in SecurityTokenAdmin. All rule configuration a transfer needs lives in three packed words: the
/// token state word (flags, counts, snapshot id, registry), the limits word and the receiver's country rule.
/// T-REX calls a module contract per rule; here a transfer reads at most three configuration slots.
abstract contract RuleEngine is IRuleEngineEvents, OwnedRoles {
    using InvestorRecord for uint256;
    using WalletState for uint256;

    /// @dev May edit the rule set and halt trading (getter: COMPLIANCE_ROLE()).
    bytes32 internal constant COMPLIANCE = keccak256("COMPLIANCE_ROLE");

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
    // _limits and _hook are written by the rule administration in SecurityTokenAdmin, which runs in this storage by
    // delegatecall: invisible to Slither from the token's side.
    // slither-disable-next-line uninitialized-state
    uint256 internal _limits;
    mapping(uint16 country => uint256 rule) internal _countryRules;
    // slither-disable-next-line uninitialized-state
    address internal _hook;

    /// @dev Out-of-line role check (keeps the token under the EIP-170 size limit).
    modifier onlyCompliance() {
        _checkCompliance();
        _;
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
    function _senderCode(Party memory p) internal view returns (uint8) {
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
        uint8 code = _countryCode(m.state, rule, toRecord);
        if (code != 0) return code;
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

    /// @dev The receiver's country and category rules (`rule` is the country rule of record `r`): the part of
    /// the receiver-side rules that depends on no amount ({canReceive} uses it too).
    function _countryCode(uint256 s, uint256 rule, uint256 r) internal pure returns (uint8) {
        // A block is the more specific reason, so it is reported even in allowlist mode.
        if (rule & RULE_BLOCKED != 0) return ReasonCodes.COUNTRY_BLOCKED;
        if (s & ALLOWLIST != 0 && rule & RULE_ALLOWED == 0) return ReasonCodes.COUNTRY_NOT_ALLOWED;
        uint256 required = (rule >> RULE_CATEGORIES_SHIFT) & MASK32;
        if (required != 0 && uint256(r.categories()) & required == 0) return ReasonCodes.CATEGORY_NOT_ALLOWED;
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
        // ERC-7943 lets the frozen amount exceed the balance (setFrozenTokens): nothing is free then.
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

    function _checkCompliance() internal view {
        _checkRole(COMPLIANCE);
    }

    function _setStateFlag(uint256 flag, bool on) internal {
        uint256 s = _state;
        _state = on ? s | flag : s & ~flag;
    }
}
