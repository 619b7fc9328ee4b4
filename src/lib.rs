//! spaces-postrender: a pure, offline function from (Helm values, rendered manifests) to
//! (validated alpha feature flags, rendered manifests + generated manifests) for Upbound Spaces.
//!
//! Pipeline: [`values`] (load, merge, `--set`) -> [`schema`] (validation, diagnostics) ->
//! [`features`] (typed view) -> [`plan`] (which objects, per target) -> [`render`] (templates) ->
//! [`stream`] / [`identify`] / [`pipeline`] (split, identify, pass through, append) -> [`cli`].
//! [`why`] explains a run from the same plan; [`golden`] and [`sarif`] serve CI.

pub mod cli;
pub mod decide;
pub mod diag;
pub mod fnconfig;
pub mod golden;
pub mod guard;
pub mod helm4;
pub mod identify;
pub mod k8s;
pub mod krm;
pub mod kustomize;
pub mod pipeline;
pub mod plan;
pub mod procio;
pub mod render;
pub mod sarif;
pub mod scan;
pub mod sniff;
pub mod spool;
pub mod stream;
pub mod values;
pub mod why;
pub mod yamlio;

/// Success (warnings allowed).
pub const EXIT_OK: i32 = 0;
/// Invalid values or input.
pub const EXIT_INVALID: i32 = 1;
/// Usage error.
pub const EXIT_USAGE: i32 = 2;
