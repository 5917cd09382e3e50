// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {TestBase} from "../utils/Vm.sol";
import {OfferingFactory} from "../../../contracts/factory/OfferingFactory.sol";
import {InvestorRegistry} from "../../../contracts/identity/InvestorRegistry.sol";
import {ISecurityToken} from "../../../contracts/interfaces/ISecurityToken.sol";
import {IRuleEngine} from "../../../contracts/interfaces/IRuleEngine.sol";
import {Distributor} from "../../../contracts/cashflow/Distributor.sol";
import {StandaloneDistributor} from "../../../contracts/cashflow/StandaloneDistributor.sol";
import {PaymentTokenPolicy} from "../../../contracts/cashflow/PaymentTokenPolicy.sol";
import {Redemption} from "../../../contracts/cashflow/Redemption.sol";
import {Waterfall} from "../../../contracts/cashflow/Waterfall.sol";
import {MockStablecoin} from "../../../contracts/mocks/MockStablecoin.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {Shipped} from "../utils/Shipped.sol";

/// @notice OfferingFactory: one-transaction offerings of cloned registry, tokens and distributor, handed over
/// to the offering admin with no power left in the factory; deterministic addresses; modules.
contract OfferingFactoryTest is TestBase {
    address internal constant ADMIN = address(0xAD);
    address internal constant TREASURY = address(0x7E);
    address internal constant TAX = address(0x7A);
    address internal constant STRANGER = address(0xBAD);
    bytes32 internal constant SALT = keccak256("offering-1");

    bytes32 internal constant AGENT_ROLE = keccak256("AGENT_ROLE");
    bytes32 internal constant COMPLIANCE_ROLE = keccak256("COMPLIANCE_ROLE");
    bytes32 internal constant SNAPSHOT_ROLE = keccak256("SNAPSHOT_ROLE");
    bytes32 internal constant REGISTRAR_ROLE = keccak256("REGISTRAR_ROLE");
    bytes32 internal constant DISTRIBUTION_AGENT_ROLE = keccak256("DISTRIBUTION_AGENT_ROLE");

    address internal registryImpl;
    address internal tokenImpl;
    address internal distributorImpl;
    address internal redemptionImpl;
    address internal waterfallImpl;
    OfferingFactory internal factory;
    MockStablecoin internal usd;

    function setUp() public {
        vm.warp(1_700_000_000);
        registryImpl = Shipped.deploy("InvestorRegistry");
        tokenImpl = Shipped.deploy("SecurityToken");
        distributorImpl = Shipped.deploy("Distributor", abi.encode(address(0)));
        redemptionImpl = Shipped.deploy("Redemption");
        waterfallImpl = Shipped.deploy("Waterfall");
        factory = OfferingFactory(
            Shipped.deploy(
                "OfferingFactory", abi.encode(registryImpl, tokenImpl, distributorImpl, redemptionImpl, waterfallImpl)
            )
        );
        usd = new MockStablecoin("USD Coin", "USDC", 6);
    }

    // ------------------------------------------------------------------ spec builders

    function _tokenSpec(string memory symbol, bytes[] memory setup)
        internal
        pure
        returns (OfferingFactory.TokenSpec memory)
    {
        return OfferingFactory.TokenSpec({name: symbol, symbol: symbol, decimals: 6, supplyCap: 1e12, setup: setup});
    }

    function _spec(uint256 tokenCount, bool withDistributor, bytes[] memory distributorSetup)
        internal
        pure
        returns (OfferingFactory.OfferingSpec memory spec)
    {
        OfferingFactory.TokenSpec[] memory tokens = new OfferingFactory.TokenSpec[](tokenCount);
        for (uint256 i; i < tokenCount; ++i) {
            bytes[] memory setup = new bytes[](2);
            setup[0] = abi.encodeCall(IRuleEngine.setAllowlistMode, (true));
            setup[1] = abi.encodeCall(IRuleEngine.setCountryRule, (uint16(344), true, false, uint32(0), uint32(0)));
            tokens[i] = _tokenSpec(i == 0 ? "SENIOR" : "JUNIOR", setup);
        }
        spec = OfferingFactory.OfferingSpec({
            admin: ADMIN,
            registry: address(0),
            distributor: address(0),
            treasury: TREASURY,
            taxAccount: TAX,
            withDistributor: withDistributor,
            tokens: tokens,
            distributorSetup: distributorSetup
        });
    }

    function _usdSetup() internal view returns (bytes[] memory setup) {
        setup = new bytes[](1);
        setup[0] = abi.encodeWithSelector(PaymentTokenPolicy.allowPaymentToken.selector, address(usd), bytes8("USD"), false);
    }

    function _deploy(OfferingFactory.OfferingSpec memory spec)
        internal
        returns (address registry, address distributor, address[] memory tokens)
    {
        return factory.deployOffering(spec, SALT);
    }

    function _assertFactoryHasNoRole(address target, bytes32 role) internal view {
        assertTrue(!IAccessControl(target).hasRole(role, address(factory)), "factory keeps no role");
    }

    // ------------------------------------------------------------------ constructor

    function test_constructorRefusesAZeroRegistryImplementation() public {
        vm.expectRevert(OfferingFactory.ZeroAddress.selector);
        Shipped.deploy(
            "OfferingFactory", abi.encode(address(0), tokenImpl, distributorImpl, redemptionImpl, waterfallImpl)
        );
    }

    function test_constructorRefusesAZeroTokenImplementation() public {
        vm.expectRevert(OfferingFactory.ZeroAddress.selector);
        Shipped.deploy(
            "OfferingFactory", abi.encode(registryImpl, address(0), distributorImpl, redemptionImpl, waterfallImpl)
        );
    }

    function test_constructorRecordsTheImplementations() public view {
        assertTrue(factory.registryImplementation() == registryImpl, "registry");
        assertTrue(factory.tokenImplementation() == tokenImpl, "token");
        assertTrue(factory.distributorImplementation() == distributorImpl, "distributor");
        assertTrue(factory.redemptionImplementation() == redemptionImpl, "redemption");
        assertTrue(factory.waterfallImplementation() == waterfallImpl, "waterfall");
    }

    // ------------------------------------------------------------------ deployOffering

    function test_deployOfferingWithANewRegistryHandsEveryRoleToTheAdmin() public {
        (address registry, address distributor, address[] memory tokens) = _deploy(_spec(2, false, new bytes[](0)));
        assertTrue(distributor == address(0), "no distributor");
        assertEq(tokens.length, 2, "two tranches");
        assertTrue(IAccessControl(registry).hasRole(bytes32(0), ADMIN), "registry admin");
        assertTrue(IAccessControl(registry).hasRole(REGISTRAR_ROLE, ADMIN), "registrar");
        _assertFactoryHasNoRole(registry, bytes32(0));
        for (uint256 i; i < 2; ++i) {
            ISecurityToken t = ISecurityToken(tokens[i]);
            assertTrue(t.identityRegistry() == registry, "token uses the registry");
            assertEq(t.supplyCap(), 1e12, "cap");
            assertTrue(t.hasRole(bytes32(0), ADMIN) && t.hasRole(AGENT_ROLE, ADMIN), "admin and agent");
            assertTrue(t.hasRole(COMPLIANCE_ROLE, ADMIN), "compliance");
            _assertFactoryHasNoRole(tokens[i], bytes32(0));
            _assertFactoryHasNoRole(tokens[i], COMPLIANCE_ROLE);
            (bool allowed,,,,) = t.countryRule(344);
            assertTrue(allowed, "setup call applied");
        }
        assertTrue(keccak256(bytes(ISecurityToken(tokens[0]).symbol())) == keccak256("SENIOR"), "symbol");
    }

    function test_deployOfferingReusesAnExistingRegistry() public {
        (address first,,) = _deploy(_spec(1, false, new bytes[](0)));
        OfferingFactory.OfferingSpec memory spec = _spec(1, false, new bytes[](0));
        spec.registry = first;
        (address registry,, address[] memory tokens) = factory.deployOffering(spec, keccak256("offering-2"));
        assertTrue(registry == first, "same registry");
        assertTrue(ISecurityToken(tokens[0]).identityRegistry() == first, "token on the shared registry");
    }

    function test_deployOfferingWithADistributorWithoutSetupMakesTheAdminItsAgent() public {
        (, address distributor, address[] memory tokens) = _deploy(_spec(1, true, new bytes[](0)));
        assertTrue(distributor != address(0), "distributor");
        assertTrue(IAccessControl(distributor).hasRole(bytes32(0), ADMIN), "admin");
        assertTrue(IAccessControl(distributor).hasRole(DISTRIBUTION_AGENT_ROLE, ADMIN), "agent");
        _assertFactoryHasNoRole(distributor, bytes32(0));
        assertTrue(ISecurityToken(tokens[0]).hasRole(SNAPSHOT_ROLE, distributor), "distributor snapshots");
    }

    function test_deployOfferingGrantsSnapshotToAnExistingStandaloneDistributor() public {
        // An issuer's StandaloneDistributor deployed first, with the offering's first token (at its predicted
        // address) as primary token.
        address pToken0 = factory.predictAddress(address(this), SALT, 0);
        StandaloneDistributor existing = StandaloneDistributor(
            Shipped.deploy("StandaloneDistributor", abi.encode(ADMIN, ADMIN, TREASURY, TAX, pToken0))
        );
        OfferingFactory.OfferingSpec memory spec = _spec(2, false, new bytes[](0));
        spec.distributor = address(existing);
        (address registry, address distributor, address[] memory tokens) = _deploy(spec);
        assertTrue(distributor == address(existing), "the existing distributor is reported");
        assertTrue(tokens[0] == pToken0, "primary token deployed where predicted");
        for (uint256 i; i < 2; ++i) {
            assertTrue(ISecurityToken(tokens[i]).hasRole(SNAPSHOT_ROLE, distributor), "distributor snapshots");
            _assertFactoryHasNoRole(tokens[i], bytes32(0));
        }
        assertTrue(!existing.hasRole(bytes32(0), address(factory)), "factory never had a role on it");

        // It pays on the new token, taking the record-date snapshot itself.
        address holder = address(0x4011);
        vm.startPrank(ADMIN);
        InvestorRegistry(registry).registerInvestor(holder, keccak256("holder"), 344, 2, uint40(block.timestamp + 365 days));
        ISecurityToken(tokens[0]).mint(holder, 1_000e6);
        existing.allowPaymentToken(address(usd), bytes8("USD"), false);
        existing.setExcludedWallets(tokens[0], new address[](0));
        usd.mint(ADMIN, 100e6);
        usd.approve(address(existing), 100e6);
        uint256 id = existing.createDistribution(tokens[0], address(usd), 100e6, uint64(block.timestamp + 1 days), 0);
        vm.stopPrank();
        assertEq(existing.distribution(id).snapshotId, 1, "snapshot taken by the distributor");
        vm.prank(holder);
        assertEq(existing.claim(id), 100e6, "holder paid");
    }

    function test_aNewDistributorTakesPrecedenceOverAnExistingOne() public {
        StandaloneDistributor existing = StandaloneDistributor(
            Shipped.deploy("StandaloneDistributor", abi.encode(ADMIN, ADMIN, TREASURY, TAX, address(0)))
        );
        OfferingFactory.OfferingSpec memory spec = _spec(1, true, new bytes[](0));
        spec.distributor = address(existing);
        (, address distributor, address[] memory tokens) = _deploy(spec);
        assertTrue(distributor == factory.predictAddress(address(this), SALT, type(uint256).max - 1), "the clone");
        assertTrue(ISecurityToken(tokens[0]).hasRole(SNAPSHOT_ROLE, distributor), "clone snapshots");
        assertTrue(!ISecurityToken(tokens[0]).hasRole(SNAPSHOT_ROLE, address(existing)), "existing one ignored");
    }

    function test_deployOfferingRunsDistributorSetupThenHandsOver() public {
        (, address distributor,) = _deploy(_spec(1, true, _usdSetup()));
        assertTrue(Distributor(distributor).isPaymentTokenAllowed(address(usd)), "setup applied");
        assertTrue(IAccessControl(distributor).hasRole(bytes32(0), ADMIN), "admin");
        assertTrue(IAccessControl(distributor).hasRole(DISTRIBUTION_AGENT_ROLE, ADMIN), "agent");
        _assertFactoryHasNoRole(distributor, bytes32(0));
        _assertFactoryHasNoRole(distributor, DISTRIBUTION_AGENT_ROLE);
    }

    function test_deployOfferingRevertsWholeWhenASetupCallFails() public {
        bytes[] memory bad = new bytes[](1);
        bad[0] = abi.encodeWithSelector(PaymentTokenPolicy.allowPaymentToken.selector, address(0), bytes8("USD"), false);
        OfferingFactory.OfferingSpec memory spec = _spec(1, true, bad);
        vm.expectRevert();
        factory.deployOffering(spec, SALT);
        assertEq(factory.predictAddress(address(this), SALT, type(uint256).max).code.length, 0, "nothing deployed");
    }

    function test_deployOfferingRefusesAZeroAdmin() public {
        OfferingFactory.OfferingSpec memory spec = _spec(1, false, new bytes[](0));
        spec.admin = address(0);
        vm.expectRevert(OfferingFactory.ZeroAddress.selector);
        factory.deployOffering(spec, SALT);
    }

    function test_deployOfferingRefusesAnOfferingWithoutTokens() public {
        vm.expectRevert(OfferingFactory.NoTokens.selector);
        factory.deployOffering(_spec(0, false, new bytes[](0)), SALT);
    }

    function test_deployOfferingRefusesADistributorWithoutTreasury() public {
        OfferingFactory.OfferingSpec memory spec = _spec(1, true, new bytes[](0));
        spec.treasury = address(0);
        vm.expectRevert(OfferingFactory.ZeroAddress.selector);
        factory.deployOffering(spec, SALT);
    }

    function test_deployOfferingRefusesADistributorWithoutTaxAccount() public {
        OfferingFactory.OfferingSpec memory spec = _spec(1, true, new bytes[](0));
        spec.taxAccount = address(0);
        vm.expectRevert(OfferingFactory.ZeroAddress.selector);
        factory.deployOffering(spec, SALT);
    }

    function test_deployOfferingRefusesTheSameSaltTwiceFromOneDeployer() public {
        _deploy(_spec(1, false, new bytes[](0)));
        OfferingFactory.OfferingSpec memory spec = _spec(1, false, new bytes[](0));
        vm.expectRevert();
        factory.deployOffering(spec, SALT);
    }

    function test_theSameSaltFromAnotherDeployerGivesOtherAddresses() public {
        (address mine,,) = _deploy(_spec(1, false, new bytes[](0)));
        OfferingFactory.OfferingSpec memory spec = _spec(1, false, new bytes[](0));
        vm.prank(STRANGER);
        (address theirs,,) = factory.deployOffering(spec, SALT);
        assertTrue(mine != theirs, "addresses depend on the deployer");
    }

    function test_deployedClonesCannotBeInitialisedAgain() public {
        (address registry, address distributor, address[] memory tokens) = _deploy(_spec(1, true, new bytes[](0)));
        vm.expectRevert();
        InvestorRegistry(registry).initialize(STRANGER);
        vm.expectRevert();
        Distributor(distributor).initialize(STRANGER, STRANGER, STRANGER, STRANGER);
        vm.expectRevert();
        ISecurityToken(tokens[0]).initialize("x", "x", 6, registry, STRANGER, 0);
    }

    // ------------------------------------------------------------------ predictAddress

    function test_predictAddressMatchesEveryDeployedClone() public {
        address pRegistry = factory.predictAddress(address(this), SALT, type(uint256).max);
        address pDistributor = factory.predictAddress(address(this), SALT, type(uint256).max - 1);
        address pToken0 = factory.predictAddress(address(this), SALT, 0);
        address pToken1 = factory.predictAddress(address(this), SALT, 1);
        (address registry, address distributor, address[] memory tokens) = _deploy(_spec(2, true, new bytes[](0)));
        assertTrue(registry == pRegistry, "registry");
        assertTrue(distributor == pDistributor, "distributor");
        assertTrue(tokens[0] == pToken0 && tokens[1] == pToken1, "tokens");
    }

    // ------------------------------------------------------------------ deployModule

    function _redemptionInit(address token, address distributor) internal view returns (bytes memory) {
        return abi.encodeCall(
            Redemption.initialize,
            (ADMIN, ADMIN, token, address(usd), distributor, TREASURY, 1_000_000, uint64(block.timestamp + 365 days))
        );
    }

    function _waterfallInit(address policy) internal view returns (bytes memory) {
        Waterfall.TrancheTerms[] memory tranches = new Waterfall.TrancheTerms[](2);
        tranches[0] = Waterfall.TrancheTerms({
            account: address(0x5E1), rateBps: 500, outstanding: 1_000_000, scheduledPrincipal: 100_000
        });
        tranches[1] = Waterfall.TrancheTerms({account: address(0x1E0), rateBps: 0, outstanding: 0, scheduledPrincipal: 0});
        return abi.encodeCall(
            Waterfall.initialize,
            (ADMIN, ADMIN, address(usd), policy, TREASURY, uint128(1_000), Waterfall.PrincipalMode.Sequential, tranches)
        );
    }

    function test_deployModuleClonesAndInitialisesARedemption() public {
        (, address distributor, address[] memory tokens) = _deploy(_spec(1, true, _usdSetup()));
        address instance =
            factory.deployModule(OfferingFactory.Module.Redemption, _redemptionInit(tokens[0], distributor), SALT);
        assertTrue(instance.code.length != 0, "deployed");
        assertTrue(IAccessControl(instance).hasRole(bytes32(0), ADMIN), "admin");
        _assertFactoryHasNoRole(instance, bytes32(0));
        vm.expectRevert();
        Redemption(instance).initialize(STRANGER, STRANGER, tokens[0], address(usd), distributor, STRANGER, 1, 0);
    }

    function test_deployModuleClonesAndInitialisesAWaterfall() public {
        (, address distributor,) = _deploy(_spec(1, true, _usdSetup()));
        address instance = factory.deployModule(OfferingFactory.Module.Waterfall, _waterfallInit(distributor), SALT);
        assertTrue(instance.code.length != 0, "deployed");
        assertTrue(IAccessControl(instance).hasRole(bytes32(0), ADMIN), "admin");
    }

    function test_deployModuleRefusesACallThatIsNotTheInitializer() public {
        bytes memory call = abi.encodeCall(IAccessControl.grantRole, (bytes32(0), STRANGER));
        vm.expectRevert(abi.encodeWithSelector(OfferingFactory.NotAnInitializer.selector, IAccessControl.grantRole.selector));
        factory.deployModule(OfferingFactory.Module.Redemption, call, SALT);
    }

    function test_deployModuleRefusesTheOtherModulesInitializer() public {
        (, address distributor,) = _deploy(_spec(1, true, _usdSetup()));
        bytes memory call = _waterfallInit(distributor);
        vm.expectRevert(abi.encodeWithSelector(OfferingFactory.NotAnInitializer.selector, Waterfall.initialize.selector));
        factory.deployModule(OfferingFactory.Module.Redemption, call, SALT);
    }

    function test_deployModuleRevertsWhenTheInitializerFails() public {
        (, address distributor,) = _deploy(_spec(1, true, new bytes[](0))); // usd not allowed
        bytes memory call = _waterfallInit(distributor);
        vm.expectRevert(abi.encodeWithSelector(Waterfall.PaymentTokenNotAllowed.selector, address(usd)));
        factory.deployModule(OfferingFactory.Module.Waterfall, call, SALT);
    }

    function test_deployModuleRefusesAModuleWithoutImplementation() public {
        OfferingFactory bare = OfferingFactory(
            Shipped.deploy(
                "OfferingFactory", abi.encode(registryImpl, tokenImpl, distributorImpl, address(0), address(0))
            )
        );
        vm.expectRevert(OfferingFactory.ZeroAddress.selector);
        bare.deployModule(OfferingFactory.Module.Redemption, hex"00000000", SALT);
        vm.expectRevert(OfferingFactory.ZeroAddress.selector);
        bare.deployModule(OfferingFactory.Module.Waterfall, hex"00000000", SALT);
    }

    function test_deployModuleAddressesDependOnDeployerSaltAndModule() public {
        (, address distributor,) = _deploy(_spec(1, true, _usdSetup()));
        bytes memory call = _waterfallInit(distributor);
        address a = factory.deployModule(OfferingFactory.Module.Waterfall, call, SALT);
        vm.expectRevert(); // same deployer, module and salt: the clone address is taken
        factory.deployModule(OfferingFactory.Module.Waterfall, call, SALT);
        address b = factory.deployModule(OfferingFactory.Module.Waterfall, call, keccak256("other"));
        vm.prank(STRANGER);
        address c = factory.deployModule(OfferingFactory.Module.Waterfall, call, SALT);
        assertTrue(a != b && a != c && b != c, "distinct addresses");
    }
}
