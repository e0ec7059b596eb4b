#![allow(dead_code, unused)]
pub enum LineKind { Items, Changes }
