// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IAgentRole} from "../interfaces/IAgentRole.sol";
import {OwnedRoles} from "./OwnedRoles.sol";

/// @title AgentRole
/// @notice ERC-3643's `AgentRole` functions (T-REX 4.x signatures) and ERC-173 ownership over {OwnedRoles}.
/// As in T-REX, adding an agent twice or removing a non-agent is refused, and a zero address is never an agent.
abstract contract AgentRole is IAgentRole, OwnedRoles {
    /// @notice ERC-173 owner: the admin of record (holds DEFAULT_ADMIN_ROLE); zero once renounced.
    function owner() external view returns (address) {
        return _owned();
    }

    /// @notice Hands ownership, and with it the owner's admin role, to `newOwner` (owner only).
    function transferOwnership(address newOwner) external {
        _checkOwner();
        if (newOwner == address(0)) revert OwnableInvalidOwner(address(0));
        _transferOwnership(newOwner);
    }

    /// @notice Gives up ownership and the owner's admin role (owner only); other admins keep theirs.
    function renounceOwnership() external {
        _checkOwner();
        _transferOwnership(address(0));
    }

    /// @notice Whether `_agent` holds the agent role.
    function isAgent(address _agent) external view returns (bool) {
        return hasRole(_agentRole(), _agent);
    }

    /// @notice Grants the agent role (the role's admin: the owner or another DEFAULT_ADMIN_ROLE holder).
    function addAgent(address _agent) external onlyRole(getRoleAdmin(_agentRole())) {
        if (_agent == address(0)) revert InvalidAgent(address(0));
        if (!_grantRole(_agentRole(), _agent)) revert AgentAlreadyAdded(_agent);
    }

    /// @notice Revokes the agent role (the role's admin).
    function removeAgent(address _agent) external onlyRole(getRoleAdmin(_agentRole())) {
        if (!_revokeRole(_agentRole(), _agent)) revert AgentNotFound(_agent);
    }

    function _checkOwner() private view {
        if (msg.sender != _owned()) revert OwnableUnauthorizedAccount(msg.sender);
    }
}
