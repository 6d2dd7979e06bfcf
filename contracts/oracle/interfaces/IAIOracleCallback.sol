// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IAIOracleCallback
/// @notice Implemented by contracts that receive AI oracle results (see AIOracleConsumer for a base contract).
interface IAIOracleCallback {
    /// @notice Delivers the final result of `requestId`, called by the oracle with exactly the request's
    /// `callbackGasLimit` gas. A revert or out-of-gas here is recorded by the oracle and never blocks settlement.
    /// @param requestId The id returned by `IAIOracle.request`.
    /// @param errorCode 0 on success; otherwise one of the `AIOracleCodes.ERROR_*` codes and `output` may be empty.
    /// @param output The model output in the model's canonical encoding.
    /// @param callbackData The bytes the requester attached to the request, passed through unchanged.
    function onAIOracleResult(
        uint256 requestId,
        uint8 errorCode,
        bytes calldata output,
        bytes calldata callbackData
    ) external;
}
