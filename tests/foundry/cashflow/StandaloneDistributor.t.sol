// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {CashflowBase} from "./CashflowBase.sol";
import {DistributorTest} from "./Distributor.t.sol";
import {DistributorBranchesTest} from "./DistributorBranches.t.sol";
import {DistributorHolderNumbersTest} from "./DistributorHolderNumbers.t.sol";
import {Initializable} from "@openzeppelin/contracts/proxy/utils/Initializable.sol";
import {Distributor} from "../../../contracts/cashflow/Distributor.sol";
import {StandaloneDistributor} from "../../../contracts/cashflow/StandaloneDistributor.sol";
import {MockSnapshotToken} from "../../../contracts/mocks/MockSnapshotToken.sol";
import {Shipped} from "../utils/Shipped.sol";

/// @notice StandaloneDistributor: a Distributor deployed with a constructor (no clone, no initialize), whose first
/// token's address lives in code. The fixture token is its primary token (index 0, read from code); a second token
/// goes through the storage path.
contract StandaloneDistributorTest is CashflowBase {
    uint16 internal constant US = 840;

    function _newDistributor() internal override returns (Distributor) {
        return StandaloneDistributor(
            Shipped.deploy("StandaloneDistributor", abi.encode(ADMIN, AGENT, TREASURY, TAX, address(token)))
        );
    }

    function _expiry() internal view returns (uint64) {
        return uint64(block.timestamp + 30 days);
    }

    // ---- construction ----

    function test_constructorSetsRolesAccountsAndThePrimaryToken() public {
        address primary = address(new MockSnapshotToken("Primary", "PRI"));
        StandaloneDistributor d = StandaloneDistributor(
            Shipped.deploy("StandaloneDistributor", abi.encode(ADMIN, AGENT, TREASURY, TAX, primary))
        );
        assertTrue(d.hasRole(d.DEFAULT_ADMIN_ROLE(), ADMIN), "admin");
        assertTrue(d.hasRole(d.DISTRIBUTION_AGENT_ROLE(), AGENT), "agent");
        assertTrue(!d.hasRole(d.DISTRIBUTION_AGENT_ROLE(), ADMIN), "admin is not an agent");
        assertTrue(!d.hasRole(d.DEFAULT_ADMIN_ROLE(), AGENT), "agent is not an admin");
        assertTrue(!d.hasRole(d.DEFAULT_ADMIN_ROLE(), address(this)), "deployer keeps no role");
        assertTrue(d.treasury() == TREASURY, "treasury");
        assertTrue(d.taxAccount() == TAX, "tax account");
        assertTrue(d.isTokenRegistered(primary), "primary token registered");
        assertEq(d.excludedWallets(primary).length, 0, "no excluded wallets yet");
        assertEq(d.distributionCount(), 0, "no distributions");
        assertTrue(!d.returnWithheldAtExpiry(), "escrow kept by default");
    }

    function test_constructorWithoutAgentOrPrimaryToken() public {
        StandaloneDistributor d = StandaloneDistributor(
            Shipped.deploy("StandaloneDistributor", abi.encode(ADMIN, address(0), TREASURY, TAX, address(0)))
        );
        assertTrue(!d.hasRole(d.DISTRIBUTION_AGENT_ROLE(), address(0)), "no zero agent");
        assertTrue(!d.hasRole(d.DISTRIBUTION_AGENT_ROLE(), AGENT), "no agent");
        assertTrue(!d.isTokenRegistered(address(0)), "no zero token");
        assertTrue(!d.isTokenRegistered(address(token)), "nothing registered");
        // The first token registered later takes index 0 from storage and works like a clone's.
        token.grantRole(token.SNAPSHOT_ROLE(), address(d));
        vm.startPrank(ADMIN);
        d.grantRole(d.DISTRIBUTION_AGENT_ROLE(), AGENT);
        d.allowPaymentToken(address(usd), bytes8("USD"), false);
        d.setExcludedWallets(address(token), new address[](0));
        vm.stopPrank();
        vm.prank(AGENT);
        usd.approve(address(d), type(uint256).max);
        token.mint(_holder(1), 1e18);
        token.mint(_holder(2), 3e18);
        vm.prank(AGENT);
        uint256 id = d.createDistribution(address(token), address(usd), 100e6, _expiry(), 0);
        assertTrue(d.distribution(id).token == address(token), "token from storage");
        vm.prank(_holder(2));
        assertEq(d.claim(id), 75e6, "claim");
    }

    function test_constructorRefusesEachZeroAddress() public {
        vm.expectRevert(Distributor.ZeroAddress.selector);
        Shipped.deploy("StandaloneDistributor", abi.encode(address(0), AGENT, TREASURY, TAX, address(token)));
        vm.expectRevert(Distributor.ZeroAddress.selector);
        Shipped.deploy("StandaloneDistributor", abi.encode(ADMIN, AGENT, address(0), TAX, address(token)));
        vm.expectRevert(Distributor.ZeroAddress.selector);
        Shipped.deploy("StandaloneDistributor", abi.encode(ADMIN, AGENT, TREASURY, address(0), address(token)));
    }

    function test_initializeAlwaysReverts() public {
        address[3] memory callers = [STRANGER, ADMIN, address(this)];
        for (uint256 i; i < 3; ++i) {
            vm.prank(callers[i]);
            vm.expectRevert(Initializable.InvalidInitialization.selector);
            distributor.initialize(callers[i], callers[i], callers[i], callers[i]);
        }
        StandaloneDistributor fresh = StandaloneDistributor(
            Shipped.deploy("StandaloneDistributor", abi.encode(ADMIN, AGENT, TREASURY, TAX, address(0)))
        );
        vm.expectRevert(Initializable.InvalidInitialization.selector);
        fresh.initialize(STRANGER, STRANGER, STRANGER, STRANGER);
        assertTrue(!fresh.hasRole(fresh.DEFAULT_ADMIN_ROLE(), STRANGER), "no admin taken");
        assertTrue(fresh.treasury() == TREASURY, "treasury unchanged");
    }

    // ---- full lifecycle ----

    function test_createClaimPushReleaseReclaimOnThePrimaryToken() public {
        vm.startPrank(ADMIN);
        distributor.setWithholdingRate(US, 1_000);
        vm.stopPrank();
        token.mint(ISSUER, 1_000e18); // excluded
        token.mint(_holder(1), 1e18);
        token.mint(_holder(2), 2e18);
        token.mint(_holder(3), 3e18);
        token.mint(_holder(4), 4e18);
        registry.setCountry(_holder(1), US);
        uint256 id = _create(1_000e6 + 7);
        Distributor.DistributionInfo memory info = distributor.distribution(id);
        assertTrue(info.token == address(token), "primary token");
        assertEq(info.eligibleSupply, 10e18, "issuer left out");
        assertTrue(info.withholding, "withholds");

        vm.prank(_holder(1));
        assertEq(distributor.claim(id), 90e6, "claim net of 10% US tax");
        vm.prank(ISSUER);
        vm.expectRevert(abi.encodeWithSelector(Distributor.AlreadyPaidOrExcluded.selector, id, ISSUER));
        distributor.claim(id);

        token.setHolderStatus(_holder(2), 8);
        address[] memory batch = new address[](4);
        batch[0] = _holder(1);
        batch[1] = _holder(2);
        batch[2] = _holder(3);
        batch[3] = ISSUER;
        vm.prank(AGENT);
        assertEq(distributor.pushBatch(id, batch), 2, "holders 2 and 3");
        assertEq(usd.balanceOf(_holder(3)), 300e6 + 2, "holder 3 paid");
        assertEq(distributor.withheldOf(id, _holder(2)), 200e6 + 1, "holder 2 escrowed");
        token.setHolderStatus(_holder(2), 0);
        assertEq(distributor.releaseWithheld(id, _holder(2)), 200e6 + 1, "released");

        vm.warp(block.timestamp + 30 days + 1);
        // Holder 4 never claimed: its share and the rounding remainder go back.
        uint256 amount = 1_000e6 + 7;
        uint256 share4 = amount * 4e18 / 10e18;
        uint256 paidShares = amount * 1e18 / 10e18 + amount * 2e18 / 10e18 + amount * 3e18 / 10e18;
        assertEq(paidShares, 600e6 + 3, "floor shares of holders 1-3");
        assertEq(distributor.reclaimExpired(id), 1_000e6 + 7 - paidShares, "unpaid returned");
        assertTrue(1_000e6 + 7 - paidShares > share4, "includes the remainder");
        assertEq(usd.balanceOf(TREASURY), 1_000e6 + 7 - paidShares, "treasury");
        assertEq(usd.balanceOf(TAX), 10e6, "tax");
        Distributor.DistributionTotals memory t = distributor.distributionTotals(id);
        assertTrue(t.reclaimed, "reclaimed");
        assertEq(t.unpaid, 1_000e6 + 7 - paidShares, "unpaid is what went back");
        assertEq(t.withheldReleased, 200e6 + 1, "released");
        assertEq(_totalsSum(id), 1_000e6 + 7, "identity");
        assertEq(usd.balanceOf(address(distributor)), 0, "nothing left");
    }

    function test_theSecondTokenUsesItsOwnIndex() public {
        MockSnapshotToken second = new MockSnapshotToken("Second", "SEC");
        second.grantRole(second.SNAPSHOT_ROLE(), address(distributor));
        vm.prank(ADMIN);
        distributor.setExcludedWallets(address(second), new address[](0));
        token.mint(_holder(1), 1e18);
        second.mint(_holder(2), 1e18); // holder number 1 on the second token too
        uint256 a = _create(100e6);
        vm.prank(AGENT);
        uint256 b = distributor.createDistribution(address(second), address(usd), 50e6, _expiry(), 0);
        assertTrue(distributor.distribution(a).token == address(token), "primary from code");
        assertTrue(distributor.distribution(b).token == address(second), "second from storage");
        vm.prank(_holder(2));
        vm.expectRevert(abi.encodeWithSelector(Distributor.NothingToClaim.selector, a, _holder(2)));
        distributor.claim(a);
        vm.prank(_holder(1));
        vm.expectRevert(abi.encodeWithSelector(Distributor.NothingToClaim.selector, b, _holder(1)));
        distributor.claim(b);
        vm.prank(_holder(1));
        assertEq(distributor.claim(a), 100e6, "primary-token holder");
        vm.prank(_holder(2));
        assertEq(distributor.claim(b), 50e6, "second-token holder");
    }

    function test_thePrimaryTokenTakesOneOfTheTokenSlots() public {
        // The primary token is index 0 and re-registering it (setUp set its excluded wallets) took no new index:
        // 254 more tokens fill the one-byte index space.
        vm.startPrank(ADMIN);
        for (uint256 i = 1; i < 255; ++i) {
            distributor.setExcludedWallets(address(uint160(0x300000 + i)), new address[](0));
        }
        vm.expectRevert(Distributor.TooManyTokens.selector);
        distributor.setExcludedWallets(address(0x70CE), new address[](0));
        vm.stopPrank();
        token.mint(_holder(1), 1e18);
        uint256 id = _create(1e6);
        assertTrue(distributor.distribution(id).token == address(token), "primary still index 0");
    }
}

/// @notice The Distributor's behaviour suites, run against a StandaloneDistributor whose primary token is the
/// fixture token (payments in it read the token address from code).
contract StandaloneDistributorFlowsTest is DistributorTest {
    function _newDistributor() internal override returns (Distributor) {
        return StandaloneDistributor(
            Shipped.deploy("StandaloneDistributor", abi.encode(ADMIN, AGENT, TREASURY, TAX, address(token)))
        );
    }
}

contract StandaloneDistributorBranchesTest is DistributorBranchesTest {
    function _newDistributor() internal override returns (Distributor) {
        return StandaloneDistributor(
            Shipped.deploy("StandaloneDistributor", abi.encode(ADMIN, AGENT, TREASURY, TAX, address(token)))
        );
    }
}

contract StandaloneDistributorHolderNumbersTest is DistributorHolderNumbersTest {
    function _newDistributor() internal override returns (Distributor) {
        return StandaloneDistributor(
            Shipped.deploy("StandaloneDistributor", abi.encode(ADMIN, AGENT, TREASURY, TAX, address(token)))
        );
    }
}
