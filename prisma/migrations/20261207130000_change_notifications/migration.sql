-- Change notifications for the API's response cache (src/graphql/response-cache.ts). Every statement
-- that writes what a cached read can show notifies 'segment_api_change'; PostgreSQL delivers it when the
-- writing transaction commits (never for a rolled-back one), to every listening process — the server,
-- and servers beside workers that write through other connections. One notification per statement,
-- not per row: a bulk import costs one per batch. Watched: the tables the cached root fields read
-- (customers and their history, vectors' bookkeeping, runs, segments, memberships, values, and the
-- change feed behind `pendingChanges`). Not watched, so their busy writes do not empty the cache: jobs
-- (progress every few seconds), saved audiences, destinations and deliveries (no cached field reads
-- them), the text-vector cache, the audit log, API keys (checked before the cache) and the rate
-- limiter's own schema. A vector collection's alias lives in the store: the indexer announces its move.
CREATE FUNCTION "segment_api_notify_change"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('segment_api_change', TG_TABLE_NAME);
  RETURN NULL;
END
$$;

CREATE TRIGGER "customer_notify_change" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "customer" FOR EACH STATEMENT EXECUTE FUNCTION "segment_api_notify_change"();
CREATE TRIGGER "product_notify_change" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "product" FOR EACH STATEMENT EXECUTE FUNCTION "segment_api_notify_change"();
CREATE TRIGGER "order_notify_change" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "order" FOR EACH STATEMENT EXECUTE FUNCTION "segment_api_notify_change"();
CREATE TRIGGER "order_item_notify_change" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "order_item" FOR EACH STATEMENT EXECUTE FUNCTION "segment_api_notify_change"();
CREATE TRIGGER "search_query_notify_change" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "search_query" FOR EACH STATEMENT EXECUTE FUNCTION "segment_api_notify_change"();
CREATE TRIGGER "review_notify_change" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "review" FOR EACH STATEMENT EXECUTE FUNCTION "segment_api_notify_change"();
CREATE TRIGGER "vector_index_notify_change" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "vector_index" FOR EACH STATEMENT EXECUTE FUNCTION "segment_api_notify_change"();
CREATE TRIGGER "customer_vector_notify_change" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "customer_vector" FOR EACH STATEMENT EXECUTE FUNCTION "segment_api_notify_change"();
CREATE TRIGGER "customer_change_notify_change" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "customer_change" FOR EACH STATEMENT EXECUTE FUNCTION "segment_api_notify_change"();
CREATE TRIGGER "segmentation_run_notify_change" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "segmentation_run" FOR EACH STATEMENT EXECUTE FUNCTION "segment_api_notify_change"();
CREATE TRIGGER "segment_notify_change" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "segment" FOR EACH STATEMENT EXECUTE FUNCTION "segment_api_notify_change"();
CREATE TRIGGER "membership_notify_change" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "membership" FOR EACH STATEMENT EXECUTE FUNCTION "segment_api_notify_change"();
CREATE TRIGGER "customer_value_notify_change" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "customer_value" FOR EACH STATEMENT EXECUTE FUNCTION "segment_api_notify_change"();
