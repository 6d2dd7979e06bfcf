import { ethers } from "hardhat";

export { ProvenanceTree, provenanceLeaf, type Generation } from "../../../tasks/provenance";

export const inputOf = (i: number) => ethers.toUtf8Bytes(`prompt #${i}: a handwritten seven`);
export const outputOf = (i: number) => ethers.toUtf8Bytes(`synthetic sample #${i}`);
