-- CreateTable
CREATE TABLE "Augmentation" (
    "id" TEXT NOT NULL,
    "teamId" TEXT NOT NULL,
    "createdById" TEXT,
    "sourceVersionId" TEXT NOT NULL,
    "method" TEXT NOT NULL,
    "settings" JSONB NOT NULL,
    "state" "JobState" NOT NULL DEFAULT 'queued',
    "error" TEXT,
    "runnerName" TEXT,
    "attempt" INTEGER NOT NULL DEFAULT 0,
    "rowsDone" INTEGER NOT NULL DEFAULT 0,
    "rowsTotal" INTEGER,
    "enqueuedAt" TIMESTAMP(3),
    "startedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),
    "summary" JSONB,
    "resultVersionId" TEXT,
    "comparisonJobIds" JSONB,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Augmentation_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Augmentation_teamId_createdAt_idx" ON "Augmentation"("teamId", "createdAt" DESC);

-- CreateIndex
CREATE INDEX "Augmentation_sourceVersionId_idx" ON "Augmentation"("sourceVersionId");

-- CreateIndex
CREATE INDEX "Augmentation_state_createdAt_idx" ON "Augmentation"("state", "createdAt");

