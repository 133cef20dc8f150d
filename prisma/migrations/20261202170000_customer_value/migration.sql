-- Predicted value and churn risk, refitted with each segmentation run and stored with it: the fitted
-- models (parameters, gates, reasons) on the run, and per customer what the models read of their
-- history plus the predictions at the default horizon (for ordering and filtering; other horizons are
-- computed from the stored history on request).
ALTER TABLE "segmentation_run" ADD COLUMN "value_model" JSONB;

CREATE TABLE "customer_value" (
    "run_id" INTEGER NOT NULL,
    "customer_id" INTEGER NOT NULL,
    "frequency" INTEGER NOT NULL,
    "recency" DOUBLE PRECISION NOT NULL,
    "age" DOUBLE PRECISION NOT NULL,
    "monetary" DOUBLE PRECISION NOT NULL,
    "p_alive" DOUBLE PRECISION,
    "expected_purchases" DOUBLE PRECISION,
    "expected_spend" DOUBLE PRECISION,
    "clv" DOUBLE PRECISION,
    CONSTRAINT "customer_value_pkey" PRIMARY KEY ("run_id", "customer_id"),
    CONSTRAINT "customer_value_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "segmentation_run"("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "customer_value_customer_id_fkey" FOREIGN KEY ("customer_id") REFERENCES "customer"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX "customer_value_run_id_clv_idx" ON "customer_value"("run_id", "clv");
CREATE INDEX "customer_value_run_id_p_alive_idx" ON "customer_value"("run_id", "p_alive");
CREATE INDEX "customer_value_customer_id_idx" ON "customer_value"("customer_id");

-- The same predictions on each membership, so members are ordered and filtered by them with the
-- keyset paging the other orders use (null: no history, or assigned between runs).
ALTER TABLE "membership" ADD COLUMN "churn_risk" DOUBLE PRECISION, ADD COLUMN "clv" DOUBLE PRECISION;
CREATE INDEX "membership_segment_id_churn_risk_idx" ON "membership"("segment_id", "churn_risk");
CREATE INDEX "membership_segment_id_clv_idx" ON "membership"("segment_id", "clv");
