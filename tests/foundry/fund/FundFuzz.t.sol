// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {FundBase} from "./FundBase.sol";

/// @notice One dealing cycle with everything fuzzed: four investors' holdings, subscriptions and redemptions, the
/// NAV, both fees and the gate. Closed, fulfilled in one batch and claimed: every investor gets exactly the shares
/// and cash the terms give (computed here independently), the gate's remainder waits in cycle 2, and every unit of
/// cash is accounted for.
contract FundFuzzTest is FundBase {
    uint256 internal constant N = 4;

    struct Case {
        uint256[N] held;
        uint256[N] subscribed;
        uint256[N] redeemed;
        uint256 navPerShare;
        uint16 subFee;
        uint16 redFee;
        uint16 gate;
    }

    struct Expected {
        uint256[N] shares;
        uint256[N] cash;
        uint256[N] carried;
        uint256 fees;
        uint256 grossOut;
        uint256 netIn;
    }

    function _investors() internal view returns (address[N] memory) {
        return [alice, bob, carol, erin];
    }

    function _expect(Case memory c) internal pure returns (Expected memory e) {
        uint256 held;
        uint256 booked;
        for (uint256 i; i < N; ++i) {
            held += c.held[i];
            booked += c.redeemed[i];
            uint256 fee = _ceilDiv(c.subscribed[i] * c.subFee, 10_000);
            e.shares[i] = (c.subscribed[i] - fee) * ONE / c.navPerShare;
            e.fees += fee;
            e.netIn += c.subscribed[i] - fee;
        }
        // The gate is a share of the fund before this cycle's redemptions.
        uint256 gate = held * c.gate / 10_000;
        uint256 allowed = booked < gate ? booked : gate;
        for (uint256 i; i < N; ++i) {
            uint256 out = allowed >= booked ? c.redeemed[i] : c.redeemed[i] * allowed / booked;
            uint256 gross = out * c.navPerShare / ONE;
            uint256 fee = _ceilDiv(gross * c.redFee, 10_000);
            e.cash[i] = gross - fee;
            e.carried[i] = c.redeemed[i] - out;
            e.fees += fee;
            e.grossOut += gross;
        }
    }

    function testFuzz_dealingCycleGivesEachInvestorExactlyItsSharesAndCash(
        uint256[N] memory held,
        uint256[N] memory subscribed,
        uint256[N] memory redeemed,
        uint256 navPerShare,
        uint16 subFee,
        uint16 redFee,
        uint16 gate,
        bool claimByAmount
    ) public {
        Case memory c;
        c.navPerShare = bound(navPerShare, 1, 1e8);
        c.subFee = uint16(bound(subFee, 0, 1000));
        c.redFee = uint16(bound(redFee, 0, 1000));
        c.gate = uint16(bound(gate, 1, 10_000));
        _setTerms(c.subFee, c.redFee, c.gate, 0);
        address[N] memory investors = _investors();
        for (uint256 i; i < N; ++i) {
            c.held[i] = bound(held[i], 0, 1e12);
            c.subscribed[i] = bound(subscribed[i], 0, 1e12);
            c.redeemed[i] = bound(redeemed[i], 0, c.held[i]);
            if (c.held[i] != 0) token.mint(investors[i], c.held[i]);
            if (c.subscribed[i] != 0) _subscribe(investors[i], c.subscribed[i]);
            if (c.redeemed[i] != 0) _redeem(investors[i], c.redeemed[i]);
        }
        Expected memory e = _expect(c);
        uint256 funded = e.grossOut + 1;
        usd.mint(AGENT, funded);
        _fundCash(funded);
        uint256[N] memory cashBefore;
        for (uint256 i; i < N; ++i) {
            cashBefore[i] = usd.balanceOf(investors[i]);
        }

        _deal(c.navPerShare);
        address[] memory list = new address[](N);
        for (uint256 i; i < N; ++i) {
            list[i] = investors[i];
        }
        vault.fulfil(list);
        (uint256 available, uint256 fees) = vault.cash();
        assertEq(fees, e.fees, "fees");
        assertEq(available, e.netIn + funded - e.grossOut, "available cash");

        uint256 supply = token.totalSupply();
        for (uint256 i; i < N; ++i) {
            address who = investors[i];
            assertEq(vault.maxMint(who), e.shares[i], "claimable shares");
            assertEq(vault.maxWithdraw(who), e.cash[i], "claimable cash");
            assertEq(vault.pendingRedeemRequest(2, who), e.carried[i], "carried to cycle 2");
            uint256 sharesBefore = token.balanceOf(who);
            if (claimByAmount) {
                if (c.subscribed[i] != 0) {
                    vm.prank(who);
                    vault.deposit(c.subscribed[i], who);
                }
                if (e.cash[i] != 0) {
                    vm.prank(who);
                    vault.withdraw(e.cash[i], who, who);
                } else if (vault.maxRedeem(who) != 0) {
                    // Shares worth nothing after the fee (dust): only redeem can clear them, paying 0.
                    uint256 dust = vault.maxRedeem(who);
                    vm.prank(who);
                    assertEq(vault.redeem(dust, who, who), 0, "dust pays nothing");
                }
            } else {
                if (e.shares[i] != 0) {
                    vm.prank(who);
                    vault.mint(e.shares[i], who);
                }
                uint256 redeemable = vault.maxRedeem(who);
                if (redeemable != 0) {
                    vm.prank(who);
                    vault.redeem(redeemable, who, who);
                }
            }
            assertEq(token.balanceOf(who) - sharesBefore, e.shares[i], "shares minted");
            assertEq(usd.balanceOf(who) - cashBefore[i], e.cash[i], "cash paid");
            supply += e.shares[i];
        }
        assertEq(token.totalSupply(), supply, "supply grew by the shares claimed");
        (uint256 availableAfter, uint256 feesAfter) = vault.cash();
        uint256 carriedTotal;
        for (uint256 i; i < N; ++i) {
            carriedTotal += e.carried[i];
            assertEq(vault.maxRedeem(investors[i]), 0, "nothing claimable left");
        }
        (uint256 booked2,,,,,) = vault.cycleInfo(2);
        assertEq(booked2, carriedTotal, "cycle 2 books the carried shares");
        // Conservation: every unit in the vault is the fund's cash or its fees.
        assertEq(usd.balanceOf(address(vault)), availableAfter + feesAfter, "vault balance");
        uint256 paidOut;
        for (uint256 i; i < N; ++i) {
            paidOut += e.cash[i];
        }
        uint256 paidIn;
        for (uint256 i; i < N; ++i) {
            paidIn += c.subscribed[i];
        }
        assertEq(paidIn + funded, usd.balanceOf(address(vault)) + paidOut, "in == held + out");
    }
}
