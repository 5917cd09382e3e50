// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {TestBase} from "./utils/Vm.sol";
import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {InvestorRegistry} from "../../contracts/identity/InvestorRegistry.sol";
import {StandaloneInvestorRegistry} from "../../contracts/identity/StandaloneInvestorRegistry.sol";
import {IInvestorRegistry} from "../../contracts/interfaces/IInvestorRegistry.sol";
import {Shipped} from "./utils/Shipped.sol";

/// @notice Refusal branches of the investor registry and its standalone deployment.
contract RegistryBranchesTest is TestBase {
    uint256 internal constant T0 = 1_700_000_000;
    uint40 internal constant EXPIRY = uint40(T0 + 365 days);

    InvestorRegistry internal registry;
    address internal alice = address(0xA11CE);
    address internal bob = address(0xB0B);
    address internal stranger = address(0x5742);

    function setUp() public {
        vm.warp(T0);
        registry = InvestorRegistry(Clones.clone(Shipped.deploy("InvestorRegistry")));
        registry.initialize(address(this));
        registry.grantRole(registry.REGISTRAR_ROLE(), address(this));
    }

    function _id(string memory name) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked("salt:", name));
    }

    // ------------------------------------------------------------------ deployment

    function test_initializeRefusesAZeroAdmin() public {
        InvestorRegistry clone = InvestorRegistry(Clones.clone(Shipped.deploy("InvestorRegistry")));
        vm.expectRevert(IInvestorRegistry.ZeroAddress.selector);
        clone.initialize(address(0));
        // The refused call left the clone uninitialised: a real admin can still take it.
        clone.initialize(alice);
        assertTrue(clone.hasRole(clone.DEFAULT_ADMIN_ROLE(), alice), "alice admin");
    }

    function test_standaloneRegistryRefusesAZeroAdmin() public {
        vm.expectRevert(IInvestorRegistry.ZeroAddress.selector);
        Shipped.deploy("StandaloneInvestorRegistry", abi.encode(address(0)));
    }

    function test_standaloneRegistryGrantsAdminAndCannotBeInitialized() public {
        StandaloneInvestorRegistry s = StandaloneInvestorRegistry(
            Shipped.deploy("StandaloneInvestorRegistry", abi.encode(alice))
        );
        assertTrue(s.hasRole(s.DEFAULT_ADMIN_ROLE(), alice), "alice admin");
        assertTrue(!s.hasRole(s.DEFAULT_ADMIN_ROLE(), address(this)), "deployer not admin");
        vm.expectRevert();
        s.initialize(address(this));
        bytes32 registrar = s.REGISTRAR_ROLE();
        vm.prank(alice);
        s.grantRole(registrar, address(this));
        s.registerInvestor(bob, _id("bob"), 344, 2, EXPIRY);
        assertTrue(s.isVerified(bob), "bob registered on standalone registry");
    }

    function test_domainSeparatorIsBoundToTheCloneAddress() public {
        bytes32 expected = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256("rwa-token InvestorRegistry"),
                keccak256("1"),
                block.chainid,
                address(registry)
            )
        );
        assertTrue(registry.domainSeparator() == expected, "domain separator of this clone");
        InvestorRegistry other = InvestorRegistry(Clones.clone(Shipped.deploy("InvestorRegistry")));
        assertTrue(other.domainSeparator() != registry.domainSeparator(), "another clone, another domain");
    }

    // ------------------------------------------------------------------ batch entry points

    function test_batchUpdateInvestorsRefusesArraysOfDifferentLengths() public {
        address[] memory one = new address[](1);
        one[0] = alice;
        uint16[] memory c1 = new uint16[](1);
        uint16[] memory c2 = new uint16[](2);
        uint32[] memory k1 = new uint32[](1);
        uint32[] memory k2 = new uint32[](2);
        uint40[] memory e1 = new uint40[](1);
        uint40[] memory e2 = new uint40[](2);
        vm.expectRevert(IInvestorRegistry.LengthMismatch.selector);
        registry.batchUpdateInvestors(one, c2, k1, e1);
        vm.expectRevert(IInvestorRegistry.LengthMismatch.selector);
        registry.batchUpdateInvestors(one, c1, k2, e1);
        vm.expectRevert(IInvestorRegistry.LengthMismatch.selector);
        registry.batchUpdateInvestors(one, c1, k1, e2);
    }

    function test_batchRegisterInvestorsRefusesArraysOfDifferentLengths() public {
        address[] memory w = new address[](1);
        bytes32[] memory ids1 = new bytes32[](1);
        bytes32[] memory ids2 = new bytes32[](2);
        uint16[] memory c1 = new uint16[](1);
        uint16[] memory c2 = new uint16[](2);
        uint32[] memory k1 = new uint32[](1);
        uint32[] memory k2 = new uint32[](2);
        uint40[] memory e1 = new uint40[](1);
        uint40[] memory e2 = new uint40[](2);
        vm.expectRevert(IInvestorRegistry.LengthMismatch.selector);
        registry.batchRegisterInvestors(w, ids2, c1, k1, e1);
        vm.expectRevert(IInvestorRegistry.LengthMismatch.selector);
        registry.batchRegisterInvestors(w, ids1, c2, k1, e1);
        vm.expectRevert(IInvestorRegistry.LengthMismatch.selector);
        registry.batchRegisterInvestors(w, ids1, c1, k2, e1);
        vm.expectRevert(IInvestorRegistry.LengthMismatch.selector);
        registry.batchRegisterInvestors(w, ids1, c1, k1, e2);
    }

    function _rawBatchRegister(uint256 wallet, uint256 country, uint256 cats, uint256 expiry)
        internal
        returns (bool ok, bytes memory ret)
    {
        uint256[] memory w = new uint256[](1);
        uint256[] memory ids = new uint256[](1);
        uint256[] memory c = new uint256[](1);
        uint256[] memory k = new uint256[](1);
        uint256[] memory e = new uint256[](1);
        w[0] = wallet;
        ids[0] = uint256(_id("raw"));
        c[0] = country;
        k[0] = cats;
        e[0] = expiry;
        (ok, ret) = address(registry).call(
            abi.encodeWithSelector(IInvestorRegistry.batchRegisterInvestors.selector, w, ids, c, k, e)
        );
    }

    function test_batchRegisterInvestorsRefusesValuesThatDoNotFitTheirTypes() public {
        uint256 wallet = uint256(uint160(alice));
        (bool ok, bytes memory ret) = _rawBatchRegister(wallet | (uint256(1) << 160), 344, 2, EXPIRY);
        assertTrue(!ok && ret.length == 0, "wallet over 160 bits");
        (ok, ret) = _rawBatchRegister(wallet, 344 | (uint256(1) << 16), 2, EXPIRY);
        assertTrue(!ok && ret.length == 0, "country over 16 bits");
        (ok, ret) = _rawBatchRegister(wallet, 344, uint256(1) << 32, EXPIRY);
        assertTrue(!ok && ret.length == 0, "categories over 32 bits");
        (ok, ret) = _rawBatchRegister(wallet, 344, 2, uint256(1) << 40);
        assertTrue(!ok && ret.length == 0, "expiry over 40 bits");
        assertTrue(!registry.contains(alice), "nothing registered");
        // The same hand-encoded call with fitting values registers.
        (ok,) = _rawBatchRegister(wallet, 344, 2, EXPIRY);
        assertTrue(ok, "well-formed entry accepted");
        assertEq(registry.investorCountry(alice), 344, "alice in HK");
    }

    // ------------------------------------------------------------------ updates

    function test_updateInvestorRefusesAnInvalidCountry() public {
        registry.registerInvestor(alice, _id("alice"), 344, 2, EXPIRY);
        vm.expectRevert(abi.encodeWithSelector(IInvestorRegistry.InvalidCountry.selector, uint16(0)));
        registry.updateInvestor(alice, 0, 2, EXPIRY);
        vm.expectRevert(abi.encodeWithSelector(IInvestorRegistry.InvalidCountry.selector, uint16(1000)));
        registry.updateInvestor(alice, 1000, 2, EXPIRY);
        assertEq(registry.investorCountry(alice), 344, "country unchanged");
        registry.updateInvestor(alice, 999, 4, EXPIRY + 1);
        IInvestorRegistry.InvestorView memory v = registry.investorOf(alice);
        assertEq(v.country, 999, "highest country code accepted");
        assertEq(v.categories, 4, "categories updated");
        assertEq(v.kycExpiry, EXPIRY + 1, "expiry updated");
    }

    function test_updateInvestorRefusesAnUnregisteredWallet() public {
        vm.expectRevert(abi.encodeWithSelector(IInvestorRegistry.NotRegistered.selector, bob));
        registry.updateInvestor(bob, 344, 2, EXPIRY);
        assertTrue(!registry.contains(bob), "still unregistered");
    }

    function test_batchUpdateStopsAtAnUnregisteredWallet() public {
        registry.registerInvestor(alice, _id("alice"), 344, 2, EXPIRY);
        address[] memory w = new address[](2);
        w[0] = alice;
        w[1] = bob;
        uint16[] memory c = new uint16[](2);
        c[0] = 702;
        c[1] = 702;
        uint32[] memory k = new uint32[](2);
        uint40[] memory e = new uint40[](2);
        e[0] = EXPIRY;
        e[1] = EXPIRY;
        vm.expectRevert(abi.encodeWithSelector(IInvestorRegistry.NotRegistered.selector, bob));
        registry.batchUpdateInvestors(w, c, k, e);
        assertEq(registry.investorCountry(alice), 344, "whole batch reverted");
    }

    // ------------------------------------------------------------------ wallets and sanctions

    function test_addWalletRefusesTheZeroAddress() public {
        registry.registerInvestor(alice, _id("alice"), 344, 2, EXPIRY);
        vm.expectRevert(IInvestorRegistry.ZeroAddress.selector);
        registry.addWallet(alice, address(0));
        assertTrue(!registry.investorOf(alice).multiWallet, "alice still single-wallet");
    }

    function test_addWalletRefusesAnUnregisteredExistingWallet() public {
        vm.expectRevert(abi.encodeWithSelector(IInvestorRegistry.NotRegistered.selector, alice));
        registry.addWallet(alice, bob);
        assertTrue(!registry.contains(bob), "bob not registered");
    }

    function test_setInvestorFrozenRefusesAnUnregisteredWallet() public {
        vm.expectRevert(abi.encodeWithSelector(IInvestorRegistry.NotRegistered.selector, bob));
        registry.setInvestorFrozen(bob, true);
        assertEq(registry.record(bob), 0, "no record created");
    }

    function test_setInvestorFrozenSetsAndClearsOnlyTheSanctionFlag() public {
        registry.registerInvestor(alice, _id("alice"), 344, 2, EXPIRY);
        uint256 before = registry.record(alice);
        registry.setInvestorFrozen(alice, true);
        assertTrue(registry.investorOf(alice).frozen, "sanctioned");
        assertTrue(!registry.isVerified(alice), "not verified while sanctioned");
        registry.setInvestorFrozen(alice, false);
        assertTrue(registry.record(alice) == before, "record restored exactly");
        assertTrue(registry.isVerified(alice), "verified again");
    }

    function test_addWalletCopiesASanctionToTheNewWallet() public {
        registry.registerInvestor(alice, _id("alice"), 344, 2, EXPIRY);
        registry.setInvestorFrozen(alice, true);
        registry.addWallet(alice, bob);
        IInvestorRegistry.InvestorView memory v = registry.investorOf(bob);
        assertTrue(v.frozen && v.multiWallet && v.registered, "copied flags");
        assertTrue(v.investorKey == registry.investorOf(alice).investorKey, "same investor");
    }

    function test_recordPairReadsBothWalletsAndZeroForStrangers() public {
        registry.registerInvestor(alice, _id("alice"), 344, 2, EXPIRY);
        (uint256 a, uint256 s) = registry.recordPair(alice, stranger);
        assertTrue(a == registry.record(alice) && a != 0, "alice record");
        assertEq(s, 0, "stranger empty");
        IInvestorRegistry.InvestorView memory v = registry.investorOf(stranger);
        assertTrue(!v.registered && v.country == 0 && v.investorKey == 0, "empty view");
    }
}
