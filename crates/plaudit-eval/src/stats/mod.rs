//! Statistics: the bootstrap, McNemar's test, correlation, and the
//! generator they draw from.

pub mod bootstrap;
pub mod correlation;
pub mod mcnemar;
pub mod rng;
