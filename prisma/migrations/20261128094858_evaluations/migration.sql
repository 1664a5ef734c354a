-- CreateTable
CREATE TABLE "Evaluation" (
    "id" TEXT NOT NULL,
    "teamId" TEXT NOT NULL,
    "createdById" TEXT,
    "name" TEXT NOT NULL,
    "technique" "Technique" NOT NULL,
    "sourceJobId" TEXT,
    "splitKind" TEXT NOT NULL,
    "splitFraction" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "seed" INTEGER NOT NULL DEFAULT 42,
    "settings" JSONB NOT NULL,
    "state" "JobState" NOT NULL DEFAULT 'queued',
    "error" TEXT,
    "runnerName" TEXT,
    "attempt" INTEGER NOT NULL DEFAULT 0,
    "examplesDone" INTEGER NOT NULL DEFAULT 0,
    "examplesTotal" INTEGER,
    "enqueuedAt" TIMESTAMP(3),
    "startedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),
    "summary" JSONB,
    "reportKey" TEXT,
    "reportBytes" BIGINT,
    "reportSha256" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Evaluation_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "EvaluationModel" (
    "evaluationId" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "baseModelId" TEXT NOT NULL,
    "label" TEXT NOT NULL,

    CONSTRAINT "EvaluationModel_pkey" PRIMARY KEY ("evaluationId","position")
);

-- CreateTable
CREATE TABLE "EvaluationDataset" (
    "evaluationId" TEXT NOT NULL,
    "datasetVersionId" TEXT NOT NULL,

    CONSTRAINT "EvaluationDataset_pkey" PRIMARY KEY ("evaluationId","datasetVersionId")
);

-- CreateIndex
CREATE INDEX "Evaluation_teamId_createdAt_id_idx" ON "Evaluation"("teamId", "createdAt" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "Evaluation_sourceJobId_idx" ON "Evaluation"("sourceJobId");

-- CreateIndex
CREATE INDEX "Evaluation_state_createdAt_idx" ON "Evaluation"("state", "createdAt");

-- CreateIndex
CREATE INDEX "EvaluationModel_baseModelId_idx" ON "EvaluationModel"("baseModelId");

-- AddForeignKey
ALTER TABLE "Evaluation" ADD CONSTRAINT "Evaluation_teamId_fkey" FOREIGN KEY ("teamId") REFERENCES "Team"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Evaluation" ADD CONSTRAINT "Evaluation_sourceJobId_fkey" FOREIGN KEY ("sourceJobId") REFERENCES "FineTuneJob"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "EvaluationModel" ADD CONSTRAINT "EvaluationModel_evaluationId_fkey" FOREIGN KEY ("evaluationId") REFERENCES "Evaluation"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "EvaluationModel" ADD CONSTRAINT "EvaluationModel_baseModelId_fkey" FOREIGN KEY ("baseModelId") REFERENCES "BaseModel"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "EvaluationDataset" ADD CONSTRAINT "EvaluationDataset_evaluationId_fkey" FOREIGN KEY ("evaluationId") REFERENCES "Evaluation"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "EvaluationDataset" ADD CONSTRAINT "EvaluationDataset_datasetVersionId_fkey" FOREIGN KEY ("datasetVersionId") REFERENCES "DatasetVersion"("id") ON DELETE CASCADE ON UPDATE CASCADE;

