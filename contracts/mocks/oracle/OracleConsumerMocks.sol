// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IAIOracle} from "../../oracle/interfaces/IAIOracle.sol";
import {IAIOracleCallback} from "../../oracle/interfaces/IAIOracleCallback.sol";

/// @notice Stores the first 32 bytes of each output and counts its calls (the benchmarks' storing callback, kept so
/// their figures stay comparable over time: the count is a second slot every callback rewrites).
contract StoringConsumer is IAIOracleCallback {
    mapping(uint256 requestId => bytes32) public results;
    mapping(uint256 requestId => uint8) public errors;
    uint256 public calls;

    function onAIOracleResult(uint256 requestId, uint8 errorCode, bytes calldata output, bytes calldata) external {
        calls += 1;
        if (errorCode != 0) errors[requestId] = errorCode;
        else results[requestId] = bytes32(output);
    }
}

/// @notice Always reverts.
contract RevertingConsumer is IAIOracleCallback {
    error RevertingConsumerAlwaysReverts();

    function onAIOracleResult(uint256, uint8, bytes calldata, bytes calldata) external pure {
        revert RevertingConsumerAlwaysReverts();
    }
}

/// @notice Burns all the gas it is given.
contract GasBurningConsumer is IAIOracleCallback {
    uint256 public counter;

    function onAIOracleResult(uint256, uint8, bytes calldata, bytes calldata) external {
        for (;;) counter += 1;
    }
}

/// @notice Returns a huge buffer, hoping the caller copies it.
contract HugeReturnConsumer is IAIOracleCallback {
    function onAIOracleResult(uint256, uint8, bytes calldata, bytes calldata) external pure {
        assembly {
            return(0, 200000)
        }
    }
}

/// @notice Re-enters the oracle from its callback with a call prepared by the test, and records the outcome.
contract ReentrantConsumer is IAIOracleCallback {
    IAIOracle public immutable oracle;
    bytes public reentryCall;
    bool public reentrySucceeded;
    bytes public reentryError;

    constructor(IAIOracle oracle_) {
        oracle = oracle_;
    }

    receive() external payable {}

    function setReentryCall(bytes calldata data) external {
        reentryCall = data;
    }

    function onAIOracleResult(uint256, uint8, bytes calldata, bytes calldata) external {
        (bool ok, bytes memory ret) = address(oracle).call(reentryCall);
        reentrySucceeded = ok;
        reentryError = ret;
    }
}

/// @notice A revenue receiver that rejects ETH, so pushes to it fail and its revenue stays a credit.
contract RejectingReceiver {
    error RejectingReceiverNoEth();

    receive() external payable {
        revert RejectingReceiverNoEth();
    }

    function withdrawFrom(IAIOracle oracle) external {
        oracle.withdrawCredit();
    }
}

/// @notice Stores exactly one 32-byte word per result and nothing else: the callback issue 13's round trip names
/// ("callback storing 32 B"), one fresh slot per request.
contract WordStoringConsumer is IAIOracleCallback {
    mapping(uint256 requestId => bytes32) public results;

    function onAIOracleResult(uint256 requestId, uint8, bytes calldata output, bytes calldata) external {
        results[requestId] = bytes32(output);
    }
}

/// @notice Accepts every result and does nothing (measures the oracle's own cost of a delivery).
contract NoopConsumer is IAIOracleCallback {
    function onAIOracleResult(uint256, uint8, bytes calldata, bytes calldata) external {}
}

/// @notice Records the hash of the exact calldata of each callback, so tests can check it is the canonical ABI
/// encoding of `onAIOracleResult(requestId, errorCode, output, callbackData)`.
contract CalldataRecordingConsumer is IAIOracleCallback {
    mapping(uint256 requestId => bytes32) public calldataHash;

    function onAIOracleResult(uint256 requestId, uint8, bytes calldata, bytes calldata) external {
        calldataHash[requestId] = keccak256(msg.data);
    }
}
