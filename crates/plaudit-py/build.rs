//! Lets `cargo test` binaries find libpython at run time.
//!
//! Without the `extension-module` feature (the default, see Cargo.toml) the
//! crate links libpython, so its test executables load it when they start;
//! an interpreter installed outside the system's library path (pyenv, a
//! virtual environment's base) would leave them unable to. The wheel is
//! built with `extension-module` (pyproject.toml), links no libpython and
//! gets no search path.
fn main() {
    println!("cargo:rerun-if-env-changed=CARGO_FEATURE_EXTENSION_MODULE");
    if std::env::var_os("CARGO_FEATURE_EXTENSION_MODULE").is_some() {
        return;
    }
    let config = pyo3_build_config::get();
    if let Some(dir) = config.lib_dir() {
        println!("cargo:rustc-link-arg=-Wl,-rpath,{dir}");
    }
}
