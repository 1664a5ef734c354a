export * from "./names";
export * from "./training-job";
export * from "./events";
