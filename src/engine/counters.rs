//! `Counters`: the additive facts of one scope on one day. Every KPI is computed from sums of these over a
//! day range (plus a few non-additive pieces: distinct customers, stock). Each field says which date it is
//! attributed to; `docs/kpis.md` explains why.

macro_rules! counters {
    ($($(#[$doc:meta])* $field:ident),* $(,)?) => {
        /// Additive facts of one scope on one day (see the module doc).
        /// `repr(C)` with only `i64` fields: it is also a `[i64; FIELDS]` (`as_array`), safely (bytemuck).
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, bytemuck::Pod, bytemuck::Zeroable)]
        #[repr(C)]
        pub struct Counters {
            $($(#[$doc])* pub $field: i64,)*
        }

        /// How many fields `Counters` has.
        pub const FIELDS: usize = [$(stringify!($field)),*].len();

        impl Counters {
            /// Adds `other` into `self`, field by field.
            pub fn add(&mut self, other: &Counters) {
                $(self.$field += other.$field;)*
            }
            /// Every field multiplied by `k` (−1 takes a contribution back).
            pub fn scaled(&self, k: i64) -> Counters {
                Counters { $($field: self.$field * k,)* }
            }
            /// Every field, by name (for tests and debugging).
            pub fn fields(&self) -> Vec<(&'static str, i64)> {
                vec![$((stringify!($field), self.$field)),*]
            }
            /// Every field, in declaration order (the order `packed` encodes them in).
            pub fn to_array(&self) -> [i64; FIELDS] {
                *self.as_array()
            }
            /// The fields in declaration order, in place.
            pub fn as_array(&self) -> &[i64; FIELDS] {
                bytemuck::cast_ref(self)
            }
            /// The fields in declaration order, in place, to change.
            pub fn as_array_mut(&mut self) -> &mut [i64; FIELDS] {
                bytemuck::cast_mut(self)
            }
            /// The inverse of `to_array`.
            pub fn from_array(a: &[i64; FIELDS]) -> Counters {
                *bytemuck::cast_ref(a)
            }
        }
    };
}

counters! {
    // --- by the day the order was placed (paid orders only) ---
    /// paid orders placed (cancelled ones included)
    orders,
    /// paid orders not cancelled: the orders that are sales
    sales_orders,
    /// Σ quantity × unit price of the lines of sales orders, minor units
    gross,
    /// discounts on sales orders (split over lines pro rata for product and category scopes)
    discount,
    /// units on sales orders
    units,
    /// seller-fulfilled paid orders
    sf_orders,
    /// seller-fulfilled orders cancelled by the seller or the system before shipment
    seller_cancels,
    /// orders with a seller cancel or a case decided for the buyer (eBay's transaction defects)
    tdr_orders,
    /// seller-fulfilled orders whose ship-by date has passed, not cancelled by the buyer
    fulfil_due,
    /// ... of which ship-confirmed
    fulfil_done,
    /// seller-fulfilled orders ship-confirmed (with a ship-by date)
    shipped,
    /// ... of which confirmed after the ship-by date
    shipped_late,
    /// Σ seconds from payment to ship confirmation
    handling_secs,
    /// orders in handling_secs
    handling_n,
    /// Σ seconds from placing to delivery
    delivery_secs,
    /// orders in delivery_secs
    delivery_n,
    /// units returned from sales orders of the day (return rate, order cohort)
    returned_units,
    /// refunded amounts of the day's sales orders, capped at each line's value (refund rate, order cohort)
    refunded_sales,
    /// orders with an order defect (negative seller feedback, a claim not denied, a chargeback)
    defect_orders,
    /// orders with a dispute, claim or chargeback of any kind
    dispute_orders,
    /// orders with a bad experience (1–3★ rating, a DSR ≤ 3, a dispute or a seller cancel)
    bad_orders,
    /// Σ postage paid by the seller, over orders where it is known
    ship_cost,
    /// orders with a known postage
    ship_cost_n,
    // --- by the promised delivery date (Amazon VTR and OTDR) ---
    /// shipped seller-fulfilled orders
    vtr_shipped,
    /// ... with a carrier scan (valid tracking)
    vtr_valid,
    /// units of shipped, tracked orders whose promised delivery date has passed
    otd_units,
    /// ... delivered on or before the promise
    otd_on_time,
    // --- by the refund date ---
    /// Σ refunded, minor units
    refunds,
    /// refunds booked
    refund_n,
    // --- by the return request date ---
    /// return requests
    return_requests,
    /// ... rejected, or not answered within 48 hours
    return_negative,
    // --- by the review date ---
    /// ratings received
    ratings,
    /// Σ stars
    rating_sum,
    star1,
    star2,
    star3,
    star4,
    star5,
    /// ratings with images
    image_ratings,
    dsr_described_sum,
    dsr_described_n,
    dsr_communication_sum,
    dsr_communication_n,
    dsr_shipping_sum,
    dsr_shipping_n,
    // --- by the day a dispute was opened ---
    /// disputes opened
    disputes,
    /// ... with no seller response within 5 days
    disputes_unanswered,
    // --- by the day a message was received ---
    /// buyer messages that need a reply
    messages,
    /// ... answered within 24 hours
    messages_24h,
    /// Σ seconds to the first reply, over answered messages
    reply_secs,
    /// answered messages
    replies,
    /// pre-sale inquiries
    inquiries,
    /// ... that led to an order
    inquiries_won,
    // --- by the traffic day ---
    traffic_days,
    visitors,
    page_views,
    add_to_cart,
    checkouts,
    // --- by the spend day ---
    spend_days,
    ad_spend,
}

impl Counters {
    /// 4–5★ ratings.
    pub fn positive_ratings(&self) -> i64 {
        self.star4 + self.star5
    }
    /// 1–2★ ratings.
    pub fn negative_ratings(&self) -> i64 {
        self.star1 + self.star2
    }
}
