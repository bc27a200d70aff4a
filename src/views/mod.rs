//! The page's panes, one component each. They read state through props and
//! change it only by dispatching `Action`s (or through the worker client for
//! what needs the worker), so each renders again only when its props change.

pub mod bar;
pub mod build;
pub mod ci;
pub mod compare;
pub mod container;
pub mod findings;
pub mod history;
pub mod image;
pub mod intake;
pub mod layers;
pub mod packages;
pub mod reports;
pub mod story;
pub mod term;
pub mod tour;
pub mod tree;
pub mod treemap;
pub mod waste;
