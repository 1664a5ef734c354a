-- CreateTable
CREATE TABLE "MergeJob" (
    "id" TEXT NOT NULL,
    "jobId" TEXT NOT NULL,
    "state" "JobState" NOT NULL DEFAULT 'queued',
    "runnerName" TEXT,
    "lastRunnerName" TEXT,
    "attempt" INTEGER NOT NULL DEFAULT 0,
    "error" TEXT,
    "stepsDone" INTEGER NOT NULL DEFAULT 0,
    "stepsTotal" INTEGER,
    "enqueuedAt" TIMESTAMP(3),
    "startedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "MergeJob_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "MergeJob_jobId_createdAt_idx" ON "MergeJob"("jobId", "createdAt");

-- CreateIndex
CREATE INDEX "MergeJob_state_idx" ON "MergeJob"("state");

-- AddForeignKey
ALTER TABLE "MergeJob" ADD CONSTRAINT "MergeJob_jobId_fkey" FOREIGN KEY ("jobId") REFERENCES "FineTuneJob"("id") ON DELETE CASCADE ON UPDATE CASCADE;

