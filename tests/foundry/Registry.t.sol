// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {TestBase} from "./utils/Vm.sol";
import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {InvestorRegistry} from "../../contracts/identity/InvestorRegistry.sol";
import {IInvestorRegistry} from "../../contracts/interfaces/IInvestorRegistry.sol";
import {InvestorRecord} from "../../contracts/identity/InvestorRecord.sol";
import {Shipped} from "./utils/Shipped.sol";

contract InvestorRegistryTest is TestBase {
    uint256 internal constant T0 = 1_700_000_000;
    uint40 internal constant EXPIRY = uint40(T0 + 365 days);
    uint256 internal constant SIGNER_KEY = 0xC0FFEE;

    InvestorRegistry internal registry;
    address internal signer;
    address internal alice = address(0xA11CE);
    address internal bob = address(0xB0B);
    address internal stranger = address(0x5742);

    function setUp() public {
        vm.warp(T0);
        registry = InvestorRegistry(Clones.clone(Shipped.deploy("InvestorRegistry")));
        registry.initialize(address(this));
        registry.grantRole(registry.REGISTRAR_ROLE(), address(this));
        signer = vm.addr(SIGNER_KEY);
        registry.grantRole(registry.KYC_SIGNER_ROLE(), signer);
    }

    function _id(string memory name) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked("salt:", name));
    }

    function _attestation(address wallet, uint256 nonce) internal view returns (IInvestorRegistry.Attestation memory) {
        return IInvestorRegistry.Attestation({
            wallet: wallet,
            investorId: _id("attested"),
            country: 344,
            categories: 2,
            kycExpiry: EXPIRY,
            nonce: nonce,
            deadline: block.timestamp + 1 hours
        });
    }

    function _sign(uint256 key, IInvestorRegistry.Attestation memory a) internal view returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, registry.attestationDigest(a));
        return abi.encodePacked(r, s, v);
    }

    function test_implementation_cannot_be_initialized() public {
        InvestorRegistry impl = InvestorRegistry(Shipped.deploy("InvestorRegistry"));
        vm.expectRevert();
        impl.initialize(address(this));
        vm.expectRevert();
        registry.initialize(stranger);
    }

    function test_register_stores_one_packed_record() public {
        registry.registerInvestor(alice, _id("alice"), 344, 2 | 256, EXPIRY);
        IInvestorRegistry.InvestorView memory v = registry.investorOf(alice);
        assertEq(v.investorKey, uint128(uint256(_id("alice"))), "key");
        assertEq(v.country, 344, "country");
        assertEq(v.categories, 2 | 256, "categories");
        assertEq(v.kycExpiry, EXPIRY, "expiry");
        assertTrue(v.registered && !v.frozen && !v.multiWallet, "flags");
        assertTrue(registry.isVerified(alice) && registry.contains(alice), "verified");
        assertEq(registry.investorCountry(alice), 344, "country view");
        (uint256 a, uint256 b) = registry.recordPair(alice, bob);
        assertEq(a, registry.record(alice), "pair a");
        assertEq(b, 0, "pair b");
    }

    function test_register_rejects_bad_input() public {
        vm.expectRevert(IInvestorRegistry.ZeroAddress.selector);
        registry.registerInvestor(address(0), _id("x"), 344, 2, EXPIRY);
        vm.expectRevert(abi.encodeWithSelector(IInvestorRegistry.InvalidCountry.selector, uint16(0)));
        registry.registerInvestor(alice, _id("x"), 0, 2, EXPIRY);
        vm.expectRevert(abi.encodeWithSelector(IInvestorRegistry.InvalidCountry.selector, uint16(1000)));
        registry.registerInvestor(alice, _id("x"), 1000, 2, EXPIRY);
        vm.expectRevert(IInvestorRegistry.ZeroInvestorId.selector);
        registry.registerInvestor(alice, bytes32(0), 344, 2, EXPIRY);
        registry.registerInvestor(alice, _id("x"), 344, 2, EXPIRY);
        vm.expectRevert(abi.encodeWithSelector(IInvestorRegistry.AlreadyRegistered.selector, alice));
        registry.registerInvestor(alice, _id("y"), 344, 2, EXPIRY);
    }

    function test_kyc_expiry_and_sanction_affect_verification() public {
        registry.registerInvestor(alice, _id("alice"), 344, 2, uint40(T0 + 10));
        assertTrue(registry.isVerified(alice), "valid");
        vm.warp(T0 + 10);
        assertTrue(!registry.isVerified(alice), "expired at expiry");
        registry.updateInvestor(alice, 344, 2, EXPIRY);
        assertTrue(registry.isVerified(alice), "renewed");
        registry.setInvestorFrozen(alice, true);
        assertTrue(!registry.isVerified(alice), "sanctioned");
        registry.setInvestorFrozen(alice, false);
        assertTrue(registry.isVerified(alice), "lifted");
    }

    function test_batch_register_and_update() public {
        address[] memory wallets = new address[](2);
        wallets[0] = alice;
        wallets[1] = bob;
        bytes32[] memory ids = new bytes32[](2);
        ids[0] = _id("alice");
        ids[1] = _id("bob");
        uint16[] memory countries = new uint16[](2);
        countries[0] = 344;
        countries[1] = 702;
        uint32[] memory cats = new uint32[](2);
        cats[0] = 2;
        cats[1] = 4;
        uint40[] memory expiries = new uint40[](2);
        expiries[0] = EXPIRY;
        expiries[1] = EXPIRY;
        registry.batchRegisterInvestors(wallets, ids, countries, cats, expiries);
        assertEq(registry.investorCountry(bob), 702, "bob");
        countries[1] = 840;
        registry.batchUpdateInvestors(wallets, countries, cats, expiries);
        assertEq(registry.investorCountry(bob), 840, "bob updated");
        assertEq(registry.investorOf(bob).investorKey, uint128(uint256(_id("bob"))), "key kept");
        vm.expectRevert(IInvestorRegistry.LengthMismatch.selector);
        registry.batchRegisterInvestors(wallets, ids, countries, cats, new uint40[](1));
    }

    function test_add_and_remove_wallet() public {
        registry.registerInvestor(alice, _id("alice"), 344, 2, EXPIRY);
        registry.setInvestorFrozen(alice, true);
        address alice2 = address(0xA11CE2);
        registry.addWallet(alice, alice2);
        IInvestorRegistry.InvestorView memory v = registry.investorOf(alice2);
        assertTrue(v.multiWallet && registry.investorOf(alice).multiWallet, "both multi");
        assertTrue(v.frozen, "sanction copied");
        assertEq(v.investorKey, registry.investorOf(alice).investorKey, "same key");
        vm.expectRevert(abi.encodeWithSelector(IInvestorRegistry.AlreadyRegistered.selector, alice2));
        registry.addWallet(alice, alice2);
        vm.expectRevert(abi.encodeWithSelector(IInvestorRegistry.NotRegistered.selector, bob));
        registry.addWallet(bob, address(0xB0B2));
        registry.removeWallet(alice);
        assertTrue(!registry.contains(alice), "removed");
        vm.expectRevert(abi.encodeWithSelector(IInvestorRegistry.NotRegistered.selector, alice));
        registry.removeWallet(alice);
    }

    function test_attestation_registers_and_cannot_be_replayed() public {
        IInvestorRegistry.Attestation memory a = _attestation(alice, 7);
        bytes memory sig = _sign(SIGNER_KEY, a);
        vm.prank(stranger); // anyone may submit
        registry.registerWithAttestation(a, sig);
        assertTrue(registry.isVerified(alice), "registered");
        assertTrue(registry.nonceUsed(signer, 7), "nonce used");
        IInvestorRegistry.Attestation memory b = _attestation(bob, 7);
        bytes memory sigB = _sign(SIGNER_KEY, b);
        vm.expectRevert(abi.encodeWithSelector(IInvestorRegistry.AttestationNonceUsed.selector, signer, 7));
        registry.registerWithAttestation(b, sigB);
    }

    function test_attestation_from_untrusted_signer_is_refused() public {
        IInvestorRegistry.Attestation memory a = _attestation(alice, 1);
        bytes memory sig = _sign(0xBAD, a);
        vm.expectRevert(abi.encodeWithSelector(IInvestorRegistry.UntrustedSigner.selector, vm.addr(0xBAD)));
        registry.registerWithAttestation(a, sig);
    }

    function test_tampered_attestation_is_refused() public {
        IInvestorRegistry.Attestation memory a = _attestation(alice, 1);
        bytes memory sig = _sign(SIGNER_KEY, a);
        a.country = 840; // signature no longer matches: recovers some other address
        vm.expectRevert();
        registry.registerWithAttestation(a, sig);
        assertTrue(!registry.contains(alice), "not registered");
    }

    function test_expired_attestation_is_refused() public {
        IInvestorRegistry.Attestation memory a = _attestation(alice, 1);
        bytes memory sig = _sign(SIGNER_KEY, a);
        vm.warp(a.deadline + 1);
        vm.expectRevert(abi.encodeWithSelector(IInvestorRegistry.AttestationExpired.selector, a.deadline));
        registry.registerWithAttestation(a, sig);
    }

    function test_revoked_signer_is_refused() public {
        registry.revokeRole(registry.KYC_SIGNER_ROLE(), signer);
        IInvestorRegistry.Attestation memory a = _attestation(alice, 1);
        bytes memory sig = _sign(SIGNER_KEY, a);
        vm.expectRevert(abi.encodeWithSelector(IInvestorRegistry.UntrustedSigner.selector, signer));
        registry.registerWithAttestation(a, sig);
    }

    function test_unauthorised_callers_are_refused() public {
        registry.registerInvestor(alice, _id("alice"), 344, 2, EXPIRY);
        bytes[] memory calls = new bytes[](8);
        calls[0] = abi.encodeCall(registry.registerInvestor, (bob, _id("bob"), 344, 2, EXPIRY));
        calls[1] = abi.encodeCall(
            registry.batchRegisterInvestors,
            (new address[](0), new bytes32[](0), new uint16[](0), new uint32[](0), new uint40[](0))
        );
        calls[2] = abi.encodeCall(registry.updateInvestor, (alice, 344, 2, EXPIRY));
        calls[3] = abi.encodeCall(
            registry.batchUpdateInvestors, (new address[](0), new uint16[](0), new uint32[](0), new uint40[](0))
        );
        calls[4] = abi.encodeCall(registry.addWallet, (alice, bob));
        calls[5] = abi.encodeCall(registry.removeWallet, (alice));
        calls[6] = abi.encodeCall(registry.setInvestorFrozen, (alice, true));
        calls[7] = abi.encodeWithSignature("grantRole(bytes32,address)", registry.KYC_SIGNER_ROLE(), stranger);
        for (uint256 i; i < calls.length; ++i) {
            vm.prank(stranger);
            (bool ok,) = address(registry).call(calls[i]);
            if (ok) revert AssertionFailed("unauthorised call succeeded", i, 0);
        }
    }

    function testFuzz_record_roundtrip(uint128 key, uint16 country, uint32 cats, uint40 expiry, uint8 flags) public pure {
        uint256 r = InvestorRecord.pack(key, country, cats, expiry, flags);
        assertEq(InvestorRecord.investorKey(r), key, "key");
        assertEq(InvestorRecord.country(r), country, "country");
        assertEq(InvestorRecord.categories(r), cats, "cats");
        assertEq(InvestorRecord.kycExpiry(r), expiry, "expiry");
        assertEq(InvestorRecord.flags(r), flags, "flags");
        uint256 u = InvestorRecord.withTerms(r, 1, 2, 3);
        assertEq(InvestorRecord.investorKey(u), key, "key kept");
        assertEq(InvestorRecord.flags(u), flags, "flags kept");
        assertEq(InvestorRecord.country(u), 1, "country set");
    }
}
