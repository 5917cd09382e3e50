// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {FundBase} from "./FundBase.sol";
import {FundVault} from "../../../contracts/cashflow/FundVault.sol";
import {ReasonCodes} from "../../../contracts/compliance/ReasonCodes.sol";

/// @notice A closed cycle deals as it was closed whenever its requests are fulfilled (fees included); the views never
/// promise a claim the vault would refuse, nor lose sight of the gate's remainder; a controller that may not send
/// cannot move its claim to another wallet.
contract FundDealtAsClosedTest is FundBase {
    /// @dev The outcome is fixed by the closed cycle: a fee changed after the close does not touch a request of that
    /// cycle fulfilled later, so a lazy fulfilment equals the batch.
    function test_subscriptionFeeIsTheOneInForceAtTheCloseWhenEverFulfilled() public {
        _subscribe(alice, 1_000e6);
        _subscribe(bob, 1_000e6);
        _deal(ONE); // closed with no fee
        _fulfil(alice);
        uint256 aliceShares = vault.maxMint(alice);
        _setTerms(1000, 0, 10_000, 0); // 10% from now on
        assertEq(vault.maxMint(bob), aliceShares, "bob's claimable shares moved with the new fee");
        _fulfil(bob);
        assertEq(vault.maxMint(bob), aliceShares, "bob dealt at another fee than alice in the same cycle");
    }

    function test_redemptionFeeIsTheOneInForceAtTheCloseWhenEverFulfilled() public {
        token.mint(alice, 100e6);
        token.mint(bob, 100e6);
        _redeem(alice, 100e6);
        _redeem(bob, 100e6);
        _fundCash(1_000e6);
        _deal(ONE);
        _fulfil(alice);
        _setTerms(0, 1000, 10_000, 0);
        _fulfil(bob);
        assertEq(vault.maxWithdraw(bob), vault.maxWithdraw(alice), "same cycle, same fee");
    }

    /// @dev ERC-7540: pendingRedeemRequest is "the amount of requested shares in Pending state". After a gated close
    /// the gate's remainder is pending (in the next cycle) whether or not the fulfilment has been pushed.
    function test_gatedRemainderShowsAsPendingBeforeAndAfterThePush() public {
        _setTerms(0, 0, 2_500, 0);
        token.mint(alice, 600e6);
        token.mint(bob, 400e6);
        _redeem(alice, 400e6);
        _redeem(bob, 200e6);
        _fundCash(1_000e6);
        _deal(ONE);
        uint256 claimable = vault.claimableRedeemRequest(0, alice); // 166.666666
        assertEq(vault.pendingRedeemRequest(0, alice) + claimable, 400e6, "pending + claimable before the push");
        assertEq(vault.pendingRedeemRequest(2, alice), 400e6 - claimable, "the gate's remainder waits in cycle 2");
        assertEq(vault.pendingRedeemRequest(1, alice), 0, "cycle 1's part is claimable, not pending");
        _fulfil(alice);
        assertEq(vault.pendingRedeemRequest(0, alice), 400e6 - claimable, "the same after the push");
        assertEq(vault.claimableRedeemRequest(0, alice), claimable, "and the same claimable");
    }

    /// @dev ERC-4626 maxRedeem/maxWithdraw "MUST NOT be higher than the actual maximum that would be accepted": while
    /// the vault lacks the cash a closed cycle's redemption needs, it is not claimable yet.
    function test_maxRedeemNeverExceedsWhatAClaimAcceptsWhileCashIsShort() public {
        token.mint(alice, 100e6);
        _redeem(alice, 100e6);
        _deal(ONE);
        uint256 max = vault.maxRedeem(alice);
        vm.prank(alice);
        try vault.redeem(max, alice, alice) {}
        catch (bytes memory reason) {
            assertEq(max, 0, string.concat("maxRedeem reports a claim that reverts: ", vm.toString(reason)));
        }
    }

    /// @dev A court-ordered freeze of the controller's wallet cannot be bypassed by claiming its shares to another
    /// wallet: that leaves the controller as a transfer would, and is refused with the sender's code.
    function test_frozenControllerCannotClaimSharesToAnotherWallet() public {
        _subscribe(alice, 100e6);
        _deal(ONE);
        token.setAddressFrozen(alice, true);
        vm.prank(alice);
        vm.expectRevert(_restricted(ReasonCodes.SENDER_FROZEN));
        vault.deposit(100e6, bob, alice);
    }
}
