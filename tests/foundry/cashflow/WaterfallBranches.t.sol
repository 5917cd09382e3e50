// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {CashflowBase} from "./CashflowBase.sol";
import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {Initializable} from "@openzeppelin/contracts/proxy/utils/Initializable.sol";
import {Waterfall} from "../../../contracts/cashflow/Waterfall.sol";
import {MockStablecoin} from "../../../contracts/mocks/MockStablecoin.sol";
import {Shipped} from "../utils/Shipped.sol";

/// @notice Waterfall set-up validation, account management, views and the principal cap.
contract WaterfallBranchesTest is CashflowBase {
    address internal constant FEES = address(0xFEE);
    address internal constant SENIOR = address(0x5E);
    address internal constant MEZZ = address(0x3E);
    address internal constant JUNIOR = address(0x1E);

    function _clone() internal returns (Waterfall) {
        return Waterfall(Clones.clone(Shipped.deploy("Waterfall")));
    }

    function _terms() internal pure returns (Waterfall.TrancheTerms[] memory t) {
        t = new Waterfall.TrancheTerms[](3);
        t[0] = Waterfall.TrancheTerms({account: SENIOR, rateBps: 500, outstanding: 1_000e6, scheduledPrincipal: 100e6});
        t[1] = Waterfall.TrancheTerms({account: MEZZ, rateBps: 800, outstanding: 500e6, scheduledPrincipal: 50e6});
        t[2] = Waterfall.TrancheTerms({account: JUNIOR, rateBps: 0, outstanding: 0, scheduledPrincipal: 0});
    }

    function _waterfall(Waterfall.PrincipalMode mode, Waterfall.TrancheTerms[] memory t)
        internal
        returns (Waterfall w)
    {
        w = _clone();
        w.initialize(ADMIN, AGENT, address(usd), address(distributor), FEES, 10e6, mode, t);
        vm.prank(AGENT);
        usd.approve(address(w), type(uint256).max);
    }

    function _run(Waterfall w, uint256 collections) internal returns (uint256 period) {
        vm.prank(AGENT);
        period = w.runWaterfall(collections);
    }

    // ---- initialize ----

    function test_initializeRefusesZeroAdmin() public {
        Waterfall w = _clone();
        vm.expectRevert(Waterfall.ZeroAddress.selector);
        w.initialize(address(0), AGENT, address(usd), address(distributor), FEES, 0, Waterfall.PrincipalMode.Sequential, _terms());
    }

    function test_initializeRefusesZeroFeeAccount() public {
        Waterfall w = _clone();
        vm.expectRevert(Waterfall.ZeroAddress.selector);
        w.initialize(ADMIN, AGENT, address(usd), address(distributor), address(0), 0, Waterfall.PrincipalMode.Sequential, _terms());
    }

    function test_initializeRefusesZeroPolicy() public {
        Waterfall w = _clone();
        vm.expectRevert(Waterfall.ZeroAddress.selector);
        w.initialize(ADMIN, AGENT, address(usd), address(0), FEES, 0, Waterfall.PrincipalMode.Sequential, _terms());
    }

    function test_initializeRefusesCollectionTokenThePolicyDoesNotAllow() public {
        MockStablecoin other = new MockStablecoin("Other", "OTH", 6);
        Waterfall w = _clone();
        vm.expectRevert(abi.encodeWithSelector(Waterfall.PaymentTokenNotAllowed.selector, address(other)));
        w.initialize(ADMIN, AGENT, address(other), address(distributor), FEES, 0, Waterfall.PrincipalMode.Sequential, _terms());
    }

    function test_initializeRefusesDisallowedCollectionToken() public {
        vm.prank(ADMIN);
        distributor.disallowPaymentToken(address(usd));
        Waterfall w = _clone();
        vm.expectRevert(abi.encodeWithSelector(Waterfall.PaymentTokenNotAllowed.selector, address(usd)));
        w.initialize(ADMIN, AGENT, address(usd), address(distributor), FEES, 0, Waterfall.PrincipalMode.Sequential, _terms());
    }

    function test_initializeRefusesASingleTranche() public {
        Waterfall.TrancheTerms[] memory t = new Waterfall.TrancheTerms[](1);
        t[0] = Waterfall.TrancheTerms({account: JUNIOR, rateBps: 0, outstanding: 0, scheduledPrincipal: 0});
        Waterfall w = _clone();
        vm.expectRevert(abi.encodeWithSelector(Waterfall.InvalidTrancheCount.selector, uint256(1)));
        w.initialize(ADMIN, AGENT, address(usd), address(distributor), FEES, 0, Waterfall.PrincipalMode.Sequential, t);
    }

    function test_initializeRefusesMoreThanMaxTranches() public {
        Waterfall.TrancheTerms[] memory t = new Waterfall.TrancheTerms[](9);
        for (uint256 i; i < 9; ++i) {
            t[i] = Waterfall.TrancheTerms({account: _holder(i), rateBps: 0, outstanding: 0, scheduledPrincipal: 0});
        }
        Waterfall w = _clone();
        vm.expectRevert(abi.encodeWithSelector(Waterfall.InvalidTrancheCount.selector, uint256(9)));
        w.initialize(ADMIN, AGENT, address(usd), address(distributor), FEES, 0, Waterfall.PrincipalMode.Sequential, t);
    }

    function test_initializeAcceptsExactlyMaxTranches() public {
        Waterfall.TrancheTerms[] memory t = new Waterfall.TrancheTerms[](8);
        for (uint256 i; i < 8; ++i) {
            t[i] = Waterfall.TrancheTerms({account: _holder(i), rateBps: 0, outstanding: 0, scheduledPrincipal: 0});
        }
        Waterfall w = _clone();
        w.initialize(ADMIN, AGENT, address(usd), address(distributor), FEES, 0, Waterfall.PrincipalMode.Sequential, t);
        assertEq(w.trancheCount(), 8, "eight tranches");
    }

    function test_initializeRefusesZeroTrancheAccount() public {
        Waterfall.TrancheTerms[] memory t = _terms();
        t[1].account = address(0);
        Waterfall w = _clone();
        vm.expectRevert(Waterfall.ZeroAddress.selector);
        w.initialize(ADMIN, AGENT, address(usd), address(distributor), FEES, 0, Waterfall.PrincipalMode.Sequential, t);
    }

    function test_initializeRefusesRateAboveOneHundredPercent() public {
        Waterfall.TrancheTerms[] memory t = _terms();
        t[0].rateBps = 10_001;
        Waterfall w = _clone();
        vm.expectRevert(abi.encodeWithSelector(Waterfall.InvalidRate.selector, uint16(10_001)));
        w.initialize(ADMIN, AGENT, address(usd), address(distributor), FEES, 0, Waterfall.PrincipalMode.Sequential, t);
    }

    function test_initializeAcceptsRateOfExactlyOneHundredPercent() public {
        Waterfall.TrancheTerms[] memory t = _terms();
        t[0].rateBps = 10_000;
        Waterfall w = _waterfall(Waterfall.PrincipalMode.Sequential, t);
        assertEq(w.tranche(0).rateBps, 10_000, "rate stored");
    }

    function test_residualTrancheWithOutstandingIsRefused() public {
        Waterfall.TrancheTerms[] memory t = _terms();
        t[2].outstanding = 1;
        Waterfall w = _clone();
        vm.expectRevert(Waterfall.InvalidResidualTranche.selector);
        w.initialize(ADMIN, AGENT, address(usd), address(distributor), FEES, 0, Waterfall.PrincipalMode.Sequential, t);
    }

    function test_residualTrancheWithScheduleIsRefused() public {
        Waterfall.TrancheTerms[] memory t = _terms();
        t[2].scheduledPrincipal = 1;
        Waterfall w = _clone();
        vm.expectRevert(Waterfall.InvalidResidualTranche.selector);
        w.initialize(ADMIN, AGENT, address(usd), address(distributor), FEES, 0, Waterfall.PrincipalMode.Sequential, t);
    }

    function test_initializeWithoutAgentGrantsNoAgentRole() public {
        Waterfall w = _clone();
        w.initialize(ADMIN, address(0), address(usd), address(distributor), FEES, 0, Waterfall.PrincipalMode.Sequential, _terms());
        assertTrue(!w.hasRole(w.WATERFALL_AGENT_ROLE(), address(0)), "zero address not an agent");
        assertTrue(!w.hasRole(w.WATERFALL_AGENT_ROLE(), AGENT), "agent not granted");
        assertTrue(w.hasRole(w.DEFAULT_ADMIN_ROLE(), ADMIN), "admin granted");
    }

    function test_implementationCannotBeInitialized() public {
        Waterfall impl = Waterfall(Shipped.deploy("Waterfall"));
        vm.expectRevert(Initializable.InvalidInitialization.selector);
        impl.initialize(ADMIN, AGENT, address(usd), address(distributor), FEES, 0, Waterfall.PrincipalMode.Sequential, _terms());
    }

    // ---- views ----

    function test_viewsReportTheConfiguration() public {
        Waterfall w = _waterfall(Waterfall.PrincipalMode.ProRata, _terms());
        assertEq(w.trancheCount(), 3, "tranche count");
        assertEq(w.period(), 0, "no period yet");
        (uint256 fee, uint256 arrears) = w.fees();
        assertEq(fee, 10e6, "fee per period");
        assertEq(arrears, 0, "no fee arrears");
        assertTrue(w.paymentToken() == address(usd), "payment token");
        assertTrue(w.principalMode() == Waterfall.PrincipalMode.ProRata, "mode");
        assertTrue(w.feeAccount() == FEES, "fee account");
        Waterfall.Tranche memory s = w.tranche(0);
        assertTrue(s.account == SENIOR, "senior account");
        assertEq(s.rateBps, 500, "senior rate");
        assertEq(s.outstanding, 1_000e6, "senior outstanding");
        assertEq(s.scheduledPrincipal, 100e6, "senior schedule");
        assertTrue(w.tranche(2).account == JUNIOR, "junior account");
    }

    function test_trancheBeyondCountIsUnknown() public {
        Waterfall w = _waterfall(Waterfall.PrincipalMode.Sequential, _terms());
        vm.expectRevert(abi.encodeWithSelector(Waterfall.UnknownTranche.selector, uint256(3)));
        w.tranche(3);
    }

    // ---- accounts ----

    function test_setTrancheAccountRedirectsPayouts() public {
        Waterfall w = _waterfall(Waterfall.PrincipalMode.Sequential, _terms());
        address newSenior = address(0x5E2);
        address newJunior = address(0x1E2);
        vm.startPrank(ADMIN);
        w.setTrancheAccount(0, newSenior);
        w.setTrancheAccount(2, newJunior);
        vm.stopPrank();
        assertTrue(w.tranche(0).account == newSenior, "senior account updated");
        _run(w, 1_000e6);
        assertEq(usd.balanceOf(newSenior), 150e6, "new senior account paid");
        assertEq(usd.balanceOf(SENIOR), 0, "old senior account not paid");
        assertEq(usd.balanceOf(newJunior), 750e6, "new junior account paid residual");
        assertEq(usd.balanceOf(JUNIOR), 0, "old junior account not paid");
    }

    function test_setTrancheAccountRefusesUnknownTranche() public {
        Waterfall w = _waterfall(Waterfall.PrincipalMode.Sequential, _terms());
        vm.prank(ADMIN);
        vm.expectRevert(abi.encodeWithSelector(Waterfall.UnknownTranche.selector, uint256(3)));
        w.setTrancheAccount(3, SENIOR);
    }

    function test_setTrancheAccountRefusesZeroAddress() public {
        Waterfall w = _waterfall(Waterfall.PrincipalMode.Sequential, _terms());
        vm.prank(ADMIN);
        vm.expectRevert(Waterfall.ZeroAddress.selector);
        w.setTrancheAccount(0, address(0));
    }

    function test_setFeeAccountRedirectsFees() public {
        Waterfall w = _waterfall(Waterfall.PrincipalMode.Sequential, _terms());
        address newFees = address(0xFEE2);
        vm.prank(ADMIN);
        w.setFeeAccount(newFees);
        assertTrue(w.feeAccount() == newFees, "fee account updated");
        _run(w, 1_000e6);
        assertEq(usd.balanceOf(newFees), 10e6, "new fee account paid");
        assertEq(usd.balanceOf(FEES), 0, "old fee account not paid");
    }

    function test_setFeeAccountRefusesZeroAddress() public {
        Waterfall w = _waterfall(Waterfall.PrincipalMode.Sequential, _terms());
        vm.prank(ADMIN);
        vm.expectRevert(Waterfall.ZeroAddress.selector);
        w.setFeeAccount(address(0));
    }

    function test_agentCannotChangeAccounts() public {
        Waterfall w = _waterfall(Waterfall.PrincipalMode.Sequential, _terms());
        bytes32 adminRole = w.DEFAULT_ADMIN_ROLE();
        vm.startPrank(AGENT);
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, AGENT, adminRole));
        w.setTrancheAccount(0, AGENT);
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, AGENT, adminRole));
        w.setFeeAccount(AGENT);
        vm.stopPrank();
    }

    function test_adminWithoutAgentRoleCannotRun() public {
        Waterfall w = _waterfall(Waterfall.PrincipalMode.Sequential, _terms());
        bytes32 agentRole = w.WATERFALL_AGENT_ROLE();
        vm.prank(ADMIN);
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, ADMIN, agentRole));
        w.runWaterfall(0);
    }

    // ---- principal cap ----

    function test_principalDueIsCappedAtOutstanding() public {
        Waterfall.TrancheTerms[] memory t = _terms();
        t[0].outstanding = 30e6; // schedule 100e6 exceeds it
        t[0].rateBps = 0;
        t[1].rateBps = 0;
        Waterfall w = _waterfall(Waterfall.PrincipalMode.Sequential, t);
        _run(w, 1_000e6);
        assertEq(w.tranche(0).outstanding, 0, "senior fully repaid");
        assertEq(w.tranche(0).principalArrears, 0, "no arrears beyond outstanding");
        assertEq(usd.balanceOf(SENIOR), 30e6, "senior paid only its outstanding");
        assertEq(usd.balanceOf(MEZZ), 50e6, "mezz scheduled principal");
        assertEq(usd.balanceOf(JUNIOR), 1_000e6 - 10e6 - 30e6 - 50e6, "residual");
        _run(w, 100e6);
        assertEq(usd.balanceOf(SENIOR), 30e6, "a repaid tranche gets nothing more");
    }

    function test_proRataWithEnoughCollectionsPaysEveryDueInFull() public {
        Waterfall w = _waterfall(Waterfall.PrincipalMode.ProRata, _terms());
        _run(w, 1_000e6);
        assertEq(w.tranche(0).outstanding, 900e6, "senior schedule paid");
        assertEq(w.tranche(1).outstanding, 450e6, "mezz schedule paid");
        assertEq(usd.balanceOf(JUNIOR), 750e6, "residual");
    }

    function test_zeroCollectionsAccrueEveryStepAsArrears() public {
        Waterfall w = _waterfall(Waterfall.PrincipalMode.Sequential, _terms());
        _run(w, 0);
        (, uint256 feeArrears) = w.fees();
        assertEq(feeArrears, 10e6, "fee arrears");
        assertEq(w.tranche(0).interestArrears, 50e6, "senior interest arrears");
        assertEq(w.tranche(1).principalArrears, 50e6, "mezz principal arrears");
        assertEq(usd.balanceOf(FEES) + usd.balanceOf(SENIOR) + usd.balanceOf(JUNIOR), 0, "nothing paid");
    }
}
