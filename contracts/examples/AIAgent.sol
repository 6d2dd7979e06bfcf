// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {AIOracleConsumer} from "../oracle/AIOracleConsumer.sol";
import {IAIOracle} from "../oracle/interfaces/IAIOracle.sol";

/// @title AIAgent
/// @notice Example on-chain agent: holds ETH, asks a model what to do, and acts on the answer only within limits its
/// owner sets (allow-listed recipients, a cap per action and a cap per day). Payments are pull credits, so a
/// recipient can never block the agent. Output encoding (37 bytes): 1 byte action (0 hold, 1 pay), 20 bytes
/// recipient, 16 bytes big-endian amount in wei.
contract AIAgent is AIOracleConsumer, Ownable, ReentrancyGuardTransient {
    /// @notice Output action: do nothing.
    uint8 public constant ACTION_HOLD = 0;
    /// @notice Output action: pay `amount` to `recipient`.
    uint8 public constant ACTION_PAY = 1;
    /// @notice Size of a canonical output in bytes.
    uint256 public constant OUTPUT_BYTES = 37;
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
    /// @notice The model said to hold.
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
    /// @param owner_ Sets limits and triggers thinking.
    constructor(IAIOracle oracle_, uint256 modelId_, address owner_) AIOracleConsumer(oracle_) Ownable(owner_) {
        modelId = modelId_;
    }

    /// @notice Funds the agent (and accepts oracle refunds).
    receive() external payable {}

    /// @notice Sets the spending caps; owner only.
    function setLimits(uint128 maxPerActionWei, uint128 maxPerDayWei) external onlyOwner {
        _maxPerActionWei = maxPerActionWei;
        _maxPerDayWei = maxPerDayWei;
        emit LimitsSet(maxPerActionWei, maxPerDayWei);
    }

    /// @notice Allows or disallows a recipient; owner only.
    function setRecipientAllowed(address recipient, bool allowed) external onlyOwner {
        _allowed[recipient] = allowed;
        emit RecipientAllowedSet(recipient, allowed);
    }

    /// @notice Asks the model what to do about `prompt`, paying the fee from the agent's free balance; owner only.
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

    /// @notice The caps: per action, per day, and what was spent today.
    function limits() external view returns (uint128 maxPerActionWei, uint128 maxPerDayWei, uint128 spentTodayWei) {
        uint128 spent = _day == block.timestamp / 1 days ? _spentTodayWei : 0;
        return (_maxPerActionWei, _maxPerDayWei, spent);
    }

    function _onResult(uint256 requestId, bytes calldata output, bytes calldata) internal override {
        if (output.length != OUTPUT_BYTES || uint8(output[0]) > ACTION_PAY) {
            emit Rejected(requestId, Rejection.Malformed);
            return;
        }
        if (uint8(output[0]) == ACTION_HOLD) {
            emit Held(requestId);
            return;
        }
        address recipient = address(bytes20(output[1:21]));
        uint256 amountWei = uint128(bytes16(output[21:37]));
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

    function _onError(uint256 requestId, uint8, bytes calldata) internal override {
        emit Rejected(requestId, Rejection.OracleError);
    }
}
