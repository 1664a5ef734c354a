import { SCORE_WORK } from "../active-learning/work/score-work";
import { SIMULATE_WORK } from "../active-learning/work/simulate-work";
import { AUGMENT_WORK } from "../augmentations/augment-work";
import { MERGE_WORK } from "../jobs/merge-work";
import type { WorkKind, WorkKindSpec } from "./work-kinds";

const REGISTRY: Record<WorkKind, WorkKindSpec> = {
  score: SCORE_WORK,
  simulate: SIMULATE_WORK,
  augment: AUGMENT_WORK,
  merge: MERGE_WORK,
};

export const workKind = (kind: WorkKind): WorkKindSpec => REGISTRY[kind];
