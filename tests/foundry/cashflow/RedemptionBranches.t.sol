// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {CashflowBase} from "./CashflowBase.sol";
import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {Initializable} from "@openzeppelin/contracts/proxy/utils/Initializable.sol";
import {Redemption} from "../../../contracts/cashflow/Redemption.sol";
import {Shipped} from "../utils/Shipped.sol";

/// @notice A policy + per-token distributor that reports a larger instalment than it pulled (a faulty or
/// malicious Distributor), to check that Redemption never lets the pool go below what it holds.
contract OverreportingDistributor {
    uint256 public reported;

    function setReported(uint256 amount) external {
        reported = amount;
    }

    function isPaymentTokenAllowed(address) external pure returns (bool) {
        return true;
    }

    function createDistributionPerToken(address, address, uint256, uint64, uint256)
        external
        view
        returns (uint256 distributionId, uint256 amount)
    {
        return (7, reported);
    }
}

/// @notice Redemption set-up validation, funding limits, batch refusals, the instalment check and views.
contract RedemptionBranchesTest is CashflowBase {
    uint256 internal constant FACE = 100e6;
    Redemption internal redemption;

    function setUp() public override {
        super.setUp();
        redemption = _clone();
        redemption.initialize(
            ADMIN, AGENT, address(token), address(usd), address(distributor), TREASURY, FACE, uint64(block.timestamp)
        );
        token.grantRole(token.AGENT_ROLE(), address(redemption));
        vm.prank(AGENT);
        usd.approve(address(redemption), type(uint256).max);
    }

    function _clone() internal returns (Redemption) {
        return Redemption(Clones.clone(Shipped.deploy("Redemption")));
    }

    function _fund(uint256 amount) internal {
        vm.prank(AGENT);
        redemption.fundPrincipal(amount);
    }

    // ---- initialize ----

    function test_initializeRefusesEachZeroValue() public {
        Redemption r = _clone();
        vm.expectRevert(Redemption.ZeroValue.selector);
        r.initialize(address(0), AGENT, address(token), address(usd), address(distributor), TREASURY, FACE, 0);
        vm.expectRevert(Redemption.ZeroValue.selector);
        r.initialize(ADMIN, AGENT, address(0), address(usd), address(distributor), TREASURY, FACE, 0);
        vm.expectRevert(Redemption.ZeroValue.selector);
        r.initialize(ADMIN, AGENT, address(token), address(usd), address(0), TREASURY, FACE, 0);
        vm.expectRevert(Redemption.ZeroValue.selector);
        r.initialize(ADMIN, AGENT, address(token), address(usd), address(distributor), address(0), FACE, 0);
        vm.expectRevert(Redemption.ZeroValue.selector);
        r.initialize(ADMIN, AGENT, address(token), address(usd), address(distributor), TREASURY, 0, 0);
        // Still initialisable with valid arguments: none of the refusals left state behind.
        r.initialize(ADMIN, AGENT, address(token), address(usd), address(distributor), TREASURY, FACE, 0);
        assertEq(r.faceValuePerToken(), FACE, "initialised");
    }

    function test_initializeRefusesAPaymentTokenThePolicyDoesNotAllow() public {
        Redemption r = _clone();
        vm.expectRevert(abi.encodeWithSelector(Redemption.PaymentTokenNotAllowed.selector, address(0xBEEF)));
        r.initialize(ADMIN, AGENT, address(token), address(0xBEEF), address(distributor), TREASURY, FACE, 0);
    }

    function test_initializeRefusesAFaceValueAbove128Bits() public {
        Redemption r = _clone();
        uint256 tooLarge = uint256(type(uint128).max) + 1;
        vm.expectRevert(abi.encodeWithSelector(Redemption.ValueTooLarge.selector, tooLarge));
        r.initialize(ADMIN, AGENT, address(token), address(usd), address(distributor), TREASURY, tooLarge, 0);
    }

    function test_initializeAcceptsTheLargest128BitFaceValue() public {
        Redemption r = _clone();
        r.initialize(ADMIN, AGENT, address(token), address(usd), address(distributor), TREASURY, type(uint128).max, 0);
        assertEq(r.faceValuePerToken(), type(uint128).max, "max face value");
    }

    function test_initializeWithoutAgentGrantsNoAgentRole() public {
        Redemption r = _clone();
        r.initialize(ADMIN, address(0), address(token), address(usd), address(distributor), TREASURY, FACE, 0);
        bytes32 agentRole = r.REDEMPTION_AGENT_ROLE();
        assertTrue(!r.hasRole(agentRole, address(0)), "no zero agent");
        assertTrue(!r.hasRole(agentRole, AGENT), "no agent");
        vm.prank(AGENT);
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, AGENT, agentRole));
        r.fundPrincipal(1);
    }

    function test_implementationCannotBeInitialized() public {
        Redemption impl = Redemption(Shipped.deploy("Redemption"));
        vm.expectRevert(Initializable.InvalidInitialization.selector);
        impl.initialize(ADMIN, AGENT, address(token), address(usd), address(distributor), TREASURY, FACE, 0);
    }

    // ---- funding ----

    function test_fundPrincipalRefusesZero() public {
        vm.prank(AGENT);
        vm.expectRevert(Redemption.ZeroValue.selector);
        redemption.fundPrincipal(0);
    }

    function test_fundPrincipalRefusesATokenThePolicyWithdrew() public {
        vm.prank(ADMIN);
        distributor.disallowPaymentToken(address(usd));
        vm.prank(AGENT);
        vm.expectRevert(abi.encodeWithSelector(Redemption.PaymentTokenNotAllowed.selector, address(usd)));
        redemption.fundPrincipal(1e6);
        assertEq(redemption.principalAvailable(), 0, "nothing funded");
    }

    function test_fundPrincipalRefusesAPoolAbove128Bits() public {
        usd.mint(AGENT, uint256(type(uint128).max));
        _fund(type(uint128).max);
        assertEq(redemption.principalAvailable(), type(uint128).max, "pool at the limit");
        vm.prank(AGENT);
        vm.expectRevert(abi.encodeWithSelector(Redemption.ValueTooLarge.selector, uint256(type(uint128).max) + 1));
        redemption.fundPrincipal(1);
    }

    // ---- batch ----

    function test_redeemBatchBeforeStartIsRefused() public {
        uint64 start = uint64(block.timestamp + 1 days);
        vm.prank(ADMIN);
        redemption.setRedemptionStart(start);
        assertEq(redemption.redemptionStart(), start, "start moved");
        token.mint(_holder(1), 1e18);
        _fund(1_000e6);
        address[] memory holders = new address[](1);
        holders[0] = _holder(1);
        vm.prank(AGENT);
        vm.expectRevert(abi.encodeWithSelector(Redemption.RedemptionNotOpen.selector, start));
        redemption.redeemBatch(holders);
        vm.warp(start);
        vm.prank(AGENT);
        assertEq(redemption.redeemBatch(holders), 100e6, "open at the start second");
    }

    function test_redeemBatchRevertsWholeWhenThePoolRunsShort() public {
        token.mint(_holder(1), 1e18);
        token.mint(_holder(2), 1e18);
        _fund(150e6);
        address[] memory holders = new address[](2);
        holders[0] = _holder(1);
        holders[1] = _holder(2);
        vm.prank(AGENT);
        vm.expectRevert(abi.encodeWithSelector(Redemption.InsufficientPrincipal.selector, 100e6, 50e6));
        redemption.redeemBatch(holders);
        assertEq(token.balanceOf(_holder(1)), 1e18, "first holder not burned");
        assertEq(redemption.principalAvailable(), 150e6, "pool unchanged");
    }

    function test_redeemBatchSkipsZeroBalancesSilently() public {
        token.mint(_holder(1), 1e18);
        _fund(1_000e6);
        address[] memory holders = new address[](2);
        holders[0] = _holder(9); // no balance
        holders[1] = _holder(1);
        vm.prank(AGENT);
        assertEq(redemption.redeemBatch(holders), 100e6, "only the holder with a balance");
        assertEq(redemption.owedTo(_holder(9)), 0, "nothing owed to the empty wallet");
    }

    function test_redeemBatchRefusesStrangers() public {
        bytes32 agentRole = redemption.REDEMPTION_AGENT_ROLE();
        vm.prank(STRANGER);
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, STRANGER, agentRole));
        redemption.redeemBatch(new address[](0));
    }

    // ---- amortise ----

    function test_amortiseRefusesADistributorReportingMoreThanThePool() public {
        OverreportingDistributor fake = new OverreportingDistributor();
        Redemption r = _clone();
        r.initialize(ADMIN, AGENT, address(token), address(usd), address(fake), TREASURY, FACE, 0);
        vm.startPrank(AGENT);
        usd.approve(address(r), type(uint256).max);
        r.fundPrincipal(10e6);
        vm.stopPrank();
        fake.setReported(10e6 + 1);
        vm.prank(AGENT);
        vm.expectRevert(abi.encodeWithSelector(Redemption.InsufficientPrincipal.selector, 10e6 + 1, 10e6));
        r.amortise(1e6, uint64(block.timestamp + 1 days));
        assertEq(r.faceValuePerToken(), FACE, "face unchanged");
        assertEq(r.principalAvailable(), 10e6, "pool unchanged");
        // Exactly the pool is accepted, and the approval is cleared afterwards.
        fake.setReported(10e6);
        vm.prank(AGENT);
        (uint256 id, uint256 amount) = r.amortise(1e6, uint64(block.timestamp + 1 days));
        assertEq(id, 7, "distribution id passed through");
        assertEq(amount, 10e6, "amount");
        assertEq(r.principalAvailable(), 0, "pool debited");
        assertEq(r.faceValuePerToken(), FACE - 1e6, "face lowered");
        assertEq(IERC20(address(usd)).allowance(address(r), address(fake)), 0, "approval cleared");
    }

    function test_amortiseRefusesZeroAndAboveFaceInstalments() public {
        vm.startPrank(AGENT);
        vm.expectRevert(abi.encodeWithSelector(Redemption.InvalidInstalment.selector, 0, FACE));
        redemption.amortise(0, uint64(block.timestamp + 1 days));
        vm.expectRevert(abi.encodeWithSelector(Redemption.InvalidInstalment.selector, FACE + 1, FACE));
        redemption.amortise(FACE + 1, uint64(block.timestamp + 1 days));
        vm.stopPrank();
    }

    // ---- views ----

    function test_viewsReportTheConfiguration() public view {
        assertTrue(redemption.token() == address(token), "token");
        assertTrue(redemption.paymentToken() == address(usd), "payment token");
        assertEq(redemption.redemptionStart(), block.timestamp, "start");
        assertEq(redemption.quote(2.5e18), 250e6, "quote of 2.5 tokens");
        assertEq(redemption.quote(1), 0, "one base unit rounds to zero");
        assertEq(redemption.owedTo(_holder(1)), 0, "nothing owed");
    }

    // ---- admin ----

    function test_withdrawPrincipalRefusesMoreThanThePool() public {
        _fund(10e6);
        vm.prank(ADMIN);
        vm.expectRevert(abi.encodeWithSelector(Redemption.InsufficientPrincipal.selector, 10e6 + 1, 10e6));
        redemption.withdrawPrincipal(10e6 + 1);
        vm.prank(ADMIN);
        redemption.withdrawPrincipal(10e6);
        assertEq(usd.balanceOf(TREASURY), 10e6, "treasury paid");
        assertEq(redemption.principalAvailable(), 0, "pool emptied");
    }

    function test_adminFunctionsRefuseStrangersAndTheAgent() public {
        bytes32 adminRole = redemption.DEFAULT_ADMIN_ROLE();
        bytes32 agentRole = redemption.REDEMPTION_AGENT_ROLE();
        _fund(10e6);
        address[2] memory callers = [STRANGER, AGENT];
        for (uint256 i; i < 2; ++i) {
            vm.startPrank(callers[i]);
            vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, callers[i], adminRole));
            redemption.withdrawPrincipal(1);
            vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, callers[i], adminRole));
            redemption.setRedemptionStart(0);
            vm.stopPrank();
        }
        vm.startPrank(STRANGER);
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, STRANGER, agentRole));
        redemption.fundPrincipal(1);
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, STRANGER, agentRole));
        redemption.amortise(1, uint64(block.timestamp + 1 days));
        vm.stopPrank();
        assertEq(redemption.principalAvailable(), 10e6, "pool untouched");
    }
}
