// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IComputeEscrow} from "../compute/interfaces/IComputeEscrow.sol";

/// @title ComputeRequesterMock
/// @notice A contract requester whose `receive` either reverts or re-enters the escrow's `withdraw`.
contract ComputeRequesterMock {
    enum Mode {
        Accept,
        Reject,
        Reenter
    }

    IComputeEscrow public immutable escrow;
    Mode public mode;

    error ComputeRequesterMockRejects();

    constructor(IComputeEscrow escrow_) {
        escrow = escrow_;
    }

    function setMode(Mode mode_) external {
        mode = mode_;
    }

    function post(IComputeEscrow.JobRequest calldata request) external payable returns (uint256) {
        return escrow.postJob{value: msg.value}(request, address(0), msg.value);
    }

    function cancel(uint256 jobId) external {
        escrow.cancel(jobId);
    }

    function withdraw() external {
        escrow.withdraw(address(0));
    }

    // solhint-disable-next-line no-complex-fallback
    receive() external payable {
        if (mode == Mode.Reject) revert ComputeRequesterMockRejects();
        if (mode == Mode.Reenter) escrow.withdraw(address(0));
    }
}
