//! The full tier: the real Helm 3.17.3, 4.1.4 and 4.2.3, kubectl and kustomize, kpt,
//! pre-commit, kubernetes-validate, zsh and fish, the release artifacts and the Argo CD image.
//! Not run by a plain `cargo test` (`test = false` in Cargo.toml); `.ci/full-tier` runs it (it
//! installs what it needs and requires root for apt), and `cargo test --locked --test full`
//! runs it where the tools are already installed.

#[path = "../common/mod.rs"]
mod common;

mod argocd_cmp;
mod dist;
mod e2e_helm3;
mod e2e_helm4;
mod e2e_kpt;
mod e2e_kustomize;
mod generated_objects;
mod helm_values_diff;
mod kpt_values;
mod kube;
mod kube_argocd;
mod kube_helm;
mod kube_reader;
mod kube_vap;
mod large_input;
mod precommit;
mod shell_integration;
