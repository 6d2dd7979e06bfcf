import { formatEther, parseEther, toUtf8Bytes, zeroPadBytes } from "ethers";
import type { DemoPart } from "./context";

const gpu = (name: string) => zeroPadBytes(toUtf8Bytes(name), 8);

/** A GPU provider takes two jobs: one accepted and paid, one disputed, lost and slashed. */
export const computeSteps: DemoPart = {
  count: 2,
  async run({ hre, narrator, deployment, actors, balances }) {
    const { ethers } = hre;
    const { escrow, staking, services } = deployment;
    const { computeRequester: requester, gpuProvider: provider, arbiter, admin } = actors;

    const job = async () => {
      const now = (await ethers.provider.getBlock("latest"))!.timestamp;
      return {
        specHash: ethers.id("spec: fine-tune mnist-mlp"),
        specURI: "oci://ghcr.io/axon/mnist-train@sha256:5d1c4f0b",
        inputURI: "ipfs://axon-demo/mnist-labelled.json",
        gpuModel: gpu("H100SXM"),
        gpuCount: 1,
        memoryGiB: 40,
        maxDurationSeconds: 7_200,
        startDeadline: now + 3_600,
        provider: ethers.ZeroAddress,
        mode: 0,
        redundancy: 0,
        bondWei: parseEther("0.5"),
      };
    };
    const post = async (label: string, amount: bigint) => {
      const receipt = await narrator.tx(
        label,
        escrow.connect(requester).postJob(await job(), ethers.ZeroAddress, amount, { value: amount }),
      );
      const ev = receipt.logs.map((l) => escrow.interface.parseLog(l)).find((e) => e?.name === "JobPosted");
      return ev!.args.jobId as bigint;
    };

    await narrator.step("A compute job runs its lifecycle: claim, start, submit, accept, pay", async () => {
      await narrator.tx(
        "GPU provider stakes 5 ETH for the compute service",
        staking.connect(provider).stake(services.compute, { value: parseEther("5") }),
      );
      await narrator.tx(
        "provider publishes an 8xH100 offer at 0.001 ETH per GPU-hour",
        escrow.connect(provider).setOffer({
          gpuModel: gpu("H100SXM"),
          gpuCount: 8,
          memoryGiB: 80,
          unit: 0,
          pricePerGpuHour: parseEther("0.001"),
        }),
      );
      const id = await post("requester escrows 0.2 ETH for a fine-tuning job", parseEther("0.2"));
      await narrator.tx("provider claims it (0.5 ETH of stake locked as bond)", escrow.connect(provider).claim(id));
      await narrator.tx("provider starts it", escrow.connect(provider).start(id));
      await narrator.tx(
        "provider submits the result hash",
        escrow.connect(provider).submitResult(id, ethers.id("weights v2"), "ipfs://axon-demo/mnist-mlp-v2.onnx"),
      );
      await narrator.tx("requester accepts: provider paid, bond released", escrow.connect(requester).accept(id));
      narrator.say(`provider credit ${formatEther(await escrow.creditOf(provider.address, ethers.ZeroAddress))} ETH`);
    });

    await narrator.step("A disputed job: the arbiter rules for the requester and the provider is slashed", async () => {
      const arbiterRole = await escrow.ARBITER_ROLE();
      if (!(await escrow.hasRole(arbiterRole, arbiter.address)))
        await narrator.tx("admin appoints an arbiter", escrow.connect(admin).grantRole(arbiterRole, arbiter.address));
      const id = await post("requester escrows 0.3 ETH for a second job", parseEther("0.3"));
      await narrator.tx("provider claims it", escrow.connect(provider).claim(id));
      await narrator.tx("provider starts it", escrow.connect(provider).start(id));
      await narrator.tx(
        "provider submits a result that does not meet the spec",
        escrow.connect(provider).submitResult(id, ethers.id("garbage"), "ipfs://axon-demo/garbage"),
      );
      await narrator.tx(
        "requester disputes within the challenge window",
        escrow.connect(requester).dispute(id, ethers.id("eval accuracy 9% on the held-out set")),
      );
      const before = (await staking.stakeOf(provider.address, services.compute)).activeWei;
      await narrator.tx("arbiter rules for the requester", escrow.connect(arbiter).resolveDispute(id, false));
      const after = (await staking.stakeOf(provider.address, services.compute)).activeWei;
      narrator.say(`provider slashed ${formatEther(before - after)} ETH; requester refunded`);
      narrator.say(`requester credit ${formatEther(await escrow.creditOf(requester.address, ethers.ZeroAddress))} ETH`);
      await narrator.tx("requester withdraws", escrow.connect(requester).withdraw(ethers.ZeroAddress));
    });

    balances.push({
      name: "ComputeEscrow",
      values: { ETH: formatEther(await ethers.provider.getBalance(await escrow.getAddress())) },
    });
  },
};
