// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {FHE} from "@fhevm/solidity/lib/FHE.sol";
import {ZamaEthereumConfig} from "@fhevm/solidity/config/ZamaConfig.sol";
import {euint256, externalEuint256} from "encrypted-types/EncryptedTypes.sol";
import {IDataMarket} from "../../data/interfaces/IDataMarket.sol";

/// @notice Stands in for LabelingBounties: verifies a seller's encrypted key itself, lends it to the market
/// transiently (or not, or passes a handle it does not hold) and calls `listFor`.
contract MockDatasetLister is ZamaEthereumConfig {
    IDataMarket public immutable market;

    constructor(IDataMarket market_) {
        market = market_;
    }

    /// @notice The LabelingBounties path: fromExternal, allowTransient(market), listFor.
    function listVerified(
        address seller,
        IDataMarket.ListingParams calldata params,
        externalEuint256 encryptedKey,
        bytes calldata inputProof
    ) external returns (uint256) {
        euint256 key = FHE.fromExternal(encryptedKey, inputProof);
        FHE.allowTransient(key, address(market));
        return market.listFor(seller, params, key);
    }

    /// @notice Passes an arbitrary handle it may not hold (e.g. another dataset's key read from storage).
    function listRaw(
        address seller,
        IDataMarket.ListingParams calldata params,
        euint256 key
    ) external returns (uint256) {
        return market.listFor(seller, params, key);
    }
}
