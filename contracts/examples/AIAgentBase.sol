// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {AIOracleConsumer} from "../oracle/AIOracleConsumer.sol";
import {IAIOracle} from "../oracle/interfaces/IAIOracle.sol";

/// @title AIAgentBase
/// @notice Shared core of the example on-chain agents: holds ETH, asks a model (paying the oracle from its own
/// balance), and pays only within limits its owner sets: allow-listed recipients, a cap per action, a cap per UTC day
/// (`block.timestamp / 1 days`) and the balance not already owed. Payments are pull credits, so a recipient can never
/// block the agent. A derived agent decodes the model's output into an action (`_onResult`) and calls `_hold` or
/// `_pay`; an output it cannot decode is `_reject`ed as `Malformed`, never reverted, so the request still settles.
abstract contract AIAgentBase is AIOracleConsumer, Ownable, ReentrancyGuardTransient {
    /// @notice Gas the oracle gives the callback.
    uint32 public constant CALLBACK_GAS_LIMIT = 150_000;

    /// @notice Why an action was refused.
    enum Rejection {
        Malformed,
        RecipientNotAllowed,
        OverActionCap,
        OverDailyCap,
        InsufficientFunds,
        OracleError
    }

    /// @notice The model consulted.
    uint256 public immutable modelId;

    uint128 private _maxPerActionWei;
    uint128 private _maxPerDayWei;
    uint64 private _day;
    uint128 private _spentTodayWei;
    uint256 private _owedTotalWei;
    mapping(address recipient => bool) private _allowed;
    mapping(address recipient => uint256) private _owedWei;

    /// @notice The spending caps changed.
    event LimitsSet(uint128 maxPerActionWei, uint128 maxPerDayWei);
    /// @notice A recipient was allowed or disallowed.
    event RecipientAllowedSet(address indexed recipient, bool allowed);
    /// @notice The agent asked the model.
    event Thought(uint256 indexed requestId, uint256 feeWei);
    /// @notice The model's answer called for no payment.
    event Held(uint256 indexed requestId);
    /// @notice The agent credited `amountWei` to `recipient`.
    event Paid(uint256 indexed requestId, address indexed recipient, uint256 amountWei);
    /// @notice The agent refused the model's action.
    event Rejected(uint256 indexed requestId, Rejection reason);
    /// @notice A recipient claimed its credit.
    event Claimed(address indexed recipient, uint256 amountWei);

    /// @notice The agent's free balance cannot pay the oracle fee.
    error AIAgentInsufficientFunds(uint256 availableWei, uint256 neededWei);
    /// @notice Nothing is owed to the caller.
    error AIAgentNothingOwed(address recipient);

    /// @param oracle_ The AIOracle.
    /// @param modelId_ The model consulted.
    /// @param owner_ Sets the limits and the policy, and triggers thinking.
    constructor(IAIOracle oracle_, uint256 modelId_, address owner_) AIOracleConsumer(oracle_) Ownable(owner_) {
        modelId = modelId_;
    }

    /// @notice Funds the agent (and accepts oracle refunds).
    receive() external payable {}

    /// @notice Sets the spending caps; owner only.
    /// @param maxPerActionWei The most one payment may be.
    /// @param maxPerDayWei The most all payments of one UTC day may add up to.
    function setLimits(uint128 maxPerActionWei, uint128 maxPerDayWei) external onlyOwner {
        _maxPerActionWei = maxPerActionWei;
        _maxPerDayWei = maxPerDayWei;
        emit LimitsSet(maxPerActionWei, maxPerDayWei);
    }

    /// @notice Allows or disallows a recipient; owner only. Checked when a payment is made, not when it is planned.
    function setRecipientAllowed(address recipient, bool allowed) external onlyOwner {
        _allowed[recipient] = allowed;
        emit RecipientAllowedSet(recipient, allowed);
    }

    /// @notice Asks the model about `prompt`, paying the fee from the agent's free balance; owner only.
    /// @return requestId The oracle request; its result arrives in `onAIOracleResult`.
    function think(bytes calldata prompt) external onlyOwner returns (uint256 requestId) {
        uint256 feeWei = _quote(modelId, CALLBACK_GAS_LIMIT);
        uint256 free = freeBalance();
        if (free < feeWei) revert AIAgentInsufficientFunds(free, feeWei);
        requestId = _request(modelId, prompt, CALLBACK_GAS_LIMIT, "", feeWei);
        emit Thought(requestId, feeWei);
    }

    /// @notice Pulls oracle refunds into the agent's balance; anyone.
    function pullRefunds() external {
        _withdrawOracleCredit();
    }

    /// @notice Pays the caller what the agent owes it.
    function claim() external nonReentrant {
        uint256 amountWei = _owedWei[msg.sender];
        if (amountWei == 0) revert AIAgentNothingOwed(msg.sender);
        _owedWei[msg.sender] = 0;
        _owedTotalWei -= amountWei;
        emit Claimed(msg.sender, amountWei);
        Address.sendValue(payable(msg.sender), amountWei);
    }

    /// @notice Balance not yet owed to recipients.
    function freeBalance() public view returns (uint256) {
        return address(this).balance - _owedTotalWei;
    }

    /// @notice What the agent owes `recipient`.
    function owedTo(address recipient) external view returns (uint256) {
        return _owedWei[recipient];
    }

    /// @notice Whether `recipient` may be paid.
    function isRecipientAllowed(address recipient) external view returns (bool) {
        return _allowed[recipient];
    }

    /// @notice The caps: per action, per day, and what was spent today.
    function limits() external view returns (uint128 maxPerActionWei, uint128 maxPerDayWei, uint128 spentTodayWei) {
        uint128 spent = _day == block.timestamp / 1 days ? _spentTodayWei : 0;
        return (_maxPerActionWei, _maxPerDayWei, spent);
    }

    /// @dev Credits `amountWei` to `recipient` if every limit allows it, else emits why not.
    function _pay(uint256 requestId, address recipient, uint256 amountWei) internal {
        uint64 today = uint64(block.timestamp / 1 days);
        uint256 spent = _day == today ? _spentTodayWei : 0;
        Rejection reason;
        if (!_allowed[recipient]) reason = Rejection.RecipientNotAllowed;
        else if (amountWei > _maxPerActionWei) reason = Rejection.OverActionCap;
        else if (spent + amountWei > _maxPerDayWei) reason = Rejection.OverDailyCap;
        else if (amountWei > freeBalance()) reason = Rejection.InsufficientFunds;
        else {
            _day = today;
            // spent + amountWei <= _maxPerDayWei, a uint128.
            _spentTodayWei = uint128(spent + amountWei);
            _owedWei[recipient] += amountWei;
            _owedTotalWei += amountWei;
            emit Paid(requestId, recipient, amountWei);
            return;
        }
        emit Rejected(requestId, reason);
    }

    /// @dev The model's answer calls for no payment.
    function _hold(uint256 requestId) internal {
        emit Held(requestId);
    }

    /// @dev The model's answer cannot be acted on.
    function _reject(uint256 requestId, Rejection reason) internal {
        emit Rejected(requestId, reason);
    }

    function _onError(uint256 requestId, uint8, bytes calldata) internal override {
        emit Rejected(requestId, Rejection.OracleError);
    }
}
