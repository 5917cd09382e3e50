// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {TestBase} from "./utils/Vm.sol";
import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {InvestorRegistry} from "../../contracts/identity/InvestorRegistry.sol";
import {ISecurityToken, ISecurityTokenEvents} from "../../contracts/interfaces/ISecurityToken.sol";
import {ReasonCodes} from "../../contracts/compliance/ReasonCodes.sol";
import {Shipped} from "./utils/Shipped.sol";

/// @notice A deployed offering: registry and token clones, the test contract holding every role, five
/// investors and an HK/SG/US rule set (CN blocked, US only for accredited or institutional investors).
abstract contract TokenFixture is TestBase {
    uint16 internal constant HK = 344;
    uint16 internal constant CN = 156;
    uint16 internal constant US = 840;
    uint16 internal constant SG = 702;
    uint16 internal constant GB = 826;

    uint32 internal constant RETAIL = 1;
    uint32 internal constant PROFESSIONAL = 2;
    uint32 internal constant ACCREDITED = 4;
    uint32 internal constant INSTITUTIONAL = 8;

    uint256 internal constant T0 = 1_700_000_000;
    uint40 internal constant KYC_EXPIRY = uint40(T0 + 365 days);

    InvestorRegistry internal registry;
    ISecurityToken internal token;

    address internal alice = address(0xA11CE); // HK professional
    address internal bob = address(0xB0B); // HK professional
    address internal carol = address(0xCA401); // SG accredited
    address internal dave = address(0xDA4E); // US retail (not eligible in US)
    address internal erin = address(0xE417); // US accredited
    address internal cnInvestor = address(0xC41); // CN professional (blocked)
    address internal stranger = address(0x5742); // unregistered

    function setUp() public virtual {
        vm.warp(T0);
        InvestorRegistry registryImpl = InvestorRegistry(Shipped.deploy("InvestorRegistry"));
        registry = InvestorRegistry(Clones.clone(address(registryImpl)));
        registry.initialize(address(this));
        registry.grantRole(registry.REGISTRAR_ROLE(), address(this));

        ISecurityToken tokenImpl = ISecurityToken(Shipped.deploy("SecurityToken"));
        token = ISecurityToken(Clones.clone(address(tokenImpl)));
        token.initialize("Toll Road ABS 2031", "TOLL31", 6, address(registry), address(this), 0);
        token.grantRole(token.AGENT_ROLE(), address(this));
        token.grantRole(token.COMPLIANCE_ROLE(), address(this));
        token.grantRole(token.SNAPSHOT_ROLE(), address(this));

        _register(alice, "alice", HK, PROFESSIONAL);
        _register(bob, "bob", HK, PROFESSIONAL);
        _register(carol, "carol", SG, ACCREDITED);
        _register(dave, "dave", US, RETAIL);
        _register(erin, "erin", US, ACCREDITED);
        _register(cnInvestor, "cn", CN, PROFESSIONAL);

        token.setAllowlistMode(true);
        token.setCountryRule(HK, true, false, 0, 0);
        token.setCountryRule(SG, true, false, 0, 0);
        token.setCountryRule(US, true, false, ACCREDITED | INSTITUTIONAL, 0);
        token.setCountryRule(CN, false, true, 0, 0);
    }

    function _id(string memory name) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked("salt:", name));
    }

    function _register(address wallet, string memory name, uint16 country, uint32 categories) internal {
        registry.registerInvestor(wallet, _id(name), country, categories, KYC_EXPIRY);
    }

    function _restricted(uint8 code) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(ISecurityTokenEvents.TransferRestricted.selector, code);
    }

    function _code(address from, address to, uint256 amount) internal view returns (uint256) {
        return token.detectTransferRestriction(from, to, amount);
    }

    function _transfer(address from, address to, uint256 amount) internal {
        vm.prank(from);
        token.transfer(to, amount);
    }
}
