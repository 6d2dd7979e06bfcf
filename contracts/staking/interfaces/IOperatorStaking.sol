// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IOperatorStaking
/// @notice One ETH stake per (operator, service): oracle nodes and compute providers bond here, unbond after a delay,
/// and can be locked, slashed or jailed only by the modules authorised for that service (the oracle, the escrow).
/// Unbonding stake stays slashable until it is withdrawn. Every operation is O(1).
interface IOperatorStaking {
    /// @notice Parameters of one service (e.g. keccak256("axon.service.oracle")).
    struct Service {
        uint128 minStakeWei;
        uint64 unbondingDelaySeconds;
        bool enabled;
    }

    /// @notice An operator's stake in one service. `lockedWei` is the part of `activeWei` bonded by modules.
    struct Stake {
        uint128 activeWei;
        uint128 unbondingWei;
        uint128 lockedWei;
        uint64 unbondingReleaseAt;
        uint64 jailedUntil;
    }

    /// @notice The Treasury that receives slashed funds was set.
    event TreasurySet(address indexed treasury);
    /// @notice A service was configured.
    event ServiceSet(bytes32 indexed service, uint128 minStakeWei, uint64 unbondingDelaySeconds, bool enabled);
    /// @notice A module was allowed or disallowed to lock, slash and jail the stakes of a service.
    event ModuleSet(bytes32 indexed service, address indexed module, bool allowed);
    /// @notice `operator` added `amountWei` to its active stake in `service`.
    event Staked(address indexed operator, bytes32 indexed service, uint256 amountWei, uint256 activeWei);
    /// @notice `amountWei` moved from active to unbonding; withdrawable from `releaseAt` on.
    event UnbondRequested(address indexed operator, bytes32 indexed service, uint256 amountWei, uint64 releaseAt);
    /// @notice Unbonded stake was paid out to the operator.
    event Withdrawn(address indexed operator, bytes32 indexed service, uint256 amountWei);
    /// @notice A module bonded part of the operator's active stake.
    event StakeLocked(address indexed operator, bytes32 indexed service, address indexed module, uint256 amountWei);
    /// @notice A module released a bond.
    event StakeUnlocked(address indexed operator, bytes32 indexed service, address indexed module, uint256 amountWei);
    /// @notice Stake was slashed: `beneficiaryWei` credited to `beneficiary`, the rest sent to the Treasury.
    event Slashed(
        address indexed operator,
        bytes32 indexed service,
        address indexed module,
        uint256 amountWei,
        address beneficiary,
        uint256 beneficiaryWei,
        bytes32 evidence
    );
    /// @notice The operator cannot serve `service` until `until`.
    event Jailed(address indexed operator, bytes32 indexed service, uint64 until, address by);
    /// @notice A jail sentence was lifted early by an admin.
    event Unjailed(address indexed operator, bytes32 indexed service);
    /// @notice A pull credit (a slashing beneficiary's share) was paid out.
    event CreditWithdrawn(address indexed account, uint256 amountWei);
    /// @notice `listener` now receives every change of `service`'s operator statuses (`IOperatorStatusListener`).
    event StatusListenerSet(bytes32 indexed service, address indexed listener);

    /// @notice The service is not enabled.
    error StakingServiceDisabled(bytes32 service);
    /// @notice A zero amount was given where a positive one is required.
    error StakingZeroAmount();
    /// @notice A zero address was given for `what`.
    error StakingZeroAddress(string what);
    /// @notice After this operation the active stake would be positive but below the service minimum.
    error StakingBelowMinimum(address operator, bytes32 service, uint256 activeWei, uint256 minStakeWei);
    /// @notice The operator's unlocked active stake is smaller than requested.
    error StakingInsufficientFreeStake(address operator, bytes32 service, uint256 freeWei, uint256 requestedWei);
    /// @notice Unbonding stake cannot be withdrawn before `releaseAt`.
    error StakingUnbondingNotReleased(address operator, bytes32 service, uint64 releaseAt);
    /// @notice There is nothing to withdraw.
    error StakingNothingToWithdraw(address account);
    /// @notice The caller is not a module of `service`.
    error StakingNotModule(bytes32 service, address caller);
    /// @notice This evidence already produced a slash.
    error StakingEvidenceUsed(address module, bytes32 evidence);
    /// @notice Evidence ids must be non-zero so each slash is traceable.
    error StakingZeroEvidence();
    /// @notice The beneficiary's share exceeds the slashed amount.
    error StakingBeneficiaryShareTooLarge(uint256 beneficiaryWei, uint256 slashedWei);
    /// @notice A jail release time must lie in the future.
    error StakingJailInPast(uint64 until, uint256 nowSeconds);
    /// @notice An amount does not fit the 128-bit stake fields.
    error StakingAmountOverflow(uint256 amountWei);
    /// @notice The unbonding delay exceeds the maximum of 365 days.
    error StakingDelayTooLong(uint64 unbondingDelaySeconds);
    /// @notice The service's unbonding delay would not exceed the slashing horizon of one of its modules, so stake
    /// backing an open obligation of that module could leave before the module can slash it.
    error StakingUnbondingTooShort(
        bytes32 service,
        address module,
        uint64 unbondingDelaySeconds,
        uint256 slashingHorizonSeconds
    );

    /// @notice Configures a service; admin only.
    function setService(bytes32 service, uint128 minStakeWei, uint64 unbondingDelaySeconds, bool enabled) external;

    /// @notice The longest slashing horizon among the modules of `service` (see `IStakingModule`); the service's
    /// unbonding delay is always longer.
    function requiredUnbondingDelay(bytes32 service) external view returns (uint256 horizonSeconds);

    /// @notice The modules currently allowed for `service`.
    function modulesOf(bytes32 service) external view returns (address[] memory);

    /// @notice Allows or disallows `module` to lock, slash and jail stakes of `service`; admin only.
    function setModule(bytes32 service, address module, bool allowed) external;

    /// @notice Sets the Treasury that receives slashed funds; admin only.
    function setTreasury(address treasury) external;

    /// @notice Makes `listener` (e.g. the AIOracle for the oracle service) receive every change that can change an
    /// operator's `isActiveOperator(operator, service)`: stake, unbond, slash, jail, unjail (`onOperatorStatus`) and
    /// the service's configuration (`onServiceStatus`); admin only, zero to stop. The previous listener is told it no
    /// longer listens (so it stops trusting what it cached), the new one is told the service's configuration.
    /// Operators that staked before are pushed one by one with `pushStatus`.
    function setStatusListener(bytes32 service, address listener) external;

    /// @notice Pushes `operator`'s current stake and jail time of `service` to the service's listener; anyone (a
    /// no-op without a listener). Brings a listener's cache up to date for operators that staked before it listened.
    function pushStatus(address operator, bytes32 service) external;

    /// @notice The status listener of `service` (zero if none).
    function statusListener(bytes32 service) external view returns (address);

    /// @notice Adds `msg.value` to the caller's active stake; the result must reach the service minimum.
    function stake(bytes32 service) external payable;

    /// @notice Moves `amountWei` of unlocked active stake to unbonding and restarts the unbonding clock.
    /// @dev Merging into one unbonding bucket keeps the operation O(1); the remaining active stake must be zero or at
    /// least the service minimum.
    function requestUnbond(bytes32 service, uint256 amountWei) external;

    /// @notice Pays out the caller's unbonding stake once its release time has passed.
    function withdraw(bytes32 service) external;

    /// @notice Pays out the caller's pull credits (shares of slashes that named it beneficiary).
    function withdrawCredit() external;

    /// @notice Bonds `amountWei` of the operator's unlocked active stake; modules of `service` only.
    function lock(address operator, bytes32 service, uint256 amountWei) external;

    /// @notice Releases up to `amountWei` of a bond; modules of `service` only.
    function unlock(address operator, bytes32 service, uint256 amountWei) external;

    /// @notice Slashes up to `amountWei` (active first, then unbonding); modules of `service` only.
    /// @param beneficiary Credited with `beneficiaryWei` (capped at what was slashed); the rest goes to the Treasury.
    /// @param evidence A non-zero id the module can use only once.
    /// @return slashedWei The amount actually taken.
    function slash(
        address operator,
        bytes32 service,
        uint256 amountWei,
        address beneficiary,
        uint256 beneficiaryWei,
        bytes32 evidence
    ) external returns (uint256 slashedWei);

    /// @notice Prevents the operator from serving `service` until `until`; modules of the service or admin.
    function jail(address operator, bytes32 service, uint64 until) external;

    /// @notice Lifts a jail sentence; admin only.
    function unjail(address operator, bytes32 service) external;

    /// @notice Whether `operator` may serve `service` now: enough active stake and not jailed.
    function isActiveOperator(address operator, bytes32 service) external view returns (bool);

    /// @notice The operator's stake in `service`.
    function stakeOf(address operator, bytes32 service) external view returns (Stake memory);

    /// @notice Active stake not bonded by any module.
    function freeStake(address operator, bytes32 service) external view returns (uint256);

    /// @notice The configuration of `service`.
    function serviceConfig(bytes32 service) external view returns (Service memory);

    /// @notice Whether `module` may lock, slash and jail stakes of `service`.
    function isModule(bytes32 service, address module) external view returns (bool);

    /// @notice Whether `module` already used `evidence`.
    function evidenceUsed(address module, bytes32 evidence) external view returns (bool);

    /// @notice Pull credit of `account`.
    function creditOf(address account) external view returns (uint256);

    /// @notice Total stake held (active + unbonding) across all operators and services.
    function totalStaked() external view returns (uint256);

    /// @notice Total pull credits owed.
    function totalCredits() external view returns (uint256);

    /// @notice The Treasury receiving slashed funds.
    function treasury() external view returns (address);
}

/// @title IStakingModule
/// @notice Optional interface of an OperatorStaking module that slashes after the fact: its slashing horizon is the
/// longest time between an operator taking on an obligation (answering a request) and the last moment the module
/// can slash it for that obligation. OperatorStaking refuses a module, or a service unbonding delay, unless the delay
/// is strictly longer than the horizon, so stake that backs an open obligation can never be withdrawn before it can
/// no longer be slashed (unbonding stake stays slashable). A module without this function has a horizon of 0.
interface IStakingModule {
    /// @notice The module's slashing horizon in seconds.
    function slashingHorizonSeconds() external view returns (uint256);
}

/// @title IOperatorStatusListener
/// @notice Receives OperatorStaking's pushes of the facts behind `isActiveOperator`, so a hot path can check an
/// operator from its own storage: active iff the service is enabled, `activeWei != 0`, `activeWei >= minStakeWei` and
/// `jailedUntil <= block.timestamp`.
interface IOperatorStatusListener {
    /// @notice `operator`'s active stake or jail time in `service` changed (or was pushed by `pushStatus`).
    function onOperatorStatus(bytes32 service, address operator, uint256 activeWei, uint64 jailedUntil) external;

    /// @notice `service`'s configuration changed, or this contract started (`listening` true) or stopped (false)
    /// being its listener; a listener that stops listening must stop trusting the statuses it cached.
    function onServiceStatus(bytes32 service, bool enabled, uint256 minStakeWei, bool listening) external;
}
