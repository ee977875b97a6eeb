//! The problems the demo plants on purpose, each with the red-flag rule expected to find it. The list is
//! written into the store (`kpiscope_demo_plants`) and documented in docs/demo.md; a test checks that
//! `kpiscope flags` finds every one of them.

/// Days before the store's last day that plants reach back.
pub const RECENT_DAYS: i32 = 30;
/// The returns of the `returns-climb` product climb from this many days before the end.
pub const RETURNS_CLIMB_DAYS: i32 = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// One product's return rate climbs from ~4% to ~30% for orders after a date.
    ReturnsClimb,
    /// A seller's visitors jump in the last 7 days without more orders: conversion halves.
    ConversionDrop,
    /// A seller ships 20% of the last 30 days' orders late.
    LateSpike,
    /// A seller cancels 20% of the last 7 days' orders (out of stock).
    CancelSpike,
    /// 20% of a seller's recent shipments have no carrier scan.
    TrackingGap,
    /// A seller answers most of the last 30 days' messages after more than 24 hours.
    SlowReplies,
    /// A dispute opened 9 days before the end has no response.
    DisputeUnanswered,
    /// A best seller has 3 days of stock against a 21-day supplier lead time.
    Stockout,
    /// A rarely sold product with few but bad reviews.
    BadReviews,
}

#[derive(Debug, Clone, Copy)]
pub struct Plant {
    pub name: &'static str,
    pub kind: Kind,
    pub rule: &'static str,
    /// index of the seller in `catalog::sellers`
    pub seller: usize,
    pub description: &'static str,
}

pub const PLANTS: &[Plant] = &[
    Plant {
        name: "returns-climb",
        kind: Kind::ReturnsClimb,
        rule: "RF-RET-SKU",
        seller: 0,
        description: "Lumen Home's second best seller: returns climb from ~4% to ~30% of units for orders placed in the last 100 days",
    },
    Plant {
        name: "conversion-drop",
        kind: Kind::ConversionDrop,
        rule: "RF-CONV",
        seller: 0,
        description: "Lumen Home: visitors jump 2.5× in the last 7 days with no more orders, so conversion falls by about 60%",
    },
    Plant {
        name: "late-spike",
        kind: Kind::LateSpike,
        rule: "RF-AMZ-LSR",
        seller: 1,
        description: "Northwind Outdoor ships 20% of the last 30 days' orders after their ship-by date",
    },
    Plant {
        name: "cancel-spike",
        kind: Kind::CancelSpike,
        rule: "RF-AMZ-CR",
        seller: 2,
        description: "Pixel Forge cancels 20% of the last 7 days' orders as out of stock",
    },
    Plant {
        name: "tracking-gap",
        kind: Kind::TrackingGap,
        rule: "RF-AMZ-VTR",
        seller: 3,
        description: "Bloom & Thread: 20% of the last 45 days' shipments never get a carrier scan",
    },
    Plant {
        name: "slow-replies",
        kind: Kind::SlowReplies,
        rule: "RF-MSG-24H",
        seller: 4,
        description: "Copper Kettle answers 65% of the last 30 days' buyer messages after more than 24 hours",
    },
    Plant {
        name: "dispute-unanswered",
        kind: Kind::DisputeUnanswered,
        rule: "RF-AE-DISPUTE",
        seller: 5,
        description: "Tiny Tots Toys leaves a dispute opened 9 days before the end without a response",
    },
    Plant {
        name: "stockout",
        kind: Kind::Stockout,
        rule: "RF-INV-COVER",
        seller: 6,
        description: "Page Turner Books' best seller has 3 days of stock against a 21-day supplier lead time",
    },
    Plant {
        name: "bad-reviews",
        kind: Kind::BadReviews,
        rule: "RF-REV-PROD",
        seller: 7,
        description: "Glow Beauty sells one product rarely (25 orders in two years) and most of its reviews are 1–2★",
    },
];

pub fn active(kind: Kind, seller: usize) -> bool {
    PLANTS.iter().any(|p| p.kind == kind && p.seller == seller)
}
