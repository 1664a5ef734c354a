-- AlterTable
ALTER TABLE "FineTuneJob" ADD COLUMN     "lastRunnerName" TEXT;

-- AlterTable
ALTER TABLE "Evaluation" ADD COLUMN     "lastRunnerName" TEXT;

-- AlterTable
ALTER TABLE "ActiveLearningRound" ADD COLUMN     "lastRunnerName" TEXT;

-- AlterTable
ALTER TABLE "ActiveLearningSimulation" ADD COLUMN     "lastRunnerName" TEXT;

