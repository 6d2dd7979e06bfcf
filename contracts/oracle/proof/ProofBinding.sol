// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IProofVerifier} from "../interfaces/IProofVerifier.sol";

/// @title ProofBinding
/// @notice The public inputs of a `Proof`-mode circuit: `input ‖ output` in 31-byte big-endian chunks (each below
/// 2^248, hence a BN254 scalar), the last chunk shorter when the length is not a multiple of 31. The circuit
/// rebuilds the same chunks from its private input bytes and its computed output, so a proof is bound to exactly
/// these bytes. Cost: one chunk per 31 bytes, ~6.2k gas each in the verifier (an ecMul and an ecAdd).
library ProofBinding {
    uint256 internal constant CHUNK_BYTES = 31;

    /// @notice The public inputs for (input, output), after checking both sizes.
    function publicInputs(
        bytes calldata input,
        bytes calldata output,
        uint256 inputBytes,
        uint256 outputBytes
    ) internal pure returns (uint256[] memory chunks) {
        if (input.length != inputBytes) revert IProofVerifier.ProofVerifierInputLength(inputBytes, input.length);
        if (output.length != outputBytes) revert IProofVerifier.ProofVerifierOutputLength(outputBytes, output.length);
        bytes memory data = bytes.concat(input, output);
        uint256 length = data.length;
        uint256 count = (length + CHUNK_BYTES - 1) / CHUNK_BYTES;
        chunks = new uint256[](count);
        for (uint256 i = 0; i < count; i++) {
            uint256 start = i * CHUNK_BYTES;
            uint256 size = length - start < CHUNK_BYTES ? length - start : CHUNK_BYTES;
            uint256 word;
            // Reads 32 bytes at the chunk's start; the shift keeps only the chunk's own `size` bytes.
            assembly ("memory-safe") {
                word := mload(add(add(data, 32), start))
            }
            chunks[i] = word >> ((32 - size) * 8);
        }
    }
}
