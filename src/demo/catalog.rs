//! The demo marketplace's cast: a dozen sellers of very different sizes (more, numbered, for very large
//! stores), their categories, and product titles and prices per category.

/// One seller of the demo.
#[derive(Debug, Clone)]
pub struct SellerSpec {
    pub reference: String,
    pub name: String,
    pub prefix: String,
    pub country: &'static str,
    /// share of the marketplace's orders
    pub weight: f64,
    pub categories: Vec<&'static str>,
    /// visitor → order conversion
    pub conversion: f64,
}

/// (ref, name, product prefix, country, weight, categories)
type Named = (&'static str, &'static str, &'static str, &'static str, f64, &'static [&'static str]);

const NAMED: &[Named] = &[
    ("lumen-home", "Lumen Home", "LH", "US", 30.0, &["Lighting", "Home decor"]),
    ("northwind-outdoor", "Northwind Outdoor", "NW", "US", 18.0, &["Outdoor", "Camping"]),
    ("pixel-forge", "Pixel Forge", "PF", "US", 12.0, &["Electronics", "Accessories"]),
    ("bloom-thread", "Bloom & Thread", "BT", "US", 9.0, &["Apparel"]),
    ("copper-kettle", "Copper Kettle", "CK", "US", 7.0, &["Kitchen"]),
    ("tiny-tots", "Tiny Tots Toys", "TT", "US", 6.0, &["Toys"]),
    ("page-turner", "Page Turner Books", "PT", "US", 5.0, &["Books"]),
    ("glow-beauty", "Glow Beauty", "GB", "US", 4.0, &["Beauty"]),
    ("summit-sports", "Summit Sports", "SS", "US", 3.0, &["Sports"]),
    ("paws-co", "Paws & Co", "PC", "US", 3.0, &["Pets"]),
    ("inkwell", "Inkwell Stationery", "IS", "US", 2.0, &["Stationery"]),
    ("verde-garden", "Verde Garden", "VG", "US", 1.0, &["Garden"]),
];

/// Sellers for a store of `orders` orders: the named dozen, plus numbered ones past 500,000 orders
/// (one per 50,000 more, up to 200 in all), so that very large stores have a realistic number of sellers.
pub fn sellers(orders: u64) -> Vec<SellerSpec> {
    let mut out: Vec<SellerSpec> = NAMED
        .iter()
        .enumerate()
        .map(|(i, (r, n, p, c, w, cats))| SellerSpec {
            reference: (*r).into(),
            name: (*n).into(),
            prefix: (*p).into(),
            country: c,
            weight: *w,
            categories: cats.to_vec(),
            conversion: 0.025 + 0.0015 * (i % 7) as f64,
        })
        .collect();
    let extra = (orders.saturating_sub(500_000) / 50_000).min(188) as usize;
    let cats =
        ["Lighting", "Outdoor", "Electronics", "Apparel", "Kitchen", "Toys", "Books", "Beauty", "Sports", "Pets"];
    for i in 0..extra {
        out.push(SellerSpec {
            reference: format!("seller-{:03}", i + 13),
            name: format!("Seller {:03}", i + 13),
            prefix: format!("S{:03}", i + 13),
            country: ["US", "GB", "DE", "CA"][i % 4],
            weight: 0.8 + (i % 5) as f64 * 0.3,
            categories: vec![cats[i % cats.len()]],
            conversion: 0.025 + 0.001 * (i % 11) as f64,
        });
    }
    out
}

/// Title words and a typical price (cents) of a category.
pub fn category_words(category: &str) -> (&'static [&'static str], &'static [&'static str], i64) {
    match category {
        "Lighting" => (
            &[
                "Desk lamp",
                "Floor lamp",
                "Pendant light",
                "Wall sconce",
                "String lights",
                "Reading lamp",
                "LED strip",
                "Lantern",
            ],
            &["Brass", "Matte black", "Walnut", "Opal glass", "Dimmable", "Nordic"],
            4_999,
        ),
        "Home decor" => (
            &["Vase", "Throw pillow", "Wall mirror", "Candle set", "Picture frame", "Rug", "Clock", "Planter"],
            &["Linen", "Ceramic", "Rattan", "Marble", "Boho", "Minimal"],
            2_999,
        ),
        "Outdoor" => (
            &[
                "Rain jacket",
                "Hiking boots",
                "Daypack",
                "Trekking poles",
                "Fleece",
                "Headlamp",
                "Gaiters",
                "Water filter",
            ],
            &["Alpine", "Ultralight", "Storm", "Trail", "Ridge", "Summit"],
            7_999,
        ),
        "Camping" => (
            &["Tent", "Sleeping bag", "Camp stove", "Sleeping pad", "Cooler", "Camp chair", "Tarp", "Mess kit"],
            &["2-person", "Down", "Compact", "Insulated", "Folding", "Family"],
            8_999,
        ),
        "Electronics" => (
            &[
                "Wireless earbuds",
                "Power bank",
                "Smart plug",
                "Webcam",
                "Bluetooth speaker",
                "USB hub",
                "Keyboard",
                "Mouse",
            ],
            &["Pro", "Mini", "Max", "Slim", "Ergo", "Turbo"],
            3_999,
        ),
        "Accessories" => (
            &[
                "Phone case",
                "Charging cable",
                "Screen protector",
                "Laptop sleeve",
                "Stand",
                "Car mount",
                "Adapter",
                "Stylus",
            ],
            &["MagSafe", "Braided", "Tempered", "Leather", "Aluminium", "Fast"],
            1_499,
        ),
        "Apparel" => (
            &["T-shirt", "Hoodie", "Dress", "Jeans", "Scarf", "Cardigan", "Skirt", "Socks"],
            &["Organic cotton", "Linen", "Merino", "Oversized", "Vintage", "Classic"],
            3_499,
        ),
        "Kitchen" => (
            &[
                "Kettle",
                "Chef knife",
                "Cast iron pan",
                "French press",
                "Cutting board",
                "Mixing bowls",
                "Spice rack",
                "Teapot",
            ],
            &["Copper", "Enamel", "Bamboo", "Stainless", "Artisan", "Pro"],
            3_999,
        ),
        "Toys" => (
            &[
                "Building blocks",
                "Plush bear",
                "Puzzle",
                "Train set",
                "Doll house",
                "Kite",
                "Board game",
                "Stacking rings",
            ],
            &["Wooden", "Rainbow", "Jumbo", "Classic", "Eco", "Deluxe"],
            2_499,
        ),
        "Books" => (
            &["Cookbook", "Novel", "Field guide", "Atlas", "Poetry", "Biography", "Comic", "Journal"],
            &["Illustrated", "Hardcover", "Collector's", "Pocket", "Annotated", "First"],
            1_899,
        ),
        "Beauty" => (
            &["Face serum", "Lip balm", "Moisturiser", "Cleanser", "Sunscreen", "Hair oil", "Eye cream", "Toner"],
            &["Vitamin C", "Rose", "Hydrating", "Gentle", "SPF 50", "Argan"],
            2_299,
        ),
        "Sports" => (
            &[
                "Yoga mat",
                "Dumbbells",
                "Jump rope",
                "Resistance bands",
                "Water bottle",
                "Foam roller",
                "Gym bag",
                "Kettlebell",
            ],
            &["Non-slip", "Adjustable", "Speed", "Pro", "Insulated", "Cork"],
            2_999,
        ),
        "Pets" => (
            &["Dog bed", "Cat tree", "Leash", "Chew toy", "Feeder", "Carrier", "Collar", "Grooming brush"],
            &["Orthopaedic", "Sisal", "Reflective", "Durable", "Automatic", "Soft"],
            2_799,
        ),
        "Stationery" => (
            &[
                "Notebook",
                "Fountain pen",
                "Planner",
                "Washi tape",
                "Sketchbook",
                "Pencil set",
                "Desk organiser",
                "Stickers",
            ],
            &["Dotted", "Leather", "Pastel", "A5", "Recycled", "Gold-foil"],
            1_299,
        ),
        _ => (
            &["Seed kit", "Pruners", "Watering can", "Raised bed", "Gloves", "Hose", "Trowel", "Compost bin"],
            &["Heirloom", "Bypass", "Galvanised", "Cedar", "Thorn-proof", "Expandable"],
            2_499,
        ),
    }
}

/// Review texts by star rating.
pub fn review_text(rating: i64, pick: usize) -> &'static str {
    const GOOD: &[&str] = &[
        "Exactly as described, arrived early. Would buy again!",
        "Great quality for the price.",
        "Love it — my second one already.",
        "Well packed and quick delivery. Five stars.",
        "Does the job perfectly.",
    ];
    const MIDDLE: &[&str] =
        &["It's fine. Smaller than I expected.", "OK, but the colour is a bit off.", "Decent, delivery was slow."];
    const BAD: &[&str] = &[
        "Broke after two days. Very disappointed.",
        "Not as described at all. Returning it.",
        "Arrived damaged and the seller did not answer.",
        "Cheap material, smells odd. Would not recommend.",
    ];
    match rating {
        4..=5 => GOOD[pick % GOOD.len()],
        3 => MIDDLE[pick % MIDDLE.len()],
        _ => BAD[pick % BAD.len()],
    }
}
