//! The persisted cache of models: a loaded store's `Model` kept in the user's cache directory
//! (`~/.cache/kpiscope/models/` on Linux; `KPISCOPE_CACHE_DIR` moves it, `KPISCOPE_CACHE_DIR=off` turns it
//! off), so that the next start of the explorer, `report` or `flags` reads the aggregates instead of the
//! whole store. Nothing is ever written to the store.
//!
//! A cache entry is keyed on the store's identity: its canonical path, and its content version as the file
//! system and SQLite's own headers tell it (size, modification time and change counter of the database
//! file; size, modification time and header of a non-empty `-wal` file: every commit changes one of
//! them). An entry whose identity differs from the store's is stale and is rebuilt from the store; a
//! damaged entry is refused (see `snapshot`) and rebuilt; deleting the directory only costs one cold
//! start. The identity is taken before a load and again after it, and the model is written only when both
//! agree, so a commit that lands during a load can never be hidden behind an entry that looks current.

use std::fs::{self, File};
use std::hash::{Hash, Hasher};
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use super::model::{Model, Scope};
use super::snapshot::{self, Reader, Want, Writer};
use crate::time::{self, Day};

/// What starts every cache file.
const MAGIC: &[u8; 8] = b"KPISCOPE";
/// Entries kept; the least recently written beyond these are removed when a new one is written.
const KEEP: usize = 4;

/// A store's identity and content version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// canonical path of the database file
    path: String,
    db: FileStamp,
    /// the database header's change counter and "version valid for" (bytes 24..28 and 92..96)
    db_header: [u8; 8],
    /// the write-ahead log, when it holds anything: its stamp and its 32-byte header (salts, checkpoint)
    wal: Option<(FileStamp, [u8; 32])>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FileStamp {
    len: u64,
    mtime_ns: i128,
}

impl FileStamp {
    fn of(meta: &fs::Metadata) -> FileStamp {
        let mtime_ns = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(-1, |d| d.as_nanos() as i128);
        FileStamp { len: meta.len(), mtime_ns }
    }
}

fn read_at(file: &mut File, at: u64, buf: &mut [u8]) -> io::Result<()> {
    use std::io::Seek;
    file.seek(io::SeekFrom::Start(at))?;
    file.read_exact(buf)
}

impl Identity {
    /// `before`, if the store at `path` still has it: the store held still over whatever ran since.
    pub fn still(path: &Path, before: Option<Identity>) -> Option<Identity> {
        before.filter(|b| Identity::of(path).ok().as_ref() == Some(b))
    }

    /// The identity of the store at `path` now.
    pub fn of(path: &Path) -> io::Result<Identity> {
        let canonical = fs::canonicalize(path)?;
        let mut db = File::open(&canonical)?;
        let stamp = FileStamp::of(&db.metadata()?);
        let mut header = [0u8; 8];
        if stamp.len >= 100 {
            read_at(&mut db, 24, &mut header[..4])?;
            read_at(&mut db, 92, &mut header[4..])?;
        }
        let mut wal_path = canonical.clone().into_os_string();
        wal_path.push("-wal");
        let wal = match File::open(&wal_path) {
            Ok(mut f) => {
                let s = FileStamp::of(&f.metadata()?);
                let mut h = [0u8; 32];
                if s.len >= 32 {
                    read_at(&mut f, 0, &mut h)?;
                }
                (s.len > 0).then_some((s, h))
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => return Err(e),
        };
        Ok(Identity { path: canonical.to_string_lossy().into_owned(), db: stamp, db_header: header, wal })
    }

    pub(crate) fn write(&self, w: &mut impl Write) -> io::Result<()> {
        let (wal, wal_header) = self.wal.map_or(((0, -1), [0u8; 32]), |(s, h)| ((s.len, s.mtime_ns), h));
        w.write_all(&(self.path.len() as u64).to_le_bytes())?;
        w.write_all(self.path.as_bytes())?;
        for (len, mtime) in [(self.db.len, self.db.mtime_ns), wal] {
            w.write_all(&len.to_le_bytes())?;
            w.write_all(&mtime.to_le_bytes())?;
        }
        w.write_all(&self.db_header)?;
        w.write_all(&wal_header)
    }

    pub(crate) fn read(r: &mut impl Read) -> io::Result<Identity> {
        let mut n = [0u8; 8];
        r.read_exact(&mut n)?;
        let n = u64::from_le_bytes(n);
        if n > 64 * 1024 {
            return Err(io::Error::new(io::ErrorKind::InvalidData, "damaged model cache: path"));
        }
        let mut path = vec![0u8; n as usize];
        r.read_exact(&mut path)?;
        let mut stamps = [FileStamp { len: 0, mtime_ns: 0 }; 2];
        for s in &mut stamps {
            let (mut len, mut mtime) = ([0u8; 8], [0u8; 16]);
            r.read_exact(&mut len)?;
            r.read_exact(&mut mtime)?;
            *s = FileStamp { len: u64::from_le_bytes(len), mtime_ns: i128::from_le_bytes(mtime) };
        }
        let mut db_header = [0u8; 8];
        r.read_exact(&mut db_header)?;
        let mut wal_header = [0u8; 32];
        r.read_exact(&mut wal_header)?;
        Ok(Identity {
            path: String::from_utf8_lossy(&path).into_owned(),
            db: stamps[0],
            db_header,
            wal: (stamps[1].len > 0).then_some((stamps[1], wal_header)),
        })
    }
}

/// Where model caches live: `KPISCOPE_CACHE_DIR`, or the platform's cache directory; `None` when caching
/// is off (`KPISCOPE_CACHE_DIR=off`) or there is no home to put it in.
pub fn dir() -> Option<PathBuf> {
    match std::env::var_os("KPISCOPE_CACHE_DIR") {
        Some(v) if v == "off" || v.is_empty() => None,
        Some(v) => Some(PathBuf::from(v)),
        None => directories::ProjectDirs::from("", "", "kpiscope").map(|d| d.cache_dir().join("models")),
    }
}

/// The cache file of a store (by its canonical path).
fn file_for(dir: &Path, id: &Identity) -> PathBuf {
    id.file_in(dir, "model")
}

impl Identity {
    /// A cache file of this store in `dir`, of the kind `ext` names (by the store's canonical path).
    pub(crate) fn file_in(&self, dir: &Path, ext: &str) -> PathBuf {
        let mut h = rustc_hash::FxHasher::default();
        self.path.hash(&mut h);
        dir.join(format!("{:016x}.{ext}", h.finish()))
    }

    /// Whether both are of the same store file (whatever its content).
    pub(crate) fn same_store(&self, other: &Identity) -> bool {
        self.path == other.path
    }
}

/// The day a cached model stops being valid for, if its store has times after the loading day's horizon:
/// those rows were left out as "not happened yet" and count once their day comes.
pub(crate) fn clock_bound(m: &Model) -> Day {
    if m.quality.count("future_time") > 0 { time::day_of(time::wall_clock()) } else { Day::MIN }
}

/// The cached model of the store `id` names, or why there is none (missing, stale, damaged).
pub fn read(dir: &Path, id: &Identity) -> Result<Model, String> {
    let (reader, path) = open_entry(dir, id)?;
    reader.model().map_err(|e| format!("{}: {e}", path.display()))
}

/// Whether the cache holds a model of the store `id` names (its head and index checked, nothing more read).
pub fn holds(dir: &Path, id: &Identity) -> bool {
    open_entry(dir, id).is_ok()
}

/// The cache entry of the store `id` names, its header checked, ready to read: or why it cannot be used.
fn open_entry(dir: &Path, id: &Identity) -> Result<(Reader<BufReader<File>>, PathBuf), String> {
    let path = file_for(dir, id);
    let file = File::open(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let len = file.metadata().map_err(|e| e.to_string())?.len();
    let mut r = BufReader::with_capacity(1 << 20, file);
    let head = (|| {
        let mut magic = [0u8; 8];
        r.read_exact(&mut magic)?;
        let mut format = [0u8; 4];
        r.read_exact(&mut format)?;
        let stored = Identity::read(&mut r)?;
        let mut bound = [0u8; 4];
        r.read_exact(&mut bound)?;
        Ok::<_, io::Error>((magic, u32::from_le_bytes(format), stored, Day::from_le_bytes(bound)))
    })();
    let (magic, format, stored, bound) = head.map_err(|e| format!("{}: {e}", path.display()))?;
    if &magic != MAGIC || format != snapshot::FORMAT {
        return Err(format!("{}: written by another version of kpiscope", path.display()));
    }
    if &stored != id {
        return Err("the store changed since it was cached".into());
    }
    if bound != Day::MIN && bound != time::day_of(time::wall_clock()) {
        return Err("the store has rows dated after the day it was cached".into());
    }
    let body = (|| {
        let head_len = io::Seek::stream_position(&mut r)?;
        Reader::open(r, len.saturating_sub(head_len))
    })();
    body.map(|reader| (reader, path.clone())).map_err(|e| format!("{}: {e}", path.display()))
}

/// The cached model of the store at `store` as it is now, with the identity it is cached under, or why
/// there is none.
pub fn lookup(dir: &Path, store: &Path) -> Result<(Model, Identity), String> {
    let id = Identity::of(store).map_err(|e| format!("{}: {e}", store.display()))?;
    read(dir, &id).map(|m| (m, id))
}

/// For a question about one scope (`report`, `flags`): the cached model of the store at `store`, read only
/// in the parts that scope needs (see `snapshot::Want`), and the scope `pick` chose from the model's
/// names. `Err`: why the cache cannot answer (the caller loads the store); `Ok(Err)`: `pick`'s refusal
/// (an unknown seller), given without reading further. The model must not be asked about other scopes.
pub fn lookup_for(
    dir: &Path,
    store: &Path,
    pick: impl FnOnce(&Model) -> crate::Result<Scope>,
) -> Result<crate::Result<(Model, Scope)>, String> {
    let id = Identity::of(store).map_err(|e| format!("{}: {e}", store.display()))?;
    let (mut reader, path) = open_entry(dir, &id)?;
    let head = reader.head().map_err(|e| format!("{}: {e}", path.display()))?;
    let scope = match pick(&head) {
        Ok(s) => s,
        Err(e) => return Ok(Err(e)),
    };
    let want = Want::of(&head, scope);
    let model = reader.rest(head, want.as_ref()).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(Ok((model, scope)))
}

/// Writes `model` as the cache of `store` under `id`, unless the store has moved on from `id` meanwhile (a
/// later commit makes the model out of date: whatever follows that commit saves again). Failing to write
/// is logged, never an error: the cache only saves time.
pub fn save(dir: &Path, store: &Path, id: &Identity, model: &Model) {
    if Identity::of(store).ok().as_ref() != Some(id) {
        return;
    }
    let started = std::time::Instant::now();
    match write(dir, id, model) {
        Ok(p) => tracing::info!("model cached in {} ({} ms)", p.display(), started.elapsed().as_millis()),
        Err(e) => tracing::warn!("cannot write the model cache in {}: {e}", dir.display()),
    }
}

/// Writes `model` as the cache of the store `id` names: to a temporary file renamed into place, so that a
/// reader never sees half a file; then removes the oldest entries beyond `KEEP`.
pub fn write(dir: &Path, id: &Identity, model: &Model) -> io::Result<PathBuf> {
    fs::create_dir_all(dir)?;
    let path = file_for(dir, id);
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    let result = (|| {
        let mut w = BufWriter::with_capacity(1 << 20, File::create(&tmp)?);
        w.write_all(MAGIC)?;
        w.write_all(&snapshot::FORMAT.to_le_bytes())?;
        id.write(&mut w)?;
        w.write_all(&clock_bound(model).to_le_bytes())?;
        let w = Writer::new(w).model(model)?;
        w.into_inner().map_err(io::IntoInnerError::into_error)?.sync_all()?;
        fs::rename(&tmp, &path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result?;
    prune(dir, &path, "model");
    Ok(path)
}

/// Keeps the `KEEP` most recently written entries of the kind `ext` names (and `keep`).
pub(crate) fn prune(dir: &Path, keep: &Path, ext: &str) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    let mut files: Vec<(std::time::SystemTime, PathBuf)> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == ext) && p != keep)
        .filter_map(|p| Some((fs::metadata(&p).ok()?.modified().ok()?, p)))
        .collect();
    files.sort_by_key(|f| std::cmp::Reverse(f.0));
    for (_, p) in files.into_iter().skip(KEEP - 1) {
        let _ = fs::remove_file(p);
    }
}

/// A store opened through the cache (see `open`).
pub struct Opened {
    pub model: Model,
    /// true when the model came from the cache
    pub warm: bool,
    /// where to write a cold load's model: cache directory, store, and the identity it was loaded at
    /// (`None`: warm, caching off, or the store changed during the load)
    pending: Option<(PathBuf, PathBuf, Identity)>,
}

impl Opened {
    /// Whether `save` has anything to write.
    pub fn unsaved(&self) -> bool {
        self.pending.is_some()
    }

    /// Writes a cold load's model to the cache (call it after answering: writing takes a while).
    pub fn save(&self) {
        if let Some((dir, store, id)) = self.pending.as_ref() {
            save(dir, store, id, &self.model);
        }
    }
}

/// Opens the store at `path` through the cache in `dir` (`None`: no cache): the cached model when it is
/// current, else a load from the store (`progress` sees it), to be cached by `Opened::save` when the store
/// did not change meanwhile. (`open_for` the whole store: nothing is left unread.)
pub fn open(
    dir: Option<PathBuf>,
    conn: &rusqlite::Connection,
    path: &Path,
    progress: &mut dyn FnMut(f64),
) -> crate::Result<Opened> {
    open_for(dir, conn, path, progress, |_| Ok(Scope::Store)).map(|(opened, _)| opened)
}

/// `open`, for a question about the one scope `pick` chooses from the model's names: a current cache entry
/// is read only in that scope's parts (`lookup_for`; such a model is never cached again), else the store is
/// loaded whole. Gives the scope too.
pub fn open_for(
    dir: Option<PathBuf>,
    conn: &rusqlite::Connection,
    path: &Path,
    progress: &mut dyn FnMut(f64),
    pick: impl Fn(&Model) -> crate::Result<Scope>,
) -> crate::Result<(Opened, Scope)> {
    if let Some(dir) = dir.as_deref() {
        match lookup_for(dir, path, &pick) {
            Ok(found) => {
                let (model, scope) = found?;
                return Ok((Opened { model, warm: true, pending: None }, scope));
            }
            Err(why) => tracing::info!("model cache not used: {why}"),
        }
    }
    let opened = load(dir, conn, path, progress)?;
    let scope = pick(&opened.model)?;
    Ok((opened, scope))
}

/// A load from the store, to be cached in `dir` if the store holds still meanwhile.
fn load(
    dir: Option<PathBuf>,
    conn: &rusqlite::Connection,
    path: &Path,
    progress: &mut dyn FnMut(f64),
) -> crate::Result<Opened> {
    let before = Identity::of(path).ok();
    let model = super::load_with_progress(conn, path, progress)?;
    let pending = dir.zip(Identity::still(path, before)).map(|(dir, id)| (dir, path.to_path_buf(), id));
    Ok(Opened { model, warm: false, pending })
}
