-- AlterTable
ALTER TABLE "DatasetVersion" ADD COLUMN     "derivation" JSONB,
ADD COLUMN     "parentVersionId" TEXT,
ADD COLUMN     "readiness" JSONB,
ADD COLUMN     "sketchKey" TEXT;

