//! Rule-based reward aspects, one per file.
//!
//! Each file holds one aspect kind: a config struct (the spec's parameters,
//! unknown fields rejected) that builds into an [`plaudit_core::Aspect`], the
//! kind's [`plaudit_core::KindEntry`], its documentation and its table tests.
//! [`register`] adds every kind to a registry; adding a verifier touches its
//! file and one line there.
#![deny(missing_docs)]

/// Adds every rule-based aspect kind to `registry`.
pub fn register(registry: &mut plaudit_core::Registry) {
    let _ = registry;
}
