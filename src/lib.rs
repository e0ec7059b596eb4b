//! ddb-ferry moves a DynamoDB table to another AWS account or region through S3.
//!
//! `engine` is the migration with no UI (its session, steps and job watcher); `aws` wraps the
//! SDK; `logic` is pure logic over export layouts, manifests, items, policies and tables; `cli`
//! and `tui` are the two faces that drive the engine. docs/architecture.md draws the arrows.

// Failures carry three sentences of explanation; they are rare and end a step, so moving
// them by value costs nothing worth boxing for.
#![allow(clippy::result_large_err)]

pub mod aws;
pub mod cli;
pub mod engine;
pub mod logic;
pub mod tui;

#[cfg(test)]
mod layering;
