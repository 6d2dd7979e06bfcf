import { ethers } from "hardhat";
import type { Signer } from "ethers";
import type { CollectionCampaigns } from "../../../typechain-types";

/** The EIP-712 signature of `contributor` over a submission of `contentHash` to `campaignId`. */
export async function signSubmission(
  campaigns: CollectionCampaigns,
  contributor: Signer,
  campaignId: bigint | number,
  contentHash: string,
): Promise<string> {
  const { chainId } = await ethers.provider.getNetwork();
  return contributor.signTypedData(
    { name: "Axon CollectionCampaigns", version: "1", chainId, verifyingContract: await campaigns.getAddress() },
    {
      Submission: [
        { name: "campaignId", type: "uint256" },
        { name: "contentHash", type: "bytes32" },
        { name: "contributor", type: "address" },
      ],
    },
    { campaignId, contentHash, contributor: await contributor.getAddress() },
  );
}

/** The content hash of the `i`-th collected item. */
export const itemHash = (i: number | string) => ethers.id(`collected item ${i}`);
