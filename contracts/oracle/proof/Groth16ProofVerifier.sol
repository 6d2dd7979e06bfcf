// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";
import {IProofVerifier} from "../interfaces/IProofVerifier.sol";
import {ProofBinding} from "./ProofBinding.sol";

/// @title Groth16ProofVerifier
/// @notice Adapts a snarkjs-generated Groth16 verifier (`verifyProof(uint256[2],uint256[2][2],uint256[2],
/// uint256[N])`, emitted by `npm run zk:build`) to `IProofVerifier`: checks sizes and the proof's encoding, binds
/// the public inputs to (input, output) with `ProofBinding`, and runs the pairing check. Immutable: a new circuit
/// or key is a new adapter (and a new model registration), never an upgrade.
contract Groth16ProofVerifier is IProofVerifier {
    /// @dev BN254 base field modulus.
    uint256 private constant _P = 21888242871839275222246405745257275088696311157297823662689037894645226208583;
    uint256 private constant _PROOF_WORDS = 8;
    uint256 private constant _PROOF_BYTES = _PROOF_WORDS * 32;

    address private immutable _groth16;
    bytes4 private immutable _selector;
    bytes32 private immutable _vkHash;
    uint256 private immutable _inputBytes;
    uint256 private immutable _outputBytes;

    /// @notice Thrown by the constructor when the sizes cannot make `publicInputs` chunks.
    error ProofVerifierPublicInputs(uint256 inputBytes, uint256 outputBytes, uint256 publicInputs);

    /// @param groth16_ The generated verifier.
    /// @param vkHash_ Hash of its verification key (`zk/build/<model>/manifest.json`).
    /// @param inputBytes_ Input size of the model.
    /// @param outputBytes_ Output size of the model.
    /// @param publicInputs_ The verifier's N; must equal ceil((inputBytes_ + outputBytes_) / 31).
    constructor(address groth16_, bytes32 vkHash_, uint256 inputBytes_, uint256 outputBytes_, uint256 publicInputs_) {
        uint256 chunks = (inputBytes_ + outputBytes_ + ProofBinding.CHUNK_BYTES - 1) / ProofBinding.CHUNK_BYTES;
        if (chunks != publicInputs_ || chunks == 0) {
            revert ProofVerifierPublicInputs(inputBytes_, outputBytes_, publicInputs_);
        }
        _groth16 = groth16_;
        _vkHash = vkHash_;
        _inputBytes = inputBytes_;
        _outputBytes = outputBytes_;
        _selector = bytes4(
            keccak256(
                bytes(
                    string.concat(
                        "verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[",
                        Strings.toString(publicInputs_),
                        "])"
                    )
                )
            )
        );
    }

    /// @inheritdoc IProofVerifier
    function verify(
        bytes calldata input,
        bytes calldata output,
        bytes calldata proof
    ) external view returns (bool valid) {
        if (proof.length != _PROOF_BYTES) revert ProofVerifierProofLength(_PROOF_BYTES, proof.length);
        uint256[] memory publicInputs = ProofBinding.publicInputs(input, output, _inputBytes, _outputBytes);
        uint256[_PROOF_WORDS] memory words = abi.decode(proof, (uint256[8]));
        for (uint256 i = 0; i < _PROOF_WORDS; i++) {
            if (words[i] >= _P) revert ProofVerifierCoordinateOutOfField(i, words[i]);
        }
        _checkG1(0, words[0], words[1]);
        _checkG1(2, words[6], words[7]);
        (bool ok, bytes memory answer) = _groth16.staticcall(abi.encodePacked(_selector, words, publicInputs));
        if (!ok || answer.length != 32) revert ProofVerifierCallFailed(_groth16);
        uint256 result = abi.decode(answer, (uint256));
        if (result > 1) revert ProofVerifierCallFailed(_groth16);
        return result == 1;
    }

    /// @inheritdoc IProofVerifier
    function vkHash() external view returns (bytes32) {
        return _vkHash;
    }

    /// @inheritdoc IProofVerifier
    function groth16() external view returns (address) {
        return _groth16;
    }

    /// @inheritdoc IProofVerifier
    function inputBytes() external view returns (uint256) {
        return _inputBytes;
    }

    /// @inheritdoc IProofVerifier
    function outputBytes() external view returns (uint256) {
        return _outputBytes;
    }

    /// @dev y² = x³ + 3 over the base field; the point at infinity is no valid proof element either.
    function _checkG1(uint256 index, uint256 x, uint256 y) private pure {
        if (mulmod(y, y, _P) != addmod(mulmod(mulmod(x, x, _P), x, _P), 3, _P)) {
            revert ProofVerifierPointNotOnCurve(index, x, y);
        }
    }
}
