// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AIAgentBase} from "./AIAgentBase.sol";
import {IAIOracle} from "../oracle/interfaces/IAIOracle.sol";

/// @title ClassifierAgent
/// @notice Example on-chain agent driven by a classifier served by the Axon oracle (e.g. the MNIST digit model): the
/// owner maps class indices to payments (class => recipient and amount), the agent `think`s about an input (an image),
/// and the oracle's answer picks the action. Example "cheque reader": class d => pay d * 0.001 ETH to a payee.
/// The agent holds when the model's confidence (the predicted class's score) is below the owner's minimum or the
/// class has no action, and every payment still passes the AIAgentBase limits (allow-list, per-action cap, per-day
/// cap, free balance), else it is `Rejected` with the reason.
/// Output encoding (the runner's canonical classification, sdk/src/canonical.ts): 1 byte label (argmax, 0-based),
/// then `classCount` big-endian uint16 softmax scores in basis points (0..10000); 21 bytes for 10 classes. An output
/// of another length, a label out of range, or a label whose score is not the highest is `Rejected` as `Malformed`.
contract ClassifierAgent is AIAgentBase {
    /// @notice Scores are fixed point with this scale: 10000 = a probability of 1.
    uint16 public constant BASIS_POINTS = 10_000;
    /// @notice The most classes a canonical classification has.
    uint256 public constant MAX_CLASSES = 256;

    /// @notice What the agent does when the model predicts a class: pay `amountWei` to `recipient` (none if zero).
    struct ClassAction {
        address recipient;
        uint96 amountWei;
    }

    /// @notice How many classes the model has (10 for MNIST digits).
    uint256 public immutable classCount;
    /// @notice Size of a canonical output in bytes: 1 + 2 * classCount.
    uint256 public immutable outputBytes;

    uint16 private _minConfidenceBps;
    mapping(uint256 label => ClassAction) private _actions;

    /// @notice Predicting `label` now pays `amountWei` to `recipient`.
    event ClassActionSet(uint8 indexed label, address indexed recipient, uint96 amountWei);
    /// @notice Predicting `label` now pays nothing.
    event ClassActionCleared(uint8 indexed label);
    /// @notice Outputs whose predicted class scores below `minConfidenceBps` are held.
    event MinConfidenceSet(uint16 minConfidenceBps);
    /// @notice The model read class `label` with score `confidenceBps`; Held, Paid or Rejected follows at once.
    event Classified(uint256 indexed requestId, uint8 label, uint16 confidenceBps);

    /// @notice The class count must be 1..256.
    error ClassifierAgentBadClassCount(uint256 classCount);
    /// @notice `label` is not below the class count.
    error ClassifierAgentUnknownClass(uint8 label, uint256 classCount);
    /// @notice A class action needs a recipient; use `clearClassAction` to pay nothing.
    error ClassifierAgentZeroRecipient(uint8 label);
    /// @notice A class action needs a positive amount; use `clearClassAction` to pay nothing.
    error ClassifierAgentZeroAmount(uint8 label);
    /// @notice The minimum confidence is above 10000 basis points.
    error ClassifierAgentConfidenceAboveMax(uint16 minConfidenceBps, uint16 maxBps);

    /// @param oracle_ The AIOracle.
    /// @param modelId_ The classifier consulted.
    /// @param owner_ Sets the limits and the policy, and triggers thinking.
    /// @param classCount_ The classifier's number of classes (1..256).
    constructor(
        IAIOracle oracle_,
        uint256 modelId_,
        address owner_,
        uint256 classCount_
    ) AIAgentBase(oracle_, modelId_, owner_) {
        if (classCount_ == 0 || classCount_ > MAX_CLASSES) revert ClassifierAgentBadClassCount(classCount_);
        classCount = classCount_;
        outputBytes = 1 + 2 * classCount_;
    }

    /// @notice Makes a prediction of `label` pay `amountWei` to `recipient` (which must also be allow-listed when the
    /// payment is made); owner only.
    function setClassAction(uint8 label, address recipient, uint96 amountWei) external onlyOwner {
        _checkLabel(label);
        if (recipient == address(0)) revert ClassifierAgentZeroRecipient(label);
        if (amountWei == 0) revert ClassifierAgentZeroAmount(label);
        _actions[label] = ClassAction({recipient: recipient, amountWei: amountWei});
        emit ClassActionSet(label, recipient, amountWei);
    }

    /// @notice Makes a prediction of `label` pay nothing (the agent holds); owner only.
    function clearClassAction(uint8 label) external onlyOwner {
        _checkLabel(label);
        delete _actions[label];
        emit ClassActionCleared(label);
    }

    /// @notice Sets the score (basis points) the predicted class needs for the agent to act; below it the agent
    /// holds. Zero (the default) acts on every well-formed output; owner only.
    function setMinConfidence(uint16 minConfidenceBps_) external onlyOwner {
        if (minConfidenceBps_ > BASIS_POINTS) revert ClassifierAgentConfidenceAboveMax(minConfidenceBps_, BASIS_POINTS);
        _minConfidenceBps = minConfidenceBps_;
        emit MinConfidenceSet(minConfidenceBps_);
    }

    /// @notice The action for a prediction of `label` (a zero recipient: none).
    function classActionOf(uint8 label) external view returns (ClassAction memory) {
        return _actions[label];
    }

    /// @notice The score the predicted class needs for the agent to act, in basis points.
    function minConfidenceBps() external view returns (uint16) {
        return _minConfidenceBps;
    }

    /// @notice Decodes a canonical classification. `ok` is false unless it is `outputBytes` long, its label is below
    /// `classCount` and no class scores above the label's score (which is then at most 10000).
    /// @return ok Whether the output is well formed.
    /// @return label The predicted class.
    /// @return confidenceBps The predicted class's score in basis points.
    function decode(bytes calldata output) public view returns (bool ok, uint8 label, uint16 confidenceBps) {
        if (output.length != outputBytes || uint8(output[0]) >= classCount) return (false, 0, 0);
        label = uint8(output[0]);
        confidenceBps = _scoreAt(output, label);
        if (confidenceBps > BASIS_POINTS) return (false, 0, 0);
        // At most MAX_CLASSES iterations.
        for (uint256 i = 0; i < classCount; ++i) if (_scoreAt(output, i) > confidenceBps) return (false, 0, 0);
        ok = true;
    }

    function _onResult(uint256 requestId, bytes calldata output, bytes calldata) internal override {
        (bool ok, uint8 label, uint16 confidenceBps) = decode(output);
        if (!ok) {
            _reject(requestId, Rejection.Malformed);
            return;
        }
        emit Classified(requestId, label, confidenceBps);
        ClassAction memory action = _actions[label];
        if (confidenceBps < _minConfidenceBps || action.recipient == address(0)) _hold(requestId);
        else _pay(requestId, action.recipient, action.amountWei);
    }

    function _checkLabel(uint8 label) private view {
        if (label >= classCount) revert ClassifierAgentUnknownClass(label, classCount);
    }

    /// @dev The big-endian uint16 score of class `i`, at byte 1 + 2i. Callers check `output.length` first; a slice
    /// would re-check the bounds on every call, which costs ~15x the gas of this load in the decoding loop.
    function _scoreAt(bytes calldata output, uint256 i) private pure returns (uint16 score) {
        assembly ("memory-safe") {
            score := shr(240, calldataload(add(output.offset, add(1, mul(2, i)))))
        }
    }
}
