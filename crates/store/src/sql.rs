//! What the store's code needs of a database, written once: a statement with its parameters
//! ([`Sql`]), a row read by column name or position ([`Row`], [`Col`]), a write transaction
//! ([`Tx`]), and the [`SqlBackend`] trait each backend implements — how to run a statement,
//! how to read a column, and the few places where the dialects differ, as named constants.
//!
//! The SQL text is the dialect SQLite and PostgreSQL share (`$n` parameters, `ON CONFLICT`,
//! `RETURNING`, recursive CTEs). Row reads decode natively (sqlx's own decoders), so nothing
//! is converted twice.

use crate::{Result, StoreError};
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};

/// A parameter of a statement; a missing value (`None`) is a NULL of the parameter's type.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Param {
    Text(Option<String>),
    Int(Option<i64>),
    Int4(Option<i32>),
    Float(Option<f64>),
    Bool(Option<bool>),
    Date(Option<NaiveDate>),
    Time(Option<DateTime<Utc>>),
    Bytes(Option<Vec<u8>>),
}

macro_rules! param_from {
    ($($t:ty => $variant:ident($conv:expr)),* $(,)?) => {
        $(
            impl From<$t> for Param {
                fn from(v: $t) -> Param {
                    Param::$variant(Some($conv(v)))
                }
            }
            impl From<Option<$t>> for Param {
                fn from(v: Option<$t>) -> Param {
                    Param::$variant(v.map($conv))
                }
            }
        )*
    };
}

param_from!(
    String => Text(|v: String| v),
    &String => Text(|v: &String| v.clone()),
    &str => Text(|v: &str| v.to_string()),
    i64 => Int(|v: i64| v),
    i32 => Int4(|v: i32| v),
    u32 => Int(i64::from),
    f64 => Float(|v: f64| v),
    bool => Bool(|v: bool| v),
    NaiveDate => Date(|v: NaiveDate| v),
    DateTime<Utc> => Time(|v: DateTime<Utc>| v),
    Vec<u8> => Bytes(|v: Vec<u8>| v),
    &[u8] => Bytes(|v: &[u8]| v.to_vec()),
);

impl<T> From<&Option<T>> for Param
where
    T: Clone,
    Option<T>: Into<Param>,
{
    fn from(v: &Option<T>) -> Param {
        v.clone().into()
    }
}

/// A statement and its parameters. Parameters are `$1`, `$2`, … in the text, either written
/// out (with [`Sql::bind`] in order) or added with [`Sql::push_bind`].
#[derive(Debug, Clone, Default)]
pub(crate) struct Sql {
    pub(crate) text: String,
    pub(crate) params: Vec<Param>,
}

/// A statement.
pub(crate) fn stmt(text: impl Into<String>) -> Sql {
    Sql {
        text: text.into(),
        params: Vec::new(),
    }
}

impl Sql {
    /// The next parameter (`$n` is already in the text).
    pub fn bind(mut self, p: impl Into<Param>) -> Sql {
        self.params.push(p.into());
        self
    }

    /// Add text.
    pub fn push(&mut self, text: impl AsRef<str>) -> &mut Sql {
        self.text.push_str(text.as_ref());
        self
    }

    /// Add items separated by `sep` (for `IN (…)` lists and `VALUES` rows).
    pub fn separated(&mut self, sep: &'static str) -> Separated<'_> {
        Separated {
            sql: self,
            sep,
            first: true,
        }
    }

    /// Add `VALUES (…), (…)`: one parenthesised row per item, its fields pushed by `row`.
    pub fn push_values<I, F>(&mut self, items: I, mut row: F) -> &mut Sql
    where
        I: IntoIterator,
        F: FnMut(Separated<'_>, I::Item),
    {
        self.push("VALUES ");
        for (i, item) in items.into_iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.push("(");
            row(self.separated(", "), item);
            self.push(")");
        }
        self
    }

    /// Add a parameter and its placeholder.
    pub fn push_bind(&mut self, p: impl Into<Param>) -> &mut Sql {
        self.params.push(p.into());
        let n = self.params.len();
        self.text.push('$');
        self.text.push_str(&n.to_string());
        self
    }
}

/// Where a statement runs: a write transaction (`&mut Tx<B>`) or the backend's pool (`&B`).
#[async_trait]
pub(crate) trait Exec<B: SqlBackend>: Send {
    async fn run_all(self, q: Sql) -> Result<Vec<Row<B>>>;
    async fn run(self, q: Sql) -> Result<u64>;
}

#[async_trait]
impl<B: SqlBackend> Exec<B> for &mut Tx<B> {
    async fn run_all(self, q: Sql) -> Result<Vec<Row<B>>> {
        B::tx_all(self, &q).await
    }
    async fn run(self, q: Sql) -> Result<u64> {
        B::tx_exec(self, &q).await
    }
}

#[async_trait]
impl<B: SqlBackend> Exec<B> for &B {
    async fn run_all(self, q: Sql) -> Result<Vec<Row<B>>> {
        self.read_all(&q).await
    }
    async fn run(self, q: Sql) -> Result<u64> {
        self.read_exec(&q).await
    }
}

impl Sql {
    pub async fn fetch_all<B: SqlBackend, E: Exec<B>>(self, on: E) -> Result<Vec<Row<B>>> {
        on.run_all(self).await
    }

    pub async fn fetch_optional<B: SqlBackend, E: Exec<B>>(self, on: E) -> Result<Option<Row<B>>> {
        Ok(on.run_all(self).await?.into_iter().next())
    }

    /// Run the statement; the number of rows it touched.
    pub async fn execute<B: SqlBackend, E: Exec<B>>(self, on: E) -> Result<u64> {
        on.run(self).await
    }
}

/// A statement whose rows are one column each.
pub(crate) fn scalar(text: impl Into<String>) -> Scalar {
    Scalar(stmt(text))
}

/// A statement read as its first column (see [`scalar`]).
pub(crate) struct Scalar(pub Sql);

impl Scalar {
    pub fn bind(self, p: impl Into<Param>) -> Scalar {
        Scalar(self.0.bind(p))
    }

    pub async fn fetch_all<B, E, T>(self, on: E) -> Result<Vec<T>>
    where
        B: SqlBackend,
        E: Exec<B>,
        T: Col<B>,
    {
        on.run_all(self.0).await?.iter().map(|r| r.at(0)).collect()
    }

    pub async fn fetch_optional<B, E, T>(self, on: E) -> Result<Option<T>>
    where
        B: SqlBackend,
        E: Exec<B>,
        T: Col<B>,
    {
        on.run_all(self.0)
            .await?
            .first()
            .map(|r| r.at(0))
            .transpose()
    }

    pub async fn fetch_one<B, E, T>(self, on: E) -> Result<T>
    where
        B: SqlBackend,
        E: Exec<B>,
        T: Col<B>,
    {
        self.fetch_optional(on)
            .await?
            .ok_or_else(|| StoreError::Corrupt("a query that returns a row returned none".into()))
    }
}

/// Items added to a statement with a separator between them (see [`Sql::separated`]).
pub(crate) struct Separated<'a> {
    sql: &'a mut Sql,
    sep: &'static str,
    first: bool,
}

impl Separated<'_> {
    fn sep(&mut self) {
        if !self.first {
            self.sql.push(self.sep);
        }
        self.first = false;
    }

    /// Add a parameter (after a separator, but for the first).
    pub fn push_bind(&mut self, p: impl Into<Param>) -> &mut Self {
        self.sep();
        self.sql.push_bind(p);
        self
    }
}

/// A column of a row, by name or position.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Idx<'a> {
    Name(&'a str),
    Pos(usize),
}

impl std::fmt::Display for Idx<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Idx::Name(n) => f.write_str(n),
            Idx::Pos(p) => write!(f, "#{p}"),
        }
    }
}

/// A row read from a backend.
pub(crate) struct Row<B: SqlBackend>(pub(crate) B::DbRow);

impl<B: SqlBackend> Row<B> {
    /// The column named `name`.
    pub fn get<T: Col<B>>(&self, name: &str) -> Result<T> {
        T::col(self, Idx::Name(name))
    }

    /// The column at `pos` (0-based).
    pub fn at<T: Col<B>>(&self, pos: usize) -> Result<T> {
        T::col(self, Idx::Pos(pos))
    }
}

/// A Rust type a column reads into.
pub(crate) trait Col<B: SqlBackend>: Sized {
    fn col(row: &Row<B>, i: Idx<'_>) -> Result<Self>;
}

fn not_null<T>(v: Option<T>, i: Idx<'_>) -> Result<T> {
    v.ok_or_else(|| StoreError::Corrupt(format!("column {i} is empty")))
}

macro_rules! col {
    ($($t:ty => $get:ident),* $(,)?) => {
        $(
            impl<B: SqlBackend> Col<B> for Option<$t> {
                fn col(row: &Row<B>, i: Idx<'_>) -> Result<Self> {
                    B::$get(&row.0, i)
                }
            }
            impl<B: SqlBackend> Col<B> for $t {
                fn col(row: &Row<B>, i: Idx<'_>) -> Result<Self> {
                    not_null(B::$get(&row.0, i)?, i)
                }
            }
        )*
    };
}

col!(
    String => text,
    i64 => int,
    i32 => int4,
    f64 => float,
    bool => boolean,
    NaiveDate => date,
    DateTime<Utc> => time,
    Vec<u8> => bytes,
);

/// A write transaction: committed explicitly, rolled back when dropped.
pub(crate) struct Tx<B: SqlBackend>(pub(crate) sqlx::Transaction<'static, B::Db>);

impl<B: SqlBackend> Tx<B> {
    pub async fn commit(self) -> Result<()> {
        Ok(self.0.commit().await?)
    }

    pub async fn rollback(self) -> Result<()> {
        Ok(self.0.rollback().await?)
    }
}

/// What each backend writes its own way, for speed: new values in bulk (prepared statements
/// on SQLite, `COPY` on PostgreSQL), changed values, chained audit rows.
#[async_trait]
pub(crate) trait Bulk {
    /// Insert values whose keys are not stored (the caller has checked), in key order, while
    /// `beside` runs (on another thread for a long write); returns what it returned.
    async fn insert_new_values<U: Send, F: FnOnce() -> U + Send>(
        tx: &mut Tx<Self>,
        rows: &[&crate::bulk::ValueOut<'_>],
        by: &str,
        at: DateTime<Utc>,
        beside: F,
    ) -> Result<U>
    where
        Self: SqlBackend;
    /// Update stored values in place, in key order.
    async fn update_values(
        tx: &mut Tx<Self>,
        rows: &[&crate::bulk::ValueOut<'_>],
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<()>
    where
        Self: SqlBackend;
    /// Append chained audit rows, in order.
    async fn insert_audit_rows(
        tx: &mut Tx<Self>,
        at: DateTime<Utc>,
        actor: &crate::Actor,
        rows: &[crate::common::AuditRow<'_>],
    ) -> Result<()>
    where
        Self: SqlBackend;
}

/// A database the store runs on. Implemented by [`crate::SqliteStore`] and
/// [`crate::PgStore`]; every role trait of the store is implemented once for any backend.
#[async_trait]
pub(crate) trait SqlBackend: Bulk + Send + Sync + Sized + 'static {
    type Db: sqlx::Database;
    type DbRow: Send + Sync;

    const KIND: crate::Backend;
    /// Appended to a `SELECT` that reads rows about to be changed (`FOR UPDATE`).
    const ROW_LOCK: &'static str;
    /// Run first in a transaction that appends to the audit chain (an advisory lock on
    /// PostgreSQL; nothing on SQLite, whose writers are serialised already).
    const CHAIN_LOCK: &'static str;
    /// Open a write transaction.
    async fn begin_write(&self) -> Result<Tx<Self>>;

    async fn tx_all(tx: &mut Tx<Self>, q: &Sql) -> Result<Vec<Row<Self>>>;
    async fn tx_exec(tx: &mut Tx<Self>, q: &Sql) -> Result<u64>;
    /// Run a script of several statements without parameters (a migration).
    async fn tx_script(tx: &mut Tx<Self>, sql: &'static str) -> Result<()>;
    /// Read outside a transaction (on the pool).
    async fn read_all(&self, q: &Sql) -> Result<Vec<Row<Self>>>;
    /// Run a statement outside a transaction (on the pool).
    async fn read_exec(&self, q: &Sql) -> Result<u64>;
    /// Open a transaction that only reads (several reads that must agree).
    async fn begin_read(&self) -> Result<Tx<Self>>;
    /// Close the pool's connections, waiting for them.
    async fn close_pool(&self);
    /// Stream every numeric value (see [`crate::ValueReads::scan_numbers`]).
    async fn scan_numbers_packed(&self, sink: &mut crate::NumberSink<'_>) -> Result<u64>;

    fn text(row: &Self::DbRow, i: Idx<'_>) -> Result<Option<String>>;
    fn int(row: &Self::DbRow, i: Idx<'_>) -> Result<Option<i64>>;
    fn int4(row: &Self::DbRow, i: Idx<'_>) -> Result<Option<i32>>;
    fn float(row: &Self::DbRow, i: Idx<'_>) -> Result<Option<f64>>;
    fn boolean(row: &Self::DbRow, i: Idx<'_>) -> Result<Option<bool>>;
    fn date(row: &Self::DbRow, i: Idx<'_>) -> Result<Option<NaiveDate>>;
    fn time(row: &Self::DbRow, i: Idx<'_>) -> Result<Option<DateTime<Utc>>>;
    fn bytes(row: &Self::DbRow, i: Idx<'_>) -> Result<Option<Vec<u8>>>;
}

/// The [`SqlBackend`] implementation of a backend whose sqlx driver decodes the column types
/// the store uses: the part both backends share, written once.
macro_rules! sqlx_backend {
    (
        $store:ty, $db:ty, $row:ty,
        kind: $kind:expr, row_lock: $row_lock:expr, chain_lock: $chain_lock:expr, pack: $pack:expr,
        begin: |$this:ident| $begin:expr $(,)?
    ) => {
        fn bound<'q>(
            q: &'q $crate::sql::Sql,
        ) -> sqlx::query::Query<'q, $db, <$db as sqlx::Database>::Arguments<'q>> {
            use $crate::sql::Param;
            let mut query = sqlx::query(&q.text);
            for p in &q.params {
                query = match p {
                    Param::Text(s) => query.bind(s.as_deref()),
                    Param::Int(v) => query.bind(*v),
                    Param::Int4(v) => query.bind(*v),
                    Param::Float(v) => query.bind(*v),
                    Param::Bool(v) => query.bind(*v),
                    Param::Date(v) => query.bind(*v),
                    Param::Time(v) => query.bind(*v),
                    Param::Bytes(v) => query.bind(v.as_deref()),
                };
            }
            query
        }

        fn get<'r, T>(row: &'r $row, i: $crate::sql::Idx<'_>) -> $crate::Result<Option<T>>
        where
            T: sqlx::Decode<'r, $db> + sqlx::Type<$db>,
        {
            use sqlx::Row as _;
            Ok(match i {
                $crate::sql::Idx::Name(n) => row.try_get::<Option<T>, _>(n)?,
                $crate::sql::Idx::Pos(p) => row.try_get::<Option<T>, _>(p)?,
            })
        }

        #[async_trait::async_trait]
        impl $crate::sql::SqlBackend for $store {
            type Db = $db;
            type DbRow = $row;

            const KIND: $crate::Backend = $kind;
            const ROW_LOCK: &'static str = $row_lock;
            const CHAIN_LOCK: &'static str = $chain_lock;

            async fn begin_write(&self) -> $crate::Result<$crate::sql::Tx<Self>> {
                let $this = self;
                $crate::outage::on_pool(|| async { Ok($crate::sql::Tx($begin)) }).await
            }

            async fn tx_all(
                tx: &mut $crate::sql::Tx<Self>,
                q: &$crate::sql::Sql,
            ) -> $crate::Result<Vec<$crate::sql::Row<Self>>> {
                let rows = $crate::outage::bounded_in_tx(async {
                    Ok(bound(q).fetch_all(&mut *tx.0).await?)
                })
                .await?;
                Ok(rows.into_iter().map($crate::sql::Row).collect())
            }

            async fn tx_exec(
                tx: &mut $crate::sql::Tx<Self>,
                q: &$crate::sql::Sql,
            ) -> $crate::Result<u64> {
                $crate::outage::bounded_in_tx(async {
                    Ok(bound(q).execute(&mut *tx.0).await?.rows_affected())
                })
                .await
            }

            async fn tx_script(
                tx: &mut $crate::sql::Tx<Self>,
                sql: &'static str,
            ) -> $crate::Result<()> {
                // No parameters: the simple query protocol, which runs several statements.
                sqlx::Executor::execute(&mut *tx.0, sql).await?;
                Ok(())
            }

            async fn read_exec(&self, q: &$crate::sql::Sql) -> $crate::Result<u64> {
                $crate::outage::on_pool(|| async {
                    Ok(bound(q).execute(&self.pool).await?.rows_affected())
                })
                .await
            }

            async fn begin_read(&self) -> $crate::Result<$crate::sql::Tx<Self>> {
                $crate::outage::on_pool(|| async { Ok($crate::sql::Tx(self.pool.begin().await?)) })
                    .await
            }

            async fn close_pool(&self) {
                self.pool.close().await;
            }

            async fn scan_numbers_packed(
                &self,
                sink: &mut $crate::NumberSink<'_>,
            ) -> $crate::Result<u64> {
                use futures_util::TryStreamExt;
                use sqlx::Row as _;
                // One row per element and unit, read in key order (no sort: the SQLite table
                // itself, PostgreSQL's covering index), with the periods, breakdown options and
                // values packed by the database: a few rows through the driver instead of one
                // per value. The canonical value text is exact, as `num` is. The elements are
                // read in two halves at once, on two connections.
                let codes: Vec<String> =
                    sqlx::query_scalar("SELECT code FROM data_elements ORDER BY code")
                        .fetch_all(&self.pool)
                        .await?;
                let mid = codes.get(codes.len() / 2).cloned().unwrap_or_default();
                let sql = |cmp: &str| {
                    format!(
                        "SELECT element, unit, {} FROM data_values \
                         WHERE num IS NOT NULL AND element {cmp} $1 GROUP BY element, unit",
                        $pack
                    )
                };
                let (low, high) = (sql("<"), sql(">="));
                let mut rows = futures_util::stream::select(
                    sqlx::query(&low).bind(mid.as_str()).fetch(&self.pool),
                    sqlx::query(&high).bind(mid.as_str()).fetch(&self.pool),
                );
                let mut n = 0u64;
                while let Some(r) = rows.try_next().await? {
                    let element: &str = r.try_get("element")?;
                    let unit: &str = r.try_get("unit")?;
                    let periods: &str = r.try_get("periods")?;
                    let breakdowns: &str = r.try_get("breakdowns")?;
                    let values: &str = r.try_get("vals")?;
                    let packed = periods
                        .split(';')
                        .zip(breakdowns.split(';'))
                        .zip(values.split(';'));
                    for ((period, breakdown), value) in packed {
                        let num = match value {
                            "true" => 1.0,
                            "false" => 0.0,
                            v => match v.parse::<f64>() {
                                Ok(x) => x,
                                Err(_) => continue,
                            },
                        };
                        sink(element, breakdown, unit, period, num);
                        n += 1;
                    }
                }
                Ok(n)
            }

            async fn read_all(
                &self,
                q: &$crate::sql::Sql,
            ) -> $crate::Result<Vec<$crate::sql::Row<Self>>> {
                let rows =
                    $crate::outage::on_pool(|| async { Ok(bound(q).fetch_all(&self.pool).await?) })
                        .await?;
                Ok(rows.into_iter().map($crate::sql::Row).collect())
            }

            fn text(row: &$row, i: $crate::sql::Idx<'_>) -> $crate::Result<Option<String>> {
                get(row, i)
            }
            fn int(row: &$row, i: $crate::sql::Idx<'_>) -> $crate::Result<Option<i64>> {
                get(row, i)
            }
            fn int4(row: &$row, i: $crate::sql::Idx<'_>) -> $crate::Result<Option<i32>> {
                get(row, i)
            }
            fn float(row: &$row, i: $crate::sql::Idx<'_>) -> $crate::Result<Option<f64>> {
                get(row, i)
            }
            fn boolean(row: &$row, i: $crate::sql::Idx<'_>) -> $crate::Result<Option<bool>> {
                get(row, i)
            }
            fn date(
                row: &$row,
                i: $crate::sql::Idx<'_>,
            ) -> $crate::Result<Option<chrono::NaiveDate>> {
                get(row, i)
            }
            fn time(
                row: &$row,
                i: $crate::sql::Idx<'_>,
            ) -> $crate::Result<Option<chrono::DateTime<chrono::Utc>>> {
                get(row, i)
            }
            fn bytes(row: &$row, i: $crate::sql::Idx<'_>) -> $crate::Result<Option<Vec<u8>>> {
                get(row, i)
            }
        }
    };
}

pub(crate) use sqlx_backend;
