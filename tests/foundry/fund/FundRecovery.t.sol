// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {FundBase} from "./FundBase.sol";
import {FundVault} from "../../../contracts/cashflow/FundVault.sol";
import {Entitlements} from "../../../contracts/cashflow/Entitlements.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";

/// @notice A lost wallet's claims follow the investor: after the token recovers the wallet (which freezes it), the
/// fund agent claims its units and cash to the investor's new wallet, and nowhere else.
contract FundRecoveryTest is FundBase {
    address internal constant ALICE_NEW = address(0xA11CE2);

    function _lostWithClaims() internal {
        token.mint(alice, 500e6);
        _subscribe(alice, 100e6);
        _redeem(alice, 200e6);
        _fundCash(1_000e6);
        _deal(ONE);
        registry.addWallet(alice, ALICE_NEW);
        token.recoveryAddress(alice, ALICE_NEW, address(0));
    }

    function test_theAgentClaimsALostWalletsUnitsAndCashToTheInvestorsNewWallet() public {
        _lostWithClaims();
        assertTrue(token.isFrozen(alice), "the recovery froze the lost wallet");
        assertEq(token.balanceOf(ALICE_NEW), 300e6, "the recovered units");
        uint256 supply = token.totalSupply();
        vm.prank(AGENT);
        (uint256 shares, uint256 assets) = vault.claimForInvestor(alice, ALICE_NEW);
        assertEq(shares, 100e6, "units bought at NAV 1");
        assertEq(assets, 200e6, "cash redeemed at NAV 1");
        assertEq(token.balanceOf(ALICE_NEW), 400e6, "units minted to the new wallet");
        assertEq(usd.balanceOf(ALICE_NEW), 200e6, "cash paid to the new wallet");
        assertEq(token.totalSupply(), supply + 100e6, "minted once");
        assertEq(vault.maxDeposit(alice) + vault.maxRedeem(alice), 0, "nothing left on the lost wallet");
        vm.prank(AGENT);
        vm.expectRevert(abi.encodeWithSelector(FundVault.NothingClaimable.selector, alice));
        vault.claimForInvestor(alice, ALICE_NEW);
    }

    function test_claimsFollowTheInvestorOnlyAndOnlyByTheAgent() public {
        _lostWithClaims();
        vm.prank(AGENT);
        vm.expectRevert(abi.encodeWithSelector(Entitlements.NotSameInvestor.selector, alice, bob));
        vault.claimForInvestor(alice, bob);
        bytes32 agentRole = vault.FUND_AGENT_ROLE();
        vm.prank(stranger);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, agentRole)
        );
        vault.claimForInvestor(alice, ALICE_NEW);
        uint256 claimable = vault.maxDeposit(alice); // the lost wallet itself, frozen, cannot take its units elsewhere
        vm.prank(alice);
        vm.expectRevert();
        vault.deposit(claimable, ALICE_NEW, alice);
    }

    function test_cashNotYetFundedStaysWhileTheUnitsMove() public {
        token.mint(alice, 500e6);
        _subscribe(alice, 100e6);
        _redeem(alice, 200e6);
        _deal(ONE); // no cash for the redemption yet
        registry.addWallet(alice, ALICE_NEW);
        token.recoveryAddress(alice, ALICE_NEW, address(0));
        vm.prank(AGENT);
        (uint256 shares, uint256 assets) = vault.claimForInvestor(alice, ALICE_NEW);
        assertEq(shares, 100e6, "units moved");
        assertEq(assets, 0, "no cash to pay yet");
        _fundCash(1_000e6);
        vm.prank(AGENT);
        (, assets) = vault.claimForInvestor(alice, ALICE_NEW);
        assertEq(assets, 200e6, "paid once funded");
    }
}
