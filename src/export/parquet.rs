//! Analysed records as a Parquet file, written as they stream: the columns of
//! [`super::arrow`] (flat and nested), row group by row group.
//!
//! Memory is bounded, whatever the number of records: one Arrow batch being built
//! (at most [`BATCH_ROWS`] records or [`BATCH_BYTES`] of strings) and one row group
//! being encoded (at most [`ROW_GROUP_ROWS`] records or about [`ROW_GROUP_BYTES`]
//! encoded) — some 50 MB at most on top of the analysis itself, whatever the file's
//! size. The file is zstd-compressed (level 3; every current reader has it: pyarrow,
//! DuckDB, polars, Spark).

use std::io::Write;

use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;

use super::ExportError;
use super::arrow::{BatchBuilder, Layout};
use crate::analyze::Analysis;
use crate::ingest::Record;

/// Records per Arrow batch handed to the Parquet encoder.
pub const BATCH_ROWS: usize = 4096;
/// String bytes per Arrow batch (a batch of long texts ends sooner).
pub const BATCH_BYTES: usize = 8 << 20;
/// Records per row group at most.
pub const ROW_GROUP_ROWS: usize = 65_536;
/// Encoded bytes per row group, about (a row group ends at the batch that reaches it).
pub const ROW_GROUP_BYTES: usize = 32 << 20;

/// A Parquet file being written, one record at a time.
pub struct ParquetWriter<W: Write + Send> {
    writer: ArrowWriter<W>,
    batch: BatchBuilder,
    rows: u64,
}

impl<W: Write + Send> ParquetWriter<W> {
    /// Starts a file of `layout`'s columns on `out` (written through as row groups
    /// fill; give it a buffered writer).
    pub fn new(out: W, layout: Layout) -> Result<ParquetWriter<W>, ExportError> {
        let batch = BatchBuilder::new(layout);
        let props = WriterProperties::builder()
            .set_compression(Compression::ZSTD(ZstdLevel::try_new(3)?))
            .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
            .set_max_row_group_bytes(Some(ROW_GROUP_BYTES))
            .set_created_by(format!("koe {}", env!("CARGO_PKG_VERSION")))
            .build();
        let writer = ArrowWriter::try_new(out, batch.schema(), Some(props))?;
        Ok(ParquetWriter {
            writer,
            batch,
            rows: 0,
        })
    }

    /// Adds one analysed record.
    pub fn push(&mut self, r: &Record, a: &Analysis) -> Result<(), ExportError> {
        if let Err(ExportError::BatchFull { .. }) = self.batch.push(r, a) {
            // A record of more than 2 GiB of strings never comes (ingest bounds
            // records far below); a full batch is written and the record retried.
            self.write_batch()?;
            self.batch.push(r, a)?;
        }
        self.rows += 1;
        if self.batch.len() >= BATCH_ROWS || self.batch.string_bytes() >= BATCH_BYTES {
            self.write_batch()?;
        }
        Ok(())
    }

    fn write_batch(&mut self) -> Result<(), ExportError> {
        if self.batch.is_empty() {
            return Ok(());
        }
        let batch = self.batch.finish()?;
        self.writer.write(&batch)?;
        Ok(())
    }

    /// Records pushed so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Writes what is left and the footer; returns the output.
    pub fn finish(mut self) -> Result<W, ExportError> {
        self.write_batch()?;
        Ok(self.writer.into_inner()?)
    }
}
