// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC5267} from "@openzeppelin/contracts/interfaces/IERC5267.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";
import {ISecurityTokenEvents} from "../../../contracts/interfaces/ISecurityToken.sol";
import {IAgentRole, IAgentRoleEvents} from "../../../contracts/interfaces/IAgentRole.sol";
import {IERC7943FungibleEvents} from "../../../contracts/interfaces/IERC7943.sol";
import {IIdentityRegistry} from "../../../contracts/interfaces/IIdentityRegistry.sol";
import {IInvestorRegistry} from "../../../contracts/interfaces/IInvestorRegistry.sol";
import {ReasonCodes} from "../../../contracts/compliance/ReasonCodes.sol";
import {StandardsBase} from "./StandardsBase.sol";

/// @notice The registry's ERC-3643 surface (T-REX 4.x IIdentityRegistry and AgentRole): identities stand for
/// investors, every wallet registered with one identity joins its investor (multi-wallet records, counted once by a
/// token), the claim registries do not exist, and the ERC-3643 recovery flow works end to end with the token.
contract IdentityRegistryTest is StandardsBase {
    address internal constant ID_A = address(0x1D0A);
    address internal constant ID_B = address(0x1D0B);
    address internal constant ID_C = address(0x1D0C);
    address internal w1 = address(0x5001);
    address internal w2 = address(0x5002);
    address internal w3 = address(0x5003);
    uint40 internal constant DEFAULT_EXPIRY = uint40(T0 + 365 days);

    function _key(address id) internal pure returns (uint128) {
        return uint128(uint256(keccak256(abi.encode(id))));
    }

    function _notRegistered(address wallet) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(IInvestorRegistry.NotRegistered.selector, wallet);
    }

    // ------------------------------------------------------------------ registerIdentity

    function test_registerIdentity_eventsAndRecord() public {
        _expectEmitFrom(address(registry));
        emit IInvestorRegistry.InvestorRegistered(w1, bytes32(uint256(_key(ID_A))), HK, 0, DEFAULT_EXPIRY);
        _expectEmitFrom(address(registry));
        emit IIdentityRegistry.IdentityRegistered(w1, ID_A);
        registry.registerIdentity(w1, ID_A, HK);

        IInvestorRegistry.InvestorView memory v = registry.investorOf(w1);
        assertEq(v.investorKey, _key(ID_A), "investor key from the identity");
        assertEq(v.country, HK, "country");
        assertEq(v.categories, 0, "default categories: none");
        assertEq(v.kycExpiry, DEFAULT_EXPIRY, "KYC valid for 365 days");
        assertTrue(v.registered && v.multiWallet && !v.frozen, "registered, multi-wallet, not frozen");
        assertTrue(registry.isVerified(w1) && registry.contains(w1), "verified and contained");
        assertEq(registry.investorCountry(w1), HK, "investorCountry");
        assertEqAddr(registry.identity(w1), ID_A, "identity");
        assertEq(registry.walletCount(bytes32(uint256(_key(ID_A)))), 1, "one wallet");
    }

    function test_unregisteredWallet_answersNothing() public view {
        assertFalse(registry.contains(w1) || registry.isVerified(w1), "not contained, not verified");
        assertEq(registry.investorCountry(w1), 0, "no country");
        assertEqAddr(registry.identity(w1), address(0), "no identity");
        // An investor registered with the registry's own function has no identity recorded.
        assertEqAddr(registry.identity(alice), address(0), "native registration");
        assertTrue(registry.contains(alice) && registry.isVerified(alice), "but is contained and verified");
    }

    function test_registerIdentity_kycExpiresAfterTheValidity() public {
        registry.registerIdentity(w1, ID_A, HK);
        vm.warp(DEFAULT_EXPIRY);
        assertFalse(registry.isVerified(w1), "expired");
        assertTrue(registry.contains(w1), "still contained");
    }

    function test_registerIdentity_secondWalletJoinsTheInvestor() public {
        registry.registerIdentity(w1, ID_A, HK);
        registry.registerIdentity(w2, ID_A, HK);
        assertEq(registry.investorOf(w2).investorKey, _key(ID_A), "same investor key");
        assertTrue(registry.investorOf(w1).multiWallet && registry.investorOf(w2).multiWallet, "multi-wallet records");
        assertEqAddr(registry.identity(w2), ID_A, "same identity");
        assertEq(registry.walletCount(bytes32(uint256(_key(ID_A)))), 2, "two wallets");

        token.mint(w1, 100e6);
        token.mint(w2, 50e6);
        assertEq(token.investorCount(), 1, "one investor");
        assertEq(token.countryInvestorCount(HK), 1, "one HK investor");
        assertEq(token.investorBalanceOf(w1), 150e6, "the investor's holding across wallets");
        _transfer(w1, w2, 100e6);
        assertEq(token.investorCount(), 1, "still one investor");
        _transfer(w2, bob, 150e6);
        assertEq(token.investorCount(), 1, "the investor left, bob joined");
    }

    /// An investor registered natively and given an identity later (updateIdentity) is joined by a wallet registered
    /// with that identity: the registry links both wallets to one investor key, so a token must count the investor
    /// once and hold its holding across both wallets (as it does after `addWallet`, which marks both records
    /// MULTI_WALLET).
    function test_registerIdentity_joiningANativelyRegisteredInvestorCountsOnce() public {
        registry.updateIdentity(alice, ID_A);
        registry.registerIdentity(w1, ID_A, HK);
        assertEq(registry.investorOf(w1).investorKey, registry.investorOf(alice).investorKey, "same investor key");
        token.mint(alice, 100e6);
        token.mint(w1, 100e6);
        assertEq(token.investorCount(), 1, "one investor");
        assertEq(token.countryInvestorCount(HK), 1, "one HK investor");
        assertEq(token.investorBalanceOf(w1), 200e6, "one holding across both wallets");
        assertTrue(registry.investorOf(alice).multiWallet, "the investor's first wallet is marked MULTI_WALLET too");
    }

    function test_registerIdentity_refusals() public {
        vm.expectRevert(IInvestorRegistry.ZeroIdentity.selector);
        registry.registerIdentity(w1, address(0), HK);
        vm.expectRevert(IInvestorRegistry.ZeroAddress.selector);
        registry.registerIdentity(address(0), ID_A, HK);
        vm.expectRevert(abi.encodeWithSelector(IInvestorRegistry.InvalidCountry.selector, uint16(0)));
        registry.registerIdentity(w1, ID_A, 0);
        vm.expectRevert(abi.encodeWithSelector(IInvestorRegistry.InvalidCountry.selector, uint16(1000)));
        registry.registerIdentity(w1, ID_A, 1000);
        vm.expectRevert(abi.encodeWithSelector(IInvestorRegistry.AlreadyRegistered.selector, alice));
        registry.registerIdentity(alice, ID_A, HK);
        assertFalse(registry.contains(w1), "nothing registered");
    }

    function test_batchRegisterIdentity() public {
        address[] memory wallets = new address[](3);
        (wallets[0], wallets[1], wallets[2]) = (w1, w2, w3);
        address[] memory ids = new address[](3);
        (ids[0], ids[1], ids[2]) = (ID_A, ID_B, ID_A);
        uint16[] memory countries = new uint16[](3);
        (countries[0], countries[1], countries[2]) = (HK, SG, HK);
        registry.batchRegisterIdentity(wallets, ids, countries);
        assertEqAddr(registry.identity(w2), ID_B, "second entry");
        assertEq(registry.investorCountry(w2), SG, "its country");
        assertEq(registry.investorOf(w3).investorKey, _key(ID_A), "third entry joins the first's investor");
    }

    function test_batchRegisterIdentity_lengthMismatch() public {
        address[] memory wallets = new address[](2);
        (wallets[0], wallets[1]) = (w1, w2);
        address[] memory ids = new address[](1);
        ids[0] = ID_A;
        uint16[] memory countries = new uint16[](2);
        vm.expectRevert(IInvestorRegistry.LengthMismatch.selector);
        registry.batchRegisterIdentity(wallets, ids, countries);
        ids = new address[](2);
        countries = new uint16[](1);
        vm.expectRevert(IInvestorRegistry.LengthMismatch.selector);
        registry.batchRegisterIdentity(wallets, ids, countries);
        assertFalse(registry.contains(w1), "nothing registered");
    }

    // ------------------------------------------------------------------ delete, update country, update identity

    function test_deleteIdentity() public {
        registry.registerIdentity(w1, ID_A, HK);
        registry.registerIdentity(w2, ID_A, HK);
        _expectEmit();
        emit IInvestorRegistry.WalletRemoved(w1, _key(ID_A));
        _expectEmit();
        emit IIdentityRegistry.IdentityRemoved(w1, ID_A);
        registry.deleteIdentity(w1);
        assertFalse(registry.contains(w1), "deleted");
        assertEqAddr(registry.identity(w1), address(0), "no identity");
        assertEqAddr(registry.identity(w2), ID_A, "the investor's other wallet keeps it");
        assertEq(registry.walletCount(bytes32(uint256(_key(ID_A)))), 1, "one wallet left");
        vm.expectRevert(_notRegistered(w1));
        registry.deleteIdentity(w1);
    }

    function test_updateCountry() public {
        _expectEmit();
        emit IInvestorRegistry.InvestorUpdated(alice, SG, PROFESSIONAL, KYC_EXPIRY);
        _expectEmit();
        emit IIdentityRegistry.CountryUpdated(alice, SG);
        registry.updateCountry(alice, SG);
        IInvestorRegistry.InvestorView memory v = registry.investorOf(alice);
        assertEq(registry.investorCountry(alice), SG, "country");
        assertEq(v.categories, PROFESSIONAL, "categories kept");
        assertEq(v.kycExpiry, KYC_EXPIRY, "KYC expiry kept");
        vm.expectRevert(_notRegistered(w1));
        registry.updateCountry(w1, SG);
        vm.expectRevert(abi.encodeWithSelector(IInvestorRegistry.InvalidCountry.selector, uint16(0)));
        registry.updateCountry(alice, 0);
    }

    function test_updateIdentity_theIdentityFollowsTheInvestor() public {
        registry.registerIdentity(w1, ID_A, HK);
        registry.registerIdentity(w2, ID_A, HK);
        _expectEmit();
        emit IIdentityRegistry.IdentityUpdated(ID_A, ID_C);
        registry.updateIdentity(w1, ID_C);
        assertEqAddr(registry.identity(w1), ID_C, "updated");
        assertEqAddr(registry.identity(w2), ID_C, "every wallet of the investor follows");
        registry.registerIdentity(w3, ID_C, HK);
        assertEq(registry.investorOf(w3).investorKey, _key(ID_A), "a new wallet of the new identity joins the investor");
        registry.updateIdentity(w2, ID_C);
        assertEqAddr(registry.identity(w1), ID_C, "re-setting the investor's own identity is allowed");
    }

    function test_updateIdentity_ofANativelyRegisteredInvestor() public {
        _expectEmit();
        emit IIdentityRegistry.IdentityUpdated(address(0), ID_B);
        registry.updateIdentity(alice, ID_B);
        assertEqAddr(registry.identity(alice), ID_B, "identity recorded");
    }

    function test_updateIdentity_refusals() public {
        registry.registerIdentity(w1, ID_A, HK);
        registry.registerIdentity(w2, ID_B, HK);
        vm.expectRevert(abi.encodeWithSelector(IInvestorRegistry.IdentityInUse.selector, ID_B));
        registry.updateIdentity(w1, ID_B);
        vm.expectRevert(IInvestorRegistry.ZeroIdentity.selector);
        registry.updateIdentity(w1, address(0));
        vm.expectRevert(_notRegistered(w3));
        registry.updateIdentity(w3, ID_C);
        assertEqAddr(registry.identity(w1), ID_A, "unchanged");
        assertEqAddr(registry.identity(w2), ID_B, "unchanged");
    }

    // ------------------------------------------------------------------ claim registries, defaults

    function test_claimRegistries_doNotExist() public {
        assertEqAddr(registry.identityStorage(), address(registry), "its own identity storage");
        assertEqAddr(registry.issuersRegistry(), address(0), "no trusted issuers registry");
        assertEqAddr(registry.topicsRegistry(), address(0), "no claim topics registry");
        address[2] memory callers = [address(this), stranger];
        for (uint256 i; i < 2; ++i) {
            vm.prank(callers[i]);
            vm.expectRevert(IInvestorRegistry.UnsupportedByRegistry.selector);
            registry.setIdentityRegistryStorage(address(1));
            vm.prank(callers[i]);
            vm.expectRevert(IInvestorRegistry.UnsupportedByRegistry.selector);
            registry.setClaimTopicsRegistry(address(1));
            vm.prank(callers[i]);
            vm.expectRevert(IInvestorRegistry.UnsupportedByRegistry.selector);
            registry.setTrustedIssuersRegistry(address(1));
        }
    }

    function test_setIdentityDefaults() public {
        (uint32 cats, uint40 validity) = registry.identityDefaults();
        assertEq(cats, 0, "no category by default");
        assertEq(validity, 365 days, "365 days by default");
        _expectEmit();
        emit IInvestorRegistry.IdentityDefaultsSet(ACCREDITED, 30 days);
        registry.setIdentityDefaults(ACCREDITED, 30 days);
        (cats, validity) = registry.identityDefaults();
        assertEq(cats, ACCREDITED, "categories");
        assertEq(validity, 30 days, "validity");
        registry.registerIdentity(w1, ID_A, US);
        IInvestorRegistry.InvestorView memory v = registry.investorOf(w1);
        assertEq(v.categories, ACCREDITED, "applied: categories");
        assertEq(v.kycExpiry, T0 + 30 days, "applied: KYC expiry");
        assertTrue(token.canReceive(w1), "an accredited US investor may receive");
    }

    function test_setIdentityDefaults_refusals() public {
        vm.expectRevert(IInvestorRegistry.InvalidKycValidity.selector);
        registry.setIdentityDefaults(ACCREDITED, 0);
        vm.prank(stranger);
        vm.expectRevert(_unauthorized(stranger, bytes32(0)));
        registry.setIdentityDefaults(ACCREDITED, 30 days);
        // A registrar (agent) is not the admin.
        registry.addAgent(carol);
        vm.prank(carol);
        vm.expectRevert(_unauthorized(carol, bytes32(0)));
        registry.setIdentityDefaults(ACCREDITED, 30 days);
        (uint32 cats,) = registry.identityDefaults();
        assertEq(cats, 0, "unchanged");
    }

    // ------------------------------------------------------------------ AgentRole, access, ERC-165

    function test_agentRole_agentsAreRegistrars() public {
        assertEqAddr(registry.owner(), address(this), "owner");
        bytes32 registrar = registry.REGISTRAR_ROLE();
        _expectEmit();
        emit IAgentRoleEvents.AgentAdded(carol);
        registry.addAgent(carol);
        assertTrue(registry.hasRole(registrar, carol) && registry.isAgent(carol), "REGISTRAR_ROLE granted");
        vm.prank(carol);
        registry.registerIdentity(w1, ID_A, HK);
        assertTrue(registry.contains(w1), "the agent registers");

        _expectEmit();
        emit IAgentRoleEvents.AgentRemoved(carol);
        registry.removeAgent(carol);
        assertFalse(registry.hasRole(registrar, carol) || registry.isAgent(carol), "revoked");
        vm.prank(carol);
        vm.expectRevert(_unauthorized(carol, registrar));
        registry.registerIdentity(w2, ID_A, HK);
        vm.expectRevert(abi.encodeWithSelector(IAgentRoleEvents.AgentNotFound.selector, carol));
        registry.removeAgent(carol);
    }

    function test_registrarFunctions_refusedForAStranger() public {
        bytes32 registrar = registry.REGISTRAR_ROLE();
        bytes memory refusal = _unauthorized(stranger, registrar);
        vm.startPrank(stranger);
        vm.expectRevert(refusal);
        registry.registerIdentity(w1, ID_A, HK);
        vm.expectRevert(refusal);
        registry.batchRegisterIdentity(new address[](0), new address[](0), new uint16[](0));
        vm.expectRevert(refusal);
        registry.deleteIdentity(alice);
        vm.expectRevert(refusal);
        registry.updateCountry(alice, SG);
        vm.expectRevert(refusal);
        registry.updateIdentity(alice, ID_A);
        vm.expectRevert(refusal);
        registry.registerInvestor(w1, _id("w1"), HK, PROFESSIONAL, KYC_EXPIRY);
        vm.expectRevert(refusal);
        registry.updateInvestor(alice, SG, PROFESSIONAL, KYC_EXPIRY);
        vm.expectRevert(refusal);
        registry.addWallet(alice, w1);
        vm.expectRevert(refusal);
        registry.removeWallet(alice);
        vm.expectRevert(refusal);
        registry.setInvestorFrozen(alice, true);
        vm.stopPrank();
        assertTrue(registry.contains(alice) && !registry.contains(w1), "nothing changed");
    }

    function test_adminFunctions_refusedForAStranger() public {
        bytes memory refusal = _unauthorized(stranger, bytes32(0));
        bytes memory notOwner = abi.encodeWithSelector(IAgentRoleEvents.OwnableUnauthorizedAccount.selector, stranger);
        bytes32 registrar = registry.REGISTRAR_ROLE();
        vm.startPrank(stranger);
        vm.expectRevert(refusal);
        registry.addAgent(stranger);
        vm.expectRevert(refusal);
        registry.removeAgent(address(this));
        vm.expectRevert(refusal);
        registry.grantRole(registrar, stranger);
        vm.expectRevert(refusal);
        registry.setIdentityDefaults(ACCREDITED, 1 days);
        vm.expectRevert(notOwner);
        registry.transferOwnership(stranger);
        vm.expectRevert(notOwner);
        registry.renounceOwnership();
        vm.stopPrank();
        assertEqAddr(registry.owner(), address(this), "owner unchanged");
        assertFalse(registry.isAgent(stranger), "no agent added");
    }

    function test_supportsInterface() public view {
        assertTrue(type(IIdentityRegistry).interfaceId == bytes4(0x8ff89f73), "IIdentityRegistry id");
        assertTrue(registry.supportsInterface(0x8ff89f73), "IIdentityRegistry");
        assertTrue(registry.supportsInterface(type(IAgentRole).interfaceId), "AgentRole");
        assertTrue(registry.supportsInterface(0x7f5828d0), "ERC-173");
        assertTrue(registry.supportsInterface(type(IERC5267).interfaceId), "ERC-5267");
        assertTrue(registry.supportsInterface(type(IAccessControl).interfaceId), "AccessControl");
        assertTrue(registry.supportsInterface(type(IERC165).interfaceId), "ERC-165");
        assertFalse(registry.supportsInterface(0xffffffff), "0xffffffff");
    }

    // ------------------------------------------------------------------ ERC-3643 recovery

    function _lostWalletWithTokens(uint256 amount) internal {
        registry.registerIdentity(w1, ID_A, HK);
        token.mint(w1, amount);
        // The investor's new wallet, registered under the same identity.
        registry.registerIdentity(w2, ID_A, HK);
    }

    function test_recovery_movesTheBalanceAndRetiresTheLostWallet() public {
        _lostWalletWithTokens(100e6);
        _expectEmit();
        emit IERC20.Transfer(w1, w2, 100e6);
        _expectEmit();
        emit IERC7943FungibleEvents.ForcedTransfer(w1, w2, 100e6);
        _expectEmit();
        emit ISecurityTokenEvents.AddressFrozen(w1, true, address(this));
        _expectEmit();
        emit ISecurityTokenEvents.RecoverySuccess(w1, w2, ID_A);
        assertTrue(token.recoveryAddress(w1, w2, ID_A), "returns true");

        assertEq(token.balanceOf(w1), 0, "lost wallet emptied");
        assertEq(token.balanceOf(w2), 100e6, "new wallet holds the balance");
        assertTrue(token.isFrozen(w1), "lost wallet frozen");
        assertFalse(token.isFrozen(w2), "new wallet not frozen");
        assertEq(token.investorCount(), 1, "still one investor");
        assertFalse(token.canSend(w1) || token.canReceive(w1), "the lost wallet is retired");
        vm.expectRevert(_restricted(ReasonCodes.RECEIVER_FROZEN));
        token.mint(w1, 1);
    }

    function test_recovery_carriesAFreezeAboveTheBalance() public {
        _lostWalletWithTokens(100e6);
        token.setFrozenTokens(w1, 150e6);
        _expectEmit();
        emit IERC7943FungibleEvents.Frozen(w1, 50e6);
        _expectEmit();
        emit IERC20.Transfer(w1, w2, 100e6);
        _expectEmit();
        emit IERC7943FungibleEvents.ForcedTransfer(w1, w2, 100e6);
        _expectEmit();
        emit IERC7943FungibleEvents.Frozen(w1, 0);
        _expectEmit();
        emit IERC7943FungibleEvents.Frozen(w2, 150e6);
        _expectEmit();
        emit ISecurityTokenEvents.RecoverySuccess(w1, w2, ID_A);
        token.recoveryAddress(w1, w2, ID_A);
        assertEq(token.getFrozenTokens(w2), 150e6, "the whole frozen amount follows the investor");
        assertEq(token.getFrozenTokens(w1), 0, "nothing left frozen on the lost wallet");
        assertFalse(token.canTransfer(w2, bob, 1), "the new wallet's tokens are frozen");
    }

    function test_recovery_refusedToAnotherInvestorsWallet() public {
        _lostWalletWithTokens(100e6);
        registry.registerIdentity(w3, ID_B, HK);
        vm.expectRevert(abi.encodeWithSelector(ISecurityTokenEvents.RecoveryNotSameInvestor.selector, w1, w3));
        token.recoveryAddress(w1, w3, ID_B);
        assertEq(token.balanceOf(w1), 100e6, "nothing moved");
    }

    function test_recovery_capsTwoFreezesAboveAnySupplyAtTheLargestAmount() public {
        _lostWalletWithTokens(100e6);
        uint256 most = (uint256(1) << 96) - 1;
        token.setFrozenTokens(w1, most);
        token.setFrozenTokens(w2, most);
        token.recoveryAddress(w1, w2, ID_A);
        assertEq(token.getFrozenTokens(w2), most, "still everything, not a wrapped amount");
        assertEq(token.balanceOf(w2), 100e6, "the balance moved");
    }

    function test_registerIdentity_refusesAnIdentityWhoseKeyANativeInvestorHolds() public {
        // A native registration under the very id an identity would derive (never by chance): two investors
        // must not merge.
        bytes32 id = keccak256(abi.encode(ID_C));
        registry.registerInvestor(w3, id, HK, PROFESSIONAL, uint40(block.timestamp + 365 days));
        vm.expectRevert(
            abi.encodeWithSelector(IInvestorRegistry.InvestorIdInUse.selector, bytes32(uint256(uint128(uint256(id)))))
        );
        registry.registerIdentity(w1, ID_C, HK);
        assertFalse(registry.contains(w1), "nothing registered");
    }
}
