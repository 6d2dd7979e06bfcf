// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AIAgentBase} from "./AIAgentBase.sol";
import {IAIOracle} from "../oracle/interfaces/IAIOracle.sol";

/// @title AIAgent
/// @notice Example on-chain agent: holds ETH, asks a model what to do, and acts on the answer only within limits its
/// owner sets (allow-listed recipients, a cap per action and a cap per day). Payments are pull credits, so a
/// recipient can never block the agent. Output encoding (37 bytes): 1 byte action (0 hold, 1 pay), 20 bytes
/// recipient, 16 bytes big-endian amount in wei. See ClassifierAgent for an agent driven by a classifier.
contract AIAgent is AIAgentBase {
    /// @notice Output action: do nothing.
    uint8 public constant ACTION_HOLD = 0;
    /// @notice Output action: pay `amount` to `recipient`.
    uint8 public constant ACTION_PAY = 1;
    /// @notice Size of a canonical output in bytes.
    uint256 public constant OUTPUT_BYTES = 37;

    /// @param oracle_ The AIOracle.
    /// @param modelId_ The model consulted.
    /// @param owner_ Sets limits and triggers thinking.
    constructor(IAIOracle oracle_, uint256 modelId_, address owner_) AIAgentBase(oracle_, modelId_, owner_) {}

    function _onResult(uint256 requestId, bytes calldata output, bytes calldata) internal override {
        if (output.length != OUTPUT_BYTES || uint8(output[0]) > ACTION_PAY) {
            _reject(requestId, Rejection.Malformed);
            return;
        }
        if (uint8(output[0]) == ACTION_HOLD) {
            _hold(requestId);
            return;
        }
        _pay(requestId, address(bytes20(output[1:21])), uint128(bytes16(output[21:37])));
    }
}
