-- CreateEnum
CREATE TYPE "Parallelism" AS ENUM ('ddp', 'fsdp');

-- AlterTable
ALTER TABLE "FineTuneJob" ADD COLUMN     "gpuCount" INTEGER NOT NULL DEFAULT 1,
ADD COLUMN     "parallelism" "Parallelism" NOT NULL DEFAULT 'ddp';

-- AlterTable
ALTER TABLE "Runner" ADD COLUMN     "gpuCount" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "gpusFree" INTEGER NOT NULL DEFAULT 0;

