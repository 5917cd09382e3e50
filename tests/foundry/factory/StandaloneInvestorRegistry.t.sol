// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {TestBase} from "../utils/Vm.sol";
import {StandaloneInvestorRegistry} from "../../../contracts/identity/StandaloneInvestorRegistry.sol";
import {IInvestorRegistry} from "../../../contracts/interfaces/IInvestorRegistry.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {Shipped} from "../utils/Shipped.sol";

/// @notice A registry deployed directly: the constructor grants the admin, initializers stay disabled.
contract StandaloneInvestorRegistryTest is TestBase {
    address internal constant ADMIN = address(0xAD);
    address internal constant REGISTRAR = address(0x4E6);
    address internal constant WALLET = address(0xA11CE);

    StandaloneInvestorRegistry internal registry;

    function setUp() public {
        vm.warp(1_700_000_000);
        registry = StandaloneInvestorRegistry(Shipped.deploy("StandaloneInvestorRegistry", abi.encode(ADMIN)));
    }

    function test_constructorRefusesAZeroAdmin() public {
        vm.expectRevert(IInvestorRegistry.ZeroAddress.selector);
        Shipped.deploy("StandaloneInvestorRegistry", abi.encode(address(0)));
    }

    function test_constructorGrantsTheAdminRoleOnly() public view {
        assertTrue(registry.hasRole(bytes32(0), ADMIN), "admin");
        assertTrue(!registry.hasRole(registry.REGISTRAR_ROLE(), ADMIN), "no registrar role yet");
    }

    function test_initializeAlwaysReverts() public {
        vm.expectRevert();
        registry.initialize(address(this));
        assertTrue(!registry.hasRole(bytes32(0), address(this)), "no admin taken");
    }

    function test_adminGrantsARegistrarWhoRegistersInvestors() public {
        bytes32 role = registry.REGISTRAR_ROLE();
        vm.prank(ADMIN);
        registry.grantRole(role, REGISTRAR);
        vm.prank(REGISTRAR);
        registry.registerInvestor(WALLET, keccak256("alice"), 344, 2, uint40(block.timestamp + 365 days));
        assertTrue(registry.isVerified(WALLET), "verified");
    }

    function test_registerInvestorRefusesAnUnauthorisedCaller() public {
        bytes32 role = registry.REGISTRAR_ROLE();
        vm.prank(ADMIN);
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, ADMIN, role));
        registry.registerInvestor(WALLET, keccak256("alice"), 344, 2, uint40(block.timestamp + 365 days));
    }

    function test_grantRoleRefusesAnUnauthorisedCaller() public {
        bytes32 role = registry.REGISTRAR_ROLE();
        vm.prank(REGISTRAR);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, REGISTRAR, bytes32(0))
        );
        registry.grantRole(role, REGISTRAR);
    }
}
