export * from "./estimate-job";
export * from "./gpus";
export * from "./models";
export * from "./parallelism";
