//! The front ends: the only code that touches argv, the environment and the standard streams.
//! Each turns its input into the core's calls (values layers, settings, a manifest stream) and
//! the core's diagnostics into its output format.

pub mod argocd;
pub mod boundary;
#[cfg(feature = "cli")]
pub mod cli;
pub mod fnconfig;
pub mod guard;
pub mod helm4;
pub mod io;
pub mod krm;
pub mod kustomize;
pub mod run;
pub mod sniff;
