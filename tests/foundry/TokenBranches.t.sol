// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {TokenFixture} from "./TokenFixture.t.sol";
import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";
import {ISecurityToken, ISecurityTokenEvents} from "../../contracts/interfaces/ISecurityToken.sol";
import {IERC1643} from "../../contracts/interfaces/IERC1643.sol";
import {IRuleEngine, IRuleEngineEvents} from "../../contracts/interfaces/IRuleEngine.sol";
import {ReasonCodes} from "../../contracts/compliance/ReasonCodes.sol";
import {Shipped} from "./utils/Shipped.sol";

/// @notice A registry that is down: every call reverts with a reason.
contract RegistryDown {
    fallback() external {
        revert("registry down");
    }
}

/// @notice Branches of the token not reached by the main token tests: initialisation and setup refusals,
/// batch length checks, fast-path fallbacks that end in a refusal, lot bookkeeping, recovery with lots,
/// failing registries and document removal.
contract TokenBranchesTest is TokenFixture {
    uint256 internal constant MASK96 = (uint256(1) << 96) - 1;

    // ------------------------------------------------------------------ initialisation and metadata

    function _freshClone() internal returns (ISecurityToken) {
        return ISecurityToken(Clones.clone(Shipped.deploy("SecurityToken")));
    }

    function test_initializeRefusesAZeroRegistryOrAdmin() public {
        ISecurityToken t = _freshClone();
        vm.expectRevert(ISecurityTokenEvents.ZeroAddress.selector);
        t.initialize("N", "S", 6, address(0), address(this), 0);
        vm.expectRevert(ISecurityTokenEvents.ZeroAddress.selector);
        t.initialize("N", "S", 6, address(registry), address(0), 0);
        assertTrue(t.identityRegistry() == address(0), "nothing initialised");
    }

    function test_initializeRefusesMoreThan18Decimals() public {
        ISecurityToken t = _freshClone();
        vm.expectRevert(abi.encodeWithSelector(ISecurityTokenEvents.InvalidDecimals.selector, uint8(19)));
        t.initialize("N", "S", 19, address(registry), address(this), 0);
        t.initialize("N", "S", 18, address(registry), address(this), 0);
        assertEq(t.decimals(), 18, "18 decimals accepted");
    }

    function test_initializeRefusesASupplyCapBeyond96BitsAndTreatsZeroAsTheMaximum() public {
        ISecurityToken t = _freshClone();
        vm.expectRevert(abi.encodeWithSelector(ISecurityTokenEvents.InvalidSupplyCap.selector, MASK96 + 1));
        t.initialize("N", "S", 6, address(registry), address(this), MASK96 + 1);
        t.initialize("N", "S", 6, address(registry), address(this), 0);
        assertEq(t.supplyCap(), MASK96, "zero cap means the storage maximum");
    }

    function test_metadataViewsReportSymbolAndVersion() public view {
        assertTrue(keccak256(bytes(token.symbol())) == keccak256("TOLL31"), "symbol");
        assertTrue(keccak256(bytes(token.name())) == keccak256("Toll Road ABS 2031"), "name");
        assertTrue(keccak256(bytes(token.version())) == keccak256("2.0.0"), "version");
    }

    function test_supportsInterfaceAnswersForEveryImplementedInterfaceOnly() public view {
        assertTrue(token.supportsInterface(type(IERC20).interfaceId), "ERC-20");
        assertTrue(token.supportsInterface(type(IAccessControl).interfaceId), "AccessControl");
        assertTrue(token.supportsInterface(type(IERC165).interfaceId), "ERC-165");
        assertTrue(token.supportsInterface(type(IERC1643).interfaceId), "ERC-1643");
        assertTrue(!token.supportsInterface(0xffffffff), "0xffffffff");
        assertTrue(!token.supportsInterface(type(IRuleEngine).interfaceId), "the project's own interfaces are not claimed");
    }

    function test_setIdentityRegistryRefusesZeroAndPointsTheTokenElsewhere() public {
        vm.expectRevert(ISecurityTokenEvents.ZeroAddress.selector);
        token.setIdentityRegistry(address(0));
        assertTrue(token.identityRegistry() == address(registry), "unchanged");

        RegistryDown down = new RegistryDown();
        token.setIdentityRegistry(address(down));
        assertTrue(token.identityRegistry() == address(down), "repointed");
        token.setIdentityRegistry(address(registry));
        token.mint(alice, 10);
        assertEq(token.balanceOf(alice), 10, "works again on the real registry");
    }

    function test_approveRefusesTheZeroSpender() public {
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IERC20Errors.ERC20InvalidSpender.selector, address(0)));
        token.approve(address(0), 1);
    }

    // ------------------------------------------------------------------ failing registry

    function test_mintBubblesARevertingRegistrysReason() public {
        token.setIdentityRegistry(address(new RegistryDown()));
        vm.expectRevert(abi.encodeWithSignature("Error(string)", "registry down"));
        token.mint(alice, 10);
        assertEq(token.totalSupply(), 0, "nothing minted");
    }

    function test_transferBubblesARevertingRegistrysReason() public {
        token.mint(alice, 10);
        token.setIdentityRegistry(address(new RegistryDown()));
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSignature("Error(string)", "registry down"));
        token.transfer(bob, 5);
        assertEq(token.balanceOf(alice), 10, "nothing moved");
    }

    function test_aRegistryWithoutCodeRefusesMintsAndTransfers() public {
        token.mint(alice, 10);
        token.setIdentityRegistry(address(0xDEAD)); // no code: calls return no data
        vm.expectRevert(bytes(""));
        token.mint(alice, 10);
        vm.prank(alice);
        vm.expectRevert(bytes(""));
        token.transfer(bob, 5);
        assertEq(token.balanceOf(alice), 10, "nothing moved");
        assertEq(token.totalSupply(), 10, "nothing minted");
    }

    // ------------------------------------------------------------------ batch length checks

    function test_batchAgentActionsRefuseArraysOfDifferentLengths() public {
        address[] memory two = new address[](2);
        two[0] = alice;
        two[1] = bob;
        address[] memory one = new address[](1);
        one[0] = bob;
        uint256[] memory amounts = new uint256[](1);
        amounts[0] = 1;
        bool[] memory flags = new bool[](1);

        vm.expectRevert(IRuleEngineEvents.LengthMismatch.selector);
        token.batchMint(two, amounts);
        vm.expectRevert(IRuleEngineEvents.LengthMismatch.selector);
        token.batchBurn(two, amounts);
        vm.expectRevert(IRuleEngineEvents.LengthMismatch.selector);
        token.batchSetAddressFrozen(two, flags);
        vm.expectRevert(IRuleEngineEvents.LengthMismatch.selector);
        token.batchFreezePartialTokens(two, amounts);
        vm.expectRevert(IRuleEngineEvents.LengthMismatch.selector);
        token.batchUnfreezePartialTokens(two, amounts);
        vm.expectRevert(IRuleEngineEvents.LengthMismatch.selector);
        token.batchForcedTransfer(two, one, amounts);
        vm.expectRevert(IRuleEngineEvents.LengthMismatch.selector);
        token.batchForcedTransfer(one, one, new uint256[](2));
        assertEq(token.totalSupply(), 0, "nothing happened");
    }

    function test_batchTransferRefusesArraysOfDifferentLengths() public {
        token.mint(alice, 100);
        address[] memory two = new address[](2);
        two[0] = bob;
        two[1] = carol;
        vm.prank(alice);
        vm.expectRevert(IRuleEngineEvents.LengthMismatch.selector);
        token.batchTransfer(two, new uint256[](1));
        assertEq(token.balanceOf(alice), 100, "nothing moved");
    }

    // ------------------------------------------------------------------ fast-path fallbacks ending in refusals

    function test_transferToAWalletFrozenOnTheTokenIsRefused() public {
        token.mint(alice, 100);
        token.setAddressFrozen(bob, true);
        vm.prank(alice);
        vm.expectRevert(_restricted(ReasonCodes.RECEIVER_FROZEN));
        token.transfer(bob, 10);
        assertEq(token.balanceOf(bob), 0, "bob got nothing");
    }

    function test_transferToAnIneligibleCategoryIsRefused() public {
        token.mint(alice, 100);
        vm.prank(alice);
        vm.expectRevert(_restricted(ReasonCodes.CATEGORY_NOT_ALLOWED));
        token.transfer(dave, 10);
        _transfer(alice, erin, 10); // accredited US investor passes
        assertEq(token.balanceOf(erin), 10, "erin received");
    }

    function test_transferToANewInvestorBeyondTheCountryCapIsRefused() public {
        token.setCountryRule(HK, true, false, 0, 1);
        token.mint(alice, 100);
        vm.prank(alice);
        vm.expectRevert(_restricted(ReasonCodes.MAX_INVESTORS_COUNTRY));
        token.transfer(bob, 10);
        // Handing over the whole holding frees alice's place in the same country.
        _transfer(alice, bob, 100);
        assertEq(token.countryInvestorCount(HK), 1, "still one HK investor");
        assertEq(token.balanceOf(bob), 100, "bob holds all");
    }

    function test_transferDuringAWalletLockupIsRefused() public {
        token.mint(alice, 100);
        token.setInvestorLockup(alice, uint40(T0 + 10 days));
        vm.prank(alice);
        vm.expectRevert(_restricted(ReasonCodes.TOKENS_LOCKED));
        token.transfer(bob, 10);
        vm.warp(T0 + 10 days);
        _transfer(alice, bob, 10);
        assertEq(token.balanceOf(bob), 10, "free after the lockup");
    }

    function test_transferLeavingTheSenderBelowTheMinimumHoldingIsRefused() public {
        token.setLimits(0, 100, 0);
        token.mint(alice, 1_000);
        vm.prank(alice);
        vm.expectRevert(_restricted(ReasonCodes.MIN_BALANCE));
        token.transfer(bob, 950); // leaves 50 < 100
        _transfer(alice, bob, 500); // leaves 500
        _transfer(alice, carol, 500); // leaves nothing: no dust position
        assertEq(token.balanceOf(alice), 0, "alice left");
        assertEq(token.balanceOf(bob), 500, "bob");
        assertEq(token.balanceOf(carol), 500, "carol");
        assertEq(token.investorCount(), 2, "bob and carol");
    }

    function test_transferBetweenTwoWalletsOfOneInvestorSkipsTheCaps() public {
        address alice2 = address(0xA11CE2);
        registry.addWallet(alice, alice2); // the registry refuses a second plain registration of one investor id
        token.setLimits(1, 0, 50);
        token.mint(alice, 50);
        _transfer(alice, alice2, 50); // above the max-balance headroom of a new investor, but the same investor
        assertEq(token.balanceOf(alice2), 50, "moved");
        assertEq(token.balanceOf(alice), 0, "emptied");
        assertEq(token.investorCount(), 1, "still one investor");
    }

    function test_transferToAnAggregatedWalletReRegisteredAsSingleUsesItsStoredAggregate() public {
        address alice2 = address(0xA11CE2);
        registry.addWallet(alice, alice2);
        token.mint(alice2, 30); // folded into alice's aggregate
        token.mint(bob, 100);
        // The registry drops both wallets and registers the second again as the investor's only wallet.
        registry.removeWallet(alice2);
        registry.removeWallet(alice);
        registry.registerInvestor(alice2, _id("alice"), HK, PROFESSIONAL, KYC_EXPIRY);
        uint256 countBefore = token.investorCount();
        _transfer(bob, alice2, 20);
        assertEq(token.balanceOf(alice2), 50, "received");
        assertEq(token.investorBalanceOf(alice2), 50, "aggregate kept up to date");
        assertEq(token.investorCount(), countBefore, "no new investor");
    }

    function test_syncInvestorWalletIsANoOpForASingleWalletInvestor() public {
        token.mint(alice, 100);
        token.syncInvestorWallet(alice);
        token.syncInvestorWallet(stranger);
        assertEq(token.investorCount(), 1, "count unchanged");
        assertEq(token.investorBalanceOf(alice), 100, "holding is the balance");
        // Not aggregated: a later partial transfer still takes the lean path and keeps the books right.
        _transfer(alice, bob, 40);
        assertEq(token.investorBalanceOf(alice), 60, "holding follows the balance");
    }

    // ------------------------------------------------------------------ minted lots

    function test_secondLockedMintToAWholeBalanceLotExtendsItsUnlock() public {
        token.setDefaultLockup(30 days);
        token.mint(alice, 100);
        vm.warp(T0 + 1 days);
        token.mint(alice, 50);
        (uint256 lockedUntil, uint256 lotLocked, uint256 lotUnlock) = token.lockupOf(alice);
        assertEq(lockedUntil, 0, "no wallet lockup");
        assertEq(lotLocked, 150, "both lots locked");
        assertEq(lotUnlock, T0 + 31 days, "unlock extended");
        assertEq(token.transferableBalanceOf(alice), 0, "nothing transferable");
    }

    function test_shorterLockedMintAddsToAnExplicitLotWithoutMovingItsUnlock() public {
        token.mint(alice, 100); // unlocked
        token.setDefaultLockup(30 days);
        token.mint(alice, 100); // explicit lot of 100
        token.setDefaultLockup(10 days);
        token.mint(alice, 50); // lot grows to 150, unlock stays
        (, uint256 lotLocked, uint256 lotUnlock) = token.lockupOf(alice);
        assertEq(lotLocked, 150, "lots summed");
        assertEq(lotUnlock, T0 + 30 days, "earlier, later unlock kept");
        assertEq(token.transferableBalanceOf(alice), 100, "the unlocked 100");
        vm.prank(alice);
        vm.expectRevert(_restricted(ReasonCodes.TOKENS_LOCKED));
        token.transfer(bob, 101);
        _transfer(alice, bob, 100);
        assertEq(token.balanceOf(alice), 150, "locked lots stay");
    }

    function test_forcedTransferOutOfALockedLotShrinksTheLotToWhatRemains() public {
        token.mint(alice, 100);
        token.setDefaultLockup(30 days);
        token.mint(alice, 100); // explicit lot of 100, balance 200
        token.forcedTransfer(alice, bob, 150);
        (, uint256 lotLocked,) = token.lockupOf(alice);
        assertEq(token.balanceOf(alice), 50, "balance");
        assertEq(lotLocked, 50, "lot capped at the balance");
        assertEq(token.transferableBalanceOf(alice), 0, "all locked");
    }

    // ------------------------------------------------------------------ recovery

    function test_recoveryToASanctionedWalletOfTheSameInvestorIsRefused() public {
        address alice2 = address(0xA11CE2);
        token.mint(alice, 100);
        registry.addWallet(alice, alice2);
        registry.setInvestorFrozen(alice2, true);
        vm.expectRevert(_restricted(ReasonCodes.RECEIVER_SANCTIONED));
        token.recoveryAddress(alice, alice2, address(0));
        assertEq(token.balanceOf(alice), 100, "nothing moved");
    }

    function test_recoveryMergesLotsAndCarriesTheWalletLockupToAWalletWithItsOwnLot() public {
        address alice2 = address(0xA11CE2);
        token.setDefaultLockup(30 days);
        token.mint(alice, 100); // lot until T0 + 30d
        token.setInvestorLockup(alice, uint40(T0 + 5 days));
        registry.addWallet(alice, alice2);
        vm.warp(T0 + 1 days);
        token.mint(alice2, 40); // lot until T0 + 31d
        token.recoveryAddress(alice, alice2, address(0));

        assertEq(token.balanceOf(alice), 0, "lost wallet emptied");
        assertEq(token.balanceOf(alice2), 140, "everything moved");
        (uint256 lockedUntil, uint256 lotLocked, uint256 lotUnlock) = token.lockupOf(alice2);
        assertEq(lockedUntil, T0 + 5 days, "wallet lockup carried over");
        assertEq(lotLocked, 140, "both lots locked");
        assertEq(lotUnlock, T0 + 31 days, "later unlock kept");
        assertEq(token.investorCount(), 1, "one investor");

        // After both lockups end, all of it can move.
        vm.warp(T0 + 31 days);
        assertEq(token.transferableBalanceOf(alice2), 140, "free");
    }

    function test_recoveryKeepsTheLongerWalletLockupOfTheNewWallet() public {
        address alice2 = address(0xA11CE2);
        token.mint(alice, 100);
        token.setInvestorLockup(alice, uint40(T0 + 5 days));
        registry.addWallet(alice, alice2);
        token.setInvestorLockup(alice2, uint40(T0 + 9 days));
        token.recoveryAddress(alice, alice2, address(0));
        (uint256 lockedUntil, uint256 lotLocked,) = token.lockupOf(alice2);
        assertEq(lockedUntil, T0 + 9 days, "longer lockup kept");
        assertEq(lotLocked, 0, "no lots");
        assertEq(token.balanceOf(alice2), 100, "moved");
    }

    // ------------------------------------------------------------------ snapshots

    function test_snapshotRefusesAnIdBeyond24BitsAndLeavesTheStateWordIntact() public {
        // Fast-forward the snapshot counter (bits 160..183 of the state word, slot 2) to 2^24 - 2: taking 16.7
        // million snapshots one by one is not practical in a test. The fields around it must not move.
        token.mint(alice, 100);
        token.mint(bob, 50);
        uint256 investorsBefore = token.investorCount();
        (, uint256 bobNumber,,) = token.holderAt(bob, 0);
        uint256 s = uint256(vm.load(address(token), bytes32(uint256(2))));
        uint256 mask24 = (uint256(1) << 24) - 1;
        s = (s & ~(mask24 << 160)) | ((mask24 - 1) << 160);
        vm.store(address(token), bytes32(uint256(2)), bytes32(s));

        assertEq(token.snapshot(), mask24, "last id that fits");
        vm.expectRevert(abi.encodeWithSelector(ISecurityTokenEvents.NonexistentSnapshot.selector, mask24 + 1));
        token.snapshot();
        assertEq(token.currentSnapshotId(), mask24, "counter kept");
        assertTrue(token.identityRegistry() == address(registry), "registry field untouched");
        assertEq(token.decimals(), 6, "decimals untouched");
        assertEq(token.investorCount(), investorsBefore, "investor count untouched");
        // The record date at the last id works, and holder numbering carries on after it.
        _transfer(alice, bob, 30);
        assertEq(token.balanceOfAt(alice, mask24), 100, "balance at the last id");
        (uint256 balance, uint256 number,,) = token.holderAt(bob, mask24);
        assertEq(balance, 50, "holderAt at the last id");
        assertEq(number, bobNumber, "number kept");
        token.mint(carol, 1);
        (, uint256 carolNumber,,) = token.holderAt(carol, 0);
        assertEq(carolNumber, bobNumber + 1, "holder counter untouched");
    }

    // ------------------------------------------------------------------ documents

    function test_setDocumentRefusesAnEmptyName() public {
        vm.expectRevert(IERC1643.EmptyDocumentName.selector);
        token.setDocument(bytes32(0), "ipfs://x", bytes32(uint256(1)));
        assertEq(token.getAllDocuments().length, 0, "no document");
    }

    function test_removingTheLastDocumentNeedsNoSwapAndRemovingTwiceIsRefused() public {
        token.setDocument("prospectus", "ipfs://p", bytes32(uint256(1)));
        token.setDocument("trustee", "ipfs://t", bytes32(uint256(2)));
        token.removeDocument("trustee");
        bytes32[] memory names = token.getAllDocuments();
        assertTrue(names.length == 1 && names[0] == "prospectus", "prospectus left");
        (string memory uri, bytes32 h, uint256 ts) = token.getDocument("trustee");
        assertTrue(bytes(uri).length == 0 && h == 0 && ts == 0, "trustee erased");
        vm.expectRevert(abi.encodeWithSelector(IERC1643.DocumentNotFound.selector, bytes32("trustee")));
        token.removeDocument("trustee");
        // The swap-and-pop index of the survivor is intact: it can be removed as well.
        token.removeDocument("prospectus");
        assertEq(token.getAllDocuments().length, 0, "none left");
    }

    function test_removingTheFilingDocumentStopsMintsAgain() public {
        token.setRequireFilingDocument(true);
        token.setDocument("filing", "ipfs://f", bytes32(uint256(7)));
        token.mint(alice, 10);
        token.removeDocument("filing");
        vm.expectRevert(_restricted(ReasonCodes.FILING_NOT_RECORDED));
        token.mint(alice, 10);
        assertEq(token.balanceOf(alice), 10, "only the first mint");
    }

    function test_documentsMayBeManagedByTheAdminWithoutTheAgentRole() public {
        token.revokeRole(token.AGENT_ROLE(), address(this));
        token.setDocument("prospectus", "ipfs://p", bytes32(uint256(1)));
        assertEq(token.getAllDocuments().length, 1, "admin set a document");
        bytes memory refusal =
            abi.encodeWithSignature("AccessControlUnauthorizedAccount(address,bytes32)", stranger, token.AGENT_ROLE());
        vm.prank(stranger);
        vm.expectRevert(refusal);
        token.removeDocument("prospectus");
        token.removeDocument("prospectus");
        assertEq(token.getAllDocuments().length, 0, "admin removed it");
    }
}
