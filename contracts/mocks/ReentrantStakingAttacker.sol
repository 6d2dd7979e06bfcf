// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IOperatorStaking} from "../staking/interfaces/IOperatorStaking.sol";

/// @notice An operator (or slash beneficiary) that attacks OperatorStaking from its receive hook: it re-enters
/// `withdraw` or `withdrawCredit` when paid, or refuses ETH. It records the revert data its re-entry got.
contract ReentrantStakingAttacker {
    enum Mode {
        None,
        ReenterWithdraw,
        ReenterWithdrawCredit,
        Reject
    }

    IOperatorStaking public immutable staking;
    bytes32 public service;
    Mode public mode;
    uint256 public reentries;
    bytes public reentryRevertData;

    error ReentrantStakingAttackerRejected(uint256 amountWei);

    constructor(IOperatorStaking staking_) {
        staking = staking_;
    }

    function setMode(Mode mode_) external {
        mode = mode_;
    }

    function stake(bytes32 service_) external payable {
        service = service_;
        staking.stake{value: msg.value}(service_);
    }

    function requestUnbond(uint256 amountWei) external {
        staking.requestUnbond(service, amountWei);
    }

    function withdraw() external {
        staking.withdraw(service);
    }

    function withdrawCredit() external {
        staking.withdrawCredit();
    }

    // solhint-disable-next-line no-complex-fallback
    receive() external payable {
        Mode m = mode;
        if (m == Mode.Reject) revert ReentrantStakingAttackerRejected(msg.value);
        if (m == Mode.None || reentries != 0) return;
        ++reentries;
        if (m == Mode.ReenterWithdraw) {
            try staking.withdraw(service) {} catch (bytes memory reason) {
                reentryRevertData = reason;
            }
        } else {
            try staking.withdrawCredit() {} catch (bytes memory reason) {
                reentryRevertData = reason;
            }
        }
    }
}
