// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {FundBase} from "./FundBase.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";
import {FundVault} from "../../../contracts/cashflow/FundVault.sol";
import {IERC7575, IERC7540Operator, IERC7540Deposit, IERC7540Redeem} from "../../../contracts/interfaces/IERC7540.sol";

/// @notice ERC-7540 (asynchronous ERC-4626 vaults, Final) and ERC-7575 (external share token) conformance,
/// case by case from the standards' text (each test quotes the requirement it checks), against FundVault on the
/// real share token.
contract FundConformanceTest is FundBase {
    event Deposit(address indexed sender, address indexed owner, uint256 assets, uint256 shares);
    event Withdraw(
        address indexed sender, address indexed receiver, address indexed owner, uint256 assets, uint256 shares
    );
    event OperatorSet(address indexed controller, address indexed operator, bool approved);
    event DepositRequest(
        address indexed controller, address indexed owner, uint256 indexed requestId, address sender, uint256 assets
    );
    event RedeemRequest(
        address indexed controller, address indexed owner, uint256 indexed requestId, address sender, uint256 shares
    );

    function _sel(string memory signature) internal pure returns (bytes4) {
        return bytes4(keccak256(bytes(signature)));
    }

    function _eq(bytes4 a, bytes4 b, string memory what) internal pure {
        assertEq(uint32(a), uint32(b), what);
    }

    // ------------------------------------------------------------------ ERC-165

    /// "All asynchronous Vaults MUST return the constant value true if either 0xe3bc4e65 (representing the operator
    /// methods that all ERC-7540 Vaults implement) or 0x2f0a18c5 (representing the ERC-7575 interface) is passed";
    /// "Asynchronous deposit Vaults MUST return ... true if 0xce3bbe50"; "Asynchronous redemption Vaults MUST
    /// return ... true if 0x620ee8e4"; "MUST implement the ERC-165 supportsInterface function" (0x01ffc9a7).
    function test_erc165_answersEachInterfaceIdOfTheStandards() public view {
        assertTrue(vault.supportsInterface(0x2f0a18c5), "ERC-7575 vault");
        assertTrue(vault.supportsInterface(0xe3bc4e65), "ERC-7540 operator");
        assertTrue(vault.supportsInterface(0xce3bbe50), "ERC-7540 async deposit");
        assertTrue(vault.supportsInterface(0x620ee8e4), "ERC-7540 async redeem");
        assertTrue(vault.supportsInterface(0x01ffc9a7), "ERC-165");
        assertTrue(!vault.supportsInterface(0xffffffff), "ERC-165: 0xffffffff is never supported");
        assertTrue(!vault.supportsInterface(0x87dfe5a0), "not an ERC-4626 vault: no share ERC-20 on the vault");
        assertTrue(!vault.supportsInterface(0xf815c03d), "not the ERC-7575 share token");
    }

    /// The ids are the XOR of the selectors the standards list, and the Solidity interfaces match them exactly.
    function test_erc165_idsAreTheXorOfTheStandardsSelectors() public pure {
        bytes4 vaultId = _sel("asset()") ^ _sel("share()") ^ _sel("convertToShares(uint256)")
            ^ _sel("convertToAssets(uint256)") ^ _sel("totalAssets()") ^ _sel("maxDeposit(address)")
            ^ _sel("previewDeposit(uint256)") ^ _sel("deposit(uint256,address)") ^ _sel("maxMint(address)")
            ^ _sel("previewMint(uint256)") ^ _sel("mint(uint256,address)") ^ _sel("maxWithdraw(address)")
            ^ _sel("previewWithdraw(uint256)") ^ _sel("withdraw(uint256,address,address)")
            ^ _sel("maxRedeem(address)") ^ _sel("previewRedeem(uint256)") ^ _sel("redeem(uint256,address,address)");
        _eq(vaultId, 0x2f0a18c5, "ERC-7575 selectors");
        _eq(type(IERC7575).interfaceId, 0x2f0a18c5, "IERC7575");
        bytes4 operatorId = _sel("setOperator(address,bool)") ^ _sel("isOperator(address,address)");
        _eq(operatorId, 0xe3bc4e65, "operator selectors");
        _eq(type(IERC7540Operator).interfaceId, 0xe3bc4e65, "IERC7540Operator");
        bytes4 depositId = _sel("requestDeposit(uint256,address,address)")
            ^ _sel("pendingDepositRequest(uint256,address)") ^ _sel("claimableDepositRequest(uint256,address)")
            ^ _sel("deposit(uint256,address,address)") ^ _sel("mint(uint256,address,address)");
        _eq(depositId, 0xce3bbe50, "async deposit selectors");
        _eq(type(IERC7540Deposit).interfaceId, 0xce3bbe50, "IERC7540Deposit");
        bytes4 redeemId = _sel("requestRedeem(uint256,address,address)")
            ^ _sel("pendingRedeemRequest(uint256,address)") ^ _sel("claimableRedeemRequest(uint256,address)");
        _eq(redeemId, 0x620ee8e4, "async redeem selectors");
        _eq(type(IERC7540Redeem).interfaceId, 0x620ee8e4, "IERC7540Redeem");
        _eq(type(IERC165).interfaceId, 0x01ffc9a7, "IERC165");
    }

    // ------------------------------------------------------------------ ERC-7575

    /// ERC-7575: "share: the address of the underlying share received on deposit into the Vault"; ERC-4626: "asset:
    /// the address of the underlying token used for the Vault".
    function test_erc7575_shareAndAsset() public view {
        assertEq(uint160(vault.share()), uint160(address(token)), "share() is the external share token");
        assertEq(uint160(vault.asset()), uint160(address(usd)), "asset()");
    }

    /// ERC-4626 conversions "MUST NOT show any variations depending on the caller"; totalAssets values the shares.
    function test_erc7575_conversionsFollowTheLatestNav() public {
        assertEq(vault.convertToShares(1_000e6), 0, "no NAV yet");
        _subscribe(alice, 1_250e6);
        _deal(1.25e6);
        _claimShares(alice);
        assertEq(vault.convertToShares(1_000e6), 800e6, "at 1.25");
        vm.prank(bob);
        assertEq(vault.convertToShares(1_000e6), 800e6, "same for any caller");
        assertEq(vault.convertToAssets(800e6), 1_000e6, "back");
        assertEq(vault.totalAssets(), 1_250e6, "1,000 shares at 1.25");
    }

    // ------------------------------------------------------------------ previews

    /// "previewDeposit and previewMint MUST revert for all callers and inputs"; "previewRedeem and previewWithdraw
    /// MUST revert for all callers and inputs".
    function testFuzz_previewsRevertForAllCallersAndInputs(uint256 amount, address caller) public {
        _subscribe(alice, 100e6);
        _deal(ONE); // even with a NAV and a claimable request
        vm.prank(caller);
        vm.expectRevert(FundVault.AsyncNoPreview.selector);
        vault.previewDeposit(amount);
        vm.prank(caller);
        vm.expectRevert(FundVault.AsyncNoPreview.selector);
        vault.previewMint(amount);
        vm.prank(caller);
        vm.expectRevert(FundVault.AsyncNoPreview.selector);
        vault.previewWithdraw(amount);
        vm.prank(caller);
        vm.expectRevert(FundVault.AsyncNoPreview.selector);
        vault.previewRedeem(amount);
    }

    // ------------------------------------------------------------------ requests

    /// requestDeposit: "Transfers assets from owner into the Vault"; "MUST emit the DepositRequest event"; `sender`
    /// "is the caller of the requestDeposit which may not be equal to the owner".
    function test_requestDeposit_pullsFromOwnerAndEmitsDepositRequest() public {
        vm.prank(alice);
        vault.setOperator(OPERATOR, true);
        uint256 before = usd.balanceOf(alice);
        vm.prank(OPERATOR);
        cheats.expectEmit(true, true, true, true, address(vault));
        emit DepositRequest(bob, alice, 1, OPERATOR, 100e6);
        uint256 requestId = vault.requestDeposit(100e6, bob, alice);
        assertEq(requestId, 1, "request id");
        assertEq(usd.balanceOf(alice), before - 100e6, "from the owner");
        assertEq(vault.pendingDepositRequest(requestId, bob), 100e6, "pending for the controller");
        assertEq(vault.pendingDepositRequest(requestId, alice), 0, "not for the owner");
    }

    /// requestRedeem: "the shares MUST be removed from the custody of owner upon requestRedeem"; "MUST emit the
    /// RedeemRequest event".
    function test_requestRedeem_removesSharesFromTheOwnerAndEmitsRedeemRequest() public {
        token.mint(alice, 100e6);
        vm.prank(alice);
        cheats.expectEmit(true, true, true, true, address(vault));
        emit RedeemRequest(bob, alice, 1, alice, 40e6);
        uint256 requestId = vault.requestRedeem(40e6, bob, alice);
        assertEq(token.balanceOf(alice), 60e6, "out of the owner's custody");
        assertEq(token.balanceOf(address(vault)), 0, "burnt, not escrowed");
        assertEq(vault.pendingRedeemRequest(requestId, bob), 40e6, "pending for the controller");
    }

    /// "owner MUST equal msg.sender unless the owner has approved the msg.sender as an operator" (both requests).
    function test_requests_ownerMustBeTheCallerOrItsOperator() public {
        token.mint(alice, 100e6);
        vm.startPrank(bob);
        vm.expectRevert(abi.encodeWithSelector(FundVault.NotOwnerOrOperator.selector, alice, bob));
        vault.requestDeposit(1e6, bob, alice);
        vm.expectRevert(abi.encodeWithSelector(FundVault.NotOwnerOrOperator.selector, alice, bob));
        vault.requestRedeem(1e6, bob, alice);
        vm.stopPrank();
    }

    /// requestDeposit "MUST revert if all of assets cannot be requested ... (due to ... the user not approving enough
    /// underlying tokens to the Vault contract, etc)"; requestRedeem "MUST revert if all of shares cannot be
    /// requested ... (... the owner not having enough shares, etc)". Nothing is requested in part.
    function test_requests_revertIfNotAllOfTheAmountCanBeRequested() public {
        vm.prank(alice);
        usd.approve(address(vault), 50e6);
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(IERC20Errors.ERC20InsufficientAllowance.selector, address(vault), 50e6, 50e6 + 1)
        );
        vault.requestDeposit(50e6 + 1, alice, alice);
        address poor = address(0xA11CE3);
        registry.addWallet(alice, poor);
        usd.mint(poor, 10e6);
        vm.prank(poor);
        usd.approve(address(vault), type(uint256).max);
        vm.prank(poor);
        vm.expectRevert(abi.encodeWithSelector(IERC20Errors.ERC20InsufficientBalance.selector, poor, 10e6, 10e6 + 1));
        vault.requestDeposit(10e6 + 1, poor, poor);
        token.mint(bob, 30e6);
        vm.prank(bob);
        vm.expectRevert();
        vault.requestRedeem(30e6 + 1, bob, bob);
        assertEq(vault.pendingDepositRequest(0, alice), 0, "nothing in part");
        assertEq(vault.pendingDepositRequest(0, poor), 0, "nothing in part");
        assertEq(vault.pendingRedeemRequest(0, bob), 0, "nothing in part");
        assertEq(token.balanceOf(bob), 30e6, "shares untouched");
        (uint256 redeemShares,,, uint256 unfulfilled,,) = vault.cycleInfo(1);
        assertEq(redeemShares + unfulfilled, 0, "empty book");
    }

    // ------------------------------------------------------------------ pending and claimable views

    /// pendingDepositRequest "MUST NOT include any assets in Claimable state"; claimableDepositRequest "MUST NOT
    /// include any assets in Pending state"; both "MUST NOT show any variations depending on the caller". The
    /// lifecycle table: fulfilment moves the request from pending to claimable, the claim takes it out.
    function test_depositViews_pendingExcludesClaimableAndViceVersa() public {
        _subscribe(alice, 300e6);
        _check(alice, 1, 300e6, 0);
        _deal(1.5e6);
        _check(alice, 1, 0, 300e6);
        _subscribe(alice, 150e6); // cycle 2: pulls the fulfilment of cycle 1
        _check(alice, 2, 150e6, 300e6);
        assertEq(vault.pendingDepositRequest(1, alice), 0, "cycle 1 is not pending any more");
        assertEq(vault.pendingDepositRequest(3, alice), 0, "an unknown request id");
        vm.prank(alice);
        vault.deposit(100e6, alice);
        _check(alice, 2, 150e6, 200e6);
        _deal(1.5e6);
        _check(alice, 2, 0, 350e6);
    }

    function _check(address who, uint256 requestId, uint256 pending, uint256 claimable) internal {
        assertEq(vault.pendingDepositRequest(requestId, who), pending, "pending");
        assertEq(vault.pendingDepositRequest(0, who), pending, "pending, id 0");
        assertEq(vault.claimableDepositRequest(requestId, who), claimable, "claimable");
        assertEq(vault.maxDeposit(who), claimable, "maxDeposit in sync with claimableDepositRequest");
        vm.prank(stranger);
        assertEq(vault.pendingDepositRequest(requestId, who), pending, "no variation by caller");
        vm.prank(stranger);
        assertEq(vault.claimableDepositRequest(requestId, who), claimable, "no variation by caller");
    }

    /// pendingRedeemRequest "MUST NOT include any shares in Claimable state"; claimableRedeemRequest "MUST NOT include
    /// any shares in Pending state".
    function test_redeemViews_pendingExcludesClaimableAndViceVersa() public {
        token.mint(alice, 500e6);
        _redeem(alice, 200e6);
        assertEq(vault.pendingRedeemRequest(1, alice), 200e6, "pending");
        assertEq(vault.claimableRedeemRequest(1, alice), 0, "not claimable");
        assertEq(vault.maxRedeem(alice), 0, "maxRedeem");
        _fundCash(1_000e6);
        _deal(ONE);
        assertEq(vault.pendingRedeemRequest(1, alice), 0, "no longer pending");
        assertEq(vault.claimableRedeemRequest(1, alice), 200e6, "claimable");
        _redeem(alice, 100e6);
        assertEq(vault.pendingRedeemRequest(2, alice), 100e6, "the new request only");
        assertEq(vault.claimableRedeemRequest(2, alice), 200e6, "the claimable one only");
        vm.prank(bob);
        assertEq(vault.pendingRedeemRequest(2, alice), 100e6, "no variation by caller");
        vm.prank(bob);
        assertEq(vault.claimableRedeemRequest(2, alice), 200e6, "no variation by caller");
    }

    /// "maxDeposit increases and decreases in sync with claimableDepositRequest" — and maxMint with the shares, and
    /// on the redeem side maxRedeem with claimableRedeemRequest and maxWithdraw with its assets.
    function test_maxViewsMoveWithClaimable() public {
        _subscribe(alice, 1_000e6);
        token.mint(bob, 400e6);
        _redeem(bob, 400e6);
        assertEq(vault.maxDeposit(alice) + vault.maxMint(alice) + vault.maxRedeem(bob) + vault.maxWithdraw(bob), 0, "0");
        _fundCash(1_000e6);
        _deal(2e6);
        assertEq(vault.maxDeposit(alice), 1_000e6, "maxDeposit");
        assertEq(vault.maxMint(alice), 500e6, "maxMint");
        assertEq(vault.maxRedeem(bob), 400e6, "maxRedeem");
        assertEq(vault.maxWithdraw(bob), 800e6, "maxWithdraw");
        vm.prank(alice);
        vault.mint(100e6, alice);
        assertEq(vault.maxMint(alice), 400e6, "maxMint down");
        assertEq(vault.maxDeposit(alice), 800e6, "maxDeposit down");
        assertEq(vault.claimableDepositRequest(0, alice), vault.maxDeposit(alice), "in sync");
        vm.prank(bob);
        vault.withdraw(200e6, bob, bob);
        assertEq(vault.maxWithdraw(bob), 600e6, "maxWithdraw down");
        assertEq(vault.maxRedeem(bob), 300e6, "maxRedeem down");
        assertEq(vault.claimableRedeemRequest(0, bob), vault.maxRedeem(bob), "in sync");
        // The maxima are exactly what the claims accept.
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(FundVault.ExceedsClaimable.selector, 400e6 + 1, 400e6));
        vault.mint(400e6 + 1, alice);
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(FundVault.ExceedsClaimable.selector, 300e6 + 1, 300e6));
        vault.redeem(300e6 + 1, bob, bob);
        vm.prank(alice);
        vault.mint(400e6, alice);
        vm.prank(bob);
        vault.redeem(300e6, bob, bob);
        assertEq(vault.maxDeposit(alice) + vault.maxMint(alice) + vault.maxRedeem(bob) + vault.maxWithdraw(bob), 0, "0");
    }

    // ------------------------------------------------------------------ claims

    /// "When the Deposit event is emitted, the first parameter MUST be the controller, and the second parameter MUST
    /// be the receiver" — also when an operator claims.
    function test_depositEvent_firstParameterIsTheControllerSecondTheReceiver() public {
        _subscribe(alice, 100e6);
        _deal(ONE);
        vm.prank(alice);
        vault.setOperator(OPERATOR, true);
        vm.prank(OPERATOR);
        cheats.expectEmit(true, true, true, true, address(vault));
        emit Deposit(alice, bob, 40e6, 40e6);
        vault.deposit(40e6, bob, alice);
        vm.prank(alice);
        cheats.expectEmit(true, true, true, true, address(vault));
        emit Deposit(alice, alice, 60e6, 60e6);
        vault.mint(60e6, alice);
    }

    /// "The owner field of redeem and withdraw SHOULD be renamed to controller, and the controller MUST be msg.sender
    /// unless the controller has approved the msg.sender as an operator": Withdraw's owner is the controller.
    function test_withdrawEvent_ownerIsTheController() public {
        token.mint(alice, 100e6);
        _redeem(alice, 100e6);
        _fundCash(100e6);
        _deal(ONE);
        vm.prank(alice);
        vault.setOperator(OPERATOR, true);
        vm.prank(OPERATOR);
        cheats.expectEmit(true, true, true, true, address(vault));
        emit Withdraw(OPERATOR, bob, alice, 30e6, 30e6);
        vault.redeem(30e6, bob, alice);
        vm.prank(alice);
        cheats.expectEmit(true, true, true, true, address(vault));
        emit Withdraw(alice, alice, alice, 70e6, 70e6);
        vault.withdraw(70e6, alice, alice);
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(FundVault.NotOwnerOrOperator.selector, alice, bob));
        vault.withdraw(1, bob, alice);
    }

    /// deposit/mint with a controller: "Calls MUST revert unless msg.sender is either equal to controller or an
    /// operator approved by controller". The two-argument ERC-4626 forms claim for msg.sender.
    function test_claims_revertUnlessTheCallerIsTheControllerOrItsOperator() public {
        _subscribe(alice, 100e6);
        _deal(ONE);
        vm.startPrank(bob);
        vm.expectRevert(abi.encodeWithSelector(FundVault.NotOwnerOrOperator.selector, alice, bob));
        vault.deposit(1e6, bob, alice);
        vm.expectRevert(abi.encodeWithSelector(FundVault.NotOwnerOrOperator.selector, alice, bob));
        vault.mint(1e6, bob, alice);
        vm.expectRevert(abi.encodeWithSelector(FundVault.ExceedsClaimable.selector, 1e6, 0));
        vault.deposit(1e6, bob); // bob's own claim, of which there is none
        vm.stopPrank();
    }

    /// "Requests MUST NOT skip or otherwise short-circuit the Claim state": nothing reaches the controller before
    /// it claims, even once fulfilled.
    function test_requestsDoNotPushTokens() public {
        _subscribe(alice, 100e6);
        token.mint(bob, 100e6);
        _redeem(bob, 100e6);
        _fundCash(100e6);
        uint256 bobCash = usd.balanceOf(bob);
        _deal(ONE);
        _fulfil(alice, bob);
        assertEq(token.balanceOf(alice), 0, "no shares pushed");
        assertEq(usd.balanceOf(bob), bobCash, "no cash pushed");
        assertEq(vault.maxMint(alice), 100e6, "claimable");
        assertEq(vault.maxWithdraw(bob), 100e6, "claimable");
    }

    // ------------------------------------------------------------------ operators

    /// setOperator "MUST set the operator status to the approved value", "MUST log the OperatorSet event", "MUST
    /// return True"; OperatorSet "MAY be logged when the operator status is set to the same status".
    function test_setOperator_setsLogsAndReturnsTrue() public {
        vm.prank(alice);
        cheats.expectEmit(true, true, true, true, address(vault));
        emit OperatorSet(alice, OPERATOR, true);
        assertTrue(vault.setOperator(OPERATOR, true), "returns true");
        assertTrue(vault.isOperator(alice, OPERATOR), "set");
        vm.prank(alice);
        cheats.expectEmit(true, true, true, true, address(vault));
        emit OperatorSet(alice, OPERATOR, true);
        assertTrue(vault.setOperator(OPERATOR, true), "same status again");
        vm.prank(alice);
        cheats.expectEmit(true, true, true, true, address(vault));
        emit OperatorSet(alice, OPERATOR, false);
        assertTrue(vault.setOperator(OPERATOR, false), "revoke returns true");
        assertTrue(!vault.isOperator(alice, OPERATOR), "revoked");
        assertTrue(!vault.isOperator(OPERATOR, alice), "directional");
    }

    /// "Requests of the same requestId MUST be fungible ... If a Request with requestId != 0 becomes partially
    /// claimable, all requests of the same requestId MUST become claimable at the same pro-rata rate" (the gate).
    function test_requestsOfTheSameIdBecomeClaimableAtTheSameRate() public {
        _setTerms(0, 0, 5_000, 0);
        token.mint(alice, 300e6);
        token.mint(bob, 700e6);
        _redeem(alice, 300e6);
        _redeem(bob, 300e6);
        _subscribe(carol, 100e6);
        _subscribe(erin, 300e6);
        _fundCash(1_000e6);
        _deal(1.25e6);
        // gate = 50% of (400 left + 600 requested) = 500 of 600: both get 5/6 of their request.
        assertEq(vault.claimableRedeemRequest(1, alice), 250e6, "alice 5/6");
        assertEq(vault.claimableRedeemRequest(1, bob), 250e6, "bob 5/6");
        assertEq(vault.maxMint(carol) * 3, vault.maxMint(erin), "same price per asset");
    }
}
