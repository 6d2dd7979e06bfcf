// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IProofVerifier} from "../interfaces/IProofVerifier.sol";

/// @title ProofBinding
/// @notice The public inputs of a `Proof`-mode circuit: `input ‖ output` in 31-byte big-endian chunks (each below
/// 2^248, hence a BN254 scalar), the last chunk shorter when the length is not a multiple of 31. The circuit
/// rebuilds the same chunks from its private input bytes and its computed output, so a proof is bound to exactly
/// these bytes. Cost: one chunk per 31 bytes, ~6.4k gas each in the verifier (an ecMul and an ecAdd); the packing
/// itself one shift and store per chunk (`writeChunks`, assembly, straight from calldata).
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
        chunks = new uint256[](chunkCount(input.length + output.length));
        uint256 dest;
        assembly ("memory-safe") {
            dest := add(chunks, 32)
        }
        writeChunks(input, output, dest);
    }

    /// @notice How many chunks `length` bytes make.
    function chunkCount(uint256 length) internal pure returns (uint256) {
        return (length + CHUNK_BYTES - 1) / CHUNK_BYTES;
    }

    /// @notice Writes the chunks of `input ‖ output` as consecutive words from memory address `dest` on, which the
    /// caller has allocated (`chunkCount` words). Uses the memory past the free memory pointer as scratch (the two
    /// byte strings copied once from calldata), so it must be called after `dest` is allocated.
    function writeChunks(bytes calldata input, bytes calldata output, uint256 dest) internal pure {
        assembly ("memory-safe") {
            let length := add(input.length, output.length)
            let scratch := mload(0x40)
            calldatacopy(scratch, input.offset, input.length)
            calldatacopy(add(scratch, input.length), output.offset, output.length)
            let full := div(length, 31)
            // Each read takes 32 bytes at the chunk's start; the shift keeps only the chunk's own bytes.
            for {
                let i := 0
            } lt(i, full) {
                i := add(i, 1)
            } {
                mstore(add(dest, shl(5, i)), shr(8, mload(add(scratch, mul(i, 31)))))
            }
            let rest := sub(length, mul(full, 31))
            if rest {
                mstore(add(dest, shl(5, full)), shr(shl(3, sub(32, rest)), mload(add(scratch, mul(full, 31)))))
            }
        }
    }
}
