-- kpiscope store, schema version 1.
--
-- Conventions (see docs/schema.md for the long form):
--   * every table has `id INTEGER PRIMARY KEY` (kpiscope's own key) and, where the outside world has an
--     identifier, a `ref TEXT` natural key (the marketplace's order number, the seller's SKU...);
--   * times are INTEGER seconds since 1970-01-01 UTC (unix time); NULL means "has not happened / unknown";
--   * money is INTEGER minor units (cents) in the currency of the order's seller (sellers.currency);
--   * ratings are integers 1..5.
-- Indexes are created by `index.sql` after bulk loads, not here, so that big inserts stay fast.

-- A seller (shop, merchant) on the marketplace. Every order and product belongs to one seller.
CREATE TABLE IF NOT EXISTS sellers (
    id       INTEGER PRIMARY KEY,      -- kpiscope key
    ref      TEXT NOT NULL UNIQUE,     -- the seller's id on the marketplace ("lumen-home")
    name     TEXT NOT NULL,            -- display name ("Lumen Home")
    country  TEXT,                     -- ISO 3166-1 alpha-2 of the seller's base ("DE")
    currency TEXT NOT NULL,            -- ISO 4217 code of all the seller's money columns ("EUR")
    joined_at INTEGER                  -- when the seller joined the marketplace (unix seconds, UTC)
);

-- A product (listing) offered by one seller.
CREATE TABLE IF NOT EXISTS products (
    id          INTEGER PRIMARY KEY,   -- kpiscope key
    ref         TEXT NOT NULL UNIQUE,  -- marketplace-wide product id ("LH-1042")
    seller_id   INTEGER NOT NULL REFERENCES sellers(id),
    sku         TEXT,                  -- the seller's own stock-keeping unit, may repeat across sellers
    title       TEXT NOT NULL,         -- product title ("Desk lamp")
    category    TEXT,                  -- category name ("Lighting"); peers of a product are its category
    price_minor INTEGER                -- current list price, minor units of the seller's currency
);

-- A buyer. Orders without a known buyer have customer_id NULL.
CREATE TABLE IF NOT EXISTS customers (
    id      INTEGER PRIMARY KEY,       -- kpiscope key
    ref     TEXT NOT NULL,             -- the marketplace's customer id (unique: index customers_ref)
    country TEXT                       -- ISO 3166-1 alpha-2 of the buyer
);

-- An order placed with one seller, with its whole fulfilment timeline.
CREATE TABLE IF NOT EXISTS orders (
    id                    INTEGER PRIMARY KEY, -- kpiscope key
    ref                   TEXT,                -- the marketplace's order number (unique when present)
    seller_id             INTEGER NOT NULL REFERENCES sellers(id),
    customer_id           INTEGER REFERENCES customers(id), -- NULL: unknown buyer
    placed_at             INTEGER NOT NULL,    -- buyer placed the order; the date most KPIs are attributed to
    paid_at               INTEGER,             -- payment captured; NULL: never paid (not a sale)
    ship_by_at            INTEGER,             -- expected ship-by date promised to the marketplace
    ship_confirmed_at     INTEGER,             -- seller confirmed shipment (Amazon LSR uses this, not the typed date)
    first_scan_at         INTEGER,             -- first physical carrier scan; non-NULL means the tracking is valid
    promised_delivery_at  INTEGER,             -- latest delivery date promised to the buyer (without extensions)
    delivered_at          INTEGER,             -- delivered to the buyer
    status                TEXT NOT NULL DEFAULT 'placed'
        CHECK (status IN ('placed','paid','shipped','delivered','cancelled','returned')), -- last known state
    fulfilled_by          TEXT NOT NULL DEFAULT 'seller'
        CHECK (fulfilled_by IN ('seller','marketplace')), -- fulfilment KPIs count seller-fulfilled orders only
    channel               TEXT,                -- sales channel ("web", "app", "marketplace")
    ship_country          TEXT,                -- ISO 3166-1 alpha-2 of the delivery address
    items_total_minor     INTEGER NOT NULL DEFAULT 0, -- Σ quantity × unit price of the items, before discount
    discount_minor        INTEGER NOT NULL DEFAULT 0, -- order-level discounts granted
    shipping_charged_minor INTEGER NOT NULL DEFAULT 0, -- shipping charged to the buyer
    shipping_cost_minor   INTEGER                     -- postage the seller paid; NULL: unknown
);

-- One line of an order: a product, a quantity and the unit price paid.
CREATE TABLE IF NOT EXISTS order_items (
    id               INTEGER PRIMARY KEY,  -- kpiscope key
    order_id         INTEGER NOT NULL REFERENCES orders(id),
    product_id       INTEGER NOT NULL REFERENCES products(id),
    quantity         INTEGER NOT NULL CHECK (quantity > 0),
    unit_price_minor INTEGER NOT NULL      -- price of one unit, minor units, before order discounts
);

-- A cancellation of an order (whole order; partial cancellations name the order too).
CREATE TABLE IF NOT EXISTS cancellations (
    id           INTEGER PRIMARY KEY,
    order_id     INTEGER NOT NULL REFERENCES orders(id),
    cancelled_at INTEGER NOT NULL,
    initiator    TEXT NOT NULL CHECK (initiator IN ('buyer','seller','system')), -- 'system': auto-cancel
                                        -- because the seller did not confirm shipment (counts as seller's)
    reason       TEXT,                  -- free text or a code such as 'out_of_stock'
    stage        TEXT NOT NULL DEFAULT 'before_shipment'
        CHECK (stage IN ('before_shipment','after_shipment'))
);

-- A return request for some units of one order line, and the refund that followed.
CREATE TABLE IF NOT EXISTS returns (
    id                INTEGER PRIMARY KEY,
    order_item_id     INTEGER NOT NULL REFERENCES order_items(id),
    quantity          INTEGER NOT NULL CHECK (quantity > 0), -- units returned
    reason            TEXT,                                  -- 'defective', 'not_as_described', ...
    requested_at      INTEGER NOT NULL,                      -- buyer asked to return
    responded_at      INTEGER,                               -- seller authorised, refunded or answered
    status            TEXT NOT NULL DEFAULT 'requested'
        CHECK (status IN ('requested','approved','rejected','refunded')),
    refunded_minor    INTEGER,                               -- amount refunded; NULL: none (yet)
    refunded_at       INTEGER                                -- when the refund was booked (refunds KPI date)
);

-- A rating left by a buyer: a product review, or feedback on the seller with detailed sub-ratings.
CREATE TABLE IF NOT EXISTS reviews (
    id                 INTEGER PRIMARY KEY,
    ref                TEXT,                 -- the marketplace's review id
    order_id           INTEGER REFERENCES orders(id),  -- NULL: review not tied to an order
    product_id         INTEGER REFERENCES products(id),-- NULL for seller feedback
    kind               TEXT NOT NULL CHECK (kind IN ('product','seller')),
    rating             INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
    dsr_described      INTEGER CHECK (dsr_described BETWEEN 1 AND 5),     -- item as described
    dsr_communication  INTEGER CHECK (dsr_communication BETWEEN 1 AND 5), -- communication
    dsr_shipping       INTEGER CHECK (dsr_shipping BETWEEN 1 AND 5),      -- shipping speed
    has_images         INTEGER NOT NULL DEFAULT 0 CHECK (has_images IN (0,1)),
    body               TEXT,                 -- review text, as written
    created_at         INTEGER NOT NULL
);

-- A dispute, claim or chargeback about an order.
CREATE TABLE IF NOT EXISTS disputes (
    id           INTEGER PRIMARY KEY,
    order_id     INTEGER NOT NULL REFERENCES orders(id),
    kind         TEXT NOT NULL CHECK (kind IN ('claim','chargeback','not_received','not_as_described')),
    opened_at    INTEGER NOT NULL,
    responded_at INTEGER,                    -- seller's first response; NULL: none yet
    closed_at    INTEGER,
    outcome      TEXT CHECK (outcome IN ('buyer_favour','seller_favour','withdrawn')) -- NULL while open
);

-- Daily storefront traffic. product_id NULL: the seller's whole storefront that day.
CREATE TABLE IF NOT EXISTS traffic_daily (
    id                 INTEGER PRIMARY KEY,
    seller_id          INTEGER NOT NULL REFERENCES sellers(id),
    product_id         INTEGER REFERENCES products(id),
    day                TEXT NOT NULL,        -- 'YYYY-MM-DD' (UTC)
    page_views         INTEGER NOT NULL DEFAULT 0,
    visitors           INTEGER NOT NULL DEFAULT 0, -- unique visitors (sessions) that day
    add_to_cart        INTEGER NOT NULL DEFAULT 0, -- sessions with an add-to-cart
    checkouts          INTEGER NOT NULL DEFAULT 0  -- sessions that reached checkout
);

-- Current stock of a product.
CREATE TABLE IF NOT EXISTS stock (
    product_id     INTEGER PRIMARY KEY REFERENCES products(id),
    on_hand        INTEGER NOT NULL,         -- sellable units now
    reorder_point  INTEGER,                  -- the seller's reorder trigger
    lead_time_days INTEGER,                  -- supplier lead time, days
    updated_at     INTEGER NOT NULL          -- when on_hand was counted
);

-- Buyer messages and pre-sale inquiries, with the seller's first reply.
CREATE TABLE IF NOT EXISTS messages (
    id             INTEGER PRIMARY KEY,
    seller_id      INTEGER NOT NULL REFERENCES sellers(id),
    customer_id    INTEGER REFERENCES customers(id),
    order_id       INTEGER REFERENCES orders(id),  -- the order it is about, or the order an inquiry led to
    received_at    INTEGER NOT NULL,
    first_reply_at INTEGER,                  -- NULL: never answered
    is_inquiry     INTEGER NOT NULL DEFAULT 0 CHECK (is_inquiry IN (0,1)), -- pre-sale question
    needs_reply    INTEGER NOT NULL DEFAULT 1 CHECK (needs_reply IN (0,1)) -- 0: "no response needed"
);

-- Marketing spend per day and channel.
CREATE TABLE IF NOT EXISTS marketing_spend (
    id           INTEGER PRIMARY KEY,
    seller_id    INTEGER NOT NULL REFERENCES sellers(id),
    day          TEXT NOT NULL,              -- 'YYYY-MM-DD' (UTC)
    channel      TEXT NOT NULL,              -- 'sponsored_products', 'social', ...
    amount_minor INTEGER NOT NULL            -- minor units of the seller's currency
);

-- kpiscope's own: problems the demo generator planted on purpose (empty in real stores).
CREATE TABLE IF NOT EXISTS kpiscope_demo_plants (
    name        TEXT PRIMARY KEY,            -- 'late-spike'
    rule        TEXT NOT NULL,               -- the red-flag rule expected to find it ('RF-AMZ-LSR')
    seller_ref  TEXT NOT NULL,
    product_ref TEXT,                        -- NULL: a seller-level problem
    description TEXT NOT NULL
);
