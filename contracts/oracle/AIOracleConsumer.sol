// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IAIOracle} from "./interfaces/IAIOracle.sol";
import {IAIOracleCallback} from "./interfaces/IAIOracleCallback.sol";

/// @title AIOracleConsumer
/// @notice Base for contracts that ask the Axon AI oracle for inferences: the oracle is immutable, only it can
/// deliver results, and results are dispatched to `_onResult` or `_onError`.
/// @dev Refunds and unused model fees are credited by the oracle to this contract (the requester); withdraw them with
/// `_withdrawOracleCredit` and hold a `receive` function to accept them.
abstract contract AIOracleConsumer is IAIOracleCallback {
    /// @notice The oracle this consumer trusts.
    IAIOracle public immutable oracle;

    /// @notice Only the oracle may deliver results.
    error AIOracleConsumerOnlyOracle(address caller);
    /// @notice The oracle address must be non-zero.
    error AIOracleConsumerZeroOracle();

    /// @param oracle_ The AIOracle proxy.
    constructor(IAIOracle oracle_) {
        if (address(oracle_) == address(0)) revert AIOracleConsumerZeroOracle();
        oracle = oracle_;
    }

    /// @inheritdoc IAIOracleCallback
    function onAIOracleResult(
        uint256 requestId,
        uint8 errorCode,
        bytes calldata output,
        bytes calldata callbackData
    ) external {
        if (msg.sender != address(oracle)) revert AIOracleConsumerOnlyOracle(msg.sender);
        if (errorCode == 0) _onResult(requestId, output, callbackData);
        else _onError(requestId, errorCode, callbackData);
    }

    /// @dev The fee a request with `callbackGasLimit` costs now.
    function _quote(uint256 modelId, uint32 callbackGasLimit) internal view returns (uint256) {
        return oracle.quote(modelId, callbackGasLimit);
    }

    /// @dev Sends a request paying `feeWei` from this contract's balance; the result comes back to this contract.
    function _request(
        uint256 modelId,
        bytes memory input,
        uint32 callbackGasLimit,
        bytes memory callbackData,
        uint256 feeWei
    ) internal returns (uint256 requestId) {
        return oracle.request{value: feeWei}(modelId, input, address(this), callbackGasLimit, callbackData);
    }

    /// @dev Pulls this contract's oracle credit (refunds) into its balance.
    function _withdrawOracleCredit() internal {
        oracle.withdrawCredit();
    }

    /// @dev A successful result. Must fit in the request's callback gas limit.
    function _onResult(uint256 requestId, bytes calldata output, bytes calldata callbackData) internal virtual;

    /// @dev An error result (`errorCode` is one of `AIOracleCodes.ERROR_*`).
    function _onError(uint256 requestId, uint8 errorCode, bytes calldata callbackData) internal virtual;
}
