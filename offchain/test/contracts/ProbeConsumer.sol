// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

interface IOracleRequester {
    function request(
        uint256 modelId,
        bytes calldata input,
        address callback,
        uint32 callbackGasLimit,
        bytes calldata callbackData
    ) external payable returns (uint256 requestId);

    function quote(uint256 modelId, uint32 callbackGasLimit) external view returns (uint256 feeWei);
}

/// @notice Runner tests only: sends requests (one or many per transaction) and counts every callback per request,
/// so a test can prove each request was answered exactly once.
contract ProbeConsumer {
    address public immutable oracle;
    mapping(uint256 requestId => uint256) public callbacks;
    mapping(uint256 requestId => uint8) public errorCodeOf;
    mapping(uint256 requestId => bytes32) public outputHashOf;
    uint256 public totalCallbacks;

    event Answered(uint256 indexed requestId, uint8 errorCode, bytes output, uint256 count);

    error ProbeConsumerNotOracle(address caller);

    constructor(address oracle_) {
        oracle = oracle_;
    }

    receive() external payable {}

    /// @notice One request per input, all paid from this contract's balance; returns the first id.
    function askMany(uint256 modelId, bytes[] calldata inputs, uint32 callbackGasLimit) external returns (uint256 first) {
        uint256 fee = IOracleRequester(oracle).quote(modelId, callbackGasLimit);
        for (uint256 i = 0; i < inputs.length; ++i) {
            uint256 id = IOracleRequester(oracle).request{value: fee}(
                modelId,
                inputs[i],
                address(this),
                callbackGasLimit,
                ""
            );
            if (i == 0) first = id;
        }
    }

    function onAIOracleResult(uint256 requestId, uint8 errorCode, bytes calldata output, bytes calldata) external {
        if (msg.sender != oracle) revert ProbeConsumerNotOracle(msg.sender);
        uint256 count = ++callbacks[requestId];
        ++totalCallbacks;
        errorCodeOf[requestId] = errorCode;
        outputHashOf[requestId] = keccak256(output);
        emit Answered(requestId, errorCode, output, count);
    }
}
