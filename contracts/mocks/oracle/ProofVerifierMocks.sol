// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IProofVerifier} from "../../oracle/interfaces/IProofVerifier.sol";
import {ProofBinding} from "../../oracle/proof/ProofBinding.sol";

/// @notice A proof verifier that rejects everything by reverting (a broken or hostile verifier, for the oracle).
contract RevertingProofVerifier is IProofVerifier {
    error RevertingProofVerifierAlwaysReverts();

    function verify(bytes calldata, bytes calldata, bytes calldata) external pure returns (bool) {
        revert RevertingProofVerifierAlwaysReverts();
    }

    function vkHash() external pure returns (bytes32) {
        return keccak256("reverting");
    }

    function groth16() external view returns (address) {
        return address(this);
    }

    function inputBytes() external pure returns (uint256) {
        return 0;
    }

    function outputBytes() external pure returns (uint256) {
        return 0;
    }
}

/// @notice A proof verifier that answers false to every proof (the oracle must keep the request open).
contract FalseProofVerifier is IProofVerifier {
    function verify(bytes calldata, bytes calldata, bytes calldata) external pure returns (bool) {
        return false;
    }

    function vkHash() external pure returns (bytes32) {
        return keccak256("false");
    }

    function groth16() external view returns (address) {
        return address(this);
    }

    function inputBytes() external pure returns (uint256) {
        return 0;
    }

    function outputBytes() external pure returns (uint256) {
        return 0;
    }
}

/// @notice Stands in for a generated Groth16 verifier that misbehaves: reverts, answers nothing, or answers a
/// word that is no bool; or accepts everything (to show the adapter's own checks run first).
contract Groth16AnswerMock {
    enum Answer {
        Revert,
        Empty,
        NotABool,
        True
    }

    Answer private immutable _answer;

    error Groth16AnswerMockReverted();

    constructor(Answer answer) {
        _answer = answer;
    }

    /// @dev The generated verifier's signature for 8 public inputs (what the adapter calls).
    function verifyProof(
        uint256[2] calldata,
        uint256[2][2] calldata,
        uint256[2] calldata,
        uint256[8] calldata
    ) external view returns (uint256) {
        if (_answer == Answer.Revert) revert Groth16AnswerMockReverted();
        if (_answer == Answer.Empty) {
            assembly ("memory-safe") {
                return(0, 0)
            }
        }
        return _answer == Answer.NotABool ? 2 : 1;
    }
}

/// @notice Exposes ProofBinding for the equality tests against the runner's packing.
contract ProofBindingHarness {
    function publicInputs(
        bytes calldata input,
        bytes calldata output,
        uint256 inputBytes,
        uint256 outputBytes
    ) external pure returns (uint256[] memory) {
        return ProofBinding.publicInputs(input, output, inputBytes, outputBytes);
    }
}

/// @notice Calls a proof verifier in a transaction, so the gas benchmark can measure a mined verification.
contract ProofVerifierProbe {
    event ProofChecked(address indexed verifier, bool valid);

    function check(
        IProofVerifier verifier,
        bytes calldata input,
        bytes calldata output,
        bytes calldata proof
    ) external returns (bool valid) {
        valid = verifier.verify(input, output, proof);
        emit ProofChecked(address(verifier), valid);
    }
}
