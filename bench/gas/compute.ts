import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { GasRecorder } from "../lib";
import {
  deployComputeFixture,
  ETH,
  jobRequest,
  PAYMENT,
  postedJobId,
  type ComputeFixture,
} from "../../test/compute/fixture";

// Gas of one job's lifecycle (post, claim, start, submit, accept) with 1 and with 1,000 open jobs on the escrow.
// Steady state for both: the provider already holds a bond on another job and has an unwithdrawn credit, and the
// ETH fee pot is non-zero, so no figure includes a one-off zero-to-non-zero write outside the job itself. The
// one-off costs are recorded separately (claim.firstBond, accept.firstCredit).
async function lifecycle(f: ComputeFixture, gas: GasRecorder, suffix: string) {
  const { escrow, requester, provider } = f;
  const postTx = await escrow.connect(requester).postJob(await jobRequest(), ETH, PAYMENT, { value: PAYMENT });
  await gas.record(`post.${suffix}`, postTx);
  const id = await postedJobId(escrow, postTx);
  await gas.record(`claim.${suffix}`, await escrow.connect(provider).claim(id));
  await gas.record(`start.${suffix}`, await escrow.connect(provider).start(id));
  await gas.record(
    `submit.${suffix}`,
    await escrow.connect(provider).submitResult(id, ethers.id(`result ${suffix}`), "ipfs://bafkreiresult"),
  );
  await gas.record(`accept.${suffix}`, await escrow.connect(requester).accept(id));
}

async function postOpenJobs(f: ComputeFixture, count: number) {
  const request = await jobRequest({ startDeadline: (await time.latest()) + 20 * 24 * 3600 });
  for (let i = 0; i < count; i++) {
    await f.escrow.connect(f.requester2).postJob(request, ETH, PAYMENT, { value: PAYMENT });
  }
}

export default async function (gas: GasRecorder) {
  const f = await deployComputeFixture();
  const { escrow, requester, provider, provider2 } = f;

  // One-off costs: a provider's first bond and first credit.
  let id = await postedJobId(
    escrow,
    await escrow.connect(requester).postJob(await jobRequest(), ETH, PAYMENT, { value: PAYMENT }),
  );
  await gas.record("claim.firstBond", await escrow.connect(provider2).claim(id));
  await escrow.connect(provider2).start(id);
  await escrow.connect(provider2).submitResult(id, ethers.id("warm-up"), "ipfs://warm-up");
  await gas.record("accept.firstCredit", await escrow.connect(requester).accept(id));

  // Steady state: the provider holds a bond on one open job and has a credit.
  id = await postedJobId(
    escrow,
    await escrow
      .connect(requester)
      .postJob(await jobRequest({ startDeadline: (await time.latest()) + 20 * 24 * 3600 }), ETH, PAYMENT, {
        value: PAYMENT,
      }),
  );
  await escrow.connect(provider).claim(id);
  id = await postedJobId(
    escrow,
    await escrow.connect(requester).postJob(await jobRequest(), ETH, PAYMENT, { value: PAYMENT }),
  );
  await escrow.connect(provider).claim(id);
  await escrow.connect(provider).start(id);
  await escrow.connect(provider).submitResult(id, ethers.id("warm-up"), "ipfs://warm-up");
  await escrow.connect(requester).accept(id);

  // 1 open job (the provider's held job), then 1,000 (999 more posted by another requester).
  await lifecycle(f, gas, "open1");
  await postOpenJobs(f, 999);
  await lifecycle(f, gas, "open1000");

  const usdRequest = await jobRequest();
  const [quoteWei] = await escrow.usdCentsToWei(50_00);
  await gas.record("postUsd", await escrow.connect(requester).postJobUsd(usdRequest, 50_00, { value: quoteWei + 1n }));
}
