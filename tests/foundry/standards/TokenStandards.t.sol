// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {IERC5267} from "@openzeppelin/contracts/interfaces/IERC5267.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";
import {ISecurityToken, ISecurityTokenEvents} from "../../../contracts/interfaces/ISecurityToken.sol";
import {IAgentRole, IAgentRoleEvents} from "../../../contracts/interfaces/IAgentRole.sol";
import {IERC1404} from "../../../contracts/interfaces/IERC1404.sol";
import {IERC1643} from "../../../contracts/interfaces/IERC1643.sol";
import {IERC7943Fungible} from "../../../contracts/interfaces/IERC7943.sol";
import {IRuleEngineEvents} from "../../../contracts/interfaces/IRuleEngine.sol";
import {IComplianceHook} from "../../../contracts/interfaces/IComplianceHook.sol";
import {ReasonCodes} from "../../../contracts/compliance/ReasonCodes.sol";
import {StandardsBase} from "./StandardsBase.sol";

/// @notice An external compliance contract refusing every move with HOOK_REJECTED.
contract RejectAllHook is IComplianceHook {
    function check(address, address, address, uint256) external pure returns (uint8) {
        return ReasonCodes.HOOK_REJECTED;
    }

    function heldBalanceOf(address, address) external pure returns (uint256) {
        return 0;
    }
}

/// @notice The forge cheatcode that changes block.chainid.
interface VmChain {
    function chainId(uint256 newChainId) external;
}

/// @notice ERC-2612 permits and ERC-5267 (EIP-712 domain of the token's current name, version "1").
contract TokenPermitTest is StandardsBase {
    uint256 internal constant OWNER_PK = 0xA11CE5EC4E7;
    uint256 internal constant OTHER_PK = 0xB0B5EC4E7;
    bytes32 internal constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    bytes32 internal constant PERMIT_TYPEHASH =
        keccak256("Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)");

    address internal owner;
    uint256 internal deadline;

    struct Sig {
        uint8 v;
        bytes32 r;
        bytes32 s;
    }

    function setUp() public override {
        super.setUp();
        owner = vm.addr(OWNER_PK);
        deadline = block.timestamp + 1 hours;
    }

    function _domainFromFields() internal view returns (bytes32) {
        (, string memory name_, string memory version_, uint256 chainId, address verifying,,) = token.eip712Domain();
        return keccak256(abi.encode(DOMAIN_TYPEHASH, keccak256(bytes(name_)), keccak256(bytes(version_)), chainId, verifying));
    }

    function _digest(address owner_, address spender, uint256 value, uint256 nonce, uint256 deadline_)
        internal
        view
        returns (bytes32)
    {
        bytes32 structHash = keccak256(abi.encode(PERMIT_TYPEHASH, owner_, spender, value, nonce, deadline_));
        return keccak256(abi.encodePacked("\x19\x01", _domainFromFields(), structHash));
    }

    function _sign(uint256 pk, address spender, uint256 value, uint256 nonce) internal view returns (Sig memory sig) {
        (sig.v, sig.r, sig.s) = vm.sign(pk, _digest(owner, spender, value, nonce, deadline));
    }

    function _permit(address spender, uint256 value, Sig memory sig) internal {
        token.permit(owner, spender, value, deadline, sig.v, sig.r, sig.s);
    }

    function _invalidSigner(address signer) internal view returns (bytes memory) {
        return abi.encodeWithSelector(ISecurityTokenEvents.ERC2612InvalidSigner.selector, signer, owner);
    }

    // ------------------------------------------------------------------ ERC-2612

    function test_permit_typehashIsErc2612s() public view {
        assertEqB32(token.PERMIT_TYPEHASH(), PERMIT_TYPEHASH, "PERMIT_TYPEHASH");
    }

    function test_permit_validSignatureSetsAllowanceAndNonce() public {
        Sig memory sig = _sign(OWNER_PK, bob, 500e6, 0);
        _expectEmit();
        emit IERC20.Approval(owner, bob, 500e6);
        _permit(bob, 500e6, sig);
        assertEq(token.allowance(owner, bob), 500e6, "allowance");
        assertEq(token.nonces(owner), 1, "nonce consumed");
    }

    function test_permit_allowanceIsSpendable() public {
        _register(owner, "permit-owner", HK, PROFESSIONAL);
        token.mint(owner, 800e6);
        _permit(bob, 300e6, _sign(OWNER_PK, bob, 300e6, 0));
        vm.prank(bob);
        token.transferFrom(owner, carol, 300e6);
        assertEq(token.balanceOf(carol), 300e6, "moved with the permit");
        assertEq(token.allowance(owner, bob), 0, "spent");
    }

    function test_permit_refusedAfterTheDeadline() public {
        Sig memory sig = _sign(OWNER_PK, bob, 500e6, 0);
        vm.warp(deadline + 1);
        vm.expectRevert(abi.encodeWithSelector(ISecurityTokenEvents.ERC2612ExpiredSignature.selector, deadline));
        _permit(bob, 500e6, sig);
        assertEq(token.nonces(owner), 0, "nonce kept");
    }

    function test_permit_acceptedAtTheDeadline() public {
        Sig memory sig = _sign(OWNER_PK, bob, 500e6, 0);
        vm.warp(deadline);
        _permit(bob, 500e6, sig);
        assertEq(token.allowance(owner, bob), 500e6, "deadline inclusive");
    }

    function test_permit_refusedForAnotherSigner() public {
        Sig memory sig = _sign(OTHER_PK, bob, 500e6, 0);
        vm.expectRevert(_invalidSigner(vm.addr(OTHER_PK)));
        _permit(bob, 500e6, sig);
        assertEq(token.allowance(owner, bob), 0, "no allowance");
    }

    function test_permit_refusedForAnotherValueOrSpender() public {
        Sig memory sig = _sign(OWNER_PK, bob, 500e6, 0);
        address recoveredValue = ecrecover(_digest(owner, bob, 501e6, 0, deadline), sig.v, sig.r, sig.s);
        vm.expectRevert(_invalidSigner(recoveredValue));
        _permit(bob, 501e6, sig);
        address recoveredSpender = ecrecover(_digest(owner, carol, 500e6, 0, deadline), sig.v, sig.r, sig.s);
        vm.expectRevert(_invalidSigner(recoveredSpender));
        _permit(carol, 500e6, sig);
    }

    function test_permit_replayRefused() public {
        Sig memory sig = _sign(OWNER_PK, bob, 500e6, 0);
        _permit(bob, 500e6, sig);
        vm.prank(owner);
        token.approve(bob, 0);
        // The nonce moved on: the same signature now recovers another address.
        address recovered = ecrecover(_digest(owner, bob, 500e6, 1, deadline), sig.v, sig.r, sig.s);
        assertTrue(recovered != owner, "recovers someone else");
        vm.expectRevert(_invalidSigner(recovered));
        _permit(bob, 500e6, sig);
        assertEq(token.allowance(owner, bob), 0, "not re-approved");
        assertEq(token.nonces(owner), 1, "nonce unchanged by the refusal");
    }

    function test_permit_refusedForAFrozenOwner() public {
        Sig memory sig = _sign(OWNER_PK, bob, 500e6, 0);
        token.setAddressFrozen(owner, true);
        vm.expectRevert(_restricted(ReasonCodes.SENDER_FROZEN));
        _permit(bob, 500e6, sig);
        assertEq(token.nonces(owner), 0, "nonce kept");
        token.setAddressFrozen(owner, false);
        _permit(bob, 500e6, sig);
        assertEq(token.allowance(owner, bob), 500e6, "the same signature works once unfrozen");
    }

    function test_permit_refusedForASanctionedOwner() public {
        _register(owner, "permit-owner", HK, PROFESSIONAL);
        registry.setInvestorFrozen(owner, true);
        Sig memory sig = _sign(OWNER_PK, bob, 500e6, 0);
        vm.expectRevert(_restricted(ReasonCodes.SENDER_SANCTIONED));
        _permit(bob, 500e6, sig);
    }

    function test_permit_refusedForAFrozenSpender() public {
        Sig memory sig = _sign(OWNER_PK, bob, 500e6, 0);
        token.setAddressFrozen(bob, true);
        vm.expectRevert(_restricted(ReasonCodes.SPENDER_NOT_ALLOWED));
        _permit(bob, 500e6, sig);
    }

    function test_permit_refusedForASanctionedSpender() public {
        Sig memory sig = _sign(OWNER_PK, bob, 500e6, 0);
        registry.setInvestorFrozen(bob, true);
        vm.expectRevert(_restricted(ReasonCodes.SPENDER_NOT_ALLOWED));
        _permit(bob, 500e6, sig);
        assertEq(token.allowance(owner, bob), 0, "no allowance");
    }

    // ------------------------------------------------------------------ EIP-712 domain, ERC-5267

    function test_domainSeparator_matchesTheEip712DomainFields() public view {
        assertEqB32(token.DOMAIN_SEPARATOR(), _domainFromFields(), "DOMAIN_SEPARATOR from eip712Domain()");
        bytes32 expected = keccak256(
            abi.encode(
                DOMAIN_TYPEHASH, keccak256("Toll Road ABS 2031"), keccak256("1"), block.chainid, address(token)
            )
        );
        assertEqB32(token.DOMAIN_SEPARATOR(), expected, "name, version 1, chain, token");
    }

    function test_eip712Domain_fields() public view {
        (
            bytes1 fields,
            string memory name_,
            string memory version_,
            uint256 chainId,
            address verifying,
            bytes32 salt,
            uint256[] memory extensions
        ) = token.eip712Domain();
        assertTrue(fields == hex"0f", "fields 0x0f: name, version, chainId, verifyingContract");
        assertEqStr(name_, token.name(), "name is the token's");
        assertEqStr(version_, "1", "version");
        assertEq(chainId, block.chainid, "chain id");
        assertEqAddr(verifying, address(token), "the token (not the admin module)");
        assertEqB32(salt, bytes32(0), "no salt");
        assertEq(extensions.length, 0, "no extensions");
    }

    function test_domainSeparator_followsTheChainId() public {
        bytes32 before = token.DOMAIN_SEPARATOR();
        VmChain(address(vm)).chainId(block.chainid + 1);
        assertTrue(token.DOMAIN_SEPARATOR() != before, "another chain, another domain");
        assertEqB32(token.DOMAIN_SEPARATOR(), _domainFromFields(), "still the fields' digest");
    }

    function test_rename_changesTheDomainAndInvalidatesOldSignatures() public {
        bytes32 before = token.DOMAIN_SEPARATOR();
        Sig memory oldSig = _sign(OWNER_PK, bob, 500e6, 0);
        _expectEmit();
        emit IERC5267.EIP712DomainChanged();
        token.setName("Toll Road ABS 2031 (renamed)");
        assertTrue(token.DOMAIN_SEPARATOR() != before, "domain changed");
        (, string memory name_,,,,,) = token.eip712Domain();
        assertEqStr(name_, "Toll Road ABS 2031 (renamed)", "eip712Domain name");

        address recovered = ecrecover(_digest(owner, bob, 500e6, 0, deadline), oldSig.v, oldSig.r, oldSig.s);
        vm.expectRevert(_invalidSigner(recovered));
        _permit(bob, 500e6, oldSig);

        _permit(bob, 500e6, _sign(OWNER_PK, bob, 500e6, 0));
        assertEq(token.allowance(owner, bob), 500e6, "a signature over the new domain works");
    }
}

/// @notice ERC-173 ownership and ERC-3643's AgentRole on the token.
contract TokenAgentRoleTest is StandardsBase {
    address internal admin2 = address(0xAD2);
    address internal agent = address(0xA6E47);
    bytes32 internal constant ADMIN = bytes32(0);

    function _ownableUnauthorized(address account) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(IAgentRoleEvents.OwnableUnauthorizedAccount.selector, account);
    }

    function test_owner_isTheAdminAfterInitialize() public view {
        assertEqAddr(token.owner(), address(this), "owner");
        assertTrue(token.hasRole(ADMIN, address(this)), "the owner holds DEFAULT_ADMIN_ROLE");
        assertFalse(token.hasRole(ADMIN, stranger), "nobody else");
    }

    function test_transferOwnership_movesTheAdminRole() public {
        _expectEmit();
        emit IAgentRoleEvents.OwnershipTransferred(address(this), admin2);
        token.transferOwnership(admin2);
        assertEqAddr(token.owner(), admin2, "new owner");
        assertFalse(token.hasRole(ADMIN, address(this)), "old owner lost the admin role");
        assertTrue(token.hasRole(ADMIN, admin2), "new owner holds it");

        vm.expectRevert(_unauthorized(address(this), ADMIN));
        token.setName("by the old owner");
        vm.prank(admin2);
        token.setName("by the new owner");
        assertEqStr(token.name(), "by the new owner", "the new owner administers");
        bytes32 agentRole = token.AGENT_ROLE();
        vm.prank(admin2);
        token.grantRole(agentRole, agent);
        assertTrue(token.isAgent(agent), "the new owner grants roles");
    }

    function test_transferOwnership_onlyByTheOwner() public {
        vm.prank(stranger);
        vm.expectRevert(_ownableUnauthorized(stranger));
        token.transferOwnership(stranger);
        // Another holder of the admin role is not the owner either.
        token.grantRole(ADMIN, admin2);
        vm.prank(admin2);
        vm.expectRevert(_ownableUnauthorized(admin2));
        token.transferOwnership(admin2);
        assertEqAddr(token.owner(), address(this), "unchanged");
    }

    function test_transferOwnership_refusesZero() public {
        vm.expectRevert(abi.encodeWithSelector(IAgentRoleEvents.OwnableInvalidOwner.selector, address(0)));
        token.transferOwnership(address(0));
        assertEqAddr(token.owner(), address(this), "unchanged");
    }

    function test_renounceOwnership_dropsTheAdminRole() public {
        vm.prank(stranger);
        vm.expectRevert(_ownableUnauthorized(stranger));
        token.renounceOwnership();
        _expectEmit();
        emit IAgentRoleEvents.OwnershipTransferred(address(this), address(0));
        token.renounceOwnership();
        assertEqAddr(token.owner(), address(0), "no owner");
        assertFalse(token.hasRole(ADMIN, address(this)), "admin role gone");
        assertFalse(token.hasRole(ADMIN, address(0)), "the zero address is never the admin");
        vm.expectRevert(_unauthorized(address(this), ADMIN));
        token.setSymbol("X");
    }

    function test_renounceOwnership_keepsOtherAdmins() public {
        token.grantRole(ADMIN, admin2);
        token.renounceOwnership();
        assertTrue(token.hasRole(ADMIN, admin2), "an explicitly granted admin stays");
        vm.prank(admin2);
        token.setSymbol("NEW");
        assertEqStr(token.symbol(), "NEW", "and may administer");
    }

    function test_revokingTheOwnersAdminRoleClearsTheOwner() public {
        _expectEmit();
        emit IAgentRoleEvents.OwnershipTransferred(address(this), address(0));
        token.revokeRole(ADMIN, address(this));
        assertEqAddr(token.owner(), address(0), "owner cleared");
        assertFalse(token.hasRole(ADMIN, address(this)), "admin role gone");
    }

    function test_renouncingTheOwnersAdminRoleClearsTheOwner() public {
        token.renounceRole(ADMIN, address(this));
        assertEqAddr(token.owner(), address(0), "owner cleared");
        assertFalse(token.hasRole(ADMIN, address(this)), "admin role gone");
    }

    function test_anotherAdminRevokingTheOwnerClearsTheOwner() public {
        token.grantRole(ADMIN, admin2);
        vm.prank(admin2);
        token.revokeRole(ADMIN, address(this));
        assertEqAddr(token.owner(), address(0), "owner cleared");
        assertFalse(token.hasRole(ADMIN, address(this)), "the former owner holds nothing");
        assertTrue(token.hasRole(ADMIN, admin2), "the other admin stays");
    }

    function test_addAgent_grantsTheAgentRole() public {
        assertFalse(token.isAgent(agent), "not yet");
        _expectEmit();
        emit IAgentRoleEvents.AgentAdded(agent);
        token.addAgent(agent);
        assertTrue(token.isAgent(agent), "isAgent");
        assertTrue(token.hasRole(token.AGENT_ROLE(), agent), "AGENT_ROLE");
        vm.prank(agent);
        token.mint(alice, 1e6);
        assertEq(token.balanceOf(alice), 1e6, "the agent mints");
    }

    function test_removeAgent_revokesTheAgentRole() public {
        token.addAgent(agent);
        _expectEmit();
        emit IAgentRoleEvents.AgentRemoved(agent);
        token.removeAgent(agent);
        assertFalse(token.isAgent(agent), "isAgent");
        bytes32 agentRole = token.AGENT_ROLE();
        assertFalse(token.hasRole(agentRole, agent), "AGENT_ROLE");
        vm.prank(agent);
        vm.expectRevert(_unauthorized(agent, agentRole));
        token.mint(alice, 1e6);
    }

    function test_addAgent_refusals() public {
        token.addAgent(agent);
        vm.expectRevert(abi.encodeWithSelector(IAgentRoleEvents.AgentAlreadyAdded.selector, agent));
        token.addAgent(agent);
        vm.expectRevert(abi.encodeWithSelector(IAgentRoleEvents.InvalidAgent.selector, address(0)));
        token.addAgent(address(0));
        vm.expectRevert(abi.encodeWithSelector(IAgentRoleEvents.AgentNotFound.selector, stranger));
        token.removeAgent(stranger);
    }

    function test_agentManagement_refusedForAStrangerAndAnAgent() public {
        vm.prank(stranger);
        vm.expectRevert(_unauthorized(stranger, ADMIN));
        token.addAgent(stranger);
        token.addAgent(agent);
        vm.prank(stranger);
        vm.expectRevert(_unauthorized(stranger, ADMIN));
        token.removeAgent(agent);
        // An agent does not manage agents.
        vm.prank(agent);
        vm.expectRevert(_unauthorized(agent, ADMIN));
        token.addAgent(stranger);
        assertTrue(token.isAgent(agent) && !token.isAgent(stranger), "unchanged");
    }

    function test_grantRole_ofTheAgentRoleEmitsAgentEvents() public {
        bytes32 agentRole = token.AGENT_ROLE();
        _expectEmit();
        emit IAccessControl.RoleGranted(agentRole, agent, address(this));
        _expectEmit();
        emit IAgentRoleEvents.AgentAdded(agent);
        token.grantRole(agentRole, agent);
        assertTrue(token.isAgent(agent), "isAgent");
        _expectEmit();
        emit IAgentRoleEvents.AgentRemoved(agent);
        token.revokeRole(agentRole, agent);
        assertFalse(token.isAgent(agent), "revoked");
    }

    function test_grantRole_ofAnotherRoleEmitsNoAgentEvent() public {
        vm.recordLogs();
        token.grantRole(token.COMPLIANCE_ROLE(), agent);
        token.revokeRole(token.COMPLIANCE_ROLE(), agent);
        assertEq(_countLogs(IAgentRoleEvents.AgentAdded.selector), 0, "no AgentAdded");
        vm.recordLogs();
        token.grantRole(token.SNAPSHOT_ROLE(), agent);
        token.revokeRole(token.SNAPSHOT_ROLE(), agent);
        assertEq(_countLogs(IAgentRoleEvents.AgentRemoved.selector), 0, "no AgentRemoved");
        assertFalse(token.isAgent(agent), "not an agent");
    }
}

/// @notice ERC-3643 token information and compliance binding, ERC-165, and the admin module's isolation.
contract TokenInformationTest is StandardsBase {
    address internal officer = address(0x0FF1CE);
    address internal onchainId = address(0x1D);

    function _expectInfo(string memory name_, string memory symbol_, address oid) internal {
        _expectEmit();
        emit ISecurityTokenEvents.UpdatedTokenInformation(name_, symbol_, 6, "2.0.0", oid);
    }

    function test_setName_emitsTokenInformationAndDomainChange() public {
        _expectInfo("Toll Road ABS 2032", "TOLL31", address(0));
        _expectEmit();
        emit IERC5267.EIP712DomainChanged();
        token.setName("Toll Road ABS 2032");
        assertEqStr(token.name(), "Toll Road ABS 2032", "name");
    }

    function test_setSymbol_emitsTokenInformation() public {
        _expectInfo("Toll Road ABS 2031", "TOLL32", address(0));
        token.setSymbol("TOLL32");
        assertEqStr(token.symbol(), "TOLL32", "symbol");
    }

    function test_setOnchainID_emitsTokenInformation() public {
        assertEqAddr(token.onchainID(), address(0), "none at first");
        _expectInfo("Toll Road ABS 2031", "TOLL31", onchainId);
        token.setOnchainID(onchainId);
        assertEqAddr(token.onchainID(), onchainId, "recorded");
        // Later information events carry it.
        _expectInfo("Toll Road ABS 2031", "T31", onchainId);
        token.setSymbol("T31");
        _expectInfo("Toll Road ABS 2031", "T31", address(0));
        token.setOnchainID(address(0));
        assertEqAddr(token.onchainID(), address(0), "cleared");
    }

    function test_emptyNameOrSymbolRefused() public {
        vm.expectRevert(ISecurityTokenEvents.EmptyTokenInformation.selector);
        token.setName("");
        vm.expectRevert(ISecurityTokenEvents.EmptyTokenInformation.selector);
        token.setSymbol("");
        assertEqStr(token.name(), "Toll Road ABS 2031", "name unchanged");
        assertEqStr(token.symbol(), "TOLL31", "symbol unchanged");
    }

    function test_tokenInformation_adminOnly() public {
        token.grantRole(token.AGENT_ROLE(), alice);
        token.grantRole(token.COMPLIANCE_ROLE(), officer);
        address[3] memory callers = [stranger, alice, officer];
        for (uint256 i; i < 3; ++i) {
            vm.prank(callers[i]);
            vm.expectRevert(_unauthorized(callers[i], bytes32(0)));
            token.setName("N");
            vm.prank(callers[i]);
            vm.expectRevert(_unauthorized(callers[i], bytes32(0)));
            token.setSymbol("S");
            vm.prank(callers[i]);
            vm.expectRevert(_unauthorized(callers[i], bytes32(0)));
            token.setOnchainID(onchainId);
        }
        assertEqStr(token.name(), "Toll Road ABS 2031", "name unchanged");
        assertEqAddr(token.onchainID(), address(0), "onchainID unchanged");
    }

    function test_setCompliance_bindsAndUnbindsTheHook() public {
        token.mint(alice, 100e6);
        RejectAllHook hook = new RejectAllHook();
        _expectEmit();
        emit IRuleEngineEvents.ComplianceHookSet(address(hook));
        token.setCompliance(address(hook));
        assertEqAddr(token.complianceHook(), address(hook), "hook bound");
        assertEqAddr(token.compliance(), address(token), "compliance() stays the token");
        assertEq(token.detectTransferRestriction(alice, bob, 1e6), ReasonCodes.HOOK_REJECTED, "the hook is asked");
        assertFalse(token.canTransfer(alice, bob, 1e6), "canTransfer runs the hook");

        _expectEmit();
        emit IRuleEngineEvents.ComplianceHookSet(address(0));
        token.setCompliance(address(0));
        assertEqAddr(token.complianceHook(), address(0), "unbound with zero");
        assertTrue(token.canTransfer(alice, bob, 1e6), "no hook");

        token.setCompliance(address(hook));
        token.setCompliance(address(token));
        assertEqAddr(token.complianceHook(), address(0), "unbound with the token's own address");
        assertTrue(token.canTransfer(alice, bob, 1e6), "no hook");
        assertEqAddr(token.compliance(), address(token), "compliance() stays the token");
    }

    function test_setCompliance_adminOrComplianceOfficerOnly() public {
        RejectAllHook hook = new RejectAllHook();
        token.grantRole(token.AGENT_ROLE(), alice);
        bytes32 complianceRole = token.COMPLIANCE_ROLE();
        vm.prank(stranger);
        vm.expectRevert(_unauthorized(stranger, complianceRole));
        token.setCompliance(address(hook));
        vm.prank(alice);
        vm.expectRevert(_unauthorized(alice, complianceRole));
        token.setCompliance(address(hook));
        assertEqAddr(token.complianceHook(), address(0), "unchanged");

        token.grantRole(complianceRole, officer);
        vm.prank(officer);
        token.setCompliance(address(hook));
        assertEqAddr(token.complianceHook(), address(hook), "the compliance officer binds");
    }

    // ------------------------------------------------------------------ ERC-165

    function test_supportsInterface_everyStandard() public view {
        assertTrue(type(IERC20).interfaceId == bytes4(0x36372b07), "ERC-20 id");
        assertTrue(token.supportsInterface(0x36372b07), "ERC-20");
        assertTrue(token.supportsInterface(type(IERC20Metadata).interfaceId), "ERC-20 metadata");
        assertTrue(token.supportsInterface(0x3edbb4c4), "ERC-7943");
        assertTrue(type(IERC1404).interfaceId == bytes4(0xab84a5c8), "ERC-1404 id");
        assertTrue(token.supportsInterface(0xab84a5c8), "ERC-1404");
        assertTrue(token.supportsInterface(type(IERC1643).interfaceId), "ERC-1643");
        assertTrue(token.supportsInterface(type(IERC20Permit).interfaceId), "ERC-2612");
        assertTrue(token.supportsInterface(type(IERC5267).interfaceId), "ERC-5267");
        assertTrue(token.supportsInterface(0x7f5828d0), "ERC-173");
        assertTrue(type(IAgentRole).interfaceId == bytes4(0x02b23fde), "IAgentRole id");
        assertTrue(token.supportsInterface(0x02b23fde), "IAgentRole");
        assertTrue(token.supportsInterface(0x1b643469), "T-REX IToken");
        assertTrue(token.supportsInterface(type(IAccessControl).interfaceId), "AccessControl");
        assertTrue(token.supportsInterface(type(IERC165).interfaceId), "ERC-165");
        assertFalse(token.supportsInterface(0xffffffff), "0xffffffff");
        assertTrue(type(IERC7943Fungible).interfaceId == bytes4(0x3edbb4c4), "ERC-7943 id");
    }

    // ------------------------------------------------------------------ the admin module and the fallback

    function test_adminModule_calledDirectlyChangesNothing() public {
        ISecurityToken module = ISecurityToken(token.adminModule());
        assertTrue(address(module) != address(0) && address(module) != address(token), "a separate contract");
        assertTrue(address(module).code.length != 0, "deployed");
        assertEqAddr(module.owner(), address(0), "no owner there");
        assertFalse(module.hasRole(bytes32(0), address(this)), "the token's owner holds nothing there");
        assertFalse(module.isAgent(address(this)), "nor the agent role");
        address[2] memory callers = [address(this), stranger];
        for (uint256 i; i < 2; ++i) {
            _moduleRefuses(module, callers[i]);
        }
        assertEqStr(token.name(), "Toll Road ABS 2031", "the token is untouched");
        assertEqAddr(token.owner(), address(this), "the token's owner is untouched");
    }

    function _moduleRefuses(ISecurityToken module, address caller) internal {
        vm.prank(caller);
        vm.expectRevert(_unauthorized(caller, bytes32(0)));
        module.setName("hijacked");
        vm.prank(caller);
        vm.expectRevert(_unauthorized(caller, bytes32(0)));
        module.addAgent(caller);
        vm.prank(caller);
        vm.expectRevert(_unauthorized(caller, bytes32(0)));
        module.grantRole(bytes32(0), caller);
        vm.prank(caller);
        vm.expectRevert(abi.encodeWithSelector(IAgentRoleEvents.OwnableUnauthorizedAccount.selector, caller));
        module.transferOwnership(caller);
        vm.prank(caller);
        vm.expectRevert(_unauthorized(caller, keccak256("COMPLIANCE_ROLE")));
        module.setCountryRule(CN, true, false, 0, 0);
        // The token's own functions are not the module's: no fallback there.
        vm.prank(caller);
        (bool ok,) = address(module).call(
            abi.encodeWithSignature(
                "initialize(string,string,uint8,address,address,uint256)", "X", "X", uint8(6), address(registry), caller, 0
            )
        );
        assertFalse(ok, "no initialize on the module");
        vm.prank(caller);
        (ok,) = address(module).call(abi.encodeWithSignature("mint(address,uint256)", caller, 1));
        assertFalse(ok, "no mint on the module");
    }

    function test_unknownSelectorReverts() public {
        (bool ok, bytes memory ret) = address(token).call(abi.encodeWithSelector(bytes4(0xdeadbeef), uint256(1)));
        assertFalse(ok, "unknown selector");
        assertEq(ret.length, 0, "no revert data");
        (ok,) = address(token).call("");
        assertFalse(ok, "empty calldata");
        (ok,) = address(token).call{value: 1}("");
        assertFalse(ok, "no ether accepted");
    }
}
