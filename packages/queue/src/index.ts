export * from "./contract";
export * from "./names";
export * from "./training-job";
export * from "./job-payload";
export * from "./events";
