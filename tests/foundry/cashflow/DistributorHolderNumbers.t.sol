// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {CashflowBase} from "./CashflowBase.sol";
import {Distributor} from "../../../contracts/cashflow/Distributor.sol";

/// @notice The "paid" record keyed by holder number: one bit per holder in words of 256 consecutive numbers.
/// Holders sit on both sides of word boundaries (255 | 256, 257 | ... 511 | 512); claims and pushes, in any order
/// and with duplicates, pay each exactly once. Wallets that never held tokens (number 0) and excluded wallets
/// (marked through their number at creation) are never paid.
contract DistributorHolderNumbersTest is CashflowBase {
    /// @dev Holder numbers used by the group tests; `_holder(n)` gets number n.
    uint256[6] internal groupNumbers = [uint256(1), 255, 256, 257, 511, 512];

    function _number(address account) internal view returns (uint256 n) {
        (, n,,) = token.holderAt(account, 0);
    }

    /// @dev Mints `amount` to `account` as the token's holder number `number` (skipping the numbers in between).
    function _mintNumbered(address account, uint256 number, uint256 amount) internal {
        uint256 last = token.numberedHolders();
        require(number > last, "numbers only grow");
        token.skipHolderNumbers(number - last - 1);
        token.mint(account, amount);
        assertEq(_number(account), number, "holder number");
    }

    /// @dev Holders numbered 1, 255, 256, 257, 511 and 512, each holding (number) tokens, and the excluded issuer
    /// numbered 258 (in the word of 256 and 257) holding 1,000 tokens. One distribution of 1,000,003 units.
    function _groupsFixture() internal returns (uint256 id, uint256 amount) {
        for (uint256 i; i < 6; ++i) {
            _mintNumbered(_holder(groupNumbers[i]), groupNumbers[i], groupNumbers[i] * 1e18);
            if (groupNumbers[i] == 257) _mintNumbered(ISSUER, 258, 1_000e18);
        }
        amount = 1_000_003;
        id = _create(amount);
        assertEq(distributor.distribution(id).eligibleSupply, 1_792e18, "issuer left out");
    }

    function _share(uint256 amount, uint256 number) internal pure returns (uint256) {
        return amount * (number * 1e18) / 1_792e18;
    }

    function _sumShares(uint256 amount) internal view returns (uint256 sum) {
        for (uint256 i; i < 6; ++i) {
            sum += _share(amount, groupNumbers[i]);
        }
    }

    function _assertAllPaidOnce(uint256 id, uint256 amount) internal view {
        for (uint256 i; i < 6; ++i) {
            address h = _holder(groupNumbers[i]);
            assertEq(usd.balanceOf(h), _share(amount, groupNumbers[i]), "paid exactly its share once");
            assertTrue(distributor.isPaid(id, h), "marked paid");
        }
        assertEq(usd.balanceOf(ISSUER), 0, "excluded issuer never paid");
        Distributor.DistributionTotals memory t = distributor.distributionTotals(id);
        assertEq(t.unpaid, amount - _sumShares(amount), "unpaid is amount minus the floor shares");
        assertEq(t.paidNet, _sumShares(amount), "paid net");
        assertEq(_totalsSum(id), amount, "identity");
        assertEq(usd.balanceOf(address(distributor)), t.unpaid, "holds the unpaid rest only");
    }

    // ------------------------------------------------------------------------------------------------------------
    // Word boundaries
    // ------------------------------------------------------------------------------------------------------------

    function test_claimPaysHoldersInDifferentWordsExactlyOnce() public {
        (uint256 id, uint256 amount) = _groupsFixture();
        // Claim in an order that hops between words; after each claim only the claimants are marked.
        uint256[6] memory order = [uint256(256), 255, 512, 1, 257, 511];
        for (uint256 k; k < 6; ++k) {
            address h = _holder(order[k]);
            vm.prank(h);
            assertEq(distributor.claim(id), _share(amount, order[k]), "claimed share");
            vm.prank(h);
            vm.expectRevert(abi.encodeWithSelector(Distributor.AlreadyPaidOrExcluded.selector, id, h));
            distributor.claim(id);
            for (uint256 j; j < 6; ++j) {
                bool claimed;
                for (uint256 m; m <= k; ++m) {
                    if (order[m] == groupNumbers[j]) claimed = true;
                }
                assertTrue(distributor.isPaid(id, _holder(groupNumbers[j])) == claimed, "only claimants marked");
            }
        }
        _assertAllPaidOnce(id, amount);
    }

    function test_pushBatchAlternatingBetweenWordsPaysEachHolderOnce() public {
        (uint256 id, uint256 amount) = _groupsFixture();
        // Every holder appears at least twice, the batch changes word at almost every step and returns to words
        // it left, and the excluded issuer (word 1) sits in the middle.
        address[] memory batch = new address[](13);
        uint256[13] memory numbers = [uint256(256), 255, 257, 1, 512, 256, 255, 258, 511, 257, 1, 512, 511];
        for (uint256 i; i < 13; ++i) {
            batch[i] = numbers[i] == 258 ? ISSUER : _holder(numbers[i]);
        }
        vm.prank(AGENT);
        assertEq(distributor.pushBatch(id, batch), 6, "six holders, once each");
        _assertAllPaidOnce(id, amount);
        vm.prank(AGENT);
        assertEq(distributor.pushBatch(id, batch), 0, "nobody twice");
        for (uint256 i; i < 6; ++i) {
            address h = _holder(groupNumbers[i]);
            vm.prank(h);
            vm.expectRevert(abi.encodeWithSelector(Distributor.AlreadyPaidOrExcluded.selector, id, h));
            distributor.claim(id);
        }
        _assertAllPaidOnce(id, amount);
    }

    function test_pushBatchWithDuplicatesPaysOnce() public {
        (uint256 id, uint256 amount) = _groupsFixture();
        // Duplicates next to each other and apart, within one word and across a boundary.
        address[] memory batch = new address[](7);
        batch[0] = _holder(255);
        batch[1] = _holder(255);
        batch[2] = _holder(256);
        batch[3] = _holder(256);
        batch[4] = _holder(255);
        batch[5] = _holder(1);
        batch[6] = _holder(256);
        vm.prank(AGENT);
        assertEq(distributor.pushBatch(id, batch), 3, "three distinct holders");
        assertEq(usd.balanceOf(_holder(255)), _share(amount, 255), "255 once");
        assertEq(usd.balanceOf(_holder(256)), _share(amount, 256), "256 once");
        assertEq(usd.balanceOf(_holder(1)), _share(amount, 1), "1 once");
        assertTrue(!distributor.isPaid(id, _holder(257)), "257 untouched");
        assertTrue(!distributor.isPaid(id, _holder(511)), "511 untouched");
        assertTrue(!distributor.isPaid(id, _holder(512)), "512 untouched");
        assertEq(
            distributor.distributionTotals(id).unpaid,
            amount - _share(amount, 1) - _share(amount, 255) - _share(amount, 256),
            "unpaid"
        );
    }

    function test_claimsAndPushesMixedAcrossWordsPayEachOnce() public {
        (uint256 id, uint256 amount) = _groupsFixture();
        address[] memory first = new address[](2);
        first[0] = _holder(257);
        first[1] = _holder(511);
        vm.prank(AGENT);
        assertEq(distributor.pushBatch(id, first), 2, "first push");
        vm.prank(_holder(256)); // same word as 257, pushed before
        distributor.claim(id);
        vm.prank(_holder(512)); // word 2, next to 511
        distributor.claim(id);
        vm.prank(_holder(257));
        vm.expectRevert(abi.encodeWithSelector(Distributor.AlreadyPaidOrExcluded.selector, id, _holder(257)));
        distributor.claim(id);
        address[] memory all = new address[](7);
        for (uint256 i; i < 6; ++i) {
            all[5 - i] = _holder(groupNumbers[i]);
        }
        all[6] = ISSUER;
        vm.prank(AGENT);
        assertEq(distributor.pushBatch(id, all), 2, "only 1 and 255 were left");
        _assertAllPaidOnce(id, amount);
    }

    function test_aPaidWordInOneDistributionDoesNotMarkAnother() public {
        (uint256 a, uint256 amount) = _groupsFixture();
        uint256 b = _create(amount);
        address[] memory batch = new address[](3);
        batch[0] = _holder(255);
        batch[1] = _holder(256);
        batch[2] = _holder(257);
        vm.prank(AGENT);
        distributor.pushBatch(a, batch);
        for (uint256 i; i < 3; ++i) {
            assertTrue(!distributor.isPaid(b, batch[i]), "other distribution untouched");
        }
        assertTrue(distributor.isPaid(b, ISSUER), "issuer excluded in both");
        vm.prank(AGENT);
        assertEq(distributor.pushBatch(b, batch), 3, "paid again in the second distribution");
        assertEq(usd.balanceOf(_holder(256)), 2 * _share(amount, 256), "once per distribution");
    }

    /// @dev Random claims and pushes (with duplicates) over holders spread across several words: each holder is
    /// paid at most once, exactly its floor share, and the unpaid rest is the amount minus the shares paid.
    function testFuzz_claimsAndPushesAcrossWordsPayEachHolderOnce(uint256 seed) public {
        uint256 n = 8;
        address[] memory holders = new address[](n);
        uint256[] memory balances = new uint256[](n);
        uint256 number;
        uint256 eligible;
        for (uint256 i; i < n; ++i) {
            // Gaps up to 300: several holders per word, words skipped, boundaries crossed.
            number += 1 + uint256(keccak256(abi.encode(seed, "gap", i))) % 300;
            holders[i] = _holder(number);
            balances[i] = bound(uint256(keccak256(abi.encode(seed, "bal", i))), 1, 1e24);
            _mintNumbered(holders[i], number, balances[i]);
            eligible += balances[i];
        }
        uint256 amount = bound(uint256(keccak256(abi.encode(seed, "amount"))), 1, 1e15);
        uint256 id = _create(amount);

        bool[] memory paid = new bool[](n);
        uint256 paidGross;
        for (uint256 step; step < 12; ++step) {
            uint256 r = uint256(keccak256(abi.encode(seed, "step", step)));
            if (r % 3 == 0) {
                uint256 i = (r >> 8) % n;
                uint256 share = amount * balances[i] / eligible;
                vm.prank(holders[i]);
                if (share == 0) {
                    vm.expectRevert(abi.encodeWithSelector(Distributor.NothingToClaim.selector, id, holders[i]));
                    distributor.claim(id);
                } else if (paid[i]) {
                    vm.expectRevert(abi.encodeWithSelector(Distributor.AlreadyPaidOrExcluded.selector, id, holders[i]));
                    distributor.claim(id);
                } else {
                    assertEq(distributor.claim(id), share, "claim pays the share");
                    paid[i] = true;
                    paidGross += share;
                }
            } else {
                uint256 len = 1 + (r >> 8) % 6;
                address[] memory batch = new address[](len);
                uint256 expectCount;
                for (uint256 k; k < len; ++k) {
                    uint256 i = (r >> (16 + 8 * k)) % n;
                    batch[k] = holders[i];
                    uint256 share = amount * balances[i] / eligible;
                    if (share != 0 && !paid[i]) {
                        paid[i] = true;
                        paidGross += share;
                        ++expectCount;
                    }
                }
                vm.prank(AGENT);
                assertEq(distributor.pushBatch(id, batch), expectCount, "paid count");
            }
        }
        for (uint256 i; i < n; ++i) {
            uint256 share = amount * balances[i] / eligible;
            assertEq(usd.balanceOf(holders[i]), paid[i] ? share : 0, "paid once or not at all");
            assertTrue(distributor.isPaid(id, holders[i]) == paid[i], "paid record");
        }
        Distributor.DistributionTotals memory t = distributor.distributionTotals(id);
        assertEq(t.unpaid, amount - paidGross, "unpaid");
        assertEq(_totalsSum(id), amount, "identity");

        // Pushing everyone (in reverse number order) completes the distribution.
        address[] memory everyone = new address[](n);
        uint256 sumFloor;
        for (uint256 i; i < n; ++i) {
            everyone[i] = holders[n - 1 - i];
            sumFloor += amount * balances[i] / eligible;
        }
        vm.prank(AGENT);
        distributor.pushBatch(id, everyone);
        for (uint256 i; i < n; ++i) {
            assertEq(usd.balanceOf(holders[i]), amount * balances[i] / eligible, "everyone paid once");
        }
        assertEq(distributor.distributionTotals(id).unpaid, amount - sumFloor, "unpaid is amount minus floor shares");
    }

    // ------------------------------------------------------------------------------------------------------------
    // Holder number 0 and excluded wallets
    // ------------------------------------------------------------------------------------------------------------

    function test_aWalletThatNeverHeldTokensCannotClaimAndIsSkipped() public {
        token.mint(_holder(1), 1e18);
        uint256 id = _create(100e6);
        address never = _holder(9);
        assertEq(_number(never), 0, "never held: number 0");
        (uint256 gross,,,, bool paid) = distributor.claimable(id, never);
        assertTrue(gross == 0 && !paid, "no share, not paid");
        vm.prank(never);
        vm.expectRevert(abi.encodeWithSelector(Distributor.NothingToClaim.selector, id, never));
        distributor.claim(id);
        address[] memory batch = new address[](3);
        batch[0] = never;
        batch[1] = _holder(1);
        batch[2] = never;
        vm.prank(AGENT);
        assertEq(distributor.pushBatch(id, batch), 1, "only the holder");
        assertEq(usd.balanceOf(never), 0, "nothing paid");
        assertTrue(!distributor.isPaid(id, never), "not marked");

        // Receiving tokens after the record date numbers the wallet but earns nothing in this distribution.
        vm.prank(_holder(1));
        token.transfer(never, 1e18);
        assertEq(_number(never), 2, "numbered on first receipt");
        vm.prank(never);
        vm.expectRevert(abi.encodeWithSelector(Distributor.NothingToClaim.selector, id, never));
        distributor.claim(id);
        vm.prank(AGENT);
        assertEq(distributor.pushBatch(id, batch), 0, "still skipped");
        assertEq(distributor.distributionTotals(id).unpaid, 0, "the holder took it all");
    }

    function test_excludedWalletsCannotClaimAndAreSkippedByPush() public {
        address second = address(0x1550);
        address[] memory excluded = new address[](2);
        excluded[0] = ISSUER;
        excluded[1] = second;
        vm.prank(ADMIN);
        distributor.setExcludedWallets(address(token), excluded);
        token.mint(ISSUER, 500e18); // number 1
        token.mint(_holder(1), 100e18); // number 2
        _mintNumbered(second, 256, 300e18); // the second excluded wallet, in the next word
        _mintNumbered(_holder(2), 257, 100e18);
        uint256 id = _create(1_000e6);
        assertEq(distributor.distribution(id).eligibleSupply, 200e18, "both excluded wallets left out");
        assertTrue(distributor.isPaid(id, ISSUER) && distributor.isPaid(id, second), "marked at creation");
        assertTrue(!distributor.isPaid(id, _holder(1)) && !distributor.isPaid(id, _holder(2)), "holders not marked");
        for (uint256 i; i < 2; ++i) {
            vm.prank(excluded[i]);
            vm.expectRevert(abi.encodeWithSelector(Distributor.AlreadyPaidOrExcluded.selector, id, excluded[i]));
            distributor.claim(id);
        }
        address[] memory batch = new address[](4);
        batch[0] = ISSUER;
        batch[1] = second;
        batch[2] = _holder(2);
        batch[3] = _holder(1);
        vm.prank(AGENT);
        assertEq(distributor.pushBatch(id, batch), 2, "the two holders only");
        assertEq(usd.balanceOf(ISSUER) + usd.balanceOf(second), 0, "excluded wallets paid nothing");
        assertEq(usd.balanceOf(_holder(1)), 500e6, "holder 1");
        assertEq(usd.balanceOf(_holder(2)), 500e6, "holder 2");
        assertEq(distributor.distributionTotals(id).unpaid, 0, "everything paid");
    }

    function test_excludedWalletThatSoldOutBeforeTheRecordDate() public {
        // Numbered, but with a zero balance at the record date: marked, and has nothing to claim anyway.
        token.mint(ISSUER, 500e18);
        token.mint(_holder(1), 100e18);
        vm.prank(ISSUER);
        token.transfer(_holder(2), 500e18);
        uint256 id = _create(600e6);
        assertEq(distributor.distribution(id).eligibleSupply, 600e18, "nothing to subtract");
        assertTrue(distributor.isPaid(id, ISSUER), "marked through its number");
        vm.prank(ISSUER);
        vm.expectRevert(abi.encodeWithSelector(Distributor.NothingToClaim.selector, id, ISSUER));
        distributor.claim(id);
        address[] memory batch = new address[](3);
        batch[0] = ISSUER;
        batch[1] = _holder(1);
        batch[2] = _holder(2);
        vm.prank(AGENT);
        assertEq(distributor.pushBatch(id, batch), 2, "the two holders");
        assertEq(usd.balanceOf(ISSUER), 0, "issuer paid nothing");
        assertEq(usd.balanceOf(_holder(2)), 500e6, "buyer of the issuer's tokens");
    }

    function test_excludedWalletThatNeverHeldTokensAtTheRecordDate() public {
        // Number 0 at the record date: nothing to subtract and nothing to mark.
        token.mint(_holder(1), 100e18);
        uint256 id = _create(100e6);
        assertEq(distributor.distribution(id).eligibleSupply, 100e18, "full supply");
        assertTrue(!distributor.isPaid(id, ISSUER), "not marked");
        // Tokens received after the record date earn nothing here...
        vm.prank(_holder(1));
        token.transfer(ISSUER, 50e18);
        vm.prank(ISSUER);
        vm.expectRevert(abi.encodeWithSelector(Distributor.NothingToClaim.selector, id, ISSUER));
        distributor.claim(id);
        address[] memory batch = new address[](2);
        batch[0] = ISSUER;
        batch[1] = _holder(1);
        vm.prank(AGENT);
        assertEq(distributor.pushBatch(id, batch), 1, "holder only");
        assertEq(usd.balanceOf(_holder(1)), 100e6, "holder took it all");
        // ...and in the next distribution the now-numbered issuer is excluded.
        uint256 next = _create(100e6);
        assertEq(distributor.distribution(next).eligibleSupply, 50e18, "issuer's balance left out");
        assertTrue(distributor.isPaid(next, ISSUER), "marked");
        vm.prank(ISSUER);
        vm.expectRevert(abi.encodeWithSelector(Distributor.AlreadyPaidOrExcluded.selector, next, ISSUER));
        distributor.claim(next);
    }
}
