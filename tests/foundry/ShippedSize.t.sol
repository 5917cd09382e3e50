// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {TestBase, DirEntry} from "./utils/Vm.sol";
import {Shipped} from "./utils/Shipped.sol";

/// @notice The shipped build (rwa_token/artifacts, IR pipeline) keeps every production contract at least 1 KiB under
/// EIP-170's 24,576 bytes, so a later change has room before the contract can no longer be deployed. Each contract
/// is deployed from its artifact and its runtime code measured; a contract over the limit fails naming itself.
/// Stale artifacts measure old code: `python -m rwa_token.compiler` rebuilds them (tests/test_pipeline.py checks).
contract ShippedSizeTest is TestBase {
    uint256 internal constant HEADROOM = 1024;
    uint256 internal constant MAX_RUNTIME = Shipped.EIP170_LIMIT - HEADROOM; // 23,552 bytes

    address internal constant ADMIN = address(0xAD);
    address internal constant OTHER = address(0xB0B);

    /// @dev Every production contract with runtime code and its constructor arguments; the completeness test below
    /// fails when an artifact is missing here.
    function _contracts() internal pure returns (string[13] memory names, bytes[13] memory args) {
        names = [
            "CollateralManager",
            "Distributor",
            "DvPSettlement",
            "InvestorRegistry",
            "OfferingFactory",
            "ProceedsVault",
            "Redemption",
            "SecurityToken",
            "SecurityTokenAdmin",
            "StandaloneDistributor",
            "StandaloneInvestorRegistry",
            "Waterfall",
            "FundVault"
        ];
        args[0] = abi.encode(OTHER, ADMIN); // token, admin
        args[1] = abi.encode(address(0)); // primary token (implementation for clones)
        args[2] = abi.encode(ADMIN, OTHER); // admin, fee recipient
        args[4] = abi.encode(OTHER, OTHER, OTHER, OTHER, OTHER); // the five implementations
        args[5] = abi.encode(OTHER, ADMIN); // asset, admin
        args[9] = abi.encode(ADMIN, OTHER, OTHER, OTHER, address(0)); // admin, agent, treasury, tax, no token
        args[10] = abi.encode(ADMIN);
    }

    /// @dev Deploys `name` from its artifact and holds its runtime code to the headroom. Returns the size.
    function _check(uint256 i) internal returns (uint256 size) {
        (string[13] memory names, bytes[13] memory args) = _contracts();
        string memory name = names[i];
        if (args[i].length == 0 && keccak256(bytes(name)) == keccak256("FundVault")) {
            // Its constructor reads a live share token and payment-token policy (tests/foundry/fund deploys it from
            // this artifact): the artifact's runtime is measured, which is the deployed size (immutables included).
            size = Shipped.deployedCode(name).length;
            assertTrue(size <= MAX_RUNTIME, string.concat(name, " runtime over the 23552 allowed"));
            return size;
        }
        address deployed = Shipped.deployShipped(name, args[i]); // reverts, naming `name`, above 24,576 bytes
        size = deployed.code.length;
        assertEq(size, Shipped.deployedCode(name).length, string.concat(name, ": deployed size = artifact's"));
        if (size > MAX_RUNTIME) {
            revert(
                string.concat(
                    name,
                    " is ",
                    vm.toString(size),
                    " bytes, ",
                    vm.toString(size - MAX_RUNTIME),
                    " over the 23552 allowed (EIP-170's 24576 minus 1 KiB headroom)"
                )
            );
        }
    }

    function test_size_CollateralManager() public {
        _check(0);
    }

    function test_size_Distributor() public {
        _check(1);
    }

    function test_size_DvPSettlement() public {
        _check(2);
    }

    function test_size_InvestorRegistry() public {
        _check(3);
    }

    function test_size_OfferingFactory() public {
        _check(4);
    }

    function test_size_ProceedsVault() public {
        _check(5);
    }

    function test_size_Redemption() public {
        _check(6);
    }

    function test_size_SecurityToken() public {
        // The biggest contract: a broken artifact read would otherwise pass every size check.
        assertTrue(_check(7) > 15_000, "SecurityToken measured");
    }

    /// @dev Deployed by the SecurityToken implementation's constructor; sized on its own as well.
    function test_size_SecurityTokenAdmin() public {
        _check(8);
    }

    function test_size_StandaloneDistributor() public {
        _check(9);
    }

    function test_size_StandaloneInvestorRegistry() public {
        _check(10);
    }

    function test_size_FundVault() public {
        _check(12);
    }

    function test_size_Waterfall() public {
        _check(11);
    }

    /// @notice Every artifact with runtime code is sized above, except mocks and libraries.
    function test_everyShippedContractIsSized() public view {
        (string[13] memory names,) = _contracts();
        DirEntry[] memory entries = vm.readDir("rwa_token/artifacts");
        uint256 sized;
        for (uint256 e; e < entries.length; ++e) {
            if (entries[e].isDir || !vm.contains(entries[e].path, ".json")) continue;
            string memory json = vm.readFile(entries[e].path);
            bytes memory runtime = vm.parseJsonBytes(json, ".deployedBytecode");
            if (runtime.length == 0 || _isLibrary(runtime)) continue;
            if (vm.contains(vm.parseJsonString(json, ".sourcePath"), "contracts/mocks/")) continue;
            string memory name = vm.parseJsonString(json, ".contractName");
            bool listed;
            for (uint256 i; i < names.length; ++i) {
                if (keccak256(bytes(names[i])) == keccak256(bytes(name))) listed = true;
            }
            if (!listed) revert(string.concat(name, " ships runtime code but ShippedSize.t.sol does not size it"));
            ++sized;
        }
        assertEq(sized, names.length, "every listed contract has an artifact with runtime code");
    }

    /// @dev Libraries: one with only internal functions has a runtime that just reverts (PUSH0 DUP1 REVERT), one
    /// with external functions starts with the delegatecall guard (PUSH20 <its address> ADDRESS EQ).
    function _isLibrary(bytes memory runtime) internal pure returns (bool) {
        if (runtime.length > 2 && runtime[0] == 0x5f && runtime[1] == 0x80 && runtime[2] == 0xfd) return true;
        return runtime.length > 22 && runtime[0] == 0x73 && runtime[21] == 0x30 && runtime[22] == 0x14;
    }
}
