import { expect } from "chai";
import { type Address, type Hex, keccak256, parseEther, toFunctionSelector, toHex } from "viem";
import { AxonError, aIOracleAbi, fulfilArgs, regionCode, regionName } from "../src/index.js";
import { type TestChain, image, testChain } from "./chain";

// Accounts past the ones the other suites use (edge.test.ts takes 10..13), funded here.
const DE_NODE = 14;
const US_NODE = 15;
const OWNER = 16;
const GAS = 200_000;
const E = (x: string) => parseEther(x);

describe("oracle.request with a region (requestInRegion) against anvil", function () {
  let c: TestChain;
  let modelId: bigint;
  let consumer: Address;
  let de: Address;
  let us: Address;

  before(async function () {
    c = await testChain();
    for (const i of [DE_NODE, US_NODE, OWNER])
      await c.rpc("anvil_setBalance", [c.account(i).address, `0x${E("100").toString(16)}`]);
    de = c.account(DE_NODE).address;
    us = c.account(US_NODE).address;
    const owner = c.axon(OWNER);
    ({ modelId } = await owner.models.register({
      weightsHash: keccak256(toHex("sdk-routing-model")),
      metadataURI: "ipfs://sdk-routing",
      feeWei: E("0.001"),
    }));
    // Two oracle operators serve the model; each is also an edge device of its region.
    for (const [i, region] of [
      [DE_NODE, "DE"],
      [US_NODE, "US"],
    ] as const) {
      const node = c.axon(i);
      await node.staking.stake("oracle", E("1"));
      await node.staking.stake("edge", E("0.1"));
      await node.edge.register(c.account(i).address, {
        region,
        hardwareClass: 1,
        models: [modelId],
        metadataURI: `ipfs://${region}`,
      });
      await owner.models.addNode(modelId, c.account(i).address);
    }
    consumer = await c.deploy("contracts/examples/DigitClassifierConsumer.sol/DigitClassifierConsumer.json", [
      c.manifest.contracts.AIOracle.address,
      modelId,
      c.account(OWNER).address,
    ]);
  });

  function request(region: string | undefined, seed: number) {
    return c
      .axon(OWNER)
      .oracle.request({ modelId, input: image(seed), callback: consumer, callbackGasLimit: GAS, region });
  }

  /** The nodes the request was assigned, from its preimage. */
  async function assigned(requestId: bigint): Promise<readonly Address[]> {
    return (await c.axon(OWNER).oracle.getRequest(requestId)).request.nodes;
  }

  it("regionCode/regionName: letters of either case or a bytes2 in, the contracts' bytes2 out", function () {
    expect(regionCode("DE")).to.equal("0x4445");
    expect(regionCode("de")).to.equal("0x4445");
    expect(regionCode("0x4445")).to.equal("0x4445");
    expect(regionCode("0x5553")).to.equal("0x5553");
    expect([regionCode("any"), regionCode("ANY"), regionCode(""), regionCode("0x0000")]).to.deep.equal(
      Array(4).fill("0x0000"),
    );
    expect(regionName(regionCode("us"))).to.equal("US");
    for (const bad of ["D", "DEU", "D1", "é€", "0x44", "0x444545", "0x6465", "0x4431", "0xzzzz"])
      expect(() => regionCode(bad), bad).to.throw(
        AxonError,
        `region must be two ASCII letters A-Z (ISO 3166-1 alpha-2, e.g. "DE" or "de"), their bytes2 (0x4445) or "any", got "${bad}"`,
      );
  });

  it("a request routed to a region is assigned that region's node, whichever node the plain walk would pick", async function () {
    const { oracle, models } = c.axon(OWNER);
    const plainFirst = new Set<Address>();
    // Consecutive request ids start the plain walk at each of the two nodes in turn.
    for (const [k, region, node, name] of [
      [0, "DE", de, "DE"],
      [1, "DE", de, "DE"],
      [2, "us", us, "US"],
      [3, "0x5553", us, "US"],
    ] as const) {
      const next = (await c.publicClient.readContract({
        address: oracle.address,
        abi: aIOracleAbi,
        functionName: "nextRequestId",
      })) as bigint;
      plainFirst.add((await models.terms(modelId, next)).nodes[0]);
      const quote = await oracle.quote(modelId, GAS);
      const res = await request(region, k);
      expect(res.requestId).to.equal(next);
      expect(res.routed).to.deep.equal({ region: name, matched: true });
      expect(await assigned(res.requestId)).to.deep.equal([node]);
      // Same fee as a plain request: the quote plus the default margin.
      expect(res.feeWei).to.equal((quote * 11_250n) / 10_000n);
    }
    expect(plainFirst).to.deep.equal(new Set([de, us])); // so at least one request was routed off its plain node
  });

  it("the region's node answers the routed request; the other node is not assigned", async function () {
    const { requestId } = await request("DE", 10);
    const created = await c.axon(OWNER).oracle.getRequest(requestId);
    const output = toHex(new Uint8Array(21));
    const wrong = await c
      .wallet(US_NODE)
      .writeContract({
        address: c.manifest.contracts.AIOracle.address as Hex,
        abi: aIOracleAbi,
        functionName: "fulfil",
        args: fulfilArgs(created, output),
      })
      .catch((e: unknown) => e);
    expect(String(wrong)).to.match(/AIOracleNotAssigned/);
    await c.publicClient.waitForTransactionReceipt({
      hash: await c.wallet(DE_NODE).writeContract({
        address: c.manifest.contracts.AIOracle.address as Hex,
        abi: aIOracleAbi,
        functionName: "fulfil",
        args: fulfilArgs(created, output),
      }),
    });
    const r = await c.axon(OWNER).oracle.waitForResult(requestId, { timeoutMs: 20_000 });
    expect(r).to.include({ status: "fulfilled", node: de, callbackSucceeded: true });
  });

  it("a region no node serves falls back to the plain assignment (matched false)", async function () {
    const { oracle, models } = c.axon(OWNER);
    const res = await request("JP", 20);
    expect(res.routed).to.deep.equal({ region: "JP", matched: false });
    expect(await assigned(res.requestId)).to.deep.equal((await models.terms(modelId, res.requestId)).nodes);
    const logs = await c.publicClient.getContractEvents({
      address: oracle.address,
      abi: aIOracleAbi,
      eventName: "RequestRouted",
      args: { requestId: res.requestId },
      fromBlock: res.receipt.blockNumber,
    });
    expect(logs.map((l) => [l.args.region, l.args.matched])).to.deep.equal([[regionCode("JP"), false]]);
  });

  it("no region or 'any' is a plain request: no RequestRouted, no `routed`", async function () {
    for (const region of [undefined, "any"]) {
      const res = await request(region, 30);
      expect(res).to.not.have.property("routed");
      expect(await assigned(res.requestId)).to.deep.equal(
        (await c.axon(OWNER).models.terms(modelId, res.requestId)).nodes,
      );
      const call = await c.publicClient.getTransaction({ hash: res.hash });
      expect(call.input.slice(0, 10)).to.equal(toFunctionSelector("request(uint256,bytes,address,uint32,bytes)"));
    }
  });

  it("a malformed region throws the clear error before anything is sent", async function () {
    const owner = c.account(OWNER).address;
    const nonce = await c.publicClient.getTransactionCount({ address: owner });
    for (const bad of ["DEU", "D1", "0x6465"]) {
      const err = await request(bad, 40).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(AxonError);
      expect((err as Error).message).to.equal(
        `region must be two ASCII letters A-Z (ISO 3166-1 alpha-2, e.g. "DE" or "de"), their bytes2 (0x4445) or "any", got "${bad}"`,
      );
    }
    expect(await c.publicClient.getTransactionCount({ address: owner })).to.equal(nonce);
  });
});
