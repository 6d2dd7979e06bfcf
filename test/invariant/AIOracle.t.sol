// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC1967Proxy} from "@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol";
import {AIOracle} from "../../contracts/oracle/AIOracle.sol";
import {IAIOracle, AIOracleCodes} from "../../contracts/oracle/interfaces/IAIOracle.sol";
import {ModelRegistry} from "../../contracts/models/ModelRegistry.sol";
import {IModelRegistry} from "../../contracts/models/interfaces/IModelRegistry.sol";
import {OperatorStaking} from "../../contracts/staking/OperatorStaking.sol";
import {Treasury} from "../../contracts/common/Treasury.sol";
import {StoringConsumer} from "../../contracts/mocks/oracle/OracleConsumerMocks.sol";
import {StdInvariant} from "./StdInvariant.sol";
import {VmBase} from "./Vm.sol";

/// @notice The log-recording cheatcodes this suite needs on top of the shared Vm interface.
interface VmLogs {
    struct Log {
        bytes32[] topics;
        bytes data;
        address emitter;
    }

    function recordLogs() external;

    function getRecordedLogs() external returns (Log[] memory);
}

/// @notice Drives the AIOracle as requester, two staked nodes and anyone (refunds, payouts), keeping ghost sums of
/// every wei paid in and out and of the fees still escrowed by open requests.
contract AIOracleHandler is VmBase {
    VmLogs internal constant logs = VmLogs(address(uint160(uint256(keccak256("hevm cheat code")))));
    uint256 public constant NODES = 2;

    AIOracle public immutable oracle;
    address public immutable consumer;
    address public immutable requester;
    address[NODES] public nodes;

    IAIOracle.Request[] internal _requests;
    uint256[] public requestIds;
    mapping(uint256 requestId => bool) public settled;
    mapping(uint256 requestId => uint256) public settlements;
    /// @dev The terminal state each settled request reached (FULFILLED or REFUNDED), as read right after settling.
    mapping(uint256 requestId => uint8) public settledState;

    uint256 public ghostPaidInWei;
    uint256 public ghostOpenWei;
    uint256 public ghostWithdrawnWei;
    uint256 public ghostSweptWei;
    uint256 public ghostDoubleSettlements;
    uint256 public ghostLapJumps;

    /// @dev AIOracleStorage's ERC-7201 namespace + 19: the hot slot, whose low 64 bits are the request count.
    bytes32 internal constant HOT_SLOT = bytes32(
        uint256(0x644d4b16682ca8ec79740f08bf7a056ce84d41a9a4f9d2dbabd06963a33ee900) + 19
    );
    uint256 internal constant RING_SIZE = 4096;

    constructor(AIOracle oracle_, address consumer_, address[NODES] memory nodes_) {
        oracle = oracle_;
        consumer = consumer_;
        requester = vm.addr(0xC0FFEE);
        nodes = nodes_;
    }

    function request(bool quorum, uint256 gasSeed, uint256 inputSeed) external {
        uint256 modelId = quorum ? 2 : 1;
        uint32 gasLimit = uint32(bound(gasSeed, 30_000, 200_000));
        uint256 fee = oracle.quote(modelId, gasLimit);
        vm.deal(requester, fee);
        logs.recordLogs();
        vm.prank(requester);
        uint256 id = oracle.request{value: fee}(modelId, abi.encode(inputSeed), consumer, gasLimit, "");
        VmLogs.Log[] memory entries = logs.getRecordedLogs();
        for (uint256 i; i < entries.length; ++i) {
            if (entries[i].topics[0] == IAIOracle.RequestCreated.selector) {
                (IAIOracle.Request memory r, ) = abi.decode(entries[i].data, (IAIOracle.Request, bytes));
                _requests.push(r);
                requestIds.push(id);
            }
        }
        ghostPaidInWei += fee;
        ghostOpenWei += fee;
    }

    function fulfil(uint256 pick, uint256 nodeSeed, bool errorResult, bool wrongOutput) external {
        if (requestIds.length == 0) return;
        uint256 k = pick % requestIds.length;
        uint256 id = requestIds[k];
        IAIOracle.Request memory r = _requests[k];
        address node = nodes[nodeSeed % NODES];
        bytes memory output = abi.encode(wrongOutput ? keccak256("wrong") : keccak256("right"));
        vm.prank(node);
        try oracle.fulfil(id, r, output, errorResult ? AIOracleCodes.ERROR_INFERENCE_FAILED : 0) {
            _afterSettlingCall(id);
        } catch {}
    }

    function refund(uint256 pick) external {
        if (requestIds.length == 0) return;
        uint256 k = pick % requestIds.length;
        try oracle.refund(requestIds[k], _requests[k]) {
            _afterSettlingCall(requestIds[k]);
        } catch {}
    }

    function withdraw(uint256 who) external {
        address account = who % 3 == 2 ? requester : nodes[who % NODES];
        uint256 credit = oracle.creditOf(account);
        if (credit == 0) return;
        vm.prank(account);
        oracle.withdrawCredit();
        ghostWithdrawnWei += credit;
    }

    function sweep() external {
        uint256 fees = oracle.protocolFeesWei();
        if (fees == 0) return;
        oracle.sweepProtocolFees();
        ghostSweptWei += fees;
    }

    /// @dev Moves the request count to a later lap of the commitment ring so that the next request gets the ring index
    /// of an earlier one: it reuses that slot when the earlier request is settled, or is stored beside it while open.
    function jumpLap(uint256 pick) external {
        if (requestIds.length == 0) return;
        uint256 hot = uint256(vm.load(address(oracle), HOT_SLOT));
        uint256 count = uint64(hot);
        uint256 index = requestIds[pick % requestIds.length] % RING_SIZE;
        uint256 next = ((count / RING_SIZE) + 1) * RING_SIZE + index;
        vm.store(address(oracle), HOT_SLOT, bytes32((hot & ~uint256(type(uint64).max)) | (next - 1)));
        ghostLapJumps += 1;
    }

    function warp(uint256 secondsSeed) external {
        vm.warp(block.timestamp + bound(secondsSeed, 1, 2 hours));
    }

    function requestCount() external view returns (uint256) {
        return requestIds.length;
    }

    function requestAt(uint256 k) external view returns (IAIOracle.Request memory) {
        return _requests[k];
    }

    /// @dev A fulfil or refund that made the request terminal settles its whole escrow exactly once.
    function _afterSettlingCall(uint256 id) private {
        (uint8 state, ) = oracle.requestState(id);
        if (state != AIOracleCodes.STATE_FULFILLED && state != AIOracleCodes.STATE_REFUNDED) return;
        settlements[id] += 1;
        if (settled[id]) {
            ghostDoubleSettlements += 1;
            return;
        }
        settled[id] = true;
        settledState[id] = state;
        uint256 k;
        while (requestIds[k] != id) ++k;
        ghostOpenWei -= _paidWei(_requests[k]);
    }

    /// @dev The whole fee a request paid, decoded from its packed words (`AIOracleRequests`).
    function _paidWei(IAIOracle.Request memory r) internal pure returns (uint256) {
        uint256 sharesWei = (r.receiverFee >> 160) + uint96(r.fees) + uint96(r.fees >> 96);
        return sharesWei + (sharesWei * uint16(r.fees >> 192)) / 10_000;
    }
}

/// @notice Invariants of the AIOracle under random requests, fulfilments (None and Quorum), refunds and payouts, with
/// request ids jumping laps of the commitment ring (reused slots, and requests stored beside an open one).
contract AIOracleInvariants is StdInvariant {
    AIOracle internal oracle;
    AIOracleHandler internal handler;
    address[2] internal nodes;

    function setUp() public {
        Treasury treasury = Treasury(
            payable(
                new ERC1967Proxy(address(new Treasury()), abi.encodeCall(Treasury.initialize, (address(this), 2 days)))
            )
        );
        OperatorStaking staking = OperatorStaking(
            address(
                new ERC1967Proxy(
                    address(new OperatorStaking()),
                    abi.encodeCall(OperatorStaking.initialize, (address(this), 2 days, address(treasury)))
                )
            )
        );
        bytes32 service = keccak256("axon.service.oracle");
        staking.setService(service, 1 ether, 7 days, true);
        ModelRegistry registry = ModelRegistry(
            address(
                new ERC1967Proxy(
                    address(new ModelRegistry()),
                    abi.encodeCall(ModelRegistry.initialize, (address(this), 2 days, address(staking)))
                )
            )
        );
        oracle = AIOracle(
            address(
                new ERC1967Proxy(
                    address(new AIOracle()),
                    abi.encodeCall(
                        AIOracle.initialize,
                        (
                            address(this),
                            2 days,
                            address(registry),
                            address(treasury),
                            IAIOracle.FeeConfig({
                                nodeFeeWei: 0.002 ether,
                                protocolFeeBps: 500,
                                minGasPriceWei: 1 gwei,
                                maxGasPriceWei: 100 gwei
                            }),
                            IAIOracle.Config({
                                maxInputBytes: 16_384,
                                maxOutputBytes: 16_384,
                                maxCallbackGasLimit: 2_000_000,
                                requestTimeoutSeconds: 3600,
                                gracePeriodSeconds: 300,
                                challengeResolutionSeconds: 1 days,
                                dissentSlashWei: 0.1 ether
                            })
                        )
                    )
                )
            )
        );
        staking.setModule(service, address(oracle), true);
        for (uint256 i; i < 2; ++i) {
            nodes[i] = vm.addr(0xD000 + i);
            vm.deal(nodes[i], 5 ether);
            vm.prank(nodes[i]);
            staking.stake{value: 5 ether}(service);
        }
        registry.registerModel(
            keccak256("model"),
            "ipfs://none",
            0.01 ether,
            IModelRegistry.Verification({mode: 0, quorumK: 0, quorumN: 0, challengeWindowSeconds: 0, bondWei: 0})
        );
        registry.registerModel(
            keccak256("model"),
            "ipfs://quorum",
            0.01 ether,
            IModelRegistry.Verification({mode: 1, quorumK: 2, quorumN: 2, challengeWindowSeconds: 0, bondWei: 0})
        );
        for (uint256 m = 1; m <= 2; ++m) {
            for (uint256 i; i < 2; ++i) registry.addNode(m, nodes[i]);
        }
        handler = new AIOracleHandler(oracle, address(new StoringConsumer()), nodes);

        bytes4[] memory selectors = new bytes4[](7);
        selectors[0] = AIOracleHandler.request.selector;
        selectors[1] = AIOracleHandler.fulfil.selector;
        selectors[2] = AIOracleHandler.refund.selector;
        selectors[3] = AIOracleHandler.withdraw.selector;
        selectors[4] = AIOracleHandler.sweep.selector;
        selectors[5] = AIOracleHandler.warp.selector;
        selectors[6] = AIOracleHandler.jumpLap.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
        targetContract(address(handler));
    }

    /// @notice Contract balance = fees of open requests + unclaimed credits + unswept protocol fees.
    function invariant_balanceEqualsOpenFeesPlusCredits() public view {
        // This suite registered the models, so it is their revenue receiver.
        uint256 credits = oracle.creditOf(handler.requester()) + oracle.creditOf(address(this));
        for (uint256 i; i < 2; ++i) credits += oracle.creditOf(nodes[i]);
        vm.assertEq(
            address(oracle).balance,
            handler.ghostOpenWei() + credits + oracle.protocolFeesWei(),
            "balance = open fees + credits + protocol fees"
        );
    }

    /// @notice Every wei paid in is still held, was withdrawn, or was swept to the Treasury.
    function invariant_everyWeiAccounted() public view {
        vm.assertEq(
            handler.ghostPaidInWei(),
            address(oracle).balance + handler.ghostWithdrawnWei() + handler.ghostSweptWei(),
            "paid in = held + withdrawn + swept"
        );
    }

    /// @notice A request settles at most once, and an open request's state is one of the open states.
    function invariant_settlesOnce() public view {
        vm.assertEq(handler.ghostDoubleSettlements(), 0, "no request settles twice");
        uint256 n = handler.requestCount();
        for (uint256 k; k < n; ++k) {
            uint256 id = handler.requestIds(k);
            (uint8 state, ) = oracle.requestState(id);
            bool terminal = state == AIOracleCodes.STATE_FULFILLED || state == AIOracleCodes.STATE_REFUNDED;
            vm.assertEq(terminal, handler.settled(id), "terminal iff settled");
            // A settled request keeps the state it settled in, even after a later lap reused its ring slot.
            if (terminal) vm.assertEq(state, handler.settledState(id), "settled state kept");
        }
    }
}
