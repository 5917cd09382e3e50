// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ISnapshotToken} from "../interfaces/ISnapshotToken.sol";

/// @title MockCountryRegistry
/// @notice Stand-in investor registry for cash-flow tests: a settable wallet -> ISO-3166 country map.
contract MockCountryRegistry {
    mapping(address wallet => uint16 country) public investorCountry;

    /// @notice Records `country` for `wallet` (anyone may call: test helper).
    function setCountry(address wallet, uint16 country) external {
        investorCountry[wallet] = country;
    }
}

/// @title MockSnapshotToken
/// @notice A minimal ISnapshotToken for cash-flow tests: a freely mintable ERC-20 with lazily recorded balance
/// snapshots (per-account arrays written on the first balance change after a snapshot), holder numbers in order of
/// first receipt (as the real token), a settable holder-status map for `holderAt`'s code, and a MockCountryRegistry.
/// @dev Transfers are not compliance-checked; this mock only serves the record-date and burn paths.
contract MockSnapshotToken is ERC20, AccessControl, ISnapshotToken {
    bytes32 public constant SNAPSHOT_ROLE = keccak256("SNAPSHOT_ROLE");
    bytes32 public constant AGENT_ROLE = keccak256("AGENT_ROLE");

    struct Checkpoint {
        uint64 snapshotId;
        uint192 value;
    }

    MockCountryRegistry private immutable _registry;
    uint256 private _currentSnapshotId;
    mapping(address account => Checkpoint[]) private _accountCheckpoints;
    Checkpoint[] private _supplyCheckpoints;
    mapping(address account => uint8 code) private _holderStatus;
    mapping(address account => uint256 number) private _holderNumbers;
    uint256 private _numberedHolders;

    /// @dev The snapshot id has not been taken yet (or is zero).
    error NonexistentSnapshot(uint256 snapshotId);
    /// @dev Same error as the real token's.
    error TransferRestricted(uint8 code);

    constructor(string memory name_, string memory symbol_) ERC20(name_, symbol_) {
        _registry = new MockCountryRegistry();
        _grantRole(DEFAULT_ADMIN_ROLE, msg.sender);
        _grantRole(SNAPSHOT_ROLE, msg.sender);
        _grantRole(AGENT_ROLE, msg.sender);
    }

    /// @notice Mints `amount` to `to` (anyone: test helper).
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Sets the code `holderAt(account, ...)` and `checkHolder(account)` return (test helper).
    function setHolderStatus(address account, uint8 code) external {
        _holderStatus[account] = code;
    }

    /// @notice Hands out the next `count` holder numbers to nobody (test helper): the next new holder gets a number
    /// `count` higher, so tests reach later 256-holder groups without minting to hundreds of wallets.
    function skipHolderNumbers(uint256 count) external {
        _numberedHolders += count;
    }

    /// @notice Holder numbers handed out so far (the last one given); the next new holder gets this plus one.
    function numberedHolders() external view returns (uint256) {
        return _numberedHolders;
    }

    /// @notice Moves the snapshot counter to `id` (test helper: the next snapshot is `id + 1`). Only forward, so
    /// every id already returned stays valid.
    function fastForwardSnapshotId(uint256 id) external {
        require(id >= _currentSnapshotId, "backwards");
        _currentSnapshotId = id;
    }

    /// @inheritdoc ISnapshotToken
    function snapshot() external onlyRole(SNAPSHOT_ROLE) returns (uint256 id) {
        id = ++_currentSnapshotId;
    }

    /// @inheritdoc ISnapshotToken
    function balanceOfAt(address account, uint256 snapshotId) external view returns (uint256) {
        (bool found, uint256 value) = _valueAt(_accountCheckpoints[account], snapshotId);
        return found ? value : balanceOf(account);
    }

    /// @inheritdoc ISnapshotToken
    function totalSupplyAt(uint256 snapshotId) external view returns (uint256) {
        (bool found, uint256 value) = _valueAt(_supplyCheckpoints, snapshotId);
        return found ? value : totalSupply();
    }

    /// @inheritdoc ISnapshotToken
    function holderAt(address account, uint256 snapshotId)
        external
        view
        returns (uint256 balance, uint256 number, uint8 code, uint16 country)
    {
        if (snapshotId == 0) {
            balance = balanceOf(account);
        } else {
            (bool found, uint256 value) = _valueAt(_accountCheckpoints[account], snapshotId);
            balance = found ? value : balanceOf(account);
        }
        return (balance, _holderNumbers[account], _holderStatus[account], _registry.investorCountry(account));
    }

    /// @notice The holder-status code of `account` (test helper; the real token reports it through `holderAt`).
    function checkHolder(address account) external view returns (uint8 code) {
        return _holderStatus[account];
    }

    /// @notice The mock registry holding the countries `holderAt` reports (test helper).
    function identityRegistry() external view returns (address) {
        return address(_registry);
    }

    /// @inheritdoc ISnapshotToken
    function burn(address account, uint256 amount) external onlyRole(AGENT_ROLE) {
        _burn(account, amount);
    }

    /// @inheritdoc ISnapshotToken
    /// @dev The mock's only sender-side rule is the holder-status code.
    function redeemFrom(address holder, uint256 amount) external onlyRole(AGENT_ROLE) {
        uint8 code = _holderStatus[holder];
        if (code != 0) revert TransferRestricted(code);
        _burn(holder, amount);
    }

    /// @inheritdoc ISnapshotToken
    function getFrozenTokens(address) external pure returns (uint256) {
        return 0;
    }

    /// @notice No compliance hook (the real token's IRuleEngine view).
    function complianceHook() external pure returns (address) {
        return address(0);
    }

    /// @notice Current snapshot id (0 before the first snapshot).
    function currentSnapshotId() external view returns (uint256) {
        return _currentSnapshotId;
    }

    function _update(address from, address to, uint256 value) internal override {
        // Record pre-change values for the latest snapshot before they move (first change after it only).
        if (from != address(0)) _record(_accountCheckpoints[from], balanceOf(from));
        if (to != address(0)) _record(_accountCheckpoints[to], balanceOf(to));
        if (from == address(0) || to == address(0)) _record(_supplyCheckpoints, totalSupply());
        if (to != address(0) && value != 0 && _holderNumbers[to] == 0) _holderNumbers[to] = ++_numberedHolders;
        super._update(from, to, value);
    }

    function _record(Checkpoint[] storage checkpoints, uint256 value) private {
        uint256 current = _currentSnapshotId;
        if (current == 0) return;
        uint256 length = checkpoints.length;
        if (length == 0 || checkpoints[length - 1].snapshotId < current) {
            checkpoints.push(Checkpoint({snapshotId: uint64(current), value: uint192(value)}));
        }
    }

    /// @dev The value recorded for the first snapshot id >= `snapshotId`, i.e. the value that held at that
    /// snapshot; not found means no change since, so the live value applies.
    function _valueAt(Checkpoint[] storage checkpoints, uint256 snapshotId)
        private
        view
        returns (bool found, uint256 value)
    {
        if (snapshotId == 0 || snapshotId > _currentSnapshotId) revert NonexistentSnapshot(snapshotId);
        uint256 low;
        uint256 high = checkpoints.length;
        while (low < high) {
            uint256 mid = (low + high) / 2;
            if (checkpoints[mid].snapshotId < snapshotId) low = mid + 1;
            else high = mid;
        }
        if (low == checkpoints.length) return (false, 0);
        return (true, checkpoints[low].value);
    }
}
