// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @title RoyaltySplit
/// @notice The arithmetic of a DataMarket sale: every share is floored, and whatever the floors leave (the dust) goes
/// to the protocol, so the shares of one sale always sum to exactly what was paid.
library RoyaltySplit {
    /// @notice Basis points in one whole.
    uint256 internal constant BPS = 10_000;

    /// @notice `amount * bps / BPS`, rounded down.
    function share(uint256 amount, uint256 bps) internal pure returns (uint256) {
        return Math.mulDiv(amount, bps, BPS);
    }

    /// @notice The seller's basis points once the protocol fee and the royalties are taken.
    function sellerBps(uint256 feeBps, uint256 royaltyBps) internal pure returns (uint256) {
        return BPS - feeBps - royaltyBps;
    }
}
