// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {TokenFixture} from "../TokenFixture.t.sol";
import {Shipped} from "../utils/Shipped.sol";
import {Distributor} from "../../../contracts/cashflow/Distributor.sol";
import {Redemption} from "../../../contracts/cashflow/Redemption.sol";
import {Entitlements} from "../../../contracts/cashflow/Entitlements.sol";
import {IInvestorRegistry} from "../../../contracts/interfaces/IInvestorRegistry.sol";
import {IERC1643} from "../../../contracts/interfaces/IERC1643.sol";
import {IERC7943FungibleEvents} from "../../../contracts/interfaces/IERC7943.sol";
import {ReasonCodes} from "../../../contracts/compliance/ReasonCodes.sol";
import {MockComplianceHook} from "../../../contracts/mocks/MockComplianceHook.sol";
import {InvestorRecord} from "../../../contracts/identity/InvestorRecord.sol";

/// @notice A payment token with a blocklist (as regulated stablecoins have): transfers to a blocked wallet fail.
contract BlocklistCoin is ERC20 {
    mapping(address account => bool) public blocked;

    constructor() ERC20("Blocklist USD", "BUSD") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function setBlocked(address account, bool value) external {
        blocked[account] = value;
    }

    function _update(address from, address to, uint256 value) internal override {
        require(!blocked[to], "blocked");
        super._update(from, to, value);
    }
}

/// @notice A registry that, unlike ours, gives two plain (unlinked) wallets the same investor key: the token
/// must still treat a move between them as a move within one investor.
contract DuplicateKeyRegistry {
    mapping(address wallet => uint256 record) public record;

    function set(address wallet, uint256 value) external {
        record[wallet] = value;
    }

    function recordPair(address a, address b) external view returns (uint256, uint256) {
        return (record[a], record[b]);
    }

    function reasonMessage(uint8) external pure returns (string memory) {
        return "";
    }
}

/// @notice Where a security's life crosses contracts: redemption against freezes, lockups, pause, halt and the
/// compliance hook; entitlements after a recovery or a permanent ineligibility; one investor id, one investor;
/// the lost wallet retired by recovery; the filing document under separation of duties. Every test runs the real
/// ISecurityToken (shipped bytecode) with the real Distributor and Redemption.
contract LifecycleIntegrityTest is TokenFixture {
    address internal constant TREASURY = address(0x7E);
    address internal constant TAX = address(0x7A);
    address internal constant PAYING_AGENT = address(0xA6);
    address internal aliceNew = address(0xA11CE2);

    BlocklistCoin internal usd;
    Distributor internal distributor;
    Redemption internal redemption;

    function setUp() public override {
        super.setUp();
        usd = new BlocklistCoin();
        distributor = Distributor(Clones.clone(Shipped.deploy("Distributor", abi.encode(address(0)))));
        distributor.initialize(address(this), PAYING_AGENT, TREASURY, TAX);
        distributor.allowPaymentToken(address(usd), bytes8("USD"), false);
        distributor.setExcludedWallets(address(token), new address[](0));
        token.grantRole(token.SNAPSHOT_ROLE(), address(distributor));

        redemption = Redemption(Clones.clone(Shipped.deploy("Redemption")));
        // Face value 1 USD unit per whole token (6 decimals): principal = tokens.
        redemption.initialize(
            address(this), address(this), address(token), address(usd), address(distributor), TREASURY, 1e6, 0
        );
        token.grantRole(token.AGENT_ROLE(), address(redemption));
        usd.mint(address(this), 1e18);
        usd.approve(address(redemption), type(uint256).max);
        redemption.fundPrincipal(1e12);
        usd.mint(PAYING_AGENT, 1e18);
        vm.prank(PAYING_AGENT);
        usd.approve(address(distributor), type(uint256).max);

        token.mint(alice, 1000e6);
        token.mint(bob, 1000e6);
    }

    function _distribute(uint256 amount) internal returns (uint256 id) {
        vm.prank(PAYING_AGENT);
        id = distributor.createDistribution(address(token), address(usd), amount, uint64(block.timestamp + 30 days), 0);
    }

    function _redeemAs(address holder, uint256 amount) internal {
        vm.prank(holder);
        redemption.redeem(amount);
    }

    // ------------------------------------------------------------------ 1. redemption runs the sender-side rules

    function test_holder_cannot_redeem_a_court_ordered_partial_freeze() public {
        token.freezePartialTokens(alice, 600e6);
        // The frozen-amount refusal (code TOKENS_FROZEN) is ERC-7943's error: 500 asked, 400 unfrozen.
        vm.expectRevert(
            abi.encodeWithSelector(IERC7943FungibleEvents.ERC7943InsufficientUnfrozenBalance.selector, alice, 500e6, 400e6)
        );
        _redeemAs(alice, 500e6);
        _redeemAs(alice, 400e6);
        assertEq(token.balanceOf(alice), 600e6, "the frozen part is left");
        assertEq(token.getFrozenTokens(alice), 600e6, "the freeze is intact");
        assertEq(usd.balanceOf(alice), 400e6, "paid for the free part only");
    }

    function test_holder_cannot_redeem_locked_tokens() public {
        token.setInvestorLockup(alice, uint40(block.timestamp + 10 days));
        vm.expectRevert(_restricted(ReasonCodes.TOKENS_LOCKED));
        _redeemAs(alice, 1e6);
        vm.warp(block.timestamp + 11 days);
        _redeemAs(alice, 1e6);
        assertEq(token.balanceOf(alice), 999e6, "redeemed once unlocked");
    }

    function test_holder_cannot_redeem_a_locked_minted_lot() public {
        token.setDefaultLockup(40 days);
        token.mint(carol, 100e6);
        vm.expectRevert(_restricted(ReasonCodes.TOKENS_LOCKED));
        _redeemAs(carol, 100e6);
    }

    function test_holder_cannot_redeem_while_paused_or_halted() public {
        token.pause();
        vm.expectRevert(_restricted(ReasonCodes.TOKEN_PAUSED));
        _redeemAs(alice, 1e6);
        token.unpause();
        token.setTradingHalt(true);
        vm.expectRevert(_restricted(ReasonCodes.TRADING_HALTED));
        _redeemAs(alice, 1e6);
    }

    function test_holder_cannot_redeem_what_the_compliance_hook_holds_back() public {
        MockComplianceHook hook = new MockComplianceHook();
        hook.setRefusalCode(ReasonCodes.COLLATERAL_LOCKED);
        token.setComplianceHook(address(hook));
        hook.setHeld(alice, 700e6);
        vm.expectRevert(_restricted(ReasonCodes.COLLATERAL_LOCKED));
        _redeemAs(alice, 400e6);
        _redeemAs(alice, 300e6);
        assertEq(token.balanceOf(alice), 700e6, "the pledged part is still there");
    }

    function test_frozen_or_sanctioned_wallet_cannot_redeem() public {
        token.setAddressFrozen(alice, true);
        vm.expectRevert(_restricted(ReasonCodes.SENDER_FROZEN));
        _redeemAs(alice, 1e6);
        registry.setInvestorFrozen(bob, true);
        vm.expectRevert(_restricted(ReasonCodes.SENDER_SANCTIONED));
        _redeemAs(bob, 1e6);
    }

    function test_redemption_ignores_the_minimum_holding_rule() public {
        token.setLimits(0, 100e6, 0);
        _redeemAs(alice, 950e6);
        assertEq(token.balanceOf(alice), 50e6, "a partial redemption may go below the minimum holding");
    }

    function test_maturity_batch_keeps_frozen_and_pledged_parts_with_the_holder_and_ends_lockups() public {
        MockComplianceHook hook = new MockComplianceHook();
        hook.setRefusalCode(ReasonCodes.COLLATERAL_LOCKED);
        token.setComplianceHook(address(hook));
        token.freezePartialTokens(alice, 300e6);
        hook.setHeld(bob, 400e6);
        token.mint(carol, 50e6);
        token.setInvestorLockup(carol, uint40(block.timestamp + 10 days));
        address[] memory holders = new address[](3);
        holders[0] = alice;
        holders[1] = bob;
        holders[2] = carol;
        uint256 paid = redemption.redeemBatch(holders);
        assertEq(paid, 700e6 + 600e6 + 50e6, "free parts redeemed, lockup ended by maturity");
        assertEq(token.balanceOf(alice), 300e6, "frozen part kept");
        assertEq(token.getFrozenTokens(alice), 300e6, "freeze intact");
        assertEq(token.balanceOf(bob), 400e6, "pledged part kept");
        assertEq(hook.heldBalanceOf(address(token), bob), 400e6, "pledge still fully backed");
        assertEq(token.balanceOf(carol), 0, "locked holder repaid at maturity");
        // Once released, the same batch redeems the rest.
        token.unfreezePartialTokens(alice, 300e6);
        hook.setHeld(bob, 0);
        redemption.redeemBatch(holders);
        assertEq(token.totalSupply(), 0, "everything redeemed in the end");
    }

    function test_maturity_batch_skips_a_sanctioned_holder_and_pays_the_others() public {
        registry.setInvestorFrozen(alice, true);
        address[] memory holders = new address[](2);
        holders[0] = alice;
        holders[1] = bob;
        uint256 paid = redemption.redeemBatch(holders);
        assertEq(paid, 1000e6, "bob paid");
        assertEq(token.balanceOf(alice), 1000e6, "alice untouched");
    }

    function test_maturity_batch_skips_a_wallet_frozen_whole() public {
        token.setAddressFrozen(alice, true);
        address[] memory holders = new address[](1);
        holders[0] = alice;
        assertEq(redemption.redeemBatch(holders), 0, "nothing redeemed");
        assertEq(token.balanceOf(alice), 1000e6, "kept");
    }

    function test_maturity_batch_redeems_nothing_when_the_hook_cannot_say_what_it_holds_back() public {
        MockComplianceHook hook = new MockComplianceHook();
        token.setComplianceHook(address(hook));
        hook.setShouldRevert(true);
        address[] memory holders = new address[](1);
        holders[0] = alice;
        assertEq(redemption.redeemBatch(holders), 0, "nothing redeemed");
        assertEq(token.balanceOf(alice), 1000e6, "kept");
    }

    function test_maturity_batch_skips_a_holder_whose_free_part_is_worth_no_principal() public {
        token.freezePartialTokens(alice, 1000e6 - 1); // one base unit left free: worth 0 at a face value of 1 unit
        address[] memory holders = new address[](1);
        holders[0] = alice;
        Redemption tiny = Redemption(Clones.clone(Shipped.deploy("Redemption")));
        tiny.initialize(address(this), address(this), address(token), address(usd), address(distributor), TREASURY, 1, 0);
        token.grantRole(token.AGENT_ROLE(), address(tiny));
        usd.approve(address(tiny), type(uint256).max);
        tiny.fundPrincipal(1e6);
        assertEq(tiny.redeemBatch(holders), 0, "nothing worth redeeming");
        assertEq(token.balanceOf(alice), 1000e6, "nothing burned");
    }

    function test_two_plain_wallets_with_one_key_move_as_one_investor_on_a_foreign_registry() public {
        DuplicateKeyRegistry other = new DuplicateKeyRegistry();
        uint256 rec = uint256(uint128(uint256(_id("alice")))) | (uint256(HK) << InvestorRecord.COUNTRY_SHIFT)
            | (uint256(PROFESSIONAL) << InvestorRecord.CATEGORIES_SHIFT)
            | (uint256(KYC_EXPIRY) << InvestorRecord.KYC_EXPIRY_SHIFT) | InvestorRecord.REGISTERED_BIT;
        other.set(alice, rec);
        other.set(aliceNew, rec);
        token.setIdentityRegistry(address(other));
        token.setLimits(0, 0, 999e6); // another investor could not take 1,000; a move within alice's holding can
        uint256 investors = token.investorCount();
        _transfer(alice, aliceNew, 1000e6);
        assertEq(token.balanceOf(aliceNew), 1000e6, "moved within the investor");
        assertEq(token.investorCount(), investors, "still the same investors");
    }

    // ------------------------------------------------------------------ 2. entitlements follow the investor

    function _recoverAlice() internal {
        registry.addWallet(alice, aliceNew);
        token.recoveryAddress(alice, aliceNew, address(0));
    }

    function test_recovered_investor_claims_a_distribution_to_the_new_wallet() public {
        uint256 id = _distribute(2000e6);
        _recoverAlice();
        (uint256 gross,,,,) = distributor.claimable(id, aliceNew);
        assertEq(gross, 0, "the new wallet held nothing at the record date");
        vm.prank(PAYING_AGENT);
        distributor.claimTo(id, alice, aliceNew);
        assertEq(usd.balanceOf(aliceNew), 1000e6, "alice's share reached her new wallet");
        assertTrue(distributor.isPaid(id, alice), "booked against the lost wallet");
        vm.prank(PAYING_AGENT);
        vm.expectRevert(abi.encodeWithSelector(Distributor.AlreadyPaidOrExcluded.selector, id, alice));
        distributor.claimTo(id, alice, aliceNew);
    }

    function test_escrow_of_a_lost_wallet_is_released_to_the_new_wallet() public {
        uint256 id = _distribute(2000e6);
        token.setAddressFrozen(alice, true);
        address[] memory holders = new address[](1);
        holders[0] = alice;
        vm.prank(PAYING_AGENT);
        distributor.pushBatch(id, holders);
        assertEq(distributor.withheldOf(id, alice), 1000e6, "escrowed while frozen");
        _recoverAlice();
        // The recovered wallet inherits the freeze; the agent lifts it once the investor is cleared.
        token.setAddressFrozen(aliceNew, false);
        vm.prank(PAYING_AGENT);
        distributor.releaseWithheldTo(id, alice, aliceNew);
        assertEq(usd.balanceOf(aliceNew), 1000e6, "escrow reached the new wallet");
        assertEq(distributor.withheldOf(id, alice), 0, "nothing left in escrow");
    }

    function test_holder_blocked_by_the_payment_token_is_paid_to_another_own_wallet() public {
        uint256 id = _distribute(2000e6);
        usd.setBlocked(alice, true);
        registry.addWallet(alice, aliceNew);
        vm.prank(alice);
        distributor.claimTo(id, alice, aliceNew);
        assertEq(usd.balanceOf(aliceNew), 1000e6, "paid to the wallet the stablecoin accepts");
    }

    function test_entitlement_cannot_be_redirected_to_another_investor() public {
        uint256 id = _distribute(2000e6);
        vm.prank(PAYING_AGENT);
        vm.expectRevert(abi.encodeWithSelector(Entitlements.NotSameInvestor.selector, alice, bob));
        distributor.claimTo(id, alice, bob);
    }

    function test_stranger_cannot_redirect_an_entitlement() public {
        uint256 id = _distribute(2000e6);
        registry.addWallet(alice, aliceNew);
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(Entitlements.NotHolderOrAgent.selector, stranger));
        distributor.claimTo(id, alice, aliceNew);
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(Entitlements.NotHolderOrAgent.selector, stranger));
        distributor.releaseWithheldTo(id, alice, aliceNew);
    }

    function test_redirect_to_an_ineligible_wallet_is_refused() public {
        uint256 id = _distribute(2000e6);
        registry.addWallet(alice, aliceNew);
        token.setAddressFrozen(aliceNew, true);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(Distributor.HolderNotEligible.selector, aliceNew, ReasonCodes.RECEIVER_FROZEN));
        distributor.claimTo(id, alice, aliceNew);
    }

    function test_escrow_of_a_permanently_ineligible_holder_is_swept_after_the_long_stop() public {
        uint256 id = _distribute(2000e6);
        registry.setInvestorFrozen(alice, true); // sanctioned for good
        address[] memory holders = new address[](2);
        holders[0] = alice;
        holders[1] = bob;
        vm.prank(PAYING_AGENT);
        distributor.pushBatch(id, holders);
        uint256 expiry = block.timestamp + 30 days;
        vm.warp(expiry + 1);
        distributor.reclaimExpired(id);
        assertEq(usd.balanceOf(address(distributor)), 1000e6, "default: escrow stays after reclaim");
        uint256 endsAt = expiry + distributor.longStop();
        vm.expectRevert(abi.encodeWithSelector(Entitlements.LongStopNotReached.selector, endsAt));
        distributor.sweepWithheld(id);
        vm.warp(endsAt + 1);
        uint256 before = usd.balanceOf(TREASURY);
        distributor.sweepWithheld(id);
        assertEq(usd.balanceOf(TREASURY) - before, 1000e6, "swept to the treasury");
        assertEq(usd.balanceOf(address(distributor)), 0, "nothing left that no one can take");
        assertEq(distributor.withheldOf(id, alice), 0, "escrow closed");
        registry.setInvestorFrozen(alice, false);
        vm.expectRevert(abi.encodeWithSelector(Distributor.WithheldReturnedToTreasury.selector, id));
        distributor.releaseWithheld(id, alice);
        Distributor.DistributionTotals memory t = distributor.distributionTotals(id);
        assertEq(
            t.paidNet + t.taxPaid + t.withheldOutstanding + t.withheldReleased + t.withheldReturned + t.unpaid,
            t.funded,
            "reconciliation identity holds"
        );
        assertEq(t.withheldReturned, 1000e6, "sweep booked as returned escrow");
    }

    function test_sweep_before_reclaim_also_returns_unpaid_shares() public {
        uint256 id = _distribute(2000e6);
        token.setAddressFrozen(alice, true);
        address[] memory holders = new address[](1);
        holders[0] = alice;
        vm.prank(PAYING_AGENT);
        distributor.pushBatch(id, holders);
        vm.warp(block.timestamp + 30 days + distributor.longStop() + 1);
        distributor.sweepWithheld(id);
        assertEq(usd.balanceOf(TREASURY), 2000e6, "bob's unclaimed share and alice's escrow");
        assertEq(usd.balanceOf(address(distributor)), 0, "distributor empty");
    }

    function test_sweep_of_an_unknown_distribution_is_refused() public {
        vm.expectRevert(abi.encodeWithSelector(Distributor.DistributionNotFound.selector, 99));
        distributor.sweepWithheld(99);
    }

    function test_owed_principal_is_not_paid_to_an_ineligible_wallet_of_the_investor() public {
        usd.setBlocked(alice, true);
        address[] memory holders = new address[](1);
        holders[0] = alice;
        redemption.redeemBatch(holders);
        registry.addWallet(alice, aliceNew);
        token.setAddressFrozen(aliceNew, true);
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(Redemption.HolderNotEligible.selector, aliceNew, ReasonCodes.RECEIVER_FROZEN)
        );
        redemption.payOwedTo(alice, aliceNew);
    }

    function test_long_stop_is_configurable_within_bounds_by_the_admin_only() public {
        vm.expectRevert(abi.encodeWithSelector(Entitlements.LongStopTooShort.selector, 364));
        distributor.setLongStop(364);
        distributor.setLongStop(3 * 365);
        assertEq(distributor.longStop(), 3 * 365 days, "three years");
        bytes memory refused =
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, bytes32(0));
        vm.prank(stranger);
        vm.expectRevert(refused);
        distributor.setLongStop(365);
        vm.prank(stranger);
        vm.expectRevert(refused);
        redemption.setLongStop(365);
    }

    function test_owed_principal_follows_the_investor_and_is_swept_after_the_long_stop() public {
        usd.setBlocked(alice, true);
        usd.setBlocked(bob, true);
        address[] memory holders = new address[](2);
        holders[0] = alice;
        holders[1] = bob;
        redemption.redeemBatch(holders);
        assertEq(redemption.owedTo(alice), 1000e6, "owed after the failed transfer");
        // Alice pays herself to another of her wallets.
        registry.addWallet(alice, aliceNew);
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(Entitlements.NotHolderOrAgent.selector, stranger));
        redemption.payOwedTo(alice, aliceNew);
        vm.prank(alice);
        redemption.payOwedTo(alice, aliceNew);
        assertEq(usd.balanceOf(aliceNew), 1000e6, "owed principal reached the other wallet");
        // Bob never can be paid: swept after the long stop, not before.
        uint256 endsAt = block.timestamp + redemption.longStop();
        vm.expectRevert(abi.encodeWithSelector(Entitlements.LongStopNotReached.selector, endsAt));
        redemption.sweepOwed(bob);
        vm.warp(endsAt + 1);
        redemption.sweepOwed(bob);
        assertEq(usd.balanceOf(TREASURY), 1000e6, "swept to the treasury");
        assertEq(redemption.owedTo(bob), 0, "nothing owed");
        assertEq(
            usd.balanceOf(address(redemption)), redemption.principalAvailable(), "only the pool is left in the contract"
        );
    }

    // ------------------------------------------------------------------ 3. one investor id, one investor

    function test_second_wallet_under_a_known_investor_id_is_refused() public {
        vm.expectRevert(abi.encodeWithSelector(IInvestorRegistry.InvestorIdInUse.selector, _id("alice")));
        registry.registerInvestor(aliceNew, _id("alice"), HK, PROFESSIONAL, KYC_EXPIRY);
        registry.addWallet(alice, aliceNew);
        assertEq(registry.walletCount(_id("alice")), 2, "linked wallets counted");
    }

    function test_per_investor_cap_cannot_be_doubled_by_a_second_registration() public {
        token.setLimits(0, 0, 1500e6);
        registry.addWallet(alice, aliceNew);
        token.syncInvestorWallet(alice); // as after every addWallet (see docs/SECURITY.md, known limits)
        vm.expectRevert(_restricted(ReasonCodes.MAX_BALANCE));
        token.mint(aliceNew, 600e6);
    }

    function test_investor_id_is_free_again_once_its_last_wallet_is_removed() public {
        registry.addWallet(alice, aliceNew);
        registry.removeWallet(aliceNew);
        assertEq(registry.walletCount(_id("alice")), 1, "one left");
        address other = address(0x0DD);
        vm.expectRevert(abi.encodeWithSelector(IInvestorRegistry.InvestorIdInUse.selector, _id("alice")));
        registry.registerInvestor(other, _id("alice"), HK, PROFESSIONAL, KYC_EXPIRY);
        token.burn(alice, 1000e6);
        registry.removeWallet(alice);
        registry.registerInvestor(other, _id("alice"), HK, PROFESSIONAL, KYC_EXPIRY);
        assertEq(registry.walletCount(_id("alice")), 1, "registered afresh");
    }

    // ------------------------------------------------------------------ 4. recovery retires the lost wallet

    function test_recovery_retires_the_lost_wallet_in_the_same_transaction() public {
        _recoverAlice();
        assertTrue(token.isFrozen(alice), "lost wallet frozen");
        vm.expectRevert(_restricted(ReasonCodes.RECEIVER_FROZEN));
        token.mint(alice, 1);
        assertEq(_code(bob, alice, 1), ReasonCodes.RECEIVER_FROZEN, "no transfer to the lost wallet");
        (,, uint8 code,) = token.holderAt(alice, 0);
        assertEq(code, ReasonCodes.RECEIVER_FROZEN, "no payment to the lost wallet");
        assertTrue(!token.isFrozen(aliceNew), "the new wallet is live");
        _transfer(aliceNew, bob, 1);
    }

    function test_recovery_of_an_empty_wallet_still_retires_it() public {
        address carolNew = address(0xCA402);
        registry.addWallet(carol, carolNew);
        token.recoveryAddress(carol, carolNew, address(0));
        assertTrue(token.isFrozen(carol), "retired");
    }

    // ------------------------------------------------------------------ 7. the filing gate separates duties

    function test_agent_that_mints_cannot_record_the_filing_document() public {
        address agentOnly = address(0xA9E);
        token.grantRole(token.AGENT_ROLE(), agentOnly);
        token.setRequireFilingDocument(true);
        bytes32 complianceRole = token.COMPLIANCE_ROLE();
        vm.prank(agentOnly);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, agentOnly, complianceRole)
        );
        token.setDocument("filing", "https://csrc.example/notice", keccak256("notice"));
        vm.prank(agentOnly);
        vm.expectRevert(_restricted(ReasonCodes.FILING_NOT_RECORDED));
        token.mint(carol, 1);
        // The agent still records ordinary documents.
        vm.prank(agentOnly);
        token.setDocument("prospectus", "ipfs://prospectus", keccak256("prospectus"));
    }

    function test_compliance_officer_records_the_filing_with_its_reference() public {
        address officer = address(0xC0FF);
        token.grantRole(token.COMPLIANCE_ROLE(), officer);
        token.setRequireFilingDocument(true);
        vm.startPrank(officer);
        token.setDocument("filing", "https://csrc.example/notice", keccak256("notice"));
        token.setDocumentReference("filing", "CSRC-ABS-2026-0042");
        vm.stopPrank();
        assertTrue(token.documentReference("filing") == bytes32("CSRC-ABS-2026-0042"), "reference on chain");
        token.mint(carol, 1);
        // The reference goes with the document.
        vm.prank(officer);
        token.removeDocument("filing");
        assertTrue(token.documentReference("filing") == bytes32(0), "removed with the document");
        vm.expectRevert(abi.encodeWithSelector(IERC1643.DocumentNotFound.selector, bytes32("filing")));
        token.setDocumentReference("filing", "X");
    }

    function test_agent_cannot_remove_or_reference_the_filing_document() public {
        address agentOnly = address(0xA9E);
        token.grantRole(token.AGENT_ROLE(), agentOnly);
        token.setDocument("filing", "https://csrc.example/notice", keccak256("notice"));
        vm.startPrank(agentOnly);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, agentOnly, token.COMPLIANCE_ROLE()
            )
        );
        token.removeDocument("filing");
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, agentOnly, token.COMPLIANCE_ROLE()
            )
        );
        token.setDocumentReference("filing", "X");
        vm.stopPrank();
    }
}
