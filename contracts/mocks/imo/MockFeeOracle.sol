// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

interface IRevenueReceiverLookup {
    function revenueReceiverOf(uint256 modelId) external view returns (address);
}

/// @notice Stand-in for AIOracle's fee settlement: pays the model's share of each request fee to the model's revenue
/// receiver with no calldata and a 60k gas cap, falling back to a pull credit anyone can push later.
contract MockFeeOracle {
    uint256 public constant MODEL_PUSH_GAS = 60_000;
    IRevenueReceiverLookup public immutable registry;
    uint16 public immutable modelShareBps;
    mapping(address receiver => uint256) public credits;

    event ModelFeePaid(uint256 indexed modelId, address indexed receiver, uint256 amountWei, bool pushed);

    error MockFeeOracleNothingToPush(address receiver);
    error MockFeeOraclePushFailed(address receiver);

    constructor(IRevenueReceiverLookup registry_, uint16 modelShareBps_) {
        registry = registry_;
        modelShareBps = modelShareBps_;
    }

    function request(uint256 modelId) external payable {
        uint256 share = (msg.value * modelShareBps) / 10_000;
        address receiver = registry.revenueReceiverOf(modelId);
        (bool ok, ) = receiver.call{value: share, gas: MODEL_PUSH_GAS}("");
        if (!ok) credits[receiver] += share;
        emit ModelFeePaid(modelId, receiver, share, ok);
    }

    function pushCredit(address receiver) external {
        uint256 amount = credits[receiver];
        if (amount == 0) revert MockFeeOracleNothingToPush(receiver);
        credits[receiver] = 0;
        (bool ok, ) = receiver.call{value: amount}("");
        if (!ok) revert MockFeeOraclePushFailed(receiver);
    }
}
