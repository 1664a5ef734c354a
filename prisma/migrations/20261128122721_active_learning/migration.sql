-- CreateEnum
CREATE TYPE "ActiveLearningTask" AS ENUM ('classification', 'sft');

-- CreateEnum
CREATE TYPE "ActiveLearningItemStatus" AS ENUM ('pending', 'assigned', 'labelled', 'skipped', 'conflict');

-- AlterTable
ALTER TABLE "FineTuneJob" ADD COLUMN     "labels" TEXT[] DEFAULT ARRAY[]::TEXT[];

-- CreateTable
CREATE TABLE "ActiveLearningProject" (
    "id" TEXT NOT NULL,
    "teamId" TEXT NOT NULL,
    "createdById" TEXT,
    "name" TEXT NOT NULL,
    "task" "ActiveLearningTask" NOT NULL,
    "labels" JSONB NOT NULL,
    "baseModelId" TEXT NOT NULL,
    "strategy" TEXT NOT NULL,
    "batchSize" INTEGER NOT NULL DEFAULT 20,
    "trainFrom" TEXT NOT NULL DEFAULT 'previous',
    "hyperparameters" JSONB NOT NULL,
    "maxCandidates" INTEGER,
    "poolVersionId" TEXT NOT NULL,
    "seedVersionId" TEXT,
    "heldOutVersionId" TEXT NOT NULL,
    "labelsDatasetId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ActiveLearningProject_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ActiveLearningRound" (
    "id" TEXT NOT NULL,
    "projectId" TEXT NOT NULL,
    "number" INTEGER NOT NULL,
    "scoringModelId" TEXT NOT NULL,
    "strategy" TEXT NOT NULL,
    "batchSize" INTEGER NOT NULL,
    "state" "JobState" NOT NULL DEFAULT 'queued',
    "error" TEXT,
    "runnerName" TEXT,
    "attempt" INTEGER NOT NULL DEFAULT 0,
    "progressDone" INTEGER NOT NULL DEFAULT 0,
    "progressTotal" INTEGER,
    "enqueuedAt" TIMESTAMP(3),
    "startedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),
    "summary" JSONB,
    "selectionKey" TEXT,
    "selectionSha256" TEXT,
    "labelledVersionId" TEXT,
    "trainJobId" TEXT,
    "evaluationId" TEXT,
    "labelCount" INTEGER,
    "createdById" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ActiveLearningRound_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ActiveLearningItem" (
    "id" TEXT NOT NULL,
    "projectId" TEXT NOT NULL,
    "roundId" TEXT NOT NULL,
    "poolRow" INTEGER NOT NULL,
    "text" TEXT NOT NULL,
    "score" DOUBLE PRECISION NOT NULL,
    "rank" INTEGER NOT NULL,
    "prediction" JSONB NOT NULL,
    "reason" TEXT NOT NULL,
    "status" "ActiveLearningItemStatus" NOT NULL DEFAULT 'pending',
    "assigneeId" TEXT,
    "assignedAt" TIMESTAMP(3),
    "value" TEXT,
    "labelledAt" TIMESTAMP(3),

    CONSTRAINT "ActiveLearningItem_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ActiveLearningLabel" (
    "id" TEXT NOT NULL,
    "itemId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ActiveLearningLabel_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ActiveLearningSimulation" (
    "id" TEXT NOT NULL,
    "projectId" TEXT NOT NULL,
    "datasetVersionId" TEXT NOT NULL,
    "strategies" TEXT[],
    "settings" JSONB NOT NULL,
    "state" "JobState" NOT NULL DEFAULT 'queued',
    "error" TEXT,
    "runnerName" TEXT,
    "attempt" INTEGER NOT NULL DEFAULT 0,
    "progressDone" INTEGER NOT NULL DEFAULT 0,
    "progressTotal" INTEGER,
    "enqueuedAt" TIMESTAMP(3),
    "startedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),
    "report" JSONB,
    "reportKey" TEXT,
    "reportSha256" TEXT,
    "createdById" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ActiveLearningSimulation_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "ActiveLearningProject_labelsDatasetId_key" ON "ActiveLearningProject"("labelsDatasetId");

-- CreateIndex
CREATE INDEX "ActiveLearningProject_teamId_createdAt_idx" ON "ActiveLearningProject"("teamId", "createdAt" DESC);

-- CreateIndex
CREATE UNIQUE INDEX "ActiveLearningProject_teamId_name_key" ON "ActiveLearningProject"("teamId", "name");

-- CreateIndex
CREATE UNIQUE INDEX "ActiveLearningRound_labelledVersionId_key" ON "ActiveLearningRound"("labelledVersionId");

-- CreateIndex
CREATE UNIQUE INDEX "ActiveLearningRound_trainJobId_key" ON "ActiveLearningRound"("trainJobId");

-- CreateIndex
CREATE UNIQUE INDEX "ActiveLearningRound_evaluationId_key" ON "ActiveLearningRound"("evaluationId");

-- CreateIndex
CREATE INDEX "ActiveLearningRound_state_createdAt_idx" ON "ActiveLearningRound"("state", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "ActiveLearningRound_projectId_number_key" ON "ActiveLearningRound"("projectId", "number");

-- CreateIndex
CREATE INDEX "ActiveLearningItem_roundId_status_rank_idx" ON "ActiveLearningItem"("roundId", "status", "rank");

-- CreateIndex
CREATE INDEX "ActiveLearningItem_projectId_status_idx" ON "ActiveLearningItem"("projectId", "status");

-- CreateIndex
CREATE UNIQUE INDEX "ActiveLearningItem_projectId_poolRow_key" ON "ActiveLearningItem"("projectId", "poolRow");

-- CreateIndex
CREATE UNIQUE INDEX "ActiveLearningLabel_itemId_userId_key" ON "ActiveLearningLabel"("itemId", "userId");

-- CreateIndex
CREATE INDEX "ActiveLearningSimulation_projectId_createdAt_idx" ON "ActiveLearningSimulation"("projectId", "createdAt" DESC);

-- CreateIndex
CREATE INDEX "ActiveLearningSimulation_state_createdAt_idx" ON "ActiveLearningSimulation"("state", "createdAt");

-- AddForeignKey
ALTER TABLE "ActiveLearningProject" ADD CONSTRAINT "ActiveLearningProject_teamId_fkey" FOREIGN KEY ("teamId") REFERENCES "Team"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ActiveLearningProject" ADD CONSTRAINT "ActiveLearningProject_baseModelId_fkey" FOREIGN KEY ("baseModelId") REFERENCES "BaseModel"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ActiveLearningProject" ADD CONSTRAINT "ActiveLearningProject_poolVersionId_fkey" FOREIGN KEY ("poolVersionId") REFERENCES "DatasetVersion"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ActiveLearningProject" ADD CONSTRAINT "ActiveLearningProject_seedVersionId_fkey" FOREIGN KEY ("seedVersionId") REFERENCES "DatasetVersion"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ActiveLearningProject" ADD CONSTRAINT "ActiveLearningProject_heldOutVersionId_fkey" FOREIGN KEY ("heldOutVersionId") REFERENCES "DatasetVersion"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ActiveLearningRound" ADD CONSTRAINT "ActiveLearningRound_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "ActiveLearningProject"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ActiveLearningRound" ADD CONSTRAINT "ActiveLearningRound_scoringModelId_fkey" FOREIGN KEY ("scoringModelId") REFERENCES "BaseModel"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ActiveLearningRound" ADD CONSTRAINT "ActiveLearningRound_labelledVersionId_fkey" FOREIGN KEY ("labelledVersionId") REFERENCES "DatasetVersion"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ActiveLearningRound" ADD CONSTRAINT "ActiveLearningRound_trainJobId_fkey" FOREIGN KEY ("trainJobId") REFERENCES "FineTuneJob"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ActiveLearningRound" ADD CONSTRAINT "ActiveLearningRound_evaluationId_fkey" FOREIGN KEY ("evaluationId") REFERENCES "Evaluation"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ActiveLearningItem" ADD CONSTRAINT "ActiveLearningItem_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "ActiveLearningProject"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ActiveLearningItem" ADD CONSTRAINT "ActiveLearningItem_roundId_fkey" FOREIGN KEY ("roundId") REFERENCES "ActiveLearningRound"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ActiveLearningLabel" ADD CONSTRAINT "ActiveLearningLabel_itemId_fkey" FOREIGN KEY ("itemId") REFERENCES "ActiveLearningItem"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ActiveLearningSimulation" ADD CONSTRAINT "ActiveLearningSimulation_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "ActiveLearningProject"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ActiveLearningSimulation" ADD CONSTRAINT "ActiveLearningSimulation_datasetVersionId_fkey" FOREIGN KEY ("datasetVersionId") REFERENCES "DatasetVersion"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

