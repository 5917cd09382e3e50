// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Initializable} from "@openzeppelin/contracts/proxy/utils/Initializable.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {IERC5267} from "@openzeppelin/contracts/interfaces/IERC5267.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";
import {ReasonCodes} from "../compliance/ReasonCodes.sol";
import {IInvestorRegistry} from "../interfaces/IInvestorRegistry.sol";
import {InvestorRecord} from "../identity/InvestorRecord.sol";
import {IAgentRole} from "../interfaces/IAgentRole.sol";
import {IERC1404} from "../interfaces/IERC1404.sol";
import {IERC1643} from "../interfaces/IERC1643.sol";
import {IERC7943Fungible} from "../interfaces/IERC7943.sol";
import {ISecurityTokenCore} from "../interfaces/ISecurityToken.sol";
import {SecurityTokenAdmin} from "./SecurityTokenAdmin.sol";
import {TokenBase} from "./TokenBase.sol";
import {WalletState} from "./WalletState.sol";

/// @title SecurityToken
/// @notice ERC-20 security token for tokenized receivables, bonds and fund units: ERC-3643 agent powers,
/// built-in one-pass compliance (ERC-1404, ERC-7943), ERC-1643 documents, on-chain terms and cheap record-date
/// snapshots for distributions. {ISecurityToken} is everything the token's address answers.
/// @dev Deployed as EIP-1167 clones of one implementation; all per-token data is set in {initialize}.
/// Two contracts answer at the token's address: this one (everything a transfer, a payment or an agent action
/// runs) and SecurityTokenAdmin (configuration, documents, terms, agent management, permits), which this
/// contract's constructor deploys and its fallback reaches by delegatecall, in this storage. One contract would
/// not fit EIP-170's 24,576 bytes; an administration call pays about 2,700 gas more for the hop, a transfer
/// nothing.
/// Gas layout: a transfer reads the token state word, both wallet words, one registry call (two records), the
/// receiver's country rule and the limits word; it writes the two wallet words and, only when an investor
/// joins or leaves, the counts. Every balance change passes through {_update}, except transfers and mints in the
/// common case, which take the fast path {_fastMove}: its pass conditions are those of {_evaluate} specialised to
/// that case and its writes are those {_update} would make (tests/foundry/FastPathEquivalence.t.sol checks both over
/// random states).
contract SecurityToken is TokenBase, ISecurityTokenCore, Initializable {
    using InvestorRecord for uint256;
    using WalletState for uint256;

    // ---- checkpoint word: [0..31] snapshot id | [32..127] balance before the first change after it ----
    uint256 private constant CHECKPOINT_VALUE_SHIFT = 32;

    /// @dev Record flags a fast-path party must show exactly: REGISTERED, neither FROZEN nor MULTI_WALLET.
    uint256 private constant RECORD_CHECK_MASK =
        InvestorRecord.REGISTERED_BIT | InvestorRecord.FROZEN_BIT | InvestorRecord.MULTI_WALLET_BIT;

    /// @notice Transfer agent: mint, burn, freeze, forced transfer, recovery, pause, snapshots.
    bytes32 public constant AGENT_ROLE = AGENT;
    /// @notice Distribution contracts: may take record-date snapshots.
    bytes32 public constant SNAPSHOT_ROLE = SNAPSHOTTER;
    /// @notice May edit the rule set and halt trading.
    bytes32 public constant COMPLIANCE_ROLE = COMPLIANCE;

    /// @notice The administration module (SecurityTokenAdmin) the fallback delegates to; deployed with this
    /// implementation and shared by all its clones.
    address public immutable adminModule;

    constructor() {
        adminModule = address(new SecurityTokenAdmin());
        _disableInitializers();
    }

    /// @dev Every function this contract does not define is SecurityTokenAdmin's, run on this storage.
    fallback() external {
        address module = adminModule;
        assembly {
            calldatacopy(0, 0, calldatasize())
            let ok := delegatecall(gas(), module, 0, calldatasize(), 0, 0)
            returndatacopy(0, 0, returndatasize())
            if iszero(ok) { revert(0, returndatasize()) }
            return(0, returndatasize())
        }
    }

    /// @notice Sets up a fresh token (clone).
    /// @param name_ ERC-20 name.
    /// @param symbol_ ERC-20 symbol.
    /// @param decimals_ ERC-20 decimals (at most 18).
    /// @param registry The InvestorRegistry holders are checked against.
    /// @param admin Issuer admin: the ERC-173 owner, holding DEFAULT_ADMIN_ROLE; grants AGENT_ROLE,
    /// COMPLIANCE_ROLE and SNAPSHOT_ROLE.
    /// @param supplyCap_ Maximum total supply in base units; 0 means the storage maximum (2^96 - 1).
    function initialize(
        string calldata name_,
        string calldata symbol_,
        uint8 decimals_,
        address registry,
        address admin,
        uint256 supplyCap_
    ) external initializer {
        if (registry == address(0) || admin == address(0)) revert ZeroAddress();
        if (decimals_ > 18) revert InvalidDecimals(decimals_);
        if (supplyCap_ > MASK96) revert InvalidSupplyCap(supplyCap_);
        _name = name_;
        _symbol = symbol_;
        _state = uint256(uint160(registry)) | (uint256(decimals_) << DECIMALS_SHIFT);
        _supply = (supplyCap_ == 0 ? MASK96 : supplyCap_) << CAP_SHIFT;
        _transferOwnership(admin);
        emit UpdatedTokenInformation(name_, symbol_, decimals_, VERSION, address(0));
        emit IdentityRegistryAdded(registry);
        emit ComplianceAdded(address(this));
    }

    // ================================================================== ERC-20

    /// @notice Token name.
    function name() external view returns (string memory) {
        return _name;
    }

    /// @notice Token symbol.
    function symbol() external view returns (string memory) {
        return _symbol;
    }

    /// @notice Decimals set at initialization.
    function decimals() external view returns (uint8) {
        return uint8(_state >> DECIMALS_SHIFT);
    }

    /// @notice Implementation version.
    function version() external pure returns (string memory) {
        return VERSION;
    }

    /// @notice Total tokens in existence.
    function totalSupply() external view returns (uint256) {
        return _supply & MASK96;
    }

    /// @notice Balance of `account` (including frozen and locked tokens).
    function balanceOf(address account) external view returns (uint256) {
        return _wallets[account].balance();
    }

    /// @notice Remaining allowance of `spender` over `owner`'s tokens.
    function allowance(address owner, address spender) external view returns (uint256) {
        return _allowances[owner][spender];
    }

    /// @notice Lets `spender` move up to `amount` of the caller's tokens (still subject to compliance).
    function approve(address spender, uint256 amount) external returns (bool) {
        if (spender == address(0)) revert ERC20InvalidSpender(address(0));
        _allowances[msg.sender][spender] = amount;
        emit Approval(msg.sender, spender, amount);
        return true;
    }

    /// @notice Transfers `amount` to `to`; reverts with {TransferRestricted} if any rule refuses.
    function transfer(address to, uint256 amount) external returns (bool) {
        _transferChecked(address(0), msg.sender, to, amount);
        return true;
    }

    /// @notice Transfers `amount` from `from` to `to` using the caller's allowance. The caller (spender) must
    /// not be frozen on the token or sanctioned in the registry.
    function transferFrom(address from, address to, uint256 amount) external returns (bool) {
        _transferChecked(msg.sender, from, to, amount);
        uint256 allowed = _allowances[from][msg.sender];
        if (allowed != type(uint256).max) {
            if (allowed < amount) revert ERC20InsufficientAllowance(msg.sender, allowed, amount);
            // allowed >= amount checked just above.
            unchecked {
                _allowances[from][msg.sender] = allowed - amount;
            }
        }
        return true;
    }

    /// @notice Transfers to several receivers; each leg is checked and the whole batch reverts on a refusal.
    function batchTransfer(address[] calldata toList, uint256[] calldata amounts) external {
        _batch(toList, amounts, _transferOut);
    }

    // ================================================================== ERC-3643 setup

    /// @notice The investor registry holders are checked against.
    function identityRegistry() external view returns (address) {
        return address(uint160(_state));
    }

    /// @notice The compliance contract: the token itself. Its {canTransfer} runs every rule, including the external
    /// hook bound with `setCompliance` / `setComplianceHook`.
    function compliance() external view returns (address) {
        return address(this);
    }

    /// @notice Maximum total supply in base units.
    function supplyCap() external view returns (uint256) {
        return (_supply >> CAP_SHIFT) & MASK96;
    }

    // ================================================================== agent actions

    /// @notice Mints `amount` to `to` (agent). The receiver must pass every receiver-side rule; the default
    /// lockup, if any, locks the minted lot.
    function mint(address to, uint256 amount) external onlyAgent {
        _mint(to, amount);
    }

    /// @notice Batch form of {mint}.
    function batchMint(address[] calldata toList, uint256[] calldata amounts) external onlyAgent {
        _batch(toList, amounts, _mint);
    }

    /// @notice Burns `amount` of `account`'s tokens (agent); frozen tokens are unfrozen as far as needed.
    function burn(address account, uint256 amount) external onlyAgent {
        _agentBurn(account, amount);
    }

    /// @notice Burns `amount` of `holder`'s tokens for a redemption (agent: the offering's Redemption contract),
    /// under every sender-side rule of a transfer: pause, trading halt, sender verified and neither frozen nor
    /// sanctioned, the partially frozen amount, lockups and the compliance hook (e.g. collateral pledges).
    /// Reverts with {TransferRestricted} and the rule's code.
    function redeemFrom(address holder, uint256 amount) external onlyAgent {
        _burn(holder, amount, KIND_REDEEM);
    }

    /// @notice Batch form of {burn}.
    function batchBurn(address[] calldata accounts, uint256[] calldata amounts) external onlyAgent {
        _batch(accounts, amounts, _agentBurn);
    }

    /// @notice Stops investor transfers (agent); agent actions keep working.
    function pause() external onlyAgent {
        _setStateFlag(PAUSED, true);
        emit Paused(msg.sender);
    }

    /// @notice Resumes investor transfers (agent).
    function unpause() external onlyAgent {
        _setStateFlag(PAUSED, false);
        emit Unpaused(msg.sender);
    }

    /// @notice Whether investor transfers are paused.
    function paused() external view returns (bool) {
        return _state & PAUSED != 0;
    }

    /// @notice Freezes or unfreezes a whole wallet on this token (agent).
    function setAddressFrozen(address account, bool freeze) external onlyAgent {
        _setAddressFrozen(account, freeze);
    }

    /// @notice Freezes `amount` more of `account`'s tokens (agent); frozen tokens cannot be transferred.
    function freezePartialTokens(address account, uint256 amount) external onlyAgent {
        _freezePartial(account, amount);
    }

    /// @notice Unfreezes `amount` of `account`'s frozen tokens (agent).
    function unfreezePartialTokens(address account, uint256 amount) external onlyAgent {
        _unfreezePartial(account, amount);
    }

    /// @notice ERC-7943: sets `account`'s frozen amount to `amount` (agent). Unlike {freezePartialTokens} the amount
    /// may exceed the balance: tokens the wallet receives later stay frozen up to it.
    function setFrozenTokens(address account, uint256 amount) external onlyAgent returns (bool) {
        if (amount > MASK96) revert FrozenAmountTooLarge(amount);
        uint256 w = _wallets[account];
        _writeFrozen(account, w, _restrictionsOf(account, w).frozen(), amount);
        return true;
    }

    /// @notice Frozen amount of `account` (ERC-3643 partial freeze, ERC-7943; may exceed the balance).
    function getFrozenTokens(address account) external view returns (uint256) {
        uint256 w = _wallets[account];
        return w & WalletState.HAS_RESTRICTIONS == 0 ? 0 : _restrictions[account].frozen();
    }

    /// @notice Whether the whole wallet is frozen on this token.
    function isFrozen(address account) external view returns (bool) {
        return _wallets[account] & WalletState.FROZEN != 0;
    }

    /// @notice Moves tokens without the sender-side rules (agent). The receiver must be a verified investor
    /// (ERC-7943's canReceive without the country rules, which bind investors, not the agent); frozen tokens of
    /// the sender are unfrozen as far as needed (Frozen before Transfer), then ForcedTransfer is emitted. A forced
    /// transfer from a wallet to itself changes nothing.
    function forcedTransfer(address from, address to, uint256 amount) external onlyAgent returns (bool) {
        _forcedTransfer(from, to, amount);
        return true;
    }

    /// @notice Batch form of {forcedTransfer}.
    function batchForcedTransfer(address[] calldata fromList, address[] calldata toList, uint256[] calldata amounts)
        external
        onlyAgent
    {
        if (fromList.length != toList.length || toList.length != amounts.length) revert LengthMismatch();
        for (uint256 i; i < fromList.length; ++i) {
            _forcedTransfer(fromList[i], toList[i], amounts[i]);
        }
    }

    /// @notice Moves every token, the frozen amount, lockups and the wallet freeze of a lost wallet to another
    /// wallet of the SAME investor (same investor key in the registry; add it with `addWallet` first), and
    /// retires the lost wallet on this token in the same transaction: it is frozen, so nothing can be minted,
    /// transferred or paid to it. It is frozen rather than removed from the registry because the registry may be
    /// shared by several tokens (each must still recover it) and its record proves to the cash-flow contracts
    /// that the new wallet belongs to the same investor when entitlements are moved. The compliance hook is
    /// asked too: a pledged wallet is refused (code 26) until the lender releases the pledge.
    /// @param investorOnchainID Ignored (ERC-3643 compatibility); echoed in {RecoverySuccess}.
    function recoveryAddress(address lostWallet, address newWallet, address investorOnchainID)
        external
        onlyAgent
        returns (bool)
    {
        _recover(lostWallet, newWallet);
        emit RecoverySuccess(lostWallet, newWallet, investorOnchainID);
        return true;
    }

    // ================================================================== investor aggregates

    /// @notice Folds a MULTI_WALLET wallet's balance into its investor aggregate now instead of at its next
    /// balance change, so the investor is counted once. Anyone may call it; it is a no-op when not needed.
    function syncInvestorWallet(address wallet) external {
        uint256 w = _wallets[wallet];
        if (w & WalletState.AGGREGATED != 0) return;
        uint256 rec = _registryRecord(_state, wallet);
        if (!rec.isMultiWallet()) return;
        (uint256 folded, int256 delta) = _fold(wallet, w, rec);
        _wallets[wallet] = folded;
        if (delta != 0) _adjustInvestorCount(delta);
    }

    /// @notice Holding of the investor owning `wallet`, across the wallets folded into its aggregate.
    function investorBalanceOf(address wallet) external view returns (uint256) {
        uint256 rec = _registryRecord(_state, wallet);
        return _party(wallet, rec, false).holding;
    }

    // ================================================================== checks (ERC-1404 / ERC-7943)

    /// @notice Reason code and message for a proposed transfer of `amount` from `from` to `to`.
    function checkTransfer(address from, address to, uint256 amount)
        external
        view
        returns (uint8 code, string memory message)
    {
        code = _evaluate(_prepare(address(0), from, to, amount, KIND_TRANSFER));
        message = _message(code);
    }

    /// @notice Reason code and message for a proposed `transferFrom` by `spender` (allowance not checked).
    function checkTransferFrom(address spender, address from, address to, uint256 amount)
        external
        view
        returns (uint8 code, string memory message)
    {
        code = _evaluate(_prepare(spender, from, to, amount, KIND_TRANSFER));
        message = _message(code);
    }

    /// @notice Reason code and message for a proposed mint of `amount` to `to`.
    function checkMint(address to, uint256 amount) external view returns (uint8 code, string memory message) {
        code = _evaluate(_prepare(address(0), address(0), to, amount, KIND_MINT));
        message = _message(code);
    }

    /// @notice ERC-1404: reason code for a proposed transfer (0 = allowed).
    function detectTransferRestriction(address from, address to, uint256 amount) external view returns (uint8) {
        return _evaluate(_prepare(address(0), from, to, amount, KIND_TRANSFER));
    }

    /// @notice ERC-1404: text for a reason code.
    function messageForTransferRestriction(uint8 restrictionCode) external view returns (string memory) {
        return _message(restrictionCode);
    }

    /// @notice ERC-7943 / ERC-3643 compliance: whether the transfer would succeed now; exactly
    /// `checkTransfer(from, to, amount)` answering code 0, so it is false whenever {canSend} is false for `from` or
    /// {canReceive} for `to`, and for an amount over the unfrozen (or unlocked, or unpledged) balance.
    function canTransfer(address from, address to, uint256 amount) external view returns (bool) {
        return _evaluate(_prepare(address(0), from, to, amount, KIND_TRANSFER)) == ReasonCodes.SUCCESS;
    }

    /// @notice ERC-7943: whether `account` may send tokens, whatever the amount and receiver: a registered wallet
    /// with valid KYC, not frozen on this token and not sanctioned in the registry. Pause, halt, amounts and
    /// lockups are transfer-level rules: {canTransfer}.
    function canSend(address account) external view returns (bool) {
        Party memory p;
        p.wallet = _wallets[account];
        p.record = _registryRecord(_state, account);
        return _senderCode(p) == ReasonCodes.SUCCESS;
    }

    /// @notice ERC-7943: whether `account` may receive tokens, whatever the amount and sender: registered, KYC
    /// valid, neither frozen nor sanctioned, and admitted by its country's rule (not blocked, on the allow list in
    /// allowlist mode, of a required category). Investor caps and holding bounds are transfer-level rules.
    function canReceive(address account) external view returns (bool) {
        if (account == address(0) || account == address(this)) return false;
        uint256 s = _state;
        uint256 r = _registryRecord(s, account);
        return _receiverCode(r, _wallets[account]) == ReasonCodes.SUCCESS
            && _countryCode(s, _countryRules[r.country()], r) == ReasonCodes.SUCCESS;
    }

    /// @notice Everything a paying agent needs about `account` in one call: the balance at snapshot `snapshotId`
    /// (now if 0; reverts for an id not taken yet), the holder number (0 if the wallet never held tokens; see
    /// {WalletState}), 0 if `account` could receive tokens now (registered, KYC valid, not frozen or
    /// sanctioned) or else the receiver-side reason code, and the investor's country (0 if unregistered).
    /// Distributions withhold payments on a non-zero code.
    function holderAt(address account, uint256 snapshotId)
        external
        view
        returns (uint256 balance, uint256 number, uint8 code, uint16 country)
    {
        uint256 s = _state;
        uint256 w = _wallets[account];
        balance = w.balance();
        if (snapshotId != 0) {
            if (snapshotId > (s >> SNAPSHOT_ID_SHIFT) & MASK24) revert NonexistentSnapshot(snapshotId);
            balance = _balanceAt(account, w, snapshotId);
        }
        uint256 rec = _registryRecord(s, account);
        return (balance, w.holderNumber(), _receiverCode(rec, w), rec.country());
    }

    // ================================================================== snapshots

    /// @notice Takes a record-date snapshot in O(1) (SNAPSHOT_ROLE or AGENT_ROLE). Balances are checkpointed
    /// lazily on each account's first change after it.
    function snapshot() external returns (uint256 id) {
        _checkEitherRole(SNAPSHOTTER, AGENT);
        uint256 s = _state;
        id = ((s >> SNAPSHOT_ID_SHIFT) & MASK24) + 1;
        // Ids stop at 2^24-1 (wallet checkpoints and distributions store them in 24 bits): 16.7M record dates.
        if (id > MASK24) revert NonexistentSnapshot(id);
        _state = (s & ~(MASK24 << SNAPSHOT_ID_SHIFT)) | (id << SNAPSHOT_ID_SHIFT);
        emit Snapshot(id);
    }

    /// @notice Id of the latest snapshot (0 before the first).
    function currentSnapshotId() external view returns (uint256) {
        return (_state >> SNAPSHOT_ID_SHIFT) & MASK24;
    }

    /// @notice Balance of `account` when snapshot `snapshotId` was taken; reverts for an id not taken yet.
    function balanceOfAt(address account, uint256 snapshotId) external view returns (uint256) {
        _requireSnapshot(snapshotId);
        return _balanceAt(account, _wallets[account], snapshotId);
    }

    /// @notice Total supply when snapshot `snapshotId` was taken; reverts for an id not taken yet.
    function totalSupplyAt(uint256 snapshotId) external view returns (uint256) {
        _requireSnapshot(snapshotId);
        uint256 sw = _supply;
        (bool found, uint256 value) = _lookup(_supplyCheckpoints, sw >> SUPPLY_COUNT_SHIFT, snapshotId);
        return found ? value : sw & MASK96;
    }

    /// @notice ERC-165: ERC-20 and its metadata, ERC-7943 (0x3edbb4c4), ERC-1404 (0xab84a5c8, see IERC1404),
    /// ERC-1643, ERC-2612, ERC-5267, ERC-173, AccessControl and ERC-3643: the Solidity ids of T-REX 4.x `IToken`
    /// (0x1b643469) and `AgentRole` (0x02b23fde), which T-REX 4.1 does not define itself.
    function supportsInterface(bytes4 interfaceId) public view override(AccessControl, IERC165) returns (bool) {
        return interfaceId == type(IERC20).interfaceId || interfaceId == type(IERC20Metadata).interfaceId
            || interfaceId == type(IERC7943Fungible).interfaceId || interfaceId == type(IERC1404).interfaceId
            || interfaceId == type(IERC1643).interfaceId || interfaceId == type(IERC20Permit).interfaceId
            || interfaceId == type(IERC5267).interfaceId || interfaceId == ERC173_ID
            || interfaceId == type(IAgentRole).interfaceId || interfaceId == ERC3643_TOKEN_ID
            || super.supportsInterface(interfaceId);
    }

    // ================================================================== internals: moves

    /// @dev The ERC-3643 batch forms: one length check and loop for every (account, amount) action.
    function _batch(
        address[] calldata accounts,
        uint256[] calldata amounts,
        function(address, uint256) internal action
    ) private {
        if (accounts.length != amounts.length) revert LengthMismatch();
        for (uint256 i; i < accounts.length; ++i) {
            action(accounts[i], amounts[i]);
        }
    }

    function _transferOut(address to, uint256 amount) private {
        _transferChecked(address(0), msg.sender, to, amount);
    }

    function _agentBurn(address account, uint256 amount) private {
        _burn(account, amount, KIND_FORCED);
    }

    function _transferChecked(address spender, address from, address to, uint256 amount) private {
        // A spender other than the owner needs its own checks: general path.
        if ((spender == address(0) || spender == from) && _fastMove(from, to, amount, false)) return;
        Move memory m = _prepare(spender, from, to, amount, KIND_TRANSFER);
        _enforce(m, _evaluate(m));
        _update(m);
    }

    function _mint(address to, uint256 amount) private {
        if (_fastMove(address(0), to, amount, true)) return;
        Move memory m = _prepare(address(0), address(0), to, amount, KIND_MINT);
        _enforce(m, _evaluate(m));
        _update(m);
        uint256 sw = _supply;
        // amount <= mintRoom = cap - supply was checked, so the sum stays within 96 bits.
        _writeSupply(sw, sw.balance() + amount, (m.state >> SNAPSHOT_ID_SHIFT) & MASK24);
    }

    /// @dev An agent burn (KIND_FORCED: only the balance is checked) or a redemption (KIND_REDEEM: the sender-side
    /// rules). No receiver side is read: the limits word is not loaded, which a redemption does not need.
    function _burn(address account, uint256 amount, uint8 kind) private {
        uint256 s = _state;
        uint256 rec = _registryRecord(s, account);
        Move memory m;
        m.kind = kind;
        m.state = s;
        m.amount = amount;
        m.from = _party(account, rec, true);
        if (kind == KIND_REDEEM) {
            _enforce(m, _evaluate(m));
        } else if (amount > m.from.wallet.balance()) {
            revert TransferRestricted(ReasonCodes.INSUFFICIENT_BALANCE);
        }
        _update(m);
        uint256 sw = _supply;
        // The burnt amount was part of a balance, hence of the supply.
        _writeSupply(sw, sw.balance() - amount, (s >> SNAPSHOT_ID_SHIFT) & MASK24);
    }

    function _forcedTransfer(address from, address to, uint256 amount) private {
        Move memory m = _prepare(address(0), from, to, amount, KIND_FORCED);
        _enforce(m, _evaluate(m));
        _update(m);
        emit ForcedTransfer(from, to, amount);
    }

    /// @dev Reverts unless `code` is SUCCESS: with ERC-7943's own error when the frozen amount is what refuses
    /// (the standard asks for it), else with {TransferRestricted} and the rule's code.
    function _enforce(Move memory m, uint8 code) private pure {
        if (code == ReasonCodes.SUCCESS) return;
        if (code == ReasonCodes.TOKENS_FROZEN) {
            uint256 bal = m.from.wallet.balance();
            uint256 frozen = m.from.restrictions.frozen();
            revert ERC7943InsufficientUnfrozenBalance(m.from.account, m.amount, bal > frozen ? bal - frozen : 0);
        }
        revert TransferRestricted(code);
    }

    function _recover(address lost, address newWallet) private {
        Move memory m = _prepare(address(0), lost, newWallet, 0, KIND_FORCED);
        uint256 lostRecord = m.from.record;
        if (
            lost == newWallet || !lostRecord.isRegistered()
                || lostRecord.investorKey() != m.to.record.investorKey()
        ) revert RecoveryNotSameInvestor(lost, newWallet);
        uint256 wl = m.from.wallet;
        uint256 bal = wl.balance();
        m.amount = bal;
        uint8 code = _evaluate(m);
        // The compliance hook too: a pledge on the lost wallet would otherwise be left with nothing behind it
        // while the tokens leave with the investor (the lender releases, the investor pledges again from the new
        // wallet).
        if (code == ReasonCodes.SUCCESS && m.state & HAS_HOOK != 0) code = _hookCode(m);
        _enforce(m, code);

        uint256 rl = m.from.restrictions;
        uint256 frozenMoved = rl.frozen();
        uint256 lotMoved;
        if (block.timestamp < wl.lotUnlock()) {
            // At most the balance: agent moves clamp a lot to the balance they leave.
            lotMoved = wl & WalletState.LOT_ALL != 0 ? bal : rl.locked();
        }
        // Moves the balance; as an agent move it also releases the lost wallet's frozen amount (as far as the
        // balance backs it) and lots.
        _update(m);
        emit ForcedTransfer(lost, newWallet, bal);
        if (frozenMoved > bal) {
            // A freeze above the balance (ERC-7943) follows the investor too: clear what the move left behind.
            uint256 wl2 = _wallets[lost];
            _writeFrozen(lost, wl2, frozenMoved - bal, 0);
        }

        _carryRestrictions(newWallet, wl, frozenMoved, lotMoved);
        // Retire the lost wallet (its word as _update left it).
        if (wl & WalletState.FROZEN == 0) _setAddressFrozen(lost, true);
    }

    /// @dev Recovery, after the balance moved: the new wallet takes on the lost wallet's (`wl`) lockups, frozen
    /// amount and wallet freeze.
    function _carryRestrictions(address newWallet, uint256 wl, uint256 frozenMoved, uint256 lotMoved) private {
        uint256 wn = _wallets[newWallet];
        uint256 rn = _restrictionsOf(newWallet, wn);
        uint256 lotNew;
        if (block.timestamp < wn.lotUnlock()) {
            // _update already wrote out a LOT_ALL lot of the new wallet explicitly.
            lotNew = rn.locked();
        }
        if (wl.lockedUntil() > wn.lockedUntil()) wn = wn.withLockedUntil(wl.lockedUntil());
        if (lotMoved != 0) {
            lotNew += lotMoved;
            wn = wn & ~WalletState.LOT_ALL;
            if (wl.lotUnlock() > wn.lotUnlock()) wn = wn.withLotUnlock(wl.lotUnlock());
        }
        uint256 frozenNew = rn.frozen() + frozenMoved;
        if (frozenNew > MASK96) frozenNew = MASK96; // two freezes above any possible supply: still everything
        uint256 rn2 = WalletState.restrictions(frozenNew, lotNew);
        if (rn2 != rn) {
            _restrictions[newWallet] = rn2;
            wn |= WalletState.HAS_RESTRICTIONS;
        }
        if (frozenNew != rn.frozen()) _frozenChanged(newWallet, rn.frozen(), frozenNew);
        if (wl & WalletState.FROZEN != 0 && wn & WalletState.FROZEN == 0) {
            wn |= WalletState.FROZEN;
            emit AddressFrozen(newWallet, true, msg.sender);
        }
        _wallets[newWallet] = wn;
    }

    /// @dev Lean path of a transfer or mint in the common case: both parties single-wallet investors, the
    /// sender without frozen or locked tokens, no hook, no pause or halt, distinct parties, a non-zero amount.
    /// Every slot is read once into stack variables (state word, one registry call, the wallet words, the
    /// receiver's country rule, the limits word only when a limit is set, the supply word for mints).
    /// Returns false, before any write, when the move is outside that case or any rule could refuse it; the
    /// caller then runs the general path ({_prepare}, {_evaluate}, {_update}), which yields the exact reason
    /// code. So each condition below is a pass condition of {_evaluate} specialised to the common case, and
    /// the writes are exactly those {_update} (and {_mint}) make in that case.
    function _fastMove(address from, address to, uint256 amount, bool isMint) private returns (bool) {
        uint256 s = _state;
        if (amount == 0 || from == to || to == address(0) || to == address(this) || s & HAS_HOOK != 0) return false;
        uint256 fromRec;
        uint256 toRec;
        if (isMint) {
            if (s & REQUIRE_FILING != 0 && s & FILING_RECORDED == 0) return false;
            toRec = _registryRecord(s, to);
        } else {
            // `from` is never zero here (it is msg.sender or equals it); a sender record is never zero on this
            // path (it must be registered): zero marks a mint below.
            if (s & (PAUSED | HALTED) != 0) return false;
            (fromRec, toRec) = _registryRecordPair(s, from, to);
            if (fromRec == 0) return false;
        }
        uint256 wt = _wallets[to];
        // The limits word only when a limit or lockup is set; the supply word for mints, the sender's wallet word
        // for transfers (`side`).
        uint256 l = s & HAS_LIMITS != 0 ? _limits : 0;
        uint256 side = isMint ? _supply : _wallets[from];
        if (!_fastAllowed(amount, s, fromRec, toRec, wt, side, l)) return false;

        // Effects, in {_update}'s order: debit, credit, investor count, Transfer event (then supply for mints).
        int256 delta;
        if (!isMint) delta = _fastDebit(amount, from, side, (s >> SNAPSHOT_ID_SHIFT) & MASK24, fromRec);
        delta += _fastCredit(
            amount, to, wt, (s >> SNAPSHOT_ID_SHIFT) & MASK24, isMint ? l >> DEFAULT_LOCKUP_SHIFT : 0, toRec
        );
        if (delta != 0) _adjustInvestorCount(delta);
        emit Transfer(from, to, amount);
        // amount <= cap - supply was checked, so the sum stays within 96 bits.
        if (isMint) _writeSupply(side, (side & MASK96) + amount, (s >> SNAPSHOT_ID_SHIFT) & MASK24);
        return true;
    }

    /// @dev Pass conditions of {_evaluate} for the fast path (`fromRec` zero = mint, `side` = supply word for a
    /// mint, sender wallet word for a transfer). True only if every rule passes in the common case.
    function _fastAllowed(uint256 amount, uint256 s, uint256 fromRec, uint256 toRec, uint256 wt, uint256 side, uint256 l)
        private
        view
        returns (bool)
    {
        // Receiver: registered, not sanctioned, single-wallet, KYC valid, not frozen on the token, no aggregate.
        if (!_fastRecordOk(toRec)) return false;
        if (wt & (WalletState.FROZEN | WalletState.AGGREGATED) != 0) return false;
        uint256 rule = _countryRules[uint16(toRec >> InvestorRecord.COUNTRY_SHIFT)];
        if (rule & RULE_BLOCKED != 0 || (s & ALLOWLIST != 0 && rule & RULE_ALLOWED == 0)) return false;
        {
            uint256 required = (rule >> RULE_CATEGORIES_SHIFT) & MASK32;
            if (required != 0 && (toRec >> InvestorRecord.CATEGORIES_SHIFT) & required == 0) return false;
        }
        if (fromRec == 0) {
            if (amount > ((side >> CAP_SHIFT) & MASK96) - (side & MASK96)) return false;
        } else {
            // Sender: same checks, plus another investor than the receiver (moves between one investor's
            // wallets skip the caps: general path), enough balance, no partial freeze or lot record, no lockup.
            if (!_fastRecordOk(fromRec)) return false;
            if (uint128(fromRec) == uint128(toRec)) return false;
            if (side & (WalletState.FROZEN | WalletState.AGGREGATED | WalletState.HAS_RESTRICTIONS) != 0) return false;
            if (amount > side & MASK96) return false;
            if (
                block.timestamp < (side >> WalletState.LOCKED_UNTIL_SHIFT) & MASK40
                    || block.timestamp < (side >> WalletState.LOT_UNLOCK_SHIFT) & MASK40
            ) return false;
        }
        // From here amount <= sender balance or <= cap - supply, both < 2^96: the sums below cannot overflow.
        if (wt & MASK96 == 0) {
            // A sender handing over its whole holding frees its place: the count does not grow.
            bool senderLeaves = fromRec != 0 && side & MASK96 == amount;
            {
                uint256 maxInvestors = l & MASK32;
                if (maxInvestors != 0 && !senderLeaves && ((s >> INVESTOR_COUNT_SHIFT) & MASK32) >= maxInvestors) {
                    return false;
                }
            }
            uint256 countryMax = (rule >> RULE_MAX_INVESTORS_SHIFT) & MASK32;
            if (
                countryMax != 0
                    && !(
                        senderLeaves
                            && uint16(fromRec >> InvestorRecord.COUNTRY_SHIFT)
                                == uint16(toRec >> InvestorRecord.COUNTRY_SHIFT)
                    ) && ((rule >> RULE_COUNT_SHIFT) & MASK32) >= countryMax
            ) return false;
        }
        if (l != 0) {
            {
                uint256 maxBalance = (l >> MAX_BALANCE_SHIFT) & MASK96;
                if (maxBalance != 0 && (wt & MASK96) + amount > maxBalance) return false;
            }
            uint256 minBalance = (l >> MIN_BALANCE_SHIFT) & MASK96;
            if ((wt & MASK96) + amount < minBalance) return false;
            if (minBalance != 0 && fromRec != 0) {
                uint256 remainder;
                unchecked {
                    remainder = (side & MASK96) - amount; // amount <= sender balance checked above
                }
                if (remainder != 0 && remainder < minBalance) return false;
            }
        }
        return true;
    }

    /// @dev Registered, KYC valid, not sanctioned and single-wallet.
    function _fastRecordOk(uint256 rec) private view returns (bool) {
        return rec & RECORD_CHECK_MASK == InvestorRecord.REGISTERED_BIT
            && block.timestamp < (rec >> InvestorRecord.KYC_EXPIRY_SHIFT) & MASK40;
    }

    /// @dev {_debit} for a transfer on the fast path (single-wallet sender, no restrictions, amount <= balance).
    function _fastDebit(uint256 amount, address from, uint256 wf, uint256 snap, uint256 fromRec)
        private
        returns (int256 delta)
    {
        uint256 bal = wf & MASK96;
        wf = _checkpoint(from, wf, bal, snap);
        unchecked {
            bal -= amount; // amount <= balance checked by _fastAllowed
        }
        if (bal == 0) {
            delta = -1;
            _decrementCountry(uint16(fromRec >> InvestorRecord.COUNTRY_SHIFT));
        }
        _wallets[from] = (wf & ~MASK96) | bal;
    }

    /// @dev {_credit} on the fast path (single-wallet receiver).
    function _fastCredit(uint256 amount, address to, uint256 wt, uint256 snap, uint256 lockup, uint256 toRec)
        private
        returns (int256 delta)
    {
        uint256 bal = wt & MASK96;
        wt = _checkpoint(to, _numbered(wt), bal, snap);
        wt = _applyLot(to, wt, bal, amount, lockup);
        if (bal == 0) {
            delta = 1;
            _countryRules[uint16(toRec >> InvestorRecord.COUNTRY_SHIFT)] += RULE_COUNT_ONE;
        }
        // bal + amount <= total supply <= cap < 2^96.
        _wallets[to] = (wt & ~MASK96) | (bal + amount);
    }

    /// @dev `registry.recordPair(a, b)` with less code than an interface call; reverts as the interface call would.
    /// Written out beside {_registryRecord} (TokenBase) rather than folded into one helper taking the arity: this
    /// one runs on every transfer, and a folded helper would branch on the arity there.
    function _registryRecordPair(uint256 s, address a, address b) private view returns (uint256 ra, uint256 rb) {
        address registry = address(uint160(s));
        bytes4 selector = IInvestorRegistry.recordPair.selector;
        assembly ("memory-safe") {
            let p := mload(0x40)
            mstore(p, selector)
            mstore(add(p, 4), a)
            mstore(add(p, 0x24), b)
            if iszero(staticcall(gas(), registry, p, 0x44, p, 0x40)) {
                returndatacopy(p, 0, returndatasize())
                revert(p, returndatasize())
            }
            if lt(returndatasize(), 0x40) { revert(0, 0) }
            ra := mload(p)
            rb := mload(add(p, 0x20))
        }
    }

    /// @dev Reads everything the rules and {_update} need, once: state word, both registry records in one
    /// call, both wallet words, the sender's restriction word, the receiver's country rule and the limits.
    function _prepare(address spender, address from, address to, uint256 amount, uint8 kind)
        private
        view
        returns (Move memory m)
    {
        uint256 s = _state;
        m.kind = kind;
        m.state = s;
        m.amount = amount;
        uint256 toRecord;
        if (kind == KIND_MINT) {
            toRecord = _registryRecord(s, to);
            uint256 sw = _supply;
            m.mintRoom = ((sw >> CAP_SHIFT) & MASK96) - sw.balance();
        } else {
            uint256 fromRecord;
            (fromRecord, toRecord) = _registryRecordPair(s, from, to);
            m.from = _party(from, fromRecord, true);
        }
        m.to = _party(to, toRecord, false);
        if (kind != KIND_FORCED) {
            m.toRule = _countryRules[toRecord.country()];
            if (s & HAS_LIMITS != 0) m.limits = _limits;
        }
        if (spender != address(0) && spender != from) {
            m.spender = spender;
            m.spenderWallet = _wallets[spender];
            m.spenderRecord = _registryRecord(s, spender);
        }
    }

    /// @dev Loads one side of a move. A wallet folded into its investor's aggregate (AGGREGATED) uses the key
    /// stored at folding time, so the aggregate stays right even if the registry record later changes.
    function _party(address account, uint256 record, bool withRestrictions) private view returns (Party memory p) {
        uint256 w = _wallets[account];
        p.account = account;
        p.wallet = w;
        p.record = record;
        if (w & WalletState.AGGREGATED != 0) {
            uint128 key = _aggregateKeys[account];
            p.aggregateKey = key;
            p.holding = _aggregates[key];
        } else if (record.isMultiWallet()) {
            uint128 key = record.investorKey();
            p.aggregateKey = key;
            p.holding = _aggregates[key] + w.balance();
        } else {
            p.holding = w.balance();
        }
        if (withRestrictions && w & WalletState.HAS_RESTRICTIONS != 0) p.restrictions = _restrictions[account];
    }

    /// @dev The one place balances change (mint, burn, transfer, forced transfer, recovery): snapshot
    /// checkpoints, lots, partial-freeze release on agent moves, investor aggregates and counts, and the
    /// Transfer event. Rules have already passed.
    function _update(Move memory m) private {
        address from = m.from.account;
        address to = m.to.account;
        uint256 amount = m.amount;
        if (amount != 0 && from != to) {
            uint256 snap = (m.state >> SNAPSHOT_ID_SHIFT) & MASK24;
            int256 delta;
            if (from != address(0)) delta = _debit(m.from, amount, snap, m.kind != KIND_TRANSFER);
            if (to != address(0)) {
                uint256 lockup = m.kind == KIND_MINT ? m.limits >> DEFAULT_LOCKUP_SHIFT : 0;
                delta += _credit(m.to, amount, snap, lockup);
            }
            if (delta != 0) _adjustInvestorCount(delta);
        }
        emit Transfer(from, to, amount);
    }

    /// @dev Takes `amount` from `p`; returns the change in the number of investors.
    function _debit(Party memory p, uint256 amount, uint256 snap, bool agent) private returns (int256 delta) {
        address a = p.account;
        uint256 w = p.wallet;
        uint256 bal = w.balance();
        w = _checkpoint(a, w, bal, snap);
        uint256 newBal = bal - amount;
        w = w.withBalance(newBal);
        if (agent && w & WalletState.HAS_RESTRICTIONS != 0) {
            // Agent moves may take frozen or locked tokens (T-REX semantics). ERC-7943: the frozen amount shrinks by
            // what the move takes beyond the unfrozen balance (a freeze above the balance keeps its excess).
            uint256 r = p.restrictions;
            uint256 frozen = r.frozen();
            uint256 locked = r.locked();
            uint256 unfrozen = bal > frozen ? bal - frozen : 0;
            if (amount > unfrozen) {
                // amount <= bal, so amount - unfrozen <= frozen.
                uint256 frozenAfter = frozen - (amount - unfrozen);
                _frozenChanged(a, frozen, frozenAfter);
                frozen = frozenAfter;
            }
            if (locked > newBal) locked = newBal;
            uint256 r2 = WalletState.restrictions(frozen, locked);
            if (r2 != r) {
                _restrictions[a] = r2;
                if (r2 == 0) w &= ~WalletState.HAS_RESTRICTIONS;
            }
        }
        uint256 rec = p.record;
        if (w & WalletState.AGGREGATED != 0 || rec.isMultiWallet()) {
            (w, delta) = _fold(a, w.withBalance(bal), rec);
            w = w.withBalance(newBal);
            uint128 key = _aggregateKeys[a];
            uint256 holding = _aggregates[key] - amount;
            _aggregates[key] = holding;
            if (holding == 0) {
                --delta;
                _decrementCountry(rec.country());
            }
        } else if (newBal == 0) {
            delta = -1;
            _decrementCountry(rec.country());
        }
        _wallets[a] = w;
    }

    /// @dev Gives `amount` to `p`, locking it for `lockup` seconds when non-zero; returns the change in the
    /// number of investors.
    function _credit(Party memory p, uint256 amount, uint256 snap, uint256 lockup) private returns (int256 delta) {
        address a = p.account;
        uint256 w = p.wallet;
        uint256 rec = p.record;
        // A single-wallet holding: the same bookkeeping as the fast path.
        if (w & WalletState.AGGREGATED == 0 && !rec.isMultiWallet()) return _fastCredit(amount, a, w, snap, lockup, rec);
        uint256 bal = w.balance();
        w = _checkpoint(a, _numbered(w), bal, snap);
        w = _applyLot(a, w, bal, amount, lockup);
        (w, delta) = _fold(a, w, rec);
        uint128 key = _aggregateKeys[a];
        uint256 holding = _aggregates[key];
        if (holding == 0) {
            ++delta;
            _countryRules[rec.country()] += RULE_COUNT_ONE;
        }
        _aggregates[key] = holding + amount;
        // bal + amount <= total supply <= cap < 2^96.
        _wallets[a] = w.withBalance(bal + amount);
    }

    /// @dev Lot bookkeeping for a credit of `amount` to a wallet holding `bal`.
    function _applyLot(address a, uint256 w, uint256 bal, uint256 amount, uint256 lockup)
        private
        returns (uint256)
    {
        uint256 unlock = w.lotUnlock();
        bool active = block.timestamp < unlock;
        if (lockup != 0) {
            uint256 until = block.timestamp + lockup;
            if (!active) {
                if (bal == 0) {
                    // Primary issuance to an empty wallet: the whole balance is the lot; no second slot.
                    w |= WalletState.LOT_ALL;
                } else {
                    w = _writeRestrictions(a, w & ~WalletState.LOT_ALL, amount);
                }
                w = w.withLotUnlock(until);
            } else {
                if (w & WalletState.LOT_ALL == 0) {
                    w = _writeRestrictions(a, w, _restrictionsOf(a, w).locked() + amount);
                }
                // Documented simplification: one unlock time per wallet, so a new lot extends earlier ones.
                if (until > unlock) w = w.withLotUnlock(until);
            }
            emit TokensLocked(a, amount, until > unlock ? until : unlock);
        } else if (active && w & WalletState.LOT_ALL != 0) {
            // Unlocked tokens arrive: the lot stops being "everything", so write its size out.
            w &= ~WalletState.LOT_ALL;
            if (bal != 0) w = _writeRestrictions(a, w, bal);
        }
        return w;
    }

    /// @dev Writes the locked-lot amount (keeping the frozen amount) and sets HAS_RESTRICTIONS.
    function _writeRestrictions(address a, uint256 w, uint256 locked) private returns (uint256) {
        uint256 r = _restrictionsOf(a, w);
        _restrictions[a] = WalletState.restrictions(r.frozen(), locked);
        return w | WalletState.HAS_RESTRICTIONS;
    }

    /// @dev Folds a MULTI_WALLET wallet's balance into its investor's aggregate (once). Returns the new wallet
    /// word and -1 if the investor had been counted twice (this wallet and the aggregate both non-zero).
    function _fold(address a, uint256 w, uint256 rec) private returns (uint256, int256 delta) {
        if (w & WalletState.AGGREGATED != 0) return (w, 0);
        uint128 key = rec.investorKey();
        uint256 bal = w.balance();
        uint256 holding = _aggregates[key];
        if (holding != 0 && bal != 0) {
            delta = -1;
            _decrementCountry(rec.country());
        }
        if (bal != 0) _aggregates[key] = holding + bal;
        _aggregateKeys[a] = key;
        emit InvestorWalletSynced(a, key);
        return (w | WalletState.AGGREGATED, delta);
    }

    /// @dev Appends (snapshot id, balance before this change) on an account's first change after a snapshot.
    function _checkpoint(address a, uint256 w, uint256 bal, uint256 snap) private returns (uint256) {
        if (w.lastSnapshotId() < snap) {
            uint256 n = w.snapshotCount();
            _checkpoints[a][n] = snap | (bal << CHECKPOINT_VALUE_SHIFT);
            // n < 2^24 because at most one checkpoint is added per snapshot id, and ids fit 24 bits.
            w = w.withSnapshot(snap, n + 1);
        }
        return w;
    }

    /// @dev Gives a wallet its holder number on its first credit. The counter is the top field of the state
    /// word, so the checked addition reverts (panic) once 2^24-1 wallets have been numbered.
    function _numbered(uint256 w) private returns (uint256) {
        if (w.holderNumber() != 0) return w;
        uint256 s = _state + (uint256(1) << NUMBERED_HOLDERS_SHIFT);
        _state = s;
        return w | ((s >> NUMBERED_HOLDERS_SHIFT) << WalletState.HOLDER_NUMBER_SHIFT);
    }

    function _writeSupply(uint256 sw, uint256 newSupply, uint256 snap) private {
        uint256 last = (sw >> SUPPLY_SNAPSHOT_SHIFT) & MASK32;
        if (last < snap) {
            uint256 n = sw >> SUPPLY_COUNT_SHIFT;
            _supplyCheckpoints[n] = snap | (sw.balance() << CHECKPOINT_VALUE_SHIFT);
            sw = (sw & ~(((uint256(1) << 64) - 1) << SUPPLY_SNAPSHOT_SHIFT)) | (snap << SUPPLY_SNAPSHOT_SHIFT)
                | ((n + 1) << SUPPLY_COUNT_SHIFT);
        }
        _supply = sw.withBalance(newSupply);
    }

    function _adjustInvestorCount(int256 delta) private {
        uint256 s = _state;
        uint256 count = (s >> INVESTOR_COUNT_SHIFT) & MASK32;
        // Checked arithmetic: a negative count would mean broken bookkeeping, so it must revert.
        count = delta > 0 ? count + uint256(delta) : count - uint256(-delta);
        _state = (s & ~(MASK32 << INVESTOR_COUNT_SHIFT)) | (count << INVESTOR_COUNT_SHIFT);
    }

    /// @dev Saturating: if the registry moved an investor to another country while it held tokens, the count
    /// of the new country may be lower than its leavers; never underflow into the neighbouring fields.
    function _decrementCountry(uint16 country) private {
        uint256 rule = _countryRules[country];
        if ((rule >> RULE_COUNT_SHIFT) & MASK32 != 0) _countryRules[country] = rule - RULE_COUNT_ONE;
    }

    // ================================================================== internals: misc

    /// @dev The message table is served by the registry (shared by all its tokens) to keep this contract
    /// under the EIP-170 size limit; both derive from rwa_token/data/reason_codes.json.
    function _message(uint8 code) private view returns (string memory) {
        return IInvestorRegistry(address(uint160(_state))).reasonMessage(code);
    }

    /// @dev Balance of `account` (wallet word `w`) at an existing snapshot.
    function _balanceAt(address account, uint256 w, uint256 snapshotId) private view returns (uint256) {
        (bool found, uint256 value) = _lookup(_checkpoints[account], w.snapshotCount(), snapshotId);
        return found ? value : w.balance();
    }

    function _requireSnapshot(uint256 id) private view {
        if (id == 0 || id > ((_state >> SNAPSHOT_ID_SHIFT) & MASK24)) revert NonexistentSnapshot(id);
    }

    /// @dev First checkpoint whose snapshot id is >= `id` holds the balance at snapshot `id`; none means the
    /// balance has not changed since, so the caller uses the current value.
    function _lookup(mapping(uint256 index => uint256 checkpoint) storage cps, uint256 n, uint256 id)
        private
        view
        returns (bool found, uint256 value)
    {
        uint256 lo;
        uint256 hi = n;
        while (lo < hi) {
            // lo + hi < 2^33, no overflow.
            uint256 mid = (lo + hi) >> 1;
            if (cps[mid] & MASK32 < id) lo = mid + 1;
            else hi = mid;
        }
        if (lo == n) return (false, 0);
        return (true, (cps[lo] >> CHECKPOINT_VALUE_SHIFT) & MASK96);
    }
}
