// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IAIOracleCallback} from "../../oracle/interfaces/IAIOracleCallback.sol";

/// @notice Stands in for the AIOracle's stable surface (`request`, `quote`, `creditOf`, `withdrawCredit`) and lets a
/// test deliver any final result, twice, for a request it never saw, or with forged callback data: the recorder must
/// hold against an oracle that misbehaves as well as one that does not.
contract MockGenerationOracle {
    struct Sent {
        address requester;
        uint256 modelId;
        address callback;
        uint32 callbackGasLimit;
        bytes32 inputHash;
        bytes callbackData;
    }

    error MockGenerationOracleWrongFee(uint256 sentWei);
    error MockGenerationOracleSendFailed();

    uint256 public feeWei = 0.01 ether;
    uint256 public nextRequestId = 1;
    mapping(uint256 requestId => Sent) public sent;
    mapping(address account => uint256) public creditOf;

    function setFee(uint256 feeWei_) external {
        feeWei = feeWei_;
    }

    function quote(uint256, uint32) external view returns (uint256) {
        return feeWei;
    }

    function request(
        uint256 modelId,
        bytes calldata input,
        address callback,
        uint32 callbackGasLimit,
        bytes calldata callbackData
    ) external payable returns (uint256 requestId) {
        if (msg.value != feeWei) revert MockGenerationOracleWrongFee(msg.value);
        requestId = nextRequestId++;
        sent[requestId] = Sent(msg.sender, modelId, callback, callbackGasLimit, keccak256(input), callbackData);
    }

    /// @notice Delivers a final result of a request it received, with the callback data it was given.
    function deliver(uint256 requestId, uint8 errorCode, bytes calldata output) external {
        Sent storage s = sent[requestId];
        IAIOracleCallback(s.callback).onAIOracleResult{gas: s.callbackGasLimit}(
            requestId,
            errorCode,
            output,
            s.callbackData
        );
    }

    /// @notice Delivers anything to anyone: a request id it never issued, forged callback data.
    function deliverRaw(
        address callback,
        uint256 requestId,
        uint8 errorCode,
        bytes calldata output,
        bytes calldata callbackData
    ) external {
        IAIOracleCallback(callback).onAIOracleResult(requestId, errorCode, output, callbackData);
    }

    /// @notice Credits a refund to `account`, funded by the caller.
    function creditRefund(address account) external payable {
        creditOf[account] += msg.value;
    }

    function withdrawCredit() external {
        uint256 amount = creditOf[msg.sender];
        creditOf[msg.sender] = 0;
        (bool ok, ) = msg.sender.call{value: amount}("");
        if (!ok) revert MockGenerationOracleSendFailed();
    }
}
