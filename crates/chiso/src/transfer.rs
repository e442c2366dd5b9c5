//! `chiso import` and `chiso export`: data values in and out of files.

use anyhow::{bail, Context};
use chiso_app::App;
use chiso_collect::{Hierarchy, ImportError, ImportOptions, Strategy};
use chiso_core::{Code, Period, SourceTag, Via};
use chiso_io::values::ExportRow;
use chiso_store::{Actor, Store, ValueQuery};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::Read;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The export formats.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum ExportFormat {
    /// chiso's CSV: element, period, unit, breakdown, value, comment, source, stored_by, stored_at.
    Csv,
    /// DHIS2's CSV columns.
    Dhis2Csv,
    /// DHIS2's dataValueSets JSON.
    Dhis2Json,
}

fn spinner(msg: &'static str) -> ProgressBar {
    let pb = ProgressBar::new_spinner();
    pb.set_style(
        ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
            .unwrap_or(ProgressStyle::default_spinner()),
    );
    pb.set_message(msg);
    pb.enable_steady_tick(Duration::from_millis(120));
    pb
}

fn read_with_progress(path: &Path) -> anyhow::Result<Vec<u8>> {
    let mut f = std::fs::File::open(path)
        .with_context(|| format!("không mở được tệp {}", path.display()))?;
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    let limit = chiso_io::values::MAX_TEXT_FILE_BYTES as u64;
    if len > limit {
        bail!(
            "{}: tệp quá lớn ({} MB); giới hạn là {} MB",
            path.display(),
            len / 1024 / 1024,
            limit / 1024 / 1024
        );
    }
    let pb = ProgressBar::new(len);
    pb.set_style(
        ProgressStyle::with_template("Đọc tệp  [{bar:30}] {bytes}/{total_bytes}")
            .unwrap_or(ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    let mut out = Vec::with_capacity(len as usize);
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        out.extend_from_slice(&buf[..n]);
        pb.inc(n as u64);
        if out.len() as u64 > limit {
            bail!("{}: tệp quá lớn", path.display());
        }
    }
    pb.finish_and_clear();
    Ok(out)
}

/// Import a file, all or nothing. Returns false when the file was refused.
pub async fn import(
    store: Arc<dyn Store>,
    file: &Path,
    dry_run: bool,
    strategy: &str,
) -> anyhow::Result<bool> {
    let started = Instant::now();
    let strategy = Strategy::parse(strategy).with_context(|| {
        format!("'{strategy}': dùng CREATE_AND_UPDATE, CREATE, UPDATE hoặc DELETE")
    })?;
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| file.display().to_string());
    let bytes = read_with_progress(file)?;
    let pb = spinner("Đọc dữ liệu trong tệp");
    let read = chiso_collect::read_file(&name, &bytes).map(|(_, rows, names)| (rows, names));
    drop(bytes);
    pb.finish_and_clear();
    let (rows, names) = match read {
        Ok(x) => x,
        Err(errors) => {
            report_errors(&errors);
            return Ok(false);
        }
    };
    let pb = spinner("Nạp bộ máy chỉ số");
    let app = App::open(store.clone()).await?.without_updates();
    let hier = Hierarchy::of(&app).await;
    // The engine serves the validation rules; this process exits after writing.
    pb.finish_and_clear();
    let pb = spinner(if dry_run {
        "Kiểm tra (không ghi)"
    } else {
        "Kiểm tra và ghi"
    });
    let batch = chrono::Utc::now().format("%Y%m%d-%H%M%S").to_string();
    let out = chiso_collect::import_rows(
        &app,
        &hier,
        &rows,
        &ImportOptions {
            file: name.clone(),
            dry_run,
            strategy,
            source: SourceTag::Import(batch),
            may_bypass_lock: true,
            names,
        },
        &Actor::new("cli", Via::Import),
        &|_: &Code| true,
        chiso_collect::today_in_vietnam(),
    )
    .await;
    pb.finish_and_clear();
    match out {
        Ok(o) => {
            for w in &o.warnings {
                eprintln!("cảnh báo: {w}");
            }
            let c = o.changes;
            println!(
                "{}{name}: {} dòng; {} mới, {} cập nhật, {} không đổi, {} xoá, {} bỏ qua ({:.1} s)",
                if dry_run {
                    "Chạy thử, không ghi gì — "
                } else {
                    "Đã nhập "
                },
                rows.len(),
                c.inserted,
                c.updated,
                c.unchanged,
                c.deleted,
                o.ignored,
                started.elapsed().as_secs_f64()
            );
            Ok(true)
        }
        Err(ImportError::Rejected(errors)) => {
            report_errors(&errors);
            Ok(false)
        }
        Err(ImportError::Store(e)) => Err(e.into()),
    }
}

fn report_errors(errors: &[chiso_io::FileError]) {
    for e in errors {
        eprintln!("lỗi: {e}");
    }
    eprintln!("Tệp có {} lỗi; không ghi dữ liệu nào.", errors.len());
}

/// Export values; returns the number of values written.
pub async fn export(
    store: Arc<dyn Store>,
    data_set: Option<String>,
    periods: Vec<String>,
    units: Vec<String>,
    children: bool,
    format: ExportFormat,
    output: Option<&Path>,
) -> anyhow::Result<usize> {
    let ds = match &data_set {
        Some(d) => {
            let code = Code::parse(d).map_err(|e| anyhow::anyhow!("--data-set {d}: {e}"))?;
            Some(
                chiso_collect::data_set(store.as_ref(), &code)
                    .await
                    .map_err(|e| anyhow::anyhow!("{e}"))?,
            )
        }
        None => None,
    };
    let periods = periods
        .iter()
        .flat_map(|p| p.split(','))
        .map(|p| Period::parse(p.trim()).map_err(|e| anyhow::anyhow!("--period {p}: {e}")))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let units = units
        .iter()
        .flat_map(|u| u.split(','))
        .map(|u| Code::parse(u.trim()).map_err(|e| anyhow::anyhow!("--unit {u}: {e}")))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let pb = spinner("Đọc số liệu");
    let values = store
        .values(&ValueQuery {
            elements: ds.as_ref().map(|d| d.elements.clone()).unwrap_or_default(),
            units,
            descendants: children,
            periods,
            ..Default::default()
        })
        .await?;
    pb.finish_and_clear();
    let rows: Vec<ExportRow> = values
        .into_iter()
        .map(|v| ExportRow {
            element: v.element.to_string(),
            period: v.period.to_string(),
            unit: v.unit.to_string(),
            breakdown: v.breakdown.map(|b| b.to_string()),
            value: v.value,
            comment: v.comment,
            source: v.source.to_string(),
            stored_by: v.stored_by,
            stored_at: v.stored_at,
        })
        .collect();
    let bytes = match format {
        ExportFormat::Csv => chiso_io::csv_values::write_csv(&rows),
        ExportFormat::Dhis2Csv => chiso_io::csv_values::write_dhis2_csv(&rows),
        ExportFormat::Dhis2Json => chiso_io::dhis2::write_dhis2_json(data_set.as_deref(), &rows),
    };
    match output {
        Some(p) => {
            std::fs::write(p, &bytes).with_context(|| format!("không ghi được {}", p.display()))?
        }
        None => {
            use std::io::Write;
            std::io::stdout().write_all(&bytes)?;
        }
    }
    Ok(rows.len())
}
