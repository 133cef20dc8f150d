-- CreateEnum
CREATE TYPE "run_status" AS ENUM ('RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED');

-- CreateTable
CREATE TABLE "segmentation_run" (
    "id" SERIAL NOT NULL,
    "status" "run_status" NOT NULL DEFAULT 'RUNNING',
    "active" BOOLEAN NOT NULL DEFAULT false,
    "collection" TEXT NOT NULL,
    "model_id" TEXT NOT NULL,
    "vector_name" TEXT NOT NULL,
    "parameters" JSONB NOT NULL,
    "k" INTEGER,
    "algorithm" TEXT,
    "k_rule" TEXT,
    "metrics" JSONB,
    "tried_k" JSONB,
    "timings" JSONB,
    "customer_count" INTEGER,
    "previous_run_id" INTEGER,
    "migration" JSONB,
    "error" TEXT,
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "segmentation_run_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "segment" (
    "id" SERIAL NOT NULL,
    "run_id" INTEGER NOT NULL,
    "lineage_id" TEXT NOT NULL,
    "index" INTEGER NOT NULL,
    "auto_name" TEXT NOT NULL,
    "auto_description" TEXT NOT NULL,
    "label" TEXT,
    "description" TEXT,
    "tags" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "size" INTEGER NOT NULL,
    "share" DOUBLE PRECISION NOT NULL,
    "centroid" BYTEA NOT NULL,
    "stats" JSONB NOT NULL,
    "top_categories" JSONB NOT NULL,
    "keywords" JSONB NOT NULL,
    "representatives" JSONB NOT NULL,
    "silhouette" DOUBLE PRECISION,
    "outlier_distance" DOUBLE PRECISION NOT NULL,
    "matched_segment_id" INTEGER,
    "match_similarity" DOUBLE PRECISION,

    CONSTRAINT "segment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "membership" (
    "run_id" INTEGER NOT NULL,
    "customer_id" INTEGER NOT NULL,
    "segment_id" INTEGER NOT NULL,
    "distance" DOUBLE PRECISION NOT NULL,
    "outlier" BOOLEAN NOT NULL DEFAULT false,
    "provisional" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "membership_pkey" PRIMARY KEY ("run_id","customer_id")
);

-- CreateIndex
CREATE INDEX "segmentation_run_active_idx" ON "segmentation_run"("active");

-- CreateIndex
CREATE INDEX "segment_lineage_id_idx" ON "segment"("lineage_id");

-- CreateIndex
CREATE UNIQUE INDEX "segment_run_id_index_key" ON "segment"("run_id", "index");

-- CreateIndex
CREATE INDEX "membership_segment_id_distance_idx" ON "membership"("segment_id", "distance");

-- CreateIndex
CREATE INDEX "membership_customer_id_idx" ON "membership"("customer_id");

-- AddForeignKey
ALTER TABLE "segment" ADD CONSTRAINT "segment_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "segmentation_run"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "membership" ADD CONSTRAINT "membership_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "segmentation_run"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "membership" ADD CONSTRAINT "membership_customer_id_fkey" FOREIGN KEY ("customer_id") REFERENCES "customer"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "membership" ADD CONSTRAINT "membership_segment_id_fkey" FOREIGN KEY ("segment_id") REFERENCES "segment"("id") ON DELETE CASCADE ON UPDATE CASCADE;
