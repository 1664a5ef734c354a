export * from "./contract";
export * from "./names";
export * from "./training-job";
export * from "./evaluation-job";
export * from "./generation-job";
export * from "./active-learning-job";
export * from "./job-payload";
export * from "./events";
