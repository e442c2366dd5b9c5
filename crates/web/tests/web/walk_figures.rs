//! Faults a person met on the walk through the pages (issue 13): figures.

#[allow(unused_imports)]
use super::*;
