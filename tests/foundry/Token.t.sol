// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {TokenFixture} from "./TokenFixture.t.sol";
import {ISecurityToken, ISecurityTokenEvents} from "../../contracts/interfaces/ISecurityToken.sol";
import {IRuleEngine, IRuleEngineEvents} from "../../contracts/interfaces/IRuleEngine.sol";
import {ReasonCodes} from "../../contracts/compliance/ReasonCodes.sol";
import {MockComplianceHook} from "../../contracts/mocks/MockComplianceHook.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {Shipped} from "./utils/Shipped.sol";

contract SecurityTokenTest is TokenFixture {
    // ------------------------------------------------------------------ basics

    function test_initialize_sets_metadata_and_cannot_run_twice() public {
        assertTrue(keccak256(bytes(token.name())) == keccak256("Toll Road ABS 2031"), "name");
        assertEq(token.decimals(), 6, "decimals");
        assertTrue(token.identityRegistry() == address(registry), "registry");
        assertTrue(token.compliance() == address(token), "compliance is the token");
        assertEq(token.supplyCap(), type(uint96).max, "uncapped");
        vm.expectRevert();
        token.initialize("x", "x", 6, address(registry), address(this), 0);
    }

    function test_mint_and_transfer_between_verified_investors() public {
        token.mint(alice, 1000);
        _transfer(alice, bob, 400);
        assertEq(token.balanceOf(alice), 600, "alice");
        assertEq(token.balanceOf(bob), 400, "bob");
        assertEq(token.totalSupply(), 1000, "supply");
        assertEq(token.investorCount(), 2, "investors");
        assertEq(token.countryInvestorCount(HK), 2, "HK investors");
    }

    // ------------------------------------------------------------------ each rule, refusing then accepting

    function test_paused_token_refuses_transfers_but_not_agent_actions() public {
        token.mint(alice, 100);
        token.pause();
        assertTrue(token.paused(), "paused");
        assertEq(_code(alice, bob, 10), ReasonCodes.TOKEN_PAUSED, "code");
        vm.prank(alice);
        vm.expectRevert(_restricted(ReasonCodes.TOKEN_PAUSED));
        token.transfer(bob, 10);
        token.mint(alice, 1);
        token.forcedTransfer(alice, bob, 1);
        token.unpause();
        _transfer(alice, bob, 10);
        assertEq(token.balanceOf(bob), 11, "bob");
    }

    function test_trading_halt_refuses_transfers() public {
        token.mint(alice, 100);
        token.setTradingHalt(true);
        assertEq(_code(alice, bob, 10), ReasonCodes.TRADING_HALTED, "halted");
        token.setTradingHalt(false);
        assertEq(_code(alice, bob, 10), 0, "resumed");
    }

    function test_unregistered_parties_are_refused() public {
        token.mint(alice, 100);
        assertEq(_code(alice, stranger, 10), ReasonCodes.RECEIVER_NOT_VERIFIED, "receiver");
        assertEq(_code(stranger, alice, 0), ReasonCodes.SENDER_NOT_VERIFIED, "sender");
        vm.expectRevert(_restricted(ReasonCodes.RECEIVER_NOT_VERIFIED));
        token.mint(stranger, 1);
    }

    function test_invalid_receiver_is_refused() public {
        token.mint(alice, 100);
        assertEq(_code(alice, address(0), 10), ReasonCodes.INVALID_RECEIVER, "zero");
        assertEq(_code(alice, address(token), 10), ReasonCodes.INVALID_RECEIVER, "token");
    }

    function test_expired_kyc_is_refused_on_both_sides() public {
        token.mint(alice, 100);
        registry.updateInvestor(bob, HK, PROFESSIONAL, uint40(T0 + 1 days));
        assertEq(_code(alice, bob, 10), 0, "valid");
        vm.warp(T0 + 1 days);
        assertEq(_code(alice, bob, 10), ReasonCodes.RECEIVER_KYC_EXPIRED, "receiver expired");
        registry.updateInvestor(alice, HK, PROFESSIONAL, uint40(T0));
        registry.updateInvestor(bob, HK, PROFESSIONAL, KYC_EXPIRY);
        assertEq(_code(alice, bob, 10), ReasonCodes.SENDER_KYC_EXPIRED, "sender expired");
    }

    function test_frozen_wallets_are_refused() public {
        token.mint(alice, 100);
        token.setAddressFrozen(bob, true);
        assertTrue(token.isFrozen(bob), "frozen");
        assertEq(_code(alice, bob, 10), ReasonCodes.RECEIVER_FROZEN, "receiver");
        assertEq(_code(bob, alice, 0), ReasonCodes.SENDER_FROZEN, "sender");
        token.setAddressFrozen(bob, false);
        assertEq(_code(alice, bob, 10), 0, "unfrozen");
    }

    function test_registry_sanctions_are_refused() public {
        token.mint(alice, 100);
        registry.setInvestorFrozen(bob, true);
        assertEq(_code(alice, bob, 10), ReasonCodes.RECEIVER_SANCTIONED, "receiver");
        registry.setInvestorFrozen(bob, false);
        registry.setInvestorFrozen(alice, true);
        assertEq(_code(alice, bob, 10), ReasonCodes.SENDER_SANCTIONED, "sender");
        assertEq(_holderCode(alice), ReasonCodes.RECEIVER_SANCTIONED, "holder check");
        assertTrue(!token.canSend(alice) && !token.canReceive(alice), "cannot send or receive");
        assertTrue(token.canSend(bob) && token.canReceive(bob), "bob can");
    }

    function test_spender_must_not_be_frozen_or_sanctioned() public {
        token.mint(alice, 100);
        vm.prank(alice);
        token.approve(carol, 50);
        token.setAddressFrozen(carol, true);
        (uint8 code,) = token.checkTransferFrom(carol, alice, bob, 10);
        assertEq(code, ReasonCodes.SPENDER_NOT_ALLOWED, "token-frozen spender");
        vm.prank(carol);
        vm.expectRevert(_restricted(ReasonCodes.SPENDER_NOT_ALLOWED));
        token.transferFrom(alice, bob, 10);
        token.setAddressFrozen(carol, false);
        registry.setInvestorFrozen(carol, true);
        (code,) = token.checkTransferFrom(carol, alice, bob, 10);
        assertEq(code, ReasonCodes.SPENDER_NOT_ALLOWED, "sanctioned spender");
        registry.setInvestorFrozen(carol, false);
        vm.prank(carol);
        token.transferFrom(alice, bob, 10);
        assertEq(token.allowance(alice, carol), 40, "allowance spent");
        assertEq(token.balanceOf(bob), 10, "bob");
    }

    function test_unregistered_spender_such_as_a_settlement_contract_is_allowed() public {
        token.mint(alice, 100);
        vm.prank(alice);
        token.approve(stranger, 10);
        vm.prank(stranger);
        token.transferFrom(alice, bob, 10);
        assertEq(token.balanceOf(bob), 10, "bob");
    }

    function test_transferFrom_needs_allowance() public {
        token.mint(alice, 100);
        vm.prank(alice);
        token.approve(carol, 5);
        vm.prank(carol);
        vm.expectRevert(abi.encodeWithSelector(IERC20Errors.ERC20InsufficientAllowance.selector, carol, 5, 10));
        token.transferFrom(alice, bob, 10);
    }

    function test_country_allowlist_and_blocklist() public {
        token.mint(alice, 100);
        assertEq(_code(alice, cnInvestor, 10), ReasonCodes.COUNTRY_BLOCKED, "CN blocked");
        _register(address(0x6B), "gb", GB, PROFESSIONAL);
        assertEq(_code(alice, address(0x6B), 10), ReasonCodes.COUNTRY_NOT_ALLOWED, "GB not on list");
        token.setAllowlistMode(false);
        assertEq(_code(alice, address(0x6B), 10), 0, "open mode");
        assertEq(_code(alice, cnInvestor, 10), ReasonCodes.COUNTRY_BLOCKED, "blocked in open mode too");
        vm.expectRevert(_restricted(ReasonCodes.COUNTRY_BLOCKED));
        token.mint(cnInvestor, 1);
    }

    function test_category_requirement_per_country() public {
        token.mint(alice, 100);
        assertEq(_code(alice, dave, 10), ReasonCodes.CATEGORY_NOT_ALLOWED, "US retail");
        assertEq(_code(alice, erin, 10), 0, "US accredited");
        registry.updateInvestor(dave, US, RETAIL | INSTITUTIONAL, KYC_EXPIRY);
        assertEq(_code(alice, dave, 10), 0, "any required bit suffices");
    }

    function test_global_investor_cap_counts_only_new_investors() public {
        token.setLimits(2, 0, 0);
        token.mint(alice, 100);
        token.mint(bob, 100);
        assertEq(_code(alice, carol, 10), ReasonCodes.MAX_INVESTORS, "cap reached");
        assertEq(_code(alice, bob, 10), 0, "existing holder");
        assertEq(_code(alice, carol, 100), 0, "whole holding frees a place");
        _transfer(alice, carol, 100);
        assertEq(token.investorCount(), 2, "still two");
        vm.expectRevert(_restricted(ReasonCodes.MAX_INVESTORS));
        token.mint(erin, 1);
    }

    function test_country_investor_cap() public {
        token.setCountryRule(HK, true, false, 0, 1);
        token.mint(alice, 100);
        assertEq(_code(alice, bob, 10), ReasonCodes.MAX_INVESTORS_COUNTRY, "HK full");
        assertEq(_code(alice, carol, 10), 0, "SG free");
        assertEq(_code(alice, bob, 100), 0, "HK investor leaving frees HK place");
        (,,, uint32 maxInvestors, uint32 count) = token.countryRule(HK);
        assertEq(maxInvestors, 1, "cap");
        assertEq(count, 1, "count");
    }

    function test_max_balance_per_investor() public {
        token.setLimits(0, 0, 500);
        token.mint(alice, 500);
        vm.expectRevert(_restricted(ReasonCodes.MAX_BALANCE));
        token.mint(alice, 1);
        token.mint(bob, 450);
        assertEq(_code(alice, bob, 51), ReasonCodes.MAX_BALANCE, "over");
        assertEq(_code(alice, bob, 50), 0, "at max");
    }

    function test_min_holding_on_both_sides() public {
        token.setLimits(0, 100, 0);
        vm.expectRevert(_restricted(ReasonCodes.MIN_BALANCE));
        token.mint(alice, 99);
        token.mint(alice, 250);
        assertEq(_code(alice, bob, 99), ReasonCodes.MIN_BALANCE, "receiver below min");
        assertEq(_code(alice, bob, 200), ReasonCodes.MIN_BALANCE, "sender remainder dust");
        assertEq(_code(alice, bob, 250), 0, "sender exits fully");
        assertEq(_code(alice, bob, 150), 0, "both above min");
    }

    function test_insufficient_balance() public {
        token.mint(alice, 100);
        assertEq(_code(alice, bob, 101), ReasonCodes.INSUFFICIENT_BALANCE, "too much");
        vm.prank(alice);
        vm.expectRevert(_restricted(ReasonCodes.INSUFFICIENT_BALANCE));
        token.transfer(bob, 101);
    }

    function test_partial_freeze() public {
        token.mint(alice, 100);
        token.freezePartialTokens(alice, 70);
        assertEq(token.getFrozenTokens(alice), 70, "frozen");
        assertEq(_code(alice, bob, 31), ReasonCodes.TOKENS_FROZEN, "beyond free");
        assertEq(_code(alice, bob, 30), 0, "free part");
        vm.expectRevert(abi.encodeWithSelector(ISecurityTokenEvents.FreezeExceedsBalance.selector, alice, 100, 131));
        token.freezePartialTokens(alice, 61);
        vm.expectRevert(abi.encodeWithSelector(ISecurityTokenEvents.UnfreezeExceedsFrozen.selector, alice, 70, 71));
        token.unfreezePartialTokens(alice, 71);
        token.unfreezePartialTokens(alice, 70);
        assertEq(_code(alice, bob, 100), 0, "all free");
    }

    function test_wallet_lockup() public {
        token.mint(alice, 100);
        token.setInvestorLockup(alice, uint40(T0 + 10 days));
        assertEq(_code(alice, bob, 1), ReasonCodes.TOKENS_LOCKED, "locked");
        assertEq(token.transferableBalanceOf(alice), 0, "nothing transferable");
        vm.warp(T0 + 10 days);
        assertEq(_code(alice, bob, 100), 0, "unlocked");
    }

    function test_default_lockup_locks_minted_lot_only() public {
        token.mint(alice, 100); // before the lockup rule: free
        token.setDefaultLockup(40 days);
        token.mint(alice, 50); // locked lot
        assertEq(_code(alice, bob, 101), ReasonCodes.TOKENS_LOCKED, "lot locked");
        assertEq(_code(alice, bob, 100), 0, "earlier tokens free");
        (, uint256 lot, uint256 unlock) = token.lockupOf(alice);
        assertEq(lot, 50, "lot");
        assertEq(unlock, T0 + 40 days, "unlock");
        vm.warp(T0 + 40 days);
        assertEq(_code(alice, bob, 150), 0, "lot unlocked");
    }

    function test_lockup_of_primary_issuance_then_secondary_purchase_is_free() public {
        token.setDefaultLockup(40 days);
        token.mint(alice, 100); // whole-balance lot, one slot
        token.mint(bob, 100);
        assertEq(_code(alice, carol, 1), ReasonCodes.TOKENS_LOCKED, "primary lot locked");
        // Secondary purchase from a wallet whose own lot is over.
        vm.warp(T0 + 41 days);
        token.mint(carol, 500); // new lot for carol, unlocks T0 + 81 days
        _transfer(bob, alice, 30); // alice: lot over, tokens free
        vm.warp(T0 + 50 days);
        token.mint(alice, 20); // new lot while alice holds 130 free tokens
        assertEq(_code(alice, bob, 130), 0, "older tokens free");
        assertEq(_code(alice, bob, 131), ReasonCodes.TOKENS_LOCKED, "new lot locked");
        // carol's whole balance is locked; an unlocked credit is written out and stays free.
        _transfer(alice, carol, 10);
        assertEq(_code(carol, bob, 10), 0, "received tokens free");
        assertEq(_code(carol, bob, 11), ReasonCodes.TOKENS_LOCKED, "lot still locked");
        (, uint256 lot,) = token.lockupOf(carol);
        assertEq(lot, 500, "carol lot");
    }

    function test_hook_can_refuse_with_its_own_code_and_revert_means_rejected() public {
        MockComplianceHook hook = new MockComplianceHook();
        token.setComplianceHook(address(hook));
        token.mint(alice, 100);
        hook.setDenied(bob, true);
        assertEq(_code(alice, bob, 10), ReasonCodes.HOOK_REJECTED, "denied");
        hook.setRefusalCode(ReasonCodes.COLLATERAL_LOCKED);
        assertEq(_code(alice, bob, 10), ReasonCodes.COLLATERAL_LOCKED, "hook code passed through");
        hook.setShouldRevert(true);
        assertEq(_code(alice, carol, 10), ReasonCodes.HOOK_REJECTED, "reverting hook");
        token.setComplianceHook(address(0));
        assertEq(_code(alice, bob, 10), 0, "hook removed");
    }

    function test_filing_document_required_before_mint() public {
        token.setRequireFilingDocument(true);
        (uint8 code, string memory message) = token.checkMint(alice, 100);
        assertEq(code, ReasonCodes.FILING_NOT_RECORDED, "code");
        assertTrue(bytes(message).length > 0, "message");
        vm.expectRevert(_restricted(ReasonCodes.FILING_NOT_RECORDED));
        token.mint(alice, 100);
        token.setDocument("filing", "ipfs://csrc-filing", keccak256("notice"));
        token.mint(alice, 100);
        token.removeDocument("filing");
        vm.expectRevert(_restricted(ReasonCodes.FILING_NOT_RECORDED));
        token.mint(alice, 100);
    }

    function test_supply_cap() public {
        token.setSupplyCap(1000);
        token.mint(alice, 1000);
        vm.expectRevert(_restricted(ReasonCodes.SUPPLY_CAP_EXCEEDED));
        token.mint(bob, 1);
        vm.expectRevert(abi.encodeWithSelector(ISecurityTokenEvents.InvalidSupplyCap.selector, 999));
        token.setSupplyCap(999);
    }

    function test_check_views_agree() public {
        token.mint(alice, 100);
        (uint8 code, string memory message) = token.checkTransfer(alice, cnInvestor, 1);
        assertEq(code, ReasonCodes.COUNTRY_BLOCKED, "code");
        assertTrue(keccak256(bytes(message)) == keccak256(bytes(token.messageForTransferRestriction(code))), "msg");
        assertTrue(!token.canTransfer(alice, cnInvestor, 1), "canTransfer false");
        assertTrue(token.canTransfer(alice, bob, 1), "canTransfer true");
        assertEq(_holderCode(stranger), ReasonCodes.RECEIVER_NOT_VERIFIED, "holder");
    }

    // ------------------------------------------------------------------ agent powers

    function test_forced_transfer_to_self_changes_nothing() public {
        token.mint(alice, 100);
        token.freezePartialTokens(alice, 80);
        token.forcedTransfer(alice, alice, 100);
        assertEq(token.getFrozenTokens(alice), 80, "freeze kept");
        assertEq(token.balanceOf(alice), 100, "balance kept");
    }

    function test_forced_transfer_unfreezes_only_what_is_needed() public {
        token.mint(alice, 100);
        token.freezePartialTokens(alice, 80);
        token.setAddressFrozen(alice, true);
        token.forcedTransfer(alice, bob, 50);
        assertEq(token.getFrozenTokens(alice), 50, "frozen reduced to balance");
        assertEq(token.balanceOf(bob), 50, "bob");
    }

    function test_forced_transfer_needs_verified_receiver() public {
        token.mint(alice, 100);
        vm.expectRevert(_restricted(ReasonCodes.RECEIVER_NOT_VERIFIED));
        token.forcedTransfer(alice, stranger, 10);
        registry.setInvestorFrozen(bob, true);
        vm.expectRevert(_restricted(ReasonCodes.RECEIVER_SANCTIONED));
        token.forcedTransfer(alice, bob, 10);
        vm.expectRevert(_restricted(ReasonCodes.INSUFFICIENT_BALANCE));
        token.forcedTransfer(alice, carol, 101);
    }

    function test_burn_unfreezes_as_needed() public {
        token.mint(alice, 100);
        token.freezePartialTokens(alice, 100);
        token.burn(alice, 60);
        assertEq(token.getFrozenTokens(alice), 40, "frozen");
        assertEq(token.totalSupply(), 40, "supply");
        assertEq(token.investorCount(), 1, "still holder");
        token.burn(alice, 40);
        assertEq(token.investorCount(), 0, "left");
        vm.expectRevert(_restricted(ReasonCodes.INSUFFICIENT_BALANCE));
        token.burn(alice, 1);
    }

    function test_recovery_moves_everything_to_a_wallet_of_the_same_investor() public {
        token.setDefaultLockup(40 days);
        token.mint(alice, 100);
        token.freezePartialTokens(alice, 30);
        token.setAddressFrozen(alice, true);
        address aliceNew = address(0xA11CE2);
        registry.addWallet(alice, aliceNew);
        token.recoveryAddress(alice, aliceNew, address(0));
        assertEq(token.balanceOf(alice), 0, "lost emptied");
        assertEq(token.balanceOf(aliceNew), 100, "moved");
        assertEq(token.getFrozenTokens(aliceNew), 30, "freeze moved");
        assertTrue(token.isFrozen(aliceNew), "wallet freeze moved");
        (, uint256 lot, uint256 unlock) = token.lockupOf(aliceNew);
        assertEq(lot, 100, "lot moved");
        assertEq(unlock, T0 + 40 days, "unlock moved");
        assertEq(token.investorCount(), 1, "one investor");
    }

    function test_recovery_to_another_investor_is_refused() public {
        token.mint(alice, 100);
        vm.expectRevert(abi.encodeWithSelector(ISecurityTokenEvents.RecoveryNotSameInvestor.selector, alice, bob));
        token.recoveryAddress(alice, bob, address(0));
        vm.expectRevert(abi.encodeWithSelector(ISecurityTokenEvents.RecoveryNotSameInvestor.selector, alice, stranger));
        token.recoveryAddress(alice, stranger, address(0));
    }

    function test_recovery_works_on_two_tokens_sharing_the_registry() public {
        SecurityToken2Helper helper = new SecurityToken2Helper();
        (address second) = helper.cloneLike(address(token), address(registry), address(this));
        ISecurityToken other = ISecurityToken(second);
        token.mint(alice, 100);
        other.mint(alice, 7);
        address aliceNew = address(0xA11CE2);
        registry.addWallet(alice, aliceNew);
        token.recoveryAddress(alice, aliceNew, address(0));
        other.recoveryAddress(alice, aliceNew, address(0));
        assertEq(other.balanceOf(aliceNew), 7, "second token recovered");
        registry.removeWallet(alice);
    }

    function test_batch_operations() public {
        address[] memory to = new address[](2);
        to[0] = alice;
        to[1] = bob;
        uint256[] memory amounts = new uint256[](2);
        amounts[0] = 100;
        amounts[1] = 200;
        token.batchMint(to, amounts);
        token.batchFreezePartialTokens(to, amounts);
        token.batchUnfreezePartialTokens(to, amounts);
        bool[] memory flags = new bool[](2);
        flags[0] = true;
        token.batchSetAddressFrozen(to, flags);
        assertTrue(token.isFrozen(alice) && !token.isFrozen(bob), "batch freeze");
        token.batchSetAddressFrozen(to, new bool[](2));
        address[] memory from = new address[](2);
        from[0] = bob;
        from[1] = bob;
        amounts[1] = 50; // bob -> bob: a no-op
        token.batchForcedTransfer(from, to, amounts);
        assertEq(token.balanceOf(alice), 200, "alice");
        address[] memory dest = new address[](1);
        dest[0] = carol;
        uint256[] memory one = new uint256[](1);
        one[0] = 50;
        vm.prank(alice);
        token.batchTransfer(dest, one);
        token.batchBurn(dest, one);
        assertEq(token.totalSupply(), 250, "supply");
        assertEq(token.balanceOf(bob), 100, "bob");
        vm.expectRevert(IRuleEngineEvents.LengthMismatch.selector);
        token.batchMint(to, one);
    }

    // ------------------------------------------------------------------ multi-wallet investors

    function test_investor_with_two_wallets_counts_once_and_caps_apply_to_the_sum() public {
        token.setLimits(0, 0, 1000);
        address alice2 = address(0xA11CE3);
        registry.addWallet(alice, alice2);
        token.mint(alice, 600);
        token.mint(alice2, 300);
        assertEq(token.investorCount(), 1, "one investor");
        assertEq(token.countryInvestorCount(HK), 1, "one HK investor");
        assertEq(token.investorBalanceOf(alice2), 900, "aggregate");
        vm.expectRevert(_restricted(ReasonCodes.MAX_BALANCE));
        token.mint(alice2, 101);
        _transfer(alice, alice2, 600); // own wallets: no cap effect
        _transfer(alice2, bob, 900);
        assertEq(token.investorCount(), 1, "alice left, bob joined");
        assertEq(token.investorBalanceOf(alice), 0, "alice aggregate empty");
    }

    function test_wallet_added_while_holding_is_folded_lazily_and_by_sync() public {
        token.mint(alice, 500);
        address alice2 = address(0xA11CE3);
        registry.addWallet(alice, alice2);
        token.mint(alice2, 100);
        assertEq(token.investorCount(), 2, "counted twice until folded");
        token.syncInvestorWallet(alice);
        assertEq(token.investorCount(), 1, "folded by sync");
        assertEq(token.countryInvestorCount(HK), 1, "country folded");
        assertEq(token.investorBalanceOf(alice), 600, "aggregate");
        token.syncInvestorWallet(alice); // no-op
        assertEq(token.investorCount(), 1, "idempotent");

        // Lazy path: fold happens on the next balance change.
        token.mint(bob, 500);
        address bob2 = address(0xB0B2);
        registry.addWallet(bob, bob2);
        token.mint(bob2, 10);
        assertEq(token.investorCount(), 3, "bob counted twice");
        _transfer(bob, carol, 1);
        assertEq(token.investorCount(), 3, "bob folded, carol joined");
    }

    // ------------------------------------------------------------------ snapshots

    function test_snapshots_record_balances_and_supply() public {
        token.mint(alice, 100);
        uint256 s1 = token.snapshot();
        _transfer(alice, bob, 30);
        _transfer(alice, bob, 20);
        uint256 s2 = token.snapshot();
        uint256 s3 = token.snapshot();
        token.mint(carol, 1000);
        _transfer(bob, carol, 50);
        assertEq(s1, 1, "first id");
        assertEq(token.currentSnapshotId(), 3, "current");
        assertEq(token.balanceOfAt(alice, s1), 100, "alice s1");
        assertEq(token.balanceOfAt(bob, s1), 0, "bob s1");
        assertEq(token.balanceOfAt(alice, s2), 50, "alice s2");
        assertEq(token.balanceOfAt(bob, s2), 50, "bob s2");
        assertEq(token.balanceOfAt(bob, s3), 50, "bob s3");
        assertEq(token.balanceOfAt(carol, s3), 0, "carol s3");
        assertEq(token.totalSupplyAt(s1), 100, "supply s1");
        assertEq(token.totalSupplyAt(s3), 100, "supply s3");
        assertEq(token.totalSupply(), 1100, "supply now");
        vm.expectRevert(abi.encodeWithSelector(ISecurityTokenEvents.NonexistentSnapshot.selector, 4));
        token.balanceOfAt(alice, 4);
        vm.expectRevert(abi.encodeWithSelector(ISecurityTokenEvents.NonexistentSnapshot.selector, 0));
        token.totalSupplyAt(0);
    }

    function testFuzz_snapshot_lookup_matches_history(uint256 seed) public {
        token.mint(alice, 1_000_000);
        uint256[] memory expected = new uint256[](12);
        for (uint256 i = 1; i <= 10; ++i) {
            uint256 action = uint256(keccak256(abi.encode(seed, i)));
            if (action % 3 != 0) _transfer(alice, bob, action % 1000);
            if (action % 2 == 0) {
                uint256 id = token.snapshot();
                expected[id] = token.balanceOf(bob);
            }
        }
        uint256 last = token.currentSnapshotId();
        for (uint256 id = 1; id <= last; ++id) {
            assertEq(token.balanceOfAt(bob, id), expected[id], "bob at id");
        }
    }

    // ------------------------------------------------------------------ documents and terms

    function test_documents_and_terms() public {
        token.setDocument("prospectus", "ipfs://p1", bytes32(uint256(1)));
        token.setDocument("trustee", "ipfs://t1", bytes32(uint256(2)));
        token.setDocument("prospectus", "ipfs://p2", bytes32(uint256(3)));
        (string memory uri, bytes32 h, uint256 ts) = token.getDocument("prospectus");
        assertTrue(keccak256(bytes(uri)) == keccak256("ipfs://p2"), "uri");
        assertEq(uint256(h), 3, "hash");
        assertEq(ts, T0, "timestamp");
        assertEq(token.getAllDocuments().length, 2, "two docs");
        token.removeDocument("prospectus");
        bytes32[] memory names = token.getAllDocuments();
        assertTrue(names.length == 1 && names[0] == "trustee", "one left");

        ISecurityTokenEvents.Terms memory t = token.terms();
        assertEq(bytes(t.identifier).length, 0, "empty terms");
        token.setTerms(ISecurityTokenEvents.Terms("HK0000123456", "ABS", "highway toll receivables", "Hong Kong", "CSRC-2026-01"));
        t = token.terms();
        assertTrue(keccak256(bytes(t.identifier)) == keccak256("HK0000123456"), "isin");
        assertTrue(keccak256(bytes(t.filingReference)) == keccak256("CSRC-2026-01"), "filing ref");
        assertTrue(keccak256(bytes(t.underlying)) == keccak256("highway toll receivables"), "underlying");
    }

    // ------------------------------------------------------------------ access control

    function test_unauthorised_callers_are_refused() public {
        token.mint(alice, 100);
        bytes[] memory agentCalls = _agentCalls();
        bytes[] memory otherCalls = _otherCalls();
        for (uint256 i; i < agentCalls.length; ++i) {
            _expectRefused(agentCalls[i], i);
        }
        for (uint256 i; i < otherCalls.length; ++i) {
            _expectRefused(otherCalls[i], 100 + i);
        }
    }

    function _expectRefused(bytes memory data, uint256 index) private {
        vm.prank(stranger);
        (bool ok,) = address(token).call(data);
        if (ok) revert AssertionFailed("unauthorised call succeeded", index, 0);
    }

    function _agentCalls() private view returns (bytes[] memory calls) {
        address[] memory accounts = new address[](1);
        uint256[] memory amounts = new uint256[](1);
        calls = new bytes[](16);
        calls[0] = abi.encodeCall(token.mint, (alice, 1));
        calls[1] = abi.encodeCall(token.batchMint, (accounts, amounts));
        calls[2] = abi.encodeCall(token.burn, (alice, 1));
        calls[3] = abi.encodeCall(token.batchBurn, (accounts, amounts));
        calls[4] = abi.encodeCall(token.pause, ());
        calls[5] = abi.encodeCall(token.unpause, ());
        calls[6] = abi.encodeCall(token.setAddressFrozen, (alice, true));
        calls[7] = abi.encodeCall(token.batchSetAddressFrozen, (accounts, new bool[](1)));
        calls[8] = abi.encodeCall(token.freezePartialTokens, (alice, 1));
        calls[9] = abi.encodeCall(token.batchFreezePartialTokens, (accounts, amounts));
        calls[10] = abi.encodeCall(token.unfreezePartialTokens, (alice, 1));
        calls[11] = abi.encodeCall(token.batchUnfreezePartialTokens, (accounts, amounts));
        calls[12] = abi.encodeCall(token.forcedTransfer, (alice, bob, 1));
        calls[13] = abi.encodeCall(token.batchForcedTransfer, (accounts, accounts, amounts));
        calls[14] = abi.encodeCall(token.recoveryAddress, (alice, bob, address(0)));
        calls[15] = abi.encodeCall(token.snapshot, ());
    }

    function _otherCalls() private view returns (bytes[] memory calls) {
        uint16[] memory countries = new uint16[](1);
        bool[] memory bools = new bool[](1);
        uint32[] memory u32s = new uint32[](1);
        calls = new bytes[](19);
        calls[0] = abi.encodeCall(token.setIdentityRegistry, (address(1)));
        calls[1] = abi.encodeCall(token.setSupplyCap, (1));
        calls[2] = abi.encodeCall(token.setTerms, (ISecurityTokenEvents.Terms("", "", "", "", "")));
        calls[3] = abi.encodeCall(token.setDocument, ("x", "u", bytes32(0)));
        calls[4] = abi.encodeCall(token.removeDocument, ("x"));
        calls[5] = abi.encodeCall(token.setInvestorLockup, (alice, 1));
        calls[6] = abi.encodeCall(token.setCountryRule, (HK, true, false, 0, 0));
        calls[7] = abi.encodeCall(token.batchSetCountryRules, (countries, bools, bools, u32s, u32s));
        calls[8] = abi.encodeCall(token.setAllowlistMode, (false));
        calls[9] = abi.encodeCall(token.setLimits, (1, 0, 0));
        calls[10] = abi.encodeCall(token.setDefaultLockup, (1));
        calls[11] = abi.encodeCall(token.setTradingHalt, (true));
        calls[12] = abi.encodeCall(token.setComplianceHook, (address(1)));
        calls[13] = abi.encodeCall(token.setRequireFilingDocument, (true));
        calls[14] = abi.encodeWithSignature("grantRole(bytes32,address)", token.AGENT_ROLE(), stranger);
        calls[15] = abi.encodeWithSignature("revokeRole(bytes32,address)", token.AGENT_ROLE(), address(this));
        calls[16] = abi.encodeCall(token.initialize, ("x", "x", 6, address(registry), stranger, 0));
        calls[17] = abi.encodeCall(token.batchTransfer, (new address[](1), new uint256[](1)));
        calls[18] = abi.encodeCall(token.transfer, (bob, 1)); // stranger is not a verified sender
    }

    function _holderCode(address account) internal view returns (uint8 code) {
        (,, code,) = token.holderAt(account, 0);
    }

    function _holderNumber(address account) internal view returns (uint256 number) {
        (, number,,) = token.holderAt(account, 0);
    }

    function test_holder_numbers_follow_first_receipt_and_are_never_reused() public {
        assertEq(_holderNumber(alice), 0, "never held");
        token.mint(bob, 100);
        token.mint(alice, 100);
        token.mint(bob, 5);
        assertEq(_holderNumber(bob), 1, "bob first");
        assertEq(_holderNumber(alice), 2, "alice second");
        _transfer(alice, carol, 100); // alice leaves, carol arrives through the general path or the fast one
        assertEq(_holderNumber(carol), 3, "carol third");
        assertEq(_holderNumber(alice), 2, "kept after leaving");
        _transfer(carol, alice, 40);
        assertEq(_holderNumber(alice), 2, "not renumbered on return");
        token.forcedTransfer(bob, erin, 1);
        assertEq(_holderNumber(erin), 4, "forced receipt numbers too");
    }

    function test_holder_at_reports_snapshot_balance_number_code_and_country() public {
        token.mint(alice, 100);
        uint256 id = token.snapshot();
        _transfer(alice, bob, 30);
        (uint256 balance, uint256 number, uint8 code, uint16 country) = token.holderAt(alice, id);
        assertEq(balance, 100, "record-date balance");
        assertEq(number, 1, "number");
        assertEq(code, 0, "eligible");
        assertEq(country, HK, "country");
        (balance,,,) = token.holderAt(alice, 0);
        assertEq(balance, 70, "now");
        token.setAddressFrozen(alice, true);
        assertEq(_holderCode(alice), ReasonCodes.RECEIVER_FROZEN, "frozen");
        vm.expectRevert(abi.encodeWithSelector(ISecurityTokenEvents.NonexistentSnapshot.selector, id + 1));
        token.holderAt(alice, id + 1);
    }

    /// @dev Storage slot of the token's state word (`forge inspect ISecurityToken storageLayout`).
    bytes32 private constant STATE_SLOT = bytes32(uint256(2));

    function _setStateField(uint256 shift, uint256 value) internal {
        uint256 s = uint256(vm.load(address(token), STATE_SLOT));
        s = (s & ~(uint256(0xFFFFFF) << shift)) | (value << shift);
        vm.store(address(token), STATE_SLOT, bytes32(s));
    }

    function test_snapshot_ids_stop_below_2_pow_24() public {
        _setStateField(160, 2 ** 24 - 2);
        assertEq(token.snapshot(), 2 ** 24 - 1, "last id");
        vm.expectRevert(abi.encodeWithSelector(ISecurityTokenEvents.NonexistentSnapshot.selector, 2 ** 24));
        token.snapshot();
    }

    function test_holder_numbers_stop_at_2_pow_24_minus_1() public {
        _setStateField(232, 2 ** 24 - 2);
        token.mint(alice, 1);
        assertEq(_holderNumber(alice), 2 ** 24 - 1, "last number");
        token.mint(alice, 1); // numbered wallets keep receiving
        vm.expectRevert(); // panic: the counter is the top field of the state word
        token.mint(bob, 1);
    }

    function test_snapshot_role_holder_may_snapshot() public {
        address distributor = address(0xD157);
        token.grantRole(token.SNAPSHOT_ROLE(), distributor);
        vm.prank(distributor);
        assertEq(token.snapshot(), 1, "id");
    }
}

/// @dev Deploys a second token clone over the same registry (shared-registry recovery test).
contract SecurityToken2Helper {
    function cloneLike(address, address registry, address admin) external returns (address) {
        SecurityTokenClone impl = new SecurityTokenClone();
        return impl.make(registry, admin);
    }
}

import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";

contract SecurityTokenClone {
    function make(address registry, address admin) external returns (address) {
        ISecurityToken impl = ISecurityToken(Shipped.deploy("SecurityToken"));
        ISecurityToken t = ISecurityToken(Clones.clone(address(impl)));
        t.initialize("Second", "SEC", 0, registry, address(this), 0);
        t.grantRole(t.AGENT_ROLE(), admin);
        t.grantRole(bytes32(0), admin); // DEFAULT_ADMIN_ROLE
        return address(t);
    }
}
