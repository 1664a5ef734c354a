export * from "./estimate-job";
export * from "./gpus";
export * from "./models";
