export * from "./job-spec";
export * from "./job-state";
export * from "./dataset-format";
