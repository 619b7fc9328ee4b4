//! spaces-postrender's core: a pure, offline function from (Helm values, rendered manifests)
//! to (validated alpha feature flags, rendered manifests + generated manifests) for Upbound
//! Spaces. No core module touches argv, the environment or the standard streams; the front
//! ends ([`front`]: the CLI behind the `cli` feature, the kustomize exec plugin, the KRM
//! function, the Helm 4 plugin, the Argo CD plugin) alone do, through an injected
//! [`front::io::Io`].
//!
//! Data flows one way:
//! [`values`] (load and merge the layers, schema, features) -> [`plan`] (which objects) ->
//! [`pipeline`] ([`scan`] the input through [`stream`] and [`identify`], [`decide`], [`render`],
//! [`spool`]) -> reports ([`why`], [`sarif`], [`golden`]), all speaking [`diag`].

pub mod decide;
pub mod diag;
pub mod front;
pub mod golden;
pub mod identify;
pub mod k8s;
pub mod pipeline;
pub mod plan;
pub mod render;
pub mod sarif;
pub mod scan;
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
