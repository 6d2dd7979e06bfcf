// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";

/// @title MockEthUsdAggregator
/// @notice A Chainlink-style ETH/USD feed whose every round field is settable, to feed stale, incomplete, zero,
/// negative and out-of-bounds answers to the contracts under test.
contract MockEthUsdAggregator is AggregatorV3Interface {
    uint8 public immutable decimals;
    uint80 private _roundId;
    int256 private _answer;
    uint256 private _startedAt;
    uint256 private _updatedAt;
    uint80 private _answeredInRound;

    constructor(uint8 decimals_, int256 answer) {
        decimals = decimals_;
        setAnswer(answer);
    }

    /// @notice Starts a new complete round with `answer`, updated now.
    function setAnswer(int256 answer) public {
        _roundId += 1;
        setRound(_roundId, answer, block.timestamp, _roundId);
    }

    /// @notice Sets every field of the latest round.
    function setRound(uint80 roundId, int256 answer, uint256 updatedAt, uint80 answeredInRound) public {
        _roundId = roundId;
        _answer = answer;
        _startedAt = updatedAt;
        _updatedAt = updatedAt;
        _answeredInRound = answeredInRound;
    }

    function description() external pure returns (string memory) {
        return "ETH / USD (mock)";
    }

    function version() external pure returns (uint256) {
        return 4;
    }

    function getRoundData(uint80) external view returns (uint80, int256, uint256, uint256, uint80) {
        return (_roundId, _answer, _startedAt, _updatedAt, _answeredInRound);
    }

    function latestRoundData() external view returns (uint80, int256, uint256, uint256, uint80) {
        return (_roundId, _answer, _startedAt, _updatedAt, _answeredInRound);
    }
}
