// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {CashflowBase} from "./CashflowBase.sol";
import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {Initializable} from "@openzeppelin/contracts/proxy/utils/Initializable.sol";
import {Waterfall} from "../../../contracts/cashflow/Waterfall.sol";
import {Shipped} from "../utils/Shipped.sol";

contract WaterfallTest is CashflowBase {
    event log_named_uint(string key, uint256 val);

    address internal constant FEES = address(0xFEE);
    address internal constant SENIOR = address(0x5E);
    address internal constant MEZZ = address(0x3E);
    address internal constant JUNIOR = address(0x1E);

    function _waterfall(Waterfall.PrincipalMode mode) internal returns (Waterfall w) {
        w = Waterfall(Clones.clone(Shipped.deploy("Waterfall")));
        Waterfall.TrancheTerms[] memory t = new Waterfall.TrancheTerms[](3);
        t[0] = Waterfall.TrancheTerms({account: SENIOR, rateBps: 500, outstanding: 1_000e6, scheduledPrincipal: 100e6});
        t[1] = Waterfall.TrancheTerms({account: MEZZ, rateBps: 800, outstanding: 500e6, scheduledPrincipal: 50e6});
        t[2] = Waterfall.TrancheTerms({account: JUNIOR, rateBps: 0, outstanding: 0, scheduledPrincipal: 0});
        w.initialize(ADMIN, AGENT, address(usd), address(distributor), FEES, 10e6, mode, t);
        vm.prank(AGENT);
        usd.approve(address(w), type(uint256).max);
    }

    function _run(Waterfall w, uint256 collections) internal returns (uint256 period) {
        vm.prank(AGENT);
        period = w.runWaterfall(collections);
    }

    function test_fullyCoveredPeriod() public {
        Waterfall w = _waterfall(Waterfall.PrincipalMode.Sequential);
        assertEq(_run(w, 1_000e6), 1, "period 1");
        assertEq(usd.balanceOf(FEES), 10e6, "fees");
        assertEq(usd.balanceOf(SENIOR), 50e6 + 100e6, "senior interest + principal");
        assertEq(usd.balanceOf(MEZZ), 40e6 + 50e6, "mezz interest + principal");
        assertEq(usd.balanceOf(JUNIOR), 750e6, "residual");
        assertEq(w.tranche(0).outstanding, 900e6, "senior outstanding");
        assertEq(w.tranche(1).outstanding, 450e6, "mezz outstanding");
        assertEq(usd.balanceOf(address(w)), 0, "nothing stays");
    }

    function test_shortfallCarriesArrearsPaidFirstNextPeriod() public {
        Waterfall w = _waterfall(Waterfall.PrincipalMode.Sequential);
        _run(w, 70e6); // fee 10, senior interest 50, mezz interest 10 of 40
        assertEq(usd.balanceOf(MEZZ), 10e6, "mezz partial interest");
        assertEq(usd.balanceOf(JUNIOR), 0, "no residual");
        Waterfall.Tranche memory mezz = w.tranche(1);
        assertEq(mezz.interestArrears, 30e6, "mezz interest arrears");
        assertEq(mezz.principalArrears, 50e6, "mezz principal arrears");
        assertEq(w.tranche(0).principalArrears, 100e6, "senior principal arrears");

        _run(w, 5e6); // not even the fee
        (, uint256 feeArrears) = w.fees();
        assertEq(feeArrears, 5e6, "fee arrears");
        assertEq(w.tranche(1).interestArrears, 70e6, "mezz interest arrears grow");
        assertEq(w.tranche(0).interestArrears, 50e6, "senior interest arrears");

        _run(w, 1_000e6);
        // fees 10 + 5; senior interest 50 + 50; mezz 40 + 70; principal senior 100 + 100 + 100, mezz 50 x 3.
        assertEq(usd.balanceOf(FEES), 10e6 + 5e6 + 15e6, "fees caught up");
        assertEq(usd.balanceOf(SENIOR), 50e6 + 100e6 + 300e6, "senior caught up");
        assertEq(usd.balanceOf(MEZZ), 10e6 + 110e6 + 150e6, "mezz caught up");
        assertEq(usd.balanceOf(JUNIOR), 1_000e6 - 15e6 - 100e6 - 110e6 - 300e6 - 150e6, "residual after arrears");
        assertEq(w.tranche(0).principalArrears + w.tranche(1).principalArrears, 0, "no arrears left");
        assertEq(w.tranche(0).outstanding, 700e6, "senior outstanding");
    }

    function test_sequentialPrincipalPaysSeniorFirst() public {
        Waterfall w = _waterfall(Waterfall.PrincipalMode.Sequential);
        _run(w, 100e6 + 120e6); // fees+interest 100, then 120 of principal: senior 100, mezz 20
        assertEq(w.tranche(0).outstanding, 900e6, "senior fully paid its schedule");
        assertEq(w.tranche(1).outstanding, 480e6, "mezz got the rest");
        assertEq(w.tranche(1).principalArrears, 30e6, "mezz principal arrears");
    }

    function test_proRataPrincipalSplitsShortfallWithDustToSenior() public {
        Waterfall w = _waterfall(Waterfall.PrincipalMode.ProRata);
        _run(w, 100e6 + 91); // principal pool 91 units against dues 100e6 : 50e6
        assertEq(1_000e6 - w.tranche(0).outstanding, 61, "senior 60 + 1 dust");
        assertEq(500e6 - w.tranche(1).outstanding, 30, "mezz 30");
        assertEq(usd.balanceOf(JUNIOR), 0, "no residual while principal is short");
        assertEq(usd.balanceOf(address(w)), 0, "nothing stays");
    }

    function testFuzz_everyUnitIsPaidOutAndOutstandingNeverGrows(uint256 seed, bool proRata) public {
        Waterfall w = _waterfall(proRata ? Waterfall.PrincipalMode.ProRata : Waterfall.PrincipalMode.Sequential);
        uint256 total;
        uint256 lastSenior = 1_000e6;
        uint256 lastMezz = 500e6;
        for (uint256 p; p < 6; ++p) {
            uint256 collections = uint256(keccak256(abi.encode(seed, p))) % 400e6;
            total += collections;
            _run(w, collections);
            Waterfall.Tranche memory s = w.tranche(0);
            Waterfall.Tranche memory m = w.tranche(1);
            assertLe(s.outstanding, lastSenior, "senior outstanding never grows");
            assertLe(m.outstanding, lastMezz, "mezz outstanding never grows");
            lastSenior = s.outstanding;
            lastMezz = m.outstanding;
            assertLe(s.principalArrears, s.outstanding, "arrears capped by outstanding");
        }
        uint256 out = usd.balanceOf(FEES) + usd.balanceOf(SENIOR) + usd.balanceOf(MEZZ) + usd.balanceOf(JUNIOR);
        assertEq(out, total, "every unit collected is paid out");
        assertEq(usd.balanceOf(address(w)), 0, "nothing stays");
        // Principal paid equals the outstanding reduction.
        assertEq(w.period(), 6, "periods");
    }

    function test_privilegedFunctionsRefuseStrangers() public {
        Waterfall w = _waterfall(Waterfall.PrincipalMode.Sequential);
        bytes32 agentRole = w.WATERFALL_AGENT_ROLE();
        bytes32 adminRole = w.DEFAULT_ADMIN_ROLE();
        vm.startPrank(STRANGER);
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, STRANGER, agentRole));
        w.runWaterfall(0);
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, STRANGER, adminRole));
        w.setTrancheAccount(0, STRANGER);
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, STRANGER, adminRole));
        w.setFeeAccount(STRANGER);
        vm.expectRevert(Initializable.InvalidInitialization.selector);
        w.initialize(STRANGER, STRANGER, address(usd), address(distributor), STRANGER, 0, Waterfall.PrincipalMode.Sequential, new Waterfall.TrancheTerms[](0));
        vm.stopPrank();
    }

    function test_residualTrancheMustBePlain() public {
        Waterfall w = Waterfall(Clones.clone(Shipped.deploy("Waterfall")));
        Waterfall.TrancheTerms[] memory t = new Waterfall.TrancheTerms[](2);
        t[0] = Waterfall.TrancheTerms({account: SENIOR, rateBps: 500, outstanding: 1, scheduledPrincipal: 0});
        t[1] = Waterfall.TrancheTerms({account: JUNIOR, rateBps: 1, outstanding: 0, scheduledPrincipal: 0});
        vm.expectRevert(Waterfall.InvalidResidualTranche.selector);
        w.initialize(ADMIN, AGENT, address(usd), address(distributor), FEES, 0, Waterfall.PrincipalMode.Sequential, t);
    }

    function test_gas_runWaterfall_3_tranches() public {
        Waterfall w = _waterfall(Waterfall.PrincipalMode.Sequential);
        usd.mint(FEES, 1);
        usd.mint(SENIOR, 1);
        usd.mint(MEZZ, 1);
        usd.mint(JUNIOR, 1);
        _run(w, 1_000e6);
        emit log_named_uint("waterfall_run_3_tranches", vm.lastCallGas().gasTotalUsed);
        _run(w, 70e6);
        emit log_named_uint("waterfall_run_3_tranches_shortfall", vm.lastCallGas().gasTotalUsed);
        Waterfall p = _waterfall(Waterfall.PrincipalMode.ProRata);
        vm.prank(AGENT);
        p.runWaterfall(100e6 + 91);
        emit log_named_uint("waterfall_run_3_tranches_prorata_shortfall", vm.lastCallGas().gasTotalUsed);
    }
}
