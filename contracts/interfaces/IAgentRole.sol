// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IAgentRoleEvents
/// @notice Events and errors of {IAgentRole}, apart so that contracts emitting them need not expose its functions.
interface IAgentRoleEvents {
    /// @notice ERC-173.
    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);
    /// @notice ERC-3643 (T-REX AgentRole): `_agent` gained (lost) the contract's agent role.
    event AgentAdded(address indexed _agent);
    event AgentRemoved(address indexed _agent);

    error OwnableUnauthorizedAccount(address account);
    error OwnableInvalidOwner(address owner);
    error InvalidAgent(address agent);
    error AgentAlreadyAdded(address agent);
    error AgentNotFound(address agent);
}

/// @title IAgentRole
/// @notice ERC-3643's agent management (T-REX 4.x `AgentRole`) with ERC-173 ownership, over role-based access:
/// the owner is the admin of record (it holds DEFAULT_ADMIN_ROLE), an agent is a holder of the contract's agent
/// role (AGENT_ROLE on a token, REGISTRAR_ROLE on a registry).
interface IAgentRole is IAgentRoleEvents {
    function owner() external view returns (address);
    function transferOwnership(address newOwner) external;
    function renounceOwnership() external;
    function isAgent(address _agent) external view returns (bool);
    function addAgent(address _agent) external;
    function removeAgent(address _agent) external;
}
