// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {TokenFixture} from "../TokenFixture.t.sol";
import {CollateralManager} from "../../../contracts/settlement/CollateralManager.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {Shipped} from "../utils/Shipped.sol";

/// @notice CollateralManager wired as the token's compliance hook and agent: pledges lock tokens in the
/// holder's wallet, the pledging lender alone releases or seizes them.
contract CollateralManagerTest is TokenFixture {
    uint8 internal constant COLLATERAL_LOCKED = 26;
    uint8 internal constant HOOK_REJECTED = 20;
    address internal constant LENDER = address(0x1E4D);
    address internal constant OTHER_LENDER = address(0x1E4E);

    CollateralManager internal cm;
    bytes32 internal lenderRole;

    function setUp() public override {
        super.setUp();
        cm = CollateralManager(Shipped.deploy("CollateralManager", abi.encode(address(token), address(this))));
        lenderRole = cm.LENDER_ROLE();
        cm.grantRole(lenderRole, LENDER);
        cm.grantRole(lenderRole, OTHER_LENDER);
        token.setComplianceHook(address(cm));
        token.grantRole(token.AGENT_ROLE(), address(cm));
        token.mint(alice, 1_000);
    }

    function _lock(address lender, address holder, uint256 amount) internal {
        vm.prank(lender);
        cm.lock(holder, amount);
    }

    function _unauthorized(address who) internal view returns (bytes memory) {
        return abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, who, lenderRole);
    }

    // ------------------------------------------------------------------ construction and roles

    function test_constructorRefusesAZeroToken() public {
        vm.expectRevert(CollateralManager.ZeroAddress.selector);
        Shipped.deploy("CollateralManager", abi.encode(address(0), address(this)));
    }

    function test_constructorRefusesAZeroAdmin() public {
        vm.expectRevert(CollateralManager.ZeroAddress.selector);
        Shipped.deploy("CollateralManager", abi.encode(address(token), address(0)));
    }

    function test_constructorRecordsTokenAndAdmin() public view {
        assertTrue(address(cm.token()) == address(token), "token");
        assertTrue(cm.hasRole(bytes32(0), address(this)), "admin");
    }

    function test_lockRefusesAnUnauthorisedCaller() public {
        vm.prank(stranger);
        vm.expectRevert(_unauthorized(stranger));
        cm.lock(alice, 1);
    }

    function test_releaseRefusesAnUnauthorisedCaller() public {
        _lock(LENDER, alice, 100);
        vm.prank(alice);
        vm.expectRevert(_unauthorized(alice));
        cm.release(alice, 100);
    }

    function test_seizeRefusesAnUnauthorisedCaller() public {
        _lock(LENDER, alice, 100);
        vm.prank(bob);
        vm.expectRevert(_unauthorized(bob));
        cm.seize(alice, 100, bob);
    }

    // ------------------------------------------------------------------ lock

    function test_lockRecordsThePledgeAndAccumulates() public {
        _lock(LENDER, alice, 300);
        _lock(LENDER, alice, 200);
        (address lender, uint256 amount) = cm.pledgeOf(alice);
        assertTrue(lender == LENDER, "lender");
        assertEq(amount, 500, "pledge");
        assertEq(cm.lockedOf(alice), 500, "locked");
        assertEq(cm.freeBalanceOf(alice), 500, "free");
    }

    function test_lockRefusesAZeroAmount() public {
        vm.prank(LENDER);
        vm.expectRevert(CollateralManager.ZeroAmount.selector);
        cm.lock(alice, 0);
    }

    function test_lockRefusesMoreThanTheBalance() public {
        _lock(LENDER, alice, 600);
        vm.prank(LENDER);
        vm.expectRevert(abi.encodeWithSelector(CollateralManager.LockExceedsBalance.selector, alice, 1_000, 1_001));
        cm.lock(alice, 401);
    }

    function test_lockRefusesAHolderPledgedToAnotherLender() public {
        _lock(LENDER, alice, 100);
        vm.prank(OTHER_LENDER);
        vm.expectRevert(abi.encodeWithSelector(CollateralManager.PledgedToAnotherLender.selector, alice, LENDER));
        cm.lock(alice, 100);
    }

    function test_anotherLenderMayPledgeOnceThePledgeIsReleased() public {
        _lock(LENDER, alice, 100);
        vm.prank(LENDER);
        cm.release(alice, 100);
        _lock(OTHER_LENDER, alice, 50);
        (address lender,) = cm.pledgeOf(alice);
        assertTrue(lender == OTHER_LENDER, "new lender");
    }

    // ------------------------------------------------------------------ the hook: transfers while pledged

    function test_pledgedTokensCannotLeaveTheWallet() public {
        _lock(LENDER, alice, 700);
        assertEq(_code(alice, bob, 301), COLLATERAL_LOCKED, "would dip into the pledge");
        vm.prank(alice);
        vm.expectRevert(_restricted(COLLATERAL_LOCKED));
        token.transfer(bob, 301);
        _transfer(alice, bob, 300); // the free part moves
        assertEq(token.balanceOf(bob), 300, "free part moved");
        assertEq(cm.freeBalanceOf(alice), 0, "nothing free");
    }

    function test_hookRefusesCallsForAnotherToken() public view {
        assertEq(cm.check(address(0x70CE), alice, bob, 1), HOOK_REJECTED, "wrong token");
    }

    function test_hookAcceptsMintsAndHoldersWithoutAPledge() public {
        _lock(LENDER, alice, 1_000);
        assertEq(cm.check(address(token), address(0), alice, 1), 0, "mint");
        assertEq(cm.check(address(token), bob, alice, 1), 0, "no pledge");
        token.mint(alice, 10); // a mint to a pledged holder still works
        assertEq(cm.freeBalanceOf(alice), 10, "minted part is free");
    }

    function test_hookRefusesAnAmountAboveTheBalance() public {
        _lock(LENDER, alice, 1);
        assertEq(cm.check(address(token), alice, bob, 1_001), COLLATERAL_LOCKED, "above balance");
        assertEq(cm.check(address(token), alice, bob, 999), 0, "leaves the pledge");
    }

    function test_freeBalanceIsZeroWhenAgentMovesDipIntoThePledge() public {
        _lock(LENDER, alice, 800);
        token.forcedTransfer(alice, bob, 500); // agent move bypasses the hook
        assertEq(cm.freeBalanceOf(alice), 0, "below the pledge");
        assertEq(_code(alice, bob, 1), COLLATERAL_LOCKED, "still refused");
    }

    // ------------------------------------------------------------------ release

    function test_releasePartlyKeepsTheRestLocked() public {
        _lock(LENDER, alice, 500);
        vm.prank(LENDER);
        cm.release(alice, 200);
        (address lender, uint256 amount) = cm.pledgeOf(alice);
        assertTrue(lender == LENDER, "still the lender");
        assertEq(amount, 300, "rest locked");
    }

    function test_releaseInFullDeletesThePledge() public {
        _lock(LENDER, alice, 500);
        vm.prank(LENDER);
        cm.release(alice, 500);
        (address lender, uint256 amount) = cm.pledgeOf(alice);
        assertTrue(lender == address(0), "no lender");
        assertEq(amount, 0, "nothing locked");
        _transfer(alice, bob, 1_000);
    }

    function test_releaseRefusesAZeroAmount() public {
        _lock(LENDER, alice, 500);
        vm.prank(LENDER);
        vm.expectRevert(CollateralManager.ZeroAmount.selector);
        cm.release(alice, 0);
    }

    function test_releaseRefusesMoreThanThePledge() public {
        _lock(LENDER, alice, 500);
        vm.prank(LENDER);
        vm.expectRevert(abi.encodeWithSelector(CollateralManager.ExceedsPledge.selector, alice, 500, 501));
        cm.release(alice, 501);
    }

    function test_releaseRefusesAnotherLendersPledge() public {
        _lock(LENDER, alice, 500);
        vm.prank(OTHER_LENDER);
        vm.expectRevert(abi.encodeWithSelector(CollateralManager.PledgedToAnotherLender.selector, alice, LENDER));
        cm.release(alice, 100);
    }

    // ------------------------------------------------------------------ seize

    function test_seizeMovesPledgedTokensToAnAcceptedParty() public {
        _lock(LENDER, alice, 600);
        vm.prank(LENDER);
        cm.seize(alice, 400, bob);
        assertEq(token.balanceOf(bob), 400, "seized");
        assertEq(token.balanceOf(alice), 600, "rest stays");
        assertEq(cm.lockedOf(alice), 200, "pledge reduced");
        assertEq(cm.freeBalanceOf(alice), 400, "free");
    }

    function test_seizeOfTheWholePledgeClearsIt() public {
        _lock(LENDER, alice, 1_000);
        vm.prank(LENDER);
        cm.seize(alice, 1_000, carol);
        assertEq(token.balanceOf(carol), 1_000, "all seized");
        assertEq(cm.lockedOf(alice), 0, "cleared");
    }

    function test_seizeRefusesAReceiverTheTokenRulesRefuse() public {
        _lock(LENDER, alice, 600);
        uint8 code = uint8(_code(alice, cnInvestor, 100));
        assertTrue(code != 0, "CN blocked");
        vm.prank(LENDER);
        vm.expectRevert(abi.encodeWithSelector(CollateralManager.TransferRestricted.selector, code));
        cm.seize(alice, 100, cnInvestor);
        assertEq(cm.lockedOf(alice), 600, "nothing changed");
    }

    function test_seizeRefusesAZeroReceiver() public {
        _lock(LENDER, alice, 600);
        vm.prank(LENDER);
        vm.expectRevert(CollateralManager.ZeroAddress.selector);
        cm.seize(alice, 100, address(0));
    }

    function test_seizeRefusesAnotherLendersPledge() public {
        _lock(LENDER, alice, 600);
        vm.prank(OTHER_LENDER);
        vm.expectRevert(abi.encodeWithSelector(CollateralManager.PledgedToAnotherLender.selector, alice, LENDER));
        cm.seize(alice, 100, bob);
    }

    function test_seizeRefusesMoreThanThePledge() public {
        _lock(LENDER, alice, 600);
        vm.prank(LENDER);
        vm.expectRevert(abi.encodeWithSelector(CollateralManager.ExceedsPledge.selector, alice, 600, 601));
        cm.seize(alice, 601, bob);
    }

    function testFuzz_lockedNeverExceedsTheBalanceAtLockTime(uint256 a, uint256 b) public {
        a = bound(a, 1, 1_000);
        b = bound(b, 1, 1_000);
        _lock(LENDER, alice, a);
        vm.prank(LENDER);
        if (a + b > 1_000) {
            vm.expectRevert(abi.encodeWithSelector(CollateralManager.LockExceedsBalance.selector, alice, 1_000, a + b));
            cm.lock(alice, b);
        } else {
            cm.lock(alice, b);
            assertEq(cm.lockedOf(alice), a + b, "accumulated");
        }
        assertLe(cm.lockedOf(alice), token.balanceOf(alice), "locked <= balance");
    }
}
