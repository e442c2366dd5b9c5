//! Writes the templates the LibreOffice fixtures of `tests/libreoffice.rs` were made from:
//! `unit.xlsx` (a unit's form) and `grid.xlsx` (a consolidator's grid), into the directory
//! given.
//!
//! ```text
//! cargo run -p chiso-io --example write_templates -- /some/dir
//! ```
//!
//! Fill them in LibreOffice Calc as `tests/libreoffice.rs` describes, save as Excel 2007-365
//! and copy the results to `tests/fixtures/libreoffice-{unit,grid}.xlsx`.

#[path = "../tests/support/templates.rs"]
mod templates;

use chiso_io::xlsx::{write_grid_template, write_unit_template};
use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(dir) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: write_templates <directory>");
        return ExitCode::from(2);
    };
    let write = |name: &str, bytes: Result<Vec<u8>, String>| -> Result<(), String> {
        let path = dir.join(name);
        std::fs::write(&path, bytes?).map_err(|e| format!("{}: {e}", path.display()))?;
        println!("{}", path.display());
        Ok(())
    };
    let done = write("unit.xlsx", write_unit_template(&templates::unit()))
        .and_then(|()| write("grid.xlsx", write_grid_template(&templates::grid())));
    match done {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}
