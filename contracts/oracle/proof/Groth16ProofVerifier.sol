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
    uint256 private immutable _publicInputs;

    /// @notice Thrown by the constructor when the sizes cannot make `publicInputs` chunks.
    error ProofVerifierPublicInputs(uint256 inputBytes, uint256 outputBytes, uint256 publicInputs);

    /// @param groth16_ The generated verifier.
    /// @param vkHash_ Hash of its verification key (`zk/build/<model>/manifest.json`).
    /// @param inputBytes_ Input size of the model.
    /// @param outputBytes_ Output size of the model.
    /// @param publicInputs_ The verifier's N; must equal ceil((inputBytes_ + outputBytes_) / 31).
    constructor(address groth16_, bytes32 vkHash_, uint256 inputBytes_, uint256 outputBytes_, uint256 publicInputs_) {
        uint256 chunks = ProofBinding.chunkCount(inputBytes_ + outputBytes_);
        if (chunks != publicInputs_ || chunks == 0) {
            revert ProofVerifierPublicInputs(inputBytes_, outputBytes_, publicInputs_);
        }
        _groth16 = groth16_;
        _vkHash = vkHash_;
        _inputBytes = inputBytes_;
        _outputBytes = outputBytes_;
        _publicInputs = chunks;
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
        if (input.length != _inputBytes) revert ProofVerifierInputLength(_inputBytes, input.length);
        if (output.length != _outputBytes) revert ProofVerifierOutputLength(_outputBytes, output.length);
        // The proof words are read where they are, in calldata: no decoding into memory.
        uint256 bad = _PROOF_WORDS;
        assembly ("memory-safe") {
            for {
                let i := 0
            } lt(i, _PROOF_WORDS) {
                i := add(i, 1)
            } {
                if iszero(lt(calldataload(add(proof.offset, shl(5, i))), _P)) {
                    bad := i
                    break
                }
            }
        }
        if (bad < _PROOF_WORDS) revert ProofVerifierCoordinateOutOfField(bad, _word(proof, bad));
        _checkG1(0, _word(proof, 0), _word(proof, 1));
        _checkG1(2, _word(proof, 6), _word(proof, 7));
        // The Groth16 verifier's calldata, built once: selector ‖ the 8 proof words ‖ the public inputs.
        bytes4 selector = _selector;
        uint256 size = 4 + _PROOF_BYTES + 32 * _publicInputs;
        uint256 ptr;
        assembly ("memory-safe") {
            ptr := mload(0x40)
            mstore(ptr, selector)
            calldatacopy(add(ptr, 4), proof.offset, 256) // _PROOF_BYTES
            mstore(0x40, add(ptr, size))
        }
        ProofBinding.writeChunks(input, output, ptr + 4 + _PROOF_BYTES);
        address groth16_ = _groth16;
        bool ok;
        uint256 result;
        assembly ("memory-safe") {
            ok := staticcall(gas(), groth16_, ptr, size, 0, 32)
            // (Yul evaluates arguments right to left: the size is read after the call, not inside `and(call, …)`.)
            ok := and(ok, eq(returndatasize(), 32))
            result := mload(0)
        }
        if (!ok || result > 1) revert ProofVerifierCallFailed(groth16_);
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

    /// @dev The proof's word `i` (the caller checked the length).
    function _word(bytes calldata proof, uint256 i) private pure returns (uint256 w) {
        assembly ("memory-safe") {
            w := calldataload(add(proof.offset, shl(5, i)))
        }
    }

    /// @dev y² = x³ + 3 over the base field; the point at infinity is no valid proof element either.
    function _checkG1(uint256 index, uint256 x, uint256 y) private pure {
        if (mulmod(y, y, _P) != addmod(mulmod(mulmod(x, x, _P), x, _P), 3, _P)) {
            revert ProofVerifierPointNotOnCurve(index, x, y);
        }
    }
}
