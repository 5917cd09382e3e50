// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

/// @title ProceedsVault
/// @notice Use-of-proceeds ledger for one offering: holds the subscription proceeds (a stablecoin) and pays
/// them out only against purposes registered from the offering's filing, each with the cap the filing states.
/// Every deposit and withdrawal is an event with a reference (invoice, payment order, SAFE registration), and
/// totals per purpose are public, so an auditor or regulator can reconcile spending against the filing without
/// asking the issuer (context/: proof that proceeds go to registered purposes).
///
/// Roles: DEFAULT_ADMIN_ROLE (the issuer admin) registers purposes and their caps; TREASURER_ROLE withdraws;
/// AUDITOR_ROLE (auditor, regulator, trustee) may put the vault on hold, stopping withdrawals during a review,
/// and lift the hold. Reading needs no role.
contract ProceedsVault is AccessControl, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    bytes32 public constant TREASURER_ROLE = keccak256("TREASURER_ROLE");
    bytes32 public constant AUDITOR_ROLE = keccak256("AUDITOR_ROLE");
    /// @notice At most this many purposes, so {purposes} stays a bounded read.
    uint256 public constant MAX_PURPOSES = 64;

    /// @notice A filed purpose: its cap and what has been withdrawn against it (one storage slot).
    struct Purpose {
        uint128 cap;
        uint128 withdrawn;
    }

    /// @notice The stablecoin the proceeds are held in.
    IERC20 public immutable asset;
    /// @notice Sum of recorded deposits (transfers sent to the vault outside {deposit} are not counted).
    uint256 public totalDeposited;
    /// @notice Sum of withdrawals.
    uint256 public totalWithdrawn;
    /// @notice True while an auditor holds withdrawals.
    bool public onHold;
    mapping(bytes32 purpose => Purpose) private _purposes;
    bytes32[] private _purposeList;

    event PurposeRegistered(bytes32 indexed purpose, uint256 cap);
    event PurposeCapSet(bytes32 indexed purpose, uint256 cap);
    event ProceedsDeposited(address indexed from, uint256 amount, string memo);
    event ProceedsWithdrawn(
        bytes32 indexed purpose, address indexed to, uint256 amount, string memo, address indexed treasurer
    );
    event HoldSet(bool onHold, address indexed by);

    error ZeroAddress();
    error ZeroAmount();
    error UnknownPurpose(bytes32 purpose);
    error PurposeExists(bytes32 purpose);
    error TooManyPurposes();
    error InvalidCap(uint256 cap, uint256 withdrawn);
    error CapExceeded(bytes32 purpose, uint256 cap, uint256 withdrawnAfter);
    error VaultOnHold();

    /// @param asset_ The stablecoin.
    /// @param admin The issuer admin (DEFAULT_ADMIN_ROLE).
    constructor(address asset_, address admin) {
        if (asset_ == address(0) || admin == address(0)) revert ZeroAddress();
        asset = IERC20(asset_);
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    // ------------------------------------------------------------------ issuer admin

    /// @notice Registers a purpose from the filing with its cap (admin).
    /// @param purpose Category id, e.g. bytes32("toll-road-capex").
    /// @param cap Most that may ever be withdrawn for it, in asset base units (non-zero).
    function registerPurpose(bytes32 purpose, uint256 cap) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (cap == 0 || cap > type(uint128).max) revert InvalidCap(cap, 0);
        if (_purposes[purpose].cap != 0) revert PurposeExists(purpose);
        if (_purposeList.length >= MAX_PURPOSES) revert TooManyPurposes();
        _purposes[purpose].cap = uint128(cap);
        _purposeList.push(purpose);
        emit PurposeRegistered(purpose, cap);
    }

    /// @notice Changes a purpose's cap after an amended filing (admin); never below what is already withdrawn.
    /// @param purpose A registered purpose.
    /// @param cap The new cap.
    function setPurposeCap(bytes32 purpose, uint256 cap) external onlyRole(DEFAULT_ADMIN_ROLE) {
        Purpose memory p = _purposes[purpose];
        if (p.cap == 0) revert UnknownPurpose(purpose);
        if (cap == 0 || cap < p.withdrawn || cap > type(uint128).max) revert InvalidCap(cap, p.withdrawn);
        _purposes[purpose].cap = uint128(cap);
        emit PurposeCapSet(purpose, cap);
    }

    // ------------------------------------------------------------------ money in and out

    /// @notice Deposits subscription proceeds (pulled from the caller, who approved the vault). Anyone may
    /// deposit: money in is never a risk, and the event records who paid.
    /// @param amount Asset base units.
    /// @param memo Free text: subscription round, payment reference.
    function deposit(uint256 amount, string calldata memo) external nonReentrant {
        if (amount == 0) revert ZeroAmount();
        totalDeposited += amount;
        asset.safeTransferFrom(msg.sender, address(this), amount);
        emit ProceedsDeposited(msg.sender, amount, memo);
    }

    /// @notice Pays `amount` to `to` for a registered purpose, within its cap (treasurer).
    /// @param purpose A registered purpose.
    /// @param amount Asset base units.
    /// @param to Payee.
    /// @param memo Invoice, contract or payment-order reference an auditor can trace.
    function withdraw(bytes32 purpose, uint256 amount, address to, string calldata memo)
        external
        onlyRole(TREASURER_ROLE)
        nonReentrant
    {
        if (onHold) revert VaultOnHold();
        if (to == address(0)) revert ZeroAddress();
        if (amount == 0) revert ZeroAmount();
        Purpose memory p = _purposes[purpose];
        if (p.cap == 0) revert UnknownPurpose(purpose);
        uint256 withdrawnAfter = uint256(p.withdrawn) + amount;
        if (withdrawnAfter > p.cap) revert CapExceeded(purpose, p.cap, withdrawnAfter);
        // withdrawnAfter <= cap < 2^128, so the narrowing is exact.
        _purposes[purpose].withdrawn = uint128(withdrawnAfter);
        totalWithdrawn += amount;
        asset.safeTransfer(to, amount);
        emit ProceedsWithdrawn(purpose, to, amount, memo, msg.sender);
    }

    /// @notice Stops (true) or resumes (false) withdrawals during a review (auditor).
    /// @param hold The new state.
    function setHold(bool hold) external onlyRole(AUDITOR_ROLE) {
        onHold = hold;
        emit HoldSet(hold, msg.sender);
    }

    // ------------------------------------------------------------------ reads (anyone)

    /// @notice A purpose's cap and the amount withdrawn against it; cap zero means not registered.
    /// @param purpose The purpose id.
    /// @return cap The filed cap.
    /// @return withdrawn Withdrawn so far.
    function purposeOf(bytes32 purpose) external view returns (uint256 cap, uint256 withdrawn) {
        Purpose memory p = _purposes[purpose];
        return (p.cap, p.withdrawn);
    }

    /// @notice Every registered purpose, in registration order.
    /// @return The purpose ids.
    function purposes() external view returns (bytes32[] memory) {
        return _purposeList;
    }

    /// @notice Vault totals.
    /// @return deposited Recorded deposits.
    /// @return withdrawn Withdrawals.
    /// @return balance The asset balance held now (may exceed deposited - withdrawn by unrecorded transfers).
    function totals() external view returns (uint256 deposited, uint256 withdrawn, uint256 balance) {
        return (totalDeposited, totalWithdrawn, asset.balanceOf(address(this)));
    }
}
