export * from "./job-spec";
export * from "./hyperparameter-fields";
export * from "./job-state";
export * from "./dataset-format";
export type { DatasetProfile } from "./datasets/profile-types";
export * from "./datasets";
export * from "./estimator";
