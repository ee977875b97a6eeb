//! The ledger cache: the explorer's ledger written whole when it stops (its model, then what it keeps
//! besides it: `Ledger::write_state`), one file per store beside the model caches. The next start reads
//! it back and catches up with a refresh, instead of reading the whole store again (at 10M orders a load
//! takes ~70 s and ~2.5 GB at its peak). It is used whatever state of the store it was written at: a
//! refresh brings an earlier state up to date, or says that it cannot (the store was edited, not appended
//! to), and then the store is loaded whole, as without it. Safe to delete, like the model cache.
//!
//! ```text
//! MAGIC | model format | LEDGER format | identity (flag, then it) | clock bound
//! model body (snapshot) | state body (Ledger::write_state) | where the model starts | where the state starts
//! ```
//!
//! The model body is left out (empty) when the model cache holds the ledger's model under the ledger's
//! identity: it is read from there. At 10M orders that is 0.66 of 1.74 GB, and the explorer's quit waits
//! for the write.

use std::fs::{self, File};
use std::io::{self, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use super::cache::{self, Identity};
use super::ledger::Ledger;
use super::model::Model;
use super::snapshot::{self, Reader, Writer};
use crate::time::{self, Day};

const MAGIC: &[u8; 8] = b"KPISLDGR";
/// Bumped whenever what `Ledger::write_state` writes changes meaning.
const LEDGER: u32 = 4;

/// A ledger cache file whose head and bounds are checked, ready to read.
pub struct Entry {
    dir: PathBuf,
    file: PathBuf,
    id: Option<Identity>,
    model_at: u64,
    state_at: u64,
    end: u64,
}

/// The ledger cache of the store at `store`, or why there is none (missing, another version, damaged).
pub fn open(dir: &Path, store: &Path) -> Result<Entry, String> {
    let now = Identity::of(store).map_err(|e| format!("{}: {e}", store.display()))?;
    let file = now.file_in(dir, "ledger");
    let shown = |e: io::Error| format!("{}: {e}", file.display());
    let mut f = BufReader::new(File::open(&file).map_err(shown)?);
    let head = (|| {
        let mut magic = [0u8; 8];
        f.read_exact(&mut magic)?;
        let mut formats = [0u8; 8];
        f.read_exact(&mut formats)?;
        let mut flag = [0u8; 1];
        f.read_exact(&mut flag)?;
        let id = if flag[0] == 1 { Some(Identity::read(&mut f)?) } else { None };
        let mut bound = [0u8; 4];
        f.read_exact(&mut bound)?;
        let model_at = f.stream_position()?;
        let end = f.seek(SeekFrom::End(-16))?;
        let mut tail = [0u8; 16];
        f.read_exact(&mut tail)?;
        let at = |i: usize| u64::from_le_bytes(tail[i..i + 8].try_into().unwrap_or_default());
        Ok::<_, io::Error>((magic, formats, id, Day::from_le_bytes(bound), model_at, at(0), at(8), end))
    })();
    let (magic, formats, id, bound, model_at, stored_model_at, state_at, end) = head.map_err(shown)?;
    let format = |i: usize| u32::from_le_bytes(formats[i..i + 4].try_into().unwrap_or_default());
    if &magic != MAGIC || format(0) != snapshot::FORMAT || format(4) != LEDGER {
        return Err(format!("{}: written by another version of kpiscope", file.display()));
    }
    if id.as_ref().is_some_and(|id| !id.same_store(&now)) {
        return Err(format!("{}: written for another store", file.display()));
    }
    if bound != Day::MIN && bound != time::day_of(time::wall_clock()) {
        return Err("the store has rows dated after the day its ledger was cached".into());
    }
    let model_elsewhere = state_at == model_at && id.is_some();
    if stored_model_at != model_at || (state_at <= model_at && !model_elsewhere) || state_at >= end {
        return Err(format!("{}: damaged ledger cache: bounds", file.display()));
    }
    Ok(Entry { dir: dir.to_path_buf(), file, id, model_at, state_at, end })
}

impl Entry {
    /// The store's identity when the ledger was written, if it held still then.
    pub fn identity(&self) -> Option<&Identity> {
        self.id.as_ref()
    }

    fn body(&self, at: u64, to: u64) -> io::Result<Reader<BufReader<File>>> {
        let mut f = BufReader::with_capacity(1 << 20, File::open(&self.file)?);
        f.seek(SeekFrom::Start(at))?;
        Reader::open(f, to - at)
    }

    /// The ledger's model: from this file, or from the model cache's entry under the ledger's identity.
    pub fn model(&self) -> Result<Model, String> {
        if self.state_at == self.model_at {
            let id = self.id.as_ref().ok_or("a ledger cache without its model")?;
            return cache::read(&self.dir, id).map_err(|e| format!("the ledger's model: {e}"));
        }
        let read = self.body(self.model_at, self.state_at).and_then(Reader::model);
        read.map_err(|e| format!("{}: {e}", self.file.display()))
    }

    /// The ledger, beside its `model` (`Entry::model`), for the store at `store`.
    pub fn ledger(&self, model: Model, store: &Path) -> Result<Ledger, String> {
        let read = self.body(self.state_at, self.end).and_then(|mut r| Ledger::read_state(model, store, &mut r));
        // The columns read and turned into the ledger's own are let go.
        crate::memory::trim();
        read.map_err(|e| format!("{}: {e}", self.file.display()))
    }
}

/// Writes `ledger` as the ledger cache of the store at `store`; `id` is the store's identity at the
/// ledger's state, when known (with it, a model the model cache holds under it is not written again). To
/// a temporary file renamed into place, so that a reader never sees half a file; then removes the oldest
/// entries beyond the model cache's count.
pub fn write(dir: &Path, store: &Path, id: Option<&Identity>, ledger: &Ledger) -> io::Result<PathBuf> {
    fs::create_dir_all(dir)?;
    let path = Identity::of(store)?.file_in(dir, "ledger");
    let tmp = path.with_extension(format!("ledger-tmp{}", std::process::id()));
    let result = (|| {
        let mut w = BufWriter::with_capacity(1 << 20, File::create(&tmp)?);
        w.write_all(MAGIC)?;
        w.write_all(&snapshot::FORMAT.to_le_bytes())?;
        w.write_all(&LEDGER.to_le_bytes())?;
        w.write_all(&[u8::from(id.is_some())])?;
        if let Some(id) = id {
            id.write(&mut w)?;
        }
        w.write_all(&cache::clock_bound(ledger.model()).to_le_bytes())?;
        let model_at = w.stream_position()?;
        if !id.is_some_and(|id| cache::holds(dir, id)) {
            w = Writer::new(w).model(ledger.model())?;
        }
        let state_at = w.stream_position()?;
        let mut w = ledger.write_state(w)?;
        w.write_all(&model_at.to_le_bytes())?;
        w.write_all(&state_at.to_le_bytes())?;
        // Not synced to the disk (the model cache is): at 10M orders that took most of the ~9 s the
        // explorer's quit waited for. A file cut short by a crash fails its checksums and is not used.
        w.flush()?;
        drop(w);
        fs::rename(&tmp, &path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result?;
    cache::prune(dir, &path, "ledger");
    Ok(path)
}
