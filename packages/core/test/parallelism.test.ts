import { describe, expect, it } from "vitest";
import { chooseParallelism } from "../src/estimator/parallelism";

const MIB = 1024 ** 2;
// 10 GiB of weights and training state, 2 GiB of activations, 1 GiB of overhead: 13 GiB, 14.3 GiB with the margin.
const estimate = {
  vramBytes: {
    weights: 4096 * MIB,
    trainableParams: 2048 * MIB,
    gradients: 2048 * MIB,
    optimizerState: 2048 * MIB,
    activations: 2048 * MIB,
    overhead: 1024 * MIB,
    total: 13 * 1024 * MIB,
  },
};

describe("chooseParallelism", () => {
  it("keeps DDP when the job fits one GPU, and asks each GPU for the whole need", () => {
    const c = chooseParallelism(2, estimate, 24 * 1024);
    expect(c).toMatchObject({ parallelism: "ddp", perGpuVramMb: Math.ceil(13 * 1024 * 1.1) });
  });

  it("shards with FSDP when it does not: weights and training state split, activations and overhead not", () => {
    const c = chooseParallelism(4, estimate, 12 * 1024);
    expect(c.parallelism).toBe("fsdp");
    expect(c.perGpuVramMb).toBe(Math.ceil(((10 * 1024) / 4 + 3 * 1024) * 1.1));
    expect(c.reason).toContain("fully sharded (FSDP) over 4");
  });

  it("one GPU, or no estimate: DDP", () => {
    expect(chooseParallelism(1, estimate, 12 * 1024).parallelism).toBe("ddp");
    expect(chooseParallelism(4, null, 12 * 1024)).toMatchObject({ parallelism: "ddp", perGpuVramMb: 0 });
  });
});
