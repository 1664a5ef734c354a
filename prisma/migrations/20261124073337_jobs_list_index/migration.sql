-- CreateIndex
CREATE INDEX "FineTuneJob_teamId_createdAt_id_idx" ON "FineTuneJob"("teamId", "createdAt" DESC, "id" DESC);

