// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IAgentRoleEvents} from "../interfaces/IAgentRole.sol";

/// @title OwnedRoles
/// @notice Role-based access with an ERC-173 owner: the owner holds DEFAULT_ADMIN_ROLE by virtue of being the
/// owner, so ownership and the admin role never disagree. Other admins may still be granted the role.
/// @dev Storage: one address. Transferring ownership moves the owner's admin power in one write (the factory hands
/// a fresh contract over this way, cheaper than a grant and a renounce). Revoking or renouncing the owner's admin
/// role renounces ownership. Grants and revocations of the agent role also emit ERC-3643's AgentAdded and
/// AgentRemoved, however they are made (grantRole or addAgent).
abstract contract OwnedRoles is IAgentRoleEvents, AccessControl {
    address private _owner;

    /// @dev The role ERC-3643 calls "agent" on this contract.
    function _agentRole() internal pure virtual returns (bytes32);

    /// @notice AccessControl's check, with the owner holding DEFAULT_ADMIN_ROLE.
    /// @dev The owner first: an owner's admin calls (a factory's set-up) then read one slot, not two.
    function hasRole(bytes32 role, address account) public view virtual override returns (bool) {
        return (role == DEFAULT_ADMIN_ROLE && account == _owner && account != address(0)) || super.hasRole(role, account);
    }

    function _owned() internal view returns (address) {
        return _owner;
    }

    function _transferOwnership(address newOwner) internal {
        address previous = _owner;
        _owner = newOwner;
        emit OwnershipTransferred(previous, newOwner);
    }

    function _grantRole(bytes32 role, address account) internal virtual override returns (bool granted) {
        granted = super._grantRole(role, account);
        if (granted && role == _agentRole()) emit AgentAdded(account);
    }

    function _revokeRole(bytes32 role, address account) internal virtual override returns (bool revoked) {
        if (role == DEFAULT_ADMIN_ROLE && account == _owner && account != address(0)) {
            _transferOwnership(address(0));
            super._revokeRole(role, account); // an explicit grant too, if the owner also had one
            return true;
        }
        revoked = super._revokeRole(role, account);
        if (revoked && role == _agentRole()) emit AgentRemoved(account);
    }
}
