//! A `Model` written as bytes and read back: the body of the persisted cache (`cache.rs`). A plain
//! little-endian format of kpiscope's own, versioned by `FORMAT`: scalars and strings field by field, the
//! big columns (day cells, packed bytes, customer lists) written whole.
//!
//! The body is a run of frames, each ending in a checksum of its bytes, then an index of where each frame
//! starts, its own checksum, and (last 8 bytes) where the index starts:
//!
//! ```text
//! head (names, product lists, days, store series, stock, reasons, disputes, kinds, quality)
//! seller series × S | category series × C | product series (all, one frame)
//! store customers | seller customers × S | category customers × C | product customers × P
//! index: count, frame starts | checksum | index start
//! ```
//!
//! So a question about one scope (`report --seller`) reads the head, the product series (a rule compares
//! a product with all of them) and that scope's own frames, and seeks past the rest. Reading checks every
//! frame it reads against its checksum and every length against its frame, so a damaged or truncated
//! cache is refused, never half read.

use std::io::{self, Read, Seek, SeekFrom, Write};
use std::sync::Arc;

use super::counters::{Counters, FIELDS};
use super::customers::{self, CustomerList};
use super::model::{DisputeFact, Model, Product, Recorded, Scope, Seller, Stock};
use super::packed::Packed;
use super::quality::Quality;
use super::series::Dense;
use crate::time::Day;

/// Bumped whenever the bytes of a model change meaning (a field added to `Counters`, a new column).
pub const FORMAT: u32 = 3;

/// Elements converted at a time when a column is written (bounds the scratch memory).
const CHUNK: usize = 1 << 16;

/// A running checksum over a frame's bytes: four independent lanes of FxHash's mixing step over 32-byte
/// blocks (one lane's chain of multiplies was a tenth of a cached report's time), folded at the end. The
/// same bytes give the same sum however they are split between `add`s.
#[derive(Default)]
struct Sum {
    lanes: [u64; 4],
    /// bytes waiting for a whole block
    pending: [u8; 32],
    waiting: usize,
    total: u64,
}

const MIX: u64 = 0xf135_7aea_2e62_a9c5;

impl Sum {
    fn block(&mut self, b: &[u8; 32]) {
        for (i, lane) in self.lanes.iter_mut().enumerate() {
            let mut w = [0u8; 8];
            w.copy_from_slice(&b[i * 8..i * 8 + 8]);
            *lane = (lane.rotate_left(26) ^ u64::from_le_bytes(w)).wrapping_mul(MIX);
        }
    }

    fn add(&mut self, mut b: &[u8]) {
        self.total += b.len() as u64;
        if self.waiting > 0 {
            let k = b.len().min(32 - self.waiting);
            self.pending[self.waiting..self.waiting + k].copy_from_slice(&b[..k]);
            self.waiting += k;
            b = &b[k..];
            if self.waiting < 32 {
                return;
            }
            let block = self.pending;
            self.block(&block);
            self.waiting = 0;
        }
        let mut blocks = b.chunks_exact(32);
        for block in &mut blocks {
            let mut a = [0u8; 32];
            a.copy_from_slice(block);
            self.block(&a);
        }
        let rest = blocks.remainder();
        self.pending[..rest.len()].copy_from_slice(rest);
        self.waiting = rest.len();
    }

    /// The sum of everything added.
    fn finish(mut self) -> u64 {
        if self.waiting > 0 {
            let mut block = [0u8; 32];
            block[..self.waiting].copy_from_slice(&self.pending[..self.waiting]);
            self.block(&block);
        }
        self.lanes.iter().fold(self.total.wrapping_mul(MIX), |h, &l| (h.rotate_left(26) ^ l).wrapping_mul(MIX))
    }
}

/// Where each part of a model is among a body's frames, in the order `Writer::model` writes them (the
/// head is frame 0); the reader counts with the same numbers.
struct Frames {
    sellers: usize,
    categories: usize,
    products: usize,
}

impl Frames {
    fn of(m: &Model) -> Frames {
        Frames { sellers: m.sellers.len(), categories: m.categories.len(), products: m.products.len() }
    }
    fn seller_days(&self, s: u32) -> usize {
        1 + s as usize
    }
    fn category_days(&self, c: u32) -> usize {
        1 + self.sellers + c as usize
    }
    fn product_days(&self) -> usize {
        1 + self.sellers + self.categories
    }
    fn store_customers(&self) -> usize {
        self.product_days() + 1
    }
    fn seller_customers(&self, s: u32) -> usize {
        self.store_customers() + 1 + s as usize
    }
    fn category_customers(&self, c: u32) -> usize {
        self.store_customers() + 1 + self.sellers + c as usize
    }
    fn product_customers(&self, p: u32) -> usize {
        self.store_customers() + 1 + self.sellers + self.categories + p as usize
    }
    /// Frames in all (the index's own not counted).
    fn count(&self) -> usize {
        self.product_customers(self.products as u32)
    }
}

/// Writes a model's fields in order.
pub struct Writer<W: Write> {
    out: W,
    /// the frame's checksum so far
    sum: Sum,
    scratch: Vec<u8>,
    /// bytes written so far
    at: u64,
    /// where each frame starts
    starts: Vec<u64>,
}

impl<W: Write> Writer<W> {
    pub fn new(out: W) -> Self {
        Writer { out, sum: Sum::default(), scratch: Vec::new(), at: 0, starts: Vec::new() }
    }

    fn raw(&mut self, b: &[u8]) -> io::Result<()> {
        self.sum.add(b);
        self.at += b.len() as u64;
        self.out.write_all(b)
    }

    /// One frame: what `body` writes, then its checksum.
    pub(crate) fn frame(&mut self, body: impl FnOnce(&mut Self) -> io::Result<()>) -> io::Result<()> {
        self.starts.push(self.at);
        self.sum = Sum::default();
        body(self)?;
        let sum = std::mem::take(&mut self.sum).finish();
        self.at += 8;
        self.out.write_all(&sum.to_le_bytes())
    }
    pub(crate) fn u32(&mut self, v: u32) -> io::Result<()> {
        self.raw(&v.to_le_bytes())
    }
    pub(crate) fn i64(&mut self, v: i64) -> io::Result<()> {
        self.raw(&v.to_le_bytes())
    }
    pub(crate) fn len(&mut self, n: usize) -> io::Result<()> {
        self.raw(&(n as u64).to_le_bytes())
    }
    pub(crate) fn opt_i64(&mut self, v: Option<i64>) -> io::Result<()> {
        self.raw(&[u8::from(v.is_some())])?;
        self.i64(v.unwrap_or(0))
    }
    pub(crate) fn str(&mut self, s: &str) -> io::Result<()> {
        self.len(s.len())?;
        self.raw(s.as_bytes())
    }
    pub(crate) fn opt_str(&mut self, s: Option<&str>) -> io::Result<()> {
        self.raw(&[u8::from(s.is_some())])?;
        self.str(s.unwrap_or(""))
    }
    /// A column of fixed-width values, converted a chunk at a time.
    pub(crate) fn column<T: Copy, const N: usize>(&mut self, v: &[T], le: impl Fn(T) -> [u8; N]) -> io::Result<()> {
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
    pub(crate) fn u32s(&mut self, v: &[u32]) -> io::Result<()> {
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

    /// A column of unsigned values as LEB128 varints (small values in a byte): a count, the bytes' length,
    /// then the bytes. Their length is counted first (`values` is walked twice), so that the bytes go out
    /// a chunk at a time: held whole, the largest column (an item's price at 10M orders, ~35 MB) stayed in
    /// the scratch buffer while a ledger cache was written, on top of the explorer's model.
    pub(crate) fn varints(&mut self, values: impl ExactSizeIterator<Item = u64> + Clone) -> io::Result<()> {
        self.len(values.len())?;
        let size: u64 = values.clone().map(|v| u64::from(v.max(1).ilog2() / 7 + 1)).sum();
        self.raw(&size.to_le_bytes())?;
        self.chunked(values, |bytes, mut v| {
            while v >= 0x80 {
                bytes.push(v as u8 | 0x80);
                v >>= 7;
            }
            bytes.push(v as u8);
        })
    }

    /// A column of `u32`s from an iterator, a chunk at a time.
    pub(crate) fn u32s_of(&mut self, values: impl ExactSizeIterator<Item = u32>) -> io::Result<()> {
        self.len(values.len())?;
        self.chunked(values, |bytes, v| bytes.extend(v.to_le_bytes()))
    }

    /// Writes each value as `put` encodes it, through the scratch buffer a chunk at a time.
    fn chunked<T>(&mut self, values: impl Iterator<Item = T>, put: impl Fn(&mut Vec<u8>, T)) -> io::Result<()> {
        let mut bytes = std::mem::take(&mut self.scratch);
        bytes.clear();
        for v in values {
            put(&mut bytes, v);
            if bytes.len() >= CHUNK {
                self.raw(&bytes)?;
                bytes.clear();
            }
        }
        self.raw(&bytes)?;
        self.scratch = bytes;
        Ok(())
    }

    /// A count, then each item.
    pub(crate) fn list<T>(
        &mut self,
        items: &[T],
        mut item: impl FnMut(&mut Self, &T) -> io::Result<()>,
    ) -> io::Result<()> {
        self.len(items.len())?;
        items.iter().try_for_each(|x| item(self, x))
    }

    /// Writes the whole model: its frames, then the index; returns the output.
    pub fn model(mut self, m: &Model) -> io::Result<W> {
        self.frame(|w| w.head(m))?;
        for d in m.seller_days.iter().chain(&m.category_days) {
            self.frame(|w| w.dense(d))?;
        }
        self.frame(|w| {
            w.list(&m.product_days, |w, p| {
                let (days, ends, bytes, tail_days, tail) = p.parts();
                w.days(&days)?;
                w.u32s(&ends)?;
                w.bytes(&bytes)?;
                w.days(tail_days)?;
                w.cells(&tail)
            })
        })?;
        self.frame(|w| w.customers(&m.store_customers))?;
        for l in m.seller_customers.iter().chain(&m.category_customers).chain(&m.product_customers) {
            self.frame(|w| w.customers(l))?;
        }
        debug_assert_eq!(self.starts.len(), Frames::of(m).count(), "the frames `Frames` numbers");
        self.finish()
    }

    /// Ends the body: the index of where each frame starts, then where the index starts; returns the output.
    pub(crate) fn finish(mut self) -> io::Result<W> {
        let index = self.at;
        let starts = std::mem::take(&mut self.starts);
        self.frame(|w| w.column(&starts, u64::to_le_bytes))?;
        self.out.write_all(&index.to_le_bytes())?;
        Ok(self.out)
    }

    /// The head frame: everything but the per-scope series and customer lists.
    fn head(&mut self, m: &Model) -> io::Result<()> {
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
        })
    }

    fn dense(&mut self, d: &Dense) -> io::Result<()> {
        let (start, cells) = d.parts();
        self.raw(&start.to_le_bytes())?;
        self.cells(&cells)
    }

    fn customers(&mut self, l: &CustomerList) -> io::Result<()> {
        let (chunks, days, firsts, total) = l.parts();
        self.column_of(l.len(), chunks, u32::to_le_bytes)?;
        self.column(&days.iter().map(|d| d.0).collect::<Vec<Day>>(), i32::to_le_bytes)?;
        self.column(&days.iter().map(|d| d.1).collect::<Vec<u32>>(), u32::to_le_bytes)?;
        self.u32s(firsts)?;
        self.u32(total)
    }
}

/// A fixed-width value a column holds, as little-endian bytes.
pub(crate) trait Le: bytemuck::Pod {
    /// The value whose little-endian bytes `self` holds (nothing to do on a little-endian machine).
    fn native(self) -> Self;
}

macro_rules! le {
    ($($t:ty),*) => {$(
        impl Le for $t {
            fn native(self) -> Self {
                <$t>::from_le(self)
            }
        }
    )*};
}
le!(u16, i32, u32, i64, u64);

pub(crate) fn bad(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("damaged model cache: {what}"))
}

/// The per-scope frames a question about one scope reads (`Want::of`); the head and the product series are
/// always read.
#[derive(Debug, Clone, Default)]
pub struct Want {
    sellers: Vec<u32>,
    categories: Vec<u32>,
    products: Vec<u32>,
}

impl Want {
    /// What a question about `scope` reads (`head`: the model `Reader::head` gave): the day series and
    /// customer lists of the scope, of its peers (a scorecard shows the peers' median: every seller for a
    /// seller, every category for a category, the products of its category for a product), of the sellers
    /// its orders belong to, and of its products. `None` for the whole store: everything is read.
    pub fn of(head: &Model, scope: Scope) -> Option<Want> {
        let all = |n: usize| (0..n as u32).collect::<Vec<u32>>();
        let mut want = match scope {
            Scope::Store => return None,
            Scope::Seller(_) => {
                Want { sellers: all(head.sellers.len()), categories: Vec::new(), products: head.products_of(scope) }
            }
            Scope::Category(_) => Want {
                sellers: head.sellers_of(scope),
                categories: all(head.categories.len()),
                products: head.products_of(scope),
            },
            Scope::Product(p) => {
                let category = head.products.get(p as usize).and_then(|p| p.category);
                let mut products = category.map(|c| head.products_of(Scope::Category(c))).unwrap_or_default();
                products.push(p);
                Want { sellers: head.sellers_of(scope), categories: category.into_iter().collect(), products }
            }
        };
        for v in [&mut want.sellers, &mut want.categories, &mut want.products] {
            v.sort_unstable();
            v.dedup();
        }
        Some(want)
    }
}

/// Reads what `Writer` wrote: the whole model (`model`), or the head and then only the frames a question
/// needs (`head`, then `rest`).
pub struct Reader<R: Read + Seek> {
    input: R,
    /// where the body starts in the input
    base: u64,
    /// where the input is, from `base`
    pos: u64,
    /// where each frame starts, then where the index starts
    starts: Vec<u64>,
    /// bytes left in the frame being read: no length may claim more
    left: u64,
    sum: Sum,
}

impl<R: Read + Seek> Reader<R> {
    /// Opens a body of `len` bytes that starts where `input` is: reads and checks its index.
    pub fn open(mut input: R, len: u64) -> io::Result<Self> {
        let base = input.stream_position()?;
        if len < 24 {
            return Err(bad("shorter than an index"));
        }
        input.seek(SeekFrom::Start(base + len - 8))?;
        let mut last = [0u8; 8];
        input.read_exact(&mut last)?;
        let index = u64::from_le_bytes(last);
        if index > len - 24 {
            return Err(bad("an index past the end"));
        }
        let mut r = Reader { input, base, pos: len, starts: vec![index, len - 8], left: 0, sum: Sum::default() };
        r.frame(0)?;
        let starts: Vec<u64> = r.column()?;
        r.end_frame()?;
        let ascending = starts.windows(2).all(|w| w[0] < w[1]);
        if starts.first() != Some(&0) || !ascending || starts.last().is_some_and(|&s| s >= index) {
            return Err(bad("frames out of order"));
        }
        r.starts = starts;
        r.starts.push(index);
        Ok(r)
    }

    /// Starts reading frame `k`.
    fn frame(&mut self, k: usize) -> io::Result<()> {
        let (Some(&from), Some(&to)) = (self.starts.get(k), self.starts.get(k + 1)) else {
            return Err(bad("a frame missing"));
        };
        if to - from < 8 {
            return Err(bad("a frame without its checksum"));
        }
        if from != self.pos {
            self.input.seek(SeekFrom::Start(self.base + from))?;
            self.pos = from;
        }
        self.left = to - from - 8;
        self.sum = Sum::default();
        Ok(())
    }

    /// Ends the frame being read: all of it read, and its checksum right.
    fn end_frame(&mut self) -> io::Result<()> {
        if self.left != 0 {
            return Err(bad("a frame longer than what it holds"));
        }
        let expected = std::mem::take(&mut self.sum).finish();
        let mut sum = [0u8; 8];
        self.input.read_exact(&mut sum)?;
        self.pos += 8;
        if u64::from_le_bytes(sum) != expected {
            return Err(bad("checksum mismatch"));
        }
        Ok(())
    }

    /// Reads frame `k` whole with `body`.
    pub(crate) fn framed<T>(&mut self, k: usize, body: impl FnOnce(&mut Self) -> io::Result<T>) -> io::Result<T> {
        self.frame(k)?;
        let v = body(self)?;
        self.end_frame()?;
        Ok(v)
    }

    fn raw_into(&mut self, buf: &mut [u8]) -> io::Result<()> {
        if buf.len() as u64 > self.left {
            return Err(bad("shorter than it says"));
        }
        self.input.read_exact(buf)?;
        self.left -= buf.len() as u64;
        self.pos += buf.len() as u64;
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
    pub(crate) fn flag(&mut self) -> io::Result<bool> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(bad("a flag that is neither 0 nor 1")),
        }
    }
    pub(crate) fn u32(&mut self) -> io::Result<u32> {
        Ok(u32::from_le_bytes(self.arr()?))
    }
    fn i32(&mut self) -> io::Result<i32> {
        Ok(i32::from_le_bytes(self.arr()?))
    }
    pub(crate) fn i64(&mut self) -> io::Result<i64> {
        Ok(i64::from_le_bytes(self.arr()?))
    }
    /// A count of elements of `width` bytes each, checked against what is left.
    pub(crate) fn len(&mut self, width: u64) -> io::Result<usize> {
        let n = u64::from_le_bytes(self.arr()?);
        if n.saturating_mul(width.max(1)) > self.left {
            return Err(bad("a length past the end"));
        }
        usize::try_from(n).map_err(|_| bad("a length too big"))
    }
    pub(crate) fn opt_i64(&mut self) -> io::Result<Option<i64>> {
        let some = self.flag()?;
        let v = self.i64()?;
        Ok(some.then_some(v))
    }
    pub(crate) fn str(&mut self) -> io::Result<String> {
        let n = self.len(1)?;
        let mut b = vec![0u8; n];
        self.raw_into(&mut b)?;
        String::from_utf8(b).map_err(|_| bad("text that is not UTF-8"))
    }
    pub(crate) fn opt_str(&mut self) -> io::Result<Option<String>> {
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
    /// `n` values read straight into their vector (a column is its values' little-endian bytes).
    fn values<T: Le>(&mut self, n: usize) -> io::Result<Vec<T>> {
        let mut v = vec![T::zeroed(); n];
        self.raw_into(bytemuck::cast_slice_mut(&mut v))?;
        v.iter_mut().for_each(|x| *x = x.native());
        Ok(v)
    }
    /// A column read into pieces of `piece` values (the last may be shorter).
    fn column_chunks<T: Le>(&mut self, piece: usize) -> io::Result<Vec<Vec<T>>> {
        let n = self.len(std::mem::size_of::<T>() as u64)?;
        let mut out = Vec::with_capacity(n.div_ceil(piece.max(1)));
        let mut left = n;
        while left > 0 {
            let k = left.min(piece);
            out.push(self.values(k)?);
            left -= k;
        }
        Ok(out)
    }
    /// What `Writer::varints` wrote, each value as `f` makes it (a delta summed, a width checked) in the
    /// same pass: decoded a megabyte at a time into one vector (a vector of the raw values, then one of the
    /// values made, was most of reading a ledger back: fresh pages cost more than decoding).
    pub(crate) fn varints_with<T>(&mut self, mut f: impl FnMut(u64) -> io::Result<T>) -> io::Result<Vec<T>> {
        let mut out = Vec::new();
        self.varints_each(|n, v| {
            if out.capacity() == 0 {
                out.reserve_exact(n);
            }
            out.push(f(v)?);
            Ok(())
        })?;
        Ok(out)
    }
    /// What `Writer::varints` wrote, handed to `f` one by one with their count: for decoding a column
    /// straight into the fields of structs already made, without a vector of it.
    pub(crate) fn varints_each(&mut self, mut f: impl FnMut(usize, u64) -> io::Result<()>) -> io::Result<usize> {
        let n = u64::from_le_bytes(self.arr()?);
        let len = self.len(1)?;
        if n > len as u64 {
            return Err(bad("more varints than bytes"));
        }
        let mut buf = vec![0u8; len.min(1 << 20)];
        let (mut left, mut v, mut shift, mut count) = (len, 0u64, 0u32, 0u64);
        while left > 0 {
            let k = left.min(buf.len());
            self.raw_into(&mut buf[..k])?;
            left -= k;
            for &b in &buf[..k] {
                if shift > 63 {
                    return Err(bad("a varint too long"));
                }
                v |= u64::from(b & 0x7f) << shift;
                if b & 0x80 == 0 {
                    f(n as usize, v)?;
                    count += 1;
                    (v, shift) = (0, 0);
                } else {
                    shift += 7;
                }
            }
        }
        if count != n || shift != 0 {
            return Err(bad("varints that do not add up"));
        }
        Ok(count as usize)
    }
    pub(crate) fn column<T: Le>(&mut self) -> io::Result<Vec<T>> {
        let n = self.len(std::mem::size_of::<T>() as u64)?;
        self.values(n)
    }
    fn days(&mut self) -> io::Result<Vec<Day>> {
        self.column()
    }
    pub(crate) fn u32s(&mut self) -> io::Result<Vec<u32>> {
        self.column()
    }
    fn cells(&mut self) -> io::Result<Vec<Counters>> {
        let n = self.len(8)?;
        if !n.is_multiple_of(FIELDS) {
            return Err(bad("day cells of the wrong width"));
        }
        let mut cells = vec![Counters::default(); n / FIELDS];
        self.raw_into(bytemuck::cast_slice_mut(&mut cells))?;
        bytemuck::cast_slice_mut::<Counters, i64>(&mut cells).iter_mut().for_each(|x| *x = i64::from_le(*x));
        Ok(cells)
    }
    fn dense(&mut self) -> io::Result<Dense> {
        let start = self.i32()?;
        Ok(Dense::from_parts(start, self.cells()?))
    }
    fn customers(&mut self) -> io::Result<CustomerList> {
        let entries = self.column_chunks(customers::CHUNK)?;
        let (days, starts) = (self.days()?, self.u32s()?);
        if days.len() != starts.len() {
            return Err(bad("a customer list's days and their starts do not agree"));
        }
        let days = days.into_iter().zip(starts).collect();
        let (firsts, total) = (self.u32s()?, self.u32()?);
        CustomerList::from_parts(entries, days, firsts, total).ok_or_else(|| bad("a customer list out of order"))
    }
    /// A count (which must be `expected`, when given), then each item.
    pub(crate) fn list<T>(
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

    /// Reads a whole model.
    pub fn model(mut self) -> io::Result<Model> {
        let head = self.head()?;
        self.rest(head, None)
    }

    /// Reads the head frame: a model whose per-scope day series and customer lists are still empty (and
    /// checks that every index points inside the model, and that the index has a frame for each part).
    pub fn head(&mut self) -> io::Result<Model> {
        self.frame(0)?;
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
        self.end_frame()?;
        let frames = Frames { sellers: n_sellers, categories: n_categories, products: n_products };
        // The index ends with where it starts itself.
        if self.starts.len() != frames.count() + 1 {
            return Err(bad("an index of the wrong length"));
        }
        let (no_days, no_customers) = (Arc::new(Dense::default()), Arc::new(CustomerList::default()));
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
            seller_days: vec![no_days.clone(); n_sellers],
            category_days: vec![no_days; n_categories],
            product_days: Vec::new(),
            store_customers: CustomerList::default(),
            seller_customers: vec![no_customers.clone(); n_sellers],
            category_customers: vec![no_customers.clone(); n_categories],
            product_customers: vec![no_customers; n_products],
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

    /// Reads the rest of the model `head` began: every part, or only those `want` names (and the product
    /// series, always). The parts left unread stay empty: such a model answers for the scope `want` was
    /// made for, and must not be asked about others (nor cached).
    pub fn rest(mut self, mut m: Model, want: Option<&Want>) -> io::Result<Model> {
        let (n_sellers, n_categories, n_products) = (m.sellers.len(), m.categories.len(), m.products.len());
        let all = |n: usize| (0..n as u32).collect::<Vec<u32>>();
        let (sellers, categories, products) = match want {
            Some(w) => (w.sellers.clone(), w.categories.clone(), w.products.clone()),
            None => (all(n_sellers), all(n_categories), all(n_products)),
        };
        let frames = Frames::of(&m);
        let inside = |v: &[u32], n: usize| v.iter().all(|&i| (i as usize) < n);
        if !(inside(&sellers, n_sellers) && inside(&categories, n_categories) && inside(&products, n_products)) {
            return Err(bad("a scope outside the model"));
        }
        for &s in &sellers {
            m.seller_days[s as usize] = Arc::new(self.framed(frames.seller_days(s), Self::dense)?);
        }
        for &c in &categories {
            m.category_days[c as usize] = Arc::new(self.framed(frames.category_days(c), Self::dense)?);
        }
        m.product_days = self.framed(frames.product_days(), |r| {
            r.list(Some((n_products, "product series")), |r| {
                let (days, ends, bytes, tail_days, tail) = (r.days()?, r.u32s()?, r.bytes()?, r.days()?, r.cells()?);
                Packed::from_parts(days, ends, bytes, tail_days, tail)
                    .map(Arc::new)
                    .ok_or_else(|| bad("a product series"))
            })
        })?;
        if want.is_none() {
            m.store_customers = self.framed(frames.store_customers(), Self::customers)?;
        }
        for &s in &sellers {
            m.seller_customers[s as usize] = Arc::new(self.framed(frames.seller_customers(s), Self::customers)?);
        }
        for &c in &categories {
            m.category_customers[c as usize] = Arc::new(self.framed(frames.category_customers(c), Self::customers)?);
        }
        for &p in &products {
            m.product_customers[p as usize] = Arc::new(self.framed(frames.product_customers(p), Self::customers)?);
        }
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
    fn the_checksum_sees_a_changed_byte_and_not_how_the_bytes_were_split() {
        let text: Vec<u8> = (0..200u8).collect();
        let sum = |parts: &[&[u8]]| {
            let mut s = Sum::default();
            parts.iter().for_each(|p| s.add(p));
            s.finish()
        };
        let whole = sum(&[&text]);
        assert_eq!(whole, sum(&[&text[..5], &text[5..37], &text[37..38], &text[38..]]));
        assert_eq!(whole, sum(&text.chunks(7).collect::<Vec<_>>()));
        for at in [0, 31, 32, 199] {
            let mut changed = text.clone();
            changed[at] ^= 1;
            assert_ne!(whole, sum(&[&changed]), "byte {at}");
        }
        assert_ne!(whole, sum(&[&text[..199]]), "one byte fewer");
        assert_ne!(sum(&[&[0u8; 32]]), sum(&[&[0u8; 64]]), "zeros of two lengths");
    }
}
