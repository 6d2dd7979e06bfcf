// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title ITreasury
/// @notice Receives protocol fees in ETH and in allow-listed ERC-20s; pays out only to TREASURER_ROLE instructions.
/// Token deposits are credited by the balance difference they cause, so fee-on-transfer tokens cannot inflate them.
/// Pausing stops withdrawals only: deposits (fees, slashed stake) keep flowing so no paying module is ever blocked.
interface ITreasury {
    /// @notice ETH arrived, tagged with the module or account that sent it.
    event EthReceived(address indexed from, uint256 amountWei);
    /// @notice Tokens arrived through `depositToken`; `creditedAmount` is what the balance actually grew by.
    event TokenDeposited(address indexed token, address indexed from, uint256 creditedAmount);
    /// @notice A token was added to or removed from the allow-list.
    event TokenAllowedSet(address indexed token, bool allowed);
    /// @notice ETH was paid out.
    event EthWithdrawn(address indexed to, uint256 amountWei, address indexed by);
    /// @notice Tokens were paid out.
    event TokenWithdrawn(address indexed token, address indexed to, uint256 amount, address indexed by);

    /// @notice The token is not on the allow-list.
    error TreasuryTokenNotAllowed(address token);
    /// @notice A zero amount was given where a positive one is required.
    error TreasuryZeroAmount();
    /// @notice A zero address was given as recipient or token.
    error TreasuryZeroAddress();
    /// @notice A payout exceeds what the Treasury accounts for `asset` (address(0) for ETH).
    error TreasuryInsufficientBalance(address asset, uint256 availableAmount, uint256 requestedAmount);

    /// @notice Deposits `msg.value` as protocol fees.
    function depositETH() external payable;

    /// @notice Pulls `amount` of an allow-listed token from the caller (who approved it) and credits what arrived.
    /// @return creditedAmount The Treasury's balance increase.
    function depositToken(address token, uint256 amount) external returns (uint256 creditedAmount);

    /// @notice Adds or removes `token` on the allow-list; admin only.
    function setTokenAllowed(address token, bool allowed) external;

    /// @notice Pays `amountWei` to `to`; TREASURER_ROLE only, not while paused.
    function withdrawETH(address payable to, uint256 amountWei) external;

    /// @notice Pays `amount` of `token` to `to`; TREASURER_ROLE only, not while paused.
    function withdrawToken(address token, address to, uint256 amount) external;

    /// @notice Whether `token` may be deposited.
    function isTokenAllowed(address token) external view returns (bool);

    /// @notice The amount of `token` credited to the Treasury.
    function tokenBalance(address token) external view returns (uint256);
}
