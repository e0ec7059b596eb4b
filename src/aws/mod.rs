//! Thin async wrappers over the AWS SDK, one file per service. They return plain types from
//! `engine` and explained failures, so nothing above them sees an SDK type.

pub mod attr;
pub mod backup;
pub mod clock;
pub mod dynamodb;
pub mod dynamodb_backup;
pub mod dynamodb_read;
pub mod dynamodb_write;
pub mod explain;
pub mod logs;
pub mod organizations;
pub mod s3;
pub mod s3_stream;
pub mod session;
pub mod sts;
