// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {FundBase} from "./FundBase.sol";
import {FundVault} from "../../../contracts/cashflow/FundVault.sol";
import {ReasonCodes} from "../../../contracts/compliance/ReasonCodes.sol";

/// @notice The refusals the other suites do not reach: empty requests, NAVs beyond the vault's 112 bits, empty cash
/// movements, and each reason a controller that may no longer send is refused a claim to another wallet.
contract FundBranchesTest is FundBase {
    function test_emptyRequestsAreRefused() public {
        vm.startPrank(alice);
        vm.expectRevert(FundVault.ZeroValue.selector);
        vault.requestDeposit(0, alice, alice);
        vm.expectRevert(FundVault.ZeroValue.selector);
        vault.requestDeposit(100e6, address(0), alice);
        vm.expectRevert(FundVault.ZeroValue.selector);
        vault.requestRedeem(0, alice, alice);
        vm.expectRevert(FundVault.ZeroValue.selector);
        vault.requestRedeem(1, address(0), alice);
        vm.stopPrank();
    }

    function test_aNavBeyondTheVaultsRangeIsRefused() public {
        uint256 tooLarge = uint256(type(uint112).max) + 1;
        vm.startPrank(AGENT);
        vm.expectRevert(abi.encodeWithSelector(FundVault.ValueTooLarge.selector, tooLarge));
        vault.publishNav(tooLarge, uint64(block.timestamp));
        vault.publishNav(ONE, uint64(block.timestamp));
        vm.expectRevert(abi.encodeWithSelector(FundVault.ValueTooLarge.selector, tooLarge));
        vault.correctNav(tooLarge);
        vm.stopPrank();
    }

    function test_emptyCashMovementsAreRefused() public {
        vm.startPrank(AGENT);
        vm.expectRevert(FundVault.ZeroValue.selector);
        vault.withdrawCash(0);
        vm.expectRevert(FundVault.ZeroValue.selector);
        vault.fundRedemptions(0);
        vm.stopPrank();
    }

    function test_aControllerRemovedFromTheRegistryClaimsOnlyToItself() public {
        _subscribe(alice, 100e6);
        _deal(ONE);
        registry.removeWallet(alice);
        _refusedClaimToBob(ReasonCodes.SENDER_NOT_VERIFIED);
    }

    function test_aControllerWhoseKycExpiredClaimsOnlyToItself() public {
        _subscribe(alice, 100e6);
        _deal(ONE);
        vm.warp(KYC_EXPIRY + 1);
        registry.updateInvestor(bob, HK, PROFESSIONAL, uint40(KYC_EXPIRY + 365 days)); // the receiver stays eligible
        _refusedClaimToBob(ReasonCodes.SENDER_KYC_EXPIRED);
    }

    function test_aSanctionedControllerClaimsOnlyToItself() public {
        _subscribe(alice, 100e6);
        _deal(ONE);
        registry.setInvestorFrozen(alice, true);
        _refusedClaimToBob(ReasonCodes.SENDER_SANCTIONED);
    }

    function _refusedClaimToBob(uint8 code) internal {
        uint256 assets = vault.maxDeposit(alice);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(FundVault.TransferRestricted.selector, code));
        vault.deposit(assets, bob, alice);
        assertEq(token.balanceOf(bob), 0, "nothing minted to the other wallet");
    }
}
