// Hardhat tasks, one module per domain; each registers its tasks on import (`npx hardhat --help` lists them).
import "./operator";
import "./treasury";
