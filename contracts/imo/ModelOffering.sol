// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {AxonUpgradeable} from "../common/AxonUpgradeable.sol";
import {ITreasury} from "../common/interfaces/ITreasury.sol";
import {IModelOffering} from "./interfaces/IModelOffering.sol";
import {IModelRevenueRegistry} from "./interfaces/IModelRevenueRegistry.sol";
import {IModelToken} from "./interfaces/IModelToken.sol";

/// @title ModelOffering
/// @notice Runs Initial Model Offerings and creates each model's ModelToken as a clone of one implementation.
contract ModelOffering is AxonUpgradeable, IModelOffering {
    /// @notice May configure the revenue assets, stream period and redeem share of model tokens.
    bytes32 public constant TOKEN_ADMIN_ROLE = keccak256("TOKEN_ADMIN_ROLE");
    /// @notice Highest protocol fee on proceeds.
    uint16 public constant MAX_PROTOCOL_FEE_BPS = 1_000;
    /// @notice Longest sale.
    uint64 public constant MAX_SALE_SECONDS = 180 days;
    /// @notice Longest creator vesting.
    uint64 public constant MAX_VESTING_SECONDS = 10 * 365 days;
    uint256 private constant BPS = 10_000;
    uint256 private constant UNIT = 1e18;

    struct Purchase {
        uint256 tokens;
        uint256 paidWei;
    }

    /// @custom:storage-location erc7201:axon.storage.ModelOffering
    struct ModelOfferingStorage {
        address registry;
        address treasury;
        address tokenImplementation;
        uint16 protocolFeeBps;
        mapping(uint256 modelId => Offering) offerings;
        mapping(uint256 modelId => mapping(address buyer => Purchase)) purchases;
        mapping(address account => uint256) credits;
    }

    // keccak256(abi.encode(uint256(keccak256("axon.storage.ModelOffering")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_LOCATION = 0x89cc1850126c3dca04e3d56842c6d6a9ebc207995cdd4bbbf803f8421839da00;

    /// @param admin Initial default admin (also pauser, upgrader and token admin).
    /// @param adminDelaySeconds Delay before a default-admin transfer can be accepted.
    /// @param registry_ The ModelRegistry (this contract needs its REVENUE_MANAGER_ROLE).
    /// @param treasury_ Receiver of protocol fees.
    /// @param tokenImplementation_ ModelToken implementation to clone.
    /// @param protocolFeeBps_ Protocol fee on proceeds.
    function initialize(
        address admin,
        uint48 adminDelaySeconds,
        address registry_,
        address treasury_,
        address tokenImplementation_,
        uint16 protocolFeeBps_
    ) external initializer {
        __AxonUpgradeable_init(admin, adminDelaySeconds);
        _grantRole(TOKEN_ADMIN_ROLE, admin);
        if (registry_ == address(0)) revert ModelOfferingZeroAddress();
        _s().registry = registry_;
        _setTreasury(treasury_);
        _setTokenImplementation(tokenImplementation_);
        _setProtocolFeeBps(protocolFeeBps_);
    }

    /// @inheritdoc IModelOffering
    function launch(uint256 modelId, LaunchParams calldata p) external whenNotPaused returns (address token) {
        ModelOfferingStorage storage $ = _s();
        address owner = IModelRevenueRegistry($.registry).ownerOf(modelId);
        if (msg.sender != owner) revert ModelOfferingNotModelOwner(modelId, msg.sender, owner);
        if ($.offerings[modelId].token != address(0)) revert ModelOfferingExists(modelId);
        _validate(p);
        token = Clones.clone($.tokenImplementation);
        $.offerings[modelId] = Offering({
            creator: msg.sender,
            token: token,
            deadline: p.deadline,
            finalizedAt: 0,
            priceMode: p.priceMode,
            startPriceWei: p.startPriceWei,
            slopeWei: p.slopeWei,
            hardCapTokens: p.hardCapTokens,
            softCapTokens: p.softCapTokens,
            soldTokens: 0,
            raisedWei: 0,
            creatorAllocation: p.creatorAllocation,
            creatorMinted: 0,
            cliffSeconds: p.cliffSeconds,
            vestingSeconds: p.vestingSeconds
        });
        emit OfferingLaunched(modelId, token, msg.sender, p);
        IModelToken(token).initialize(
            p.name,
            p.symbol,
            address(this),
            modelId,
            p.totalSupply,
            p.streamPeriodSeconds,
            p.redeemBps
        );
    }

    /// @inheritdoc IModelOffering
    function buy(
        uint256 modelId,
        uint256 tokenAmount,
        uint256 maxCostWei
    ) external payable whenNotPaused nonReentrant returns (uint256 costWei) {
        if (tokenAmount == 0) revert ModelOfferingZeroAmount();
        Offering storage o = _offering(modelId);
        if (o.finalizedAt != 0 || block.timestamp > o.deadline) revert ModelOfferingClosed(modelId, o.deadline);
        uint256 sold = o.soldTokens;
        uint256 remaining = o.hardCapTokens - sold;
        if (tokenAmount > remaining) revert ModelOfferingHardCapExceeded(modelId, tokenAmount, remaining);
        costWei = _cost(o, sold, tokenAmount);
        if (costWei > maxCostWei) revert ModelOfferingPriceAboveMax(costWei, maxCostWei);
        if (msg.value < costWei) revert ModelOfferingUnderpaid(msg.value, costWei);
        o.soldTokens = sold + tokenAmount;
        o.raisedWei += costWei;
        Purchase storage pu = _s().purchases[modelId][msg.sender];
        pu.tokens += tokenAmount;
        pu.paidWei += costWei;
        emit TokensBought(modelId, msg.sender, tokenAmount, costWei);
        IModelToken(o.token).mint(msg.sender, tokenAmount);
        if (msg.value > costWei) Address.sendValue(payable(msg.sender), msg.value - costWei);
    }

    /// @inheritdoc IModelOffering
    function finalize(uint256 modelId) external whenNotPaused nonReentrant {
        ModelOfferingStorage storage $ = _s();
        Offering storage o = _offering(modelId);
        Status status = _status(o);
        bool soldOut = o.soldTokens == o.hardCapTokens;
        if (status != Status.Active || o.soldTokens < o.softCapTokens || (!soldOut && block.timestamp <= o.deadline))
            revert ModelOfferingNotFinalizable(modelId, status);
        o.finalizedAt = uint64(block.timestamp);
        uint256 raised = o.raisedWei;
        uint256 fee = (raised * $.protocolFeeBps) / BPS;
        $.credits[o.creator] += raised - fee;
        emit OfferingFinalized(modelId, raised, fee);
        IModelToken(o.token).activate();
        IModelRevenueRegistry($.registry).lockRevenueReceiver(modelId, o.token);
        if (fee != 0) ITreasury($.treasury).depositETH{value: fee}();
    }

    /// @inheritdoc IModelOffering
    function refund(uint256 modelId) external nonReentrant returns (uint256 refundWei) {
        Offering storage o = _offering(modelId);
        Status status = _status(o);
        if (status != Status.Failed) revert ModelOfferingNotFailed(modelId, status);
        Purchase storage pu = _s().purchases[modelId][msg.sender];
        uint256 tokens = pu.tokens;
        refundWei = pu.paidWei;
        if (tokens == 0) revert ModelOfferingNothingDue(msg.sender);
        delete _s().purchases[modelId][msg.sender];
        emit Refunded(modelId, msg.sender, tokens, refundWei);
        IModelToken(o.token).burnFrom(msg.sender, tokens);
        Address.sendValue(payable(msg.sender), refundWei);
    }

    /// @inheritdoc IModelOffering
    function claimVested(uint256 modelId) external nonReentrant returns (uint256 tokenAmount) {
        Offering storage o = _offering(modelId);
        if (o.finalizedAt == 0) revert ModelOfferingNotSucceeded(modelId);
        tokenAmount = _vested(o) - o.creatorMinted;
        if (tokenAmount == 0) revert ModelOfferingNothingDue(o.creator);
        o.creatorMinted += tokenAmount;
        emit VestedClaimed(modelId, o.creator, tokenAmount);
        IModelToken(o.token).mint(o.creator, tokenAmount);
    }

    /// @inheritdoc IModelOffering
    function withdraw() external nonReentrant returns (uint256 amountWei) {
        ModelOfferingStorage storage $ = _s();
        amountWei = $.credits[msg.sender];
        if (amountWei == 0) revert ModelOfferingNothingDue(msg.sender);
        $.credits[msg.sender] = 0;
        emit Withdrawn(msg.sender, amountWei);
        Address.sendValue(payable(msg.sender), amountWei);
    }

    /// @inheritdoc IModelOffering
    function setProtocolFeeBps(uint16 protocolFeeBps_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setProtocolFeeBps(protocolFeeBps_);
    }

    /// @inheritdoc IModelOffering
    function setTreasury(address treasury_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setTreasury(treasury_);
    }

    /// @inheritdoc IModelOffering
    function setTokenImplementation(address implementation) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setTokenImplementation(implementation);
    }

    /// @inheritdoc IModelOffering
    function setTokenRevenueAsset(uint256 modelId, address asset, bool listed) external onlyRole(TOKEN_ADMIN_ROLE) {
        IModelToken(_offering(modelId).token).setRevenueAsset(asset, listed);
    }

    /// @inheritdoc IModelOffering
    function setTokenStreamPeriod(uint256 modelId, uint32 streamPeriodSeconds) external onlyRole(TOKEN_ADMIN_ROLE) {
        IModelToken(_offering(modelId).token).setStreamPeriod(streamPeriodSeconds);
    }

    /// @inheritdoc IModelOffering
    function setTokenRedeemBps(uint256 modelId, uint16 redeemBps) external onlyRole(TOKEN_ADMIN_ROLE) {
        IModelToken(_offering(modelId).token).setRedeemBps(redeemBps);
    }

    /// @inheritdoc IModelOffering
    function offeringOf(uint256 modelId) external view returns (Offering memory) {
        return _s().offerings[modelId];
    }

    /// @inheritdoc IModelOffering
    function statusOf(uint256 modelId) external view returns (Status) {
        return _status(_s().offerings[modelId]);
    }

    /// @inheritdoc IModelOffering
    function quote(uint256 modelId, uint256 tokenAmount) external view returns (uint256) {
        Offering storage o = _offering(modelId);
        return _cost(o, o.soldTokens, tokenAmount);
    }

    /// @inheritdoc IModelOffering
    function vestedOf(uint256 modelId) external view returns (uint256) {
        Offering storage o = _offering(modelId);
        return o.finalizedAt == 0 ? 0 : _vested(o);
    }

    /// @inheritdoc IModelOffering
    function purchaseOf(uint256 modelId, address buyer) external view returns (uint256 tokens, uint256 paidWei) {
        Purchase storage pu = _s().purchases[modelId][buyer];
        return (pu.tokens, pu.paidWei);
    }

    /// @inheritdoc IModelOffering
    function creditOf(address account) external view returns (uint256) {
        return _s().credits[account];
    }

    /// @inheritdoc IModelOffering
    function protocolFeeBps() external view returns (uint16) {
        return _s().protocolFeeBps;
    }

    /// @inheritdoc IModelOffering
    function treasury() external view returns (address) {
        return _s().treasury;
    }

    /// @inheritdoc IModelOffering
    function registry() external view returns (address) {
        return _s().registry;
    }

    /// @inheritdoc IModelOffering
    function tokenImplementation() external view returns (address) {
        return _s().tokenImplementation;
    }

    function _validate(LaunchParams calldata p) private view {
        uint256 saleSupply = p.totalSupply - Math.min(p.creatorAllocation, p.totalSupply);
        if (
            p.creatorAllocation > p.totalSupply ||
            p.hardCapTokens == 0 ||
            p.hardCapTokens > saleSupply ||
            p.softCapTokens > p.hardCapTokens
        ) revert ModelOfferingCapsInvalid(p.totalSupply, p.creatorAllocation, p.hardCapTokens, p.softCapTokens);
        if (p.deadline <= block.timestamp || p.deadline > block.timestamp + MAX_SALE_SECONDS) {
            revert ModelOfferingDeadlineInvalid(p.deadline);
        }
        if (p.vestingSeconds > MAX_VESTING_SECONDS || p.cliffSeconds > p.vestingSeconds) {
            revert ModelOfferingVestingInvalid(p.cliffSeconds, p.vestingSeconds);
        }
        bool fixedWithSlope = p.priceMode == PriceMode.Fixed && p.slopeWei != 0;
        if (fixedWithSlope || (p.startPriceWei == 0 && p.slopeWei == 0)) {
            revert ModelOfferingPriceInvalid(p.priceMode, p.startPriceWei, p.slopeWei);
        }
    }

    /// @dev Integral of the price over [sold, sold + amount], rounded up (the buyer never pays less than the curve).
    function _cost(Offering storage o, uint256 sold, uint256 amount) private view returns (uint256 cost) {
        cost = Math.mulDiv(o.startPriceWei, amount, UNIT, Math.Rounding.Ceil);
        if (o.priceMode == PriceMode.Linear) {
            // price(x) = start + slope * x / 1e18  =>  ∫ = slope * ((sold + amount)² - sold²) / (2 * 1e36)
            cost += Math.mulDiv(o.slopeWei, amount * (2 * sold + amount), 2 * UNIT * UNIT, Math.Rounding.Ceil);
        }
    }

    function _vested(Offering storage o) private view returns (uint256) {
        uint256 start = o.finalizedAt;
        if (block.timestamp < start + o.cliffSeconds) return 0;
        uint256 duration = o.vestingSeconds;
        uint256 elapsed = block.timestamp - start;
        if (duration == 0 || elapsed >= duration) return o.creatorAllocation;
        return Math.mulDiv(o.creatorAllocation, elapsed, duration);
    }

    function _status(Offering storage o) private view returns (Status) {
        if (o.token == address(0)) return Status.None;
        if (o.finalizedAt != 0) return Status.Succeeded;
        // An offering that would go live with no buyer and no creator allocation has nobody who could ever hold the
        // token: finalizing it would lock the model's revenue to an ownerless token, so it fails instead.
        if (
            block.timestamp > o.deadline &&
            (o.soldTokens < o.softCapTokens || (o.soldTokens == 0 && o.creatorAllocation == 0))
        ) return Status.Failed;
        return Status.Active;
    }

    function _offering(uint256 modelId) private view returns (Offering storage o) {
        o = _s().offerings[modelId];
        if (o.token == address(0)) revert ModelOfferingUnknown(modelId);
    }

    function _setProtocolFeeBps(uint16 protocolFeeBps_) private {
        if (protocolFeeBps_ > MAX_PROTOCOL_FEE_BPS) revert ModelOfferingFeeTooHigh(protocolFeeBps_);
        _s().protocolFeeBps = protocolFeeBps_;
        emit ProtocolFeeBpsSet(protocolFeeBps_);
    }

    function _setTreasury(address treasury_) private {
        if (treasury_ == address(0)) revert ModelOfferingZeroAddress();
        _s().treasury = treasury_;
        emit TreasurySet(treasury_);
    }

    function _setTokenImplementation(address implementation) private {
        if (implementation == address(0)) revert ModelOfferingZeroAddress();
        _s().tokenImplementation = implementation;
        emit TokenImplementationSet(implementation);
    }

    function _s() private pure returns (ModelOfferingStorage storage $) {
        assembly {
            $.slot := STORAGE_LOCATION
        }
    }
}
