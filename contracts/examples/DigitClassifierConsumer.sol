// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {AIOracleConsumer} from "../oracle/AIOracleConsumer.sol";
import {IAIOracle} from "../oracle/interfaces/IAIOracle.sol";

/// @title DigitClassifierConsumer
/// @notice Example integrator: asks an MNIST digit classifier on the Axon oracle to classify a 28x28 greyscale image
/// (784 bytes, one byte per pixel). Output encoding (21 bytes): 1 byte label (0..9) followed by 10 big-endian uint16
/// scores, the softmax probabilities in basis points (0..10000).
contract DigitClassifierConsumer is AIOracleConsumer, Ownable {
    /// @notice Size of an input image in bytes.
    uint256 public constant IMAGE_BYTES = 784;
    /// @notice Size of a canonical output in bytes.
    uint256 public constant OUTPUT_BYTES = 21;
    /// @notice Gas the oracle gives the callback.
    uint32 public constant CALLBACK_GAS_LIMIT = 120_000;

    /// @notice A delivered classification: label and the 10 scores packed 16 bits each (score of class i at bits
    /// [16*i, 16*i+16)).
    struct Classification {
        uint8 label;
        uint160 packedScores;
        bool classified;
    }

    /// @notice The model queried.
    uint256 public immutable modelId;

    mapping(uint256 requestId => Classification) private _results;
    mapping(uint256 requestId => address requester) private _requesters;

    /// @notice An image was sent for classification.
    event ClassificationRequested(uint256 indexed requestId, address indexed requester);
    /// @notice The oracle classified the image.
    event DigitClassified(uint256 indexed requestId, address indexed requester, uint8 label, uint16[10] scores);
    /// @notice The result could not be used: an oracle error code, or 255 for an output not in the canonical encoding.
    event ClassificationFailed(uint256 indexed requestId, uint8 errorCode);

    /// @notice The image is not 784 bytes.
    error DigitClassifierBadImageSize(uint256 sizeBytes);
    /// @notice The payment is below the oracle's quote.
    error DigitClassifierInsufficientFee(uint256 paidWei, uint256 quoteWei);

    /// @param oracle_ The AIOracle.
    /// @param modelId_ The registered digit classifier.
    /// @param owner_ May withdraw refunds credited to this contract.
    constructor(IAIOracle oracle_, uint256 modelId_, address owner_) AIOracleConsumer(oracle_) Ownable(owner_) {
        modelId = modelId_;
    }

    /// @notice Accepts refunds pulled from the oracle.
    receive() external payable {}

    /// @notice Sends `image` for classification, paying the oracle's quote; any excess is returned.
    function classify(bytes calldata image) external payable returns (uint256 requestId) {
        if (image.length != IMAGE_BYTES) revert DigitClassifierBadImageSize(image.length);
        uint256 feeWei = _quote(modelId, CALLBACK_GAS_LIMIT);
        if (msg.value < feeWei) revert DigitClassifierInsufficientFee(msg.value, feeWei);
        requestId = _request(modelId, image, CALLBACK_GAS_LIMIT, "", feeWei);
        _requesters[requestId] = msg.sender;
        emit ClassificationRequested(requestId, msg.sender);
        if (msg.value > feeWei) Address.sendValue(payable(msg.sender), msg.value - feeWei);
    }

    /// @notice Pulls refunds credited by the oracle and sends this contract's balance to `to`; owner only.
    function withdrawRefunds(address payable to) external onlyOwner {
        if (oracle.creditOf(address(this)) != 0) _withdrawOracleCredit();
        Address.sendValue(to, address(this).balance);
    }

    /// @notice The classification of `requestId` (`classified` false until delivered).
    function resultOf(uint256 requestId) external view returns (Classification memory) {
        return _results[requestId];
    }

    /// @notice The 10 scores of a delivered classification.
    function scoresOf(uint256 requestId) external view returns (uint16[10] memory scores) {
        uint160 packed = _results[requestId].packedScores;
        for (uint256 i = 0; i < 10; ++i) scores[i] = uint16(packed >> (16 * i));
    }

    /// @notice Decodes the canonical output; `ok` is false unless it is 21 bytes with a label in 0..9.
    function decode(bytes calldata output) public pure returns (bool ok, uint8 label, uint16[10] memory scores) {
        if (output.length != OUTPUT_BYTES || uint8(output[0]) > 9) return (false, 0, scores);
        label = uint8(output[0]);
        for (uint256 i = 0; i < 10; ++i) {
            // Big-endian uint16 at byte 1 + 2i; decoded by hand because abi.encodePacked pads array elements.
            scores[i] = (uint16(uint8(output[1 + 2 * i])) << 8) | uint16(uint8(output[2 + 2 * i]));
        }
        ok = true;
    }

    function _onResult(uint256 requestId, bytes calldata output, bytes calldata) internal override {
        (bool ok, uint8 label, uint16[10] memory scores) = decode(output);
        if (!ok) {
            emit ClassificationFailed(requestId, type(uint8).max);
            return;
        }
        uint160 packed;
        for (uint256 i = 0; i < 10; ++i) packed |= uint160(scores[i]) << (16 * i);
        _results[requestId] = Classification({label: label, packedScores: packed, classified: true});
        emit DigitClassified(requestId, _requesters[requestId], label, scores);
    }

    function _onError(uint256 requestId, uint8 errorCode, bytes calldata) internal override {
        emit ClassificationFailed(requestId, errorCode);
    }
}
