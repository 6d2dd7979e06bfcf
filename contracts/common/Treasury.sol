// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {AxonUpgradeable} from "./AxonUpgradeable.sol";
import {ITreasury} from "./interfaces/ITreasury.sol";

/// @title Treasury
/// @notice Holds Axon's protocol fees and slashed funds; only TREASURER_ROLE moves them out.
contract Treasury is AxonUpgradeable, ITreasury {
    using SafeERC20 for IERC20;

    /// @notice May withdraw ETH and tokens.
    bytes32 public constant TREASURER_ROLE = keccak256("TREASURER_ROLE");

    /// @custom:storage-location erc7201:axon.storage.Treasury
    struct TreasuryStorage {
        mapping(address token => bool) allowed;
        mapping(address token => uint256) balances;
    }

    // keccak256(abi.encode(uint256(keccak256("axon.storage.Treasury")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_LOCATION = 0x49bb7ee5f200b914467e0dd3982d0cb9b125ec8724ef169978caf0011fb0ff00;

    /// @param admin Initial default admin, pauser, upgrader and treasurer.
    /// @param adminDelaySeconds Delay before a default-admin transfer can be accepted.
    function initialize(address admin, uint48 adminDelaySeconds) external initializer {
        __AxonUpgradeable_init(admin, adminDelaySeconds);
        _grantRole(TREASURER_ROLE, admin);
    }

    /// @notice Plain ETH transfers are protocol fees too.
    receive() external payable {
        emit EthReceived(msg.sender, msg.value);
    }

    /// @inheritdoc ITreasury
    function depositETH() external payable {
        emit EthReceived(msg.sender, msg.value);
    }

    /// @inheritdoc ITreasury
    function depositToken(address token, uint256 amount) external nonReentrant returns (uint256 creditedAmount) {
        if (amount == 0) revert TreasuryZeroAmount();
        TreasuryStorage storage $ = _s();
        if (!$.allowed[token]) revert TreasuryTokenNotAllowed(token);
        uint256 before = IERC20(token).balanceOf(address(this));
        IERC20(token).safeTransferFrom(msg.sender, address(this), amount);
        creditedAmount = IERC20(token).balanceOf(address(this)) - before;
        $.balances[token] += creditedAmount;
        emit TokenDeposited(token, msg.sender, creditedAmount);
    }

    /// @inheritdoc ITreasury
    function setTokenAllowed(address token, bool allowed) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (token == address(0)) revert TreasuryZeroAddress();
        _s().allowed[token] = allowed;
        emit TokenAllowedSet(token, allowed);
    }

    /// @inheritdoc ITreasury
    function withdrawETH(
        address payable to,
        uint256 amountWei
    ) external onlyRole(TREASURER_ROLE) whenNotPaused nonReentrant {
        if (to == address(0)) revert TreasuryZeroAddress();
        if (amountWei == 0) revert TreasuryZeroAmount();
        uint256 available = address(this).balance;
        if (amountWei > available) revert TreasuryInsufficientBalance(address(0), available, amountWei);
        emit EthWithdrawn(to, amountWei, msg.sender);
        Address.sendValue(to, amountWei);
    }

    /// @inheritdoc ITreasury
    function withdrawToken(
        address token,
        address to,
        uint256 amount
    ) external onlyRole(TREASURER_ROLE) whenNotPaused nonReentrant {
        if (to == address(0) || token == address(0)) revert TreasuryZeroAddress();
        if (amount == 0) revert TreasuryZeroAmount();
        TreasuryStorage storage $ = _s();
        uint256 available = $.balances[token];
        if (amount > available) revert TreasuryInsufficientBalance(token, available, amount);
        $.balances[token] = available - amount;
        emit TokenWithdrawn(token, to, amount, msg.sender);
        IERC20(token).safeTransfer(to, amount);
    }

    /// @inheritdoc ITreasury
    function isTokenAllowed(address token) external view returns (bool) {
        return _s().allowed[token];
    }

    /// @inheritdoc ITreasury
    function tokenBalance(address token) external view returns (uint256) {
        return _s().balances[token];
    }

    function _s() private pure returns (TreasuryStorage storage $) {
        // solhint-disable-next-line no-inline-assembly
        assembly {
            $.slot := STORAGE_LOCATION
        }
    }
}
