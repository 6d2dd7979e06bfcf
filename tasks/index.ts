// Hardhat tasks, one module per domain; each registers its tasks on import (`npx hardhat --help` lists them).
import "./operator";
import "./treasury";
import "./models";
import "./oracle";
import "./imo";
import "./data";
import "./bounty";
import "./compute";
import "./fhevm-prepare";
import "./errors";
import "./edge";
