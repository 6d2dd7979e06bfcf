import { join } from "node:path";

/** The committed zk:build output of the shipped Proof model. */
export const ZK_DIR = join(__dirname, "..", "..", "..", "zk", "build", "mnist14");
