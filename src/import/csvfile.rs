//! Reading one CSV export: UTF-8 with or without a BOM, CRLF or LF, quoted fields spanning lines. A file
//! that is not text is refused at once; a row with a wrong number of fields or bytes that are not UTF-8
//! becomes an `Issue` naming its line and column. Columns are found by role from common header spellings.
//! Every file reports the bytes it has read to the import's `Meter`, so every format shows progress.

use std::cell::Cell;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use super::{Issue, Summary};
use crate::error::{Error, Result};

/// Rows read between two progress reports.
const REPORT_EVERY: u64 = 8192;

/// The progress of an import: bytes read over the bytes of every file it will read.
pub struct Meter<'a> {
    total: Cell<u64>,
    /// bytes of the files read to the end
    done: Cell<u64>,
    report: &'a dyn Fn(u64, u64),
}

impl<'a> Meter<'a> {
    pub fn new(report: &'a dyn Fn(u64, u64)) -> Self {
        Meter { total: Cell::new(0), done: Cell::new(0), report }
    }

    /// The files the import will read (their sizes make the total).
    pub fn expect(&self, files: &[PathBuf]) {
        self.total.set(files.iter().filter_map(|p| std::fs::metadata(p).ok()).map(|m| m.len()).sum());
    }

    fn at(&self, position: u64) {
        (self.report)(self.done.get() + position, self.total.get());
    }

    fn finished(&self, bytes: u64) {
        self.done.set(self.done.get() + bytes);
        self.at(0);
    }

    /// Everything is read.
    pub fn finish(&self) {
        (self.report)(self.total.get(), self.total.get());
    }
}

pub struct CsvFile<'m> {
    pub name: String,
    reader: csv::Reader<File>,
    pub headers: Vec<String>,
    pub bytes: u64,
    record: csv::ByteRecord,
    meter: &'m Meter<'m>,
    rows: u64,
    /// the end was reached (and told the meter)
    ended: bool,
}

/// A row of the file: its line number (1-based, the header is line 1) and fields.
pub struct Line {
    pub line: u64,
    pub fields: Vec<String>,
}

fn norm(s: &str) -> String {
    s.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

impl<'m> CsvFile<'m> {
    pub fn open(path: &Path, meter: &'m Meter<'m>) -> Result<CsvFile<'m>> {
        let name = path.display().to_string();
        let io = |source| Error::Io { path: path.into(), source };
        let mut head = vec![0u8; 8192];
        let mut f = File::open(path).map_err(io)?;
        let n = f.read(&mut head).map_err(io)?;
        if let Some(at) = head[..n].iter().position(|&b| b == 0) {
            return Err(Error::usage(format!("{name}: not a CSV text file (binary data at byte {at})")));
        }
        if n >= 2 && (head[..2] == [0xFF, 0xFE] || head[..2] == [0xFE, 0xFF]) {
            return Err(Error::usage(format!("{name}: UTF-16 text; save the export as UTF-8")));
        }
        let bytes = std::fs::metadata(path).map_err(io)?.len();
        let reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_path(path)
            .map_err(|e| Error::usage(format!("{name}: {e}")))?;
        let mut file = CsvFile {
            name: name.clone(),
            reader,
            headers: Vec::new(),
            bytes,
            record: csv::ByteRecord::new(),
            meter,
            rows: 0,
            ended: false,
        };
        match file.reader.read_byte_record(&mut file.record) {
            Ok(true) => {}
            Ok(false) => return Err(Error::usage(format!("{name}: empty file (no header line)"))),
            Err(e) => return Err(Error::usage(format!("{name}: {e}"))),
        }
        file.headers = file
            .record
            .iter()
            .enumerate()
            .map(|(i, h)| {
                std::str::from_utf8(h)
                    .map(|s| s.trim().to_string())
                    .map_err(|_| Error::usage(format!("{name}:1: header {} is not UTF-8 text", i + 1)))
            })
            .collect::<Result<_>>()?;
        Ok(file)
    }

    /// The column of a role: an override header if given, else the first header matching a spelling.
    pub fn find(&self, spellings: &[&str], over: Option<&str>) -> Option<usize> {
        match over {
            Some(h) => self.headers.iter().position(|x| norm(x) == norm(h)),
            None => spellings.iter().find_map(|s| self.headers.iter().position(|x| norm(x) == norm(s))),
        }
    }

    /// The next row that can be read. Every row counts in `summary`; a row that cannot be read is reported
    /// there as an issue and skipped (or, `strict`, ends the import).
    pub fn next_row(&mut self, summary: &mut Summary, strict: bool) -> Result<Option<Line>> {
        while let Some(row) = self.next_line() {
            summary.rows_read += 1;
            match row? {
                Ok(line) => return Ok(Some(line)),
                Err(issue) => summary.issue(issue, strict)?,
            }
        }
        Ok(None)
    }

    /// The next row, or the issue that keeps it out.
    fn next_line(&mut self) -> Option<Result<std::result::Result<Line, Issue>>> {
        self.rows += 1;
        if self.rows.is_multiple_of(REPORT_EVERY) {
            self.meter.at(self.reader.position().byte());
        }
        match self.reader.read_byte_record(&mut self.record) {
            Ok(false) => {
                if !std::mem::replace(&mut self.ended, true) {
                    self.meter.finished(self.bytes);
                }
                None
            }
            Err(e) => Some(Err(Error::usage(format!("{}: {e}", self.name)))),
            Ok(true) => {
                let line = self.record.position().map_or(0, |p| p.line());
                let issue = |column: String, value: String, why: String| Issue {
                    file: self.name.clone(),
                    line,
                    column,
                    value,
                    why,
                };
                if self.record.len() != self.headers.len() {
                    let value = self.record.iter().map(String::from_utf8_lossy).collect::<Vec<_>>().join(",");
                    let why = format!(
                        "has {} fields, the header has {} (a truncated or broken line)",
                        self.record.len(),
                        self.headers.len()
                    );
                    return Some(Ok(Err(issue("-".into(), value, why))));
                }
                let mut fields = Vec::with_capacity(self.record.len());
                for (i, f) in self.record.iter().enumerate() {
                    match std::str::from_utf8(f) {
                        Ok(s) => fields.push(s.to_string()),
                        Err(_) => {
                            let col = self.headers.get(i).cloned().unwrap_or_else(|| format!("{}", i + 1));
                            return Some(Ok(Err(issue(
                                col,
                                String::from_utf8_lossy(f).into_owned(),
                                "not UTF-8 text".into(),
                            ))));
                        }
                    }
                }
                Some(Ok(Ok(Line { line, fields })))
            }
        }
    }
}
