//! The in-memory model of a store: its sellers, products and categories, and the aggregates every KPI is
//! computed from (day rollups per scope, customer lists, stock, open disputes). Built by `load`, read by
//! the KPI catalogue and the red-flag rules; never by SQL per request.

use std::sync::Arc;

use super::counters::Counters;
use super::customers::CustomerList;
use super::packed::Packed;
use super::quality::Quality;
use super::series::Dense;
use crate::period::DayRange;
use crate::time::Day;

#[derive(Debug, Clone)]
pub struct Seller {
    pub db_id: i64,
    pub reference: String,
    pub name: String,
    pub country: Option<String>,
    pub currency: String,
}

#[derive(Debug, Clone)]
pub struct Product {
    pub db_id: i64,
    pub reference: String,
    pub seller: u32,
    pub sku: Option<String>,
    pub title: String,
    pub category: Option<u32>,
    pub price_minor: Option<i64>,
}

#[derive(Debug, Clone, Copy)]
pub struct Stock {
    pub on_hand: i64,
    pub reorder_point: Option<i64>,
    pub lead_time_days: Option<i64>,
}

/// A dispute, kept whole for the "unanswered after N days, as of now" rule.
#[derive(Debug, Clone, Copy)]
pub struct DisputeFact {
    pub seller: u32,
    pub order_db_id: i64,
    pub opened_at: i64,
    pub responded_at: Option<i64>,
    pub closed_at: Option<i64>,
}

/// Which kinds of record the store has at all. A KPI built on a kind the store never records (a line-items
/// import has no reviews or cancellations) is "no data", not 0.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Recorded {
    pub cancellations: bool,
    pub disputes: bool,
    pub reviews: bool,
    pub returns: bool,
    pub messages: bool,
    pub shipments: bool,
    /// carrier scans (tracking): a Shopify export has shipments but no scans
    pub scans: bool,
    /// ship-by dates (a Shopify export has none: lateness cannot be judged)
    pub deadlines: bool,
}

/// What a KPI is computed for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    Store,
    Seller(u32),
    Category(u32),
    Product(u32),
}

/// The whole store, aggregated.
#[derive(Debug, Default, Clone)]
pub struct Model {
    pub sellers: Vec<Seller>,
    pub products: Vec<Product>,
    pub categories: Vec<String>,
    pub seller_products: Vec<Vec<u32>>,
    pub category_products: Vec<Vec<u32>>,
    /// First and last day with any activity.
    pub first_day: Day,
    pub last_day: Day,
    /// The latest timestamp of any activity: "now" for a historical store.
    pub now_ts: i64,
    // The per-scope parts are shared between a model and the next one a refresh makes from it: a refresh
    // copies only the parts it writes to (`Arc::make_mut`), not ~0.7 GB of series and lists at 10M orders.
    pub store_days: Dense,
    pub seller_days: Vec<Arc<Dense>>,
    pub category_days: Vec<Arc<Dense>>,
    pub product_days: Vec<Arc<Packed>>,
    pub store_customers: CustomerList,
    pub seller_customers: Vec<Arc<CustomerList>>,
    pub category_customers: Vec<Arc<CustomerList>>,
    pub product_customers: Vec<Arc<CustomerList>>,
    pub stock: Vec<Option<Stock>>,
    /// per product: (return reason, units returned), most units first
    pub return_reasons: Vec<Vec<(String, i64)>>,
    pub disputes: Vec<DisputeFact>,
    /// Which kinds of record exist in the store.
    pub recorded: Recorded,
    /// Rows that break the engine's assumptions, counted, with what was done about them.
    pub quality: Quality,
    /// Answers already computed from this model (see `memo`).
    pub memo: super::memo::Memo,
}

impl Model {
    /// Σ of the day counters of `scope` over `r`.
    pub fn counters(&self, scope: Scope, r: DayRange) -> Counters {
        match scope {
            Scope::Store => self.store_days.sum(r),
            Scope::Seller(s) => self.seller_days.get(s as usize).map(|d| d.sum(r)).unwrap_or_default(),
            Scope::Category(c) => self.category_days.get(c as usize).map(|d| d.sum(r)).unwrap_or_default(),
            Scope::Product(p) => self.product_days.get(p as usize).map(|d| d.sum(r)).unwrap_or_default(),
        }
    }

    pub fn customers(&self, scope: Scope) -> &CustomerList {
        let list = match scope {
            Scope::Store => Some(&self.store_customers),
            Scope::Seller(s) => self.seller_customers.get(s as usize).map(|l| &**l),
            Scope::Category(c) => self.category_customers.get(c as usize).map(|l| &**l),
            Scope::Product(p) => self.product_customers.get(p as usize).map(|l| &**l),
        };
        list.unwrap_or(&self.store_customers)
    }

    /// Units of every product in `window`, by product index: one pass over all products, memoised, so that
    /// stock cover of a store with 20,000 products is not 20,000 sums per question.
    pub fn units_by_product(&self, window: DayRange) -> Arc<Vec<i64>> {
        self.memo.get_or((Scope::Store, window, window.to, 0, "units-by-product"), || {
            let units = std::mem::offset_of!(Counters, units) / std::mem::size_of::<i64>();
            self.product_days.iter().map(|d| d.sum_field(window, units)).collect::<Vec<i64>>()
        })
    }

    /// The products a scope covers.
    pub fn products_of(&self, scope: Scope) -> Vec<u32> {
        match scope {
            Scope::Store => (0..self.products.len() as u32).collect(),
            Scope::Seller(s) => self.seller_products.get(s as usize).cloned().unwrap_or_default(),
            Scope::Category(c) => self.category_products.get(c as usize).cloned().unwrap_or_default(),
            Scope::Product(p) => vec![p],
        }
    }

    /// The sellers a scope's orders belong to.
    pub fn sellers_of(&self, scope: Scope) -> Vec<u32> {
        match scope {
            Scope::Store => (0..self.sellers.len() as u32).collect(),
            Scope::Seller(s) => vec![s],
            Scope::Product(p) => vec![self.products[p as usize].seller],
            Scope::Category(c) => {
                let mut v: Vec<u32> =
                    self.products_of(Scope::Category(c)).iter().map(|&p| self.products[p as usize].seller).collect();
                v.sort_unstable();
                v.dedup();
                v
            }
        }
    }

    /// The currency of a scope's money, or `None` when it mixes currencies.
    pub fn currency(&self, scope: Scope) -> Option<&str> {
        let sellers = self.sellers_of(scope);
        let first = self.sellers.get(*sellers.first()? as usize)?.currency.as_str();
        sellers.iter().all(|&s| self.sellers[s as usize].currency == first).then_some(first)
    }

    /// Human name of a scope: "All sellers", "Lumen Home", "LH-1042 Desk lamp", "Category Lighting".
    pub fn scope_name(&self, scope: Scope) -> String {
        match scope {
            Scope::Store => "All sellers".into(),
            Scope::Seller(s) => self.sellers[s as usize].name.clone(),
            Scope::Category(c) => format!("Category {}", self.categories[c as usize]),
            Scope::Product(p) => {
                let p = &self.products[p as usize];
                format!("{} {}", p.reference, p.title)
            }
        }
    }

    /// Finds a seller by reference or name (case-insensitive).
    pub fn find_seller(&self, key: &str) -> Option<u32> {
        let k = key.trim();
        self.sellers
            .iter()
            .position(|s| s.reference.eq_ignore_ascii_case(k) || s.name.eq_ignore_ascii_case(k))
            .map(|i| i as u32)
    }
    pub fn find_product(&self, key: &str) -> Option<u32> {
        let k = key.trim();
        self.products.iter().position(|p| p.reference.eq_ignore_ascii_case(k)).map(|i| i as u32)
    }
    pub fn find_category(&self, key: &str) -> Option<u32> {
        let k = key.trim();
        self.categories.iter().position(|c| c.eq_ignore_ascii_case(k)).map(|i| i as u32)
    }
}

impl Model {
    /// The scope named by `--seller`, `--category` and `--product` (at most one), with a clear error
    /// listing what exists when a name is unknown.
    pub fn resolve_scope(
        &self,
        seller: Option<&str>,
        category: Option<&str>,
        product: Option<&str>,
    ) -> crate::Result<Scope> {
        use crate::Error;
        let given = [seller.is_some(), category.is_some(), product.is_some()].iter().filter(|b| **b).count();
        if given > 1 {
            return Err(Error::usage("give at most one of --seller, --category and --product"));
        }
        let list = |names: Vec<&str>| {
            let mut v: Vec<&str> = names.into_iter().take(12).collect();
            v.sort_unstable();
            v.join(", ")
        };
        if let Some(s) = seller {
            return self.find_seller(s).map(Scope::Seller).ok_or_else(|| {
                Error::usage(format!(
                    "no seller '{s}' in this store; sellers: {}",
                    list(self.sellers.iter().map(|x| x.reference.as_str()).collect())
                ))
            });
        }
        if let Some(c) = category {
            return self.find_category(c).map(Scope::Category).ok_or_else(|| {
                Error::usage(format!(
                    "no category '{c}' in this store; categories: {}",
                    list(self.categories.iter().map(String::as_str).collect())
                ))
            });
        }
        if let Some(p) = product {
            return self.find_product(p).map(Scope::Product).ok_or_else(|| {
                Error::usage(format!("no product '{p}' in this store (use the product's ref, e.g. LH-1001)"))
            });
        }
        Ok(Scope::Store)
    }
}
