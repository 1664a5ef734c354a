import { SCORE_WORK } from "./score-work";
import { SIMULATE_WORK } from "./simulate-work";
import type { WorkKind, WorkKindSpec } from "./work-kinds";

const REGISTRY: Record<WorkKind, WorkKindSpec> = { score: SCORE_WORK, simulate: SIMULATE_WORK };

export const workKind = (kind: WorkKind): WorkKindSpec => REGISTRY[kind];
