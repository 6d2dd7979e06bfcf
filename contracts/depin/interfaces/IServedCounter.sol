// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IServedCounter
/// @notice The oracle's own record of the work a node delivered, read by the edge reward pool.
interface IServedCounter {
    /// @notice Monotonic count of final, paid results `node` delivered.
    /// @param node The serving node (the operator address the oracle assigns).
    function servedCount(address node) external view returns (uint256);
}
