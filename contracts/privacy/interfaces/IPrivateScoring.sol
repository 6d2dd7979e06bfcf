// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ebool, euint64, externalEuint64} from "encrypted-types/EncryptedTypes.sol";

/// @title IPrivateScoring
/// @notice A linear model evaluated under FHE: plaintext integer weights and bias set by the model manager, an
/// encrypted feature vector from the user, and an encrypted score plus an encrypted threshold decision that only that
/// user (and this contract) may decrypt. Nobody, the contract included, sees the features or the score in clear.
/// @dev Arithmetic is on 64-bit words in two's complement: weights, bias, threshold and features are int64 (a negative
/// feature is encrypted as its uint64 two's-complement word), and the score is the wrapping int64 sum
/// `bias + Σ weights[i] * features[i]`, exact as long as it fits in int64. The decision is the signed comparison
/// `score >= threshold`, done unsigned on the words with the sign bit flipped.
interface IPrivateScoring {
    /// @notice The latest result computed for a user.
    struct ScoreResult {
        euint64 score;
        ebool decision;
        uint32 modelVersion;
    }

    /// @notice A new model was set; `modelVersion` grows by one per call.
    event ModelSet(uint32 indexed modelVersion, int64[] weights, int64 bias, int64 threshold);
    /// @notice `user` was scored; only `user` may decrypt `score` and `decision`.
    event Scored(address indexed user, uint32 indexed modelVersion, euint64 score, ebool decision);

    /// @notice No model is set yet.
    error PrivateScoringNoModel();
    /// @notice The model has no weight or more than `MAX_FEATURES`.
    error PrivateScoringBadDimension(uint256 featureCount, uint256 maxFeatures);
    /// @notice The feature vector does not match the model's dimension.
    error PrivateScoringFeatureCountMismatch(uint256 featureCount, uint256 expectedCount);

    /// @notice Replaces the model; MODEL_MANAGER_ROLE only.
    /// @param weights One int64 weight per feature (1 to `MAX_FEATURES` of them).
    /// @param bias Added to the weighted sum.
    /// @param threshold The decision is `score >= threshold`.
    function setModel(int64[] calldata weights, int64 bias, int64 threshold) external;

    /// @notice Scores the caller's encrypted features with the current model and grants only the caller (and this
    /// contract) decryption of the results.
    /// @param features One encrypted int64 word per weight, bound to this contract and the caller.
    /// @param inputProof The proof of `features`.
    /// @return score The encrypted score.
    /// @return decision The encrypted `score >= threshold`.
    function score(
        externalEuint64[] calldata features,
        bytes calldata inputProof
    ) external returns (euint64 score, ebool decision);

    /// @notice The current model.
    function getModel()
        external
        view
        returns (int64[] memory weights, int64 bias, int64 threshold, uint32 modelVersion);

    /// @notice The latest result computed for `user` (zero handles if none).
    function lastResultOf(address user) external view returns (ScoreResult memory);
}
