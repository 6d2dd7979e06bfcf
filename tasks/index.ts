// Hardhat tasks, one module per domain; each registers its tasks on import.
export {};
