// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";
import {ISecurityTokenEvents} from "../../../contracts/interfaces/ISecurityToken.sol";
import {IERC7943Fungible, IERC7943FungibleEvents} from "../../../contracts/interfaces/IERC7943.sol";
import {ReasonCodes} from "../../../contracts/compliance/ReasonCodes.sol";
import {StandardsBase} from "./StandardsBase.sol";
import {RecordedLog} from "../utils/Vm.sol";

/// @notice The fungible test cases of ERC-7943's reference package (ethereum/ERCs assets/erc-7943/test/uRWA20.t.sol),
/// run against our token. Mapping: the reference's whitelist is our registry registration (plus the token's
/// wallet freeze, the registry's sanction flag and, for receivers, the country rules); its canTransact is split
/// into canSend and canReceive; its minter, burner, freezer and force-transfer roles are our AGENT_ROLE; its
/// ERC7943CannotTransact / ERC20 balance errors are our TransferRestricted(code), except the frozen-amount
/// refusal, which keeps ERC-7943's ERC7943InsufficientUnfrozenBalance. user1 = alice, user2 = bob,
/// otherUser = carol, nonWhitelistedUser = stranger.
contract ERC7943Test is StandardsBase {
    uint256 internal constant INITIAL_MINT_AMOUNT = 1000e6;
    uint256 internal constant TRANSFER_AMOUNT = 100e6;
    uint256 internal constant APPROVE_AMOUNT = 50e6;
    uint256 internal constant BURN_AMOUNT = 10e6;
    uint256 internal constant FORCE_TRANSFER_AMOUNT = 20e6;
    uint256 internal constant FREEZE_AMOUNT = 30e6;

    bytes32 internal agentRole;

    function setUp() public override {
        super.setUp();
        agentRole = token.AGENT_ROLE();
        token.mint(alice, INITIAL_MINT_AMOUNT);
    }

    function _restrictedCall(uint8 code) internal {
        vm.expectRevert(_restricted(code));
    }

    function _unfrozenError(address account, uint256 amount, uint256 unfrozen) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(
            IERC7943FungibleEvents.ERC7943InsufficientUnfrozenBalance.selector, account, amount, unfrozen
        );
    }

    // ------------------------------------------------------------------ eligibility (whitelist)

    function test_eligibility_followsRegistration() public {
        assertFalse(token.canSend(stranger), "unregistered cannot send");
        assertFalse(token.canReceive(stranger), "unregistered cannot receive");
        _register(stranger, "stranger", HK, PROFESSIONAL);
        assertTrue(token.canSend(stranger), "registered may send");
        assertTrue(token.canReceive(stranger), "registered may receive");
        registry.removeWallet(stranger);
        assertFalse(token.canSend(stranger), "removed cannot send");
        assertFalse(token.canReceive(stranger), "removed cannot receive");
    }

    function test_eligibility_registeredInvestors() public view {
        assertTrue(token.canSend(alice) && token.canReceive(alice), "alice");
        assertFalse(token.canSend(stranger) || token.canReceive(stranger), "stranger");
        assertFalse(token.canReceive(address(0)), "zero address");
        assertFalse(token.canReceive(address(token)), "the token itself");
    }

    function test_eligibility_countryRulesBindReceiversOnly() public view {
        // CN is blocked and US needs an accredited or institutional investor: receivers only.
        assertTrue(token.canSend(cnInvestor), "a blocked country's investor may still send");
        assertFalse(token.canReceive(cnInvestor), "blocked country");
        assertTrue(token.canSend(dave), "a retail US investor may send");
        assertFalse(token.canReceive(dave), "category required");
        assertTrue(token.canReceive(erin), "accredited US investor");
    }

    function test_eligibility_walletFreezeSanctionAndKycExpiry() public {
        token.setAddressFrozen(alice, true);
        assertFalse(token.canSend(alice) || token.canReceive(alice), "frozen wallet");
        token.setAddressFrozen(alice, false);
        registry.setInvestorFrozen(alice, true);
        assertFalse(token.canSend(alice) || token.canReceive(alice), "sanctioned investor");
        registry.setInvestorFrozen(alice, false);
        assertTrue(token.canSend(alice) && token.canReceive(alice), "restored");
        vm.warp(KYC_EXPIRY);
        assertFalse(token.canSend(alice) || token.canReceive(alice), "KYC expired");
    }

    // ------------------------------------------------------------------ minting

    function test_mint_success() public {
        uint256 mintAmount = 500e6;
        _expectEmit();
        emit IERC20.Transfer(address(0), bob, mintAmount);
        token.mint(bob, mintAmount);
        assertEq(token.balanceOf(bob), mintAmount, "balance");
        assertEq(token.totalSupply(), INITIAL_MINT_AMOUNT + mintAmount, "supply");
    }

    function test_mint_refusedForNonAgent() public {
        vm.prank(alice);
        vm.expectRevert(_unauthorized(alice, agentRole));
        token.mint(bob, TRANSFER_AMOUNT);
    }

    function test_mint_refusedToNonEligibleReceiver() public {
        _restrictedCall(ReasonCodes.RECEIVER_NOT_VERIFIED);
        token.mint(stranger, TRANSFER_AMOUNT);
        _restrictedCall(ReasonCodes.COUNTRY_BLOCKED);
        token.mint(cnInvestor, TRANSFER_AMOUNT);
        _restrictedCall(ReasonCodes.CATEGORY_NOT_ALLOWED);
        token.mint(dave, TRANSFER_AMOUNT);
        token.setAddressFrozen(bob, true);
        _restrictedCall(ReasonCodes.RECEIVER_FROZEN);
        token.mint(bob, TRANSFER_AMOUNT);
        assertEq(token.totalSupply(), INITIAL_MINT_AMOUNT, "nothing minted");
    }

    function test_mint_refusedToZeroAddress() public {
        _restrictedCall(ReasonCodes.INVALID_RECEIVER);
        token.mint(address(0), TRANSFER_AMOUNT);
    }

    // ------------------------------------------------------------------ agent burn

    function test_burn_success() public {
        _expectEmit();
        emit IERC20.Transfer(alice, address(0), BURN_AMOUNT);
        token.burn(alice, BURN_AMOUNT);
        assertEq(token.balanceOf(alice), INITIAL_MINT_AMOUNT - BURN_AMOUNT, "balance");
        assertEq(token.totalSupply(), INITIAL_MINT_AMOUNT - BURN_AMOUNT, "supply");
    }

    function test_burn_refusedForNonAgent() public {
        vm.prank(alice);
        vm.expectRevert(_unauthorized(alice, agentRole));
        token.burn(alice, BURN_AMOUNT);
    }

    function test_burn_refusedBeyondBalance() public {
        _restrictedCall(ReasonCodes.INSUFFICIENT_BALANCE);
        token.burn(alice, INITIAL_MINT_AMOUNT + 1);
    }

    function test_burn_beyondUnfrozenReducesFrozen() public {
        uint256 frozenAmount = 500e6;
        token.setFrozenTokens(alice, frozenAmount);
        uint256 unfrozen = token.balanceOf(alice) - frozenAmount;
        uint256 burnAmount = unfrozen + 100e6;
        uint256 expectedFrozen = frozenAmount - (burnAmount - unfrozen);

        _expectEmit();
        emit ISecurityTokenEvents.TokensUnfrozen(alice, 100e6);
        _expectEmit();
        emit IERC7943FungibleEvents.Frozen(alice, expectedFrozen);
        _expectEmit();
        emit IERC20.Transfer(alice, address(0), burnAmount);
        token.burn(alice, burnAmount);

        assertEq(token.balanceOf(alice), INITIAL_MINT_AMOUNT - burnAmount, "balance");
        assertEq(token.totalSupply(), INITIAL_MINT_AMOUNT - burnAmount, "supply");
        assertEq(token.getFrozenTokens(alice), expectedFrozen, "frozen reduced by the excess");
    }

    function test_burn_withinUnfrozenKeepsFrozen() public {
        uint256 frozenAmount = 500e6;
        token.setFrozenTokens(alice, frozenAmount);
        uint256 burnAmount = token.balanceOf(alice) - frozenAmount - 50e6;
        vm.recordLogs();
        token.burn(alice, burnAmount);
        assertEq(_countLogs(IERC7943FungibleEvents.Frozen.selector), 0, "no Frozen event");
        assertEq(token.getFrozenTokens(alice), frozenAmount, "frozen unchanged");
        assertEq(token.balanceOf(alice), INITIAL_MINT_AMOUNT - burnAmount, "balance");
    }

    function test_burn_ofAFreezeAboveTheBalanceKeepsTheExcess() public {
        token.setFrozenTokens(alice, INITIAL_MINT_AMOUNT + 500e6);
        _expectEmit();
        emit IERC7943FungibleEvents.Frozen(alice, 500e6);
        token.burn(alice, INITIAL_MINT_AMOUNT);
        assertEq(token.getFrozenTokens(alice), 500e6, "unfrozen balance 0: frozen -= amount");
    }

    function test_redeemFrom_refusesFrozenTokensWithTheErc7943Error() public {
        token.setFrozenTokens(alice, INITIAL_MINT_AMOUNT - 40e6);
        vm.expectRevert(_unfrozenError(alice, 50e6, 40e6));
        token.redeemFrom(alice, 50e6);
        token.redeemFrom(alice, 40e6);
        assertEq(token.balanceOf(alice), INITIAL_MINT_AMOUNT - 40e6, "redeemed the unfrozen part");
    }

    // ------------------------------------------------------------------ transfers

    function test_transfer_success() public {
        _expectEmit();
        emit IERC20.Transfer(alice, bob, TRANSFER_AMOUNT);
        vm.prank(alice);
        assertTrue(token.transfer(bob, TRANSFER_AMOUNT), "returns true");
        assertEq(token.balanceOf(alice), INITIAL_MINT_AMOUNT - TRANSFER_AMOUNT, "sender");
        assertEq(token.balanceOf(bob), TRANSFER_AMOUNT, "receiver");
    }

    function test_transfer_refusedFromNonEligibleSender() public {
        registry.removeWallet(alice);
        assertFalse(token.canSend(alice), "canSend");
        _restrictedCall(ReasonCodes.SENDER_NOT_VERIFIED);
        _transfer(alice, bob, TRANSFER_AMOUNT);
    }

    function test_transfer_refusedFromFrozenSanctionedOrExpiredSender() public {
        token.setAddressFrozen(alice, true);
        _restrictedCall(ReasonCodes.SENDER_FROZEN);
        _transfer(alice, bob, TRANSFER_AMOUNT);
        token.setAddressFrozen(alice, false);
        registry.setInvestorFrozen(alice, true);
        _restrictedCall(ReasonCodes.SENDER_SANCTIONED);
        _transfer(alice, bob, TRANSFER_AMOUNT);
        registry.setInvestorFrozen(alice, false);
        registry.updateInvestor(alice, HK, PROFESSIONAL, uint40(T0 - 1));
        _restrictedCall(ReasonCodes.SENDER_KYC_EXPIRED);
        _transfer(alice, bob, TRANSFER_AMOUNT);
    }

    function test_transfer_refusedToNonEligibleReceiver() public {
        assertFalse(token.canReceive(stranger), "canReceive");
        _restrictedCall(ReasonCodes.RECEIVER_NOT_VERIFIED);
        _transfer(alice, stranger, TRANSFER_AMOUNT);
        _restrictedCall(ReasonCodes.COUNTRY_BLOCKED);
        _transfer(alice, cnInvestor, TRANSFER_AMOUNT);
        _restrictedCall(ReasonCodes.CATEGORY_NOT_ALLOWED);
        _transfer(alice, dave, TRANSFER_AMOUNT);
    }

    function test_transfer_refusedBeyondBalance() public {
        _restrictedCall(ReasonCodes.INSUFFICIENT_BALANCE);
        _transfer(alice, bob, INITIAL_MINT_AMOUNT + 1);
    }

    function test_transfer_refusedToZeroAddress() public {
        _restrictedCall(ReasonCodes.INVALID_RECEIVER);
        _transfer(alice, address(0), TRANSFER_AMOUNT);
    }

    // ------------------------------------------------------------------ approve and transferFrom

    function test_approve_success() public {
        _expectEmit();
        emit IERC20.Approval(alice, bob, APPROVE_AMOUNT);
        vm.prank(alice);
        assertTrue(token.approve(bob, APPROVE_AMOUNT), "returns true");
        assertEq(token.allowance(alice, bob), APPROVE_AMOUNT, "allowance");
    }

    function test_approve_refusesTheZeroSpender() public {
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IERC20Errors.ERC20InvalidSpender.selector, address(0)));
        token.approve(address(0), APPROVE_AMOUNT);
    }

    function _approve(address owner, address spender, uint256 amount) internal {
        vm.prank(owner);
        token.approve(spender, amount);
    }

    function _transferFrom(address spender, address from, address to, uint256 amount) internal {
        vm.prank(spender);
        token.transferFrom(from, to, amount);
    }

    function test_transferFrom_success() public {
        _approve(alice, bob, APPROVE_AMOUNT);
        _expectEmit();
        emit IERC20.Transfer(alice, carol, APPROVE_AMOUNT);
        vm.prank(bob);
        assertTrue(token.transferFrom(alice, carol, APPROVE_AMOUNT), "returns true");
        assertEq(token.balanceOf(alice), INITIAL_MINT_AMOUNT - APPROVE_AMOUNT, "sender");
        assertEq(token.balanceOf(carol), APPROVE_AMOUNT, "receiver");
        assertEq(token.allowance(alice, bob), 0, "allowance spent");
    }

    function test_transferFrom_refusedFromNonEligibleSender() public {
        _approve(alice, bob, APPROVE_AMOUNT);
        registry.removeWallet(alice);
        _restrictedCall(ReasonCodes.SENDER_NOT_VERIFIED);
        _transferFrom(bob, alice, bob, APPROVE_AMOUNT);
    }

    function test_transferFrom_refusedToNonEligibleReceiver() public {
        _approve(alice, bob, APPROVE_AMOUNT);
        _restrictedCall(ReasonCodes.RECEIVER_NOT_VERIFIED);
        _transferFrom(bob, alice, stranger, APPROVE_AMOUNT);
    }

    /// The reference lets a non-whitelisted spender move tokens between eligible parties; so does our token (a
    /// spender is refused only when frozen on the token or sanctioned in the registry).
    function test_transferFrom_unregisteredSpenderBetweenEligibleParties() public {
        _approve(alice, stranger, APPROVE_AMOUNT);
        vm.prank(stranger);
        assertTrue(token.transferFrom(alice, carol, APPROVE_AMOUNT), "unregistered spender");
        assertEq(token.balanceOf(alice), INITIAL_MINT_AMOUNT - APPROVE_AMOUNT, "sender");
        assertEq(token.balanceOf(carol), APPROVE_AMOUNT, "receiver");

        _approve(alice, stranger, APPROVE_AMOUNT);
        _restrictedCall(ReasonCodes.RECEIVER_NOT_VERIFIED);
        _transferFrom(stranger, alice, stranger, APPROVE_AMOUNT);
    }

    function test_transferFrom_refusedForFrozenSpender() public {
        _approve(alice, bob, APPROVE_AMOUNT);
        token.setAddressFrozen(bob, true);
        (uint8 code,) = token.checkTransferFrom(bob, alice, carol, APPROVE_AMOUNT);
        assertEq(code, ReasonCodes.SPENDER_NOT_ALLOWED, "checkTransferFrom");
        _restrictedCall(ReasonCodes.SPENDER_NOT_ALLOWED);
        _transferFrom(bob, alice, carol, APPROVE_AMOUNT);
        token.setAddressFrozen(bob, false);
        _transferFrom(bob, alice, carol, APPROVE_AMOUNT);
        assertEq(token.balanceOf(carol), APPROVE_AMOUNT, "moved once unfrozen");
    }

    function test_transferFrom_refusedForSanctionedSpender() public {
        _approve(alice, bob, APPROVE_AMOUNT);
        registry.setInvestorFrozen(bob, true);
        _restrictedCall(ReasonCodes.SPENDER_NOT_ALLOWED);
        _transferFrom(bob, alice, carol, APPROVE_AMOUNT);
        assertEq(token.allowance(alice, bob), APPROVE_AMOUNT, "allowance untouched");
    }

    function test_transferFrom_refusedBeyondAllowance() public {
        _approve(alice, bob, APPROVE_AMOUNT - 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IERC20Errors.ERC20InsufficientAllowance.selector, bob, APPROVE_AMOUNT - 1, APPROVE_AMOUNT
            )
        );
        _transferFrom(bob, alice, carol, APPROVE_AMOUNT);
    }

    function test_transferFrom_refusedBeyondBalance() public {
        _approve(alice, bob, INITIAL_MINT_AMOUNT + 1);
        _restrictedCall(ReasonCodes.INSUFFICIENT_BALANCE);
        _transferFrom(bob, alice, carol, INITIAL_MINT_AMOUNT + 1);
    }

    function test_transferFrom_refusedToZeroAddress() public {
        _approve(alice, bob, APPROVE_AMOUNT);
        _restrictedCall(ReasonCodes.INVALID_RECEIVER);
        _transferFrom(bob, alice, address(0), APPROVE_AMOUNT);
    }

    // ------------------------------------------------------------------ forced transfers

    function test_forcedTransfer_success() public {
        _expectEmit();
        emit IERC20.Transfer(alice, bob, FORCE_TRANSFER_AMOUNT);
        _expectEmit();
        emit IERC7943FungibleEvents.ForcedTransfer(alice, bob, FORCE_TRANSFER_AMOUNT);
        assertTrue(token.forcedTransfer(alice, bob, FORCE_TRANSFER_AMOUNT), "returns true");
        assertEq(token.balanceOf(alice), INITIAL_MINT_AMOUNT - FORCE_TRANSFER_AMOUNT, "sender");
        assertEq(token.balanceOf(bob), FORCE_TRANSFER_AMOUNT, "receiver");
    }

    function test_forcedTransfer_fromNonEligibleSender() public {
        token.setAddressFrozen(alice, true);
        registry.setInvestorFrozen(alice, true);
        assertFalse(token.canSend(alice), "canSend");
        _expectEmit();
        emit IERC20.Transfer(alice, bob, FORCE_TRANSFER_AMOUNT);
        _expectEmit();
        emit IERC7943FungibleEvents.ForcedTransfer(alice, bob, FORCE_TRANSFER_AMOUNT);
        token.forcedTransfer(alice, bob, FORCE_TRANSFER_AMOUNT);
        assertEq(token.balanceOf(bob), FORCE_TRANSFER_AMOUNT, "sender-side rules bypassed");
    }

    function test_forcedTransfer_refusedToNonEligibleReceiver() public {
        assertFalse(token.canReceive(stranger), "canReceive");
        _restrictedCall(ReasonCodes.RECEIVER_NOT_VERIFIED);
        token.forcedTransfer(alice, stranger, FORCE_TRANSFER_AMOUNT);
        registry.setInvestorFrozen(bob, true);
        _restrictedCall(ReasonCodes.RECEIVER_SANCTIONED);
        token.forcedTransfer(alice, bob, FORCE_TRANSFER_AMOUNT);
    }

    function test_forcedTransfer_refusedForNonAgent() public {
        vm.prank(alice);
        vm.expectRevert(_unauthorized(alice, agentRole));
        token.forcedTransfer(alice, bob, FORCE_TRANSFER_AMOUNT);
    }

    function test_forcedTransfer_refusedBeyondBalance() public {
        _restrictedCall(ReasonCodes.INSUFFICIENT_BALANCE);
        token.forcedTransfer(alice, bob, INITIAL_MINT_AMOUNT + 1);
    }

    function test_forcedTransfer_refusedToZeroAddress() public {
        _restrictedCall(ReasonCodes.INVALID_RECEIVER);
        token.forcedTransfer(alice, address(0), FORCE_TRANSFER_AMOUNT);
    }

    function test_forcedTransfer_beyondUnfrozenReducesFrozen() public {
        uint256 frozenAmount = 500e6;
        token.setFrozenTokens(alice, frozenAmount);
        uint256 unfrozen = token.balanceOf(alice) - frozenAmount;
        uint256 amount = unfrozen + 100e6;
        uint256 expectedFrozen = frozenAmount - (amount - unfrozen);

        _expectEmit();
        emit IERC7943FungibleEvents.Frozen(alice, expectedFrozen);
        _expectEmit();
        emit IERC20.Transfer(alice, bob, amount);
        _expectEmit();
        emit IERC7943FungibleEvents.ForcedTransfer(alice, bob, amount);
        token.forcedTransfer(alice, bob, amount);

        assertEq(token.balanceOf(alice), INITIAL_MINT_AMOUNT - amount, "sender");
        assertEq(token.balanceOf(bob), amount, "receiver");
        assertEq(token.getFrozenTokens(alice), expectedFrozen, "frozen -= amount - unfrozen");
    }

    /// The exact log sequence of a forced transfer that takes frozen tokens: ERC-3643's delta, ERC-7943's total,
    /// the ERC-20 transfer, then ERC-7943's ForcedTransfer, and nothing else.
    function test_forcedTransfer_exactEventSequence() public {
        token.setFrozenTokens(alice, 500e6);
        vm.recordLogs();
        token.forcedTransfer(alice, bob, 600e6);
        bytes32[4] memory expected = [
            ISecurityTokenEvents.TokensUnfrozen.selector,
            IERC7943FungibleEvents.Frozen.selector,
            IERC20.Transfer.selector,
            IERC7943FungibleEvents.ForcedTransfer.selector
        ];
        _assertLogSequence(expected);
    }

    function _assertLogSequence(bytes32[4] memory expected) internal {
        RecordedLog[] memory logs = vm.getRecordedLogs();
        assertEq(logs.length, 4, "four events");
        for (uint256 i; i < 4; ++i) {
            assertEqB32(logs[i].topics[0], expected[i], "event order");
            assertEqAddr(logs[i].emitter, address(token), "emitted by the token");
        }
    }

    function test_forcedTransfer_withinUnfrozenKeepsFrozen() public {
        uint256 frozenAmount = 500e6;
        token.setFrozenTokens(alice, frozenAmount);
        uint256 amount = token.balanceOf(alice) - frozenAmount - 50e6;
        _forcedWithoutFrozenEvent(amount);
        assertEq(token.getFrozenTokens(alice), frozenAmount, "frozen unchanged");
    }

    function test_forcedTransfer_exactlyTheUnfrozenAmountKeepsFrozen() public {
        uint256 frozenAmount = 500e6;
        token.setFrozenTokens(alice, frozenAmount);
        _forcedWithoutFrozenEvent(token.balanceOf(alice) - frozenAmount);
        assertEq(token.getFrozenTokens(alice), frozenAmount, "frozen unchanged");
        assertEq(token.balanceOf(alice), frozenAmount, "only the frozen part is left");
    }

    function _forcedWithoutFrozenEvent(uint256 amount) internal {
        uint256 before = token.balanceOf(alice);
        vm.recordLogs();
        token.forcedTransfer(alice, bob, amount);
        assertEq(_countLogs(IERC7943FungibleEvents.Frozen.selector), 0, "no Frozen event");
        assertEq(token.balanceOf(alice), before - amount, "sender");
        assertEq(token.balanceOf(bob), amount, "receiver");
    }

    function test_forcedTransfer_allTokensFrozenThenForcedAll() public {
        token.setFrozenTokens(alice, INITIAL_MINT_AMOUNT);
        _expectEmit();
        emit IERC7943FungibleEvents.Frozen(alice, 0);
        _expectEmit();
        emit IERC20.Transfer(alice, bob, INITIAL_MINT_AMOUNT);
        _expectEmit();
        emit IERC7943FungibleEvents.ForcedTransfer(alice, bob, INITIAL_MINT_AMOUNT);
        token.forcedTransfer(alice, bob, INITIAL_MINT_AMOUNT);
        assertEq(token.balanceOf(alice), 0, "emptied");
        assertEq(token.getFrozenTokens(alice), 0, "nothing frozen left");
    }

    function test_forcedTransfer_ofAFreezeAboveTheBalanceKeepsTheExcess() public {
        token.setFrozenTokens(alice, INITIAL_MINT_AMOUNT + 300e6);
        _expectEmit();
        emit IERC7943FungibleEvents.Frozen(alice, 300e6);
        token.forcedTransfer(alice, bob, INITIAL_MINT_AMOUNT);
        assertEq(token.getFrozenTokens(alice), 300e6, "unfrozen balance 0: frozen -= amount");
        token.mint(alice, 400e6);
        assertTrue(!token.canTransfer(alice, bob, 100e6 + 1) && token.canTransfer(alice, bob, 100e6), "300 of 400 frozen");
    }

    function test_forcedTransfer_exactBalanceWithoutFreeze() public {
        _expectEmit();
        emit IERC20.Transfer(alice, bob, INITIAL_MINT_AMOUNT);
        _expectEmit();
        emit IERC7943FungibleEvents.ForcedTransfer(alice, bob, INITIAL_MINT_AMOUNT);
        token.forcedTransfer(alice, bob, INITIAL_MINT_AMOUNT);
        assertEq(token.balanceOf(alice), 0, "emptied");
        assertEq(token.getFrozenTokens(alice), 0, "nothing frozen");
    }

    function test_forcedTransfer_thenBurnTheRestClearsFrozen() public {
        uint256 frozenAmount = INITIAL_MINT_AMOUNT / 2;
        token.setFrozenTokens(alice, frozenAmount);
        token.forcedTransfer(alice, bob, token.balanceOf(alice) - frozenAmount + 100e6);
        assertEq(token.getFrozenTokens(alice), frozenAmount - 100e6, "after the forced transfer");
        token.burn(alice, token.balanceOf(alice));
        assertEq(token.balanceOf(alice), 0, "burnt");
        assertEq(token.getFrozenTokens(alice), 0, "frozen cleared");
    }

    // ------------------------------------------------------------------ setFrozenTokens / getFrozenTokens

    function test_setFrozenTokens_freezeEmitsDeltaAndTotal() public {
        _expectEmit();
        emit ISecurityTokenEvents.TokensFrozen(alice, FREEZE_AMOUNT);
        _expectEmit();
        emit IERC7943FungibleEvents.Frozen(alice, FREEZE_AMOUNT);
        assertTrue(token.setFrozenTokens(alice, FREEZE_AMOUNT), "returns true");
        assertEq(token.getFrozenTokens(alice), FREEZE_AMOUNT, "frozen");
    }

    function test_setFrozenTokens_overwritesAndEmitsTheNewTotal() public {
        token.setFrozenTokens(alice, FREEZE_AMOUNT);
        _expectEmit();
        emit ISecurityTokenEvents.TokensFrozen(alice, FREEZE_AMOUNT);
        _expectEmit();
        emit IERC7943FungibleEvents.Frozen(alice, FREEZE_AMOUNT * 2);
        token.setFrozenTokens(alice, FREEZE_AMOUNT * 2);
        assertEq(token.getFrozenTokens(alice), FREEZE_AMOUNT * 2, "overwritten, not added");
    }

    function test_setFrozenTokens_unfreezeEmitsDeltaAndZero() public {
        token.setFrozenTokens(alice, FREEZE_AMOUNT);
        _expectEmit();
        emit ISecurityTokenEvents.TokensUnfrozen(alice, FREEZE_AMOUNT);
        _expectEmit();
        emit IERC7943FungibleEvents.Frozen(alice, 0);
        token.setFrozenTokens(alice, 0);
        assertEq(token.getFrozenTokens(alice), 0, "unfrozen");
    }

    function test_setFrozenTokens_refusedForNonAgent() public {
        vm.prank(bob);
        vm.expectRevert(_unauthorized(bob, agentRole));
        token.setFrozenTokens(alice, FREEZE_AMOUNT);
        vm.prank(bob);
        vm.expectRevert(_unauthorized(bob, agentRole));
        token.setFrozenTokens(alice, 0);
        token.grantRole(agentRole, bob);
        vm.prank(bob);
        token.setFrozenTokens(alice, FREEZE_AMOUNT);
        assertEq(token.getFrozenTokens(alice), FREEZE_AMOUNT, "an agent may");
    }

    function test_getFrozenTokens_tracksEveryChange() public {
        assertEq(token.getFrozenTokens(alice), 0, "initially 0");
        token.setFrozenTokens(alice, FREEZE_AMOUNT);
        assertEq(token.getFrozenTokens(alice), FREEZE_AMOUNT, "after freeze");
        token.setFrozenTokens(alice, FREEZE_AMOUNT / 2);
        assertEq(token.getFrozenTokens(alice), FREEZE_AMOUNT / 2, "after partial unfreeze");
        token.setFrozenTokens(alice, 0);
        assertEq(token.getFrozenTokens(alice), 0, "after full unfreeze");
    }

    function test_setFrozenTokens_aboveTheBalance() public {
        uint256 frozen = INITIAL_MINT_AMOUNT * 5;
        token.setFrozenTokens(alice, frozen);
        assertEq(token.getFrozenTokens(alice), frozen, "more than the balance");
        assertFalse(token.canTransfer(alice, bob, 1), "nothing unfrozen");
        vm.expectRevert(_unfrozenError(alice, 1, 0));
        _transfer(alice, bob, 1);
        // Tokens arriving later stay frozen up to the amount.
        token.mint(alice, INITIAL_MINT_AMOUNT * 4 + 7);
        assertFalse(token.canTransfer(alice, bob, 8), "7 unfrozen");
        assertTrue(token.canTransfer(alice, bob, 7), "7 unfrozen");
        // A freeze of an empty wallet is allowed too.
        token.setFrozenTokens(stranger, 1);
        assertEq(token.getFrozenTokens(stranger), 1, "empty wallet");
    }

    function test_setFrozenTokens_upTo96Bits() public {
        uint256 max = (uint256(1) << 96) - 1;
        token.setFrozenTokens(alice, max);
        assertEq(token.getFrozenTokens(alice), max, "2^96 - 1");
        vm.expectRevert(abi.encodeWithSelector(ISecurityTokenEvents.FrozenAmountTooLarge.selector, max + 1));
        token.setFrozenTokens(alice, max + 1);
        assertEq(token.getFrozenTokens(alice), max, "unchanged");
    }

    // ------------------------------------------------------------------ operations on frozen tokens

    function test_transfer_refusedWhenTheWholeBalanceIsFrozen() public {
        token.setFrozenTokens(alice, INITIAL_MINT_AMOUNT);
        vm.expectRevert(_unfrozenError(alice, TRANSFER_AMOUNT, 0));
        _transfer(alice, bob, TRANSFER_AMOUNT);
    }

    function test_transfer_refusedBeyondTheUnfrozenBalance() public {
        uint256 toLeave = TRANSFER_AMOUNT / 2;
        token.setFrozenTokens(alice, INITIAL_MINT_AMOUNT - toLeave);
        uint256 available = token.balanceOf(alice) - token.getFrozenTokens(alice);
        assertEq(available, toLeave, "available");
        vm.expectRevert(_unfrozenError(alice, TRANSFER_AMOUNT, available));
        _transfer(alice, bob, TRANSFER_AMOUNT);
    }

    function test_transfer_beyondTheBalanceIsAnInsufficientBalanceNotAFreeze() public {
        token.setFrozenTokens(alice, FREEZE_AMOUNT);
        _restrictedCall(ReasonCodes.INSUFFICIENT_BALANCE);
        _transfer(alice, bob, INITIAL_MINT_AMOUNT + 1);
    }

    function test_transfer_withinTheUnfrozenBalance() public {
        token.setFrozenTokens(alice, FREEZE_AMOUNT);
        uint256 amount = INITIAL_MINT_AMOUNT - FREEZE_AMOUNT;
        _expectEmit();
        emit IERC20.Transfer(alice, bob, amount);
        vm.prank(alice);
        assertTrue(token.transfer(bob, amount), "returns true");
        assertEq(token.balanceOf(alice), FREEZE_AMOUNT, "sender");
        assertEq(token.balanceOf(bob), amount, "receiver");
        assertEq(token.getFrozenTokens(alice), FREEZE_AMOUNT, "frozen unchanged by a transfer");
    }

    function test_transferFrom_refusedBeyondTheUnfrozenBalance() public {
        _approve(alice, bob, APPROVE_AMOUNT);
        token.setFrozenTokens(alice, INITIAL_MINT_AMOUNT - APPROVE_AMOUNT / 2);
        uint256 available = token.balanceOf(alice) - token.getFrozenTokens(alice);
        assertTrue(available < APPROVE_AMOUNT, "less available than approved");
        vm.expectRevert(_unfrozenError(alice, APPROVE_AMOUNT, available));
        _transferFrom(bob, alice, carol, APPROVE_AMOUNT);
    }

    // ------------------------------------------------------------------ canTransfer

    function test_canTransfer_success() public view {
        assertTrue(token.canTransfer(alice, bob, TRANSFER_AMOUNT), "allowed");
    }

    function test_canTransfer_falseBeyondBalance() public view {
        assertFalse(token.canTransfer(alice, bob, INITIAL_MINT_AMOUNT + 1), "beyond balance");
    }

    function test_canTransfer_falseFromNonEligibleSender() public {
        registry.removeWallet(alice);
        assertFalse(token.canTransfer(alice, bob, TRANSFER_AMOUNT), "sender unregistered");
    }

    function test_canTransfer_falseToNonEligibleReceiver() public view {
        assertFalse(token.canTransfer(alice, stranger, TRANSFER_AMOUNT), "receiver unregistered");
        assertFalse(token.canTransfer(alice, cnInvestor, TRANSFER_AMOUNT), "receiver's country blocked");
    }

    function test_canTransfer_falseToZeroAddress() public view {
        assertFalse(token.canTransfer(alice, address(0), TRANSFER_AMOUNT), "zero address");
    }

    function test_canTransfer_honoursTheFrozenAmount() public {
        token.setFrozenTokens(alice, 300e6);
        uint256 unfrozen = INITIAL_MINT_AMOUNT - 300e6;
        assertTrue(token.canTransfer(alice, bob, unfrozen), "amount == balance - frozen");
        assertFalse(token.canTransfer(alice, bob, unfrozen + 1), "amount > balance - frozen");
        token.setFrozenTokens(alice, INITIAL_MINT_AMOUNT + 1);
        assertFalse(token.canTransfer(alice, bob, 1), "frozen above balance");
    }

    function test_canTransfer_falseWhilePausedThoughCanSendHolds() public {
        token.pause();
        assertTrue(token.canSend(alice) && token.canReceive(bob), "accounts still eligible");
        assertFalse(token.canTransfer(alice, bob, 1), "paused");
    }

    // ------------------------------------------------------------------ ERC-165

    function test_interface_erc7943Id() public view {
        assertTrue(type(IERC7943Fungible).interfaceId == bytes4(0x3edbb4c4), "IERC7943Fungible id");
        assertTrue(token.supportsInterface(0x3edbb4c4), "supports ERC-7943");
    }

    function test_interface_erc20Erc165AccessControl() public view {
        assertTrue(token.supportsInterface(type(IERC20).interfaceId), "ERC-20");
        assertTrue(token.supportsInterface(type(IERC165).interfaceId), "ERC-165");
        assertTrue(token.supportsInterface(type(IAccessControl).interfaceId), "AccessControl");
    }

    function test_interface_notARandomId() public view {
        assertFalse(token.supportsInterface(0xdeadbeef), "0xdeadbeef");
    }

    // ------------------------------------------------------------------ access control

    function test_accessControl_grantAndRevokeTheAgentRole() public {
        assertFalse(token.hasRole(agentRole, alice), "not yet");
        token.grantRole(agentRole, alice);
        assertTrue(token.hasRole(agentRole, alice), "granted");
        token.revokeRole(agentRole, alice);
        assertFalse(token.hasRole(agentRole, alice), "revoked");
    }

    function test_accessControl_grantRefusedForNonAdmin() public {
        vm.prank(alice);
        vm.expectRevert(_unauthorized(alice, bytes32(0)));
        token.grantRole(agentRole, bob);
    }
}
