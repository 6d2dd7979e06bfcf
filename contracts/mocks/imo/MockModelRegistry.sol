// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IModelRevenueRegistry} from "../../imo/interfaces/IModelRevenueRegistry.sol";

/// @notice Stand-in for ModelRegistry's owner lookup and revenue-receiver lock (one revenue manager, lock once).
contract MockModelRegistry is IModelRevenueRegistry {
    mapping(uint256 => address) public ownerOf;
    mapping(uint256 => address) public revenueReceiverOf;
    mapping(uint256 => bool) public isRevenueLocked;
    address public revenueManager;

    error MockModelRegistryUnauthorized(address caller);
    error MockModelRegistryLocked(uint256 modelId);

    function setOwner(uint256 modelId, address owner) external {
        ownerOf[modelId] = owner;
    }

    function setRevenueManager(address manager) external {
        revenueManager = manager;
    }

    function lockRevenueReceiver(uint256 modelId, address receiver) external {
        if (msg.sender != revenueManager) revert MockModelRegistryUnauthorized(msg.sender);
        if (isRevenueLocked[modelId]) revert MockModelRegistryLocked(modelId);
        revenueReceiverOf[modelId] = receiver;
        isRevenueLocked[modelId] = true;
    }
}
