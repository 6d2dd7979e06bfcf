// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {FHE} from "@fhevm/solidity/lib/FHE.sol";
import {ZamaEthereumConfig} from "@fhevm/solidity/config/ZamaConfig.sol";
import {euint256} from "encrypted-types/EncryptedTypes.sol";
import {IDataMarket} from "../../data/interfaces/IDataMarket.sol";

/// @notice The slice of IDataMarket that LabelingBounties' export uses (listFor with the same key-adoption rule,
/// royalty credits per contributor, ETH withdrawals), so the export is tested apart from DataMarket's own tests.
contract BountiesDataMarketMock is ZamaEthereumConfig {
    struct Listing {
        address seller;
        bytes32 contentHash;
        euint256 key;
        address[] contributors;
        uint16[] contributorBps;
    }

    uint256 public datasetCount;
    mapping(uint256 datasetId => Listing) private _listings;
    mapping(address account => uint256) private _credits;

    event MockListed(uint256 indexed datasetId, address indexed seller, address indexed lister, bytes32 contentHash);

    error MockKeyNotAllowed();
    error MockNothingToWithdraw();

    function listFor(
        address seller,
        IDataMarket.ListingParams calldata params,
        euint256 key
    ) external returns (uint256 datasetId) {
        if (!FHE.isSenderAllowed(key)) revert MockKeyNotAllowed();
        FHE.allowThis(key);
        datasetId = ++datasetCount;
        Listing storage listing = _listings[datasetId];
        listing.seller = seller;
        listing.contentHash = params.contentHash;
        listing.key = key;
        listing.contributors = params.contributors;
        listing.contributorBps = params.contributorBps;
        emit MockListed(datasetId, seller, msg.sender, params.contentHash);
    }

    /// @notice A sale: credits each contributor its bps of msg.value, the rest to the seller; grants the key.
    function purchase(uint256 datasetId) external payable {
        Listing storage listing = _listings[datasetId];
        uint256 rest = msg.value;
        for (uint256 i; i < listing.contributors.length; ++i) {
            uint256 share = (msg.value * listing.contributorBps[i]) / 10_000;
            _credits[listing.contributors[i]] += share;
            rest -= share;
        }
        _credits[listing.seller] += rest;
        FHE.allow(listing.key, msg.sender);
    }

    function creditOf(address account, address) external view returns (uint256) {
        return _credits[account];
    }

    function withdraw(address) external {
        uint256 amount = _credits[msg.sender];
        if (amount == 0) revert MockNothingToWithdraw();
        _credits[msg.sender] = 0;
        (bool ok, ) = msg.sender.call{value: amount}("");
        if (!ok) revert MockNothingToWithdraw();
    }

    function keyOf(uint256 datasetId) external view returns (euint256) {
        return _listings[datasetId].key;
    }

    function contributorsOf(uint256 datasetId) external view returns (address[] memory, uint16[] memory) {
        return (_listings[datasetId].contributors, _listings[datasetId].contributorBps);
    }
}
