// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {CashflowBase} from "./CashflowBase.sol";
import {Gas} from "../utils/Vm.sol";
import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {Initializable} from "@openzeppelin/contracts/proxy/utils/Initializable.sol";
import {Redemption} from "../../../contracts/cashflow/Redemption.sol";
import {Distributor} from "../../../contracts/cashflow/Distributor.sol";
import {ReentrantPaymentToken} from "../../../contracts/mocks/ReentrantPaymentToken.sol";
import {MockSnapshotToken} from "../../../contracts/mocks/MockSnapshotToken.sol";
import {Shipped} from "../utils/Shipped.sol";

contract RedemptionTest is CashflowBase {
    event log_named_uint(string key, uint256 val);

    uint256 internal constant FACE = 100e6; // 100 USD per whole token
    Redemption internal redemption;

    function setUp() public override {
        super.setUp();
        redemption = _redemptionFor(address(usd));
    }

    function _redemptionFor(address paymentToken) internal returns (Redemption r) {
        r = Redemption(Clones.clone(Shipped.deploy("Redemption")));
        r.initialize(ADMIN, AGENT, address(token), paymentToken, address(distributor), TREASURY, FACE, uint64(block.timestamp));
        token.grantRole(token.AGENT_ROLE(), address(r));
        bytes32 agentRole = distributor.DISTRIBUTION_AGENT_ROLE();
        vm.prank(ADMIN);
        distributor.grantRole(agentRole, address(r));
        vm.prank(AGENT);
        usd.approve(address(r), type(uint256).max);
    }

    function _fund(uint256 amount) internal {
        vm.prank(AGENT);
        redemption.fundPrincipal(amount);
    }

    function test_redeemBurnsAndPaysExactly() public {
        token.mint(_holder(1), 2.5e18);
        _fund(1_000e6);
        vm.prank(_holder(1));
        uint256 paid = redemption.redeem(1.234567891e18);
        assertEq(paid, 123.456789e6, "floor(1.234567891 x 100 USD)");
        assertEq(token.balanceOf(_holder(1)), 2.5e18 - 1.234567891e18, "burned");
        assertEq(token.totalSupply(), 2.5e18 - 1.234567891e18, "supply");
        assertEq(usd.balanceOf(_holder(1)), 123.456789e6, "paid");
        assertEq(redemption.principalAvailable(), 1_000e6 - 123.456789e6, "pool");
        assertEq(usd.balanceOf(address(redemption)), redemption.principalAvailable(), "pool is the balance");
    }

    function testFuzz_redeemPaysFloorOfFaceValue(uint256 balance, uint256 amount, uint256 face) public {
        balance = bound(balance, 1, 1e30);
        amount = bound(amount, 1, balance);
        face = bound(face, 1, 1e12);
        Redemption r = Redemption(Clones.clone(Shipped.deploy("Redemption")));
        r.initialize(ADMIN, AGENT, address(token), address(usd), address(distributor), TREASURY, face, 0);
        token.grantRole(token.AGENT_ROLE(), address(r));
        uint256 expected = amount * face / 1e18;
        vm.startPrank(AGENT);
        usd.approve(address(r), expected + 1);
        r.fundPrincipal(expected + 1);
        vm.stopPrank();
        token.mint(_holder(1), balance);
        vm.prank(_holder(1));
        if (expected == 0) {
            vm.expectRevert(abi.encodeWithSelector(Redemption.RedemptionTooSmall.selector, amount));
            r.redeem(amount);
            return;
        }
        assertEq(r.redeem(amount), expected, "floor");
        assertEq(token.balanceOf(_holder(1)), balance - amount, "burned exactly");
        assertEq(usd.balanceOf(_holder(1)), expected, "paid exactly");
        assertEq(r.principalAvailable(), 1, "pool");
    }

    function test_redeemRefusals() public {
        token.mint(_holder(1), 1e18);
        vm.prank(_holder(1));
        vm.expectRevert(abi.encodeWithSelector(Redemption.InsufficientPrincipal.selector, FACE, 0));
        redemption.redeem(1e18);
        _fund(FACE);
        token.setHolderStatus(_holder(1), 8);
        vm.prank(_holder(1));
        // The token's rule-checked burn refuses, with the token's error and code.
        vm.expectRevert(abi.encodeWithSelector(MockSnapshotToken.TransferRestricted.selector, uint8(8)));
        redemption.redeem(1e18);
        token.setHolderStatus(_holder(1), 0);
        vm.prank(ADMIN);
        redemption.setRedemptionStart(uint64(block.timestamp + 1));
        vm.prank(_holder(1));
        vm.expectRevert(abi.encodeWithSelector(Redemption.RedemptionNotOpen.selector, uint64(block.timestamp + 1)));
        redemption.redeem(1e18);
    }

    function test_redeemBatchAtMaturity() public {
        token.mint(_holder(1), 1e18);
        token.mint(_holder(2), 3e18);
        token.mint(_holder(3), 2e18);
        token.setHolderStatus(_holder(3), 8);
        _fund(1_000e6);
        address[] memory holders = new address[](4);
        holders[0] = _holder(1);
        holders[1] = _holder(2);
        holders[2] = _holder(3); // frozen: skipped
        holders[3] = _holder(9); // no balance: skipped
        vm.prank(AGENT);
        assertEq(redemption.redeemBatch(holders), 400e6, "principal");
        assertEq(usd.balanceOf(_holder(1)), 100e6, "h1");
        assertEq(usd.balanceOf(_holder(2)), 300e6, "h2");
        assertEq(token.balanceOf(_holder(3)), 2e18, "frozen holder untouched");
        assertEq(token.totalSupply(), 2e18, "burned");
        assertEq(redemption.principalAvailable(), 600e6, "pool");
    }

    function test_failedBatchTransferIsOwed() public {
        ReentrantPaymentToken hostile = new ReentrantPaymentToken();
        vm.prank(ADMIN);
        distributor.allowPaymentToken(address(hostile), bytes8("USD"), false);
        Redemption r = Redemption(Clones.clone(Shipped.deploy("Redemption")));
        r.initialize(ADMIN, AGENT, address(token), address(hostile), address(distributor), TREASURY, FACE, 0);
        token.grantRole(token.AGENT_ROLE(), address(r));
        hostile.mint(AGENT, 1_000e6);
        vm.startPrank(AGENT);
        hostile.approve(address(r), 1_000e6);
        r.fundPrincipal(1_000e6);
        vm.stopPrank();
        token.mint(_holder(1), 1e18);
        hostile.setBlocked(_holder(1), true);
        address[] memory holders = new address[](1);
        holders[0] = _holder(1);
        vm.prank(AGENT);
        r.redeemBatch(holders);
        assertEq(token.balanceOf(_holder(1)), 0, "burned");
        assertEq(r.owedTo(_holder(1)), FACE, "owed, not lost");
        hostile.setBlocked(_holder(1), false);
        r.payOwed(_holder(1));
        assertEq(hostile.balanceOf(_holder(1)), FACE, "paid later");
        vm.expectRevert(abi.encodeWithSelector(Redemption.NothingOwed.selector, _holder(1)));
        r.payOwed(_holder(1));
    }

    function test_amortisationPaysInstalmentAndLowersFaceValue() public {
        token.mint(ISSUER, 10e18); // excluded from distributions
        token.mint(_holder(1), 1e18);
        token.mint(_holder(2), 3e18);
        _fund(1_000e6);
        vm.prank(AGENT);
        (uint256 id, uint256 amount) = redemption.amortise(25e6, uint64(block.timestamp + 30 days));
        assertEq(amount, 100e6, "4 eligible tokens x 25");
        assertEq(redemption.faceValuePerToken(), 75e6, "face after instalment");
        assertEq(redemption.principalAvailable(), 900e6, "pool");
        vm.prank(_holder(2));
        assertEq(distributor.claim(id), 75e6, "3 tokens x 25");
        vm.prank(_holder(1));
        assertEq(redemption.redeem(1e18), 75e6, "redeemed at the amortised face");

        vm.prank(AGENT);
        vm.expectRevert(abi.encodeWithSelector(Redemption.InvalidInstalment.selector, 76e6, 75e6));
        redemption.amortise(76e6, uint64(block.timestamp + 1));
    }

    function test_withdrawPrincipal() public {
        _fund(100e6);
        vm.prank(ADMIN);
        redemption.withdrawPrincipal(40e6);
        assertEq(usd.balanceOf(TREASURY), 40e6, "treasury");
        vm.prank(ADMIN);
        vm.expectRevert(abi.encodeWithSelector(Redemption.InsufficientPrincipal.selector, 61e6, 60e6));
        redemption.withdrawPrincipal(61e6);
    }

    function test_privilegedFunctionsRefuseStrangers() public {
        bytes32 agentRole = redemption.REDEMPTION_AGENT_ROLE();
        bytes32 adminRole = redemption.DEFAULT_ADMIN_ROLE();
        vm.startPrank(STRANGER);
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, STRANGER, agentRole));
        redemption.fundPrincipal(1);
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, STRANGER, agentRole));
        redemption.redeemBatch(new address[](0));
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, STRANGER, agentRole));
        redemption.amortise(1, uint64(block.timestamp + 1));
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, STRANGER, adminRole));
        redemption.withdrawPrincipal(1);
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, STRANGER, adminRole));
        redemption.setRedemptionStart(0);
        vm.expectRevert(Initializable.InvalidInitialization.selector);
        redemption.initialize(STRANGER, STRANGER, address(token), address(usd), address(distributor), STRANGER, 1, 0);
        vm.stopPrank();
    }

    function test_paymentTokenMustBeAllowed() public {
        Redemption r = Redemption(Clones.clone(Shipped.deploy("Redemption")));
        vm.expectRevert(abi.encodeWithSelector(Redemption.PaymentTokenNotAllowed.selector, address(token)));
        r.initialize(ADMIN, AGENT, address(token), address(token), address(distributor), TREASURY, FACE, 0);
    }

    function test_gas_redeem() public {
        for (uint256 i; i < 100; ++i) {
            token.mint(_holder(i), 1e18 + i);
        }
        usd.mint(_holder(0), 1);
        _fund(100_000e6);
        vm.prank(_holder(0));
        redemption.redeem(1e18);
        emit log_named_uint("redeem_existing_payee", vm.lastCallGas().gasTotalUsed);
        vm.prank(_holder(1));
        redemption.redeem(1e18);
        emit log_named_uint("redeem_new_payee", vm.lastCallGas().gasTotalUsed);
        address[] memory holders = new address[](98);
        for (uint256 i; i < 98; ++i) {
            holders[i] = _holder(i + 2);
        }
        vm.prank(AGENT);
        redemption.redeemBatch(holders);
        emit log_named_uint("redeem_batch98_new_payees_per_holder", vm.lastCallGas().gasTotalUsed / 98);
    }
}
