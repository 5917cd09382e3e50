// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {TestBase} from "../utils/Vm.sol";
import {ProceedsVault} from "../../../contracts/proceeds/ProceedsVault.sol";
import {MockStablecoin} from "../../../contracts/mocks/MockStablecoin.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {Shipped} from "../utils/Shipped.sol";

/// @notice ProceedsVault: deposits from anyone, withdrawals only for registered purposes within their caps,
/// auditor holds.
contract ProceedsVaultTest is TestBase {
    address internal constant ADMIN = address(0xAD);
    address internal constant TREASURER = address(0x7E5);
    address internal constant AUDITOR = address(0xA0D);
    address internal constant INVESTOR = address(0x1417);
    address internal constant CONTRACTOR = address(0xC0);
    address internal constant STRANGER = address(0xBAD);
    bytes32 internal constant CAPEX = bytes32("toll-road-capex");
    bytes32 internal constant OPEX = bytes32("working-capital");

    MockStablecoin internal usd;
    ProceedsVault internal vault;

    function setUp() public {
        usd = new MockStablecoin("USD Coin", "USDC", 6);
        vault = ProceedsVault(Shipped.deploy("ProceedsVault", abi.encode(address(usd), ADMIN)));
        vm.startPrank(ADMIN);
        vault.grantRole(vault.TREASURER_ROLE(), TREASURER);
        vault.grantRole(vault.AUDITOR_ROLE(), AUDITOR);
        vault.registerPurpose(CAPEX, 600_000);
        vault.registerPurpose(OPEX, 400_000);
        vm.stopPrank();
        usd.mint(INVESTOR, 10_000_000);
        vm.prank(INVESTOR);
        usd.approve(address(vault), type(uint256).max);
        vm.prank(INVESTOR);
        vault.deposit(1_000_000, "round 1");
    }

    function _unauthorized(address who, bytes32 role) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, who, role);
    }

    function _withdraw(bytes32 purpose, uint256 amount) internal {
        vm.prank(TREASURER);
        vault.withdraw(purpose, amount, CONTRACTOR, "INV-001");
    }

    // ------------------------------------------------------------------ construction

    function test_constructorRefusesAZeroAsset() public {
        vm.expectRevert(ProceedsVault.ZeroAddress.selector);
        Shipped.deploy("ProceedsVault", abi.encode(address(0), ADMIN));
    }

    function test_constructorRefusesAZeroAdmin() public {
        vm.expectRevert(ProceedsVault.ZeroAddress.selector);
        Shipped.deploy("ProceedsVault", abi.encode(address(usd), address(0)));
    }

    function test_constructorRecordsAssetAndAdmin() public view {
        assertTrue(address(vault.asset()) == address(usd), "asset");
        assertTrue(vault.hasRole(bytes32(0), ADMIN), "admin");
        assertEq(vault.MAX_PURPOSES(), 64, "max purposes");
    }

    // ------------------------------------------------------------------ purposes

    function test_registerPurposeListsItWithItsCap() public view {
        bytes32[] memory list = vault.purposes();
        assertEq(list.length, 2, "two purposes");
        assertTrue(list[0] == CAPEX && list[1] == OPEX, "registration order");
        (uint256 cap, uint256 withdrawn) = vault.purposeOf(CAPEX);
        assertEq(cap, 600_000, "cap");
        assertEq(withdrawn, 0, "nothing withdrawn");
    }

    function test_registerPurposeRefusesAnUnauthorisedCaller() public {
        vm.prank(TREASURER);
        vm.expectRevert(_unauthorized(TREASURER, bytes32(0)));
        vault.registerPurpose(bytes32("x"), 1);
    }

    function test_registerPurposeRefusesAZeroCap() public {
        vm.prank(ADMIN);
        vm.expectRevert(abi.encodeWithSelector(ProceedsVault.InvalidCap.selector, 0, 0));
        vault.registerPurpose(bytes32("x"), 0);
    }

    function test_registerPurposeRefusesACapAbove128Bits() public {
        uint256 cap = uint256(type(uint128).max) + 1;
        vm.prank(ADMIN);
        vm.expectRevert(abi.encodeWithSelector(ProceedsVault.InvalidCap.selector, cap, 0));
        vault.registerPurpose(bytes32("x"), cap);
    }

    function test_registerPurposeRefusesADuplicate() public {
        vm.prank(ADMIN);
        vm.expectRevert(abi.encodeWithSelector(ProceedsVault.PurposeExists.selector, CAPEX));
        vault.registerPurpose(CAPEX, 1);
    }

    function test_registerPurposeRefusesMoreThanTheMaximum() public {
        vm.startPrank(ADMIN);
        for (uint256 i = 2; i < 64; ++i) {
            vault.registerPurpose(bytes32(i), 1);
        }
        vm.expectRevert(ProceedsVault.TooManyPurposes.selector);
        vault.registerPurpose(bytes32(uint256(64)), 1);
        vm.stopPrank();
        assertEq(vault.purposes().length, 64, "bounded");
    }

    function test_setPurposeCapChangesTheCap() public {
        _withdraw(CAPEX, 100_000);
        vm.prank(ADMIN);
        vault.setPurposeCap(CAPEX, 100_000); // down to exactly what was withdrawn
        (uint256 cap, uint256 withdrawn) = vault.purposeOf(CAPEX);
        assertEq(cap, 100_000, "new cap");
        assertEq(withdrawn, 100_000, "withdrawn kept");
    }

    function test_setPurposeCapRefusesAnUnauthorisedCaller() public {
        vm.prank(STRANGER);
        vm.expectRevert(_unauthorized(STRANGER, bytes32(0)));
        vault.setPurposeCap(CAPEX, 1);
    }

    function test_setPurposeCapRefusesAnUnknownPurpose() public {
        vm.prank(ADMIN);
        vm.expectRevert(abi.encodeWithSelector(ProceedsVault.UnknownPurpose.selector, bytes32("nope")));
        vault.setPurposeCap(bytes32("nope"), 1);
    }

    function test_setPurposeCapRefusesZero() public {
        vm.prank(ADMIN);
        vm.expectRevert(abi.encodeWithSelector(ProceedsVault.InvalidCap.selector, 0, 0));
        vault.setPurposeCap(CAPEX, 0);
    }

    function test_setPurposeCapRefusesACapBelowWhatIsWithdrawn() public {
        _withdraw(CAPEX, 100_000);
        vm.prank(ADMIN);
        vm.expectRevert(abi.encodeWithSelector(ProceedsVault.InvalidCap.selector, 99_999, 100_000));
        vault.setPurposeCap(CAPEX, 99_999);
    }

    function test_setPurposeCapRefusesACapAbove128Bits() public {
        uint256 cap = uint256(type(uint128).max) + 1;
        vm.prank(ADMIN);
        vm.expectRevert(abi.encodeWithSelector(ProceedsVault.InvalidCap.selector, cap, 0));
        vault.setPurposeCap(CAPEX, cap);
    }

    // ------------------------------------------------------------------ deposits

    function test_depositPullsFundsAndCountsThem() public {
        vm.prank(STRANGER);
        vm.expectRevert(); // no allowance
        vault.deposit(1, "no allowance");
        vm.prank(INVESTOR);
        vault.deposit(250_000, "round 2");
        (uint256 deposited, uint256 withdrawn, uint256 balance) = vault.totals();
        assertEq(deposited, 1_250_000, "deposited");
        assertEq(withdrawn, 0, "withdrawn");
        assertEq(balance, 1_250_000, "balance");
        assertEq(vault.totalDeposited(), 1_250_000, "totalDeposited");
    }

    function test_depositRefusesZero() public {
        vm.prank(INVESTOR);
        vm.expectRevert(ProceedsVault.ZeroAmount.selector);
        vault.deposit(0, "");
    }

    function test_totalsShowUnrecordedTransfersInTheBalanceOnly() public {
        usd.mint(address(vault), 5);
        (uint256 deposited,, uint256 balance) = vault.totals();
        assertEq(deposited, 1_000_000, "recorded");
        assertEq(balance, 1_000_005, "held");
    }

    // ------------------------------------------------------------------ withdrawals

    function test_withdrawPaysWithinThePurposeCap() public {
        _withdraw(CAPEX, 250_000);
        _withdraw(CAPEX, 350_000);
        assertEq(usd.balanceOf(CONTRACTOR), 600_000, "paid");
        (, uint256 withdrawn) = vault.purposeOf(CAPEX);
        assertEq(withdrawn, 600_000, "up to the cap");
        assertEq(vault.totalWithdrawn(), 600_000, "total withdrawn");
    }

    function test_withdrawRefusesAnUnauthorisedCaller() public {
        bytes32 role = vault.TREASURER_ROLE();
        vm.prank(ADMIN);
        vm.expectRevert(_unauthorized(ADMIN, role));
        vault.withdraw(CAPEX, 1, ADMIN, "");
    }

    function test_withdrawRefusesAmountsAboveTheCap() public {
        _withdraw(OPEX, 300_000);
        vm.prank(TREASURER);
        vm.expectRevert(abi.encodeWithSelector(ProceedsVault.CapExceeded.selector, OPEX, 400_000, 400_001));
        vault.withdraw(OPEX, 100_001, CONTRACTOR, "over");
    }

    function test_withdrawRefusesAnUnknownPurpose() public {
        vm.prank(TREASURER);
        vm.expectRevert(abi.encodeWithSelector(ProceedsVault.UnknownPurpose.selector, bytes32("dividends")));
        vault.withdraw(bytes32("dividends"), 1, CONTRACTOR, "");
    }

    function test_withdrawRefusesAZeroPayee() public {
        vm.prank(TREASURER);
        vm.expectRevert(ProceedsVault.ZeroAddress.selector);
        vault.withdraw(CAPEX, 1, address(0), "");
    }

    function test_withdrawRefusesAZeroAmount() public {
        vm.prank(TREASURER);
        vm.expectRevert(ProceedsVault.ZeroAmount.selector);
        vault.withdraw(CAPEX, 0, CONTRACTOR, "");
    }

    // ------------------------------------------------------------------ auditor hold

    function test_auditorHoldStopsWithdrawalsUntilLifted() public {
        vm.prank(AUDITOR);
        vault.setHold(true);
        assertTrue(vault.onHold(), "on hold");
        vm.prank(TREASURER);
        vm.expectRevert(ProceedsVault.VaultOnHold.selector);
        vault.withdraw(CAPEX, 1, CONTRACTOR, "");
        vm.prank(INVESTOR);
        vault.deposit(1, "deposits still accepted");
        vm.prank(AUDITOR);
        vault.setHold(false);
        _withdraw(CAPEX, 1);
        assertEq(usd.balanceOf(CONTRACTOR), 1, "resumed");
    }

    function test_setHoldRefusesAnUnauthorisedCaller() public {
        bytes32 role = vault.AUDITOR_ROLE();
        vm.prank(TREASURER);
        vm.expectRevert(_unauthorized(TREASURER, role));
        vault.setHold(true);
    }

    function testFuzz_withdrawalsNeverExceedTheCap(uint256 a, uint256 b) public {
        a = bound(a, 1, 600_000);
        b = bound(b, 1, 600_000);
        _withdraw(CAPEX, a);
        vm.prank(TREASURER);
        if (a + b > 600_000) {
            vm.expectRevert(abi.encodeWithSelector(ProceedsVault.CapExceeded.selector, CAPEX, 600_000, a + b));
        }
        vault.withdraw(CAPEX, b, CONTRACTOR, "");
        (uint256 cap, uint256 withdrawn) = vault.purposeOf(CAPEX);
        assertLe(withdrawn, cap, "within cap");
    }
}
