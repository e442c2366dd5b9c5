//! Faults a person met on the walk through the pages (issue 13): plans.

#[allow(unused_imports)]
use super::*;
