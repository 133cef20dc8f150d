-- AlterTable
ALTER TABLE "membership" ADD COLUMN     "frequency" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "monetary" DOUBLE PRECISION NOT NULL DEFAULT 0,
ADD COLUMN     "recency_days" DOUBLE PRECISION;

-- CreateIndex
CREATE INDEX "membership_segment_id_monetary_idx" ON "membership"("segment_id", "monetary");

-- CreateIndex
CREATE INDEX "membership_segment_id_frequency_idx" ON "membership"("segment_id", "frequency");

-- CreateIndex
CREATE INDEX "membership_segment_id_recency_days_idx" ON "membership"("segment_id", "recency_days");
