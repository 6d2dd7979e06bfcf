// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC1967Proxy} from "@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol";
import {OperatorStaking} from "../../contracts/staking/OperatorStaking.sol";
import {IOperatorStaking} from "../../contracts/staking/interfaces/IOperatorStaking.sol";
import {Treasury} from "../../contracts/common/Treasury.sol";
import {ComputeEscrow} from "../../contracts/compute/ComputeEscrow.sol";
import {IComputeEscrow} from "../../contracts/compute/interfaces/IComputeEscrow.sol";
import {StdInvariant} from "./StdInvariant.sol";
import {VmBase} from "./Vm.sol";

/// @notice Drives the staking, treasury and compute-escrow contracts together as requesters, providers, the arbiter
/// and keepers: stakes and unbonds, posts, claims, starts, submits, accepts, disputes and expires jobs (which locks,
/// unlocks and slashes provider bonds across OperatorStaking and pays the Treasury), withdraws every credit, sweeps
/// fees, and moves time. Ghost sums count every wei that entered and left the protocol from the outside.
contract ProtocolHandler is VmBase {
    bytes32 public constant COMPUTE = keccak256("axon.service.compute");
    uint256 public constant PROVIDERS = 3;
    uint256 public constant REQUESTERS = 2;
    uint256 public constant MAX_JOBS = 64;

    OperatorStaking public immutable staking;
    Treasury public immutable treasury;
    ComputeEscrow public immutable escrow;
    address public immutable arbiter;

    address[PROVIDERS] public providers;
    address[REQUESTERS] public requesters;
    uint256[] public jobs;

    /// @notice Wei sent into the protocol by outside accounts, and wei paid back out to them.
    uint256 public ghostDepositedWei;
    uint256 public ghostPaidOutWei;
    /// @notice Number of handler calls that reached the protocol, per action.
    mapping(bytes32 action => uint256) public calls;

    constructor(OperatorStaking staking_, Treasury treasury_, ComputeEscrow escrow_, address arbiter_) {
        staking = staking_;
        treasury = treasury_;
        escrow = escrow_;
        arbiter = arbiter_;
        for (uint256 i; i < PROVIDERS; ++i) providers[i] = vm.addr(0xC000 + i);
        for (uint256 i; i < REQUESTERS; ++i) requesters[i] = vm.addr(0xD000 + i);
    }

    /// @notice Stakes every provider above the compute minimum and publishes its 8xH100 offer (setUp only).
    function bootstrapProviders() external {
        for (uint256 i; i < PROVIDERS; ++i) {
            address p = providers[i];
            vm.deal(p, 10 ether);
            vm.prank(p);
            staking.stake{value: 10 ether}(COMPUTE);
            ghostDepositedWei += 10 ether;
            vm.prank(p);
            escrow.setOffer(
                IComputeEscrow.Offer({
                    gpuModel: bytes8("H100SXM"),
                    gpuCount: 8,
                    memoryGiB: 80,
                    unit: IComputeEscrow.PriceUnit.Wei,
                    pricePerGpuHour: 0.001 ether
                })
            );
        }
    }

    function jobCount() external view returns (uint256) {
        return jobs.length;
    }

    function stake(uint256 seed, uint256 amountWei) external {
        address p = providers[seed % PROVIDERS];
        IOperatorStaking.Stake memory st = staking.stakeOf(p, COMPUTE);
        uint256 minWei = staking.serviceConfig(COMPUTE).minStakeWei;
        uint256 floor = st.activeWei >= minWei ? 1 : minWei - st.activeWei;
        amountWei = bound(amountWei, floor, floor + 20 ether);
        vm.deal(p, amountWei);
        vm.prank(p);
        staking.stake{value: amountWei}(COMPUTE);
        ghostDepositedWei += amountWei;
        ++calls["stake"];
    }

    function unbond(uint256 seed) external {
        address p = providers[seed % PROVIDERS];
        IOperatorStaking.Stake memory st = staking.stakeOf(p, COMPUTE);
        if (st.lockedWei != 0 || st.activeWei == 0) return;
        vm.prank(p);
        staking.requestUnbond(COMPUTE, st.activeWei);
        ++calls["unbond"];
    }

    function withdrawStake(uint256 seed) external {
        address p = providers[seed % PROVIDERS];
        IOperatorStaking.Stake memory st = staking.stakeOf(p, COMPUTE);
        if (st.unbondingWei == 0 || block.timestamp < st.unbondingReleaseAt) return;
        uint256 before = p.balance;
        vm.prank(p);
        staking.withdraw(COMPUTE);
        ghostPaidOutWei += p.balance - before;
        ++calls["withdrawStake"];
    }

    function withdrawStakingCredit(uint256 seed) external {
        address a = requesters[seed % REQUESTERS];
        if (staking.creditOf(a) == 0) return;
        uint256 before = a.balance;
        vm.prank(a);
        staking.withdrawCredit();
        ghostPaidOutWei += a.balance - before;
        ++calls["withdrawStakingCredit"];
    }

    function postJob(uint256 seed, uint256 amountWei) external {
        if (jobs.length >= MAX_JOBS) return;
        address r = requesters[seed % REQUESTERS];
        amountWei = bound(amountWei, 0.01 ether, 5 ether);
        IComputeEscrow.JobRequest memory req = IComputeEscrow.JobRequest({
            specHash: keccak256(abi.encode(seed)),
            specURI: "oci://spec",
            inputURI: "ipfs://input",
            gpuModel: bytes8("H100SXM"),
            gpuCount: 1,
            memoryGiB: 40,
            maxDurationSeconds: 2 hours,
            startDeadline: uint32(block.timestamp + 1 hours),
            provider: address(0),
            mode: IComputeEscrow.VerificationMode.Acceptance,
            redundancy: 0,
            bondWei: 0.5 ether
        });
        vm.deal(r, amountWei);
        vm.prank(r);
        jobs.push(escrow.postJob{value: amountWei}(req, address(0), amountWei));
        ghostDepositedWei += amountWei;
        ++calls["postJob"];
    }

    /// @notice Moves a job one step along its happy or disputed path, as whoever may take that step.
    function advanceJob(uint256 jobSeed, uint256 providerSeed, bool accept) external {
        if (jobs.length == 0) return;
        uint256 id = jobs[jobSeed % jobs.length];
        if (escrow.isDue(id)) return;
        IComputeEscrow.Job memory job = escrow.jobOf(id);
        if (job.status == IComputeEscrow.JobStatus.Open) {
            address p = providers[providerSeed % PROVIDERS];
            if (!staking.isActiveOperator(p, COMPUTE) || staking.freeStake(p, COMPUTE) < job.bondWei) return;
            vm.prank(p);
            escrow.claim(id);
        } else if (job.status == IComputeEscrow.JobStatus.Claimed) {
            vm.prank(job.provider);
            escrow.start(id);
        } else if (job.status == IComputeEscrow.JobStatus.Running) {
            vm.prank(job.provider);
            escrow.submitResult(id, keccak256("result"), "ipfs://result");
        } else if (job.status == IComputeEscrow.JobStatus.Submitted) {
            vm.prank(job.requester);
            if (accept) escrow.accept(id);
            else escrow.dispute(id, keccak256("bad result"));
        } else if (job.status == IComputeEscrow.JobStatus.Disputed) {
            vm.prank(arbiter);
            escrow.resolveDispute(id, accept);
        } else {
            return;
        }
        ++calls["advanceJob"];
    }

    /// @notice Settles every job whose deadline passed (refunds, slashes missed starts and submissions, pays out).
    function expireJobs() external {
        uint256[] memory due = new uint256[](jobs.length);
        uint256 n;
        for (uint256 i; i < jobs.length; ++i) if (escrow.isDue(jobs[i])) due[n++] = jobs[i];
        if (n == 0) return;
        assembly ("memory-safe") {
            mstore(due, n)
        }
        escrow.processExpired(due);
        ++calls["expireJobs"];
    }

    function withdrawEscrowCredit(uint256 seed, bool provider) external {
        address a = provider ? providers[seed % PROVIDERS] : requesters[seed % REQUESTERS];
        if (escrow.creditOf(a, address(0)) == 0) return;
        uint256 before = a.balance;
        vm.prank(a);
        escrow.withdraw(address(0));
        ghostPaidOutWei += a.balance - before;
        ++calls["withdrawEscrowCredit"];
    }

    function sweepFees() external {
        if (escrow.feesAccrued(address(0)) == 0) return;
        escrow.sweepFees(address(0));
        ++calls["sweepFees"];
    }

    function warp(uint256 secondsAhead) external {
        vm.warp(block.timestamp + bound(secondsAhead, 1, 3 hours));
        ++calls["warp"];
    }
}

/// @notice Whole-protocol invariants over OperatorStaking, Treasury and ComputeEscrow deployed together behind
/// ERC1967 proxies: each contract's ETH is exactly its liabilities, and every wei deposited from outside is either
/// paid back out or still held by one of them.
contract ProtocolInvariants is StdInvariant {
    OperatorStaking internal staking;
    Treasury internal treasury;
    ComputeEscrow internal escrow;
    ProtocolHandler internal handler;
    address internal constant ARBITER = address(0xA4B1);

    function setUp() public {
        treasury = Treasury(
            payable(
                new ERC1967Proxy(address(new Treasury()), abi.encodeCall(Treasury.initialize, (address(this), 2 days)))
            )
        );
        staking = OperatorStaking(
            address(
                new ERC1967Proxy(
                    address(new OperatorStaking()),
                    abi.encodeCall(OperatorStaking.initialize, (address(this), 2 days, address(treasury)))
                )
            )
        );
        IComputeEscrow.Settings memory settings = IComputeEscrow.Settings({
            protocolFeeBps: 250,
            slashBeneficiaryBps: 5_000,
            challengeWindowSeconds: 1 hours,
            arbitrationWindowSeconds: 1 days,
            minBondWei: 0.1 ether
        });
        escrow = ComputeEscrow(
            address(
                new ERC1967Proxy(
                    address(new ComputeEscrow()),
                    abi.encodeCall(
                        ComputeEscrow.initialize,
                        (address(this), 2 days, IOperatorStaking(address(staking)), address(treasury), settings)
                    )
                )
            )
        );
        bytes32 compute = keccak256("axon.service.compute");
        staking.setService(compute, 2 ether, 7 days, true);
        staking.setModule(compute, address(escrow), true);
        escrow.grantRole(escrow.ARBITER_ROLE(), ARBITER);
        handler = new ProtocolHandler(staking, treasury, escrow, ARBITER);
        handler.bootstrapProviders();

        bytes4[] memory selectors = new bytes4[](11);
        selectors[0] = ProtocolHandler.stake.selector;
        selectors[1] = ProtocolHandler.unbond.selector;
        selectors[2] = ProtocolHandler.withdrawStake.selector;
        selectors[3] = ProtocolHandler.withdrawStakingCredit.selector;
        selectors[4] = ProtocolHandler.postJob.selector;
        selectors[5] = ProtocolHandler.advanceJob.selector;
        selectors[6] = ProtocolHandler.advanceJob.selector;
        selectors[7] = ProtocolHandler.expireJobs.selector;
        selectors[8] = ProtocolHandler.withdrawEscrowCredit.selector;
        selectors[9] = ProtocolHandler.sweepFees.selector;
        selectors[10] = ProtocolHandler.warp.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
        targetContract(address(handler));
    }

    /// forge-config: default.invariant.fail-on-revert = true
    /// forge-config: deep.invariant.fail-on-revert = true
    function invariant_stakingHoldsExactlyStakesAndCredits() public view {
        vm.assertEq(
            address(staking).balance,
            staking.totalStaked() + staking.totalCredits(),
            "staking balance = totalStaked + totalCredits"
        );
    }

    /// forge-config: default.invariant.fail-on-revert = true
    /// forge-config: deep.invariant.fail-on-revert = true
    function invariant_escrowHoldsExactlyLiveJobsCreditsAndFees() public view {
        uint256 liabilities = escrow.feesAccrued(address(0));
        for (uint256 i; i < handler.jobCount(); ++i) {
            IComputeEscrow.Job memory job = escrow.jobOf(handler.jobs(i));
            if (
                job.status != IComputeEscrow.JobStatus.Paid &&
                job.status != IComputeEscrow.JobStatus.Refunded &&
                job.status != IComputeEscrow.JobStatus.None
            ) liabilities += job.amount;
        }
        for (uint256 i; i < handler.PROVIDERS(); ++i) liabilities += escrow.creditOf(handler.providers(i), address(0));
        for (uint256 i; i < handler.REQUESTERS(); ++i)
            liabilities += escrow.creditOf(handler.requesters(i), address(0));
        vm.assertEq(address(escrow).balance, liabilities, "escrow balance = live jobs + credits + fees");
    }

    /// forge-config: default.invariant.fail-on-revert = true
    /// forge-config: deep.invariant.fail-on-revert = true
    function invariant_depositedEqualsPaidOutPlusHeld() public view {
        uint256 held = address(staking).balance + address(escrow).balance + address(treasury).balance;
        vm.assertEq(
            handler.ghostDepositedWei(),
            handler.ghostPaidOutWei() + held,
            "deposited = paid out + staking + escrow + treasury"
        );
    }

    /// forge-config: default.invariant.fail-on-revert = true
    /// forge-config: deep.invariant.fail-on-revert = true
    function invariant_bondsLockedByEscrowNeverExceedActiveStake() public view {
        bytes32 compute = keccak256("axon.service.compute");
        for (uint256 i; i < handler.PROVIDERS(); ++i) {
            IOperatorStaking.Stake memory st = staking.stakeOf(handler.providers(i), compute);
            vm.assertLe(st.lockedWei, st.activeWei, "locked bond <= active stake");
        }
    }
}
