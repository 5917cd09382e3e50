// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {AgentRole} from "../access/AgentRole.sol";
import {ReasonCodes} from "../compliance/ReasonCodes.sol";
import {InvestorRecord} from "../identity/InvestorRecord.sol";
import {ISecurityTokenAdmin} from "../interfaces/ISecurityToken.sol";
import {Documents} from "./Documents.sol";
import {TokenBase} from "./TokenBase.sol";
import {WalletState} from "./WalletState.sol";

/// @title SecurityTokenAdmin
/// @notice The administration half of a security token: rule configuration, ERC-1643 documents, offering terms,
/// ERC-3643 token information and agent management (T-REX `AgentRole`, ERC-173), ERC-2612 permits with ERC-5267,
/// lockups and the batch forms of freezes. Nothing here runs on a transfer or a payment.
/// @dev Deployed by the SecurityToken implementation's constructor and reached only by delegatecall from the
/// token's fallback, so it reads and writes the token's (clone's) storage: it inherits the token's storage from
/// {TokenBase} and adds its own variables after it. Called directly, it works on its own empty storage, where
/// nobody holds a role: nothing can be changed there.
contract SecurityTokenAdmin is TokenBase, Documents, AgentRole, ISecurityTokenAdmin {
    using InvestorRecord for uint256;
    using WalletState for uint256;

    /// @notice Name of the ERC-1643 document that {setRequireFilingDocument} waits for.
    bytes32 public constant FILING_DOCUMENT = "filing";
    /// @notice ERC-2612 permit type hash.
    bytes32 public constant PERMIT_TYPEHASH =
        keccak256("Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)");
    bytes32 private constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    /// @dev EIP-712 domain version of permits (the domain name is the token's current name).
    string private constant DOMAIN_VERSION = "1";

    /// @dev ABI encoding of the current {Terms}.
    bytes private _termsData;
    address private _onchainID;
    mapping(address owner => uint256 nonce) private _nonces;

    // ================================================================== rule configuration (IRuleEngine)

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
        _setHook(hook);
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


    // ================================================================== ERC-3643 token information

    /// @notice Renames the token (admin). The EIP-712 domain of permits changes with it (EIP712DomainChanged).
    function setName(string calldata name_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (bytes(name_).length == 0) revert EmptyTokenInformation();
        _name = name_;
        _emitTokenInformation();
        emit EIP712DomainChanged();
    }

    /// @notice Changes the token's symbol (admin).
    function setSymbol(string calldata symbol_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (bytes(symbol_).length == 0) revert EmptyTokenInformation();
        _symbol = symbol_;
        _emitTokenInformation();
    }

    /// @notice ERC-3643: the token's ONCHAINID. Here an optional identity contract of the issuer that the token
    /// only records (it reads investor identities from its registry); zero when none is set.
    function onchainID() external view returns (address) {
        return _onchainID;
    }

    /// @notice Records the token's ONCHAINID (admin); zero clears it.
    function setOnchainID(address onchainID_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _onchainID = onchainID_;
        _emitTokenInformation();
    }

    /// @notice ERC-3643's `setCompliance`: binds `compliance_` as the token's external compliance hook
    /// ({IComplianceHook}, the same as `setComplianceHook`), consulted after the built-in rules; zero or the token
    /// itself unbinds it. `compliance()` stays the token, whose `canTransfer` runs the hook too. Admin or
    /// compliance officer.
    function setCompliance(address compliance_) external {
        _checkEitherRole(COMPLIANCE, DEFAULT_ADMIN_ROLE);
        _setHook(compliance_ == address(this) ? address(0) : compliance_);
    }

    /// @notice Points the token at another registry (admin). Investor aggregates are keyed by investor key, so
    /// the new registry must use the same salted investor ids.
    function setIdentityRegistry(address registry) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (registry == address(0)) revert ZeroAddress();
        _state = (_state & ~ADDRESS_MASK) | uint256(uint160(registry));
        emit IdentityRegistryAdded(registry);
    }

    function _emitTokenInformation() private {
        emit UpdatedTokenInformation(_name, _symbol, uint8(_state >> DECIMALS_SHIFT), VERSION, _onchainID);
    }

    // ================================================================== supply and terms

    /// @notice Changes the supply cap (admin); it may not drop below the current supply.
    function setSupplyCap(uint256 supplyCap_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        uint256 sw = _supply;
        if (supplyCap_ > MASK96 || supplyCap_ < sw.balance()) revert InvalidSupplyCap(supplyCap_);
        _supply = (sw & ~(MASK96 << CAP_SHIFT)) | (supplyCap_ << CAP_SHIFT);
        emit SupplyCapSet(supplyCap_);
    }

    /// @notice Records the offering terms (admin).
    function setTerms(Terms calldata newTerms) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _termsData = abi.encode(newTerms);
        emit TermsUpdated(newTerms.identifier, newTerms.filingReference);
    }

    /// @notice The offering terms (empty strings until set).
    function terms() external view returns (Terms memory t) {
        bytes memory data = _termsData;
        if (data.length != 0) t = abi.decode(data, (Terms));
    }

    // ================================================================== ERC-1643 documents

    /// @notice Records or replaces a document (agent or admin). The document named "filing" satisfies
    /// {setRequireFilingDocument}; only the admin or the compliance officer may write it, never the agent that
    /// mints (separation of duties).
    function setDocument(bytes32 name_, string calldata uri, bytes32 documentHash) external {
        _checkDocumentWriter(name_);
        _setDocument(name_, uri, documentHash);
    }

    /// @notice Records the regulator's reference of document `name_` (e.g. the CSRC filing number of the "filing"
    /// document, ASCII left-aligned in 32 bytes), under the same roles as writing that document.
    function setDocumentReference(bytes32 name_, bytes32 ref) external {
        _checkDocumentWriter(name_);
        _setDocumentReference(name_, ref);
    }

    /// @notice The regulator's reference recorded with document `name_` (e.g. a CSRC filing number as ASCII,
    /// left-aligned), or 0.
    function documentReference(bytes32 name_) external view returns (bytes32) {
        return _documentReference(name_);
    }

    /// @notice Removes a document (agent or admin; the "filing" document: admin or compliance).
    function removeDocument(bytes32 name_) external {
        _checkDocumentWriter(name_);
        _removeDocument(name_);
    }

    function _checkDocumentWriter(bytes32 name_) private view {
        if (name_ == FILING_DOCUMENT) _checkEitherRole(COMPLIANCE, DEFAULT_ADMIN_ROLE);
        else _checkEitherRole(AGENT, DEFAULT_ADMIN_ROLE);
    }

    function _afterDocumentChange(bytes32 name_, bool present) internal override {
        if (name_ == FILING_DOCUMENT) _setStateFlag(FILING_RECORDED, present);
    }

    // ================================================================== batch forms of freezes

    /// @notice Batch form of `setAddressFrozen` (agent).
    function batchSetAddressFrozen(address[] calldata accounts, bool[] calldata freeze) external onlyAgent {
        if (accounts.length != freeze.length) revert LengthMismatch();
        for (uint256 i; i < accounts.length; ++i) {
            _setAddressFrozen(accounts[i], freeze[i]);
        }
    }

    /// @notice Batch form of `freezePartialTokens` (agent).
    function batchFreezePartialTokens(address[] calldata accounts, uint256[] calldata amounts) external onlyAgent {
        if (accounts.length != amounts.length) revert LengthMismatch();
        for (uint256 i; i < accounts.length; ++i) {
            _freezePartial(accounts[i], amounts[i]);
        }
    }

    /// @notice Batch form of `unfreezePartialTokens` (agent).
    function batchUnfreezePartialTokens(address[] calldata accounts, uint256[] calldata amounts) external onlyAgent {
        if (accounts.length != amounts.length) revert LengthMismatch();
        for (uint256 i; i < accounts.length; ++i) {
            _unfreezePartial(accounts[i], amounts[i]);
        }
    }

    // ================================================================== lockups

    /// @notice Locks the whole balance of `wallet` until `until` (compliance); 0 removes the wallet lockup.
    function setInvestorLockup(address wallet, uint40 until) external onlyCompliance {
        _wallets[wallet] = _wallets[wallet].withLockedUntil(until);
        emit InvestorLockupSet(wallet, until);
    }

    /// @notice Lockup state of `wallet`: wallet-level lockup end, amount of locked minted lots and their unlock
    /// time (lotLocked is 0 once the lots have unlocked).
    function lockupOf(address wallet)
        external
        view
        returns (uint256 lockedUntil, uint256 lotLocked, uint256 lotUnlock)
    {
        uint256 w = _wallets[wallet];
        lockedUntil = w.lockedUntil();
        lotUnlock = w.lotUnlock();
        if (block.timestamp < lotUnlock) {
            // Agent moves clamp a lot to the balance they leave, so it never exceeds the balance.
            lotLocked = w & WalletState.LOT_ALL != 0 ? w.balance() : _restrictionsOf(wallet, w).locked();
        }
    }

    /// @notice Tokens `wallet` could send now: balance minus frozen minus locked (never below zero).
    function transferableBalanceOf(address wallet) external view returns (uint256) {
        uint256 w = _wallets[wallet];
        uint256 r = _restrictionsOf(wallet, w);
        uint256 bal = w.balance();
        uint256 held = r.frozen() + w.lockedAmount(r, block.timestamp);
        return bal > held ? bal - held : 0;
    }

    // ================================================================== ERC-2612 permits, ERC-5267

    /// @notice ERC-2612: sets `spender`'s allowance over `owner_`'s tokens to `value` with `owner_`'s EIP-712
    /// signature. Refused, as an approval an agent could not undo, when `owner_` is frozen on this token or
    /// sanctioned in the registry (codes 7 and 24) or `spender` is either (code 9).
    function permit(
        address owner_,
        address spender,
        uint256 value,
        uint256 deadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external {
        if (block.timestamp > deadline) revert ERC2612ExpiredSignature(deadline);
        bytes32 structHash = keccak256(abi.encode(PERMIT_TYPEHASH, owner_, spender, value, _nonces[owner_]++, deadline));
        address signer = ECDSA.recover(keccak256(abi.encodePacked("\x19\x01", _domainSeparator(), structHash)), v, r, s);
        if (signer != owner_) revert ERC2612InvalidSigner(signer, owner_);
        uint256 st = _state;
        if (_wallets[owner_] & WalletState.FROZEN != 0) revert TransferRestricted(ReasonCodes.SENDER_FROZEN);
        if (_registryRecord(st, owner_).isFrozen()) revert TransferRestricted(ReasonCodes.SENDER_SANCTIONED);
        if (_wallets[spender] & WalletState.FROZEN != 0 || _registryRecord(st, spender).isFrozen()) {
            revert TransferRestricted(ReasonCodes.SPENDER_NOT_ALLOWED);
        }
        _allowances[owner_][spender] = value;
        emit IERC20.Approval(owner_, spender, value);
    }

    /// @notice ERC-2612: the next permit nonce of `owner_`.
    function nonces(address owner_) external view returns (uint256) {
        return _nonces[owner_];
    }

    /// @notice ERC-2612: the EIP-712 domain separator of permits (name: the token's name, version "1", this
    /// chain, the token's address).
    // solhint-disable-next-line func-name-mixedcase
    function DOMAIN_SEPARATOR() external view returns (bytes32) {
        return _domainSeparator();
    }

    /// @notice ERC-5267: the fields of the permit domain.
    function eip712Domain()
        external
        view
        returns (
            bytes1 fields,
            string memory name_,
            string memory version_,
            uint256 chainId,
            address verifyingContract,
            bytes32 salt,
            uint256[] memory extensions
        )
    {
        return (hex"0f", _name, DOMAIN_VERSION, block.chainid, address(this), bytes32(0), new uint256[](0));
    }

    function _domainSeparator() private view returns (bytes32) {
        return keccak256(
            abi.encode(DOMAIN_TYPEHASH, keccak256(bytes(_name)), keccak256(bytes(DOMAIN_VERSION)), block.chainid, address(this))
        );
    }

    // ================================================================== helpers

    function _setHook(address hook) private {
        _hook = hook;
        _setStateFlag(HAS_HOOK, hook != address(0));
        emit ComplianceHookSet(hook);
    }

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
    function _writeLimits(uint256 l) private {
        _limits = l;
        _setStateFlag(HAS_LIMITS, l != 0);
    }
}
