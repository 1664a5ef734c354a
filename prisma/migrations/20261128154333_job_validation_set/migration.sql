-- AlterTable
ALTER TABLE "FineTuneJob" ADD COLUMN     "validationSetId" TEXT;

-- AddForeignKey
ALTER TABLE "FineTuneJob" ADD CONSTRAINT "FineTuneJob_validationSetId_fkey" FOREIGN KEY ("validationSetId") REFERENCES "DatasetVersion"("id") ON DELETE SET NULL ON UPDATE CASCADE;

