-- AlterTable
ALTER TABLE "Augmentation" ADD COLUMN     "lastRunnerName" TEXT;

-- CreateTable
CREATE TABLE "GeneratorEndpoint" (
    "id" TEXT NOT NULL DEFAULT 'default',
    "baseUrl" TEXT NOT NULL,
    "model" TEXT NOT NULL,
    "apiKeyEncrypted" TEXT,
    "apiKeyLast4" TEXT,
    "updatedById" TEXT,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "GeneratorEndpoint_pkey" PRIMARY KEY ("id")
);

