// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {FHE} from "@fhevm/solidity/lib/FHE.sol";
import {ZamaConfig} from "@fhevm/solidity/config/ZamaConfig.sol";
import {euint256, externalEuint256} from "encrypted-types/EncryptedTypes.sol";
import {AxonUpgradeable} from "../common/AxonUpgradeable.sol";
import {ITreasury} from "../common/interfaces/ITreasury.sol";
import {IDataMarket} from "./interfaces/IDataMarket.sol";
import {RoyaltySplit} from "./libraries/RoyaltySplit.sol";

/// @title DataMarket
/// @notice Dataset listings whose decryption key is an fhevm `euint256` granted through the ACL to paid buyers only.
/// @dev All FHE calls go through four internal virtual hooks (`_importKey`, `_adoptKey`, `_grantKey`, `_isKeyAllowed`)
/// so the non-FHE accounting can be exercised by a harness (Foundry invariants) where no coprocessor exists.
contract DataMarket is AxonUpgradeable, IDataMarket {
    using SafeERC20 for IERC20;

    /// @notice May list datasets on behalf of a seller with a key handle it already holds (LabelingBounties).
    bytes32 public constant LISTER_ROLE = keccak256("LISTER_ROLE");
    /// @notice Most royalty contributors per dataset (bounds the purchase loop).
    uint256 public constant MAX_CONTRIBUTORS = 8;
    /// @notice Most the contributors' shares may sum to, so the seller always keeps at least 10%.
    uint256 public constant MAX_ROYALTY_BPS = 8_000;
    /// @notice Most the protocol fee may be; with MAX_ROYALTY_BPS the seller's share can never go negative.
    uint256 public constant MAX_PROTOCOL_FEE_BPS = 1_000;
    /// @notice Longest configurable delay between payment and key grant.
    uint256 public constant MAX_GRANT_DELAY_SECONDS = 7 days;

    struct Contributor {
        address account;
        uint16 bps;
    }

    /// @custom:storage-location erc7201:axon.storage.DataMarket
    struct DataMarketStorage {
        address treasury;
        uint16 protocolFeeBps;
        uint32 grantDelaySeconds;
        uint48 datasetCount;
        mapping(uint256 datasetId => Dataset) datasets;
        mapping(uint256 datasetId => mapping(uint256 index => Contributor)) contributors;
        mapping(uint256 datasetId => mapping(address buyer => License)) licenses;
        mapping(address account => mapping(address asset => uint256)) credits;
        mapping(address asset => uint256) protocolFees;
        mapping(address asset => bool) allowedAssets;
    }

    // keccak256(abi.encode(uint256(keccak256("axon.storage.DataMarket")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_LOCATION = 0x077141769838e9141bfd6142242babb1691c8fa2667001629a6e73e8ef6afc00;

    /// @param admin Initial default admin (also pauser and upgrader).
    /// @param adminDelaySeconds Delay before a default-admin transfer can be accepted.
    /// @param treasury_ Receiver of protocol fees.
    /// @param protocolFeeBps_ Protocol fee on every sale.
    function initialize(
        address admin,
        uint48 adminDelaySeconds,
        address treasury_,
        uint16 protocolFeeBps_
    ) external initializer {
        __AxonUpgradeable_init(admin, adminDelaySeconds);
        // The config contract's constructor cannot run in the proxy's context: set the coprocessor here instead.
        FHE.setCoprocessor(ZamaConfig.getEthereumCoprocessorConfig());
        _setTreasury(treasury_);
        _setProtocolFeeBps(protocolFeeBps_);
    }

    /// @inheritdoc IDataMarket
    function list(
        ListingParams calldata params,
        externalEuint256 encryptedKey,
        bytes calldata inputProof
    ) external whenNotPaused returns (uint256 datasetId) {
        euint256 key = _importKey(encryptedKey, inputProof);
        datasetId = _list(msg.sender, params, key);
    }

    /// @inheritdoc IDataMarket
    function listFor(
        address seller,
        ListingParams calldata params,
        euint256 key
    ) external whenNotPaused onlyRole(LISTER_ROLE) returns (uint256 datasetId) {
        if (seller == address(0)) revert DataMarketZeroAddress("seller");
        _adoptKey(key);
        datasetId = _list(seller, params, key);
    }

    /// @inheritdoc IDataMarket
    function purchase(uint256 datasetId, uint256 maxPriceAmount) external payable whenNotPaused nonReentrant {
        DataMarketStorage storage $ = _s();
        Dataset storage d = $.datasets[datasetId];
        if (d.status != DatasetStatus.Listed) _revertNotListed(datasetId, d.status);
        uint256 priceAmount = d.priceAmount;
        if (priceAmount > maxPriceAmount) revert DataMarketPriceAboveMax(datasetId, priceAmount, maxPriceAmount);
        License storage lic = $.licenses[datasetId][msg.sender];
        if (lic.purchasedAt != 0) revert DataMarketAlreadyLicensed(datasetId, msg.sender);

        address asset = d.paymentAsset;
        uint256 paidAmount =
            asset == address(0) ? _receiveEth(datasetId, priceAmount) : _receiveToken(datasetId, asset, priceAmount);

        uint64 grantableAt = _settle($, d, datasetId, asset, paidAmount);
        lic.purchasedAt = uint64(block.timestamp);
        lic.grantableAt = grantableAt;
        if (grantableAt == block.timestamp) _grant(d, lic, datasetId, msg.sender);
    }

    /// @inheritdoc IDataMarket
    function claimAccess(uint256 datasetId, address buyer) external whenNotPaused {
        _claim(datasetId, buyer);
    }

    /// @inheritdoc IDataMarket
    function reclaimAccess(uint256 datasetId) external whenNotPaused {
        _claim(datasetId, msg.sender);
    }

    /// @inheritdoc IDataMarket
    function setPrice(uint256 datasetId, uint96 priceAmount) external {
        Dataset storage d = _sellerDataset(datasetId);
        if (d.status != DatasetStatus.Listed) _revertNotListed(datasetId, d.status);
        if (priceAmount == 0) revert DataMarketZeroPrice();
        d.priceAmount = priceAmount;
        emit PriceSet(datasetId, priceAmount);
    }

    /// @inheritdoc IDataMarket
    function delist(uint256 datasetId) external {
        Dataset storage d = _sellerDataset(datasetId);
        if (d.status != DatasetStatus.Listed) _revertNotListed(datasetId, d.status);
        d.status = DatasetStatus.Delisted;
        emit DatasetDelisted(datasetId);
    }

    /// @inheritdoc IDataMarket
    function rotateKey(
        uint256 datasetId,
        externalEuint256 encryptedKey,
        bytes calldata inputProof
    ) external whenNotPaused {
        Dataset storage d = _sellerDataset(datasetId);
        euint256 key = _importKey(encryptedKey, inputProof);
        uint32 keyVersion = d.keyVersion + 1;
        d.key = key;
        d.keyVersion = keyVersion;
        emit KeyRotated(datasetId, keyVersion, key);
    }

    /// @inheritdoc IDataMarket
    function withdraw(address asset) external nonReentrant {
        DataMarketStorage storage $ = _s();
        uint256 amount = $.credits[msg.sender][asset];
        if (amount == 0) revert DataMarketNothingToWithdraw(msg.sender, asset);
        $.credits[msg.sender][asset] = 0;
        emit CreditWithdrawn(msg.sender, asset, amount);
        if (asset == address(0)) Address.sendValue(payable(msg.sender), amount);
        else IERC20(asset).safeTransfer(msg.sender, amount);
    }

    /// @inheritdoc IDataMarket
    function sweepProtocolFees(address asset) external nonReentrant {
        DataMarketStorage storage $ = _s();
        uint256 amount = $.protocolFees[asset];
        address treasury_ = $.treasury;
        if (amount == 0) revert DataMarketNothingToWithdraw(treasury_, asset);
        $.protocolFees[asset] = 0;
        emit ProtocolFeesSwept(asset, treasury_, amount);
        if (asset == address(0)) {
            ITreasury(treasury_).depositETH{value: amount}();
        } else {
            IERC20(asset).forceApprove(treasury_, amount);
            ITreasury(treasury_).depositToken(asset, amount);
        }
    }

    /// @inheritdoc IDataMarket
    function setPaymentAssetAllowed(address asset, bool allowed) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (asset == address(0)) revert DataMarketZeroAddress("asset");
        _s().allowedAssets[asset] = allowed;
        emit PaymentAssetAllowedSet(asset, allowed);
    }

    /// @inheritdoc IDataMarket
    function setProtocolFeeBps(uint16 feeBps) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setProtocolFeeBps(feeBps);
    }

    /// @inheritdoc IDataMarket
    function setGrantDelay(uint32 grantDelaySeconds_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (grantDelaySeconds_ > MAX_GRANT_DELAY_SECONDS) {
            revert DataMarketGrantDelayTooLong(grantDelaySeconds_, MAX_GRANT_DELAY_SECONDS);
        }
        _s().grantDelaySeconds = grantDelaySeconds_;
        emit GrantDelaySet(grantDelaySeconds_);
    }

    /// @inheritdoc IDataMarket
    function setTreasury(address treasury_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setTreasury(treasury_);
    }

    /// @inheritdoc IDataMarket
    function getDataset(uint256 datasetId) external view returns (Dataset memory) {
        return _s().datasets[datasetId];
    }

    /// @inheritdoc IDataMarket
    function contributorOf(uint256 datasetId, uint256 index) external view returns (address account, uint16 bps) {
        Contributor storage c = _s().contributors[datasetId][index];
        return (c.account, c.bps);
    }

    /// @inheritdoc IDataMarket
    function licenseOf(uint256 datasetId, address buyer) external view returns (License memory) {
        return _s().licenses[datasetId][buyer];
    }

    /// @inheritdoc IDataMarket
    function hasAccess(uint256 datasetId, address account) external view returns (bool) {
        euint256 key = _s().datasets[datasetId].key;
        return euint256.unwrap(key) != 0 && _isKeyAllowed(key, account);
    }

    /// @inheritdoc IDataMarket
    function creditOf(address account, address asset) external view returns (uint256) {
        return _s().credits[account][asset];
    }

    /// @inheritdoc IDataMarket
    function protocolFeesOf(address asset) external view returns (uint256) {
        return _s().protocolFees[asset];
    }

    /// @inheritdoc IDataMarket
    function isPaymentAssetAllowed(address asset) external view returns (bool) {
        return asset == address(0) || _s().allowedAssets[asset];
    }

    /// @inheritdoc IDataMarket
    function marketConfig()
        external
        view
        returns (address treasury_, uint16 protocolFeeBps_, uint32 grantDelaySeconds_, uint256 datasetCount_)
    {
        DataMarketStorage storage $ = _s();
        return ($.treasury, $.protocolFeeBps, $.grantDelaySeconds, $.datasetCount);
    }

    /// @dev Validates and stores a listing; `key` is already verified and usable by this contract.
    function _list(address seller, ListingParams calldata params, euint256 key) internal returns (uint256 datasetId) {
        if (params.contentHash == bytes32(0)) revert DataMarketZeroContentHash();
        if (params.priceAmount == 0) revert DataMarketZeroPrice();
        address asset = params.paymentAsset;
        DataMarketStorage storage $ = _s();
        if (asset != address(0) && !$.allowedAssets[asset]) revert DataMarketAssetNotAllowed(asset);
        uint256 count = params.contributors.length;
        if (count > MAX_CONTRIBUTORS) revert DataMarketTooManyContributors(count, MAX_CONTRIBUTORS);
        if (count != params.contributorBps.length) {
            revert DataMarketContributorsLengthMismatch(count, params.contributorBps.length);
        }

        // datasetCount < 2^48 in any realistic lifetime; the increment is checked anyway.
        datasetId = $.datasetCount + 1;
        $.datasetCount = uint48(datasetId);
        uint256 royaltyBps;
        for (uint256 i; i < count; ++i) {
            address account = params.contributors[i];
            uint16 bps = params.contributorBps[i];
            if (account == address(0) || bps == 0) revert DataMarketInvalidContributor(i, account, bps);
            royaltyBps += bps;
            $.contributors[datasetId][i] = Contributor({account: account, bps: bps});
        }
        if (royaltyBps > MAX_ROYALTY_BPS) revert DataMarketRoyaltyTooHigh(royaltyBps, MAX_ROYALTY_BPS);

        $.datasets[datasetId] = Dataset({
            seller: seller,
            status: DatasetStatus.Listed,
            keyVersion: 1,
            // count <= MAX_CONTRIBUTORS and royaltyBps <= MAX_ROYALTY_BPS: both fit.
            contributorCount: uint8(count),
            royaltyBps: uint16(royaltyBps),
            paymentAsset: asset,
            priceAmount: params.priceAmount,
            key: key
        });
        emit DatasetListed(datasetId, seller, msg.sender, params, key);
    }

    /// @dev Splits `paidAmount` into credits and returns when the buyer's access becomes grantable.
    function _settle(
        DataMarketStorage storage $,
        Dataset storage d,
        uint256 datasetId,
        address asset,
        uint256 paidAmount
    ) internal returns (uint64 grantableAt) {
        uint256 feeBps = $.protocolFeeBps;
        uint256 sellerAmount = RoyaltySplit.share(paidAmount, RoyaltySplit.sellerBps(feeBps, d.royaltyBps));
        uint256 royaltyAmount;
        uint256 count = d.contributorCount;
        for (uint256 i; i < count; ++i) {
            Contributor storage c = $.contributors[datasetId][i];
            uint256 amount = RoyaltySplit.share(paidAmount, c.bps);
            if (amount != 0) {
                royaltyAmount += amount;
                $.credits[c.account][asset] += amount;
                emit RoyaltyCredited(datasetId, c.account, asset, amount);
            }
        }
        // Rounding dust of every floored share goes to the protocol: Σ credits == paidAmount exactly.
        uint256 feeAmount = paidAmount - sellerAmount - royaltyAmount;
        $.credits[d.seller][asset] += sellerAmount;
        if (feeAmount != 0) $.protocolFees[asset] += feeAmount;
        grantableAt = uint64(block.timestamp + $.grantDelaySeconds);
        emit DatasetPurchased(
            datasetId,
            msg.sender,
            asset,
            paidAmount,
            sellerAmount,
            royaltyAmount,
            feeAmount,
            grantableAt
        );
    }

    function _receiveEth(uint256 datasetId, uint256 priceAmount) internal returns (uint256) {
        if (msg.value < priceAmount) revert DataMarketInsufficientPayment(datasetId, priceAmount, msg.value);
        if (msg.value != priceAmount) {
            uint256 excess = msg.value - priceAmount;
            _s().credits[msg.sender][address(0)] += excess;
            emit OverpaymentCredited(datasetId, msg.sender, excess);
        }
        return priceAmount;
    }

    /// @dev Credits what actually arrived (balance difference), so a fee-on-transfer token cannot over-credit.
    function _receiveToken(uint256 datasetId, address asset, uint256 priceAmount) internal returns (uint256) {
        if (msg.value != 0) revert DataMarketUnexpectedEth(datasetId, msg.value);
        if (!_s().allowedAssets[asset]) revert DataMarketAssetNotAllowed(asset);
        uint256 balanceBefore = IERC20(asset).balanceOf(address(this));
        IERC20(asset).safeTransferFrom(msg.sender, address(this), priceAmount);
        return IERC20(asset).balanceOf(address(this)) - balanceBefore;
    }

    function _claim(uint256 datasetId, address buyer) internal {
        DataMarketStorage storage $ = _s();
        Dataset storage d = $.datasets[datasetId];
        License storage lic = $.licenses[datasetId][buyer];
        if (lic.purchasedAt == 0) revert DataMarketNotLicensed(datasetId, buyer);
        if (block.timestamp < lic.grantableAt) revert DataMarketGrantNotYetAllowed(datasetId, buyer, lic.grantableAt);
        if (lic.grantedKeyVersion == d.keyVersion) {
            revert DataMarketAccessAlreadyGranted(datasetId, buyer, lic.grantedKeyVersion);
        }
        _grant(d, lic, datasetId, buyer);
    }

    /// @dev The key handle always comes from storage, never from the caller.
    function _grant(Dataset storage d, License storage lic, uint256 datasetId, address buyer) internal {
        uint32 keyVersion = d.keyVersion;
        lic.grantedKeyVersion = keyVersion;
        _grantKey(d.key, buyer);
        emit AccessGranted(datasetId, buyer, keyVersion);
    }

    function _sellerDataset(uint256 datasetId) internal view returns (Dataset storage d) {
        d = _s().datasets[datasetId];
        if (d.status == DatasetStatus.None) revert DataMarketUnknownDataset(datasetId);
        if (d.seller != msg.sender) revert DataMarketNotSeller(datasetId, msg.sender);
    }

    function _setTreasury(address treasury_) internal {
        if (treasury_ == address(0)) revert DataMarketZeroAddress("treasury");
        _s().treasury = treasury_;
        emit TreasurySet(treasury_);
    }

    function _setProtocolFeeBps(uint16 feeBps) internal {
        if (feeBps > MAX_PROTOCOL_FEE_BPS) revert DataMarketFeeTooHigh(feeBps, MAX_PROTOCOL_FEE_BPS);
        _s().protocolFeeBps = feeBps;
        emit ProtocolFeeBpsSet(feeBps);
    }

    /// @dev Verifies an encrypted input bound to this contract and the caller; keeps this contract's access.
    function _importKey(externalEuint256 encryptedKey, bytes calldata inputProof) internal virtual returns (euint256) {
        euint256 key = FHE.fromExternal(encryptedKey, inputProof);
        FHE.allowThis(key);
        return key;
    }

    /// @dev Takes over a handle the caller holds (listFor): the caller must be allowed on it, and must have allowed
    /// this contract (transiently at least), which `FHE.allowThis` requires.
    function _adoptKey(euint256 key) internal virtual {
        if (!FHE.isSenderAllowed(key)) revert DataMarketKeyNotAllowed(msg.sender, key);
        FHE.allowThis(key);
    }

    function _grantKey(euint256 key, address account) internal virtual {
        FHE.allow(key, account);
    }

    function _isKeyAllowed(euint256 key, address account) internal view virtual returns (bool) {
        return FHE.isAllowed(key, account);
    }

    function _revertNotListed(uint256 datasetId, DatasetStatus status) internal pure {
        if (status == DatasetStatus.None) revert DataMarketUnknownDataset(datasetId);
        revert DataMarketNotListed(datasetId, status);
    }

    function _s() private pure returns (DataMarketStorage storage $) {
        assembly {
            $.slot := STORAGE_LOCATION
        }
    }
}
