// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AIAgentBase} from "../../examples/AIAgentBase.sol";

/// @notice An agent payee whose ETH receipt re-enters `claim` on the agent; records the re-entry's revert data so a
/// test can prove it was refused.
contract ReentrantAgentPayee {
    AIAgentBase public immutable agent;
    bool public reentered;
    bool public reentrySucceeded;
    bytes public reentryRevertData;

    constructor(AIAgentBase agent_) {
        agent = agent_;
    }

    function claim() external {
        agent.claim();
    }

    // solhint-disable-next-line no-complex-fallback
    receive() external payable {
        if (reentered) return;
        reentered = true;
        (reentrySucceeded, reentryRevertData) = address(agent).call(abi.encodeCall(AIAgentBase.claim, ()));
    }
}

/// @notice An agent payee that refuses ETH, so its own claim reverts.
contract RejectingAgentPayee {
    AIAgentBase public immutable agent;

    error RejectingAgentPayeeRefused(uint256 amountWei);

    constructor(AIAgentBase agent_) {
        agent = agent_;
    }

    function claim() external {
        agent.claim();
    }

    receive() external payable {
        revert RejectingAgentPayeeRefused(msg.value);
    }
}
