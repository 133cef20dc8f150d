-- Churn risk from the model chosen for the shop (the learnt purchase propensity or BG/NBD, whichever
-- forecast the shop's last quarter better): the chance of no purchase in the next 90 days, and the
-- learnt model's strongest reasons. Runs made before keep NULL here and 1 - p_alive on membership.
ALTER TABLE "customer_value" ADD COLUMN "churn_risk" DOUBLE PRECISION;
ALTER TABLE "customer_value" ADD COLUMN "churn_reasons" JSONB;
