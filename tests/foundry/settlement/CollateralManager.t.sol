// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {TokenFixture} from "../TokenFixture.t.sol";
import {CollateralManager} from "../../../contracts/settlement/CollateralManager.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {Shipped} from "../utils/Shipped.sol";
import {OwnerSignedWallet} from "./DvPSettlement.t.sol";

/// @notice CollateralManager wired as the token's compliance hook and agent: a pledge needs the holder's own
/// call or its EIP-712 signature; pledged tokens stay in the holder's wallet; the lender pledged to alone
/// releases or seizes them.
contract CollateralManagerTest is TokenFixture {
    uint8 internal constant COLLATERAL_LOCKED = 26;
    uint8 internal constant HOOK_REJECTED = 20;
    address internal constant LENDER = address(0x1E4D);
    address internal constant OTHER_LENDER = address(0x1E4E);
    uint256 internal constant HOLDER_KEY = 0x401DE4;
    uint256 internal constant OTHER_KEY = 0x0BAD;

    CollateralManager internal cm;
    bytes32 internal lenderRole;
    address internal holder; // an HK professional with a signing key

    function setUp() public override {
        super.setUp();
        cm = CollateralManager(Shipped.deploy("CollateralManager", abi.encode(address(token), address(this))));
        lenderRole = cm.LENDER_ROLE();
        cm.grantRole(lenderRole, LENDER);
        cm.grantRole(lenderRole, OTHER_LENDER);
        token.setComplianceHook(address(cm));
        token.grantRole(token.AGENT_ROLE(), address(cm));
        token.mint(alice, 1_000);
        holder = vm.addr(HOLDER_KEY);
        _register(holder, "holder", HK, PROFESSIONAL);
        token.mint(holder, 1_000);
    }

    /// @dev The holder's own pledge of `amount` to `lender`.
    function _lock(address lender, address holder_, uint256 amount) internal {
        vm.prank(holder_);
        cm.pledge(lender, amount);
    }

    function _signPledge(uint256 key, address holder_, address lender, uint256 amount, uint256 deadline)
        internal
        view
        returns (bytes memory)
    {
        bytes32 structHash =
            keccak256(abi.encode(cm.PLEDGE_TYPEHASH(), holder_, lender, amount, cm.nonces(holder_), deadline));
        bytes32 digest = keccak256(abi.encodePacked("\x19\x01", cm.domainSeparator(), structHash));
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);
        return abi.encodePacked(r, s, v);
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

    function test_pledgeWithSignatureRefusesAnUnauthorisedCaller() public {
        bytes memory sig = _signPledge(HOLDER_KEY, holder, stranger, 100, block.timestamp);
        vm.prank(stranger);
        vm.expectRevert(_unauthorized(stranger));
        cm.pledgeWithSignature(holder, 100, block.timestamp, sig);
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

    // ------------------------------------------------------------------ consent: the holder's own pledge

    function test_lenderCannotLockWithoutHolderConsent() public {
        // The consent-free `lock(holder, amount)` of a lender is gone: nothing answers its selector.
        vm.prank(LENDER);
        (bool ok,) = address(cm).call(abi.encodeWithSignature("lock(address,uint256)", alice, 100));
        assertTrue(!ok, "no lender-only lock");
        // A lender's own `pledge` call pledges the lender's tokens, never a holder's.
        vm.prank(LENDER);
        vm.expectRevert(abi.encodeWithSelector(CollateralManager.LockExceedsBalance.selector, LENDER, 0, 100));
        cm.pledge(LENDER, 100);
        assertEq(cm.lockedOf(alice), 0, "alice's tokens untouched");
    }

    function test_lenderCannotSeizeWhatTheHolderNeverPledged() public {
        vm.prank(LENDER);
        vm.expectRevert(abi.encodeWithSelector(CollateralManager.ExceedsPledge.selector, alice, 0, 1));
        cm.seize(alice, 1, LENDER);
        assertEq(token.balanceOf(alice), 1_000, "nothing moved");
    }

    function test_holderPledgesItsOwnTokensToALender() public {
        vm.prank(alice);
        cm.pledge(LENDER, 300);
        (address lender, uint256 amount) = cm.pledgeOf(alice);
        assertTrue(lender == LENDER, "lender");
        assertEq(amount, 300, "pledge");
    }

    function test_pledgeRecordsThePledgeAndAccumulates() public {
        _lock(LENDER, alice, 300);
        _lock(LENDER, alice, 200);
        (address lender, uint256 amount) = cm.pledgeOf(alice);
        assertTrue(lender == LENDER, "lender");
        assertEq(amount, 500, "pledge");
        assertEq(cm.lockedOf(alice), 500, "locked");
        assertEq(cm.freeBalanceOf(alice), 500, "free");
    }

    function test_pledgeRefusesAPledgeeWithoutTheLenderRole() public {
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(CollateralManager.NotALender.selector, stranger));
        cm.pledge(stranger, 100);
    }

    function test_pledgeRefusesAZeroAmount() public {
        vm.prank(alice);
        vm.expectRevert(CollateralManager.ZeroAmount.selector);
        cm.pledge(LENDER, 0);
    }

    function test_pledgeRefusesMoreThanTheBalance() public {
        _lock(LENDER, alice, 600);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(CollateralManager.LockExceedsBalance.selector, alice, 1_000, 1_001));
        cm.pledge(LENDER, 401);
    }

    function test_pledgeRefusesAHolderPledgedToAnotherLender() public {
        _lock(LENDER, alice, 100);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(CollateralManager.PledgedToAnotherLender.selector, alice, LENDER));
        cm.pledge(OTHER_LENDER, 100);
    }

    function test_anotherLenderMayPledgeOnceThePledgeIsReleased() public {
        _lock(LENDER, alice, 100);
        vm.prank(LENDER);
        cm.release(alice, 100);
        _lock(OTHER_LENDER, alice, 50);
        (address lender,) = cm.pledgeOf(alice);
        assertTrue(lender == OTHER_LENDER, "new lender");
    }

    // ------------------------------------------------------------------ consent: the holder's signed pledge

    function test_lenderSubmitsTheHoldersSignedPledge() public {
        uint256 deadline = block.timestamp + 1 hours;
        bytes memory sig = _signPledge(HOLDER_KEY, holder, LENDER, 400, deadline);
        vm.prank(LENDER);
        cm.pledgeWithSignature(holder, 400, deadline, sig);
        (address lender, uint256 amount) = cm.pledgeOf(holder);
        assertTrue(lender == LENDER, "lender");
        assertEq(amount, 400, "pledge");
        assertEq(cm.nonces(holder), 1, "nonce used");
    }

    function test_signedPledgeCannotBeReplayed() public {
        uint256 deadline = block.timestamp + 1 hours;
        bytes memory sig = _signPledge(HOLDER_KEY, holder, LENDER, 100, deadline);
        vm.prank(LENDER);
        cm.pledgeWithSignature(holder, 100, deadline, sig);
        vm.prank(LENDER);
        vm.expectRevert(abi.encodeWithSelector(CollateralManager.InvalidSignature.selector, holder));
        cm.pledgeWithSignature(holder, 100, deadline, sig);
        assertEq(cm.lockedOf(holder), 100, "locked once");
    }

    function test_signedPledgeIsRefusedAfterItsDeadline() public {
        uint256 deadline = block.timestamp + 1 hours;
        bytes memory sig = _signPledge(HOLDER_KEY, holder, LENDER, 100, deadline);
        vm.warp(deadline + 1);
        vm.prank(LENDER);
        vm.expectRevert(abi.encodeWithSelector(CollateralManager.PledgeExpired.selector, deadline, deadline + 1));
        cm.pledgeWithSignature(holder, 100, deadline, sig);
    }

    function test_signedPledgeIsUsableOnlyByTheLenderItNames() public {
        uint256 deadline = block.timestamp + 1 hours;
        bytes memory sig = _signPledge(HOLDER_KEY, holder, LENDER, 100, deadline);
        vm.prank(OTHER_LENDER);
        vm.expectRevert(abi.encodeWithSelector(CollateralManager.InvalidSignature.selector, holder));
        cm.pledgeWithSignature(holder, 100, deadline, sig);
    }

    function test_signedPledgeIsBoundToItsAmount() public {
        uint256 deadline = block.timestamp + 1 hours;
        bytes memory sig = _signPledge(HOLDER_KEY, holder, LENDER, 100, deadline);
        vm.prank(LENDER);
        vm.expectRevert(abi.encodeWithSelector(CollateralManager.InvalidSignature.selector, holder));
        cm.pledgeWithSignature(holder, 1_000, deadline, sig);
    }

    function test_lenderCannotPledgeAHolderWithAnotherKeysSignature() public {
        uint256 deadline = block.timestamp + 1 hours;
        bytes memory forged = _signPledge(OTHER_KEY, holder, LENDER, 100, deadline);
        vm.prank(LENDER);
        vm.expectRevert(abi.encodeWithSelector(CollateralManager.InvalidSignature.selector, holder));
        cm.pledgeWithSignature(holder, 100, deadline, forged);
        assertEq(cm.lockedOf(holder), 0, "nothing locked");
    }

    function test_holderVoidsAnUnsubmittedSignedPledge() public {
        uint256 deadline = block.timestamp + 1 hours;
        bytes memory sig = _signPledge(HOLDER_KEY, holder, LENDER, 100, deadline);
        vm.prank(holder);
        cm.invalidateNonce();
        vm.prank(LENDER);
        vm.expectRevert(abi.encodeWithSelector(CollateralManager.InvalidSignature.selector, holder));
        cm.pledgeWithSignature(holder, 100, deadline, sig);
    }

    function test_aSmartWalletHolderPledgesWithAnERC1271Signature() public {
        OwnerSignedWallet wallet = new OwnerSignedWallet(holder);
        _register(address(wallet), "wallet", HK, PROFESSIONAL);
        token.mint(address(wallet), 500);
        uint256 deadline = block.timestamp + 1 hours;
        bytes memory sig = _signPledge(HOLDER_KEY, address(wallet), LENDER, 500, deadline);
        vm.prank(LENDER);
        cm.pledgeWithSignature(address(wallet), 500, deadline, sig);
        assertEq(cm.lockedOf(address(wallet)), 500, "wallet's pledge");
    }

    function test_signedPledgeStillRefusesMoreThanTheBalance() public {
        uint256 deadline = block.timestamp + 1 hours;
        bytes memory sig = _signPledge(HOLDER_KEY, holder, LENDER, 1_001, deadline);
        vm.prank(LENDER);
        vm.expectRevert(
            abi.encodeWithSelector(CollateralManager.LockExceedsBalance.selector, holder, 1_000, 1_001)
        );
        cm.pledgeWithSignature(holder, 1_001, deadline, sig);
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
        vm.prank(alice);
        if (a + b > 1_000) {
            vm.expectRevert(abi.encodeWithSelector(CollateralManager.LockExceedsBalance.selector, alice, 1_000, a + b));
            cm.pledge(LENDER, b);
        } else {
            cm.pledge(LENDER, b);
            assertEq(cm.lockedOf(alice), a + b, "accumulated");
        }
        assertLe(cm.lockedOf(alice), token.balanceOf(alice), "locked <= balance");
    }
}
