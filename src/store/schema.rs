//! Schema v1: creation, indexes, the version check and the migration path.

use std::path::Path;

use rusqlite::Connection;

use crate::error::{Error, Result, SqlContext};

/// The schema version this build writes and reads (`PRAGMA user_version`).
pub const SCHEMA_VERSION: i64 = 1;

/// The DDL of the current schema.
pub const SCHEMA_SQL: &str = include_str!("../../assets/schema.sql");
/// Indexes, created after bulk loads.
pub const INDEX_SQL: &str = include_str!("../../assets/index.sql");

/// Tables (and the columns the engine reads) that a store must have.
pub const REQUIRED_TABLES: &[(&str, &[&str])] = &[
    ("sellers", &["id", "ref", "name", "currency"]),
    ("products", &["id", "ref", "seller_id", "title", "category"]),
    ("customers", &["id", "ref"]),
    (
        "orders",
        &[
            "id",
            "seller_id",
            "customer_id",
            "placed_at",
            "paid_at",
            "ship_by_at",
            "ship_confirmed_at",
            "first_scan_at",
            "promised_delivery_at",
            "delivered_at",
            "fulfilled_by",
            "items_total_minor",
            "discount_minor",
            "shipping_cost_minor",
        ],
    ),
    ("order_items", &["id", "order_id", "product_id", "quantity", "unit_price_minor"]),
    ("cancellations", &["order_id", "cancelled_at", "initiator", "stage"]),
    (
        "returns",
        &["order_item_id", "quantity", "requested_at", "responded_at", "status", "refunded_minor", "refunded_at"],
    ),
    (
        "reviews",
        &[
            "order_id",
            "product_id",
            "kind",
            "rating",
            "dsr_described",
            "dsr_communication",
            "dsr_shipping",
            "has_images",
            "created_at",
        ],
    ),
    ("disputes", &["order_id", "kind", "opened_at", "responded_at", "outcome"]),
    ("traffic_daily", &["seller_id", "product_id", "day", "page_views", "visitors", "add_to_cart", "checkouts"]),
    ("stock", &["product_id", "on_hand", "lead_time_days"]),
    ("messages", &["seller_id", "received_at", "first_reply_at", "is_inquiry", "needs_reply", "order_id"]),
    ("marketing_spend", &["seller_id", "day", "amount_minor"]),
];

/// Creates a new, empty store at `path` (refusing to touch an existing file).
pub fn create(path: &Path) -> Result<Connection> {
    if path.exists() {
        return Err(Error::Exists { path: path.to_path_buf() });
    }
    let conn = Connection::open(path).at(path)?;
    init_schema(&conn, path)?;
    create_indexes(&conn, path)?;
    Ok(conn)
}

/// Creates the tables and stamps the schema version, in the caller's transaction if any.
pub fn init_schema(conn: &Connection, path: &Path) -> Result<()> {
    conn.execute_batch(SCHEMA_SQL).at(path)?;
    conn.pragma_update(None, "user_version", SCHEMA_VERSION).at(path)?;
    Ok(())
}

pub fn create_indexes(conn: &Connection, path: &Path) -> Result<()> {
    conn.execute_batch(INDEX_SQL).at(path)
}

/// Checks that `conn` is a store this build can read: right version, tables and columns present.
pub fn check(conn: &Connection, path: &Path) -> Result<()> {
    let version = version(conn, path)?;
    if version > SCHEMA_VERSION {
        return Err(Error::SchemaTooNew { path: path.into(), found: version, supported: SCHEMA_VERSION });
    }
    check_tables(conn, path)?;
    if version < SCHEMA_VERSION {
        return Err(Error::SchemaTooOld { path: path.into(), found: version, supported: SCHEMA_VERSION });
    }
    Ok(())
}

/// The store's schema version (`PRAGMA user_version`; 0 for a file kpiscope never stamped).
pub fn version(conn: &Connection, path: &Path) -> Result<i64> {
    conn.pragma_query_value(None, "user_version", |r| r.get(0)).at(path)
}

/// Names every table and column the engine reads that the store lacks.
pub(crate) fn check_tables(conn: &Connection, path: &Path) -> Result<()> {
    let mut missing = Vec::new();
    for (table, columns) in REQUIRED_TABLES {
        let mut stmt = conn.prepare(&format!("PRAGMA table_info({table})")).at(path)?;
        let have: Vec<String> =
            stmt.query_map([], |r| r.get::<_, String>(1)).at(path)?.collect::<Result<_, _>>().at(path)?;
        if have.is_empty() {
            missing.push(format!("table {table}"));
            continue;
        }
        for c in *columns {
            if !have.iter().any(|h| h == c) {
                missing.push(format!("column {table}.{c}"));
            }
        }
    }
    if !missing.is_empty() {
        return Err(Error::NotAStore { path: path.into(), missing: missing.join(", ") });
    }
    Ok(())
}

/// Upgrades a store from version `from` (checked by the caller: older than `SCHEMA_VERSION`) step by step,
/// in one transaction. Version 1 is the first schema, so today the only step is stamping an unversioned store
/// that already has the v1 tables; each later version adds one `(from, sql)` step to `STEPS`.
pub(super) fn upgrade(conn: &mut Connection, path: &Path, from: i64) -> Result<()> {
    const STEPS: &[(i64, &str)] = &[(0, "")];
    let tx = conn.transaction().at(path)?;
    for (step_from, sql) in STEPS {
        if *step_from >= from {
            tx.execute_batch(sql).at(path)?;
        }
    }
    // Never stamp a file of someone else's schema: the tables must be there before the version is.
    check_tables(&tx, path)?;
    tx.pragma_update(None, "user_version", SCHEMA_VERSION).at(path)?;
    tx.commit().at(path)
}
