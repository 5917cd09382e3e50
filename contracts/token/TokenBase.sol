// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {RuleEngine} from "../compliance/RuleEngine.sol";
import {IInvestorRegistry} from "../interfaces/IInvestorRegistry.sol";
import {ISecurityTokenEvents} from "../interfaces/ISecurityToken.sol";
import {WalletState} from "./WalletState.sol";

/// @title TokenBase
/// @notice The storage and the small shared helpers of the two contracts behind a security token: SecurityToken
/// (ERC-20, agent actions, checks, snapshots) and SecurityTokenAdmin (administration), which the token reaches by
/// delegatecall and which therefore runs on this same storage.
/// @dev Neither contract may declare storage of its own before this one's: SecurityToken declares none, and
/// SecurityTokenAdmin's own variables (documents, terms, permit nonces, ONCHAINID) come after all of it
/// (tests/test_token_layout.py compares the two compiled layouts).
abstract contract TokenBase is ISecurityTokenEvents, RuleEngine {
    using WalletState for uint256;

    /// @dev Transfer agent: mint, burn, freeze, forced transfer, recovery, pause, snapshots (getter: AGENT_ROLE()).
    bytes32 internal constant AGENT = keccak256("AGENT_ROLE");
    /// @dev Distribution contracts: may take record-date snapshots (getter: SNAPSHOT_ROLE()).
    bytes32 internal constant SNAPSHOTTER = keccak256("SNAPSHOT_ROLE");

    /// @dev Implementation version (ERC-3643 `version()`, UpdatedTokenInformation).
    string internal constant VERSION = "2.0.0";
    /// @dev ERC-173's interface id; T-REX 4.x `IToken`'s Solidity interface id (its own functions, not ERC-20's).
    bytes4 internal constant ERC173_ID = 0x7f5828d0;
    bytes4 internal constant ERC3643_TOKEN_ID = 0x1b643469;

    // ---- supply word `_supply` ----
    // [0..95] totalSupply | [96..191] supplyCap | [192..223] last supply snapshot id | [224..255] checkpoint count
    uint256 internal constant CAP_SHIFT = 96;
    uint256 internal constant SUPPLY_SNAPSHOT_SHIFT = 192;
    uint256 internal constant SUPPLY_COUNT_SHIFT = 224;

    string internal _name;
    string internal _symbol;
    uint256 internal _supply;
    mapping(address account => uint256 wallet) internal _wallets;
    mapping(address account => uint256 restrictions) internal _restrictions;
    mapping(address account => uint128 investorKey) internal _aggregateKeys;
    mapping(uint128 investorKey => uint256 holding) internal _aggregates;
    mapping(address account => mapping(uint256 index => uint256 checkpoint)) internal _checkpoints;
    mapping(uint256 index => uint256 checkpoint) internal _supplyCheckpoints;
    mapping(address owner => mapping(address spender => uint256 amount)) internal _allowances;

    /// @dev Shared out-of-line check: an inlined `onlyRole(AGENT)` per function would cost bytecode the
    /// token cannot spare under the EIP-170 limit.
    modifier onlyAgent() {
        _checkRole(AGENT);
        _;
    }

    function _agentRole() internal pure override returns (bytes32) {
        return AGENT;
    }

    /// @dev Reverts unless the caller holds `role` or `other`; the error names `role`. Out of line for size.
    function _checkEitherRole(bytes32 role, bytes32 other) internal view {
        if (!hasRole(role, msg.sender) && !hasRole(other, msg.sender)) {
            revert AccessControlUnauthorizedAccount(msg.sender, role);
        }
    }

    function _restrictionsOf(address account, uint256 w) internal view returns (uint256) {
        return w & WalletState.HAS_RESTRICTIONS == 0 ? 0 : _restrictions[account];
    }

    /// @dev `registry.record(a)` with less code than an interface call; reverts as the interface call would.
    function _registryRecord(uint256 s, address a) internal view returns (uint256 r) {
        address registry = address(uint160(s));
        bytes4 selector = IInvestorRegistry.record.selector;
        assembly ("memory-safe") {
            let p := mload(0x40)
            mstore(p, selector)
            mstore(add(p, 4), a)
            if iszero(staticcall(gas(), registry, p, 0x24, p, 0x20)) {
                returndatacopy(p, 0, returndatasize())
                revert(p, returndatasize())
            }
            if lt(returndatasize(), 0x20) { revert(0, 0) }
            r := mload(p)
        }
    }

    function _setAddressFrozen(address account, bool freeze) internal {
        uint256 w = _wallets[account];
        _wallets[account] = freeze ? w | WalletState.FROZEN : w & ~WalletState.FROZEN;
        emit AddressFrozen(account, freeze, msg.sender);
    }

    /// @dev ERC-3643 partial freeze: the frozen amount may not exceed the balance ({setFrozenTokens} may).
    function _freezePartial(address account, uint256 amount) internal {
        uint256 w = _wallets[account];
        uint256 frozen = _restrictionsOf(account, w).frozen();
        uint256 frozenAfter = frozen + amount;
        if (frozenAfter > w.balance()) revert FreezeExceedsBalance(account, w.balance(), frozenAfter);
        _writeFrozen(account, w, frozen, frozenAfter);
    }

    function _unfreezePartial(address account, uint256 amount) internal {
        uint256 w = _wallets[account];
        uint256 frozen = _restrictionsOf(account, w).frozen();
        if (amount > frozen) revert UnfreezeExceedsFrozen(account, frozen, amount);
        // amount <= frozen checked above.
        unchecked {
            _writeFrozen(account, w, frozen, frozen - amount);
        }
    }

    /// @dev Sets `account`'s frozen amount from `frozen` to `frozenAfter` (< 2^96), keeping its locked lot.
    function _writeFrozen(address account, uint256 w, uint256 frozen, uint256 frozenAfter) internal {
        _restrictions[account] = WalletState.restrictions(frozenAfter, _restrictionsOf(account, w).locked());
        if (w & WalletState.HAS_RESTRICTIONS == 0) _wallets[account] = w | WalletState.HAS_RESTRICTIONS;
        _frozenChanged(account, frozen, frozenAfter);
    }

    /// @dev The events of a change of the frozen amount: ERC-3643's delta (TokensFrozen / TokensUnfrozen) and
    /// ERC-7943's new total (Frozen), so indexers of either standard keep the right figure.
    function _frozenChanged(address account, uint256 frozen, uint256 frozenAfter) internal {
        if (frozenAfter > frozen) emit TokensFrozen(account, frozenAfter - frozen);
        else emit TokensUnfrozen(account, frozen - frozenAfter);
        emit Frozen(account, frozenAfter);
    }
}
