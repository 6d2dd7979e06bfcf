// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC1967Proxy} from "@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol";
import {ComputeEscrow} from "../../contracts/compute/ComputeEscrow.sol";
import {IComputeEscrow} from "../../contracts/compute/interfaces/IComputeEscrow.sol";
import {OperatorStaking} from "../../contracts/staking/OperatorStaking.sol";
import {Treasury} from "../../contracts/common/Treasury.sol";
import {StdInvariant} from "./StdInvariant.sol";
import {VmBase} from "./Vm.sol";

/// @notice Drives ComputeEscrow as two requesters, three staked providers, an arbiter and a keeper, keeping ghost
/// sums of every wei escrowed, paid, refunded and taken as fees. Calls are steered to valid ones where that is cheap;
/// the others are expected to revert and leave every ghost unchanged.
contract ComputeEscrowHandler is VmBase {
    bytes32 public constant COMPUTE = keccak256("axon.service.compute");
    uint256 public constant REQUESTERS = 2;
    uint256 public constant PROVIDERS = 3;
    uint256 public constant BOND_WEI = 1 ether;
    uint32 public constant MAX_DURATION = 600;

    ComputeEscrow public immutable escrow;
    OperatorStaking public immutable staking;
    address public immutable arbiter;

    address[REQUESTERS] public requesters;
    address[PROVIDERS] public providers;
    uint256[] public jobIds;

    uint256 public ghostEscrowedWei;
    uint256 public ghostPaidWei;
    uint256 public ghostRefundedWei;
    uint256 public ghostFeesWei;
    uint256 public ghostOpenWei;
    uint256 public ghostWithdrawnWei;
    uint256 public ghostDoubleSettlements;
    mapping(uint256 jobId => bool) public settled;

    constructor(ComputeEscrow escrow_, OperatorStaking staking_, address arbiter_) {
        escrow = escrow_;
        staking = staking_;
        arbiter = arbiter_;
        for (uint256 i; i < REQUESTERS; ++i) requesters[i] = vm.addr(0xC000 + i);
        for (uint256 i; i < PROVIDERS; ++i) providers[i] = vm.addr(0xD000 + i);
    }

    /// @notice Stakes the providers and publishes their offers; called once from setUp.
    function onboardProviders() external {
        for (uint256 i; i < PROVIDERS; ++i) {
            vm.deal(providers[i], 20 ether);
            vm.startPrank(providers[i]);
            staking.stake{value: 20 ether}(COMPUTE);
            escrow.setOffer(
                IComputeEscrow.Offer({
                    gpuModel: bytes8("H100SXM"),
                    gpuCount: 8,
                    memoryGiB: 80,
                    unit: IComputeEscrow.PriceUnit.Wei,
                    pricePerGpuHour: 1e15
                })
            );
            vm.stopPrank();
        }
    }

    function post(uint256 requesterSeed, uint256 amountWei, uint256 startInSeconds) external {
        address requester = requesters[requesterSeed % REQUESTERS];
        amountWei = bound(amountWei, 1, 100 ether);
        startInSeconds = bound(startInSeconds, 1, 3_000);
        vm.deal(requester, amountWei);
        vm.prank(requester);
        uint256 id = escrow.postJob{value: amountWei}(
            _request(uint32(block.timestamp + startInSeconds)),
            address(0),
            amountWei
        );
        jobIds.push(id);
        ghostEscrowedWei += amountWei;
        ghostOpenWei += amountWei;
    }

    function claim(uint256 jobSeed, uint256 providerSeed) external {
        uint256 id = _job(jobSeed);
        if (id == 0) return;
        vm.prank(providers[providerSeed % PROVIDERS]);
        try escrow.claim(id) {} catch {}
    }

    function start(uint256 jobSeed) external {
        uint256 id = _job(jobSeed);
        if (id == 0) return;
        vm.prank(escrow.jobOf(id).provider);
        try escrow.start(id) {} catch {}
    }

    function submit(uint256 jobSeed, bytes32 resultHash) external {
        uint256 id = _job(jobSeed);
        if (id == 0 || resultHash == bytes32(0)) return;
        vm.prank(escrow.jobOf(id).provider);
        try escrow.submitResult(id, resultHash, "ipfs://result") {} catch {}
    }

    function accept(uint256 jobSeed) external {
        uint256 id = _job(jobSeed);
        if (id == 0) return;
        vm.prank(escrow.jobOf(id).requester);
        try escrow.accept(id) {
            _settled(id);
        } catch {}
    }

    function dispute(uint256 jobSeed) external {
        uint256 id = _job(jobSeed);
        if (id == 0) return;
        vm.prank(escrow.jobOf(id).requester);
        try escrow.dispute(id, keccak256("wrong")) {} catch {}
    }

    function resolve(uint256 jobSeed, bool providerWins) external {
        uint256 id = _job(jobSeed);
        if (id == 0) return;
        vm.prank(arbiter);
        try escrow.resolveDispute(id, providerWins) {
            _settled(id);
        } catch {}
    }

    function cancel(uint256 jobSeed) external {
        uint256 id = _job(jobSeed);
        if (id == 0) return;
        vm.prank(escrow.jobOf(id).requester);
        try escrow.cancel(id) {
            _settled(id);
        } catch {}
    }

    function finalize(uint256 jobSeed) external {
        uint256 id = _job(jobSeed);
        if (id == 0) return;
        try escrow.finalize(id) {
            _settled(id);
        } catch {}
    }

    function processExpired(uint256 fromSeed) external {
        uint256 n = jobIds.length;
        if (n == 0) return;
        uint256 from = fromSeed % n;
        uint256 len = n - from < 10 ? n - from : 10;
        uint256[] memory ids = new uint256[](len);
        bool[] memory wasFinal = new bool[](len);
        for (uint256 i; i < len; ++i) {
            ids[i] = jobIds[from + i];
            wasFinal[i] = _isFinal(ids[i]);
        }
        escrow.processExpired(ids);
        for (uint256 i; i < len; ++i) if (!wasFinal[i] && _isFinal(ids[i])) _settled(ids[i]);
    }

    function withdraw(uint256 accountSeed) external {
        uint256 k = accountSeed % (REQUESTERS + PROVIDERS);
        address account = k < REQUESTERS ? requesters[k] : providers[k - REQUESTERS];
        uint256 owed = escrow.creditOf(account, address(0));
        if (owed == 0) return;
        vm.prank(account);
        escrow.withdraw(address(0));
        ghostWithdrawnWei += owed;
    }

    function warp(uint256 bySeconds) external {
        vm.warp(block.timestamp + bound(bySeconds, 1, 2_000));
    }

    function jobCount() external view returns (uint256) {
        return jobIds.length;
    }

    function _settled(uint256 id) private {
        if (settled[id]) {
            ++ghostDoubleSettlements;
            return;
        }
        settled[id] = true;
        IComputeEscrow.Job memory job = escrow.jobOf(id);
        ghostOpenWei -= job.amount;
        if (job.status == IComputeEscrow.JobStatus.Paid) {
            uint256 fee = (uint256(job.amount) * job.feeBps) / 10_000;
            ghostFeesWei += fee;
            ghostPaidWei += job.amount - fee;
        } else {
            ghostRefundedWei += job.amount;
        }
    }

    function _isFinal(uint256 id) private view returns (bool) {
        IComputeEscrow.JobStatus s = escrow.jobOf(id).status;
        return s == IComputeEscrow.JobStatus.Paid || s == IComputeEscrow.JobStatus.Refunded;
    }

    function _job(uint256 seed) private view returns (uint256) {
        uint256 n = jobIds.length;
        return n == 0 ? 0 : jobIds[n - 1 - (seed % (n < 6 ? n : 6))];
    }

    function _request(uint32 startDeadline) private pure returns (IComputeEscrow.JobRequest memory) {
        return
            IComputeEscrow.JobRequest({
                specHash: keccak256("spec"),
                specURI: "oci://axon/job",
                inputURI: "ipfs://input",
                gpuModel: bytes8("H100SXM"),
                gpuCount: 1,
                memoryGiB: 40,
                maxDurationSeconds: MAX_DURATION,
                startDeadline: startDeadline,
                provider: address(0),
                mode: IComputeEscrow.VerificationMode.Acceptance,
                redundancy: 0,
                bondWei: uint112(BOND_WEI)
            });
    }
}

contract ComputeEscrowInvariants is StdInvariant {
    ComputeEscrow internal escrow;
    OperatorStaking internal staking;
    ComputeEscrowHandler internal handler;

    function setUp() public {
        Treasury treasuryImpl = new Treasury();
        Treasury treasury = Treasury(
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
        bytes32 compute = keccak256("axon.service.compute");
        staking.setService(compute, 2 ether, 7 days, true);
        IComputeEscrow.Settings memory settings = IComputeEscrow.Settings({
            protocolFeeBps: 250,
            slashBeneficiaryBps: 5_000,
            challengeWindowSeconds: 3_600,
            arbitrationWindowSeconds: 86_400,
            minBondWei: 0.1 ether
        });
        ComputeEscrow escrowImpl = new ComputeEscrow();
        escrow = ComputeEscrow(
            address(
                new ERC1967Proxy(
                    address(escrowImpl),
                    abi.encodeCall(
                        ComputeEscrow.initialize,
                        (address(this), 2 days, staking, address(treasury), settings)
                    )
                )
            )
        );
        staking.setModule(compute, address(escrow), true);
        address arbiter = vm.addr(0xE000);
        escrow.grantRole(escrow.ARBITER_ROLE(), arbiter);
        handler = new ComputeEscrowHandler(escrow, staking, arbiter);
        handler.onboardProviders();

        bytes4[] memory selectors = new bytes4[](12);
        selectors[0] = ComputeEscrowHandler.post.selector;
        selectors[1] = ComputeEscrowHandler.claim.selector;
        selectors[2] = ComputeEscrowHandler.start.selector;
        selectors[3] = ComputeEscrowHandler.submit.selector;
        selectors[4] = ComputeEscrowHandler.accept.selector;
        selectors[5] = ComputeEscrowHandler.dispute.selector;
        selectors[6] = ComputeEscrowHandler.resolve.selector;
        selectors[7] = ComputeEscrowHandler.cancel.selector;
        selectors[8] = ComputeEscrowHandler.finalize.selector;
        selectors[9] = ComputeEscrowHandler.processExpired.selector;
        selectors[10] = ComputeEscrowHandler.withdraw.selector;
        selectors[11] = ComputeEscrowHandler.warp.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
        targetContract(address(handler));
    }

    /// @notice paid + refunded + fees + still-open escrow = everything ever escrowed.
    function invariant_conservation() public view {
        vm.assertEq(
            handler.ghostPaidWei() + handler.ghostRefundedWei() + handler.ghostFeesWei() + handler.ghostOpenWei(),
            handler.ghostEscrowedWei(),
            "paid + refunded + fees + open = escrowed"
        );
    }

    /// @notice The escrow holds exactly the open escrows, the unwithdrawn credits and the unswept fees.
    function invariant_balanceCoversEveryClaim() public view {
        uint256 credits = handler.ghostPaidWei() + handler.ghostRefundedWei() - handler.ghostWithdrawnWei();
        vm.assertEq(
            address(escrow).balance,
            handler.ghostOpenWei() + credits + escrow.feesAccrued(address(0)),
            "balance = open + credits + fees"
        );
        vm.assertEq(escrow.feesAccrued(address(0)), handler.ghostFeesWei(), "fees accrued");
    }

    /// @notice A job is settled once: paid or refunded, never both.
    function invariant_settlesOnce() public view {
        vm.assertEq(handler.ghostDoubleSettlements(), 0, "a job settled twice");
    }
}
