export * from "./config";
export { Runner, type RunnerOptions, type BackendFactory, RunnerLockedError } from "./runner";
export { Store, type RequestState, type RequestRow } from "./store";
export { Metrics, MetricsServer } from "./metrics";
export { RpcPool, isTransientRpcError } from "./chain";
export { OracleReader, decodeRequestCreated, RequestStateCode } from "./oracle";
export { createLogger, Progress, type Logger } from "./log";
