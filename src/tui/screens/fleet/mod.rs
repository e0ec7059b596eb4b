//! The fleet road: two or more tables marked on the Table screen move together as one
//! migration through S3.

pub mod model;
