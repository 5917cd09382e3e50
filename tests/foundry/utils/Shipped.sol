// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Vm} from "./Vm.sol";

/// @notice Deploys production contracts from the bytecode that ships: the IR build in `rwa_token/artifacts/`
/// (`python -m rwa_token.compiler`), not forge's own legacy build of the sources. The Solidity types stay the
/// source contracts' or their interfaces' (same ABI): `ISecurityToken t = ISecurityToken(Shipped.deploy("SecurityToken"));`.
/// Every shipped deployment is held to EIP-170 and EIP-3860, which forge does not enforce in tests.
/// With RWA_FORGE_OWN_BYTECODE=1 (`make coverage`) `deploy` uses forge's own build of the same source instead:
/// coverage can only attribute executed code to sources through forge's own artifacts.
library Shipped {
    Vm private constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    /// @dev EIP-170: most runtime bytes a CREATE may leave on mainnet.
    uint256 internal constant EIP170_LIMIT = 24_576;
    /// @dev EIP-3860: most initcode bytes a CREATE may run.
    uint256 internal constant EIP3860_LIMIT = 2 * EIP170_LIMIT;

    /// @notice Where `name`'s artifact lives, relative to the project root (needs `fs_permissions` read access).
    function artifactPath(string memory name) internal pure returns (string memory) {
        return string.concat("rwa_token/artifacts/", name, ".json");
    }

    /// @notice The shipped creation bytecode of `name` (without constructor arguments).
    function creationCode(string memory name) internal view returns (bytes memory code) {
        code = vm.parseJsonBytes(vm.readFile(artifactPath(name)), ".bytecode");
        require(code.length != 0, string.concat("Shipped: ", artifactPath(name), " has no bytecode (abstract?)"));
    }

    /// @notice The shipped runtime bytecode of `name` as the compiler wrote it (immutables still zero).
    function deployedCode(string memory name) internal view returns (bytes memory) {
        return vm.parseJsonBytes(vm.readFile(artifactPath(name)), ".deployedBytecode");
    }

    /// @notice CREATEs `name` with no constructor arguments; see {deploy}.
    function deploy(string memory name) internal returns (address) {
        return deploy(name, "");
    }

    /// @notice CREATEs `name` from its shipped bytecode followed by `args` (`abi.encode(...)` of the constructor's
    /// parameters), or from forge's own build when RWA_FORGE_OWN_BYTECODE is set (coverage).
    function deploy(string memory name, bytes memory args) internal returns (address) {
        if (!vm.envOr("RWA_FORGE_OWN_BYTECODE", false)) return deployShipped(name, args);
        string memory source = vm.parseJsonString(vm.readFile(artifactPath(name)), ".sourcePath");
        return _create(name, bytes.concat(vm.getCode(string.concat(source, ":", name)), args), false);
    }

    /// @notice CREATEs `name` from its shipped bytecode followed by `args`, whatever the environment says.
    function deployShipped(string memory name, bytes memory args) internal returns (address) {
        return _create(name, bytes.concat(creationCode(name), args), true);
    }

    /// @dev Reverts naming the contract when creation fails (with the constructor's revert data) or, if `limits`,
    /// when the initcode or the runtime code is over its limit. Under `vm.expectRevert` a reverting constructor is
    /// the expected revert: forge then answers the CREATE with a placeholder address without code, returned as is.
    function _create(string memory name, bytes memory init, bool limits) private returns (address deployed) {
        if (limits && init.length > EIP3860_LIMIT) {
            revert(string.concat("Shipped: ", name, " initcode is ", vm.toString(init.length), " bytes, over 49152"));
        }
        assembly ("memory-safe") {
            deployed := create(0, add(init, 0x20), mload(init))
        }
        if (deployed == address(0)) {
            bytes memory reason;
            assembly ("memory-safe") {
                reason := mload(0x40)
                mstore(reason, returndatasize())
                returndatacopy(add(reason, 0x20), 0, returndatasize())
                mstore(0x40, add(add(reason, 0x20), returndatasize()))
            }
            revert(string.concat("Shipped: creating ", name, " failed; revert data ", vm.toString(reason)));
        }
        uint256 size = deployed.code.length;
        if (limits && size > EIP170_LIMIT) {
            revert(string.concat("Shipped: ", name, " runtime is ", vm.toString(size), " bytes, over EIP-170's 24576"));
        }
        if (size != 0 && limits) vm.label(deployed, string.concat(name, " (shipped)"));
    }
}
