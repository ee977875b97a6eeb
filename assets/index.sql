-- Indexes of schema v1. Created after bulk loads (`kpiscope demo`, imports); idempotent.
CREATE UNIQUE INDEX IF NOT EXISTS customers_ref ON customers(ref);
CREATE UNIQUE INDEX IF NOT EXISTS orders_ref ON orders(ref) WHERE ref IS NOT NULL;
CREATE INDEX IF NOT EXISTS orders_seller_placed ON orders(seller_id, placed_at);
CREATE INDEX IF NOT EXISTS order_items_order ON order_items(order_id);
CREATE INDEX IF NOT EXISTS order_items_product ON order_items(product_id);
CREATE INDEX IF NOT EXISTS cancellations_order ON cancellations(order_id);
CREATE INDEX IF NOT EXISTS returns_item ON returns(order_item_id);
CREATE INDEX IF NOT EXISTS reviews_order ON reviews(order_id);
CREATE INDEX IF NOT EXISTS reviews_ref ON reviews(ref) WHERE ref IS NOT NULL;
CREATE INDEX IF NOT EXISTS reviews_product ON reviews(product_id, created_at);
CREATE INDEX IF NOT EXISTS disputes_order ON disputes(order_id);
CREATE INDEX IF NOT EXISTS traffic_seller_day ON traffic_daily(seller_id, day);
CREATE UNIQUE INDEX IF NOT EXISTS traffic_key ON traffic_daily(seller_id, ifnull(product_id, 0), day);
CREATE INDEX IF NOT EXISTS messages_seller ON messages(seller_id, received_at);
CREATE INDEX IF NOT EXISTS spend_seller_day ON marketing_spend(seller_id, day);
CREATE INDEX IF NOT EXISTS products_seller ON products(seller_id);
