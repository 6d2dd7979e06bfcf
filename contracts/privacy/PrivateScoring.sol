// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {FHE} from "@fhevm/solidity/lib/FHE.sol";
import {ZamaConfig} from "@fhevm/solidity/config/ZamaConfig.sol";
import {ebool, euint64, externalEuint64} from "encrypted-types/EncryptedTypes.sol";
import {AxonUpgradeable} from "../common/AxonUpgradeable.sol";
import {IPrivateScoring} from "./interfaces/IPrivateScoring.sol";

/// @title PrivateScoring
/// @notice FHE linear model: encrypted features × plaintext weights → encrypted score only the user decrypts.
contract PrivateScoring is AxonUpgradeable, IPrivateScoring {
    /// @notice May replace the model.
    bytes32 public constant MODEL_MANAGER_ROLE = keccak256("MODEL_MANAGER_ROLE");
    /// @notice Most features per model (bounds the FHE work, and its HCU cost, of one `score`).
    uint256 public constant MAX_FEATURES = 8;
    /// @dev Flipping the sign bit maps int64 order onto uint64 order.
    uint64 private constant SIGN_BIT = 1 << 63;

    /// @custom:storage-location erc7201:axon.storage.PrivateScoring
    struct PrivateScoringStorage {
        int64[] weights;
        int64 bias;
        int64 threshold;
        uint32 modelVersion;
        mapping(address user => ScoreResult) results;
    }

    // keccak256(abi.encode(uint256(keccak256("axon.storage.PrivateScoring")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_LOCATION = 0x9e9f64bb568647ce73a1bb21d37745e842fd1cf34dc845324299f3b634344400;

    /// @param admin Initial default admin (also pauser, upgrader and model manager).
    /// @param adminDelaySeconds Delay before a default-admin transfer can be accepted.
    function initialize(address admin, uint48 adminDelaySeconds) external initializer {
        __AxonUpgradeable_init(admin, adminDelaySeconds);
        // The config contract's constructor cannot run in the proxy's context: set the coprocessor here instead.
        FHE.setCoprocessor(ZamaConfig.getEthereumCoprocessorConfig());
        _grantRole(MODEL_MANAGER_ROLE, admin);
    }

    /// @inheritdoc IPrivateScoring
    function setModel(int64[] calldata weights, int64 bias, int64 threshold) external onlyRole(MODEL_MANAGER_ROLE) {
        if (weights.length == 0 || weights.length > MAX_FEATURES) {
            revert PrivateScoringBadDimension(weights.length, MAX_FEATURES);
        }
        PrivateScoringStorage storage $ = _s();
        $.weights = weights;
        $.bias = bias;
        $.threshold = threshold;
        uint32 modelVersion = $.modelVersion + 1;
        $.modelVersion = modelVersion;
        emit ModelSet(modelVersion, weights, bias, threshold);
    }

    /// @inheritdoc IPrivateScoring
    function score(
        externalEuint64[] calldata features,
        bytes calldata inputProof
    ) external whenNotPaused returns (euint64 result, ebool decision) {
        PrivateScoringStorage storage $ = _s();
        uint32 modelVersion = $.modelVersion;
        if (modelVersion == 0) revert PrivateScoringNoModel();
        uint256 count = $.weights.length;
        if (features.length != count) revert PrivateScoringFeatureCountMismatch(features.length, count);

        // Two's-complement words: wrapping uint64 multiply-add is the int64 computation.
        result = FHE.asEuint64(_word($.bias));
        for (uint256 i; i < count; ++i) {
            euint64 x = FHE.fromExternal(features[i], inputProof);
            result = FHE.add(result, FHE.mul(x, _word($.weights[i])));
        }
        decision = FHE.ge(FHE.xor(result, SIGN_BIT), _word($.threshold) ^ SIGN_BIT);

        FHE.allowThis(result);
        FHE.allow(result, msg.sender);
        FHE.allowThis(decision);
        FHE.allow(decision, msg.sender);
        $.results[msg.sender] = ScoreResult({score: result, decision: decision, modelVersion: modelVersion});
        emit Scored(msg.sender, modelVersion, result, decision);
    }

    /// @inheritdoc IPrivateScoring
    function getModel()
        external
        view
        returns (int64[] memory weights, int64 bias, int64 threshold, uint32 modelVersion)
    {
        PrivateScoringStorage storage $ = _s();
        return ($.weights, $.bias, $.threshold, $.modelVersion);
    }

    /// @inheritdoc IPrivateScoring
    function lastResultOf(address user) external view returns (ScoreResult memory) {
        return _s().results[user];
    }

    function _word(int64 value) private pure returns (uint64) {
        return uint64(value);
    }

    function _s() private pure returns (PrivateScoringStorage storage $) {
        assembly {
            $.slot := STORAGE_LOCATION
        }
    }
}
