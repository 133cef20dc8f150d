-- The learnt count model's forecast for each customer of a run, in purchase days a day
-- (value/forecast-model.ts): null where another model forecasts the shop's purchases.
ALTER TABLE "customer_value" ADD COLUMN "purchase_rate" DOUBLE PRECISION;
