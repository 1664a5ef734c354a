/** The knobs of a simulation, with the contract's limits and defaults (packages/queue simulationJobPayloadSchema). */
import { simulationJobPayloadSchema } from "@whetstone/queue";

export const simulationSettingsSchema = simulationJobPayloadSchema.pick({
  initialSize: true,
  batchSize: true,
  rounds: true,
  seeds: true,
  heldOutFraction: true,
  maxSeqLength: true,
  seed: true,
});
