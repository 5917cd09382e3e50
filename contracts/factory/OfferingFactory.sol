// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IAgentRole} from "../interfaces/IAgentRole.sol";
import {Redemption} from "../cashflow/Redemption.sol";
import {Waterfall} from "../cashflow/Waterfall.sol";
import {IDistributor} from "../interfaces/IDistributor.sol";
import {IInvestorRegistry} from "../interfaces/IInvestorRegistry.sol";
import {ISecurityToken} from "../interfaces/ISecurityToken.sol";

/// @title OfferingFactory
/// @notice Deploys a whole offering (investor registry, one token per tranche with its rules, a distributor) in
/// one transaction by cloning audited implementations (EIP-1167), at addresses that depend only on the
/// deployer and a salt.
/// @dev The factory initialises each clone with itself as admin, applies the caller's setup calls (rules,
/// documents, terms) while it holds the roles they need, then hands every role to the offering's admin and
/// renounces its own. It keeps no power over anything it deployed.
contract OfferingFactory {
    bytes32 private constant DEFAULT_ADMIN_ROLE = 0x00;
    bytes32 private constant AGENT_ROLE = keccak256("AGENT_ROLE");
    bytes32 private constant COMPLIANCE_ROLE = keccak256("COMPLIANCE_ROLE");
    bytes32 private constant SNAPSHOT_ROLE = keccak256("SNAPSHOT_ROLE");
    bytes32 private constant REGISTRAR_ROLE = keccak256("REGISTRAR_ROLE");
    bytes32 private constant DISTRIBUTION_AGENT_ROLE = keccak256("DISTRIBUTION_AGENT_ROLE");

    address public immutable registryImplementation;
    address public immutable tokenImplementation;
    address public immutable distributorImplementation;
    address public immutable redemptionImplementation;
    address public immutable waterfallImplementation;

    /// @notice Per-offering modules deployed after the offering, each a clone initialised in the same call.
    enum Module {
        Redemption,
        Waterfall
    }

    /// @notice One tranche's token and the calls that configure it (rule engine, documents, terms).
    struct TokenSpec {
        string name;
        string symbol;
        uint8 decimals;
        uint256 supplyCap;
        bytes[] setup;
    }

    /// @notice Everything an offering needs. `registry` = address(0) deploys a new registry for the offering.
    /// `withDistributor` clones a new Distributor (configured by `distributorSetup`); otherwise `distributor` may name
    /// an existing one (an issuer's StandaloneDistributor), which gets SNAPSHOT_ROLE on the tokens like a clone.
    struct OfferingSpec {
        address admin;
        address registry;
        address distributor;
        address treasury;
        address taxAccount;
        bool withDistributor;
        TokenSpec[] tokens;
        bytes[] distributorSetup;
    }

    event OfferingDeployed(
        address indexed deployer, bytes32 indexed salt, address admin, address registry, address distributor, address[] tokens
    );

    event ModuleDeployed(address indexed deployer, Module indexed module, address instance, bytes32 salt);

    error ZeroAddress();
    error NoTokens();
    error NotAnInitializer(bytes4 selector);

    constructor(
        address registryImpl,
        address tokenImpl,
        address distributorImpl,
        address redemptionImpl,
        address waterfallImpl
    ) {
        if (registryImpl == address(0) || tokenImpl == address(0)) revert ZeroAddress();
        registryImplementation = registryImpl;
        tokenImplementation = tokenImpl;
        distributorImplementation = distributorImpl;
        redemptionImplementation = redemptionImpl;
        waterfallImplementation = waterfallImpl;
    }

    /// @notice Clones a redemption or waterfall module and initialises it in the same transaction, so no one
    /// can initialise it first. `initCall` must be a call to the module's `initialize`.
    /// @param module Which implementation to clone.
    /// @param initCall ABI-encoded `initialize(...)` call for the module.
    /// @param salt With the caller's address, fixes the module's address.
    function deployModule(Module module, bytes calldata initCall, bytes32 salt) external returns (address instance) {
        address implementation = module == Module.Redemption ? redemptionImplementation : waterfallImplementation;
        if (implementation == address(0)) revert ZeroAddress();
        // Only the initializer may be forwarded: the factory must not become a generic proxy for arbitrary calls.
        bytes4 selector = bytes4(initCall[:4]);
        bytes4 initializer = module == Module.Redemption ? Redemption.initialize.selector : Waterfall.initialize.selector;
        if (selector != initializer) revert NotAnInitializer(selector);
        instance = Clones.cloneDeterministic(implementation, keccak256(abi.encode(msg.sender, salt, module)));
        // The initializer returns nothing; a failure reverts (and with it the clone).
        // slither-disable-next-line unused-return
        Address.functionCall(instance, initCall);
        emit ModuleDeployed(msg.sender, module, instance, salt);
    }

    /// @notice Deploys and configures an offering; returns the registry, distributor (or zero) and tokens.
    /// @param spec What to deploy and how to configure it.
    /// @param salt Chosen by the caller; with the caller's address it fixes every address (see the predict views).
    function deployOffering(OfferingSpec calldata spec, bytes32 salt)
        external
        returns (address registry, address distributor, address[] memory tokens)
    {
        if (spec.admin == address(0)) revert ZeroAddress();
        if (spec.tokens.length == 0) revert NoTokens();
        registry = spec.registry;
        if (registry == address(0)) {
            registry = Clones.cloneDeterministic(registryImplementation, _salt(msg.sender, salt, type(uint256).max));
            IInvestorRegistry(registry).initialize(address(this));
            _handOverOwned(registry, spec.admin, REGISTRAR_ROLE, bytes32(0));
        }
        distributor = spec.distributor;
        if (spec.withDistributor) {
            if (spec.treasury == address(0) || spec.taxAccount == address(0)) revert ZeroAddress();
            distributor =
                Clones.cloneDeterministic(distributorImplementation, _salt(msg.sender, salt, type(uint256).max - 1));
            if (spec.distributorSetup.length == 0) {
                // Nothing to configure: the admin is the first and only admin, no hand-over needed.
                IDistributor(distributor).initialize(spec.admin, spec.admin, spec.treasury, spec.taxAccount);
            } else {
                IDistributor(distributor).initialize(address(this), address(0), spec.treasury, spec.taxAccount);
                _run(distributor, spec.distributorSetup);
                _handOver(distributor, spec.admin, DISTRIBUTION_AGENT_ROLE);
            }
        }
        tokens = new address[](spec.tokens.length);
        for (uint256 i; i < spec.tokens.length; ++i) {
            tokens[i] = _deployToken(spec.tokens[i], registry, distributor, spec.admin, _salt(msg.sender, salt, i));
        }
        emit OfferingDeployed(msg.sender, salt, spec.admin, registry, distributor, tokens);
    }

    /// @notice Where `deployOffering(spec, salt)` from `deployer` puts token `index` (type(uint256).max: the
    /// registry; type(uint256).max - 1: the distributor).
    function predictAddress(address deployer, bytes32 salt, uint256 index) external view returns (address) {
        address implementation = index == type(uint256).max
            ? registryImplementation
            : index == type(uint256).max - 1 ? distributorImplementation : tokenImplementation;
        return Clones.predictDeterministicAddress(implementation, _salt(deployer, salt, index));
    }

    function _deployToken(TokenSpec calldata t, address registry, address distributor, address admin, bytes32 salt)
        private
        returns (address token)
    {
        token = Clones.cloneDeterministic(tokenImplementation, salt);
        ISecurityToken(token).initialize(t.name, t.symbol, t.decimals, registry, address(this), t.supplyCap);
        // Setup calls need the compliance role (rules); documents and terms need only the admin role the factory
        // already holds, so it takes no agent power even temporarily.
        IAccessControl(token).grantRole(COMPLIANCE_ROLE, address(this));
        _run(token, t.setup);
        // The distributor snapshots record dates on the token.
        if (distributor != address(0)) IAccessControl(token).grantRole(SNAPSHOT_ROLE, distributor);
        IAccessControl(token).renounceRole(COMPLIANCE_ROLE, address(this));
        _handOverOwned(token, admin, AGENT_ROLE, COMPLIANCE_ROLE);
    }

    /// @dev Grants the admin role and an operating role to `admin`, then renounces the factory's admin.
    function _handOver(address target, address admin, bytes32 role) private {
        IAccessControl(target).grantRole(DEFAULT_ADMIN_ROLE, admin);
        IAccessControl(target).grantRole(role, admin);
        IAccessControl(target).renounceRole(DEFAULT_ADMIN_ROLE, address(this));
    }

    /// @dev The same for a contract with an ERC-173 owner (token, registry), with one or two operating roles
    /// (`roleB` zero: none): ownership carries the admin role, so one transfer hands it over.
    function _handOverOwned(address target, address admin, bytes32 roleA, bytes32 roleB) private {
        IAccessControl(target).grantRole(roleA, admin);
        if (roleB != bytes32(0)) IAccessControl(target).grantRole(roleB, admin);
        IAgentRole(target).transferOwnership(admin);
    }

    function _run(address target, bytes[] calldata calls) private {
        for (uint256 i; i < calls.length; ++i) {
            // Setup calls are executed for their effects; any failure reverts the whole deployment.
            // slither-disable-next-line unused-return
            Address.functionCall(target, calls[i]);
        }
    }

    function _salt(address deployer, bytes32 salt, uint256 index) private pure returns (bytes32) {
        return keccak256(abi.encode(deployer, salt, index));
    }
}
