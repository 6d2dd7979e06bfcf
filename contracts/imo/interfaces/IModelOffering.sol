// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IModelOffering
/// @notice Initial Model Offerings: the owner of a registered model sells a share of its future revenue as a
/// ModelToken (a clone created here) at a fixed price or on a linear bonding curve, with a soft cap, a hard cap and a
/// deadline. On success the creator is credited the proceeds minus the protocol fee, the token goes live, the
/// creator's allocation vests linearly (cliff + duration) and the model's revenue receiver is locked to the token.
/// If the soft cap is missed by the deadline, every buyer is refunded in full.
interface IModelOffering {
    /// @notice How the sale price moves.
    enum PriceMode {
        Fixed,
        Linear
    }

    /// @notice Lifecycle of an offering (Failed and Finalizable are derived from time and sales). Past the deadline an
    /// offering fails if it missed its soft cap, or if it sold nothing and has no creator allocation (a token nobody
    /// could ever hold must not take the model's revenue).
    enum Status {
        None,
        Active,
        Failed,
        Succeeded
    }

    /// @notice What the model owner chooses at launch. Token amounts are in token units (18 decimals); prices in
    /// wei per whole token (1e18 units).
    struct LaunchParams {
        string name;
        string symbol;
        uint256 totalSupply;
        uint256 creatorAllocation;
        uint64 cliffSeconds;
        uint64 vestingSeconds;
        PriceMode priceMode;
        uint256 startPriceWei;
        uint256 slopeWei;
        uint256 hardCapTokens;
        uint256 softCapTokens;
        uint64 deadline;
        uint32 streamPeriodSeconds;
        uint16 redeemBps;
    }

    /// @notice One offering's state.
    struct Offering {
        address creator;
        address token;
        uint64 deadline;
        uint64 finalizedAt;
        PriceMode priceMode;
        uint256 startPriceWei;
        uint256 slopeWei;
        uint256 hardCapTokens;
        uint256 softCapTokens;
        uint256 soldTokens;
        uint256 raisedWei;
        uint256 creatorAllocation;
        uint256 creatorMinted;
        uint64 cliffSeconds;
        uint64 vestingSeconds;
    }

    /// @notice An offering was launched and its token created.
    event OfferingLaunched(
        uint256 indexed modelId,
        address indexed token,
        address indexed creator,
        LaunchParams params
    );
    /// @notice Tokens were bought.
    event TokensBought(uint256 indexed modelId, address indexed buyer, uint256 tokenAmount, uint256 costWei);
    /// @notice The offering succeeded: proceeds credited, fee paid, token live, revenue receiver locked.
    event OfferingFinalized(uint256 indexed modelId, uint256 raisedWei, uint256 protocolFeeWei);
    /// @notice A buyer of a failed offering was refunded and their tokens burned.
    event Refunded(uint256 indexed modelId, address indexed buyer, uint256 tokenAmount, uint256 refundWei);
    /// @notice Vested creator tokens were minted to the creator.
    event VestedClaimed(uint256 indexed modelId, address indexed creator, uint256 tokenAmount);
    /// @notice A credit was withdrawn.
    event Withdrawn(address indexed account, uint256 amountWei);
    /// @notice The protocol fee on proceeds changed.
    event ProtocolFeeBpsSet(uint16 protocolFeeBps);
    /// @notice The treasury changed.
    event TreasurySet(address treasury);
    /// @notice The ModelToken implementation used for new offerings changed.
    event TokenImplementationSet(address implementation);

    /// @notice The caller does not own the model.
    error ModelOfferingNotModelOwner(uint256 modelId, address caller, address owner);
    /// @notice The model already has an offering.
    error ModelOfferingExists(uint256 modelId);
    /// @notice No offering for the model.
    error ModelOfferingUnknown(uint256 modelId);
    /// @notice The supply split or caps are inconsistent.
    error ModelOfferingCapsInvalid(uint256 totalSupply, uint256 creatorAllocation, uint256 hardCap, uint256 softCap);
    /// @notice The deadline is in the past or too far ahead.
    error ModelOfferingDeadlineInvalid(uint64 deadline);
    /// @notice The cliff is longer than the vesting duration.
    error ModelOfferingVestingInvalid(uint64 cliffSeconds, uint64 vestingSeconds);
    /// @notice Fixed price with a slope, or no price at all.
    error ModelOfferingPriceInvalid(PriceMode mode, uint256 startPriceWei, uint256 slopeWei);
    /// @notice The sale is over (deadline passed or finalized).
    error ModelOfferingClosed(uint256 modelId, uint64 deadline);
    /// @notice The purchase would exceed the hard cap.
    error ModelOfferingHardCapExceeded(uint256 modelId, uint256 requested, uint256 remaining);
    /// @notice The price moved above what the buyer accepted.
    error ModelOfferingPriceAboveMax(uint256 costWei, uint256 maxCostWei);
    /// @notice Less ETH than the cost was sent.
    error ModelOfferingUnderpaid(uint256 sentWei, uint256 costWei);
    /// @notice Zero tokens requested.
    error ModelOfferingZeroAmount();
    /// @notice The offering cannot be finalized (soft cap not met, or still selling).
    error ModelOfferingNotFinalizable(uint256 modelId, Status status);
    /// @notice Refunds only follow a failed offering.
    error ModelOfferingNotFailed(uint256 modelId, Status status);
    /// @notice Vesting starts when the offering succeeds.
    error ModelOfferingNotSucceeded(uint256 modelId);
    /// @notice Nothing to refund, vest or withdraw.
    error ModelOfferingNothingDue(address account);
    /// @notice The protocol fee exceeds MAX_PROTOCOL_FEE_BPS.
    error ModelOfferingFeeTooHigh(uint16 protocolFeeBps);
    /// @notice A required address is zero.
    error ModelOfferingZeroAddress();

    /// @notice Launches an offering for a model the caller owns and creates its ModelToken.
    /// @param modelId The registered model.
    /// @param params The sale, supply, vesting and token configuration.
    /// @return token The new ModelToken.
    function launch(uint256 modelId, LaunchParams calldata params) external returns (address token);

    /// @notice Buys `tokenAmount` tokens; reverts if the cost moved above `maxCostWei` (price protection). Any ETH
    /// sent above the cost is returned to the caller.
    /// @param modelId The offering.
    /// @param tokenAmount Token units to buy.
    /// @param maxCostWei Most the buyer accepts to pay for them.
    /// @return costWei What was paid.
    function buy(uint256 modelId, uint256 tokenAmount, uint256 maxCostWei) external payable returns (uint256 costWei);

    /// @notice Closes a successful offering (soft cap met, and sold out or past the deadline): credits the creator
    /// the proceeds minus the protocol fee, pays the fee to the treasury, activates the token and locks the model's
    /// revenue receiver to it. Anyone may call.
    function finalize(uint256 modelId) external;

    /// @notice Refunds the caller's purchases of a failed offering (soft cap missed at the deadline) and burns
    /// their tokens.
    /// @return refundWei ETH returned.
    function refund(uint256 modelId) external returns (uint256 refundWei);

    /// @notice Mints the creator's vested, not yet minted allocation to the creator. Anyone may call.
    /// @return tokenAmount Tokens minted.
    function claimVested(uint256 modelId) external returns (uint256 tokenAmount);

    /// @notice Pays the caller's ETH credit (the creator's proceeds).
    /// @return amountWei Amount paid.
    function withdraw() external returns (uint256 amountWei);

    /// @notice Sets the protocol fee on proceeds (admin).
    function setProtocolFeeBps(uint16 protocolFeeBps) external;

    /// @notice Sets the treasury that receives protocol fees (admin).
    function setTreasury(address treasury) external;

    /// @notice Sets the ModelToken implementation for future offerings (admin).
    function setTokenImplementation(address implementation) external;

    /// @notice Lists or delists an ERC-20 revenue asset on a model's token (TOKEN_ADMIN_ROLE).
    function setTokenRevenueAsset(uint256 modelId, address asset, bool listed) external;

    /// @notice Sets the stream period of a model token's future deposits (TOKEN_ADMIN_ROLE).
    function setTokenStreamPeriod(uint256 modelId, uint32 streamPeriodSeconds) external;

    /// @notice Sets the redeem-pool share of a model token's future deposits (TOKEN_ADMIN_ROLE).
    function setTokenRedeemBps(uint256 modelId, uint16 redeemBps) external;

    /// @notice The offering of `modelId`.
    function offeringOf(uint256 modelId) external view returns (Offering memory);

    /// @notice Its lifecycle status now.
    function statusOf(uint256 modelId) external view returns (Status);

    /// @notice Cost in wei of buying `tokenAmount` now (rounded up).
    function quote(uint256 modelId, uint256 tokenAmount) external view returns (uint256 costWei);

    /// @notice Creator tokens vested so far (minted or not).
    function vestedOf(uint256 modelId) external view returns (uint256);

    /// @notice Tokens bought and ETH paid by `buyer` (zeroed by a refund).
    function purchaseOf(uint256 modelId, address buyer) external view returns (uint256 tokens, uint256 paidWei);

    /// @notice ETH credit of `account`.
    function creditOf(address account) external view returns (uint256);

    /// @notice Protocol fee on proceeds, in basis points.
    function protocolFeeBps() external view returns (uint16);

    /// @notice Receiver of protocol fees.
    function treasury() external view returns (address);

    /// @notice The model registry.
    function registry() external view returns (address);

    /// @notice The ModelToken implementation cloned by `launch`.
    function tokenImplementation() external view returns (address);
}
