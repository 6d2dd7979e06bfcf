// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IModelToken
/// @notice Per-model ERC-20 (permit, votes) whose holders receive the model's revenue in ETH and in allow-listed
/// ERC-20s. Each deposit adds its own linear rate (`amount / streamPeriodSeconds`) to what is still streaming, and the
/// merged stream runs until the merged total is out: nothing already streaming is delayed (dust deposits cannot slow
/// payouts), and capital held for one block captures nothing. Revenue that arrives while nobody holds tokens waits
/// for the first holders (the holder stream pauses while the supply is zero). A `redeemBps` share of each deposit
/// streams into a redeem pool that holders can exit into by burning tokens. Every operation is O(1) in the number of
/// holders and deposits.
/// @dev Revenue asset `address(0)` is ETH. Payouts round down; dust stays in the contract.
interface IModelToken {
    /// @notice The live stream of one revenue asset.
    /// @param holderRateScaled Holder revenue released per second, in wei scaled by 1e27.
    /// @param poolRateScaled Redeem-pool revenue released per second, in wei scaled by 1e27.
    /// @param lastUpdate Last time the accumulators were brought forward.
    /// @param periodFinish When the holder stream ends (paused, and moved on, while the supply is zero).
    /// @param rewardPerShareScaled Accumulated holder revenue per token unit at `lastUpdate`, scaled by 1e27.
    /// @param poolScaled Redeem pool at `lastUpdate`, in wei scaled by 1e27.
    /// @param listed Whether deposits of this asset are accepted.
    /// @param poolPeriodFinish When the redeem-pool stream ends (it merges deposits on its own, like the holder one).
    struct Stream {
        uint256 holderRateScaled;
        uint256 poolRateScaled;
        uint256 lastUpdate;
        uint256 periodFinish;
        uint256 rewardPerShareScaled;
        uint256 poolScaled;
        bool listed;
        uint256 poolPeriodFinish;
    }

    /// @notice Revenue was pushed in and merged into the asset's stream.
    event RevenueDeposited(address indexed asset, address indexed from, uint256 amount, uint256 toRedeemPool);
    /// @notice A holder claimed released revenue (and redeem credits) of one asset.
    event RevenueClaimed(address indexed asset, address indexed holder, uint256 amount);
    /// @notice A holder burned tokens against the redeem pools.
    event Redeemed(address indexed holder, uint256 amount);
    /// @notice A holder was credited their share of one asset's redeem pool.
    event RedeemCredited(address indexed asset, address indexed holder, uint256 amount);
    /// @notice An ERC-20 was listed or delisted as a revenue asset.
    event RevenueAssetSet(address indexed asset, bool listed);
    /// @notice The stream period of future deposits changed.
    event StreamPeriodSet(uint32 streamPeriodSeconds);
    /// @notice The redeem-pool share of future deposits changed.
    event RedeemBpsSet(uint16 redeemBps);
    /// @notice Transfers, deposits and redemptions were enabled (the offering succeeded).
    event Activated();

    /// @notice The caller is not the offering that created this token.
    error ModelTokenOnlyOffering(address caller);
    /// @notice Transfers, deposits and redemptions wait for the offering to succeed.
    error ModelTokenNotLive();
    /// @notice The token is already live.
    error ModelTokenAlreadyLive();
    /// @notice The asset is not listed for deposits.
    error ModelTokenAssetNotListed(address asset);
    /// @notice No more revenue assets can be added (bounds the work of every transfer).
    error ModelTokenTooManyAssets(uint256 max);
    /// @notice ETH is always a revenue asset and cannot be listed or delisted.
    error ModelTokenEthAlwaysListed();
    /// @notice The token cannot be a revenue asset of itself.
    error ModelTokenSelfAsset();
    /// @notice A deposit or redemption of zero.
    error ModelTokenZeroAmount();
    /// @notice Nothing of `asset` is claimable by `holder`.
    error ModelTokenNothingToClaim(address asset, address holder);
    /// @notice The stream period is out of [MIN_STREAM_PERIOD, MAX_STREAM_PERIOD].
    error ModelTokenStreamPeriodOutOfRange(uint256 streamPeriodSeconds);
    /// @notice The redeem share exceeds MAX_REDEEM_BPS.
    error ModelTokenRedeemBpsTooHigh(uint256 redeemBps);
    /// @notice Minting would exceed the maximum supply.
    error ModelTokenCapExceeded(uint256 supplyAfter, uint256 maxSupply);
    /// @notice A deposit so large that its release rate does not fit the stream.
    error ModelTokenDepositTooLarge(address asset, uint256 amount);

    /// @notice Initialises a clone. Called once by the offering that creates it.
    /// @param name_ ERC-20 name (also the EIP-712 domain name).
    /// @param symbol_ ERC-20 symbol.
    /// @param offering_ The ModelOffering allowed to mint, burn, activate and configure.
    /// @param modelId_ The model whose revenue this token carries.
    /// @param maxSupply_ Hard cap on the supply.
    /// @param streamPeriodSeconds_ Release period of each deposit.
    /// @param redeemBps_ Share of each deposit that streams into the redeem pool.
    function initialize(
        string calldata name_,
        string calldata symbol_,
        address offering_,
        uint256 modelId_,
        uint256 maxSupply_,
        uint32 streamPeriodSeconds_,
        uint16 redeemBps_
    ) external;

    /// @notice Pushes `amount` of an allow-listed ERC-20 in as revenue (pulled with transferFrom; the amount
    /// actually received is what counts, so fee-on-transfer tokens are accounted by balance difference).
    /// @dev Plain ETH sent to the token (receive) is ETH revenue.
    /// @param asset The ERC-20.
    /// @param amount Amount to pull from the caller.
    function depositRevenue(address asset, uint256 amount) external;

    /// @notice Pays the caller everything of `asset` released to them so far (and their redeem credits).
    /// @param asset Revenue asset (address(0) for ETH).
    /// @return amount Amount paid.
    function claim(address asset) external returns (uint256 amount);

    /// @notice Burns `amount` of the caller's tokens and credits them `amount / totalSupply` of every redeem pool;
    /// the credits are paid by `claim(asset)`.
    /// @param amount Tokens to burn.
    function redeem(uint256 amount) external;

    /// @notice Mints tokens (offering only, before or after activation).
    function mint(address to, uint256 amount) external;

    /// @notice Burns tokens of a refunded buyer (offering only, before activation).
    function burnFrom(address from, uint256 amount) external;

    /// @notice Enables transfers, deposits and redemptions (offering only, once, when the offering succeeds).
    function activate() external;

    /// @notice Lists or delists an ERC-20 revenue asset (offering only). Delisting stops deposits; what was
    /// deposited keeps streaming and stays claimable. At most MAX_TOKEN_ASSETS assets are ever listed.
    function setRevenueAsset(address asset, bool listed) external;

    /// @notice Sets the release period of future deposits (offering only).
    function setStreamPeriod(uint32 streamPeriodSeconds_) external;

    /// @notice Sets the redeem-pool share of future deposits (offering only).
    function setRedeemBps(uint16 redeemBps_) external;

    /// @notice Revenue of `asset` the holder can claim now (released revenue plus redeem credits, minus claims).
    function claimableOf(address asset, address holder) external view returns (uint256);

    /// @notice What burning `amount` tokens now would credit of `asset`.
    function previewRedeem(address asset, uint256 amount) external view returns (uint256);

    /// @notice The redeem pool of `asset` released so far, in wei.
    function redeemPoolOf(address asset) external view returns (uint256);

    /// @notice Revenue of `asset` deposited but not yet released, to holders and to the redeem pool, in wei.
    function unreleasedOf(address asset) external view returns (uint256 toHolders, uint256 toPool);

    /// @notice The stream state of `asset`.
    function streamOf(address asset) external view returns (Stream memory);

    /// @notice Every revenue asset ever listed, ETH first.
    function revenueAssets() external view returns (address[] memory);

    /// @notice The offering that created this token.
    function offering() external view returns (address);

    /// @notice The model whose revenue this token carries.
    function modelId() external view returns (uint256);

    /// @notice The supply cap.
    function maxSupply() external view returns (uint256);

    /// @notice The release period of future deposits.
    function streamPeriodSeconds() external view returns (uint32);

    /// @notice The redeem-pool share of future deposits, in basis points.
    function redeemBps() external view returns (uint16);

    /// @notice Whether the offering succeeded and the token is live.
    function live() external view returns (bool);
}
