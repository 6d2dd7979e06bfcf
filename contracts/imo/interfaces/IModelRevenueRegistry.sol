// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IModelRevenueRegistry
/// @notice The part of the ModelRegistry an offering needs: who owns a model, and locking its revenue receiver
/// (the caller must hold the registry's REVENUE_MANAGER_ROLE).
interface IModelRevenueRegistry {
    /// @notice Owner of `modelId`.
    function ownerOf(uint256 modelId) external view returns (address);

    /// @notice Sets the model's revenue receiver and locks it forever.
    function lockRevenueReceiver(uint256 modelId, address receiver) external;
}
