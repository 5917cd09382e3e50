// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {CashflowBase} from "./CashflowBase.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {PaymentTokenPolicy} from "../../../contracts/cashflow/PaymentTokenPolicy.sol";
import {MockStablecoin} from "../../../contracts/mocks/MockStablecoin.sol";

/// @notice The payment-token policy (as inherited by the Distributor): refusals, limits and views.
contract PaymentTokenPolicyBranchesTest is CashflowBase {
    function test_allowPaymentTokenRefusesZeroAddress() public {
        vm.prank(ADMIN);
        vm.expectRevert(abi.encodeWithSelector(PaymentTokenPolicy.InvalidPaymentToken.selector, address(0)));
        distributor.allowPaymentToken(address(0), bytes8("USD"), false);
    }

    function test_allowPaymentTokenAgainUpdatesItsCurrencyAndApproval() public {
        vm.startPrank(ADMIN);
        distributor.allowPaymentToken(address(usd), bytes8("CNH"), true);
        (bytes8 currency, bool allowed, bool rmbApproved) = distributor.paymentTokenConfig(address(usd));
        assertTrue(currency == bytes8("CNH") && allowed && rmbApproved, "now an approved CNH token");
        distributor.allowPaymentToken(address(usd), bytes8("USD"), true);
        vm.stopPrank();
        (currency, allowed, rmbApproved) = distributor.paymentTokenConfig(address(usd));
        assertTrue(currency == bytes8("USD") && allowed && !rmbApproved, "approval flag only for RMB codes");
    }

    function test_disallowRefusesATokenThatIsNotAllowed() public {
        vm.startPrank(ADMIN);
        vm.expectRevert(abi.encodeWithSelector(PaymentTokenPolicy.PaymentTokenNotAllowed.selector, address(0xBEEF)));
        distributor.disallowPaymentToken(address(0xBEEF));
        distributor.disallowPaymentToken(address(usd));
        vm.expectRevert(abi.encodeWithSelector(PaymentTokenPolicy.PaymentTokenNotAllowed.selector, address(usd)));
        distributor.disallowPaymentToken(address(usd));
        vm.stopPrank();
    }

    function test_reallowingADisallowedTokenKeepsItsCurrency() public {
        MockStablecoin hkd = new MockStablecoin("HKD Coin", "HKDC", 6);
        vm.startPrank(ADMIN);
        distributor.allowPaymentToken(address(hkd), bytes8("HKD"), false);
        distributor.disallowPaymentToken(address(hkd));
        (bytes8 currencyBefore, bool allowedAfterDisallow,) = distributor.paymentTokenConfig(address(hkd));
        distributor.allowPaymentToken(address(hkd), bytes8("HKD"), false);
        vm.stopPrank();
        (bytes8 currency, bool allowed,) = distributor.paymentTokenConfig(address(hkd));
        assertTrue(!allowedAfterDisallow, "disallowed");
        assertTrue(allowed, "allowed again");
        assertTrue(currency == currencyBefore && currency == bytes8("HKD"), "currency kept");
    }

    function test_paymentTokenCurrencyIsZeroForAnUnknownToken() public view {
        assertTrue(distributor.paymentTokenCurrency(address(usd)) == bytes8("USD"), "USD recorded");
        assertTrue(distributor.paymentTokenCurrency(address(0xBEEF)) == bytes8(0), "unknown is zero");
    }

    function test_currencyRefusalIsVisibleAndReversible() public {
        MockStablecoin eur = new MockStablecoin("EUR Coin", "EURC", 6);
        assertTrue(!distributor.isCurrencyRefused(bytes8("EUR")), "not refused by default");
        vm.prank(ADMIN);
        distributor.setCurrencyRefused(bytes8("EUR"), true);
        assertTrue(distributor.isCurrencyRefused(bytes8("EUR")), "refused");
        vm.prank(ADMIN);
        vm.expectRevert(abi.encodeWithSelector(PaymentTokenPolicy.CurrencyRefused.selector, bytes8("EUR")));
        distributor.allowPaymentToken(address(eur), bytes8("EUR"), false);
        vm.prank(ADMIN);
        distributor.setCurrencyRefused(bytes8("EUR"), false);
        assertTrue(!distributor.isCurrencyRefused(bytes8("EUR")), "accepted again");
        vm.prank(ADMIN);
        distributor.allowPaymentToken(address(eur), bytes8("EUR"), false);
        assertTrue(distributor.isPaymentTokenAllowed(address(eur)), "EUR token allowed");
    }

    function test_setCurrencyRefusedRefusesAMalformedCode() public {
        vm.startPrank(ADMIN);
        vm.expectRevert(abi.encodeWithSelector(PaymentTokenPolicy.InvalidCurrencyCode.selector, bytes8("eu")));
        distributor.setCurrencyRefused(bytes8("eu"), true);
        vm.expectRevert(abi.encodeWithSelector(PaymentTokenPolicy.InvalidCurrencyCode.selector, bytes8("US")));
        distributor.setCurrencyRefused(bytes8("US"), true);
        vm.expectRevert(abi.encodeWithSelector(PaymentTokenPolicy.InvalidCurrencyCode.selector, bytes8("US\x00D")));
        distributor.setCurrencyRefused(bytes8("US\x00D"), true);
        vm.stopPrank();
        // Eight letters fill the code: no padding to check.
        vm.prank(ADMIN);
        distributor.setCurrencyRefused(bytes8("ABCDEFGH"), true);
        assertTrue(distributor.isCurrencyRefused(bytes8("ABCDEFGH")), "eight-letter code accepted");
    }

    function test_isRmbPeggedCoversCnyAndCnhOnly() public view {
        assertTrue(distributor.isRmbPegged(bytes8("CNY")), "CNY");
        assertTrue(distributor.isRmbPegged(bytes8("CNH")), "CNH");
        assertTrue(!distributor.isRmbPegged(bytes8("USD")), "USD");
        assertTrue(!distributor.isRmbPegged(bytes8("cnh")), "lower case is not a code");
    }

    function test_rmbTokenNeedsApprovalAndRecordsIt() public {
        MockStablecoin cnh = new MockStablecoin("CNH Coin", "CNHC", 6);
        vm.startPrank(ADMIN);
        vm.expectRevert(
            abi.encodeWithSelector(PaymentTokenPolicy.RmbPeggedCurrencyNotApproved.selector, address(cnh), bytes8("CNH"))
        );
        distributor.allowPaymentToken(address(cnh), bytes8("CNH"), false);
        distributor.allowPaymentToken(address(cnh), bytes8("CNH"), true);
        // The approval flag is not recorded for a non-RMB currency.
        distributor.allowPaymentToken(address(usd), bytes8("USD"), true);
        vm.stopPrank();
        (,, bool rmbApproved) = distributor.paymentTokenConfig(address(cnh));
        assertTrue(rmbApproved, "CNH approval recorded");
        (,, bool usdFlag) = distributor.paymentTokenConfig(address(usd));
        assertTrue(!usdFlag, "no approval flag for USD");
    }

    function test_policyFunctionsRefuseStrangers() public {
        bytes32 adminRole = distributor.DEFAULT_ADMIN_ROLE();
        bytes memory denied =
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, STRANGER, adminRole);
        vm.startPrank(STRANGER);
        vm.expectRevert(denied);
        distributor.allowPaymentToken(address(0xBEEF), bytes8("USD"), false);
        vm.expectRevert(denied);
        distributor.disallowPaymentToken(address(usd));
        vm.expectRevert(denied);
        distributor.setCurrencyRefused(bytes8("USD"), true);
        vm.stopPrank();
        assertTrue(distributor.isPaymentTokenAllowed(address(usd)), "USD still allowed");
        assertTrue(!distributor.isCurrencyRefused(bytes8("USD")), "USD not refused");
    }

    function test_policyFunctionsRefuseTheDistributionAgent() public {
        bytes32 adminRole = distributor.DEFAULT_ADMIN_ROLE();
        vm.prank(AGENT);
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, AGENT, adminRole));
        distributor.disallowPaymentToken(address(usd));
        assertTrue(distributor.isPaymentTokenAllowed(address(usd)), "USD still allowed");
    }
}
