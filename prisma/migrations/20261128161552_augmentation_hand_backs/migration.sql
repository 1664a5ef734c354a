-- AlterTable
ALTER TABLE "Augmentation" ADD COLUMN     "handBacks" INTEGER NOT NULL DEFAULT 0;

