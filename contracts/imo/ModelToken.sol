// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20Upgradeable} from "@openzeppelin/contracts-upgradeable/token/ERC20/ERC20Upgradeable.sol";
// solhint-disable-next-line max-line-length
import {ERC20PermitUpgradeable} from "@openzeppelin/contracts-upgradeable/token/ERC20/extensions/ERC20PermitUpgradeable.sol";
// solhint-disable-next-line max-line-length
import {ERC20VotesUpgradeable} from "@openzeppelin/contracts-upgradeable/token/ERC20/extensions/ERC20VotesUpgradeable.sol";
import {NoncesUpgradeable} from "@openzeppelin/contracts-upgradeable/utils/NoncesUpgradeable.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IModelToken} from "./interfaces/IModelToken.sol";

/// @title ModelToken
/// @notice Per-model revenue token: ERC-20 with permit and votes, streamed O(1) revenue accumulators per asset
/// (magnified reward-per-share with signed per-holder corrections) and burn-to-redeem. Deployed as clones of one
/// implementation by ModelOffering.
contract ModelToken is
    ERC20Upgradeable,
    ERC20PermitUpgradeable,
    ERC20VotesUpgradeable,
    ReentrancyGuardTransient,
    IModelToken
{
    using SafeERC20 for IERC20;
    using SafeCast for uint256;
    using SafeCast for int256;

    /// @notice Revenue asset id of native ETH.
    address public constant ETH = address(0);
    /// @notice Fixed-point scale of rates, reward-per-share and the redeem pools.
    uint256 public constant SCALE = 1e27;
    /// @notice Most ERC-20 revenue assets ever listed (each one adds a constant cost to every transfer).
    uint256 public constant MAX_TOKEN_ASSETS = 3;
    /// @notice Bounds of the release period.
    uint32 public constant MIN_STREAM_PERIOD = 1 hours;
    uint32 public constant MAX_STREAM_PERIOD = 365 days;
    /// @notice Most of each deposit that may go to the redeem pool.
    uint16 public constant MAX_REDEEM_BPS = 5_000;
    uint256 private constant BPS = 10_000;

    struct AssetState {
        uint176 holderRateScaled;
        uint40 lastUpdate;
        uint40 periodFinish;
        uint256 rewardPerShareScaled;
        uint176 poolRateScaled;
        bool listed;
        bool known;
        // Added in the free tail of the poolRateScaled slot (always zero before): the pool stream's own end.
        uint40 poolFinish;
        uint256 poolScaled;
    }

    /// @custom:storage-location erc7201:axon.storage.ModelToken
    struct ModelTokenStorage {
        address offering;
        uint32 streamPeriodSeconds;
        uint16 redeemBps;
        uint8 tokenAssetCount;
        bool live;
        uint256 modelId;
        uint256 maxSupply;
        mapping(uint256 index => address) tokenAssets;
        mapping(address asset => AssetState) assets;
        mapping(address asset => mapping(address holder => int256)) corrections;
    }

    // keccak256(abi.encode(uint256(keccak256("axon.storage.ModelToken")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_LOCATION = 0x8d9ed915d0040f0eddb7de08df3ac7ca3c17c89d77bc74244ef66a8438ff4300;

    modifier onlyOffering() {
        _checkOffering();
        _;
    }

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /// @notice Plain ETH sent to the token is ETH revenue (the oracle pays model fees this way, gas-capped).
    receive() external payable {
        _deposit(ETH, msg.value);
    }

    /// @inheritdoc IModelToken
    function initialize(
        string calldata name_,
        string calldata symbol_,
        address offering_,
        uint256 modelId_,
        uint256 maxSupply_,
        uint32 streamPeriodSeconds_,
        uint16 redeemBps_
    ) external initializer {
        __ERC20_init(name_, symbol_);
        __ERC20Permit_init(name_);
        __ERC20Votes_init();
        ModelTokenStorage storage $ = _s();
        $.offering = offering_;
        $.modelId = modelId_;
        $.maxSupply = maxSupply_;
        _setStreamPeriod($, streamPeriodSeconds_);
        _setRedeemBps($, redeemBps_);
        _initAsset($.assets[ETH]);
    }

    /// @inheritdoc IModelToken
    function depositRevenue(address asset, uint256 amount) external nonReentrant {
        if (asset == ETH) revert ModelTokenAssetNotListed(asset);
        if (!_s().assets[asset].listed) revert ModelTokenAssetNotListed(asset);
        uint256 before = IERC20(asset).balanceOf(address(this));
        IERC20(asset).safeTransferFrom(msg.sender, address(this), amount);
        _deposit(asset, IERC20(asset).balanceOf(address(this)) - before);
    }

    /// @inheritdoc IModelToken
    function claim(address asset) external nonReentrant returns (uint256 amount) {
        ModelTokenStorage storage $ = _s();
        amount = _claimable($, asset, msg.sender);
        if (amount == 0) revert ModelTokenNothingToClaim(asset, msg.sender);
        // Claims ride on the correction too: one slot per holder and asset, already non-zero for any holder.
        $.corrections[asset][msg.sender] -= (amount * SCALE).toInt256();
        emit RevenueClaimed(asset, msg.sender, amount);
        if (asset == ETH) Address.sendValue(payable(msg.sender), amount);
        else IERC20(asset).safeTransfer(msg.sender, amount);
    }

    /// @inheritdoc IModelToken
    function redeem(uint256 amount) external {
        if (amount == 0) revert ModelTokenZeroAmount();
        ModelTokenStorage storage $ = _s();
        if (!$.live) revert ModelTokenNotLive();
        uint256 supply = totalSupply();
        _creditRedeem($, ETH, amount, supply);
        uint256 n = $.tokenAssetCount;
        for (uint256 i; i < n; ++i) _creditRedeem($, $.tokenAssets[i], amount, supply);
        _burn(msg.sender, amount);
        emit Redeemed(msg.sender, amount);
    }

    /// @inheritdoc IModelToken
    function mint(address to, uint256 amount) external onlyOffering {
        uint256 supplyAfter = totalSupply() + amount;
        uint256 cap = _s().maxSupply;
        if (supplyAfter > cap) revert ModelTokenCapExceeded(supplyAfter, cap);
        _mint(to, amount);
    }

    /// @inheritdoc IModelToken
    function burnFrom(address from, uint256 amount) external onlyOffering {
        if (_s().live) revert ModelTokenAlreadyLive();
        _burn(from, amount);
    }

    /// @inheritdoc IModelToken
    function activate() external onlyOffering {
        ModelTokenStorage storage $ = _s();
        if ($.live) revert ModelTokenAlreadyLive();
        $.live = true;
        emit Activated();
    }

    /// @inheritdoc IModelToken
    function setRevenueAsset(address asset, bool listed) external onlyOffering {
        if (asset == ETH) revert ModelTokenEthAlwaysListed();
        if (asset == address(this)) revert ModelTokenSelfAsset();
        ModelTokenStorage storage $ = _s();
        AssetState storage a = $.assets[asset];
        if (!a.known) {
            uint256 n = $.tokenAssetCount;
            if (n == MAX_TOKEN_ASSETS) revert ModelTokenTooManyAssets(MAX_TOKEN_ASSETS);
            $.tokenAssets[n] = asset;
            $.tokenAssetCount = uint8(n + 1);
            _initAsset(a);
        }
        a.listed = listed;
        emit RevenueAssetSet(asset, listed);
    }

    /// @inheritdoc IModelToken
    function setStreamPeriod(uint32 streamPeriodSeconds_) external onlyOffering {
        _setStreamPeriod(_s(), streamPeriodSeconds_);
    }

    /// @inheritdoc IModelToken
    function setRedeemBps(uint16 redeemBps_) external onlyOffering {
        _setRedeemBps(_s(), redeemBps_);
    }

    /// @inheritdoc IModelToken
    function claimableOf(address asset, address holder) external view returns (uint256) {
        return _claimable(_s(), asset, holder);
    }

    /// @inheritdoc IModelToken
    function previewRedeem(address asset, uint256 amount) external view returns (uint256) {
        uint256 supply = totalSupply();
        if (supply == 0) return 0;
        return Math.mulDiv(_poolNow(_s().assets[asset]), amount, supply) / SCALE;
    }

    /// @inheritdoc IModelToken
    function redeemPoolOf(address asset) external view returns (uint256) {
        return _poolNow(_s().assets[asset]) / SCALE;
    }

    /// @inheritdoc IModelToken
    function unreleasedOf(address asset) external view returns (uint256 toHolders, uint256 toPool) {
        AssetState storage a = _s().assets[asset];
        // With no holders the holder stream is paused at lastUpdate.
        uint256 from = totalSupply() == 0 ? a.lastUpdate : block.timestamp;
        uint256 finish = a.periodFinish;
        if (from < finish) toHolders = ((finish - from) * a.holderRateScaled) / SCALE;
        finish = a.poolFinish;
        if (block.timestamp < finish) toPool = ((finish - block.timestamp) * a.poolRateScaled) / SCALE;
    }

    /// @inheritdoc IModelToken
    function streamOf(address asset) external view returns (Stream memory) {
        AssetState storage a = _s().assets[asset];
        return
            Stream({
                holderRateScaled: a.holderRateScaled,
                poolRateScaled: a.poolRateScaled,
                lastUpdate: a.lastUpdate,
                periodFinish: a.periodFinish,
                rewardPerShareScaled: a.rewardPerShareScaled,
                poolScaled: a.poolScaled,
                listed: a.listed,
                poolPeriodFinish: a.poolFinish
            });
    }

    /// @inheritdoc IModelToken
    function revenueAssets() external view returns (address[] memory list) {
        ModelTokenStorage storage $ = _s();
        uint256 n = $.tokenAssetCount;
        list = new address[](n + 1);
        for (uint256 i; i < n; ++i) list[i + 1] = $.tokenAssets[i];
    }

    /// @inheritdoc IModelToken
    function offering() external view returns (address) {
        return _s().offering;
    }

    /// @inheritdoc IModelToken
    function modelId() external view returns (uint256) {
        return _s().modelId;
    }

    /// @inheritdoc IModelToken
    function maxSupply() external view returns (uint256) {
        return _s().maxSupply;
    }

    /// @inheritdoc IModelToken
    function streamPeriodSeconds() external view returns (uint32) {
        return _s().streamPeriodSeconds;
    }

    /// @inheritdoc IModelToken
    function redeemBps() external view returns (uint16) {
        return _s().redeemBps;
    }

    /// @inheritdoc IModelToken
    function live() external view returns (bool) {
        return _s().live;
    }

    /// @notice EIP-2612 nonce of `owner` (shared by permit and vote delegation by signature).
    function nonces(address owner) public view override(ERC20PermitUpgradeable, NoncesUpgradeable) returns (uint256) {
        return super.nonces(owner);
    }

    /// @dev Every balance change moves each asset's correction by rewardPerShare × value, so a holder's accrued
    /// revenue is unchanged by the transfer; a mint or burn first brings the accumulators forward at the old supply.
    function _update(
        address from,
        address to,
        uint256 value
    ) internal override(ERC20Upgradeable, ERC20VotesUpgradeable) {
        ModelTokenStorage storage $ = _s();
        bool supplyChanges = from == address(0) || to == address(0);
        bool isLive = $.live;
        if (!supplyChanges && !isLive) revert ModelTokenNotLive();
        // Before activation nothing can be deposited, so there is nothing to bring forward on a mint or burn.
        bool checkpoint = supplyChanges && isLive;
        uint256 supply = totalSupply();
        _moveCorrections($, ETH, from, to, value, supply, checkpoint);
        uint256 n = $.tokenAssetCount;
        for (uint256 i; i < n; ++i) _moveCorrections($, $.tokenAssets[i], from, to, value, supply, checkpoint);
        super._update(from, to, value);
    }

    function _moveCorrections(
        ModelTokenStorage storage $,
        address asset,
        address from,
        address to,
        uint256 value,
        uint256 supply,
        bool checkpoint
    ) private {
        AssetState storage a = $.assets[asset];
        int256 delta = ((checkpoint ? _checkpoint(a, supply) : _rewardPerShare(a, supply, _streamTime(a))) * value)
            .toInt256();
        if (from != address(0)) $.corrections[asset][from] += delta;
        if (to != address(0)) $.corrections[asset][to] -= delta;
    }

    function _deposit(address asset, uint256 amount) private {
        if (amount == 0) revert ModelTokenZeroAmount();
        ModelTokenStorage storage $ = _s();
        if (!$.live) revert ModelTokenNotLive();
        AssetState storage a = $.assets[asset];
        if (!a.listed) revert ModelTokenAssetNotListed(asset);
        _checkpoint(a, totalSupply());
        uint256 toPool = (amount * $.redeemBps) / BPS;
        uint256 period = $.streamPeriodSeconds;
        (uint256 holderRate, uint256 holderFinish) = _merge(
            a.holderRateScaled,
            a.periodFinish,
            (amount - toPool) * SCALE,
            period
        );
        (uint256 poolRate, uint256 poolFinish) = _merge(a.poolRateScaled, a.poolFinish, toPool * SCALE, period);
        if (holderRate > type(uint176).max || poolRate > type(uint176).max) {
            revert ModelTokenDepositTooLarge(asset, amount);
        }
        a.holderRateScaled = uint176(holderRate);
        a.lastUpdate = uint40(block.timestamp);
        a.periodFinish = uint40(holderFinish);
        a.poolRateScaled = uint176(poolRate);
        a.poolFinish = uint40(poolFinish);
        emit RevenueDeposited(asset, msg.sender, amount, toPool);
    }

    /// @dev Adds `addedScaled` to a stream (`rate` until `finish`) as a sum of linear streams kept in two words: the
    /// deposit adds its own rate `addedScaled / period`, and the merged stream runs at the summed rate until the merged
    /// total is out. Cumulative release never falls behind the two streams kept apart (what was streaming keeps at
    /// least its rate, so it is out by its own finish), the rate never exceeds the sum of the deposits' own rates (a
    /// flash holder gains nothing more), and the finish is at most max(finish, now + period): a dust deposit neither
    /// restarts nor slows anything. The duration rounds down and the rate is `total / duration` rounded down, so the
    /// rate is at least the summed rate and at most `duration` scaled units (< 1 wei) stay in the contract.
    function _merge(
        uint256 rate,
        uint256 finish,
        uint256 addedScaled,
        uint256 period
    ) private view returns (uint256 newRate, uint256 newFinish) {
        if (addedScaled == 0) return (rate, finish);
        uint256 total = addedScaled;
        if (block.timestamp < finish) total += (finish - block.timestamp) * rate;
        else rate = 0;
        // addedScaled >= 1e27 > period, so the added rate is >= 1, and total >= rate + addedScaled: duration >= 1.
        uint256 duration = total / (rate + addedScaled / period);
        newRate = total / duration;
        newFinish = block.timestamp + duration;
    }

    function _creditRedeem(ModelTokenStorage storage $, address asset, uint256 amount, uint256 supply) private {
        AssetState storage a = $.assets[asset];
        _checkpoint(a, supply);
        uint256 payout = Math.mulDiv(a.poolScaled, amount, supply) / SCALE;
        if (payout == 0) return;
        uint256 payoutScaled = payout * SCALE;
        a.poolScaled -= payoutScaled;
        // The credit rides on the holder's correction, so `claim(asset)` pays it with the released revenue.
        $.corrections[asset][msg.sender] += payoutScaled.toInt256();
        emit RedeemCredited(asset, msg.sender, payout);
    }

    /// @dev Brings rewardPerShare and the pool forward to now at `supply`. With no holders the holder stream pauses
    /// (its finish moves on by the time elapsed), so what it would have released waits for the first holders and
    /// streams to them over the time it had left.
    function _checkpoint(AssetState storage a, uint256 supply) private returns (uint256 rps) {
        uint256 last = a.lastUpdate;
        rps = a.rewardPerShareScaled;
        if (block.timestamp <= last) return rps;
        uint256 finish = a.periodFinish;
        uint256 poolFinish = a.poolFinish;
        // Both streams ended before the last checkpoint: nothing accrues, and nothing needs writing.
        if (finish <= last && poolFinish <= last) return rps;
        if (finish > last) {
            if (supply != 0) {
                rps += ((Math.min(block.timestamp, finish) - last) * a.holderRateScaled) / supply;
                a.rewardPerShareScaled = rps;
            } else {
                a.periodFinish = uint40(finish + block.timestamp - last);
            }
        }
        if (poolFinish > last) a.poolScaled += (Math.min(block.timestamp, poolFinish) - last) * a.poolRateScaled;
        a.lastUpdate = uint40(block.timestamp);
    }

    function _initAsset(AssetState storage a) private {
        a.listed = true;
        a.known = true;
        a.lastUpdate = uint40(block.timestamp);
        a.periodFinish = uint40(block.timestamp);
        a.poolFinish = uint40(block.timestamp);
        // Non-zero sentinels (worth < 1e-27 wei) keep every later deposit within the oracle's gas-capped push:
        // no slot of the stream is ever written from zero again.
        a.rewardPerShareScaled = 1;
        a.poolScaled = 1;
    }

    function _setStreamPeriod(ModelTokenStorage storage $, uint32 streamPeriodSeconds_) private {
        if (streamPeriodSeconds_ < MIN_STREAM_PERIOD || streamPeriodSeconds_ > MAX_STREAM_PERIOD) {
            revert ModelTokenStreamPeriodOutOfRange(streamPeriodSeconds_);
        }
        $.streamPeriodSeconds = streamPeriodSeconds_;
        emit StreamPeriodSet(streamPeriodSeconds_);
    }

    function _setRedeemBps(ModelTokenStorage storage $, uint16 redeemBps_) private {
        if (redeemBps_ > MAX_REDEEM_BPS) revert ModelTokenRedeemBpsTooHigh(redeemBps_);
        $.redeemBps = redeemBps_;
        emit RedeemBpsSet(redeemBps_);
    }

    function _claimable(ModelTokenStorage storage $, address asset, address holder) private view returns (uint256) {
        AssetState storage a = $.assets[asset];
        if (!a.known) return 0;
        uint256 rps = _rewardPerShare(a, totalSupply(), _streamTime(a));
        int256 accruedScaled = (rps * balanceOf(holder)).toInt256() + $.corrections[asset][holder];
        return accruedScaled.toUint256() / SCALE;
    }

    function _rewardPerShare(AssetState storage a, uint256 supply, uint256 t) private view returns (uint256) {
        uint256 last = a.lastUpdate;
        if (t <= last || supply == 0) return a.rewardPerShareScaled;
        return a.rewardPerShareScaled + ((t - last) * a.holderRateScaled) / supply;
    }

    function _poolNow(AssetState storage a) private view returns (uint256) {
        uint256 last = a.lastUpdate;
        uint256 t = Math.min(block.timestamp, a.poolFinish);
        if (t <= last) return a.poolScaled;
        return a.poolScaled + (t - last) * a.poolRateScaled;
    }

    function _streamTime(AssetState storage a) private view returns (uint256) {
        uint256 finish = a.periodFinish;
        return block.timestamp < finish ? block.timestamp : finish;
    }

    function _checkOffering() private view {
        if (msg.sender != _s().offering) revert ModelTokenOnlyOffering(msg.sender);
    }

    function _s() private pure returns (ModelTokenStorage storage $) {
        assembly {
            $.slot := STORAGE_LOCATION
        }
    }
}
