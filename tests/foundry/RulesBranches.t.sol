// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {TokenFixture} from "./TokenFixture.t.sol";
import {IRuleEngine, IRuleEngineEvents} from "../../contracts/interfaces/IRuleEngine.sol";
import {ReasonCodes} from "../../contracts/compliance/ReasonCodes.sol";
import {MockComplianceHook} from "../../contracts/mocks/MockComplianceHook.sol";

/// @notice Branches of the rule engine's administration and views, and the full ERC-1404 message table.
contract RulesBranchesTest is TokenFixture {
    function _assertText(string memory actual, string memory expected, string memory what) internal pure {
        assertTrue(keccak256(bytes(actual)) == keccak256(bytes(expected)), what);
    }

    // ------------------------------------------------------------------ ERC-1404 message table

    function test_messageForTransferRestrictionExplainsEveryReasonCode() public view {
        string[27] memory expected = [
            "transfer allowed",
            "the token is paused by its agent",
            "trading in the token is halted",
            "sender wallet is not registered to a verified investor",
            "receiver wallet is not registered to a verified investor",
            "sender's KYC has expired",
            "receiver's KYC has expired",
            "sender wallet is frozen",
            "receiver wallet is frozen",
            "spender is frozen or sanctioned",
            "receiver's country is not on the token's allow list",
            "receiver's country is blocked for this token",
            "receiver's investor category is not eligible in their country",
            "the token's investor limit is reached",
            "the investor limit for the receiver's country is reached",
            "receiver's holding would exceed the maximum per investor",
            "a holding would fall below the minimum (no dust positions)",
            "sender's balance is too low",
            "amount exceeds sender's unfrozen balance",
            "amount exceeds sender's unlocked balance (lockup period)",
            "refused by the token's external compliance hook",
            "receiver is the zero address or the token itself",
            "no mint before the regulatory filing document is recorded",
            "mint would exceed the token's supply cap",
            "sender's investor is frozen in the investor registry",
            "receiver's investor is frozen in the investor registry",
            "amount exceeds sender's balance not pledged as collateral"
        ];
        for (uint256 code; code < expected.length; ++code) {
            _assertText(token.messageForTransferRestriction(uint8(code)), expected[code], "message of code");
        }
        // The named constants index the same table.
        _assertText(
            token.messageForTransferRestriction(ReasonCodes.COLLATERAL_LOCKED),
            "amount exceeds sender's balance not pledged as collateral",
            "last code"
        );
    }

    function test_messageForTransferRestrictionCallsAnyOtherCodeUnknown() public view {
        _assertText(token.messageForTransferRestriction(27), "unknown restriction code", "27");
        _assertText(token.messageForTransferRestriction(255), "unknown restriction code", "255");
        _assertText(registry.reasonMessage(100), "unknown restriction code", "registry table");
    }

    function test_checkTransferReturnsTheMessageOfTheRefusal() public {
        token.mint(alice, 100);
        (uint8 code, string memory text) = token.checkTransfer(alice, cnInvestor, 10);
        assertEq(code, ReasonCodes.COUNTRY_BLOCKED, "code");
        _assertText(text, "receiver's country is blocked for this token", "text");
        (code, text) = token.checkTransfer(alice, bob, 10);
        assertEq(code, ReasonCodes.SUCCESS, "allowed");
        _assertText(text, "transfer allowed", "allowed text");
    }

    // ------------------------------------------------------------------ batch country rules

    function test_batchSetCountryRulesAppliesEveryEntryAndKeepsTheRunningCount() public {
        token.mint(alice, 100); // one HK investor counted
        uint16[] memory countries = new uint16[](2);
        bool[] memory allowed = new bool[](2);
        bool[] memory blocked = new bool[](2);
        uint32[] memory cats = new uint32[](2);
        uint32[] memory maxInv = new uint32[](2);
        countries[0] = HK;
        allowed[0] = true;
        cats[0] = PROFESSIONAL;
        maxInv[0] = 7;
        countries[1] = GB;
        blocked[1] = true;
        cats[1] = INSTITUTIONAL;
        maxInv[1] = 3;
        token.batchSetCountryRules(countries, allowed, blocked, cats, maxInv);

        (bool a, bool b, uint32 c, uint32 m, uint32 n) = token.countryRule(HK);
        assertTrue(a && !b, "HK allowed, not blocked");
        assertEq(c, PROFESSIONAL, "HK categories");
        assertEq(m, 7, "HK max");
        assertEq(n, 1, "HK count kept");
        (a, b, c, m, n) = token.countryRule(GB);
        assertTrue(!a && b, "GB blocked, not allowed");
        assertEq(c, INSTITUTIONAL, "GB categories");
        assertEq(m, 3, "GB max");
        assertEq(n, 0, "GB count");
    }

    function test_batchSetCountryRulesRefusesArraysOfDifferentLengths() public {
        uint16[] memory one16 = new uint16[](1);
        bool[] memory oneB = new bool[](1);
        bool[] memory twoB = new bool[](2);
        uint32[] memory one32 = new uint32[](1);
        uint32[] memory two32 = new uint32[](2);
        vm.expectRevert(IRuleEngineEvents.LengthMismatch.selector);
        token.batchSetCountryRules(one16, twoB, oneB, one32, one32);
        vm.expectRevert(IRuleEngineEvents.LengthMismatch.selector);
        token.batchSetCountryRules(one16, oneB, twoB, one32, one32);
        vm.expectRevert(IRuleEngineEvents.LengthMismatch.selector);
        token.batchSetCountryRules(one16, oneB, oneB, two32, one32);
        vm.expectRevert(IRuleEngineEvents.LengthMismatch.selector);
        token.batchSetCountryRules(one16, oneB, oneB, one32, two32);
    }

    function test_batchSetCountryRulesRefusesAValueThatDoesNotFitItsType() public {
        // Hand-encoded call: the country 70000 does not fit uint16; nothing may be written.
        uint256[] memory countries = new uint256[](1);
        uint256[] memory flags = new uint256[](1);
        uint256[] memory zeros = new uint256[](1);
        countries[0] = 70_000;
        flags[0] = 1;
        bytes memory data = abi.encodeWithSelector(
            IRuleEngine.batchSetCountryRules.selector, countries, flags, zeros, zeros, zeros
        );
        (bool ok, bytes memory ret) = address(token).call(data);
        assertTrue(!ok, "oversized country refused");
        assertEq(ret.length, 0, "empty revert data like the ABI decoder");
        (bool a,,,,) = token.countryRule(uint16(70_000 % 65_536));
        assertTrue(!a, "truncated country untouched");

        // A boolean other than 0 or 1 is refused the same way.
        countries[0] = GB;
        flags[0] = 2;
        data = abi.encodeWithSelector(IRuleEngine.batchSetCountryRules.selector, countries, flags, zeros, zeros, zeros);
        (ok, ret) = address(token).call(data);
        assertTrue(!ok && ret.length == 0, "non-boolean refused");
        (a,,,,) = token.countryRule(GB);
        assertTrue(!a, "GB untouched");
    }

    // ------------------------------------------------------------------ limits and lockup bounds

    function test_setLimitsRefusesBoundsOutsideStorageOrMinimumAboveMaximum() public {
        uint256 tooBig = uint256(1) << 96;
        vm.expectRevert(abi.encodeWithSelector(IRuleEngineEvents.InvalidLimits.selector, tooBig, 0));
        token.setLimits(0, tooBig, 0);
        vm.expectRevert(abi.encodeWithSelector(IRuleEngineEvents.InvalidLimits.selector, 0, tooBig));
        token.setLimits(0, 0, tooBig);
        vm.expectRevert(abi.encodeWithSelector(IRuleEngineEvents.InvalidLimits.selector, 500, 100));
        token.setLimits(0, 500, 100);
        // A minimum with no maximum is fine.
        token.setLimits(5, 500, 0);
        (uint32 maxInv, uint256 minBal, uint256 maxBal, uint40 lockup) = token.limits();
        assertEq(maxInv, 5, "max investors");
        assertEq(minBal, 500, "min balance");
        assertEq(maxBal, 0, "no max");
        assertEq(lockup, 0, "no lockup");
    }

    function test_limitsAndDefaultLockupShareAWordWithoutOverwritingEachOther() public {
        token.setDefaultLockup(40 days);
        token.setLimits(3, 10, 1_000);
        (uint32 maxInv, uint256 minBal, uint256 maxBal, uint40 lockup) = token.limits();
        assertEq(maxInv, 3, "max investors");
        assertEq(minBal, 10, "min");
        assertEq(maxBal, 1_000, "max");
        assertEq(lockup, 40 days, "lockup kept by setLimits");
        token.setDefaultLockup(0);
        (maxInv, minBal, maxBal, lockup) = token.limits();
        assertEq(maxBal, 1_000, "max kept by setDefaultLockup");
        assertEq(lockup, 0, "lockup cleared");
    }

    function test_setDefaultLockupRefusesMoreThan32Bits() public {
        uint40 tooLong = uint40(uint256(1) << 32);
        vm.expectRevert(abi.encodeWithSelector(IRuleEngineEvents.LockupTooLong.selector, tooLong));
        token.setDefaultLockup(tooLong);
        token.setDefaultLockup(type(uint32).max);
        (,,, uint40 lockup) = token.limits();
        assertEq(lockup, type(uint32).max, "largest lockup accepted");
    }

    function test_clearingAllLimitsTurnsTheLimitChecksOff() public {
        token.setLimits(1, 0, 0);
        token.mint(alice, 100);
        assertEq(_code(alice, bob, 10), ReasonCodes.MAX_INVESTORS, "cap of one reached");
        token.setLimits(0, 0, 0);
        assertEq(_code(alice, bob, 10), ReasonCodes.SUCCESS, "no limits");
        _transfer(alice, bob, 10);
        assertEq(token.investorCount(), 2, "two investors");
    }

    // ------------------------------------------------------------------ flag views

    function test_flagViewsReportTheConfiguredRules() public {
        assertTrue(token.allowlistMode(), "fixture enables allowlist");
        token.setAllowlistMode(false);
        assertTrue(!token.allowlistMode(), "allowlist off");

        assertTrue(!token.tradingHalted(), "not halted");
        token.setTradingHalt(true);
        assertTrue(token.tradingHalted(), "halted");

        assertTrue(!token.requireFilingDocument(), "no filing requirement");
        token.setRequireFilingDocument(true);
        assertTrue(token.requireFilingDocument(), "filing required");

        assertTrue(token.complianceHook() == address(0), "no hook");
        MockComplianceHook hook = new MockComplianceHook();
        token.setComplianceHook(address(hook));
        assertTrue(token.complianceHook() == address(hook), "hook set");
        token.setComplianceHook(address(0));
        assertTrue(token.complianceHook() == address(0), "hook removed");
    }

    function test_allowlistOffLetsAnUnlistedButUnblockedCountryReceive() public {
        _register(address(0x6B), "gb", GB, RETAIL);
        token.mint(alice, 100);
        assertEq(_code(alice, address(0x6B), 10), ReasonCodes.COUNTRY_NOT_ALLOWED, "GB not listed");
        token.setAllowlistMode(false);
        _transfer(alice, address(0x6B), 10);
        assertEq(token.balanceOf(address(0x6B)), 10, "GB investor received");
        // A block still applies without the allow list.
        assertEq(_code(alice, cnInvestor, 10), ReasonCodes.COUNTRY_BLOCKED, "CN blocked");
    }

    function test_removedHookNoLongerRefuses() public {
        MockComplianceHook hook = new MockComplianceHook();
        hook.setDenied(bob, true);
        token.setComplianceHook(address(hook));
        token.mint(alice, 100);
        assertEq(_code(alice, bob, 10), ReasonCodes.HOOK_REJECTED, "hook refuses bob");
        token.setComplianceHook(address(0));
        _transfer(alice, bob, 10);
        assertEq(token.balanceOf(bob), 10, "bob received");
    }

    function test_ruleAdministrationNeedsTheComplianceRole() public {
        bytes memory refusal = abi.encodeWithSignature(
            "AccessControlUnauthorizedAccount(address,bytes32)", stranger, token.COMPLIANCE_ROLE()
        );
        vm.startPrank(stranger);
        vm.expectRevert(refusal);
        token.setLimits(0, 0, 0);
        vm.expectRevert(refusal);
        token.setDefaultLockup(1);
        vm.expectRevert(refusal);
        token.setTradingHalt(true);
        vm.expectRevert(refusal);
        token.setComplianceHook(address(1));
        vm.expectRevert(refusal);
        token.setRequireFilingDocument(true);
        vm.expectRevert(refusal);
        token.setAllowlistMode(false);
        vm.expectRevert(refusal);
        token.batchSetCountryRules(new uint16[](0), new bool[](0), new bool[](0), new uint32[](0), new uint32[](0));
        vm.stopPrank();
        assertTrue(!token.tradingHalted(), "nothing changed");
    }
}
