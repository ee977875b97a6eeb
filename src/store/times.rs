//! An order's fulfilment times, as the `orders` table holds them (unix seconds, `NULL` when not yet): the
//! one spelling of these six columns for the engine that reads them, the importers and the demo that
//! write them.

/// When an order was paid, was due to ship, was confirmed shipped, got its first carrier scan, was
/// promised to arrive, and arrived.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct OrderTimes {
    pub paid: Option<i64>,
    pub ship_by: Option<i64>,
    pub confirmed: Option<i64>,
    pub scanned: Option<i64>,
    pub promised: Option<i64>,
    pub delivered: Option<i64>,
}

impl OrderTimes {
    /// The columns, in the order of `values`.
    pub const COLUMNS: &str =
        "paid_at, ship_by_at, ship_confirmed_at, first_scan_at, promised_delivery_at, delivered_at";

    /// Paid when placed, nothing else known (a line-items export).
    pub fn paid_at(at: i64) -> OrderTimes {
        OrderTimes { paid: Some(at), ..OrderTimes::default() }
    }

    /// The values of `COLUMNS`.
    pub fn values(&self) -> [Option<i64>; 6] {
        [self.paid, self.ship_by, self.confirmed, self.scanned, self.promised, self.delivered]
    }

    /// Reads `COLUMNS` from a row, starting at column `at`.
    pub fn read(row: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<OrderTimes> {
        Ok(OrderTimes {
            paid: row.get(at)?,
            ship_by: row.get(at + 1)?,
            confirmed: row.get(at + 2)?,
            scanned: row.get(at + 3)?,
            promised: row.get(at + 4)?,
            delivered: row.get(at + 5)?,
        })
    }
}
