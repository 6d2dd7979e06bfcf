// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";
import {AxonUpgradeable} from "../common/AxonUpgradeable.sol";
import {ITreasury} from "../common/interfaces/ITreasury.sol";
import {IOperatorStaking, IOperatorStatusListener, IStakingModule} from "./interfaces/IOperatorStaking.sol";

/// @title OperatorStaking
/// @notice ETH stakes of Axon operators per service, with unbonding, module-controlled bonds, slashing and jailing.
contract OperatorStaking is AxonUpgradeable, IOperatorStaking {
    using SafeCast for uint256;
    using EnumerableSet for EnumerableSet.AddressSet;

    uint64 private constant MAX_UNBONDING_DELAY = 365 days;

    /// @custom:storage-location erc7201:axon.storage.OperatorStaking
    struct OperatorStakingStorage {
        address treasury;
        uint256 totalStaked;
        uint256 totalCredits;
        mapping(bytes32 service => Service) services;
        mapping(bytes32 service => mapping(address module => bool)) modules;
        mapping(address operator => mapping(bytes32 service => Stake)) stakes;
        mapping(address module => mapping(bytes32 evidence => bool)) evidenceUsed;
        mapping(address account => uint256) credits;
        // Appended: the allowed modules of each service, so a new unbonding delay can be checked against all of their
        // slashing horizons.
        mapping(bytes32 service => EnumerableSet.AddressSet) moduleSets;
        // Appended (issue 13): the contract told of every status change of each service (the AIOracle).
        mapping(bytes32 service => address) statusListeners;
    }

    // keccak256(abi.encode(uint256(keccak256("axon.storage.OperatorStaking")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_LOCATION = 0x0dde1aa1c693fcfe79f75eed171a49562d04368b76550bf9d8dc9d6206448500;

    modifier onlyModule(bytes32 service) {
        _checkModule(service);
        _;
    }

    /// @param admin Initial default admin (also pauser and upgrader).
    /// @param adminDelaySeconds Delay before a default-admin transfer can be accepted.
    /// @param treasury_ Receiver of slashed funds not credited to a beneficiary.
    function initialize(address admin, uint48 adminDelaySeconds, address treasury_) external initializer {
        __AxonUpgradeable_init(admin, adminDelaySeconds);
        _setTreasury(treasury_);
    }

    /// @inheritdoc IOperatorStaking
    function setService(
        bytes32 service,
        uint128 minStakeWei,
        uint64 unbondingDelaySeconds,
        bool enabled
    ) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (unbondingDelaySeconds > MAX_UNBONDING_DELAY) revert StakingDelayTooLong(unbondingDelaySeconds);
        EnumerableSet.AddressSet storage set = _s().moduleSets[service];
        // Bounded by the handful of modules an admin allows per service.
        for (uint256 i = 0; i < set.length(); ++i) _checkHorizon(service, set.at(i), unbondingDelaySeconds);
        _s().services[service] = Service({
            minStakeWei: minStakeWei,
            unbondingDelaySeconds: unbondingDelaySeconds,
            enabled: enabled
        });
        emit ServiceSet(service, minStakeWei, unbondingDelaySeconds, enabled);
        address listener = _s().statusListeners[service];
        if (listener != address(0)) {
            IOperatorStatusListener(listener).onServiceStatus(service, enabled, minStakeWei, true);
        }
    }

    /// @inheritdoc IOperatorStaking
    function setStatusListener(bytes32 service, address listener) external onlyRole(DEFAULT_ADMIN_ROLE) {
        OperatorStakingStorage storage $ = _s();
        address previous = $.statusListeners[service];
        Service memory cfg = $.services[service];
        $.statusListeners[service] = listener;
        emit StatusListenerSet(service, listener);
        if (previous != address(0)) {
            IOperatorStatusListener(previous).onServiceStatus(service, cfg.enabled, cfg.minStakeWei, false);
        }
        if (listener != address(0)) {
            IOperatorStatusListener(listener).onServiceStatus(service, cfg.enabled, cfg.minStakeWei, true);
        }
    }

    /// @inheritdoc IOperatorStaking
    function pushStatus(address operator, bytes32 service) external {
        _pushStatus(operator, service);
    }

    /// @inheritdoc IOperatorStaking
    function setModule(bytes32 service, address module, bool allowed) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (module == address(0)) revert StakingZeroAddress("module");
        OperatorStakingStorage storage $ = _s();
        if (allowed) {
            _checkHorizon(service, module, $.services[service].unbondingDelaySeconds);
            $.moduleSets[service].add(module);
        } else {
            $.moduleSets[service].remove(module);
        }
        $.modules[service][module] = allowed;
        emit ModuleSet(service, module, allowed);
    }

    /// @inheritdoc IOperatorStaking
    function setTreasury(address treasury_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setTreasury(treasury_);
    }

    /// @inheritdoc IOperatorStaking
    function stake(bytes32 service) external payable whenNotPaused {
        if (msg.value == 0) revert StakingZeroAmount();
        OperatorStakingStorage storage $ = _s();
        Service memory cfg = $.services[service];
        if (!cfg.enabled) revert StakingServiceDisabled(service);
        Stake storage st = $.stakes[msg.sender][service];
        uint256 active = st.activeWei + msg.value;
        if (active > type(uint128).max) revert StakingAmountOverflow(active);
        if (active < cfg.minStakeWei) revert StakingBelowMinimum(msg.sender, service, active, cfg.minStakeWei);
        st.activeWei = uint128(active);
        $.totalStaked += msg.value;
        emit Staked(msg.sender, service, msg.value, active);
        _pushStatus(msg.sender, service);
    }

    /// @inheritdoc IOperatorStaking
    function requestUnbond(bytes32 service, uint256 amountWei) external whenNotPaused {
        if (amountWei == 0) revert StakingZeroAmount();
        OperatorStakingStorage storage $ = _s();
        Stake storage st = $.stakes[msg.sender][service];
        uint256 free = st.activeWei - st.lockedWei;
        if (amountWei > free) revert StakingInsufficientFreeStake(msg.sender, service, free, amountWei);
        Service memory cfg = $.services[service];
        uint256 remaining = st.activeWei - amountWei;
        if (remaining != 0 && remaining < cfg.minStakeWei) {
            revert StakingBelowMinimum(msg.sender, service, remaining, cfg.minStakeWei);
        }
        uint64 releaseAt = (block.timestamp + cfg.unbondingDelaySeconds).toUint64();
        // remaining <= activeWei and unbondingWei + amountWei <= total stake < 2^128: both fit.
        st.activeWei = uint128(remaining);
        st.unbondingWei += uint128(amountWei);
        st.unbondingReleaseAt = releaseAt;
        emit UnbondRequested(msg.sender, service, amountWei, releaseAt);
        _pushStatus(msg.sender, service);
    }

    /// @inheritdoc IOperatorStaking
    function withdraw(bytes32 service) external nonReentrant {
        OperatorStakingStorage storage $ = _s();
        Stake storage st = $.stakes[msg.sender][service];
        uint256 amount = st.unbondingWei;
        if (amount == 0) revert StakingNothingToWithdraw(msg.sender);
        if (block.timestamp < st.unbondingReleaseAt) {
            revert StakingUnbondingNotReleased(msg.sender, service, st.unbondingReleaseAt);
        }
        st.unbondingWei = 0;
        st.unbondingReleaseAt = 0;
        $.totalStaked -= amount;
        emit Withdrawn(msg.sender, service, amount);
        Address.sendValue(payable(msg.sender), amount);
    }

    /// @inheritdoc IOperatorStaking
    function withdrawCredit() external nonReentrant {
        OperatorStakingStorage storage $ = _s();
        uint256 amount = $.credits[msg.sender];
        if (amount == 0) revert StakingNothingToWithdraw(msg.sender);
        $.credits[msg.sender] = 0;
        $.totalCredits -= amount;
        emit CreditWithdrawn(msg.sender, amount);
        Address.sendValue(payable(msg.sender), amount);
    }

    /// @inheritdoc IOperatorStaking
    function lock(address operator, bytes32 service, uint256 amountWei) external onlyModule(service) {
        if (amountWei == 0) revert StakingZeroAmount();
        Stake storage st = _s().stakes[operator][service];
        uint256 free = st.activeWei - st.lockedWei;
        if (amountWei > free) revert StakingInsufficientFreeStake(operator, service, free, amountWei);
        // lockedWei + amountWei <= activeWei < 2^128.
        st.lockedWei += uint128(amountWei);
        emit StakeLocked(operator, service, msg.sender, amountWei);
    }

    /// @inheritdoc IOperatorStaking
    function unlock(address operator, bytes32 service, uint256 amountWei) external onlyModule(service) {
        Stake storage st = _s().stakes[operator][service];
        // A slash may already have consumed part of the bond, so release at most what is still locked.
        uint256 released = amountWei < st.lockedWei ? amountWei : st.lockedWei;
        st.lockedWei -= uint128(released);
        emit StakeUnlocked(operator, service, msg.sender, released);
    }

    /// @inheritdoc IOperatorStaking
    function slash(
        address operator,
        bytes32 service,
        uint256 amountWei,
        address beneficiary,
        uint256 beneficiaryWei,
        bytes32 evidence
    ) external onlyModule(service) nonReentrant returns (uint256 slashedWei) {
        if (evidence == bytes32(0)) revert StakingZeroEvidence();
        OperatorStakingStorage storage $ = _s();
        if ($.evidenceUsed[msg.sender][evidence]) revert StakingEvidenceUsed(msg.sender, evidence);
        $.evidenceUsed[msg.sender][evidence] = true;

        Stake storage st = $.stakes[operator][service];
        uint256 active = st.activeWei;
        uint256 unbonding = st.unbondingWei;
        slashedWei = amountWei < active + unbonding ? amountWei : active + unbonding;
        if (beneficiaryWei > slashedWei) revert StakingBeneficiaryShareTooLarge(beneficiaryWei, slashedWei);
        if (beneficiaryWei != 0 && beneficiary == address(0)) revert StakingZeroAddress("beneficiary");

        uint256 fromActive = slashedWei < active ? slashedWei : active;
        // Both results are bounded by their previous uint128 values.
        st.activeWei = uint128(active - fromActive);
        st.unbondingWei = uint128(unbonding - (slashedWei - fromActive));
        if (st.lockedWei > st.activeWei) st.lockedWei = st.activeWei;
        $.totalStaked -= slashedWei;

        uint256 toTreasury = slashedWei - beneficiaryWei;
        if (beneficiaryWei != 0) {
            $.credits[beneficiary] += beneficiaryWei;
            $.totalCredits += beneficiaryWei;
        }
        emit Slashed(operator, service, msg.sender, slashedWei, beneficiary, beneficiaryWei, evidence);
        _pushStatus(operator, service);
        if (toTreasury != 0) ITreasury($.treasury).depositETH{value: toTreasury}();
    }

    /// @inheritdoc IOperatorStaking
    function jail(address operator, bytes32 service, uint64 until) external {
        if (!_s().modules[service][msg.sender] && !hasRole(DEFAULT_ADMIN_ROLE, msg.sender)) {
            revert StakingNotModule(service, msg.sender);
        }
        if (until <= block.timestamp) revert StakingJailInPast(until, block.timestamp);
        Stake storage st = _s().stakes[operator][service];
        // A shorter sentence never overrides a longer one already running.
        if (until > st.jailedUntil) st.jailedUntil = until;
        emit Jailed(operator, service, st.jailedUntil, msg.sender);
        _pushStatus(operator, service);
    }

    /// @inheritdoc IOperatorStaking
    function unjail(address operator, bytes32 service) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _s().stakes[operator][service].jailedUntil = 0;
        emit Unjailed(operator, service);
        _pushStatus(operator, service);
    }

    /// @inheritdoc IOperatorStaking
    function isActiveOperator(address operator, bytes32 service) external view returns (bool) {
        OperatorStakingStorage storage $ = _s();
        Service memory cfg = $.services[service];
        Stake memory st = $.stakes[operator][service];
        return cfg.enabled && st.activeWei != 0 && st.activeWei >= cfg.minStakeWei && st.jailedUntil <= block.timestamp;
    }

    /// @inheritdoc IOperatorStaking
    function requiredUnbondingDelay(bytes32 service) external view returns (uint256 horizonSeconds) {
        EnumerableSet.AddressSet storage set = _s().moduleSets[service];
        for (uint256 i = 0; i < set.length(); ++i) {
            uint256 h = _horizonOf(set.at(i));
            if (h > horizonSeconds) horizonSeconds = h;
        }
    }

    /// @inheritdoc IOperatorStaking
    function modulesOf(bytes32 service) external view returns (address[] memory) {
        return _s().moduleSets[service].values();
    }

    /// @inheritdoc IOperatorStaking
    function stakeOf(address operator, bytes32 service) external view returns (Stake memory) {
        return _s().stakes[operator][service];
    }

    /// @inheritdoc IOperatorStaking
    function freeStake(address operator, bytes32 service) external view returns (uint256) {
        Stake memory st = _s().stakes[operator][service];
        return st.activeWei - st.lockedWei;
    }

    /// @inheritdoc IOperatorStaking
    function serviceConfig(bytes32 service) external view returns (Service memory) {
        return _s().services[service];
    }

    /// @inheritdoc IOperatorStaking
    function isModule(bytes32 service, address module) external view returns (bool) {
        return _s().modules[service][module];
    }

    /// @inheritdoc IOperatorStaking
    function evidenceUsed(address module, bytes32 evidence) external view returns (bool) {
        return _s().evidenceUsed[module][evidence];
    }

    /// @inheritdoc IOperatorStaking
    function creditOf(address account) external view returns (uint256) {
        return _s().credits[account];
    }

    /// @inheritdoc IOperatorStaking
    function totalStaked() external view returns (uint256) {
        return _s().totalStaked;
    }

    /// @inheritdoc IOperatorStaking
    function totalCredits() external view returns (uint256) {
        return _s().totalCredits;
    }

    /// @inheritdoc IOperatorStaking
    function treasury() external view returns (address) {
        return _s().treasury;
    }

    /// @inheritdoc IOperatorStaking
    function statusListener(bytes32 service) external view returns (address) {
        return _s().statusListeners[service];
    }

    /// @dev Tells the service's listener (if any) the operator's active stake and jail time.
    function _pushStatus(address operator, bytes32 service) private {
        OperatorStakingStorage storage $ = _s();
        address listener = $.statusListeners[service];
        if (listener == address(0)) return;
        Stake storage st = $.stakes[operator][service];
        IOperatorStatusListener(listener).onOperatorStatus(service, operator, st.activeWei, st.jailedUntil);
    }

    function _setTreasury(address treasury_) private {
        if (treasury_ == address(0)) revert StakingZeroAddress("treasury");
        _s().treasury = treasury_;
        emit TreasurySet(treasury_);
    }

    /// @dev Reverts unless `delaySeconds` is strictly longer than `module`'s slashing horizon.
    function _checkHorizon(bytes32 service, address module, uint64 delaySeconds) private view {
        uint256 horizon = _horizonOf(module);
        if (horizon != 0 && delaySeconds <= horizon) {
            revert StakingUnbondingTooShort(service, module, delaySeconds, horizon);
        }
    }

    /// @dev The module's `IStakingModule.slashingHorizonSeconds()`, or 0 when it has no code or no such function (a
    /// low-level call, so a module without the function or with an odd fallback can never block the admin).
    function _horizonOf(address module) private view returns (uint256) {
        if (module.code.length == 0) return 0;
        (bool ok, bytes memory ret) = module.staticcall(abi.encodeCall(IStakingModule.slashingHorizonSeconds, ()));
        if (!ok || ret.length < 32) return 0;
        return abi.decode(ret, (uint256));
    }

    function _checkModule(bytes32 service) private view {
        if (!_s().modules[service][msg.sender]) revert StakingNotModule(service, msg.sender);
    }

    function _s() private pure returns (OperatorStakingStorage storage $) {
        // solhint-disable-next-line no-inline-assembly
        assembly {
            $.slot := STORAGE_LOCATION
        }
    }
}
