//! Widgets shared by the screens: each lives once.

pub mod big_text;
pub mod failure;
pub mod field;
pub mod pane;
pub mod picker;
pub mod step_bar;
pub mod text;
