/**
 * Removes what killed uploads leave in blob storage — partial files and dataset blobs no version points to — once
 * they have been abandoned for `afterMs` (packages/api `sweepOrphanBlobs`), every `intervalMs`. What it has seen
 * orphan is kept in memory: a restarted worker waits the full threshold again before deleting anything.
 */
import { sweepOrphanBlobs, type OrphanSweepState } from "@whetstone/api";
import type { PrismaClient } from "@whetstone/db";
import type { BlobStorage } from "@whetstone/storage";
import type { Logger } from "./logger";

export interface StorageSweeperOptions {
  prisma: PrismaClient;
  storage: BlobStorage;
  logger: Logger;
  intervalMs: number;
  afterMs: number;
}

export class StorageSweeper {
  private readonly state: OrphanSweepState = { orphanSince: new Map() };
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;
  private stopped = false;

  constructor(private readonly o: StorageSweeperOptions) {}

  /** A pass now, then one every intervalMs, until stop(). */
  start(): void {
    if (this.timer || this.stopped) return;
    const tick = () => {
      this.running = this.runOnce()
        .catch((err: unknown) => this.o.logger.error("storage sweep failed", { err }))
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(tick, this.o.intervalMs);
        });
    };
    this.timer = setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  async runOnce() {
    const result = await sweepOrphanBlobs({ prisma: this.o.prisma, storage: this.o.storage }, this.state, {
      afterMs: this.o.afterMs,
    });
    if (result.removedUnfinished.length || result.removedOrphans.length)
      this.o.logger.info("swept storage", { ...result });
    return result;
  }
}
