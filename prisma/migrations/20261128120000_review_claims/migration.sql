-- AlterTable
ALTER TABLE "extractions" ADD COLUMN     "claim_expires_at" TIMESTAMPTZ(3),
ADD COLUMN     "claimed_by" UUID;

-- CreateIndex
CREATE INDEX "review_decisions_extraction_id_idx" ON "review_decisions"("extraction_id");
