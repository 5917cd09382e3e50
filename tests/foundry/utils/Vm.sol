// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice Gas figures of the last call made by the test contract (forge `vm.lastCallGas`).
struct Gas {
    uint64 gasLimit;
    uint64 gasTotalUsed;
    uint64 gasMemoryUsed;
    int64 gasRefunded;
    uint64 gasRemaining;
}

/// @notice One entry of forge's `vm.readDir`.
struct DirEntry {
    string errorMessage;
    string path;
    uint64 depth;
    bool isDir;
    bool isSymlink;
}

/// @notice One log a call emitted, as forge's `vm.getRecordedLogs` returns it.
struct RecordedLog {
    bytes32[] topics;
    bytes data;
    address emitter;
}

/// @notice The few forge cheatcodes our Solidity tests use, declared at the cheatcode address.
interface Vm {
    function prank(address sender) external;
    function startPrank(address sender) external;
    function stopPrank() external;
    function warp(uint256 timestamp) external;
    function load(address target, bytes32 slot) external view returns (bytes32 data);
    function store(address target, bytes32 slot, bytes32 value) external;
    function expectRevert(bytes calldata revertData) external;
    function expectRevert(bytes4 selector) external;
    function expectRevert() external;
    function assume(bool condition) external;
    function addr(uint256 privateKey) external pure returns (address);
    function sign(uint256 privateKey, bytes32 digest) external pure returns (uint8 v, bytes32 r, bytes32 s);
    function label(address account, string calldata name) external;
    function lastCallGas() external view returns (Gas memory gas);
    function readFile(string calldata path) external view returns (string memory data);
    function parseJsonBytes(string calldata json, string calldata key) external pure returns (bytes memory);
    function toString(uint256 value) external pure returns (string memory);
    function toString(bytes calldata value) external pure returns (string memory);
    function toString(address value) external pure returns (string memory);
    function readDir(string calldata path) external view returns (DirEntry[] memory entries);
    function parseJsonString(string calldata json, string calldata key) external pure returns (string memory);
    function contains(string calldata subject, string calldata search) external pure returns (bool result);
    function envOr(string calldata name, bool defaultValue) external view returns (bool value);
    function getCode(string calldata artifactPath) external view returns (bytes memory creationBytecode);
    function snapshotState() external returns (uint256 snapshotId);
    function revertToState(uint256 snapshotId) external returns (bool success);
    function record() external;
    function accesses(address target) external returns (bytes32[] memory readSlots, bytes32[] memory writeSlots);
    function recordLogs() external;
    function getRecordedLogs() external returns (RecordedLog[] memory logs);
}

/// @notice Base for Solidity tests: the cheatcode handle and assertion helpers that revert with context.
abstract contract TestBase {
    Vm internal constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    error AssertionFailed(string what, uint256 left, uint256 right);

    function assertEq(uint256 a, uint256 b, string memory what) internal pure {
        if (a != b) revert AssertionFailed(what, a, b);
    }

    function assertLe(uint256 a, uint256 b, string memory what) internal pure {
        if (a > b) revert AssertionFailed(what, a, b);
    }

    function assertTrue(bool ok, string memory what) internal pure {
        if (!ok) revert AssertionFailed(what, 0, 1);
    }

    /// @dev Bounds a fuzzed value into [lo, hi] without discarding runs.
    function bound(uint256 x, uint256 lo, uint256 hi) internal pure returns (uint256) {
        if (hi <= lo) return lo;
        return lo + (x % (hi - lo + 1));
    }
}
