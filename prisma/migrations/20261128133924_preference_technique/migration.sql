-- AlterEnum
ALTER TYPE "Technique" ADD VALUE 'preference';

