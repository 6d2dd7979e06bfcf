// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC1967Proxy} from "@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol";
import {OperatorStaking} from "../../contracts/staking/OperatorStaking.sol";
import {IOperatorStaking} from "../../contracts/staking/interfaces/IOperatorStaking.sol";
import {Treasury} from "../../contracts/common/Treasury.sol";
import {StdInvariant} from "./StdInvariant.sol";
import {VmBase} from "./Vm.sol";

/// @notice Drives OperatorStaking as the operators, the beneficiaries and the one module of both services, keeping
/// ghost sums of every wei that went in and out. Every call is bounded to a valid one so that `fail_on_revert` can
/// hold: an unexpected revert is a failure, and the revert paths it probes are asserted with expectRevert.
contract OperatorStakingHandler is VmBase {
    bytes32 public constant ORACLE = keccak256("axon.service.oracle");
    bytes32 public constant COMPUTE = keccak256("axon.service.compute");
    uint256 public constant OPERATORS = 3;
    uint256 public constant BENEFICIARIES = 2;
    uint256 private constant MAX_STAKE_CALL_WEI = 50 ether;

    OperatorStaking public immutable staking;
    address public immutable treasury;

    address[OPERATORS] public operators;
    address[BENEFICIARIES] public beneficiaries;

    mapping(address operator => mapping(bytes32 service => uint256)) public ghostDepositedWei;
    mapping(address operator => mapping(bytes32 service => uint256)) public ghostWithdrawnWei;
    mapping(address operator => mapping(bytes32 service => uint256)) public ghostSlashedWei;
    mapping(address operator => mapping(bytes32 service => uint64)) public ghostJailedUntil;
    mapping(address beneficiary => uint256) public ghostCreditedWei;
    mapping(address beneficiary => uint256) public ghostCreditPaidWei;
    uint256 public ghostToTreasuryWei;
    uint256 public ghostSlashes;
    uint256 public ghostEvidenceReuseAccepted;
    bytes32[] private _usedEvidence;

    constructor(OperatorStaking staking_, address treasury_) {
        staking = staking_;
        treasury = treasury_;
        for (uint256 i; i < OPERATORS; ++i) operators[i] = vm.addr(0xA000 + i);
        for (uint256 i; i < BENEFICIARIES; ++i) beneficiaries[i] = vm.addr(0xB000 + i);
    }

    function stake(uint256 opSeed, bool compute, uint256 amountWei) external {
        (address op, bytes32 service) = _pick(opSeed, compute);
        uint256 active = staking.stakeOf(op, service).activeWei;
        uint256 minWei = staking.serviceConfig(service).minStakeWei;
        uint256 floor = active >= minWei ? 1 : minWei - active;
        amountWei = bound(amountWei, floor, floor + MAX_STAKE_CALL_WEI);
        vm.deal(op, amountWei);
        vm.prank(op);
        staking.stake{value: amountWei}(service);
        ghostDepositedWei[op][service] += amountWei;
    }

    function requestUnbond(uint256 opSeed, bool compute, uint256 amountWei) external {
        (address op, bytes32 service) = _pick(opSeed, compute);
        IOperatorStaking.Stake memory st = staking.stakeOf(op, service);
        uint256 free = st.activeWei - st.lockedWei;
        if (free == 0) return;
        amountWei = bound(amountWei, 1, free);
        uint256 remaining = st.activeWei - amountWei;
        uint256 minWei = staking.serviceConfig(service).minStakeWei;
        if (remaining != 0 && remaining < minWei) {
            // Leaving a dust stake below the minimum is refused; unbond everything free instead when that is valid.
            vm.prank(op);
            vm.expectRevert(
                abi.encodeWithSelector(IOperatorStaking.StakingBelowMinimum.selector, op, service, remaining, minWei)
            );
            staking.requestUnbond(service, amountWei);
            if (st.lockedWei != 0) return;
            amountWei = st.activeWei;
        }
        vm.prank(op);
        staking.requestUnbond(service, amountWei);
    }

    function withdraw(uint256 opSeed, bool compute) external {
        (address op, bytes32 service) = _pick(opSeed, compute);
        IOperatorStaking.Stake memory st = staking.stakeOf(op, service);
        if (st.unbondingWei == 0) return;
        if (block.timestamp < st.unbondingReleaseAt) {
            vm.prank(op);
            vm.expectRevert(
                abi.encodeWithSelector(
                    IOperatorStaking.StakingUnbondingNotReleased.selector,
                    op,
                    service,
                    st.unbondingReleaseAt
                )
            );
            staking.withdraw(service);
            return;
        }
        uint256 before = op.balance;
        vm.prank(op);
        staking.withdraw(service);
        vm.assertEq(op.balance - before, st.unbondingWei, "withdraw pays the whole unbonding stake");
        ghostWithdrawnWei[op][service] += st.unbondingWei;
    }

    function withdrawCredit(uint256 beneficiarySeed) external {
        address account = beneficiaries[beneficiarySeed % BENEFICIARIES];
        uint256 credit = staking.creditOf(account);
        if (credit == 0) return;
        uint256 before = account.balance;
        vm.prank(account);
        staking.withdrawCredit();
        vm.assertEq(account.balance - before, credit, "withdrawCredit pays the whole credit");
        ghostCreditPaidWei[account] += credit;
    }

    function lock(uint256 opSeed, bool compute, uint256 amountWei) external {
        (address op, bytes32 service) = _pick(opSeed, compute);
        uint256 free = staking.freeStake(op, service);
        if (free == 0) return;
        staking.lock(op, service, bound(amountWei, 1, free));
    }

    function unlock(uint256 opSeed, bool compute, uint256 amountWei) external {
        (address op, bytes32 service) = _pick(opSeed, compute);
        uint256 locked = staking.stakeOf(op, service).lockedWei;
        staking.unlock(op, service, bound(amountWei, 0, locked + 1 ether));
    }

    function slash(
        uint256 opSeed,
        bool compute,
        uint256 amountWei,
        uint256 beneficiarySeed,
        uint256 beneficiaryBps,
        bytes32 evidence
    ) external {
        (address op, bytes32 service) = _pick(opSeed, compute);
        if (evidence == bytes32(0) || staking.evidenceUsed(address(this), evidence)) return;
        IOperatorStaking.Stake memory st = staking.stakeOf(op, service);
        uint256 held = uint256(st.activeWei) + st.unbondingWei;
        amountWei = bound(amountWei, 0, held + 1 ether);
        uint256 expected = amountWei < held ? amountWei : held;
        _slash(
            op,
            service,
            amountWei,
            expected,
            beneficiaries[beneficiarySeed % BENEFICIARIES],
            (expected * bound(beneficiaryBps, 0, 10_000)) / 10_000,
            evidence
        );
    }

    function _slash(
        address op,
        bytes32 service,
        uint256 amountWei,
        uint256 expected,
        address beneficiary,
        uint256 beneficiaryWei,
        bytes32 evidence
    ) private {
        uint256 treasuryBefore = treasury.balance;
        uint256 slashed = staking.slash(op, service, amountWei, beneficiary, beneficiaryWei, evidence);
        vm.assertEq(slashed, expected, "slash takes min(amount, active + unbonding)");
        vm.assertEq(treasury.balance - treasuryBefore, slashed - beneficiaryWei, "the rest goes to the Treasury");
        ghostSlashedWei[op][service] += slashed;
        ghostCreditedWei[beneficiary] += beneficiaryWei;
        ghostToTreasuryWei += slashed - beneficiaryWei;
        _usedEvidence.push(evidence);
        ++ghostSlashes;
    }

    /// @notice Replays an evidence id that already produced a slash: it must be refused.
    function reuseEvidence(uint256 opSeed, bool compute, uint256 evidenceSeed) external {
        if (_usedEvidence.length == 0) return;
        (address op, bytes32 service) = _pick(opSeed, compute);
        bytes32 evidence = _usedEvidence[evidenceSeed % _usedEvidence.length];
        try staking.slash(op, service, 1, address(0), 0, evidence) {
            ++ghostEvidenceReuseAccepted;
        } catch (bytes memory reason) {
            vm.assertEq(
                keccak256(reason),
                keccak256(
                    abi.encodeWithSelector(IOperatorStaking.StakingEvidenceUsed.selector, address(this), evidence)
                ),
                "a replayed evidence id is refused with StakingEvidenceUsed"
            );
        }
    }

    function jail(uint256 opSeed, bool compute, uint256 forSeconds) external {
        (address op, bytes32 service) = _pick(opSeed, compute);
        uint64 until = uint64(block.timestamp + bound(forSeconds, 1, 30 days));
        staking.jail(op, service, until);
        if (until > ghostJailedUntil[op][service]) ghostJailedUntil[op][service] = until;
    }

    function warp(uint256 bySeconds) external {
        vm.warp(block.timestamp + bound(bySeconds, 1, 10 days));
    }

    function usedEvidenceCount() external view returns (uint256) {
        return _usedEvidence.length;
    }

    function _pick(uint256 opSeed, bool compute) private view returns (address op, bytes32 service) {
        op = operators[opSeed % OPERATORS];
        service = compute ? COMPUTE : ORACLE;
    }
}

/// @notice Stake is conserved, no operator holds more than it deposited, and evidence slashes at most once.
contract OperatorStakingInvariants is StdInvariant {
    OperatorStaking internal staking;
    Treasury internal treasury;
    OperatorStakingHandler internal handler;

    function setUp() public {
        Treasury treasuryImpl = new Treasury();
        treasury = Treasury(
            payable(
                new ERC1967Proxy(address(treasuryImpl), abi.encodeCall(Treasury.initialize, (address(this), 2 days)))
            )
        );
        OperatorStaking stakingImpl = new OperatorStaking();
        staking = OperatorStaking(
            address(
                new ERC1967Proxy(
                    address(stakingImpl),
                    abi.encodeCall(OperatorStaking.initialize, (address(this), 2 days, address(treasury)))
                )
            )
        );
        handler = new OperatorStakingHandler(staking, address(treasury));
        staking.setService(handler.ORACLE(), 1 ether, 7 days, true);
        staking.setService(handler.COMPUTE(), 2 ether, 7 days, true);
        staking.setModule(handler.ORACLE(), address(handler), true);
        staking.setModule(handler.COMPUTE(), address(handler), true);

        bytes4[] memory selectors = new bytes4[](10);
        selectors[0] = OperatorStakingHandler.stake.selector;
        selectors[1] = OperatorStakingHandler.requestUnbond.selector;
        selectors[2] = OperatorStakingHandler.withdraw.selector;
        selectors[3] = OperatorStakingHandler.withdrawCredit.selector;
        selectors[4] = OperatorStakingHandler.lock.selector;
        selectors[5] = OperatorStakingHandler.unlock.selector;
        selectors[6] = OperatorStakingHandler.slash.selector;
        selectors[7] = OperatorStakingHandler.reuseEvidence.selector;
        selectors[8] = OperatorStakingHandler.jail.selector;
        selectors[9] = OperatorStakingHandler.warp.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
        targetContract(address(handler));
    }

    /// @notice One campaign checks every property after each call (one campaign per invariant would cost 4x the time).
    /// forge-config: default.invariant.fail-on-revert = true
    /// forge-config: deep.invariant.fail-on-revert = true
    function invariant_stakeIsConserved() public view {
        _checkBalanceEqualsStakePlusCredits();
        _checkStakeMatchesGhostsAndNeverExceedsDeposits();
        _checkCreditsAndTreasuryAccountForEverySlash();
        _checkEvidenceSlashesOnce();
    }

    /// @dev Contract balance = totalStaked + totalCredits.
    function _checkBalanceEqualsStakePlusCredits() internal view {
        vm.assertEq(
            address(staking).balance,
            staking.totalStaked() + staking.totalCredits(),
            "contract balance = totalStaked + totalCredits"
        );
    }

    /// @dev Each stake = deposited - withdrawn - slashed <= deposited; locked <= active; jail keeps the longest.
    function _checkStakeMatchesGhostsAndNeverExceedsDeposits() internal view {
        uint256 sumHeld;
        for (uint256 i; i < handler.OPERATORS(); ++i) {
            address op = handler.operators(i);
            for (uint256 s; s < 2; ++s) {
                bytes32 service = s == 0 ? handler.ORACLE() : handler.COMPUTE();
                IOperatorStaking.Stake memory st = staking.stakeOf(op, service);
                uint256 held = uint256(st.activeWei) + st.unbondingWei;
                uint256 deposited = handler.ghostDepositedWei(op, service);
                vm.assertLe(held, deposited, "no operator holds more than it deposited");
                vm.assertEq(
                    held,
                    deposited - handler.ghostWithdrawnWei(op, service) - handler.ghostSlashedWei(op, service),
                    "held = deposited - withdrawn - slashed"
                );
                vm.assertLe(st.lockedWei, st.activeWei, "locked stake is part of the active stake");
                vm.assertEq(st.jailedUntil, handler.ghostJailedUntil(op, service), "jail keeps the longest sentence");
                sumHeld += held;
            }
        }
        vm.assertEq(sumHeld, staking.totalStaked(), "totalStaked = sum of every operator's stake");
    }

    /// @dev Every slashed wei is a beneficiary credit (until paid) or Treasury ETH.
    function _checkCreditsAndTreasuryAccountForEverySlash() internal view {
        uint256 owed;
        for (uint256 i; i < handler.BENEFICIARIES(); ++i) {
            address account = handler.beneficiaries(i);
            uint256 credit = staking.creditOf(account);
            vm.assertEq(
                credit,
                handler.ghostCreditedWei(account) - handler.ghostCreditPaidWei(account),
                "credit = credited - paid"
            );
            owed += credit;
        }
        vm.assertEq(owed, staking.totalCredits(), "totalCredits = sum of credits");
        vm.assertEq(address(treasury).balance, handler.ghostToTreasuryWei(), "the Treasury got every unshared slash");
    }

    /// @dev A replayed evidence id never slashes again.
    function _checkEvidenceSlashesOnce() internal view {
        vm.assertEq(handler.ghostEvidenceReuseAccepted(), 0, "a used evidence id never slashes again");
        vm.assertEq(handler.usedEvidenceCount(), handler.ghostSlashes(), "one evidence id per slash");
    }
}
