//! The sandbox-free parts of the `code.tests` aspect: finding the program
//! in a response ([`extract`]), reading a sample's tests ([`reference`](mod@reference),
//! [`convert`](mod@convert)), Python values and their equality ([`pyvalue`],
//! [`typed_json`]), judging stdout ([`compare`]) and call results
//! ([`call`], [`harness`]).
//!
//! The threat model: the model's code is hostile. It runs in a sandbox;
//! expected values never enter the sandbox; every comparison happens here,
//! in Rust; an exit status of 0 alone never counts as a pass; and whatever
//! the sandboxed program prints is untrusted data.

mod aspect;
pub mod call;
pub mod compare;
pub mod convert;
pub mod extract;
pub mod harness;
mod pyeval;
mod pyexpr;
mod pysyntax;
pub mod pyvalue;
pub mod reference;
pub mod typed_json;

pub use aspect::{Config, ENTRY, Reward, WhitespaceName};
pub use call::{CallTest, Check, Singleton, Transform, check_call};
pub use compare::{StdoutRules, Verdict, Whitespace, compare_stdout};
pub use convert::{Conversion, Skipped, Unconverted, convert, convert_asserts};
pub use extract::extract_code;
pub use harness::{
    CallResult, CallResults, decode_call_results, harness_input, python_call_harness, verdicts,
};
pub use pyeval::LiteralError;
pub use pyvalue::{PyValue, Tolerance, py_eq};
pub use reference::{CodeReference, Language, ReferenceError, StdioTest, Tests, parse_reference};
pub use typed_json::{Limits, TypedJsonError};
