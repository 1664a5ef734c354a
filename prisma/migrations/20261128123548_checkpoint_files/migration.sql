-- AlterTable
ALTER TABLE "Checkpoint" ADD COLUMN     "files" JSONB;

