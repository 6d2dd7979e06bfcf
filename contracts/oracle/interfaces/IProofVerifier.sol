// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IProofVerifier
/// @notice What the oracle calls to accept a `Proof`-mode result: it checks a zero-knowledge proof that the model
/// maps THIS request's input to THIS output. A model registered with mode `Proof` names one such contract and the
/// hash of its verification key (`vkHash`).
/// @dev Binding: the proof's public inputs are the bytes `input ‖ output` cut into 31-byte chunks, each read as a
/// big-endian integer (the last chunk may be shorter), so a proof verifies only for the exact input and output
/// bytes it was generated for (`ProofBinding.publicInputs`). Proof encoding: `abi.encode(uint256[8])` holding
/// `a.x, a.y, b.x1, b.x0, b.y1, b.y0, c.x, c.y` (G2 coordinates in the EVM precompile's order), i.e. the eight
/// words snarkjs' `exportSolidityCallData` prints. A proof that is well formed but false makes `verify` return
/// false; a malformed call (wrong lengths, coordinates off the field or G1 points off the curve) reverts with the
/// errors below, naming what was wrong.
interface IProofVerifier {
    /// @notice The input is not the model's fixed input size.
    error ProofVerifierInputLength(uint256 expectedBytes, uint256 actualBytes);
    /// @notice The output is not the model's fixed output size.
    error ProofVerifierOutputLength(uint256 expectedBytes, uint256 actualBytes);
    /// @notice The proof is not eight 32-byte words.
    error ProofVerifierProofLength(uint256 expectedBytes, uint256 actualBytes);
    /// @notice Proof word `index` (0..7) is not below the BN254 base field modulus.
    error ProofVerifierCoordinateOutOfField(uint256 index, uint256 value);
    /// @notice G1 point `index` of the proof (0: a, 2: c) is not on the BN254 curve.
    error ProofVerifierPointNotOnCurve(uint256 index, uint256 x, uint256 y);
    /// @notice The Groth16 verifier contract reverted or answered something other than a bool.
    error ProofVerifierCallFailed(address groth16);

    /// @notice Whether `proof` proves that the model maps `input` to `output`.
    /// @param input The request's input bytes (exactly `inputBytes()` long).
    /// @param output The claimed output bytes (exactly `outputBytes()` long).
    /// @param proof `abi.encode(uint256[8])`, see the contract's notes.
    /// @return valid True iff the Groth16 pairing check passes for these public inputs.
    function verify(
        bytes calldata input,
        bytes calldata output,
        bytes calldata proof
    ) external view returns (bool valid);

    /// @notice keccak256 of the verification key (`zk/vk.ts` defines the encoding); registered with the model.
    function vkHash() external view returns (bytes32);

    /// @notice The Groth16 verifier contract this adapter calls.
    function groth16() external view returns (address);

    /// @notice Input size of the proven model, in bytes.
    function inputBytes() external view returns (uint256);

    /// @notice Output size of the proven model, in bytes.
    function outputBytes() external view returns (uint256);
}
