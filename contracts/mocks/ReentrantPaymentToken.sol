// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title ReentrantPaymentToken
/// @notice A hostile payment token for tests: when it moves funds out of a watched contract (the Distributor, the
/// Redemption), it first calls back into a target with prepared calldata, e.g. a second `claim`, a `pushBatch`
/// of the same holder or a `releaseWithheld`, and records whether that re-entry succeeded. The outer transfer then
/// completes normally, so a test can check that the holder was paid exactly once.
contract ReentrantPaymentToken is ERC20 {
    address public watched;
    address public target;
    bytes public attackCalldata;
    bool public attackArmed;
    uint256 public reentryAttempts;
    bool public lastReentrySucceeded;
    bytes public lastReentryRevertData;
    mapping(address account => bool) public blocked;

    /// @dev Transfer to a blocked account (a stablecoin blocklist), for testing failed payments.
    error RecipientBlocked(address account);

    constructor() ERC20("Reentrant USD", "rUSD") {}

    /// @notice Mints `amount` to `to` (anyone: test helper).
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Arms one re-entry: the next transfer out of `watched_` calls `target_` with `data`.
    /// @dev The token makes the call itself, so it needs whatever role or balance the re-entered function expects.
    function arm(address watched_, address target_, bytes calldata data) external {
        watched = watched_;
        target = target_;
        attackCalldata = data;
        attackArmed = true;
    }

    /// @notice Blocks (or unblocks) transfers to `account`, like a stablecoin issuer's blocklist.
    function setBlocked(address account, bool isBlocked) external {
        blocked[account] = isBlocked;
    }

    function _update(address from, address to, uint256 value) internal override {
        if (attackArmed && from == watched) {
            // Disarm first so the re-entered call's own transfers do not recurse.
            attackArmed = false;
            ++reentryAttempts;
            (bool ok, bytes memory data) = target.call(attackCalldata);
            lastReentrySucceeded = ok;
            lastReentryRevertData = data;
        }
        if (blocked[to]) revert RecipientBlocked(to);
        super._update(from, to, value);
    }
}
