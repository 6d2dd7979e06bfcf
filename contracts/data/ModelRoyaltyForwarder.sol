// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IModelRegistry} from "../models/interfaces/IModelRegistry.sol";
import {IDataMarket} from "./interfaces/IDataMarket.sol";
import {IModelRoyaltyForwarder} from "./interfaces/IModelRoyaltyForwarder.sol";

/// @title ModelRoyaltyForwarder
/// @notice Forwards one model's DataMarket royalties to the model's revenue receiver (its ModelToken after an IMO).
/// @dev The implementation holds the registry and market as immutables (shared by every clone); each clone carries
/// its model id as immutable clone argument (`Clones.cloneDeterministicWithImmutableArgs`).
contract ModelRoyaltyForwarder is IModelRoyaltyForwarder, ReentrancyGuardTransient {
    /// @inheritdoc IModelRoyaltyForwarder
    address public immutable registry;
    /// @inheritdoc IModelRoyaltyForwarder
    address public immutable market;

    /// @param registry_ The ModelRegistry.
    /// @param market_ The DataMarket.
    constructor(address registry_, address market_) {
        registry = registry_;
        market = market_;
    }

    /// @notice Accepts the DataMarket's payouts; any other ETH is forwarded the same way.
    receive() external payable {}

    /// @inheritdoc IModelRoyaltyForwarder
    function forward() external nonReentrant returns (uint256 amountWei) {
        uint256 id = modelId();
        if (IDataMarket(market).creditOf(address(this), address(0)) != 0) IDataMarket(market).withdraw(address(0));
        amountWei = address(this).balance;
        if (amountWei == 0) revert ModelRoyaltyForwarderNothingToForward(id);
        address receiver = IModelRegistry(registry).revenueReceiverOf(id);
        emit RoyaltyForwarded(id, receiver, amountWei);
        Address.sendValue(payable(receiver), amountWei);
    }

    /// @inheritdoc IModelRoyaltyForwarder
    function modelId() public view returns (uint256) {
        return abi.decode(Clones.fetchCloneArgs(address(this)), (uint256));
    }

    /// @inheritdoc IModelRoyaltyForwarder
    function pendingWei() external view returns (uint256) {
        return IDataMarket(market).creditOf(address(this), address(0)) + address(this).balance;
    }
}
