//! ddb-ferry moves a DynamoDB table to another AWS account or region through S3.
//!
//! `engine` is the migration with no UI; `aws` wraps the SDK; `export` is pure logic over
//! export layouts, manifests, items and policies; `cli` is the headless face.

// Failures carry three sentences of explanation; they are rare and end a step, so moving
// them by value costs nothing worth boxing for.
#![allow(clippy::result_large_err)]

pub mod aws;
pub mod cli;
pub mod engine;
pub mod export;
pub mod tui;

#[cfg(test)]
mod layering;
