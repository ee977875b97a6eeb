//! A `Model` written as bytes and read back: the body of the persisted cache (`cache.rs`). A plain
//! little-endian format of kpiscope's own, versioned by `FORMAT`: scalars and strings field by field, the
//! big columns (day cells, packed bytes, customer lists) written whole. Every write is folded into a
//! checksum that ends the body, and reading checks it and every length against what is left of the file,
//! so a damaged or truncated cache is refused, never half read.

use std::io::{self, Read, Write};
use std::sync::Arc;

use super::counters::{Counters, FIELDS};
use super::customers::{self, CustomerList};
use super::model::{DisputeFact, Model, Product, Recorded, Seller, Stock};
use super::packed::Packed;
use super::quality::Quality;
use super::series::Dense;
use crate::time::Day;

/// Bumped whenever the bytes of a model change meaning (a field added to `Counters`, a new column).
pub const FORMAT: u32 = 1;

/// Elements converted at a time when a column is written (bounds the scratch memory).
const CHUNK: usize = 1 << 16;

/// A running checksum over everything written or read, word by word (FxHash's mixing step).
#[derive(Default)]
struct Sum(u64);

impl Sum {
    fn add(&mut self, b: &[u8]) {
        const K: u64 = 0xf135_7aea_2e62_a9c5;
        let mut h = (self.0.rotate_left(26) ^ b.len() as u64).wrapping_mul(K);
        let mut words = b.chunks_exact(8);
        for w in &mut words {
            let mut a = [0u8; 8];
            a.copy_from_slice(w);
            h = (h.rotate_left(26) ^ u64::from_le_bytes(a)).wrapping_mul(K);
        }
        for &x in words.remainder() {
            h = (h.rotate_left(26) ^ u64::from(x)).wrapping_mul(K);
        }
        self.0 = h;
    }
}

/// Writes a model's fields in order.
pub struct Writer<W: Write> {
    out: W,
    sum: Sum,
    scratch: Vec<u8>,
}

impl<W: Write> Writer<W> {
    pub fn new(out: W) -> Self {
        Writer { out, sum: Sum::default(), scratch: Vec::new() }
    }

    fn raw(&mut self, b: &[u8]) -> io::Result<()> {
        self.sum.add(b);
        self.out.write_all(b)
    }
    fn u32(&mut self, v: u32) -> io::Result<()> {
        self.raw(&v.to_le_bytes())
    }
    fn i64(&mut self, v: i64) -> io::Result<()> {
        self.raw(&v.to_le_bytes())
    }
    fn len(&mut self, n: usize) -> io::Result<()> {
        self.raw(&(n as u64).to_le_bytes())
    }
    fn opt_i64(&mut self, v: Option<i64>) -> io::Result<()> {
        self.raw(&[u8::from(v.is_some())])?;
        self.i64(v.unwrap_or(0))
    }
    fn str(&mut self, s: &str) -> io::Result<()> {
        self.len(s.len())?;
        self.raw(s.as_bytes())
    }
    fn opt_str(&mut self, s: Option<&str>) -> io::Result<()> {
        self.raw(&[u8::from(s.is_some())])?;
        self.str(s.unwrap_or(""))
    }
    /// A column of fixed-width values, converted a chunk at a time.
    fn column<T: Copy, const N: usize>(&mut self, v: &[T], le: impl Fn(T) -> [u8; N]) -> io::Result<()> {
        self.column_of(v.len(), [v], le)
    }
    /// A column of `len` values held in parts (written as one).
    fn column_of<'a, T: Copy + 'a, const N: usize>(
        &mut self,
        len: usize,
        parts: impl IntoIterator<Item = &'a [T]>,
        le: impl Fn(T) -> [u8; N],
    ) -> io::Result<()> {
        self.len(len)?;
        let mut scratch = std::mem::take(&mut self.scratch);
        for chunk in parts.into_iter().flat_map(|p| p.chunks(CHUNK)) {
            scratch.clear();
            scratch.extend(chunk.iter().flat_map(|&x| le(x)));
            self.raw(&scratch)?;
        }
        self.scratch = scratch;
        Ok(())
    }
    fn days(&mut self, v: &[Day]) -> io::Result<()> {
        self.column(v, i32::to_le_bytes)
    }
    fn u32s(&mut self, v: &[u32]) -> io::Result<()> {
        self.column(v, u32::to_le_bytes)
    }
    fn bytes(&mut self, v: &[u8]) -> io::Result<()> {
        self.len(v.len())?;
        self.raw(v)
    }
    fn cells(&mut self, cells: &[Counters]) -> io::Result<()> {
        let flat: Vec<i64> = cells.iter().flat_map(Counters::to_array).collect();
        self.column(&flat, i64::to_le_bytes)
    }

    /// A count, then each item.
    fn list<T>(&mut self, items: &[T], mut item: impl FnMut(&mut Self, &T) -> io::Result<()>) -> io::Result<()> {
        self.len(items.len())?;
        items.iter().try_for_each(|x| item(self, x))
    }

    /// Writes the whole model and the checksum; returns the output.
    pub fn model(mut self, m: &Model) -> io::Result<W> {
        self.list(&m.sellers, |w, s| {
            w.i64(s.db_id)?;
            w.str(&s.reference)?;
            w.str(&s.name)?;
            w.opt_str(s.country.as_deref())?;
            w.str(&s.currency)
        })?;
        self.list(&m.products, |w, p| {
            w.i64(p.db_id)?;
            w.str(&p.reference)?;
            w.u32(p.seller)?;
            w.opt_str(p.sku.as_deref())?;
            w.str(&p.title)?;
            w.opt_i64(p.category.map(i64::from))?;
            w.opt_i64(p.price_minor)
        })?;
        self.list(&m.categories, |w, c| w.str(c))?;
        self.list(&m.seller_products, |w, l| w.u32s(l))?;
        self.list(&m.category_products, |w, l| w.u32s(l))?;
        self.raw(&m.first_day.to_le_bytes())?;
        self.raw(&m.last_day.to_le_bytes())?;
        self.i64(m.now_ts)?;
        self.dense(&m.store_days)?;
        self.list(&m.seller_days, |w, d| w.dense(d))?;
        self.list(&m.category_days, |w, d| w.dense(d))?;
        self.list(&m.product_days, |w, p| {
            let (days, ends, bytes, tail_days, tail) = p.parts();
            w.days(days)?;
            w.u32s(ends)?;
            w.bytes(bytes)?;
            w.days(tail_days)?;
            w.cells(tail)
        })?;
        self.customers(&m.store_customers)?;
        self.list(&m.seller_customers, |w, c| w.customers(c))?;
        self.list(&m.category_customers, |w, c| w.customers(c))?;
        self.list(&m.product_customers, |w, c| w.customers(c))?;
        self.list(&m.stock, |w, s| {
            w.raw(&[u8::from(s.is_some())])?;
            let s = s.unwrap_or(Stock { on_hand: 0, reorder_point: None, lead_time_days: None });
            w.i64(s.on_hand)?;
            w.opt_i64(s.reorder_point)?;
            w.opt_i64(s.lead_time_days)
        })?;
        self.list(&m.return_reasons, |w, reasons| {
            w.list(reasons, |w, (why, n)| {
                w.str(why)?;
                w.i64(*n)
            })
        })?;
        self.list(&m.disputes, |w, d| {
            w.u32(d.seller)?;
            w.i64(d.order_db_id)?;
            w.i64(d.opened_at)?;
            w.opt_i64(d.responded_at)?;
            w.opt_i64(d.closed_at)
        })?;
        let r = &m.recorded;
        let flags = [r.cancellations, r.disputes, r.reviews, r.returns, r.messages, r.shipments, r.scans, r.deadlines];
        self.raw(&flags.map(u8::from))?;
        let issues: Vec<(&str, u64, &str)> = m.quality.entries().collect();
        self.list(&issues, |w, (id, n, example)| {
            w.str(id)?;
            w.i64(*n as i64)?;
            w.str(example)
        })?;
        let sum = self.sum.0;
        self.out.write_all(&sum.to_le_bytes())?;
        Ok(self.out)
    }

    fn dense(&mut self, d: &Dense) -> io::Result<()> {
        let (start, cells) = d.parts();
        self.raw(&start.to_le_bytes())?;
        self.cells(cells)
    }

    fn customers(&mut self, l: &CustomerList) -> io::Result<()> {
        let (chunks, firsts, total) = l.parts();
        let chunks: Vec<(&[Day], &[u32])> = chunks.collect();
        self.column_of(l.len(), chunks.iter().map(|c| c.0), i32::to_le_bytes)?;
        self.column_of(l.len(), chunks.iter().map(|c| c.1), u32::to_le_bytes)?;
        self.u32s(firsts)?;
        self.u32(total)
    }
}

/// A fixed-width value's bytes (`c` is `N` long: a piece of `chunks_exact(N)`).
fn value<const N: usize>(c: &[u8]) -> [u8; N] {
    c.try_into().unwrap_or([0; N])
}

fn bad(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("damaged model cache: {what}"))
}

/// Reads what `Writer` wrote.
pub struct Reader<R: Read> {
    input: R,
    /// bytes left in the input: no length may claim more
    left: u64,
    sum: Sum,
}

impl<R: Read> Reader<R> {
    /// `len`: how many bytes the input holds from here.
    pub fn new(input: R, len: u64) -> Self {
        Reader { input, left: len, sum: Sum::default() }
    }

    fn raw_into(&mut self, buf: &mut [u8]) -> io::Result<()> {
        if buf.len() as u64 > self.left {
            return Err(bad("shorter than it says"));
        }
        self.input.read_exact(buf)?;
        self.left -= buf.len() as u64;
        self.sum.add(buf);
        Ok(())
    }
    fn arr<const N: usize>(&mut self) -> io::Result<[u8; N]> {
        let mut a = [0u8; N];
        self.raw_into(&mut a)?;
        Ok(a)
    }
    fn u8(&mut self) -> io::Result<u8> {
        Ok(self.arr::<1>()?[0])
    }
    fn flag(&mut self) -> io::Result<bool> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(bad("a flag that is neither 0 nor 1")),
        }
    }
    fn u32(&mut self) -> io::Result<u32> {
        Ok(u32::from_le_bytes(self.arr()?))
    }
    fn i32(&mut self) -> io::Result<i32> {
        Ok(i32::from_le_bytes(self.arr()?))
    }
    fn i64(&mut self) -> io::Result<i64> {
        Ok(i64::from_le_bytes(self.arr()?))
    }
    /// A count of elements of `width` bytes each, checked against what is left.
    fn len(&mut self, width: u64) -> io::Result<usize> {
        let n = u64::from_le_bytes(self.arr()?);
        if n.saturating_mul(width.max(1)) > self.left {
            return Err(bad("a length past the end"));
        }
        usize::try_from(n).map_err(|_| bad("a length too big"))
    }
    fn opt_i64(&mut self) -> io::Result<Option<i64>> {
        let some = self.flag()?;
        let v = self.i64()?;
        Ok(some.then_some(v))
    }
    fn str(&mut self) -> io::Result<String> {
        let n = self.len(1)?;
        let mut b = vec![0u8; n];
        self.raw_into(&mut b)?;
        String::from_utf8(b).map_err(|_| bad("text that is not UTF-8"))
    }
    fn opt_str(&mut self) -> io::Result<Option<String>> {
        let some = self.flag()?;
        let s = self.str()?;
        Ok(some.then_some(s))
    }
    fn bytes(&mut self) -> io::Result<Vec<u8>> {
        let n = self.len(1)?;
        let mut b = vec![0u8; n];
        self.raw_into(&mut b)?;
        Ok(b)
    }
    /// A column's values `piece` at a time: `each(count, bytes)` for every piece (the last may be shorter),
    /// `count` being the column's length.
    fn pieces<const N: usize>(&mut self, piece: usize, mut each: impl FnMut(usize, &[u8])) -> io::Result<()> {
        let n = self.len(N as u64)?;
        let mut scratch = vec![0u8; piece.min(n.max(1)) * N];
        let mut left = n;
        while left > 0 {
            let k = left.min(piece);
            let buf = &mut scratch[..k * N];
            self.raw_into(buf)?;
            each(n, buf);
            left -= k;
        }
        Ok(())
    }
    /// A column read into pieces of `piece` values (the last may be shorter).
    fn column_chunks<T, const N: usize>(
        &mut self,
        piece: usize,
        from: impl Fn([u8; N]) -> T,
    ) -> io::Result<Vec<Vec<T>>> {
        let mut out = Vec::new();
        self.pieces::<N>(piece, |_, b| out.push(b.chunks_exact(N).map(|c| from(value(c))).collect()))?;
        Ok(out)
    }
    fn column<T, const N: usize>(&mut self, from: impl Fn([u8; N]) -> T) -> io::Result<Vec<T>> {
        let mut out = Vec::new();
        self.pieces::<N>(CHUNK, |n, b| {
            out.reserve_exact(n - out.len());
            out.extend(b.chunks_exact(N).map(|c| from(value(c))));
        })?;
        Ok(out)
    }
    fn days(&mut self) -> io::Result<Vec<Day>> {
        self.column(i32::from_le_bytes)
    }
    fn u32s(&mut self) -> io::Result<Vec<u32>> {
        self.column(u32::from_le_bytes)
    }
    fn cells(&mut self) -> io::Result<Vec<Counters>> {
        let flat = self.column(i64::from_le_bytes)?;
        if !flat.len().is_multiple_of(FIELDS) {
            return Err(bad("day cells of the wrong width"));
        }
        Ok(flat
            .chunks_exact(FIELDS)
            .map(|c| {
                let mut a = [0i64; FIELDS];
                a.copy_from_slice(c);
                Counters::from_array(&a)
            })
            .collect())
    }
    fn dense(&mut self) -> io::Result<Dense> {
        let start = self.i32()?;
        Ok(Dense::from_parts(start, self.cells()?))
    }
    fn customers(&mut self) -> io::Result<CustomerList> {
        let days = self.column_chunks(customers::CHUNK, i32::from_le_bytes)?;
        let entries = self.column_chunks(customers::CHUNK, u32::from_le_bytes)?;
        let (firsts, total) = (self.u32s()?, self.u32()?);
        CustomerList::from_parts(days, entries, firsts, total).ok_or_else(|| bad("a customer list out of order"))
    }
    /// A count (which must be `expected`, when given), then each item.
    fn list<T>(
        &mut self,
        expected: Option<(usize, &str)>,
        mut item: impl FnMut(&mut Self) -> io::Result<T>,
    ) -> io::Result<Vec<T>> {
        let n = self.len(1)?;
        if let Some((want, what)) = expected.filter(|(want, _)| *want != n) {
            return Err(bad(&format!("{n} {what} for {want}")));
        }
        (0..n).map(|_| item(self)).collect()
    }

    /// Reads a whole model and checks the checksum and that every index points inside the model.
    pub fn model(mut self) -> io::Result<Model> {
        let sellers = self.list(None, |r| {
            Ok(Seller {
                db_id: r.i64()?,
                reference: r.str()?,
                name: r.str()?,
                country: r.opt_str()?,
                currency: r.str()?,
            })
        })?;
        let products = self.list(None, |r| {
            Ok(Product {
                db_id: r.i64()?,
                reference: r.str()?,
                seller: r.u32()?,
                sku: r.opt_str()?,
                title: r.str()?,
                category: r.opt_i64()?.map(|c| u32::try_from(c).map_err(|_| bad("a category index"))).transpose()?,
                price_minor: r.opt_i64()?,
            })
        })?;
        let categories = self.list(None, Self::str)?;
        let (n_sellers, n_categories, n_products) = (sellers.len(), categories.len(), products.len());
        let seller_products = self.list(Some((n_sellers, "product lists")), Self::u32s)?;
        let category_products = self.list(Some((n_categories, "product lists")), Self::u32s)?;
        let first_day = self.i32()?;
        let last_day = self.i32()?;
        let now_ts = self.i64()?;
        let store_days = self.dense()?;
        let seller_days = self.list(Some((n_sellers, "day series")), |r| r.dense().map(Arc::new))?;
        let category_days = self.list(Some((n_categories, "day series")), |r| r.dense().map(Arc::new))?;
        let product_days = self.list(Some((n_products, "product series")), |r| {
            let (days, ends, bytes, tail_days, tail) = (r.days()?, r.u32s()?, r.bytes()?, r.days()?, r.cells()?);
            Packed::from_parts(days, ends, bytes, tail_days, tail).map(Arc::new).ok_or_else(|| bad("a product series"))
        })?;
        let store_customers = self.customers()?;
        let seller_customers = self.list(Some((n_sellers, "customer lists")), |r| r.customers().map(Arc::new))?;
        let category_customers = self.list(Some((n_categories, "customer lists")), |r| r.customers().map(Arc::new))?;
        let product_customers = self.list(Some((n_products, "customer lists")), |r| r.customers().map(Arc::new))?;
        let stock = self.list(Some((n_products, "stock rows")), |r| {
            let some = r.flag()?;
            let s = Stock { on_hand: r.i64()?, reorder_point: r.opt_i64()?, lead_time_days: r.opt_i64()? };
            Ok(some.then_some(s))
        })?;
        let return_reasons =
            self.list(Some((n_products, "return reasons")), |r| r.list(None, |r| Ok((r.str()?, r.i64()?))))?;
        let disputes = self.list(None, |r| {
            Ok(DisputeFact {
                seller: r.u32()?,
                order_db_id: r.i64()?,
                opened_at: r.i64()?,
                responded_at: r.opt_i64()?,
                closed_at: r.opt_i64()?,
            })
        })?;
        let f = self.arr::<8>()?;
        if f.iter().any(|&b| b > 1) {
            return Err(bad("a flag that is neither 0 nor 1"));
        }
        let recorded = Recorded {
            cancellations: f[0] == 1,
            disputes: f[1] == 1,
            reviews: f[2] == 1,
            returns: f[3] == 1,
            messages: f[4] == 1,
            shipments: f[5] == 1,
            scans: f[6] == 1,
            deadlines: f[7] == 1,
        };
        let mut quality = Quality::default();
        for (id, count, example) in self.list(None, |r| Ok((r.str()?, r.i64()?, r.str()?)))? {
            quality.insert(id, count as u64, example);
        }
        let expected = self.sum.0;
        let mut trailer = [0u8; 8];
        self.input.read_exact(&mut trailer)?;
        if u64::from_le_bytes(trailer) != expected || self.left != 8 {
            return Err(bad("checksum mismatch"));
        }
        let m = Model {
            sellers,
            products,
            categories,
            seller_products,
            category_products,
            first_day,
            last_day,
            now_ts,
            store_days,
            seller_days,
            category_days,
            product_days,
            store_customers,
            seller_customers,
            category_customers,
            product_customers,
            stock,
            return_reasons,
            disputes,
            recorded,
            quality,
            memo: Default::default(),
        };
        check_indexes(&m)?;
        Ok(m)
    }
}

/// Every index a model holds points inside it (a checksum catches damage; this catches a writer bug).
fn check_indexes(m: &Model) -> io::Result<()> {
    let (sellers, products, categories) = (m.sellers.len() as u32, m.products.len() as u32, m.categories.len() as u32);
    let ok = m.products.iter().all(|p| p.seller < sellers && p.category.is_none_or(|c| c < categories))
        && m.seller_products.iter().chain(&m.category_products).flatten().all(|&p| p < products)
        && m.disputes.iter().all(|d| d.seller < sellers);
    if ok { Ok(()) } else { Err(bad("an index outside the model")) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_checksum_sees_a_changed_byte() {
        let mut a = Sum::default();
        a.add(b"kpiscope model 12345678");
        let mut b = Sum::default();
        b.add(b"kpiscope model 12345679");
        assert_ne!(a.0, b.0);
    }
}
