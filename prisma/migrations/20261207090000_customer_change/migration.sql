-- The change feed (src/ingest/change-feed.ts): a row per customer an accepted write touched, written
-- in the write's transaction; live updates (src/live/) delete the rows they have covered.
CREATE TABLE "customer_change" (
    "seq" BIGSERIAL NOT NULL,
    "customer_id" INTEGER NOT NULL,
    "changed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "customer_change_pkey" PRIMARY KEY ("seq")
);
CREATE INDEX "customer_change_customer_id_idx" ON "customer_change"("customer_id");
ALTER TABLE "customer_change" ADD CONSTRAINT "customer_change_customer_id_fkey"
    FOREIGN KEY ("customer_id") REFERENCES "customer"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Changes to a run's members since it was made (live updates placing customers between runs):
-- what caches of its members compare.
ALTER TABLE "segmentation_run" ADD COLUMN "live_revision" INTEGER NOT NULL DEFAULT 0;
