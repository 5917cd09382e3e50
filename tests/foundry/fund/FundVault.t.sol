// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {FundBase} from "./FundBase.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {FundVault} from "../../../contracts/cashflow/FundVault.sol";
import {MockStablecoin} from "../../../contracts/mocks/MockStablecoin.sol";
import {PaymentTokenPolicy} from "../../../contracts/cashflow/PaymentTokenPolicy.sol";
import {CollateralManager} from "../../../contracts/settlement/CollateralManager.sol";
import {ReasonCodes} from "../../../contracts/compliance/ReasonCodes.sol";
import {Shipped} from "../utils/Shipped.sol";
import {IERC7943FungibleEvents} from "../../../contracts/interfaces/IERC7943.sol";

/// @notice FundVault's dealing rules on the real share token: forward pricing, fees and rounding, minimum
/// subscription, cut-off, cancellation, NAV publication and correction, redemption gates, cash, lazy and batch
/// fulfilment, operators, partial claims, the token's compliance on every request and claim, and access control.
contract FundVaultTest is FundBase {
    event NavPublished(uint256 navPerShare, uint64 asOf);
    event NavCorrected(uint256 previousNavPerShare, uint256 navPerShare, uint64 asOf);
    event CutoffSet(uint256 indexed cycle, uint64 cutoff);
    event CashWithdrawn(address indexed treasury, uint256 amount);
    event FeesWithdrawn(address indexed feeRecipient, uint256 amount);
    event RedemptionCashFunded(address indexed from, uint256 amount);
    event DepositRequestCancelled(address indexed controller, uint256 indexed cycle, uint256 assets);
    event RedeemRequestCancelled(address indexed controller, uint256 indexed cycle, uint256 shares);
    event DepositFulfilled(
        address indexed controller, uint256 indexed cycle, uint256 assets, uint256 shares, uint256 fee
    );
    event RedeemFulfilled(
        address indexed controller, uint256 indexed cycle, uint256 shares, uint256 assets, uint256 fee, uint256 carried
    );

    // ------------------------------------------------------------------ subscriptions at the next NAV

    function test_subscriptionAtNextNavMintsSharesOnClaim() public {
        uint256 before = usd.balanceOf(alice);
        assertEq(_subscribe(alice, 1_000e6), 1, "request id is the open cycle");
        assertEq(usd.balanceOf(alice), before - 1_000e6, "cash pulled at request");
        assertEq(usd.balanceOf(address(vault)), 1_000e6, "held by the vault");
        assertEq(vault.pendingDepositRequest(1, alice), 1_000e6, "pending");
        assertEq(vault.claimableDepositRequest(1, alice), 0, "nothing claimable before the close");
        assertEq(token.balanceOf(alice), 0, "no shares before the NAV");

        _deal(1.25e6);
        assertEq(vault.pendingDepositRequest(1, alice), 0, "no longer pending");
        assertEq(vault.claimableDepositRequest(1, alice), 1_000e6, "claimable at once");
        assertEq(vault.maxMint(alice), 800e6, "1,000 USD at 1.25 = 800 shares");

        vm.prank(alice);
        uint256 shares = vault.deposit(1_000e6, alice);
        assertEq(shares, 800e6, "shares");
        assertEq(token.balanceOf(alice), 800e6, "minted through the token");
        assertEq(token.totalSupply(), 800e6, "supply");
        assertEq(vault.maxMint(alice), 0, "claimed");
        assertEq(_available(), 1_000e6, "the cash is the fund's");
    }

    function test_subscriptionFeeRoundsUpAndSharesRoundDown() public {
        _setTerms(25, 0, 10_000, 0);
        _subscribe(alice, 333_333_333);
        _deal(1.07e6);
        // fee = ceil(333.333333 x 0.25%) = 0.833334; shares = floor(332.499999 / 1.07) = 310.747662
        assertEq(vault.maxMint(alice), 310_747_662, "shares round down");
        _fulfil(alice);
        assertEq(_fees(), 833_334, "fee rounds up");
        assertEq(_available(), 333_333_333 - 833_334, "net cash");
        assertEq(_claimShares(alice), 310_747_662, "minted");
    }

    function test_redemptionFeeRoundsUpAndCashRoundsDown() public {
        _setTerms(0, 50, 10_000, 0);
        token.mint(alice, 123_456_789);
        _redeem(alice, 123_456_789);
        _fundCash(1_000e6);
        _deal(1.07e6);
        // gross = floor(123.456789 x 1.07) = 132.098764; fee = ceil(0.5%) = 0.660494
        assertEq(vault.maxWithdraw(alice), 131_438_270, "cash net of the fee");
        assertEq(vault.maxRedeem(alice), 123_456_789, "shares redeemed");
        _fulfil(alice);
        assertEq(_fees(), 660_494, "fee");
        assertEq(_available(), 1_000e6 - 132_098_764, "gross left the available cash");
        uint256 before = usd.balanceOf(alice);
        assertEq(_claimCash(alice), 131_438_270, "paid");
        assertEq(usd.balanceOf(alice), before + 131_438_270, "received");
    }

    function test_minimumSubscriptionCountsTheSumWithinACycle() public {
        _setTerms(0, 0, 10_000, 500e6);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(FundVault.BelowMinimumSubscription.selector, 300e6, 500e6));
        vault.requestDeposit(300e6, alice, alice);
        _subscribe(alice, 500e6);
        _subscribe(alice, 1); // a top-up counts with what is already requested this cycle
        assertEq(vault.pendingDepositRequest(0, alice), 500e6 + 1, "summed");
        _deal(ONE);
        // The next cycle starts from zero: the fulfilled request does not count.
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(FundVault.BelowMinimumSubscription.selector, 100e6, 500e6));
        vault.requestDeposit(100e6, alice, alice);
    }

    function test_cutoffRefusesRequestsAndCancellations() public {
        token.mint(bob, 100e6);
        _subscribe(alice, 100e6);
        _redeem(bob, 50e6);
        vm.warp(CUTOFF1);
        bytes memory cutOff = abi.encodeWithSelector(FundVault.DealingCutOffPassed.selector, 1, CUTOFF1);
        vm.prank(alice);
        vm.expectRevert(cutOff);
        vault.requestDeposit(100e6, alice, alice);
        vm.prank(bob);
        vm.expectRevert(cutOff);
        vault.requestRedeem(10e6, bob, bob);
        vm.prank(alice);
        vm.expectRevert(cutOff);
        vault.cancelDepositRequest(alice);
        vm.prank(bob);
        vm.expectRevert(cutOff);
        vault.cancelRedeemRequest(bob);
        // One second before, all was open.
        vm.warp(CUTOFF1 - 1);
        vm.prank(alice);
        vault.cancelDepositRequest(alice);
    }

    function test_cancelledSubscriptionRefundsTheAssetsExactly() public {
        uint256 before = usd.balanceOf(alice);
        _subscribe(alice, 1_000e6);
        _subscribe(alice, 234_567);
        vm.prank(alice);
        cheats.expectEmit(true, true, true, true, address(vault));
        emit DepositRequestCancelled(alice, 1, 1_000e6 + 234_567);
        assertEq(vault.cancelDepositRequest(alice), 1_000e6 + 234_567, "returned");
        assertEq(usd.balanceOf(alice), before, "refunded exactly");
        assertEq(usd.balanceOf(address(vault)), 0, "vault empty");
        assertEq(vault.pendingDepositRequest(0, alice), 0, "nothing pending");
        (,,, uint256 unfulfilled,,) = vault.cycleInfo(1);
        assertEq(unfulfilled, 0, "no request left");
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(FundVault.NothingPending.selector, alice));
        vault.cancelDepositRequest(alice);
        // The cycle closes without it.
        _deal(ONE);
        assertEq(vault.maxDeposit(alice), 0, "nothing to claim");
    }

    function test_cancelledRedemptionMintsTheSharesBack() public {
        token.mint(alice, 500e6);
        _redeem(alice, 200e6);
        assertEq(token.balanceOf(alice), 300e6, "burnt at request");
        assertEq(token.totalSupply(), 300e6, "supply down");
        vm.prank(alice);
        cheats.expectEmit(true, true, true, true, address(vault));
        emit RedeemRequestCancelled(alice, 1, 200e6);
        assertEq(vault.cancelRedeemRequest(alice), 200e6, "returned");
        assertEq(token.balanceOf(alice), 500e6, "minted back");
        assertEq(token.totalSupply(), 500e6, "supply restored");
        assertEq(vault.pendingRedeemRequest(0, alice), 0, "nothing pending");
        assertEq(_unfulfilled(1), 0, "no request left");
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(FundVault.NothingPending.selector, alice));
        vault.cancelRedeemRequest(alice);
    }

    // ------------------------------------------------------------------ closing a cycle

    function test_closeRefusedBeforeTheCutoff() public {
        vm.warp(CUTOFF1 - 1);
        vm.prank(AGENT);
        vm.expectRevert(abi.encodeWithSelector(FundVault.CutoffNotReached.selector, 1, CUTOFF1));
        vault.closeCycle(uint64(CUTOFF1 + 1 days));
    }

    function test_closeRefusedAtANavValuedBeforeTheCutoff_forwardPricing() public {
        vm.warp(CUTOFF1 - 10);
        vm.prank(AGENT);
        vault.publishNav(ONE, uint64(CUTOFF1 - 10));
        vm.warp(CUTOFF1);
        vm.prank(AGENT);
        vm.expectRevert(abi.encodeWithSelector(FundVault.NavBeforeCutoff.selector, CUTOFF1 - 10, CUTOFF1));
        vault.closeCycle(uint64(CUTOFF1 + 1 days));
        // A NAV valued at the cut-off itself deals.
        vm.prank(AGENT);
        vault.publishNav(ONE, CUTOFF1);
        _close();
        assertEq(_cycle(), 2, "closed");
    }

    function test_closeRefusedAtAStaleNav() public {
        vm.warp(CUTOFF1);
        vm.prank(AGENT);
        vault.publishNav(ONE, CUTOFF1);
        vm.warp(CUTOFF1 + 1 days + 1);
        vm.prank(AGENT);
        vm.expectRevert(abi.encodeWithSelector(FundVault.NavStale.selector, CUTOFF1, uint64(1 days)));
        vault.closeCycle(uint64(block.timestamp + 1 days));
        // Exactly at the bound it is not stale.
        vm.warp(CUTOFF1 + 1 days);
        _close();
    }

    function test_closeRefusedWithoutANav() public {
        vm.warp(CUTOFF1);
        vm.prank(AGENT);
        vm.expectRevert(FundVault.NavMissing.selector);
        vault.closeCycle(uint64(CUTOFF1 + 1 days));
    }

    function test_closeRefusedWhileThePreviousCyclesRedemptionsAreUnfulfilled() public {
        token.mint(alice, 100e6);
        token.mint(bob, 100e6);
        vm.prank(alice);
        vault.requestRedeem(10e6, alice, alice);
        vm.prank(bob);
        vault.requestRedeem(10e6, bob, bob);
        _subscribe(carol, 100e6); // a subscription left unpushed does not hold the next close back
        _deal(ONE);
        vm.prank(AGENT);
        vault.fundRedemptions(100e6);
        vm.warp(_cutoff());
        vm.prank(AGENT);
        vault.publishNav(ONE, uint64(block.timestamp));
        vm.prank(AGENT);
        vm.expectRevert(abi.encodeWithSelector(FundVault.PreviousCycleUnfulfilled.selector, 1, 2));
        vault.closeCycle(uint64(block.timestamp + 1 days));
        _fulfil(alice);
        vm.prank(AGENT);
        vm.expectRevert(abi.encodeWithSelector(FundVault.PreviousCycleUnfulfilled.selector, 1, 1));
        vault.closeCycle(uint64(block.timestamp + 1 days));
        uint256 claimable = vault.maxRedeem(bob);
        vm.prank(bob);
        vault.redeem(claimable, bob, bob); // a claim pulls the fulfilment too
        _close();
        assertEq(_cycle(), 3, "closed once every redemption was fulfilled");
        assertEq(_claimShares(carol), 100e6, "the unpushed subscription is still claimable at its cycle's NAV");
    }

    function test_closeDoesNotDependOnThePolicySoRequestsMadeAreAlwaysDealt() public {
        _subscribe(alice, 100e6);
        vm.prank(ADMIN);
        policy.disallowPaymentToken(address(usd));
        _publishAfterCutoff(ONE);
        vm.prank(AGENT);
        vault.closeCycle(uint64(block.timestamp + 1 days));
        assertEq(_cycle(), 2, "closed");
        assertEq(_claimShares(alice), 100e6, "dealt");
    }

    function test_closeRefusesANextCutoffNotInTheFuture() public {
        _publishAfterCutoff(ONE);
        vm.prank(AGENT);
        vm.expectRevert(FundVault.ZeroValue.selector);
        vault.closeCycle(uint64(block.timestamp));
    }

    // ------------------------------------------------------------------ NAV

    function test_navPublicationRules() public {
        vm.warp(T0 + 100);
        vm.prank(AGENT);
        vm.expectRevert(abi.encodeWithSelector(FundVault.InvalidNav.selector, 0, uint64(T0)));
        vault.publishNav(0, uint64(T0));
        vm.prank(AGENT);
        vm.expectRevert(abi.encodeWithSelector(FundVault.InvalidNav.selector, ONE, uint64(T0 + 101)));
        vault.publishNav(ONE, uint64(T0 + 101)); // valued in the future
        vm.prank(AGENT);
        cheats.expectEmit(true, true, true, true, address(vault));
        emit NavPublished(1.01e6, uint64(T0 + 50));
        vault.publishNav(1.01e6, uint64(T0 + 50));
        vm.prank(AGENT);
        vm.expectRevert(abi.encodeWithSelector(FundVault.InvalidNav.selector, ONE, uint64(T0 + 50)));
        vault.publishNav(ONE, uint64(T0 + 50)); // not after the previous valuation
        (uint256 perShare, uint64 asOf, bool used) = vault.nav();
        assertEq(perShare, 1.01e6, "nav");
        assertEq(asOf, T0 + 50, "asOf");
        assertTrue(!used, "unused");
    }

    function test_navCorrectionRefusedOnceACycleDealtAtIt() public {
        vm.prank(AGENT);
        vm.expectRevert(FundVault.NavMissing.selector);
        vault.correctNav(ONE);
        _publishAfterCutoff(1.02e6);
        vm.prank(AGENT);
        cheats.expectEmit(true, true, true, true, address(vault));
        emit NavCorrected(1.02e6, 1.03e6, CUTOFF1);
        vault.correctNav(1.03e6);
        vm.prank(AGENT);
        vm.expectRevert(abi.encodeWithSelector(FundVault.InvalidNav.selector, 0, CUTOFF1));
        vault.correctNav(0);
        (uint256 perShare, uint64 asOf,) = vault.nav();
        assertEq(perShare, 1.03e6, "corrected");
        assertEq(asOf, CUTOFF1, "same valuation time");
    }

    function test_navCorrectionAppliesToTheCloseAndIsThenRefused() public {
        _subscribe(alice, 1_030e6);
        _publishAfterCutoff(1.02e6);
        vm.prank(AGENT);
        vault.correctNav(1.03e6);
        _close();
        assertEq(vault.maxMint(alice), 1_000e6, "dealt at the corrected NAV");
        (, uint256 navPerShare,,,,) = vault.cycleInfo(1);
        assertEq(navPerShare, 1.03e6, "cycle NAV");
        (,, bool used) = vault.nav();
        assertTrue(used, "used");
        vm.prank(AGENT);
        vm.expectRevert(abi.encodeWithSelector(FundVault.NavAlreadyUsed.selector, CUTOFF1));
        vault.correctNav(1.04e6);
        // A new publication is correctable again.
        vm.warp(block.timestamp + 1);
        vm.prank(AGENT);
        vault.publishNav(1.04e6, uint64(block.timestamp));
        vm.prank(AGENT);
        vault.correctNav(1.05e6);
    }

    // ------------------------------------------------------------------ redemption gate and cash

    function test_redemptionGateIsProRataAndCarriesTheRestToTheNextCycle() public {
        _setTerms(0, 0, 2_500, 0);
        token.mint(alice, 600e6);
        token.mint(bob, 400e6);
        _redeem(alice, 400e6);
        _redeem(bob, 200e6);
        _fundCash(1_000e6);
        _deal(ONE);
        // gate = 25% of (400 left + 600 requested) = 250 of the 600 requested, pro rata.
        (,, uint256 allowed,,,) = vault.cycleInfo(1);
        assertEq(allowed, 250e6, "gate");
        assertEq(vault.maxRedeem(alice), 166_666_666, "alice's part, rounded down");
        assertEq(vault.maxRedeem(bob), 83_333_333, "bob's part, rounded down");
        cheats.expectEmit(true, true, true, true, address(vault));
        emit RedeemFulfilled(alice, 1, 166_666_666, 166_666_666, 0, 233_333_334);
        _fulfil(alice, bob);
        assertEq(vault.pendingRedeemRequest(0, alice), 233_333_334, "alice carried");
        assertEq(vault.pendingRedeemRequest(2, bob), 116_666_667, "bob carried into cycle 2");
        (uint256 booked,,, uint256 unfulfilled,,) = vault.cycleInfo(2);
        assertEq(booked, 350_000_001, "carried into the next book");
        assertEq(unfulfilled, 2, "two requests wait in cycle 2");
        assertEq(vault.maxRedeem(alice), 166_666_666, "claimable unchanged");

        // Next cycle: the gate lifted, the carried requests are fulfilled there.
        _setTerms(0, 0, 10_000, 0);
        _deal(ONE);
        _fulfil(alice, bob);
        assertEq(vault.maxRedeem(alice), 400e6, "all of alice's");
        assertEq(vault.maxRedeem(bob), 200e6, "all of bob's");
        assertEq(vault.pendingRedeemRequest(0, alice), 0, "nothing pending");
        assertEq(_claimCash(alice), 400e6, "paid");
        assertEq(_claimCash(bob), 200e6, "paid");
        assertEq(_available(), 400e6, "left");
    }

    function test_redemptionsNeedCashUntilFundRedemptions() public {
        token.mint(alice, 100e6);
        _redeem(alice, 100e6);
        _deal(ONE);
        address[] memory list = new address[](1);
        list[0] = alice;
        vm.expectRevert(abi.encodeWithSelector(FundVault.InsufficientCash.selector, 100e6, 0));
        vault.fulfil(list);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(FundVault.InsufficientCash.selector, 100e6, 0));
        vault.redeem(100e6, alice, alice);
        vm.prank(AGENT);
        cheats.expectEmit(true, true, true, true, address(vault));
        emit RedemptionCashFunded(AGENT, 60e6);
        vault.fundRedemptions(60e6);
        vm.expectRevert(abi.encodeWithSelector(FundVault.InsufficientCash.selector, 100e6, 60e6));
        vault.fulfil(list);
        _fundCash(40e6);
        vault.fulfil(list);
        assertEq(_available(), 0, "all of it owed");
        assertEq(_claimCash(alice), 100e6, "paid");
    }

    function test_withdrawCashSendsOnlyTheAvailableCashToTheTreasury() public {
        _subscribe(alice, 1_000e6);
        _deal(ONE);
        _fulfil(alice);
        vm.prank(AGENT);
        vm.expectRevert(abi.encodeWithSelector(FundVault.InsufficientCash.selector, 1_001e6, 1_000e6));
        vault.withdrawCash(1_001e6);
        vm.prank(AGENT);
        vm.expectRevert(FundVault.ZeroValue.selector);
        vault.withdrawCash(0);
        vm.prank(AGENT);
        cheats.expectEmit(true, true, true, true, address(vault));
        emit CashWithdrawn(TREASURY, 600e6);
        vault.withdrawCash(600e6);
        assertEq(usd.balanceOf(TREASURY), 600e6, "treasury");
        assertEq(_available(), 400e6, "left");
    }

    function test_withdrawFeesPaysTheFeeRecipientOnce() public {
        _setTerms(100, 0, 10_000, 0);
        _subscribe(alice, 1_000e6);
        _deal(ONE);
        vm.expectRevert(FundVault.ZeroValue.selector);
        vault.withdrawFees(); // not fulfilled yet: no fee accrued
        _fulfil(alice);
        vm.prank(stranger);
        cheats.expectEmit(true, true, true, true, address(vault));
        emit FeesWithdrawn(FEES, 10e6);
        assertEq(vault.withdrawFees(), 10e6, "1% of 1,000");
        assertEq(usd.balanceOf(FEES), 10e6, "paid");
        assertEq(_fees(), 0, "none left");
        vm.expectRevert(FundVault.ZeroValue.selector);
        vault.withdrawFees();
        assertEq(_available(), 990e6, "available untouched");
    }

    // ------------------------------------------------------------------ lazy fulfilment equals the batch

    struct State {
        uint256 pendingAssets;
        uint256 depositCycle;
        uint256 pendingShares;
        uint256 redeemCycle;
        uint256 claimableShares;
        uint256 claimableAssets;
        uint256 available;
        uint256 fees;
        uint256 unfulfilled1;
        uint256 unfulfilled2;
        uint256 book2Redeem;
        uint256 shareBalance;
        uint256 cashBalance;
        uint256 supply;
    }

    function _state(address who) internal view returns (State memory s) {
        (s.pendingAssets, s.depositCycle, s.pendingShares, s.redeemCycle, s.claimableShares, s.claimableAssets) =
            vault.position(who);
        (s.available, s.fees) = vault.cash();
        s.unfulfilled1 = _unfulfilled(1);
        (s.book2Redeem,,, s.unfulfilled2,,) = vault.cycleInfo(2);
        s.shareBalance = token.balanceOf(who);
        s.cashBalance = usd.balanceOf(who);
        s.supply = token.totalSupply();
    }

    function _assertSame(State memory a, State memory b) internal pure {
        assertEq(a.pendingAssets, b.pendingAssets, "pendingAssets");
        assertEq(a.depositCycle, b.depositCycle, "depositCycle");
        assertEq(a.pendingShares, b.pendingShares, "pendingShares");
        assertEq(a.redeemCycle, b.redeemCycle, "redeemCycle");
        assertEq(a.claimableShares, b.claimableShares, "claimableShares");
        assertEq(a.claimableAssets, b.claimableAssets, "claimableAssets");
        assertEq(a.available, b.available, "available");
        assertEq(a.fees, b.fees, "fees");
        assertEq(a.unfulfilled1, b.unfulfilled1, "unfulfilled1");
        assertEq(a.unfulfilled2, b.unfulfilled2, "unfulfilled2");
        assertEq(a.book2Redeem, b.book2Redeem, "book2Redeem");
        assertEq(a.shareBalance, b.shareBalance, "shareBalance");
        assertEq(a.cashBalance, b.cashBalance, "cashBalance");
        assertEq(a.supply, b.supply, "supply");
    }

    /// @dev Cycle 1: alice subscribes and redeems (under a fuzzed gate, so part may be carried), bob redeems;
    /// closed at a fuzzed NAV with fuzzed fees. Then alice's deposit side and redemption side are each pulled by one
    /// of her own calls (a new request, a full claim or a partial claim), once after the batch `fulfil` and once
    /// without it: the vault and the token end in the same state either way.
    function testFuzz_lazyFulfilmentEqualsBatchFulfil(
        uint256 assets,
        uint256 redeemShares,
        uint256 navPerShare,
        uint16 subFee,
        uint16 redFee,
        uint16 gate,
        uint8 depositAction,
        uint8 redeemAction
    ) public {
        assets = bound(assets, 1, 1e12);
        redeemShares = bound(redeemShares, 1, 1e12);
        navPerShare = bound(navPerShare, 1, 1e9);
        _setTerms(uint16(bound(subFee, 0, 1000)), uint16(bound(redFee, 0, 1000)), uint16(bound(gate, 1, 10_000)), 0);
        token.mint(alice, redeemShares + 1e6);
        token.mint(bob, 1e12);
        _subscribe(alice, assets);
        _redeem(alice, redeemShares);
        _redeem(bob, 333_333_333_333);
        usd.mint(AGENT, 1e16);
        _fundCash(1e16);
        _deal(navPerShare);
        depositAction = uint8(bound(depositAction, 0, 2));
        redeemAction = uint8(bound(redeemAction, 0, 2));

        uint256 snap = vm.snapshotState();
        _fulfil(alice);
        _pullDeposit(depositAction);
        _pullRedeem(redeemAction);
        State memory batch = _state(alice);
        vm.revertToState(snap);
        _pullDeposit(depositAction);
        _pullRedeem(redeemAction);
        _assertSame(batch, _state(alice));
    }

    /// @dev The same fixture: an explicit case where the gate carries part and the lazy path is the next request.
    function test_lazyFulfilmentByTheNextRequestEqualsBatchFulfil() public {
        testFuzz_lazyFulfilmentEqualsBatchFulfil(1_000e6, 500e6, 1.07e6, 25, 50, 1_000, 0, 0);
        testFuzz_lazyFulfilmentEqualsBatchFulfil(999_999, 123_456_789, 0.93e6, 1000, 1000, 77, 1, 1);
        testFuzz_lazyFulfilmentEqualsBatchFulfil(1, 1, 3e6, 0, 0, 1, 2, 2);
    }

    function _pullDeposit(uint8 action) internal {
        uint256 claimable = vault.maxDeposit(alice);
        if (action == 0) {
            _subscribe(alice, 7e6);
        } else if (action == 1) {
            vm.prank(alice);
            vault.deposit(claimable, alice, alice);
        } else {
            vm.prank(alice);
            vault.deposit(claimable / 2 + 1, alice, alice);
        }
    }

    function _pullRedeem(uint8 action) internal {
        uint256 shares = vault.maxRedeem(alice);
        uint256 assets = vault.maxWithdraw(alice);
        if (action == 1 && shares != 0) {
            vm.prank(alice);
            vault.redeem(shares, alice, alice);
        } else if (action == 2 && assets != 0) {
            vm.prank(alice);
            vault.withdraw(assets / 2 + 1, alice, alice);
        } else {
            _redeem(alice, 1e6);
        }
    }

    // ------------------------------------------------------------------ operators

    function test_operatorCanRequestClaimAndCancelForTheController() public {
        vm.prank(alice);
        assertTrue(vault.setOperator(OPERATOR, true), "returns true");
        assertTrue(vault.isOperator(alice, OPERATOR), "set");
        assertTrue(!vault.isOperator(bob, OPERATOR), "per controller");
        uint256 before = usd.balanceOf(alice);
        vm.prank(OPERATOR);
        vault.requestDeposit(300e6, alice, alice);
        assertEq(usd.balanceOf(alice), before - 300e6, "the owner paid");
        vm.prank(OPERATOR);
        assertEq(vault.cancelDepositRequest(alice), 300e6, "operator cancels");
        assertEq(usd.balanceOf(alice), before, "refunded to the controller");
        vm.prank(OPERATOR);
        vault.requestDeposit(200e6, alice, alice);
        token.mint(alice, 50e6);
        vm.prank(OPERATOR);
        vault.requestRedeem(50e6, alice, alice);
        vm.prank(OPERATOR);
        vault.cancelRedeemRequest(alice);
        assertEq(token.balanceOf(alice), 50e6, "minted back");
        vm.prank(OPERATOR);
        vault.requestRedeem(50e6, alice, alice);
        _fundCash(50e6);
        _deal(ONE);
        vm.prank(OPERATOR);
        assertEq(vault.deposit(200e6, alice, alice), 200e6, "operator claims shares");
        assertEq(token.balanceOf(alice), 200e6, "to the receiver");
        uint256 cashBefore = usd.balanceOf(alice);
        vm.prank(OPERATOR);
        assertEq(vault.redeem(50e6, alice, alice), 50e6, "operator claims cash");
        assertEq(usd.balanceOf(alice), cashBefore + 50e6, "to the receiver");
    }

    function test_othersAreRefusedNotOwnerOrOperator() public {
        _subscribe(alice, 100e6);
        token.mint(alice, 100e6);
        _redeem(alice, 10e6);
        bytes memory refused = abi.encodeWithSelector(FundVault.NotOwnerOrOperator.selector, alice, bob);
        vm.startPrank(bob);
        vm.expectRevert(refused);
        vault.requestDeposit(100e6, bob, alice); // spending alice's cash
        vm.expectRevert(refused);
        vault.requestRedeem(10e6, bob, alice); // burning alice's shares
        vm.expectRevert(refused);
        vault.cancelDepositRequest(alice);
        vm.expectRevert(refused);
        vault.cancelRedeemRequest(alice);
        vm.stopPrank();
        _fundCash(10e6);
        _deal(ONE);
        vm.startPrank(bob);
        vm.expectRevert(refused);
        vault.deposit(100e6, bob, alice);
        vm.expectRevert(refused);
        vault.mint(1, bob, alice);
        vm.expectRevert(refused);
        vault.redeem(1, bob, alice);
        vm.expectRevert(refused);
        vault.withdraw(1, bob, alice);
        vm.stopPrank();
        // A revoked operator is refused too.
        vm.prank(alice);
        vault.setOperator(bob, true);
        vm.prank(alice);
        vault.setOperator(bob, false);
        vm.prank(bob);
        vm.expectRevert(refused);
        vault.deposit(100e6, bob, alice);
    }

    // ------------------------------------------------------------------ partial claims, rounding for the fund

    function test_partialShareClaimsRoundInTheFundsFavour() public {
        _subscribe(alice, 1_000e6);
        _deal(3e6); // 333.333333 shares for 1,000 USD
        assertEq(vault.maxMint(alice), 333_333_333, "claimable shares");
        vm.prank(alice);
        assertEq(vault.mint(1, alice, alice), 4, "1 share costs ceil(3.000000003) = 4 units of the claim");
        vm.prank(alice);
        assertEq(vault.deposit(2, alice, alice), 0, "2 units buy floor(0.67) = 0 shares");
        assertEq(vault.maxDeposit(alice), 1_000e6 - 6, "claim consumed");
        assertEq(vault.maxMint(alice), 333_333_332, "shares left");
        vm.prank(alice);
        assertEq(vault.deposit(500e6, alice), 166_666_667, "floor(500 x 333333332 / 999999994)");
        vm.prank(alice);
        assertEq(vault.mint(166_666_665, alice), 500e6 - 6, "the last shares take the rest of the claim");
        assertEq(vault.maxDeposit(alice), 0, "all assets claimed");
        assertEq(vault.maxMint(alice), 0, "all shares claimed");
        assertEq(token.balanceOf(alice), 333_333_333, "never more than the cycle's shares");
    }

    function test_partialCashClaimsRoundInTheFundsFavour() public {
        token.mint(alice, 333_333_333);
        _redeem(alice, 333_333_333);
        _fundCash(1_000e6);
        _deal(3e6); // 999.999999 USD for 333.333333 shares
        assertEq(vault.maxWithdraw(alice), 999_999_999, "claimable cash");
        vm.prank(alice);
        assertEq(vault.withdraw(1, alice, alice), 1, "1 unit of cash consumes ceil(0.33) = 1 share");
        vm.prank(alice);
        assertEq(vault.redeem(1, alice, alice), 3, "1 share pays floor(3.000000006) = 3");
        assertEq(vault.maxRedeem(alice), 333_333_331, "shares left");
        assertEq(vault.maxWithdraw(alice), 999_999_995, "cash left");
        uint256 before = usd.balanceOf(alice);
        vm.prank(alice);
        vault.redeem(333_333_331, alice, alice);
        assertEq(usd.balanceOf(alice) - before, 999_999_995, "the rest");
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(FundVault.ExceedsClaimable.selector, 1, 0));
        vault.withdraw(1, alice, alice);
    }

    function test_claimsAboveTheClaimableAreRefused() public {
        _subscribe(alice, 100e6);
        _deal(ONE);
        vm.startPrank(alice);
        vm.expectRevert(abi.encodeWithSelector(FundVault.ExceedsClaimable.selector, 100e6 + 1, 100e6));
        vault.deposit(100e6 + 1, alice);
        vm.expectRevert(abi.encodeWithSelector(FundVault.ExceedsClaimable.selector, 100e6 + 1, 100e6));
        vault.mint(100e6 + 1, alice);
        vm.expectRevert(FundVault.ZeroValue.selector);
        vault.deposit(0, alice);
        vm.expectRevert(FundVault.ZeroValue.selector);
        vault.mint(1, address(0));
        vm.stopPrank();
    }

    function test_claimToAnotherReceiverIsCheckedByTheTokensRules() public {
        _subscribe(alice, 100e6);
        _deal(ONE);
        vm.startPrank(alice);
        vm.expectRevert(_restricted(ReasonCodes.COUNTRY_BLOCKED));
        vault.deposit(100e6, cnInvestor, alice);
        vm.expectRevert(_restricted(ReasonCodes.CATEGORY_NOT_ALLOWED));
        vault.mint(10e6, dave, alice);
        vm.expectRevert(_restricted(ReasonCodes.RECEIVER_NOT_VERIFIED));
        vault.deposit(100e6, stranger);
        assertEq(vault.deposit(100e6, bob, alice), 100e6, "an eligible receiver");
        vm.stopPrank();
        assertEq(token.balanceOf(bob), 100e6, "bob received");
        assertEq(token.balanceOf(alice), 0, "alice did not");
    }

    // ------------------------------------------------------------------ compliance on the real token

    function _refusedSubscription(address who, uint8 code) internal {
        (uint8 tokenCode,) = token.checkMint(who, 1);
        assertEq(tokenCode, code, "the token's own code");
        vm.prank(who);
        vm.expectRevert(abi.encodeWithSelector(FundVault.TransferRestricted.selector, code));
        vault.requestDeposit(100e6, who, who);
        // Paying for an ineligible controller is refused as well.
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(FundVault.TransferRestricted.selector, code));
        vault.requestDeposit(100e6, who, alice);
    }

    function test_ineligibleInvestorsCannotSubscribe() public {
        assertTrue(FundVault.TransferRestricted.selector == bytes4(_restricted(0)), "same selector as the token's");
        _refusedSubscription(cnInvestor, ReasonCodes.COUNTRY_BLOCKED);
        _refusedSubscription(dave, ReasonCodes.CATEGORY_NOT_ALLOWED);
        _refusedSubscription(stranger, ReasonCodes.RECEIVER_NOT_VERIFIED);
        token.setAddressFrozen(bob, true);
        _refusedSubscription(bob, ReasonCodes.RECEIVER_FROZEN);
        _subscribe(erin, 100e6); // US accredited is eligible
        _subscribe(carol, 100e6);
        assertEq(vault.pendingDepositRequest(1, erin) + vault.pendingDepositRequest(1, carol), 200e6, "eligible ones");
        assertEq(usd.balanceOf(address(vault)), 200e6, "only the eligible ones paid in");
    }

    function test_expiredKycCannotSubscribe() public {
        address fay = address(0xFA1);
        registry.registerInvestor(fay, _id("fay"), HK, PROFESSIONAL, uint40(T0 + 1 hours));
        _wallet(fay);
        _subscribe(fay, 100e6);
        vm.warp(T0 + 2 hours);
        _refusedSubscription(fay, ReasonCodes.RECEIVER_KYC_EXPIRED);
    }

    function test_frozenAmountCannotBeRedeemed() public {
        token.mint(alice, 1_000e6);
        token.freezePartialTokens(alice, 700e6);
        // The token refuses with its ERC-7943 error for an amount over the unfrozen balance (TOKENS_FROZEN, 18).
        assertEq(_code(alice, bob, 300e6 + 1), ReasonCodes.TOKENS_FROZEN, "the token's code");
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(IERC7943FungibleEvents.ERC7943InsufficientUnfrozenBalance.selector, alice, 300e6 + 1, 300e6)
        );
        vault.requestRedeem(300e6 + 1, alice, alice);
        _redeem(alice, 300e6);
        assertEq(token.balanceOf(alice), 700e6, "the frozen part stays");
        assertEq(vault.pendingRedeemRequest(0, alice), 300e6, "pending");
    }

    function test_frozenWalletAndPausedTokenCannotRedeem() public {
        token.mint(alice, 1_000e6);
        token.setAddressFrozen(alice, true);
        vm.prank(alice);
        vm.expectRevert(_restricted(ReasonCodes.SENDER_FROZEN));
        vault.requestRedeem(1, alice, alice);
        token.setAddressFrozen(alice, false);
        token.pause();
        vm.prank(alice);
        vm.expectRevert(_restricted(ReasonCodes.TOKEN_PAUSED));
        vault.requestRedeem(1, alice, alice);
        assertEq(_unfulfilled(1), 0, "nothing booked");
    }

    function test_lockedSharesCannotBeRedeemed() public {
        token.mint(alice, 1_000e6);
        token.setInvestorLockup(alice, uint40(T0 + 30 days));
        vm.prank(alice);
        vm.expectRevert(_restricted(ReasonCodes.TOKENS_LOCKED));
        vault.requestRedeem(1, alice, alice);
    }

    function test_pledgedSharesCannotBeRedeemed() public {
        CollateralManager cm =
            CollateralManager(Shipped.deploy("CollateralManager", abi.encode(address(token), address(this))));
        address lender = address(0x1E4D);
        cm.grantRole(cm.LENDER_ROLE(), lender);
        token.setComplianceHook(address(cm));
        token.grantRole(token.AGENT_ROLE(), address(cm));
        token.mint(alice, 1_000e6);
        vm.prank(alice);
        cm.pledge(lender, 600e6);
        vm.prank(alice);
        vm.expectRevert(_restricted(ReasonCodes.COLLATERAL_LOCKED));
        vault.requestRedeem(400e6 + 1, alice, alice);
        _redeem(alice, 400e6);
        assertEq(token.balanceOf(alice), 600e6, "the pledge stays backed");
    }

    function test_holderCountSupplyAndSnapshotsStayExact() public {
        _subscribe(alice, 300e6);
        _subscribe(bob, 200e6);
        _subscribe(carol, 100e6);
        _deal(ONE);
        assertEq(token.investorCount(), 0, "no holder before the claim");
        _claimShares(alice);
        _claimShares(bob);
        _claimShares(carol);
        assertEq(token.investorCount(), 3, "three holders");
        assertEq(token.countryInvestorCount(HK), 2, "two in HK");
        assertEq(token.countryInvestorCount(SG), 1, "one in SG");
        assertEq(token.totalSupply(), 600e6, "supply");
        uint256 snap = token.snapshot();

        _redeem(carol, 100e6);
        _redeem(alice, 100e6);
        assertEq(token.investorCount(), 2, "carol left at her request");
        assertEq(token.countryInvestorCount(SG), 0, "SG empty");
        assertEq(token.totalSupply(), 400e6, "burnt at request");
        assertEq(token.balanceOfAt(carol, snap), 100e6, "snapshot balance");
        assertEq(token.balanceOfAt(alice, snap), 300e6, "snapshot balance");
        assertEq(token.totalSupplyAt(snap), 600e6, "snapshot supply");
        vm.prank(carol);
        vault.cancelRedeemRequest(carol);
        assertEq(token.investorCount(), 3, "carol back");
        _subscribe(bob, 100e6);
        _deal(2e6);
        _claimShares(bob);
        assertEq(token.totalSupply(), 550e6, "+50 at 2 USD");
        assertEq(token.totalSupplyAt(snap), 600e6, "snapshot unchanged");
        assertEq(token.balanceOf(bob), 250e6, "bob");
        assertEq(token.investorCount(), 3, "still three");
    }

    function test_rmbPeggedEntryAssetRefusedUnlessApproved() public {
        MockStablecoin cnh = new MockStablecoin("Offshore RMB", "CNHT", 6);
        vm.prank(ADMIN);
        vm.expectRevert(
            abi.encodeWithSelector(
                PaymentTokenPolicy.RmbPeggedCurrencyNotApproved.selector, address(cnh), bytes8("CNH")
            )
        );
        policy.allowPaymentToken(address(cnh), bytes8("CNH"), false);
        vm.expectRevert(abi.encodeWithSelector(FundVault.PaymentTokenNotAllowed.selector, address(cnh)));
        Shipped.deploy("FundVault", _vaultArgs(address(cnh)));
        vm.prank(ADMIN);
        policy.allowPaymentToken(address(cnh), bytes8("CNH"), true);
        FundVault v = FundVault(Shipped.deploy("FundVault", _vaultArgs(address(cnh))));
        token.grantRole(token.AGENT_ROLE(), address(v));
        assertEq(uint160(v.asset()), uint160(address(cnh)), "approved RMB entry asset");
        cnh.mint(alice, 100e6);
        vm.prank(alice);
        cnh.approve(address(v), 100e6);
        vm.prank(alice);
        v.requestDeposit(100e6, alice, alice);
        assertEq(v.pendingDepositRequest(0, alice), 100e6, "accepted");
    }

    function test_policyDisallowStopsNewSubscriptionsOnly() public {
        _subscribe(alice, 100e6);
        _subscribe(bob, 100e6);
        vm.prank(ADMIN);
        policy.disallowPaymentToken(address(usd));
        vm.prank(carol);
        vm.expectRevert(abi.encodeWithSelector(FundVault.PaymentTokenNotAllowed.selector, address(usd)));
        vault.requestDeposit(100e6, carol, carol);
        uint256 before = usd.balanceOf(bob);
        vm.prank(bob);
        vault.cancelDepositRequest(bob);
        assertEq(usd.balanceOf(bob), before + 100e6, "a cancellation still refunds");
        vm.prank(ADMIN);
        policy.allowPaymentToken(address(usd), bytes8("USD"), false);
        _deal(ONE);
        vm.prank(ADMIN);
        policy.disallowPaymentToken(address(usd));
        assertEq(_claimShares(alice), 100e6, "claims still work");
    }

    // ------------------------------------------------------------------ access

    function _unauthorised(bytes32 role) internal view returns (bytes memory) {
        return abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, role);
    }

    function test_everyPrivilegedFunctionRefusesAnUnauthorisedCaller() public {
        bytes32 navRole = vault.NAV_ROLE();
        bytes32 agentRole = vault.FUND_AGENT_ROLE();
        bytes32 adminRole = vault.DEFAULT_ADMIN_ROLE();
        usd.mint(stranger, 1e6);
        vm.startPrank(stranger);
        usd.approve(address(vault), 1e6);
        vm.expectRevert(_unauthorised(navRole));
        vault.publishNav(ONE, uint64(block.timestamp));
        vm.expectRevert(_unauthorised(navRole));
        vault.correctNav(ONE);
        vm.expectRevert(_unauthorised(agentRole));
        vault.closeCycle(uint64(CUTOFF1 + 1 days));
        vm.expectRevert(_unauthorised(agentRole));
        vault.setCutoff(uint64(CUTOFF1 + 1 days));
        vm.expectRevert(_unauthorised(agentRole));
        vault.fundRedemptions(1e6);
        vm.expectRevert(_unauthorised(agentRole));
        vault.withdrawCash(1);
        vm.expectRevert(_unauthorised(adminRole));
        vault.setDealingTerms(0, 0, 10_000, 0, 1 days);
        vm.expectRevert(_unauthorised(adminRole));
        vault.setAccounts(stranger, stranger);
        vm.stopPrank();
        // The agent does not hold the admin's functions.
        vm.prank(AGENT);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, AGENT, adminRole)
        );
        vault.setDealingTerms(0, 0, 10_000, 0, 1 days);
    }

    function test_termsAccountsAndCutoffValidation() public {
        vm.startPrank(ADMIN);
        vm.expectRevert(FundVault.InvalidTerms.selector);
        vault.setDealingTerms(1001, 0, 10_000, 0, 1 days);
        vm.expectRevert(FundVault.InvalidTerms.selector);
        vault.setDealingTerms(0, 1001, 10_000, 0, 1 days);
        vm.expectRevert(FundVault.InvalidTerms.selector);
        vault.setDealingTerms(0, 0, 0, 0, 1 days);
        vm.expectRevert(FundVault.InvalidTerms.selector);
        vault.setDealingTerms(0, 0, 10_001, 0, 1 days);
        vm.expectRevert(FundVault.InvalidTerms.selector);
        vault.setDealingTerms(0, 0, 10_000, 0, 0);
        vault.setDealingTerms(1000, 1000, 1, 5e6, 2 days);
        vm.expectRevert(FundVault.ZeroValue.selector);
        vault.setAccounts(address(0), FEES);
        vault.setAccounts(address(0x7E2), address(0xFEE6));
        vm.stopPrank();
        (uint16 subFee, uint16 redFee, uint16 gate, uint256 minimum) = vault.dealingTerms();
        assertEq(subFee + redFee, 2000, "fees");
        assertEq(gate, 1, "gate");
        assertEq(minimum, 5e6, "minimum");
        (,, uint64 maxNavAge) = vault.dealing();
        assertEq(maxNavAge, 2 days, "staleness bound");
        (address p, address treasury, address feeRecipient) = vault.accounts();
        assertEq(uint160(p), uint160(address(policy)), "policy");
        assertEq(uint160(treasury), 0x7E2, "treasury");
        assertEq(uint160(feeRecipient), 0xFEE6, "fee recipient");
        vm.prank(AGENT);
        vm.expectRevert(FundVault.ZeroValue.selector);
        vault.setCutoff(uint64(block.timestamp));
        vm.prank(AGENT);
        cheats.expectEmit(true, true, true, true, address(vault));
        emit CutoffSet(1, uint64(T0 + 3 days));
        vault.setCutoff(uint64(T0 + 3 days));
        assertEq(_cutoff(), T0 + 3 days, "moved");
    }

    // ------------------------------------------------------------------ limits and construction

    /// @dev A controller's pending amount of each kind fits 104 bits; a cut-off 40 bits; the NAV age 32 bits.
    function test_amountCutoffAndNavAgeLimits() public {
        uint256 max = type(uint104).max;
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(FundVault.ValueTooLarge.selector, max + 1));
        vault.requestDeposit(max + 1, alice, alice);
        _subscribe(alice, 1);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(FundVault.ValueTooLarge.selector, max + 1));
        vault.requestDeposit(max, alice, alice); // with what is already pending
        token.mint(bob, 10e6);
        _redeem(bob, 1);
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(FundVault.ValueTooLarge.selector, max + 1));
        vault.requestRedeem(max, bob, bob);
        assertEq(token.balanceOf(bob), 10e6 - 1, "nothing more burnt");

        vm.startPrank(ADMIN);
        vm.expectRevert(abi.encodeWithSelector(FundVault.ValueTooLarge.selector, max + 1));
        vault.setDealingTerms(0, 0, 10_000, max + 1, 1 days);
        vm.expectRevert(FundVault.InvalidTerms.selector);
        vault.setDealingTerms(0, 0, 10_000, 0, uint64(type(uint32).max) + 1);
        vault.setDealingTerms(0, 0, 10_000, max, type(uint32).max);
        vm.stopPrank();

        uint64 tooLate = uint64(type(uint40).max) + 1;
        vm.prank(AGENT);
        vm.expectRevert(FundVault.ZeroValue.selector);
        vault.setCutoff(tooLate);
        vm.prank(AGENT);
        vault.setCutoff(type(uint40).max);
        assertEq(_cutoff(), type(uint40).max, "the last representable cut-off");
        vm.prank(AGENT);
        vault.setCutoff(CUTOFF1);
        _publishAfterCutoff(ONE);
        vm.prank(AGENT);
        vm.expectRevert(FundVault.ZeroValue.selector);
        vault.closeCycle(tooLate);
    }

    /// @dev Subscriptions left unpushed do not hold the next closes back, and whenever they are pulled they deal at
    /// their own cycle's NAV, not at a later one.
    function test_unpushedSubscriptionDealsAtItsOwnCyclesNavCyclesLater() public {
        _subscribe(alice, 100e6);
        _deal(1.25e6);
        _subscribe(bob, 100e6);
        _deal(2e6);
        _deal(4e6); // an empty cycle
        assertEq(_cycle(), 4, "three closes");
        assertEq(vault.maxMint(alice), 80e6, "at cycle 1's NAV");
        assertEq(vault.maxMint(bob), 50e6, "at cycle 2's NAV");
        cheats.expectEmit(true, true, true, true, address(vault));
        emit DepositFulfilled(alice, 1, 100e6, 80e6, 0);
        _subscribe(alice, 40e6); // cycle 4: pulls cycle 1's fulfilment first
        assertEq(vault.pendingDepositRequest(4, alice), 40e6, "only the new request pending");
        assertEq(vault.maxMint(alice), 80e6, "cycle 1's shares claimable");
        assertEq(_claimShares(bob), 50e6, "bob's claim pulls cycle 2's");
        _deal(ONE);
        assertEq(_claimShares(alice), 120e6, "80 from cycle 1 and 40 from cycle 4");
    }

    /// @dev The constructor refuses a zero admin, token, policy, treasury or fee recipient, a cut-off not in the
    /// future, and an entry asset the policy does not allow.
    function test_constructorValidatesItsArguments() public {
        address t = address(token);
        address u = address(usd);
        address p = address(policy);
        bytes[6] memory bad = [
            abi.encode(address(0), AGENT, t, u, p, TREASURY, FEES, CUTOFF1),
            abi.encode(ADMIN, AGENT, address(0), u, p, TREASURY, FEES, CUTOFF1),
            abi.encode(ADMIN, AGENT, t, u, address(0), TREASURY, FEES, CUTOFF1),
            abi.encode(ADMIN, AGENT, t, u, p, address(0), FEES, CUTOFF1),
            abi.encode(ADMIN, AGENT, t, u, p, TREASURY, address(0), CUTOFF1),
            abi.encode(ADMIN, AGENT, t, u, p, TREASURY, FEES, uint64(block.timestamp))
        ];
        for (uint256 i; i < bad.length; ++i) {
            vm.expectRevert(FundVault.ZeroValue.selector);
            Shipped.deploy("FundVault", bad[i]);
        }
        vm.expectRevert(abi.encodeWithSelector(FundVault.PaymentTokenNotAllowed.selector, address(0xD0)));
        Shipped.deploy("FundVault", abi.encode(ADMIN, AGENT, t, address(0xD0), p, TREASURY, FEES, CUTOFF1));
        // Without an agent, no one holds the dealing roles.
        FundVault v = FundVault(Shipped.deploy("FundVault", abi.encode(ADMIN, address(0), t, u, p, TREASURY, FEES, CUTOFF1)));
        assertTrue(!v.hasRole(v.FUND_AGENT_ROLE(), address(0)), "no zero agent");
        assertTrue(v.hasRole(v.DEFAULT_ADMIN_ROLE(), ADMIN), "admin");
        assertEq(uint160(v.share()), uint160(t), "share");
    }
}
