// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {CashflowBase} from "./CashflowBase.sol";
import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {Initializable} from "@openzeppelin/contracts/proxy/utils/Initializable.sol";
import {Distributor} from "../../../contracts/cashflow/Distributor.sol";
import {PaymentTokenPolicy} from "../../../contracts/cashflow/PaymentTokenPolicy.sol";
import {ReentrantPaymentToken} from "../../../contracts/mocks/ReentrantPaymentToken.sol";
import {MockStablecoin} from "../../../contracts/mocks/MockStablecoin.sol";
import {MockSnapshotToken, MockCountryRegistry} from "../../../contracts/mocks/MockSnapshotToken.sol";
import {Shipped} from "../utils/Shipped.sol";

/// @dev A second security token served by the same Distributor.
contract SecondToken is MockSnapshotToken {
    constructor() MockSnapshotToken("Second", "SEC2") {}

    function registryOf() external view returns (MockCountryRegistry) {
        return MockCountryRegistry(this.identityRegistry());
    }
}

interface MockSnapshotTokenLike {
    function SNAPSHOT_ROLE() external view returns (bytes32);
    function grantRole(bytes32 role, address account) external;
    function mint(address to, uint256 amount) external;
}

contract DistributorTest is CashflowBase {
    uint16 internal constant HK = 344;
    uint16 internal constant CN = 156;

    // ------------------------------------------------------------------------------------------------------------
    // Basic flows
    // ------------------------------------------------------------------------------------------------------------

    function test_claimPaysProRataShareOfEligibleSupply() public {
        token.mint(ISSUER, 500e18); // excluded: does not dilute holders
        token.mint(_holder(1), 100e18);
        token.mint(_holder(2), 300e18);
        uint256 id = _create(1_000e6);

        Distributor.DistributionInfo memory info = distributor.distribution(id);
        assertEq(info.eligibleSupply, 400e18, "eligible supply leaves the issuer out");

        vm.prank(_holder(1));
        uint256 net = distributor.claim(id);
        assertEq(net, 250e6, "holder 1 net");
        assertEq(usd.balanceOf(_holder(1)), 250e6, "holder 1 paid");
        vm.prank(_holder(2));
        distributor.claim(id);
        assertEq(usd.balanceOf(_holder(2)), 750e6, "holder 2 paid");
        assertEq(_totalsSum(id), 1_000e6, "identity");
    }

    function test_excludedWalletCannotClaimEvenAfterListChanges() public {
        token.mint(ISSUER, 500e18);
        token.mint(_holder(1), 100e18);
        uint256 id = _create(1_000e6);
        vm.prank(ADMIN);
        distributor.setExcludedWallets(address(token), new address[](0));
        vm.prank(ISSUER);
        vm.expectRevert(abi.encodeWithSelector(Distributor.AlreadyPaidOrExcluded.selector, id, ISSUER));
        distributor.claim(id);
        // A later distribution no longer excludes it.
        uint256 id2 = _create(600e6);
        vm.prank(ISSUER);
        assertEq(distributor.claim(id2), 500e6, "issuer now a holder");
    }

    function test_doubleClaimRefused() public {
        token.mint(_holder(1), 100e18);
        token.mint(_holder(2), 100e18);
        uint256 id = _create(1_000e6);
        vm.prank(_holder(1));
        distributor.claim(id);
        vm.prank(_holder(1));
        vm.expectRevert(abi.encodeWithSelector(Distributor.AlreadyPaidOrExcluded.selector, id, _holder(1)));
        distributor.claim(id);

        // A push after the claim skips the paid holder; a claim after the push is refused.
        address[] memory batch = new address[](3);
        batch[0] = _holder(1);
        batch[1] = _holder(2);
        batch[2] = _holder(2);
        vm.prank(AGENT);
        assertEq(distributor.pushBatch(id, batch), 1, "only holder 2, once");
        assertEq(usd.balanceOf(_holder(1)), 500e6, "holder 1 once");
        assertEq(usd.balanceOf(_holder(2)), 500e6, "holder 2 once");
        vm.prank(_holder(2));
        vm.expectRevert(abi.encodeWithSelector(Distributor.AlreadyPaidOrExcluded.selector, id, _holder(2)));
        distributor.claim(id);
    }

    function test_transfersAfterRecordDateDoNotChangeWhoIsPaid() public {
        token.mint(_holder(1), 100e18);
        token.mint(_holder(2), 100e18);
        uint256 id = _create(1_000e6);
        // After the record date holder 1 sells everything to a newcomer, holder 2 buys more.
        vm.prank(_holder(1));
        token.transfer(_holder(3), 100e18);
        token.mint(_holder(2), 1_000e18);

        vm.prank(_holder(3));
        vm.expectRevert(abi.encodeWithSelector(Distributor.NothingToClaim.selector, id, _holder(3)));
        distributor.claim(id);
        vm.prank(_holder(1));
        assertEq(distributor.claim(id), 500e6, "seller keeps record-date entitlement");
        vm.prank(_holder(2));
        assertEq(distributor.claim(id), 500e6, "buyer's new tokens earn nothing here");
    }

    function test_existingSnapshotIdIsAccepted() public {
        token.mint(_holder(1), 100e18);
        token.mint(_holder(2), 100e18);
        uint256 recordDate = token.snapshot(); // the test contract holds SNAPSHOT_ROLE
        token.mint(_holder(2), 200e18);
        vm.prank(AGENT);
        uint256 id = distributor.createDistribution(
            address(token), address(usd), 1_000e6, uint64(block.timestamp + 1 days), recordDate
        );
        vm.prank(_holder(2));
        assertEq(distributor.claim(id), 500e6, "paid on the earlier record date");
    }

    function test_perTokenAmount() public {
        token.mint(_holder(1), 3e18);
        token.mint(_holder(2), 1.5e18);
        vm.prank(AGENT);
        (uint256 id, uint256 amount) = distributor.createDistributionPerToken(
            address(token), address(usd), 2.5e6, uint64(block.timestamp + 1 days), 0
        );
        assertEq(amount, 11.25e6, "4.5 tokens x 2.5 USD");
        vm.prank(_holder(2));
        assertEq(distributor.claim(id), 3.75e6, "1.5 x 2.5");
    }

    function test_severalDistributionsOpenAtOnce() public {
        MockStablecoin hkd = new MockStablecoin("HKD Coin", "HKDC", 6);
        vm.prank(ADMIN);
        distributor.allowPaymentToken(address(hkd), bytes8("HKD"), false);
        hkd.mint(AGENT, 1e12);
        vm.prank(AGENT);
        hkd.approve(address(distributor), type(uint256).max);

        token.mint(_holder(1), 100e18);
        token.mint(_holder(2), 300e18);
        uint256 a = _create(400e6);
        token.mint(_holder(1), 200e18); // 300 : 300 at the second record date
        vm.prank(AGENT);
        uint256 b = distributor.createDistribution(address(token), address(hkd), 600e6, uint64(block.timestamp + 2 days), 0);
        vm.startPrank(_holder(1));
        assertEq(distributor.claim(b), 300e6, "second first");
        assertEq(distributor.claim(a), 100e6, "then first");
        vm.stopPrank();
        assertEq(hkd.balanceOf(_holder(1)), 300e6, "hkd");
        assertEq(usd.balanceOf(_holder(1)), 100e6, "usd");
    }

    // ------------------------------------------------------------------------------------------------------------
    // Withholding tax and escrow
    // ------------------------------------------------------------------------------------------------------------

    function test_withholdingTaxByCountry() public {
        vm.prank(ADMIN);
        distributor.setWithholdingRate(CN, 1_000); // 10%
        token.mint(_holder(1), 100e18);
        token.mint(_holder(2), 100e18);
        registry.setCountry(_holder(1), CN);
        registry.setCountry(_holder(2), HK);
        uint256 id = _create(1_000e6 + 1); // odd amount: floor shares leave 1 unit of remainder
        vm.prank(_holder(1));
        assertEq(distributor.claim(id), 450e6, "net after 10%");
        assertEq(usd.balanceOf(TAX), 50e6, "tax account");
        address[] memory batch = new address[](1);
        batch[0] = _holder(2);
        vm.prank(AGENT);
        distributor.pushBatch(id, batch);
        assertEq(usd.balanceOf(_holder(2)), 500e6, "untaxed");
        Distributor.DistributionTotals memory t = distributor.distributionTotals(id);
        assertEq(t.taxPaid, 50e6, "tax total");
        assertEq(t.paidNet, 950e6, "net total");
        assertEq(t.unpaid, 1, "all paid: only the rounding remainder is unpaid");
        assertEq(_totalsSum(id), 1_000e6 + 1, "identity");
    }

    function test_withholdingIsFixedPerDistributionAtCreation() public {
        // A distribution withholds if some country had a rate when it was created (whichever token it is on,
        // including one registered after the rate was set); it then applies the rates of the day of payment.
        // One created while no country had a rate pays gross even if rates are set later.
        vm.prank(ADMIN);
        distributor.setWithholdingRate(CN, 2_000);
        MockSnapshotTokenLike second = MockSnapshotTokenLike(address(new SecondToken()));
        vm.prank(ADMIN);
        distributor.setExcludedWallets(address(second), new address[](0));
        second.grantRole(second.SNAPSHOT_ROLE(), address(distributor));
        second.mint(_holder(1), 1e18);
        second.mint(_holder(2), 1e18);
        SecondToken(address(second)).registryOf().setCountry(_holder(1), CN);
        SecondToken(address(second)).registryOf().setCountry(_holder(2), CN);
        vm.prank(AGENT);
        uint256 a = distributor.createDistribution(address(second), address(usd), 200e6, uint64(block.timestamp + 1 days), 0);
        assertTrue(distributor.distribution(a).withholding, "created while CN is taxed");
        vm.prank(_holder(1));
        assertEq(distributor.claim(a), 80e6, "taxed on the later token");

        vm.prank(ADMIN);
        distributor.setWithholdingRate(CN, 0);
        assertEq(distributor.withholdingRate(CN), 0, "rate cleared");
        vm.prank(_holder(2));
        assertEq(distributor.claim(a), 100e6, "today's rate (none) in a withholding distribution");
        assertEq(distributor.distributionTotals(a).taxPaid, 20e6, "only the first claim was taxed");

        vm.prank(AGENT);
        uint256 b = distributor.createDistribution(address(second), address(usd), 100e6, uint64(block.timestamp + 1 days), 0);
        assertTrue(!distributor.distribution(b).withholding, "created while no country is taxed");
        vm.prank(ADMIN);
        distributor.setWithholdingRate(CN, 2_000);
        (uint256 gross, uint256 tax, uint256 net, uint8 code, bool paid) = distributor.claimable(b, _holder(1));
        assertTrue(gross == 50e6 && tax == 0 && net == 50e6 && code == 0 && !paid, "claimable view: gross");
        vm.prank(_holder(1));
        assertEq(distributor.claim(b), 50e6, "a rate set after creation does not apply");
        address[] memory batch = new address[](1);
        batch[0] = _holder(2);
        vm.prank(AGENT);
        distributor.pushBatch(b, batch);
        assertEq(usd.balanceOf(_holder(2)), 100e6 + 50e6, "pushed gross too");
        assertEq(distributor.distributionTotals(b).taxPaid, 0, "no tax in b");

        vm.prank(AGENT);
        uint256 c = distributor.createDistribution(address(second), address(usd), 100e6, uint64(block.timestamp + 1 days), 0);
        vm.prank(_holder(1));
        assertEq(distributor.claim(c), 40e6, "a distribution created now withholds again");
        assertEq(usd.balanceOf(TAX), 30e6, "tax account: a and c");
    }

    function test_ineligibleHolderIsEscrowedAndReleased() public {
        token.mint(_holder(1), 100e18);
        token.mint(_holder(2), 100e18);
        token.setHolderStatus(_holder(1), 8); // frozen
        uint256 id = _create(1_000e6);
        address[] memory batch = new address[](2);
        batch[0] = _holder(1);
        batch[1] = _holder(2);
        vm.prank(AGENT);
        distributor.pushBatch(id, batch);
        assertEq(usd.balanceOf(_holder(1)), 0, "withheld, not paid");
        assertEq(distributor.withheldOf(id, _holder(1)), 500e6, "escrowed");
        assertEq(distributor.distributionTotals(id).withheldOutstanding, 500e6, "outstanding");

        vm.expectRevert(abi.encodeWithSelector(Distributor.HolderNotEligible.selector, _holder(1), uint8(8)));
        distributor.releaseWithheld(id, _holder(1));

        token.setHolderStatus(_holder(1), 0);
        vm.warp(block.timestamp + 60 days); // release still works after expiry by default
        distributor.reclaimExpired(id);
        vm.prank(STRANGER);
        distributor.releaseWithheld(id, _holder(1));
        assertEq(usd.balanceOf(_holder(1)), 500e6, "released");
        Distributor.DistributionTotals memory t = distributor.distributionTotals(id);
        assertEq(t.withheldReleased, 500e6, "released total");
        assertEq(t.withheldOutstanding, 0, "none outstanding");
        assertEq(_totalsSum(id), 1_000e6, "identity");
        vm.expectRevert(abi.encodeWithSelector(Distributor.NothingWithheld.selector, id, _holder(1)));
        distributor.releaseWithheld(id, _holder(1));
    }

    function test_withheldReturnedAtExpiryWhenConfigured() public {
        vm.prank(ADMIN);
        distributor.setReturnWithheldAtExpiry(true);
        token.mint(_holder(1), 100e18);
        token.mint(_holder(2), 100e18);
        token.setHolderStatus(_holder(1), 4);
        uint256 id = _create(1_000e6);
        vm.prank(_holder(1));
        assertEq(distributor.claim(id), 500e6, "claim escrows");
        vm.warp(block.timestamp + 31 days);
        uint256 returned = distributor.reclaimExpired(id);
        assertEq(returned, 1_000e6, "escrow and holder 2's unclaimed share");
        assertEq(usd.balanceOf(TREASURY), 1_000e6, "treasury");
        token.setHolderStatus(_holder(1), 0);
        vm.expectRevert(abi.encodeWithSelector(Distributor.WithheldReturnedToTreasury.selector, id));
        distributor.releaseWithheld(id, _holder(1));
        Distributor.DistributionTotals memory t = distributor.distributionTotals(id);
        assertEq(t.withheldReturned, 500e6, "returned");
        assertEq(t.unpaid, 500e6, "holder 2 never claimed: their share went to the treasury");
        assertEq(_totalsSum(id), 1_000e6, "identity");
    }

    function test_failedPushTransferIsEscrowedNotReverted() public {
        ReentrantPaymentToken hostile = new ReentrantPaymentToken();
        Distributor d = _distributorFor(address(hostile));
        token.mint(_holder(1), 100e18);
        token.mint(_holder(2), 100e18);
        vm.prank(AGENT);
        uint256 id = d.createDistribution(address(token), address(hostile), 1_000e6, uint64(block.timestamp + 1 days), 0);
        // Holder 1 is on the payment token's blocklist: their transfer fails, the batch carries on.
        hostile.setBlocked(_holder(1), true);
        address[] memory batch = new address[](2);
        batch[0] = _holder(1);
        batch[1] = _holder(2);
        vm.prank(AGENT);
        d.pushBatch(id, batch);
        assertEq(hostile.balanceOf(_holder(2)), 500e6, "holder 2 paid");
        assertEq(hostile.balanceOf(_holder(1)), 0, "holder 1 escrowed");
        assertEq(d.withheldOf(id, _holder(1)), 500e6, "escrow");
        vm.expectRevert(abi.encodeWithSelector(ReentrantPaymentToken.RecipientBlocked.selector, _holder(1)));
        d.releaseWithheld(id, _holder(1));
        hostile.setBlocked(_holder(1), false);
        d.releaseWithheld(id, _holder(1));
        assertEq(hostile.balanceOf(_holder(1)), 500e6, "released");
    }

    // ------------------------------------------------------------------------------------------------------------
    // Expiry and reclaim
    // ------------------------------------------------------------------------------------------------------------

    function test_reclaimReturnsUnclaimedAndRemainder() public {
        token.mint(_holder(1), 1);
        token.mint(_holder(2), 1);
        token.mint(_holder(3), 1);
        uint256 id = _create(100); // 33 each, 1 remainder
        vm.prank(_holder(1));
        distributor.claim(id);
        vm.expectRevert(abi.encodeWithSelector(Distributor.ClaimPeriodNotEnded.selector, id, uint64(block.timestamp + 30 days)));
        distributor.reclaimExpired(id);
        vm.warp(block.timestamp + 30 days + 1);
        vm.prank(_holder(2));
        vm.expectRevert(abi.encodeWithSelector(Distributor.ClaimPeriodEnded.selector, id, uint64(block.timestamp - 1)));
        distributor.claim(id);
        Distributor.DistributionTotals memory t = distributor.distributionTotals(id);
        assertEq(t.unpaid, 67, "two unpaid shares of 33 and the rounding remainder of 1");
        assertEq(_totalsSum(id), 100, "identity before reclaim");
        assertEq(distributor.reclaimExpired(id), 67, "returned");
        t = distributor.distributionTotals(id);
        assertTrue(t.reclaimed, "reclaimed");
        assertEq(t.unpaid, 67, "after reclaim, unpaid is what went to the treasury");
        assertEq(_totalsSum(id), 100, "identity after reclaim");
        assertEq(usd.balanceOf(TREASURY), 67, "treasury");
        assertEq(usd.balanceOf(address(distributor)), 0, "nothing stranded");
        vm.expectRevert(abi.encodeWithSelector(Distributor.AlreadyReclaimed.selector, id));
        distributor.reclaimExpired(id);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Property: the accounting identity and exact payments
    // ------------------------------------------------------------------------------------------------------------

    struct Expect {
        uint256 eligible;
        uint256 sumFloor;
        uint256 paidNet;
        uint256 tax;
        uint256 withheld;
        uint256 paidCount;
        uint256 holderCount;
    }

    function testFuzz_accountingIdentity(uint256 seed, uint256 amountSeed, uint8 holderSeed, uint16 cnRate) public {
        uint256 n = bound(holderSeed, 1, 12);
        uint256 amount = bound(amountSeed, 1, 1e15); // small against supply: every share rounds
        cnRate = uint16(bound(cnRate, 0, 10_000));
        vm.prank(ADMIN);
        distributor.setWithholdingRate(CN, cnRate);
        token.mint(ISSUER, uint256(keccak256(abi.encode(seed, "issuer"))) % 1e24);

        uint256[] memory balances = new uint256[](n);
        Expect memory e;
        for (uint256 i; i < n; ++i) {
            balances[i] = bound(uint256(keccak256(abi.encode(seed, i, "bal"))), 1, 1e24);
            token.mint(_holder(i), balances[i]);
            registry.setCountry(_holder(i), uint256(keccak256(abi.encode(seed, i, "c"))) % 2 == 0 ? CN : HK);
            e.eligible += balances[i];
        }
        uint256 id = _create(amount);

        // After the record date: balances move, some holders become ineligible.
        for (uint256 i; i < n; ++i) {
            uint256 r = uint256(keccak256(abi.encode(seed, i, "after")));
            if (r % 3 == 0) {
                vm.prank(_holder(i));
                token.transfer(_holder((i + 1) % n), balances[i] / 2);
            }
            if (r % 5 == 0) token.mint(_holder(i), r % 1e24);
            if (r % 4 == 0) token.setHolderStatus(_holder(i), 8);
        }

        address[] memory batch = new address[](n);
        uint256 batchLength;
        for (uint256 i; i < n; ++i) {
            uint256 gross = amount * balances[i] / e.eligible;
            e.sumFloor += gross;
            uint256 mode = uint256(keccak256(abi.encode(seed, i, "mode"))) % 3; // 0 claim, 1 push, 2 never
            if (gross == 0 || mode == 2) continue;
            uint256 tax = registry.investorCountry(_holder(i)) == CN ? gross * cnRate / 10_000 : 0;
            e.tax += tax;
            if (token.checkHolder(_holder(i)) == 0) e.paidNet += gross - tax;
            else e.withheld += gross - tax;
            ++e.paidCount;
            if (mode == 0) {
                vm.prank(_holder(i));
                distributor.claim(id);
            } else {
                batch[batchLength++] = _holder(i);
            }
        }
        assembly {
            mstore(batch, batchLength)
        }
        vm.prank(AGENT);
        distributor.pushBatch(id, batch);

        Distributor.DistributionTotals memory t = distributor.distributionTotals(id);
        assertEq(_totalsSum(id), amount, "identity before reclaim");
        assertEq(t.paidNet, e.paidNet, "paid net");
        assertEq(t.taxPaid, e.tax, "tax");
        assertEq(t.withheldOutstanding, e.withheld, "withheld");
        assertEq(usd.balanceOf(TAX), e.tax, "tax account");
        uint256 holdersReceived;
        for (uint256 i; i < n; ++i) {
            holdersReceived += usd.balanceOf(_holder(i));
        }
        assertEq(holdersReceived, e.paidNet, "holders received");
        assertLe(e.sumFloor, amount, "floors never exceed funding");

        vm.warp(block.timestamp + 31 days);
        uint256 returned = distributor.reclaimExpired(id);
        t = distributor.distributionTotals(id);
        assertEq(_totalsSum(id), amount, "identity after reclaim");
        assertEq(returned, t.unpaid, "returned");
        assertEq(usd.balanceOf(TREASURY), returned, "treasury");
        assertEq(usd.balanceOf(address(distributor)), t.withheldOutstanding, "only escrow stays");
        assertEq(returned, amount - e.paidNet - e.tax - e.withheld, "returned is the rest");
        if (e.paidCount == _countPositive(amount, balances, e.eligible)) {
            // Everyone with a non-zero share was paid: what is left is exactly amount minus the floor shares.
            assertEq(t.unpaid, amount - e.sumFloor, "rest is amount minus floor shares");
        }
    }

    /// @dev Whatever the order of claims, pushes, releases and reclaims across overlapping distributions in one
    /// payment token, the Distributor holds exactly what it still owes: escrow plus the unpaid rest of open ones.
    function testFuzz_solvencyAcrossOverlappingDistributions(uint256 seed) public {
        for (uint256 i; i < 6; ++i) {
            token.mint(_holder(i), bound(uint256(keccak256(abi.encode(seed, i))), 1, 1e22));
        }
        token.mint(ISSUER, 7e21);
        uint256[3] memory ids;
        for (uint256 k; k < 3; ++k) {
            ids[k] = _create(bound(uint256(keccak256(abi.encode(seed, "amt", k))), 1, 1e13));
            vm.prank(_holder(k));
            token.transfer(_holder(k + 3), 1); // balances move between record dates
        }
        for (uint256 step; step < 24; ++step) {
            uint256 r = uint256(keccak256(abi.encode(seed, "step", step)));
            uint256 id = ids[r % 3];
            address h = _holder((r >> 8) % 6);
            uint256 action = (r >> 16) % 5;
            if (action == 0) token.setHolderStatus(h, uint8((r >> 24) % 2 == 0 ? 0 : 8));
            if (action == 1 && !distributor.isPaid(id, h) && block.timestamp <= distributor.distribution(id).claimExpiry) {
                (uint256 gross,,,,) = distributor.claimable(id, h);
                if (gross != 0) {
                    vm.prank(h);
                    distributor.claim(id);
                }
            }
            if (action == 2 && block.timestamp <= distributor.distribution(id).claimExpiry) {
                address[] memory batch = new address[](2);
                batch[0] = h;
                batch[1] = _holder((r >> 32) % 6);
                vm.prank(AGENT);
                distributor.pushBatch(id, batch);
            }
            if (action == 3 && distributor.withheldOf(id, h) != 0 && token.checkHolder(h) == 0) {
                distributor.releaseWithheld(id, h);
            }
            if (action == 4) {
                vm.warp(block.timestamp + 10 days);
                for (uint256 k; k < 3; ++k) {
                    Distributor.DistributionInfo memory info = distributor.distribution(ids[k]);
                    if (!info.reclaimed && block.timestamp > info.claimExpiry) distributor.reclaimExpired(ids[k]);
                }
            }
            uint256 owed;
            for (uint256 k; k < 3; ++k) {
                Distributor.DistributionTotals memory t = distributor.distributionTotals(ids[k]);
                assertEq(_totalsSum(ids[k]), t.funded, "identity");
                owed += t.withheldOutstanding + (t.reclaimed ? 0 : t.unpaid);
            }
            assertEq(usd.balanceOf(address(distributor)), owed, "holds exactly what it owes");
        }
    }

    function _countPositive(uint256 amount, uint256[] memory balances, uint256 eligible)
        private
        pure
        returns (uint256 count)
    {
        for (uint256 i; i < balances.length; ++i) {
            if (amount * balances[i] / eligible != 0) ++count;
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Reentrancy
    // ------------------------------------------------------------------------------------------------------------

    function _distributorFor(address paymentToken) internal returns (Distributor d) {
        d = Distributor(Clones.clone(Shipped.deploy("Distributor", abi.encode(address(0)))));
        d.initialize(ADMIN, AGENT, TREASURY, TAX);
        token.grantRole(token.SNAPSHOT_ROLE(), address(d));
        vm.startPrank(ADMIN);
        d.allowPaymentToken(paymentToken, bytes8("USD"), false);
        d.setExcludedWallets(address(token), new address[](0));
        vm.stopPrank();
        ReentrantPaymentToken(paymentToken).mint(AGENT, 1e30);
        vm.prank(AGENT);
        ReentrantPaymentToken(paymentToken).approve(address(d), type(uint256).max);
    }

    function test_reentrantClaimThroughPaymentTokenRefused() public {
        ReentrantPaymentToken hostile = new ReentrantPaymentToken();
        Distributor d = _distributorFor(address(hostile));
        token.mint(_holder(1), 100e18);
        token.mint(address(hostile), 100e18); // the attacker contract is itself a holder
        vm.prank(AGENT);
        uint256 id = d.createDistribution(address(token), address(hostile), 1_000e6, uint64(block.timestamp + 1 days), 0);
        // While paying holder 1, the token tries to claim (as itself) and to push holder 1 again.
        bytes32 agentRole = d.DISTRIBUTION_AGENT_ROLE();
        vm.prank(ADMIN);
        d.grantRole(agentRole, address(hostile));
        address[] memory again = new address[](1);
        again[0] = _holder(1);
        hostile.arm(address(d), address(d), abi.encodeCall(Distributor.pushBatch, (id, again)));
        vm.prank(_holder(1));
        d.claim(id);
        assertEq(hostile.reentryAttempts(), 1, "attempted");
        assertTrue(!hostile.lastReentrySucceeded(), "re-entry refused");
        assertEq(
            uint256(bytes32(hostile.lastReentryRevertData())),
            uint256(bytes32(ReentrancyGuardTransient.ReentrancyGuardReentrantCall.selector)),
            "by the guard"
        );
        assertEq(hostile.balanceOf(_holder(1)), 500e6, "paid exactly once");

        hostile.arm(address(d), address(d), abi.encodeCall(Distributor.claim, (id)));
        vm.prank(address(hostile));
        d.claim(id);
        assertTrue(!hostile.lastReentrySucceeded(), "nested claim refused");
        assertEq(hostile.balanceOf(address(hostile)), 500e6, "attacker paid once");
        assertEq(_sum(d, id), 1_000e6, "identity");
    }

    function _sum(Distributor d, uint256 id) private view returns (uint256) {
        Distributor.DistributionTotals memory t = d.distributionTotals(id);
        return t.paidNet + t.taxPaid + t.withheldOutstanding + t.withheldReleased + t.withheldReturned + t.unpaid;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Payment token policy
    // ------------------------------------------------------------------------------------------------------------

    function test_rmbPeggedRefusedUnlessApproved() public {
        address cnh = address(new MockStablecoin("CNH Coin", "CNHC", 6));
        vm.startPrank(ADMIN);
        vm.expectRevert(
            abi.encodeWithSelector(PaymentTokenPolicy.RmbPeggedCurrencyNotApproved.selector, cnh, bytes8("CNH"))
        );
        distributor.allowPaymentToken(cnh, bytes8("CNH"), false);
        vm.expectRevert(
            abi.encodeWithSelector(PaymentTokenPolicy.RmbPeggedCurrencyNotApproved.selector, cnh, bytes8("CNY"))
        );
        distributor.allowPaymentToken(cnh, bytes8("CNY"), false);
        vm.expectRevert(abi.encodeWithSelector(PaymentTokenPolicy.InvalidCurrencyCode.selector, bytes8("cnh")));
        distributor.allowPaymentToken(cnh, bytes8("cnh"), false);
        vm.expectRevert(abi.encodeWithSelector(PaymentTokenPolicy.InvalidCurrencyCode.selector, bytes8("CN")));
        distributor.allowPaymentToken(cnh, bytes8("CN"), false);
        vm.expectRevert(abi.encodeWithSelector(PaymentTokenPolicy.InvalidCurrencyCode.selector, bytes8(hex"434e480048")));
        distributor.allowPaymentToken(cnh, bytes8(hex"434e480048"), false);

        distributor.allowPaymentToken(cnh, bytes8("CNH"), true);
        (bytes8 currency, bool allowed, bool approved) = distributor.paymentTokenConfig(cnh);
        assertTrue(currency == bytes8("CNH") && allowed && approved, "approved CNH allowed");

        distributor.setCurrencyRefused(bytes8("EUR"), true);
        vm.expectRevert(abi.encodeWithSelector(PaymentTokenPolicy.CurrencyRefused.selector, bytes8("EUR")));
        distributor.allowPaymentToken(cnh, bytes8("EUR"), false);
        vm.stopPrank();
    }

    function test_disallowedPaymentTokenRefusedForNewButOpenOnesPay() public {
        token.mint(_holder(1), 1e18);
        uint256 id = _create(10e6);
        vm.prank(ADMIN);
        distributor.disallowPaymentToken(address(usd));
        vm.prank(AGENT);
        vm.expectRevert(abi.encodeWithSelector(PaymentTokenPolicy.PaymentTokenNotAllowed.selector, address(usd)));
        distributor.createDistribution(address(token), address(usd), 10e6, uint64(block.timestamp + 1 days), 0);
        vm.prank(_holder(1));
        assertEq(distributor.claim(id), 10e6, "open distribution still pays");
    }

    // ------------------------------------------------------------------------------------------------------------
    // Access control and initialisation
    // ------------------------------------------------------------------------------------------------------------

    function _expectUnauthorized(bytes32 role) internal {
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, STRANGER, role));
    }

    function test_privilegedFunctionsRefuseStrangers() public {
        token.mint(_holder(1), 1e18);
        uint256 id = _create(10e6);
        bytes32 agentRole = distributor.DISTRIBUTION_AGENT_ROLE();
        bytes32 adminRole = distributor.DEFAULT_ADMIN_ROLE();
        vm.startPrank(STRANGER);
        _expectUnauthorized(agentRole);
        distributor.createDistribution(address(token), address(usd), 1, uint64(block.timestamp + 1), 0);
        _expectUnauthorized(agentRole);
        distributor.createDistributionPerToken(address(token), address(usd), 1, uint64(block.timestamp + 1), 0);
        _expectUnauthorized(agentRole);
        distributor.pushBatch(id, new address[](0));
        _expectUnauthorized(adminRole);
        distributor.allowPaymentToken(address(usd), bytes8("USD"), false);
        _expectUnauthorized(adminRole);
        distributor.disallowPaymentToken(address(usd));
        _expectUnauthorized(adminRole);
        distributor.setCurrencyRefused(bytes8("USD"), true);
        _expectUnauthorized(adminRole);
        distributor.setExcludedWallets(address(token), new address[](0));
        _expectUnauthorized(adminRole);
        distributor.setWithholdingRate(CN, 1);
        _expectUnauthorized(adminRole);
        distributor.setTreasury(STRANGER);
        _expectUnauthorized(adminRole);
        distributor.setTaxAccount(STRANGER);
        _expectUnauthorized(adminRole);
        distributor.setReturnWithheldAtExpiry(true);
        _expectUnauthorized(adminRole);
        distributor.grantRole(agentRole, STRANGER);
        _expectUnauthorized(adminRole);
        distributor.revokeRole(agentRole, AGENT);
        vm.expectRevert(Initializable.InvalidInitialization.selector);
        distributor.initialize(STRANGER, STRANGER, STRANGER, STRANGER);
        vm.stopPrank();
        assertTrue(distributor.hasRole(agentRole, AGENT) && !distributor.hasRole(agentRole, STRANGER), "roles unchanged");
        assertTrue(distributor.treasury() == TREASURY && distributor.taxAccount() == TAX, "accounts unchanged");
        assertTrue(distributor.isPaymentTokenAllowed(address(usd)), "policy unchanged");
    }

    function test_implementationCannotBeInitialized() public {
        Distributor impl = Distributor(Shipped.deploy("Distributor", abi.encode(address(0))));
        vm.expectRevert(Initializable.InvalidInitialization.selector);
        impl.initialize(ADMIN, AGENT, TREASURY, TAX);
    }

    function test_createValidatesInputs() public {
        token.mint(_holder(1), 1e18);
        vm.startPrank(AGENT);
        vm.expectRevert(abi.encodeWithSelector(Distributor.TokenNotRegistered.selector, address(usd)));
        distributor.createDistribution(address(usd), address(usd), 1, uint64(block.timestamp + 1), 0);
        vm.expectRevert(abi.encodeWithSelector(Distributor.InvalidClaimExpiry.selector, uint64(block.timestamp)));
        distributor.createDistribution(address(token), address(usd), 1, uint64(block.timestamp), 0);
        vm.expectRevert(abi.encodeWithSelector(Distributor.InvalidAmount.selector, 0));
        distributor.createDistribution(address(token), address(usd), 0, uint64(block.timestamp + 1), 0);
        vm.expectRevert(abi.encodeWithSelector(Distributor.InvalidAmount.selector, uint256(1) << 96));
        distributor.createDistribution(address(token), address(usd), uint256(1) << 96, uint64(block.timestamp + 1), 0);
        vm.stopPrank();
        vm.prank(_holder(1));
        token.transfer(ISSUER, 1e18);
        vm.prank(AGENT);
        vm.expectRevert(abi.encodeWithSelector(Distributor.NoEligibleSupply.selector, address(token), 1));
        distributor.createDistribution(address(token), address(usd), 1, uint64(block.timestamp + 1), 0);
    }
}
