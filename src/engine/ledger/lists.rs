//! The customer lists a load or refresh grows: the new paid orders pushed, in day order, onto the lists of
//! the store, their sellers, categories and products, then each grown list's first orders marked against
//! the customers its scope had (`seen`).

use std::sync::Arc;

use super::seen::Seen;
use super::{Ledger, NO_CUSTOMER, column};
use crate::engine::customers::CustomerList;
use crate::time::{self, Day};

impl Ledger {
    /// Adds the new paid orders to the customer lists, in day order; returns how many there were. The
    /// entries are pushed unmarked, then each list that grew marks its customers' first orders in one pass
    /// (`CustomerList::mark_firsts`) against the customers it had. The product lists grow on a second
    /// thread, the store's, sellers' and categories' on this one (they share nothing).
    ///
    /// Orders of one day go in position order: a list counts customers by day, so which of a customer's
    /// orders of a day is marked first changes no count. A store whose orders come in day order (ids given
    /// as they were placed) is so walked straight along its columns, once, with no sort (sorting positions
    /// by time read the orders' column at random, all of it resident at once).
    pub(super) fn customers(&mut self, first_new: usize) -> u64 {
        // positions as u32: at a first load this holds every paid order (40 MB at 10M orders)
        let mut new: Vec<u32> = Vec::new();
        let (mut in_order, mut last_day) = (true, Day::MIN);
        for (pos, o) in (first_new..).zip(self.orders.walk_from(first_new)) {
            if o.paid() {
                self.last_placed = self.last_placed.max(o.placed);
                let day = time::day_of(o.placed);
                in_order &= day >= last_day;
                last_day = day;
                if o.customer != NO_CUSTOMER {
                    new.push(pos as u32);
                }
            }
        }
        if !in_order {
            new.sort_by_key(|&p| time::day_of(self.orders[p as usize].placed));
        }
        let m = &mut self.model;
        let mut store = (std::mem::take(&mut m.store_customers), std::mem::take(&mut self.seen_store));
        let mut sellers = (std::mem::take(&mut m.seller_customers), std::mem::take(&mut self.seen_sellers));
        let mut cats = (std::mem::take(&mut m.category_customers), std::mem::take(&mut self.seen_categories));
        let mut products = (std::mem::take(&mut m.product_customers), std::mem::take(&mut self.seen_products));
        let this = &*self;
        std::thread::scope(|s| {
            s.spawn(|| this.grow_lists(&new, &mut products, |pos| this.targets(pos).0));
            let start = store.0.len();
            for (i, &pos) in new.iter().enumerate() {
                let o = &this.orders[pos as usize];
                store.0.push(time::day_of(o.placed), o.customer, false);
                if i.is_multiple_of(column::SHED) {
                    this.shed_columns();
                }
            }
            store.1.mark_grown(&mut store.0, start);
            this.grow_lists(&new, &mut sellers, |pos| [this.orders[pos].seller]);
            this.grow_lists(&new, &mut cats, |pos| this.targets(pos).1);
        });
        let m = &mut self.model;
        (m.store_customers, self.seen_store) = store;
        (m.seller_customers, self.seen_sellers) = sellers;
        (m.category_customers, self.seen_categories) = cats;
        (m.product_customers, self.seen_products) = products;
        new.len() as u64
    }

    /// Pushes the orders at `new` (in time order, all with a customer) onto the lists of their scopes
    /// (`scopes`) and marks the first orders of each list that grew against its customers seen (`lists.1`).
    fn grow_lists<S: IntoIterator<Item = u32>>(
        &self,
        new: &[u32],
        lists: &mut (Vec<Arc<CustomerList>>, Vec<Seen>),
        scopes: impl Fn(usize) -> S,
    ) {
        let (lists, seen) = lists;
        let before: Vec<usize> = lists.iter().map(|l| l.len()).collect();
        for (i, &pos) in new.iter().enumerate() {
            let o = &self.orders[pos as usize];
            let day = time::day_of(o.placed);
            for k in scopes(pos as usize) {
                Arc::make_mut(&mut lists[k as usize]).push(day, o.customer, false);
            }
            if i.is_multiple_of(column::SHED) {
                self.shed_columns();
            }
        }
        self.shed_columns();
        seen.resize_with(lists.len(), Seen::default);
        for ((list, start), known) in lists.iter_mut().zip(before).zip(seen.iter_mut()) {
            // Only a list that grew is made unique: the others stay shared with the model on screen.
            if list.len() > start {
                known.mark_grown(Arc::make_mut(list), start);
            }
        }
    }
}
